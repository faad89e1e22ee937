import { describe, expect, it } from 'vitest';
import { fetched } from '../../../test/support/kafka/fetched-messages.js';
import { countBefore, messageOffsets, messageTexts, type FetchedMessage } from './message-text.js';

const decoder = new TextDecoder('utf-8');

describe('messageTexts', () => {
  it('reads each value as TextDecoder does: ASCII, UTF-8, invalid bytes, a BOM, none', () => {
    const values = [
      '{"user_id":1,"page":"/a"}',
      '{"page":"/ü/日本 😀"}',
      new Uint8Array([0x7b, 0xc3, 0x28, 0x7d]),
      new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d]),
      null,
      '',
      'plain ascii, after the rest',
    ];
    const messages = fetched(values);
    const expected = messages.map((m) => (m.value === null ? '' : decoder.decode(m.value)));
    expect(messageTexts(messages, messages.length)).toEqual(expected);
    expect(expected[3]).toBe('{}');
    expect(expected[2]).toContain('\ufffd');
  });

  it('reads values held in separate buffers, and only the first `count`', () => {
    const messages: FetchedMessage[] = ['{"a":1}', '{"b":2}', '{"c":3}'].map((v, i) => ({ offset: String(i), value: Buffer.from(v) }));
    expect(messageTexts(messages, 2)).toEqual(['{"a":1}', '{"b":2}']);
    expect(messageTexts(fetched(['x', 'y']), 1)).toEqual(['x']);
  });
});

describe('messageOffsets and countBefore', () => {
  it('numbers consecutive offsets, and lists offsets with gaps (compacted topics, transaction markers)', () => {
    const consecutive = messageOffsets(fetched(['a', 'b', 'c'], [41, 42, 43]), 3);
    expect([0, 1, 2].map(consecutive)).toEqual([41, 42, 43]);
    const gaps: FetchedMessage[] = [5, 6, 9, 12].map((o) => ({ offset: String(o), value: null }));
    expect([0, 1, 2, 3].map(messageOffsets(gaps, 4))).toEqual([5, 6, 9, 12]);
    expect([0, 1].map(messageOffsets(gaps, 2))).toEqual([5, 6]);
  });

  it('counts the messages before an end offset', () => {
    const gaps: FetchedMessage[] = [5, 6, 9, 12].map((o) => ({ offset: String(o), value: null }));
    expect(countBefore(gaps, 100)).toBe(4);
    expect(countBefore(gaps, 12)).toBe(3);
    expect(countBefore(gaps, 9)).toBe(2);
    expect(countBefore(gaps, 5)).toBe(0);
  });
});
