import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  LOWER_COUNT,
  LOWER_MAX,
  LOWER_MEAN,
  LOWER_MIN,
  LOWER_STDEV,
  LOWER_SUM,
  LOWER_VARIANCE,
  lowerMoment,
  Moments,
  momentsCount,
  momentsMax,
  momentsMean,
  momentsMin,
  momentsStdev,
  momentsTotal,
  momentsVariance,
} from './moments.js';

const of = (values: number[]): Moments => {
  const m = new Moments();
  for (const v of values) m.add(v);
  return m;
};

describe('Moments', () => {
  it('computes n, sum, mean, min, max, sample variance and stdev', () => {
    const m = of([2, 4, 4, 4, 5, 5, 7, 9]);
    expect([m.n, m.total(), m.mean(), m.min, m.max, m.variance()]).toEqual([8, 40, 5, 2, 9, 32 / 7]);
    expect(m.stdev()).toBeCloseTo(Math.sqrt(32 / 7), 15);
  });

  it('has no mean for no values and no variance below two values', () => {
    expect([of([]).mean(), of([]).variance(), of([3]).variance(), of([3]).stdev(), of([]).total()]).toEqual([null, null, null, null, 0]);
  });

  it('keeps the variance of 1e9 + tiny noise', () => {
    const noise = [0.001, 0.002, 0.003, 0.004];
    const m = of(noise.map((x) => 1e9 + x));
    // The exact variance of the doubles 1e9 + x differs from that of x by their rounding only.
    const exact = of(noise.map((x) => 1e9 + x - 1e9)).variance() as number;
    expect(Math.abs((m.variance() as number) - exact) / exact).toBeLessThan(1e-9);
  });

  it('merges like one pass (Chan), whichever side is empty', () => {
    const a = of([1, 2, 3]);
    const b = of([10, 20]);
    a.merge(b);
    const all = of([1, 2, 3, 10, 20]);
    expect(a.variance()).toBeCloseTo(all.variance() as number, 12);
    expect([a.n, a.total(), a.min, a.max]).toEqual([5, 36, 1, 20]);
    const empty = new Moments();
    empty.merge(all);
    expect(empty.toArray()).toEqual(all.toArray());
    all.merge(new Moments());
    expect(all.n).toBe(5);
  });

  it('sums with compensation', () => {
    const m = of([1e16, 1, -1e16]);
    expect(m.total()).toBe(1);
  });

  it('round-trips through JSON, empty summaries included', () => {
    for (const m of [of([1, 2.5]), new Moments()]) {
      const back = Moments.fromArray(JSON.parse(JSON.stringify(m.toArray())) as number[]);
      expect([back.n, back.min, back.max, back.mean()]).toEqual([m.n, m.min, m.max, m.mean()]);
    }
  });

  it('reports an overflowing sum as infinite, not NaN', () => {
    expect(of([1e308, 1e308]).total()).toBe(Number.POSITIVE_INFINITY);
    expect(of([1e308, 1e308, -1e308]).total()).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('lowerMoment', () => {
  const readers: [number, (a: readonly number[], o: number) => number | null][] = [
    [LOWER_COUNT, momentsCount],
    [LOWER_SUM, momentsTotal],
    [LOWER_MEAN, momentsMean],
    [LOWER_MIN, momentsMin],
    [LOWER_MAX, momentsMax],
    [LOWER_VARIANCE, momentsVariance],
    [LOWER_STDEV, momentsStdev],
  ];
  const value = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: -5, max: 5 }), fc.constantFrom(-0, 1e308, -1e308, 1e9 + 0.001, 2.54));

  it('writes each aggregate as the momentsX readers read it (also into an array of doubles, also null)', () => {
    fc.assert(
      fc.property(fc.array(value, { maxLength: 6 }), fc.nat({ max: 3 }), (values, o) => {
        const slots = [...new Array<number>(o).fill(7), ...of(values).toArray()];
        for (const [what, read] of readers) {
          const doubles: (number | null)[] = [0.5, 0, 0];
          doubles[0] = 0;
          lowerMoment(doubles, 1, what, slots, o);
          expect(Object.is(doubles[1], read(slots, o))).toBe(true);
          expect([doubles[0], doubles[2]]).toEqual([0, 0]);
          const tagged: (number | null)[] = [null];
          lowerMoment(tagged, 0, what, slots, o);
          expect(Object.is(tagged[0], read(slots, o))).toBe(true);
        }
      }),
      { seed: 20261124, numRuns: 500 },
    );
  });
});
