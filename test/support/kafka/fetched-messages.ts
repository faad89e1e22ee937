// Fetched Kafka messages as kafkajs hands them over, for the tests of reading their values.

import type { FetchedMessage } from '../../../src/adapters/kafka/message-text.js';

/** Values laid out in one buffer with a few bytes between them, as in a fetch response; offsets 100, 101, … unless given. */
export function fetched(values: readonly (string | Uint8Array | null)[], offsets: readonly number[] = values.map((_v, i) => 100 + i)): FetchedMessage[] {
  const bytes = values.map((v) => (v === null ? null : typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.from(v)));
  const buffer = Buffer.alloc(bytes.reduce((sum, b) => sum + (b?.length ?? 0) + 7, 0), 0xff);
  let at = 0;
  return bytes.map((b, i) => {
    at += 7;
    const offset = String(offsets[i]);
    if (b === null) return { offset, value: null };
    b.copy(buffer, at);
    const value = buffer.subarray(at, at + b.length);
    at += b.length;
    return { offset, value };
  });
}
