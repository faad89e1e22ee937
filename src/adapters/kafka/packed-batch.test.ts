import { describe, expect, it } from 'vitest';
import { fetched } from '../../../test/support/kafka/fetched-messages.js';
import { messageTexts, type FetchedMessage } from './message-text.js';
import { PackedBatch, packedTexts, packMessages, transferList, type PackedMessages } from './packed-batch.js';

/** As the job's thread receives it: the buffers moved to another owner (structuredClone with transfer). */
function handedOver(packed: PackedMessages): PackedMessages {
  return structuredClone(packed, { transfer: transferList(packed) });
}

const decoder = new TextDecoder('utf-8');
const expectedTexts = (messages: readonly FetchedMessage[]) => messages.map((m) => (m.value === null ? '' : decoder.decode(m.value)));

describe('packMessages and packedTexts', () => {
  it('give each value as TextDecoder does: UTF-8, invalid bytes as U+FFFD, a BOM dropped, null and empty values as empty text', () => {
    const messages = fetched([
      '{"user_id":1,"page":"/a"}',
      '{"page":"/ü/日本 😀"}',
      new Uint8Array([0x7b, 0xc3, 0x28, 0x7d]),
      new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d]),
      null,
      '',
      'plain ascii, after the rest',
      new Uint8Array([0xf0, 0x9f, 0x98]),
    ]);
    const packed = handedOver(packMessages(messages));
    expect(packed.isAscii).toBe(false);
    const texts = packedTexts(packed, messages.length);
    expect(texts).toEqual(expectedTexts(messages));
    expect(texts).toEqual(messageTexts(messages, messages.length));
    expect(texts[2]).toBe('{\ufffd(}');
    expect(texts[3]).toBe('{}');
    expect(texts[7]).toBe('\ufffd');
    expect(texts.slice(4, 6)).toEqual(['', '']);
  });

  it('read an all-ASCII batch as substrings of one Latin-1 text, and only the first `count` values', () => {
    const values = ['{"a":1}', null, '', '{"b":2}', '{"c":3}'];
    const messages = fetched(values);
    const packed = handedOver(packMessages(messages));
    expect(packed.isAscii).toBe(true);
    expect(packedTexts(packed, 5)).toEqual(['{"a":1}', '', '', '{"b":2}', '{"c":3}']);
    expect(packedTexts(packed, 4)).toEqual(['{"a":1}', '', '', '{"b":2}']);
    expect(packedTexts(packed, 2)).toEqual(['{"a":1}', '']);
  });

  it('pack only the values, one after the other, with −1 bounds for a missing value', () => {
    const packed = packMessages(fetched(['ab', null, '', 'cde']));
    expect(Buffer.from(packed.bytes).toString('latin1')).toBe('abcde');
    expect([...new Int32Array(packed.bounds)]).toEqual([0, 2, -1, -1, 2, 2, 2, 5]);
    const empty = packMessages(fetched([null, null]));
    expect(empty.bytes.byteLength).toBe(0);
    expect(packedTexts(handedOver(empty), 2)).toEqual(['', '']);
  });

  it('hand the buffers over by transfer: the packing side keeps nothing of them', () => {
    const packed = packMessages(fetched(['{"a":1}', '{"b":2}']));
    const received = handedOver(packed);
    expect([packed.bytes.byteLength, packed.bounds.byteLength, packed.offsets.byteLength]).toEqual([0, 0, 0]);
    expect(packedTexts(received, 2)).toEqual(['{"a":1}', '{"b":2}']);
  });
});

describe('PackedBatch', () => {
  const head = { partition: 3, fetchedOffset: 5, highWatermark: 20, lastOffset: 13 };

  it('numbers the messages with their offsets, gaps and all, and counts those before an end offset', () => {
    const batch = new PackedBatch(head, handedOver(packMessages(fetched(['a', 'b', null, 'd'], [5, 6, 9, 12]))));
    expect([batch.partition, batch.fetchedOffset, batch.highWatermark, batch.lastOffset, batch.size]).toEqual([3, 5, 20, 13, 4]);
    expect([0, 1, 2, 3].map(batch.offsets(4))).toEqual([5, 6, 9, 12]);
    expect(batch.countBefore(100)).toBe(4);
    expect(batch.countBefore(12)).toBe(3);
    expect(batch.countBefore(9)).toBe(2);
    expect(batch.countBefore(5)).toBe(0);
    expect(batch.texts(3)).toEqual(['a', 'b', '']);
  });

  it('keeps offsets up to 2^53 exact', () => {
    const high = 2 ** 53 - 3;
    const batch = new PackedBatch(head, handedOver(packMessages(fetched(['x', 'y'], [high, high + 1]))));
    expect([0, 1].map(batch.offsets(2))).toEqual([high, high + 1]);
  });
});
