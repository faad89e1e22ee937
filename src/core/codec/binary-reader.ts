// BinaryReader: reads what BinaryWriter wrote, and fails clearly on truncated or damaged bytes.

import { EngineError } from '../errors.js';
import { NumTag } from './binary-writer.js';

const decoder = new TextDecoder('utf-8', { fatal: true });

export class BinaryReader {
  private readonly view: DataView;
  private pos = 0;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  private need(n: number): void {
    if (this.pos + n > this.bytes.length) {
      throw new EngineError('SNAPSHOT_CORRUPT', `snapshot is truncated: needs ${n} more bytes at offset ${this.pos} of ${this.bytes.length}`);
    }
  }

  u8(): number {
    this.need(1);
    return this.bytes[this.pos++] as number;
  }

  bool(): boolean {
    const v = this.u8();
    if (v > 1) throw new EngineError('SNAPSHOT_CORRUPT', `snapshot is damaged: ${v} is not a boolean at offset ${this.pos - 1}`);
    return v === 1;
  }

  uint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.u8();
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 0x80;
    }
    throw new EngineError('SNAPSHOT_CORRUPT', `snapshot is damaged: an integer runs past 8 bytes at offset ${this.pos}`);
  }

  f64(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  num(): number {
    const tag = this.u8();
    switch (tag) {
      case NumTag.Zero: return 0;
      case NumTag.Uint: return this.uint();
      case NumTag.MinusInfinity: return Number.NEGATIVE_INFINITY;
      case NumTag.PlusInfinity: return Number.POSITIVE_INFINITY;
      case NumTag.Float: return this.f64();
      default: throw new EngineError('SNAPSHOT_CORRUPT', `snapshot is damaged: unknown number tag ${tag} at offset ${this.pos - 1}`);
    }
  }

  str(): string {
    this.need(4);
    const n = this.view.getUint32(this.pos, true);
    this.pos += 4;
    this.need(n);
    try {
      return decoder.decode(this.bytes.subarray(this.pos, (this.pos += n)));
    } catch (error) {
      throw new EngineError('SNAPSHOT_CORRUPT', `snapshot is damaged: invalid UTF-8 before offset ${this.pos}`, { cause: error });
    }
  }

  raw(n: number): Uint8Array {
    this.need(n);
    return this.bytes.subarray(this.pos, (this.pos += n));
  }
}
