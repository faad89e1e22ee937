// Order-preserving binary keys: tuples of null, booleans, numbers, strings and digests, compared bytewise.

import { createHash } from 'node:crypto';
import type { FieldValue } from '../../core/event/click-event.js';

/**
 * Each element is a tag byte and its payload, so that comparing two keys byte by byte compares
 * their tuples element by element (null < false < true < numbers < strings < digests):
 *
 *   0x01 null · 0x02 false · 0x03 true
 *   0x04 number: float64 big-endian, sign bit flipped (all bits when negative); −0 is stored as 0
 *   0x05 string: UTF-8, each 0x00 byte written 0x00 0xFF, ended by 0x00 (so "a" < "a\0" < "ab")
 *   0x06 digest: 16 bytes of SHA-256 (values too long or too nested for a key; equality only)
 *
 * No element starts with 0xFF, so `prefix + 0xFF` is above every key that extends `prefix`.
 * (lmdb's own ordered-binary keys lose −0, ±Infinity and trailing nulls: checked, hence this.)
 */

const NULL = 0x01;
const FALSE = 0x02;
const TRUE = 0x03;
const NUMBER = 0x04;
const STRING = 0x05;
const DIGEST = 0x06;
export const DIGEST_BYTES = 16;

/** A value stood in for by its hash: long strings, objects and arrays used as keys. */
export class Digest {
  constructor(readonly bytes: Uint8Array) {}
}

export type TupleElement = null | boolean | number | string | Digest;

/** Strings of at most this many UTF-8 bytes go into keys as they are; longer ones as digests. */
export const MAX_KEY_STRING_BYTES = 128;

/** Builds one key at a time in a growing scratch buffer; `take()` returns a copy. */
export class TupleWriter {
  private buffer = Buffer.allocUnsafe(1024);
  private length = 0;

  reset(): this {
    this.length = 0;
    return this;
  }

  private room(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(next, 0, 0, this.length);
    this.buffer = next;
  }

  element(value: TupleElement): this {
    if (value === null) return this.tag(NULL);
    if (value === false) return this.tag(FALSE);
    if (value === true) return this.tag(TRUE);
    if (typeof value === 'number') return this.number(value);
    if (typeof value === 'string') return this.string(value);
    return this.digest(value);
  }

  private tag(tag: number): this {
    this.room(1);
    this.buffer[this.length++] = tag;
    return this;
  }

  number(value: number): this {
    this.room(9);
    const b = this.buffer;
    const at = this.length;
    b[at] = NUMBER;
    // −0 and 0 are one key (the engine groups them together); every NaN is the one canonical NaN.
    b.writeDoubleBE(value === 0 ? 0 : Number.isNaN(value) ? Number.NaN : value, at + 1);
    if ((b[at + 1] as number) & 0x80) for (let i = at + 1; i < at + 9; i++) b[i] = ~(b[i] as number) & 0xff;
    else b[at + 1] = (b[at + 1] as number) ^ 0x80;
    this.length += 9;
    return this;
  }

  string(value: string): this {
    this.room(value.length * 3 + 2);
    const b = this.buffer;
    b[this.length++] = STRING;
    if (!value.includes('\u0000')) {
      this.length += b.write(value, this.length, 'utf8');
    } else {
      const utf8 = Buffer.from(value, 'utf8');
      this.room(utf8.length * 2 + 1);
      for (const byte of utf8) {
        this.buffer[this.length++] = byte;
        if (byte === 0) this.buffer[this.length++] = 0xff;
      }
    }
    this.buffer[this.length++] = 0x00;
    return this;
  }

  digest(value: Digest): this {
    this.room(1 + DIGEST_BYTES);
    this.buffer[this.length++] = DIGEST;
    this.buffer.set(value.bytes.subarray(0, DIGEST_BYTES), this.length);
    this.length += DIGEST_BYTES;
    return this;
  }

