import { describe, expect, it } from 'vitest';
import { BatchBuilder, messagesOf } from './record-batch.js';

const text = (b: Buffer | string | null | undefined): string => (Buffer.isBuffer(b) ? b.toString('utf8') : String(b));

describe('BatchBuilder and messagesOf', () => {
  it('gives back every key and value, in order, as UTF-8 bytes (multi-byte and astral characters too)', () => {
    const builder = new BatchBuilder();
    const pairs: [string, string][] = [
      ['per_minute|1795392000000|{"user_id":42}', '{"count":3}'],
      ['', ''],
      ['héllo wörld ☃', '{"page":"/ü/日本"}'],
      ['k😀', 'v😀😀'],
    ];
    for (const [k, v] of pairs) builder.add(k, v);
    expect(builder.count).toBe(4);
    expect(builder.chars).toBe(pairs.reduce((sum, [k, v]) => sum + k.length + v.length, 0));
    // UTF-8 bytes, not characters: what the sink's request size limit counts.
    expect(builder.byteLength).toBe(pairs.reduce((sum, [k, v]) => sum + Buffer.byteLength(k) + Buffer.byteLength(v), 0));
    expect(builder.byteLength).toBeGreaterThan(builder.chars);
    const batch = builder.take();
    expect(builder.byteLength).toBe(0);
    expect(batch.count).toBe(4);
    const messages = messagesOf(batch);
    expect(messages.map((m) => [text(m.key), text(m.value)])).toEqual(pairs);
    expect(messages.map((m) => (m.value as Buffer).length)).toEqual(pairs.map(([, v]) => Buffer.byteLength(v)));
  });

  it('grows past its first buffers, and starts empty again after take', () => {
    const builder = new BatchBuilder();
    const big = 'é'.repeat(400_000);
    const pairs: [string, string][] = [];
    for (let i = 0; i < 5_000; i++) pairs.push([`key-${i}`, i === 2_500 ? big : `value-${i}`]);
    for (const [k, v] of pairs) builder.add(k, v);
    const first = builder.take();
    expect(builder.count).toBe(0);
    expect(builder.chars).toBe(0);
    builder.add('next', 'one');
    const second = builder.take();
    expect(messagesOf(first).map((m) => [text(m.key), text(m.value)])).toEqual(pairs);
    expect(messagesOf(second).map((m) => [text(m.key), text(m.value)])).toEqual([['next', 'one']]);
  });

  it('hands over buffers that can be transferred to another thread', () => {
    const builder = new BatchBuilder();
    builder.add('k', 'v');
    const batch = builder.take();
    const { port1, port2 } = new MessageChannel();
    port1.postMessage(batch, [batch.bytes, batch.lengths]);
    // Transferred: this side's views are detached.
    expect(batch.bytes.byteLength).toBe(0);
    port1.close();
    port2.close();
  });
});
