// Aggregator laws of AggregatePlan and Moments: combine is associative and commutative, splits merge back, empty is the identity.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AggregatePlan, type Partial } from '../../src/core/aggregate/aggregate-plan.js';
import type { AggregationSpec } from '../../src/core/aggregate/aggregation-spec.js';
import type { FieldValue } from '../../src/core/event/click-event.js';
import { exactMean, exactSum, exactVariance } from '../reference/exact-stats.js';
import { aggregateEvents, inputScales } from '../reference/reference-model.js';
import { isClose } from './engine-harness.js';

const RUN = { seed: Number(process.env.PROPERTY_SEED ?? 42), numRuns: Number(process.env.PROPERTY_RUNS ?? 200) };

const SPECS: readonly AggregationSpec[] = (['value', 'other'] as const).flatMap((field) =>
  (['count', 'sum', 'mean', 'min', 'max', 'variance', 'stdev'] as const).map((fn) => ({ fn, field })),
);
const plan = new AggregatePlan([{ fn: 'count', field: null }, ...SPECS]);

type Row = Readonly<Record<string, FieldValue>>;

const numberArb: fc.Arbitrary<FieldValue | undefined> = fc.oneof(
  fc.integer({ min: -50, max: 50 }),
  // Tiny magnitudes are left out: their squares underflow into subnormals, where no relative bound holds.
  fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }).map((x) => (Math.abs(x) < 1e-100 ? 0 : x)),
  fc.integer({ min: -1_000_000, max: 1_000_000 }).map((k) => 1e9 + k * 2 ** -20),
  fc.constantFrom<FieldValue | undefined>(undefined, null, '2', Infinity, -Infinity, -0),
);
const rowArb: fc.Arbitrary<Row> = fc.record({ value: numberArb, other: numberArb }).map((r) => {
  const row: Record<string, FieldValue> = {};
  if (r.value !== undefined) row.value = r.value;
  if (r.other !== undefined) row.other = r.other;
  return row;
});

const asEvents = (rows: readonly Row[]): { fields: Row }[] => rows.map((fields) => ({ fields }));

function partialOf(rows: readonly Row[]): Partial {
  const p = plan.empty();
  for (const row of rows) plan.add(p, row);
  return p;
}

function merged(a: Partial, b: Partial): Partial {
  const out = plan.copy(a);
  plan.combine(out, b);
  return out;
}

/** Cuts rows at the given positions (taken modulo the length). */
function cut(rows: readonly Row[], cuts: readonly number[]): Row[][] {
  const at = [...new Set(cuts.map((c) => (rows.length === 0 ? 0 : c % (rows.length + 1))))].sort((a, b) => a - b);
  const parts: Row[][] = [];
  let from = 0;
  for (const c of at) {
    parts.push(rows.slice(from, c));
    from = c;
  }
  parts.push(rows.slice(from));
  return parts;
}

/** Lowered values agree within 1e-9 relative (with the input-scale allowance for sums and means). */
function expectClose(actual: Partial, expected: Partial, rows: readonly Row[]): void {
  const scales = inputScales(plan.specs, asEvents(rows));
  const a = plan.lower(actual);
  const e = plan.lower(expected);
  a.forEach((v, i) => {
    if (!isClose(e[i] as number | null, v, scales[i])) {
      throw new Error(`${plan.outputNames[i]}: ${String(v)} vs ${String(e[i])} over ${JSON.stringify(rows)}`);
    }
  });
}