  /** Appends already encoded elements. */
  raw(bytes: Uint8Array): this {
    this.room(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
    return this;
  }

  /** Appends 0xFF: the exclusive upper bound of every key that extends what was written. */
  upperBound(): this {
    return this.tag(0xff);
  }

  take(): Buffer {
    return Buffer.from(this.buffer.subarray(0, this.length));
  }

  /** What was written, without copying: valid only until the writer is used again. */
  view(): Buffer {
    return this.buffer.subarray(0, this.length);
  }
}

/** A tuple's key bytes. */
export function encodeTuple(elements: readonly TupleElement[]): Buffer {
  const w = new TupleWriter();
  for (const e of elements) w.element(e);
  return w.take();
}

/** Where the element at `offset` ends (the offset after it); throws on bytes that are no tuple. */
export function elementEnd(bytes: Uint8Array, offset: number): number {
  const tag = bytes[offset];
  switch (tag) {
    case NULL:
    case FALSE:
    case TRUE:
      return offset + 1;
    case NUMBER:
      if (offset + 9 > bytes.length) break;
      return offset + 9;
    case DIGEST:
      if (offset + 1 + DIGEST_BYTES > bytes.length) break;
      return offset + 1 + DIGEST_BYTES;
    case STRING: {
      for (let i = offset + 1; i < bytes.length; i++) {
        if (bytes[i] !== 0) continue;
        if (bytes[i + 1] === 0xff) i++;
        else return i + 1;
      }
      break;
    }
    default:
      break;
  }
  throw new RangeError(`not a tuple key: bad element at byte ${offset}`);
}

/** The element at `offset` (see elementEnd for where it ends). */
export function decodeElement(bytes: Uint8Array, offset: number): TupleElement {
  const end = elementEnd(bytes, offset);
  switch (bytes[offset]) {
    case NULL:
      return null;
    case FALSE:
      return false;
    case TRUE:
      return true;
    case NUMBER: {
      const b = Buffer.from(bytes.subarray(offset + 1, end));
      if ((b[0] as number) & 0x80) b[0] = (b[0] as number) ^ 0x80;
      else for (let i = 0; i < 8; i++) b[i] = ~(b[i] as number) & 0xff;
      return b.readDoubleBE(0);
    }
    case DIGEST:
      return new Digest(Uint8Array.prototype.slice.call(bytes, offset + 1, end));
    default: {
      const raw = bytes.subarray(offset + 1, end - 1);
      if (!raw.includes(0)) return Buffer.from(raw.buffer, raw.byteOffset, raw.length).toString('utf8');
      const out: number[] = [];
      for (let i = 0; i < raw.length; i++) {
        out.push(raw[i] as number);
        if (raw[i] === 0) i++;
      }
      return Buffer.from(out).toString('utf8');
    }
  }
}

export function decodeTuple(bytes: Uint8Array): TupleElement[] {
  const out: TupleElement[] = [];
  for (let at = 0; at < bytes.length; at = elementEnd(bytes, at)) out.push(decodeElement(bytes, at));
  return out;
}

const LONE_SURROGATE = /\p{Surrogate}/u;

function hashOf(text: string): Digest {
  return new Digest(createHash('sha256').update(text).digest().subarray(0, DIGEST_BYTES));
}

/**
 * A key field's value as a tuple element: null, booleans, numbers and short strings as they are;
 * long strings, arrays and objects (compared by their JSON text, as the engine groups them) as
 * digests. The string "42" and the number 42 stay different elements.
 */
export function keyElement(value: FieldValue | undefined): TupleElement {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') {
    // UTF-8 cannot hold a lone surrogate (it would become U+FFFD and meet other strings): hash its JSON escape.
    if (LONE_SURROGATE.test(value)) return hashOf(`u${JSON.stringify(value)}`);
    // Up to 42 UTF-16 units are at most 126 UTF-8 bytes: no need to count.
    if (value.length <= 42 || Buffer.byteLength(value, 'utf8') <= MAX_KEY_STRING_BYTES) return value;
    return hashOf(`s${value}`);
  }
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  return hashOf(`j${JSON.stringify(value)}`);
}
