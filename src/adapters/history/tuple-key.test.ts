import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeTuple, Digest, encodeTuple, keyElement, TupleWriter, type TupleElement } from './tuple-key.js';

type Plain = null | boolean | number | string;

const typeRank = (e: Plain): number => (e === null ? 0 : e === false ? 1 : e === true ? 2 : typeof e === 'number' ? 3 : 4);

/** The order the encoding must give: element by element, a shorter tuple before its extensions. */
function compareTuples(a: readonly Plain[], b: readonly Plain[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i] as Plain;
    const y = b[i] as Plain;
    const byType = typeRank(x) - typeRank(y);
    if (byType !== 0) return byType;
    if (typeof x === 'number' && typeof y === 'number' && x !== y) return x < y ? -1 : 1;
    if (typeof x === 'string' && typeof y === 'string' && x !== y) return Buffer.compare(Buffer.from(x), Buffer.from(y));
  }
  return a.length - b.length;
}

const element: fc.Arbitrary<Plain> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.double({ noNaN: true }),
  fc.integer(),
  fc.constantFrom(0, -0, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
  fc.string({ unit: 'binary', maxLength: 6 }),
  fc.constantFrom('', '\u0000', 'a\u0000', 'a', 'a\u0000b', '\u00ff', 'ab', '42'),
);

const sign = (n: number): number => (n < 0 ? -1 : n > 0 ? 1 : 0);

describe('tuple keys', () => {
  it('compare bytewise as their tuples compare element by element', () => {
    fc.assert(
      fc.property(fc.array(element, { maxLength: 4 }), fc.array(element, { maxLength: 4 }), (a, b) => {
        expect(sign(Buffer.compare(encodeTuple(a), encodeTuple(b)))).toBe(sign(compareTuples(a, b)));
      }),
      { seed: 20261123, numRuns: 2_000 },
    );
  });

  it('decode to the tuple they encode, with −0 as 0', () => {
    fc.assert(
      fc.property(fc.array(element, { maxLength: 5 }), (t) => {
        expect(decodeTuple(encodeTuple(t))).toEqual(t.map((e) => (e === 0 ? 0 : e)));
      }),
      { seed: 7, numRuns: 1_000 },
    );
    expect(decodeTuple(encodeTuple([-0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, null]))).toEqual([
      0,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      null,
    ]);
  });

  it('keep a string with NUL bytes apart from its prefix and its neighbours', () => {
    const keys = ['a', 'a\u0000', 'a\u0000\u0000', 'a\u0001', 'a\u0000b'].map((s) => encodeTuple([s, 1]));
    expect(new Set(keys.map((k) => k.toString('hex'))).size).toBe(keys.length);
    expect(decodeTuple(encodeTuple(['a\u0000b', 'c']))).toEqual(['a\u0000b', 'c']);
  });

  it('put every extension of a prefix below the prefix followed by 0xFF', () => {
    const prefix = encodeTuple(['per_minute', 5]);
    const upper = new TupleWriter().raw(prefix).upperBound().take();
    for (const tail of [[null], [Number.POSITIVE_INFINITY], ['\u{10ffff}'], [new Digest(new Uint8Array(16).fill(0xff))]] as TupleElement[][]) {
      const key = encodeTuple(['per_minute', 5, ...tail]);
      expect(Buffer.compare(prefix, key)).toBe(-1);
      expect(Buffer.compare(key, upper)).toBe(-1);
    }
    expect(Buffer.compare(encodeTuple(['per_minute', 6]), upper)).toBe(1);
  });

  it('turn key values into elements: 42 and "42" differ, long strings and objects become digests', () => {
    expect(keyElement(42)).toBe(42);
    expect(keyElement('42')).toBe('42');
    expect(keyElement(undefined)).toBeNull();
    expect(keyElement(true)).toBe(true);
    const long = 'x'.repeat(200);
    expect(keyElement(long)).toBeInstanceOf(Digest);
    expect(keyElement(long)).toEqual(keyElement(long));
    expect(keyElement(long)).not.toEqual(keyElement(`${long}y`));
    // A short string that looks like JSON is not the object it spells.
    expect(keyElement({ a: 1 })).toBeInstanceOf(Digest);
    expect(keyElement('{"a":1}')).toBe('{"a":1}');
    expect(keyElement([1, 2])).not.toEqual(keyElement({ 0: 1, 1: 2 }));
    // 43 three-byte characters (129 bytes) are too long; 42 are not.
    expect(keyElement('€'.repeat(42))).toBe('€'.repeat(42));
    expect(keyElement('€'.repeat(43))).toBeInstanceOf(Digest);
    // Lone surrogates would all become U+FFFD in UTF-8.
    expect(keyElement('a\ud800')).toBeInstanceOf(Digest);
    expect(keyElement('a\ud800')).not.toEqual(keyElement('a\udc00'));
    expect(keyElement('a\ud83d\ude00')).toBe('a\ud83d\ude00');
  });

  it('refuses bytes that are no tuple', () => {
    expect(() => decodeTuple(Buffer.from([0x04, 1, 2]))).toThrow(RangeError);
    expect(() => decodeTuple(Buffer.from([0x05, 0x61]))).toThrow(RangeError);
    expect(() => decodeTuple(Buffer.from([0x09]))).toThrow(RangeError);
  });
});
