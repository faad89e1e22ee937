// BinaryWriter: a compact, chunked binary encoding (varints, float64, UTF-8 strings) with no I/O.

const DEFAULT_CHUNK_BYTES = 1 << 20;

/** How num() tagged a number. */
export const enum NumTag {
  Zero = 0,
  Uint = 1,
  MinusInfinity = 2,
  PlusInfinity = 3,
  Float = 4,
}
const encoder = new TextEncoder();

/**
 * Buffers of chunks written out before, to be written into again. Large buffers live outside the
 * JavaScript heap, and allocating ~100 MB of them for every checkpoint makes V8 run full garbage
 * collections of the whole (large) heap while processing stands still; reusing them does not.
 */
export class ChunkPool {
  private readonly free: ArrayBuffer[] = [];

  constructor(private readonly maxBuffers = 4096) {}

  /** A buffer of at least `bytes`, reused when one is free. */
  take(bytes: number): Uint8Array {
    for (let i = this.free.length - 1; i >= 0; i--) {
      const buffer = this.free[i] as ArrayBuffer;
      if (buffer.byteLength >= bytes) {
        this.free.splice(i, 1);
        return new Uint8Array(buffer);
      }
    }
    return new Uint8Array(bytes);
  }

  /** Chunks no one reads any more (their whole buffers are taken back). */
  give(chunks: readonly Uint8Array[]): void {
    for (const chunk of chunks) {
      if (this.free.length >= this.maxBuffers) return;
      if (chunk.buffer instanceof ArrayBuffer && !this.free.includes(chunk.buffer)) this.free.push(chunk.buffer);
    }
  }

  get size(): number {
    return this.free.length;
  }
}

/**
 * Writes into fixed-size chunks rather than one growing buffer, so that a large snapshot never
 * becomes one giant allocation and its chunks can be streamed to storage as they are.
 */
export class BinaryWriter {
  private readonly chunkBytes: number;
  private readonly done: Uint8Array[] = [];
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;
  /** Bytes in completed chunks. */
  private doneBytes = 0;

  constructor(
    chunkBytes = DEFAULT_CHUNK_BYTES,
    private readonly pool: ChunkPool | null = null,
  ) {
    this.chunkBytes = chunkBytes;
    this.buf = this.allocate(chunkBytes);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  private allocate(bytes: number): Uint8Array {
    return this.pool === null ? new Uint8Array(bytes) : this.pool.take(bytes);
  }

  get size(): number {
    return this.doneBytes + this.pos;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.seal();
    const size = Math.max(this.chunkBytes, n);
    this.buf = this.allocate(size);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  private seal(): void {
    if (this.pos === 0) return;
    this.done.push(this.buf.subarray(0, this.pos));
    this.doneBytes += this.pos;
    this.pos = 0;
  }

  u8(value: number): void {
    this.ensure(1);
    this.buf[this.pos++] = value;
  }

  bool(value: boolean): void {
    this.u8(value ? 1 : 0);
  }

  /** A non-negative safe integer in LEB128 (1 byte below 128, at most 8 bytes). */
  uint(value: number): void {
    if (!(Number.isSafeInteger(value) && value >= 0)) throw new RangeError(`not a non-negative safe integer: ${value}`);
    this.ensure(8);
    const buf = this.buf;
    let v = value;
    while (v >= 0x80) {
      buf[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    buf[this.pos++] = v;
  }

  /** Any float64, infinities and NaN included, exactly. */
  f64(value: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, value, true);
    this.pos += 8;
  }

  /**
   * Any number, compactly: 0, ±Infinity and non-negative safe integers (counts, epoch times) take 1
   * to 9 bytes by a tag, other values (−0, NaN and fractions included) a tag and their 8 bytes.
   */
  num(value: number): void {
    if (Number.isSafeInteger(value) && value >= 0 && !Object.is(value, -0)) {
      if (value === 0) this.u8(NumTag.Zero);
      else {
        this.u8(NumTag.Uint);
        this.uint(value);
      }
    } else if (value === Number.NEGATIVE_INFINITY) this.u8(NumTag.MinusInfinity);
    else if (value === Number.POSITIVE_INFINITY) this.u8(NumTag.PlusInfinity);
    else {
      this.ensure(9);
      this.buf[this.pos++] = NumTag.Float;
      this.view.setFloat64(this.pos, value, true);
      this.pos += 8;
    }
  }

  str(value: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit.
    const max = value.length * 3;
    if (max <= this.chunkBytes) {
      this.ensure(max + 8);
      const at = this.pos;
      // The length is written after encoding: reserve a fixed 4 bytes rather than shift.
      this.pos += 4;
      const { written } = encoder.encodeInto(value, this.buf.subarray(this.pos));
      this.view.setUint32(at, written, true);
      this.pos += written;
      return;
    }
    const bytes = encoder.encode(value);
    this.ensure(4);
    this.view.setUint32(this.pos, bytes.length, true);
    this.pos += 4;
    this.raw(bytes);
  }

  raw(bytes: Uint8Array): void {
    let from = 0;
    while (from < bytes.length) {
      if (this.pos === this.buf.length) this.ensure(1);
      const n = Math.min(bytes.length - from, this.buf.length - this.pos);
      this.buf.set(bytes.subarray(from, from + n), this.pos);
      this.pos += n;
      from += n;
    }
  }

  /** The chunks completed so far (taken: later calls return only newer ones). */
  takeChunks(): Uint8Array[] {
    return this.done.splice(0, this.done.length);
  }

  /** Every remaining byte, as chunks; the writer must not be used afterwards. */
  finish(): Uint8Array[] {
    this.seal();
    return this.takeChunks();
  }
}