describe('aggregator laws', () => {
  it('one pass equals the exact reference of the contract', () => {
    fc.assert(
      fc.property(fc.array(rowArb, { maxLength: 60 }), (rows) => {
        const values = plan.lower(partialOf(rows));
        const exact = aggregateEvents(plan.specs, asEvents(rows));
        const scales = inputScales(plan.specs, asEvents(rows));
        values.forEach((v, i) => {
          if (!isClose(exact[i] as number | null, v, scales[i])) throw new Error(`${plan.outputNames[i]}: ${String(v)}, exactly ${String(exact[i])}`);
        });
      }),
      RUN,
    );
  });

  it('splitting the input anywhere and merging the parts equals one pass', () => {
    fc.assert(
      fc.property(fc.array(rowArb, { maxLength: 60 }), fc.array(fc.nat(), { maxLength: 6 }), (rows, cuts) => {
        const whole = partialOf(rows);
        const parts = cut(rows, cuts).map(partialOf);
        const leftFold = parts.reduce((acc, p) => merged(acc, p), plan.empty());
        const rightFold = parts.reduceRight((acc, p) => merged(p, acc), plan.empty());
        expectClose(leftFold, whole, rows);
        expectClose(rightFold, whole, rows);
        expect(leftFold[0]).toBe(rows.length);
      }),
      RUN,
    );
  });

  it('combine is associative and commutative', () => {
    fc.assert(
      fc.property(fc.array(rowArb, { maxLength: 20 }), fc.array(rowArb, { maxLength: 20 }), fc.array(rowArb, { maxLength: 20 }), (x, y, z) => {
        const [a, b, c] = [partialOf(x), partialOf(y), partialOf(z)];
        const all = [...x, ...y, ...z];
        expectClose(merged(merged(a, b), c), merged(a, merged(b, c)), all);
        expectClose(merged(a, b), merged(b, a), [...x, ...y]);
        expectClose(merged(merged(c, a), b), merged(a, merged(b, c)), all);
      }),
      RUN,
    );
  });

  it('the empty partial is an identity on both sides, exactly', () => {
    fc.assert(
      fc.property(fc.array(rowArb, { maxLength: 30 }), (rows) => {
        const p = partialOf(rows);
        const exact = (q: readonly number[]): string => q.map((v) => (Object.is(v, -0) ? '-0' : String(v))).join(',');
        expect(exact(merged(plan.empty(), p))).toBe(exact(p));
        expect(exact(merged(p, plan.empty()))).toBe(exact(p));
        expect(JSON.stringify(plan.lower(merged(plan.empty(), p)))).toBe(JSON.stringify(plan.lower(p)));
      }),
      RUN,
    );
  });

  it('sums with compensation: within a few ulps of the exact sum, however the input is split', () => {
    // Large values that cancel leave the small ones to a plain double sum's rounding.
    const addend = fc.oneof(
      fc.constantFrom(1e16, -1e16, 2 ** 60, -(2 ** 60), 1, 0.1, -0.3),
      fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }).map((x) => (Math.abs(x) < 1e-100 ? 0 : x)),
    );
    fc.assert(
      fc.property(fc.array(addend, { maxLength: 60 }), fc.array(fc.nat(), { maxLength: 6 }), (xs, cuts) => {
        const rows = xs.map((value) => ({ value }));
        const total = cut(rows, cuts).map(partialOf).reduce((acc, p) => merged(acc, p), plan.empty());
        const sum = plan.lower(total)[plan.outputNames.indexOf('sum_value')] as number;
        const exact = exactSum(xs);
        const magnitude = xs.reduce((a, x) => a + Math.abs(x), 0);
        const epsilon = 2 ** -53;
        // Neumaier's bound: 2ε|S| + O(n ε²) Σ|x|.
        expect(Math.abs(sum - exact)).toBeLessThanOrEqual(4 * epsilon * Math.abs(exact) + 4 * (xs.length + 1) * epsilon * epsilon * magnitude);
      }),
      RUN,
    );
  });

  it('keeps the variance of 1e9 + tiny noise to 1e-9 relative of the exact value, however the parts are merged', () => {
    const noisy = fc.array(fc.integer({ min: -1000, max: 1000 }).map((k) => 1e9 + k * 2 ** -20), { minLength: 2, maxLength: 80 });
    fc.assert(
      fc.property(noisy, fc.array(fc.nat(), { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 8 }), (xs, cuts, order) => {
        const rows = xs.map((value) => ({ value }));
        const parts = cut(rows, cuts).map(partialOf);
        // Merge the parts in a random order and tree shape.
        const pool = [...parts];
        for (const o of order) {
          if (pool.length < 2) break;
          const i = o % pool.length;
          const [p] = pool.splice(i, 1) as [Partial];
          const j = (o >> 3) % pool.length;
          pool[j] = merged(p, pool[j] as Partial);
        }
        const total = pool.reduce((acc, p) => merged(acc, p), plan.empty());
        const names = plan.outputNames;
        const variance = plan.lower(total)[names.indexOf('variance_value')] as number;
        const mean = plan.lower(total)[names.indexOf('mean_value')] as number;
        const exact = exactVariance(xs) as number;
        if (exact === 0) expect(variance).toBe(0);
        else expect(Math.abs(variance - exact) / exact).toBeLessThanOrEqual(1e-9);
        expect(Math.abs(mean - (exactMean(xs) as number)) / 1e9).toBeLessThanOrEqual(1e-15);
      }),
      RUN,
    );
  });
});
