import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BinaryReader } from './binary-reader.js';
import { BinaryWriter, ChunkPool } from './binary-writer.js';

const concat = (chunks: Uint8Array[]): Uint8Array => Uint8Array.from(chunks.flatMap((c) => [...c]));

describe('BinaryWriter and BinaryReader', () => {
  it('round-trip numbers exactly (−0, NaN, infinities, fractions, large integers), strings and integers across small chunks', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.double(), fc.constantFrom(0, -0, Number.NaN, Number.MAX_SAFE_INTEGER, 2 ** 53, -1)), { maxLength: 40 }),
        fc.array(fc.string({ unit: 'grapheme', maxLength: 30 }), { maxLength: 10 }),
        fc.array(fc.nat({ max: Number.MAX_SAFE_INTEGER }), { maxLength: 10 }),
        fc.integer({ min: 8, max: 64 }),
        (numbers, strings, uints, chunkBytes) => {
          const w = new BinaryWriter(chunkBytes);
          for (const n of numbers) w.num(n);
          for (const s of strings) w.str(s);
          for (const u of uints) w.uint(u);
          for (const n of numbers) w.f64(n);
          const bytes = concat(w.finish());
          const r = new BinaryReader(bytes);
          for (const n of numbers) expect(Object.is(r.num(), n) || (Number.isNaN(n) && Number.isNaN(r.num()))).toBe(true);
          expect(strings.map(() => r.str())).toEqual(strings);
          expect(uints.map(() => r.uint())).toEqual(uints);
          for (const n of numbers) expect(Object.is(r.f64(), n)).toBe(true);
          expect(r.remaining).toBe(0);
        },
      ),
    );
  });

  it('keeps small numbers small: counts and zeros in one or a few bytes', () => {
    const w = new BinaryWriter();
    w.num(0);
    w.num(5);
    w.num(Number.NEGATIVE_INFINITY);
    w.num(1_795_392_000_000);
    expect(w.size).toBe(1 + 2 + 1 + 1 + 6);
  });

  it('reports truncation and unknown tags as SNAPSHOT_CORRUPT', () => {
    expect(() => new BinaryReader(Uint8Array.of(4, 1, 2)).num()).toThrow(expect.objectContaining({ code: 'SNAPSHOT_CORRUPT' }));
    expect(() => new BinaryReader(Uint8Array.of(9)).num()).toThrow(/unknown number tag 9/);
    expect(() => new BinaryReader(Uint8Array.of(0x80, 0x80)).uint()).toThrow(/truncated/);
    expect(() => new BinaryReader(Uint8Array.of(5, 0, 0, 0, 0xff)).str()).toThrow(/truncated/);
  });

  it('writes into buffers given back to its pool, with the same bytes as into new ones', () => {
    const pool = new ChunkPool(3);
    const write = (w: BinaryWriter, seed: number): Uint8Array[] => {
      for (let i = 0; i < 200; i++) {
        w.num(seed * i + 0.5);
        w.str(`k${seed}-${i}`);
      }
      return w.finish();
    };
    const first = write(new BinaryWriter(64, pool), 1);
    expect(first.length).toBeGreaterThan(3);
    pool.give(first);
    expect(pool.size).toBe(3);
    const reused = write(new BinaryWriter(64, pool), 2);
    expect(pool.size).toBe(0);
    expect(reused.slice(0, 3).every((c) => first.some((f) => f.buffer === c.buffer))).toBe(true);
    expect(concat(reused)).toEqual(concat(write(new BinaryWriter(64), 2)));
  });
});
