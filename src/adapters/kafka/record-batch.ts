// A batch of keyed messages as two transferable buffers: the job's thread writes the keys and
// values as UTF-8 once, the producer's thread reads them as Buffers without copying or re-encoding.

import type { Message } from 'kafkajs';

/** `count` messages: key and value bytes one after the other in `bytes`, their lengths in `lengths` (Uint32, key then value). */
export interface EncodedBatch {
  readonly count: number;
  readonly bytes: ArrayBuffer;
  readonly lengths: ArrayBuffer;
}

/** Bytes a batch buffer starts with: a full request's keys and values (256 KiB) fit. */
const INITIAL_BYTES = 512 * 1024;
const INITIAL_MESSAGES = 2_048;

/** Fills one batch at a time; `take` hands its buffers over (to be transferred) and starts the next. */
export class BatchBuilder {
  /** Messages in the batch. */
  count = 0;
  /** Characters of the batch's keys and values. */
  chars = 0;
  private used = 0;
  private bytes: Buffer;
  private lengths: Uint32Array;

  constructor() {
    this.bytes = ownedBuffer(INITIAL_BYTES);
    this.lengths = new Uint32Array(2 * INITIAL_MESSAGES);
  }

  add(key: string, value: string): void {
    // A UTF-16 code unit takes at most 3 bytes in UTF-8 (a surrogate pair, two units, takes 4).
    const most = 3 * (key.length + value.length);
    if (this.used + most > this.bytes.length) this.growBytes(this.used + most);
    if (2 * this.count + 2 > this.lengths.length) this.growLengths();
    const keyBytes = this.bytes.write(key, this.used, 'utf8');
    this.used += keyBytes;
    const valueBytes = this.bytes.write(value, this.used, 'utf8');
    this.used += valueBytes;
    this.lengths[2 * this.count] = keyBytes;
    this.lengths[2 * this.count + 1] = valueBytes;
    this.count++;
    this.chars += key.length + value.length;
  }

  /** UTF-8 bytes of the batch's keys and values (what a request size limit counts). */
  get byteLength(): number {
    return this.used;
  }

  /** The batch (its buffers are the builder's no more) and an empty builder for the next one. */
  take(): EncodedBatch {
    const batch: EncodedBatch = { count: this.count, bytes: this.bytes.buffer as ArrayBuffer, lengths: this.lengths.buffer as ArrayBuffer };
    // The next batch is likely as large as this one.
    this.bytes = ownedBuffer(Math.max(INITIAL_BYTES, this.used + (this.used >>> 3)));
    this.lengths = new Uint32Array(Math.max(2 * INITIAL_MESSAGES, 2 * this.count));
    this.count = 0;
    this.chars = 0;
    this.used = 0;
    return batch;
  }

  private growBytes(atLeast: number): void {
    const next = ownedBuffer(Math.max(atLeast, 2 * this.bytes.length));
    this.bytes.copy(next, 0, 0, this.used);
    this.bytes = next;
  }

  private growLengths(): void {
    const next = new Uint32Array(2 * this.lengths.length);
    next.set(this.lengths);
    this.lengths = next;
  }
}

/** A Buffer over an ArrayBuffer of its own (Buffer.alloc may share a pool's, which cannot be transferred). */
function ownedBuffer(size: number): Buffer {
  return Buffer.from(new ArrayBuffer(size));
}

/** The batch's messages for kafkajs: keys and values are views of the batch's bytes. */
export function messagesOf(batch: EncodedBatch): Message[] {
  const bytes = Buffer.from(batch.bytes);
  const lengths = new Uint32Array(batch.lengths);
  const messages = new Array<Message>(batch.count);
  let at = 0;
  for (let i = 0; i < batch.count; i++) {
    const keyEnd = at + (lengths[2 * i] as number);
    const valueEnd = keyEnd + (lengths[2 * i + 1] as number);
    messages[i] = { key: bytes.subarray(at, keyEnd), value: bytes.subarray(keyEnd, valueEnd) };
    at = valueEnd;
  }
  return messages;
}
