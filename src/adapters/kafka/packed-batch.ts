// A fetched batch's messages as three transferable buffers: the consumer thread packs the values'
// bytes and the offsets once, the job's thread reads the values as text without kafkajs.

import { isAscii } from 'node:buffer';
import type { FetchedBatch } from './consumer-port.js';
import type { FetchedMessage } from './message-text.js';

/**
 * `count` messages: the values' bytes one after the other in `bytes`; in `bounds` (Int32) the start
 * and end of value i at 2i and 2i + 1 (both −1 for a message without a value); in `offsets`
 * (Float64) the message offsets. `isAscii`: every byte of `bytes` is below 0x80.
 */
export interface PackedMessages {
  readonly count: number;
  readonly bytes: ArrayBuffer;
  readonly bounds: ArrayBuffer;
  readonly offsets: ArrayBuffer;
  readonly isAscii: boolean;
}

/** The batch's messages packed; their buffers are new, to be transferred (see transferList). */
export function packMessages(messages: readonly FetchedMessage[]): PackedMessages {
  const count = messages.length;
  let total = 0;
  for (let i = 0; i < count; i++) total += (messages[i] as FetchedMessage).value?.length ?? 0;
  const bytes = new Uint8Array(new ArrayBuffer(total));
  const bounds = new Int32Array(2 * count);
  const offsets = new Float64Array(count);
  let at = 0;
  for (let i = 0; i < count; i++) {
    const { offset, value } = messages[i] as FetchedMessage;
    offsets[i] = Number(offset);
    if (value === null) {
      bounds[2 * i] = -1;
      bounds[2 * i + 1] = -1;
      continue;
    }
    bytes.set(value, at);
    bounds[2 * i] = at;
    at += value.length;
    bounds[2 * i + 1] = at;
  }
  return { count, bytes: bytes.buffer, bounds: bounds.buffer, offsets: offsets.buffer, isAscii: isAscii(bytes) };
}

/** The packed batch's size in bytes (its three buffers). */
export function packedSize(packed: PackedMessages): number {
  return packed.bytes.byteLength + packed.bounds.byteLength + packed.offsets.byteLength;
}

/** The buffers postMessage must transfer rather than copy. */
export function transferList(packed: PackedMessages): ArrayBuffer[] {
  return [packed.bytes, packed.bounds, packed.offsets];
}

const decoder = new TextDecoder('utf-8');

/**
 * The first `count` values as text, as messageTexts gives them ('' for none): the bytes are read
 * once as Latin-1 (one character per byte) and each ASCII value is a substring of that text, which
 * V8 makes without copying; any other value is decoded as UTF-8 (TextDecoder: invalid sequences
 * become U+FFFD, a leading BOM is dropped).
 */
export function packedTexts(packed: PackedMessages, count: number): string[] {
  const bytes = Buffer.from(packed.bytes);
  const bounds = new Int32Array(packed.bounds);
  const texts = new Array<string>(count);
  // Only the span the first `count` values take (those after it may be many and long).
  let spanEnd = 0;
  for (let i = count - 1; i >= 0 && spanEnd === 0; i--) spanEnd = Math.max(0, bounds[2 * i + 1] as number);
  const span = bytes.toString('latin1', 0, spanEnd);
  for (let i = 0; i < count; i++) {
    const start = bounds[2 * i] as number;
    const end = bounds[2 * i + 1] as number;
    if (start < 0) texts[i] = '';
    else if (packed.isAscii || isAscii(bytes.subarray(start, end))) texts[i] = span.substring(start, end);
    else texts[i] = decoder.decode(bytes.subarray(start, end));
  }
  return texts;
}

/** What the consumer thread says of a batch besides its messages. */
export interface PackedBatchHead {
  readonly partition: number;
  readonly fetchedOffset: number;
  readonly highWatermark: number;
  readonly lastOffset: number;
}

/** A batch packed by the consumer thread, as the source reads it. */
export class PackedBatch implements FetchedBatch {
  readonly partition: number;
  readonly fetchedOffset: number;
  readonly highWatermark: number;
  readonly lastOffset: number;
  readonly size: number;
  private readonly offsetList: Float64Array;

  constructor(
    head: PackedBatchHead,
    private readonly packed: PackedMessages,
  ) {
    this.partition = head.partition;
    this.fetchedOffset = head.fetchedOffset;
    this.highWatermark = head.highWatermark;
    this.lastOffset = head.lastOffset;
    this.size = packed.count;
    this.offsetList = new Float64Array(packed.offsets);
  }

  countBefore(end: number): number {
    let count = this.size;
    while (count > 0 && (this.offsetList[count - 1] as number) >= end) count--;
    return count;
  }

  offsets(_count: number): (index: number) => number {
    const offsets = this.offsetList;
    return (i) => offsets[i] as number;
  }

  texts(count: number): string[] {
    return packedTexts(this.packed, count);
  }
}
