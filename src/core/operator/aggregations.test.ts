// WindowAggregator unit tests for the aggregations: count, count(f), sum, mean, min, max, variance, stdev.

import { describe, expect, it } from 'vitest';
import type { FieldValue } from '../event/click-event.js';
import { EngineRun, aggregation, click, pipeline, seconds, slidingWindow, tumblingWindow } from './test-support.js';

const everyAggregation = [
  aggregation('count'),
  aggregation('count', 'value'),
  aggregation('sum', 'value'),
  aggregation('mean', 'value'),
  aggregation('min', 'value'),
  aggregation('max', 'value'),
  aggregation('variance', 'value'),
  aggregation('stdev', 'value'),
];

/** Runs one 10 s window over events at 1 s, 2 s… carrying `values` (undefined: no value field). */
function aggregateValues(values: readonly (FieldValue | undefined)[]): Readonly<Record<string, unknown>> {
  const run = new EngineRun(pipeline([tumblingWindow('ten_s', seconds(10))], { aggregations: everyAggregation }));
  values.forEach((value, i) => run.feed(click(seconds(1 + i), value === undefined ? {} : { value })));
  run.end();
  expect(run.results).toHaveLength(1);
  return run.results[0] as Readonly<Record<string, unknown>>;
}

describe('aggregations', () => {
  it('reads finite numbers only and skips strings, booleans, null and missing values', () => {
    // numbers 1, 2, 6: mean 3, deviations −2, −1, 3, squares 4 + 1 + 9 = 14, variance 14 / 2 = 7
    const row = aggregateValues([1, '10', 2, true, null, undefined, 6, { n: 100 }]);
    expect(row).toMatchObject({ count: 8, count_value: 3, sum_value: 9, mean_value: 3, min_value: 1, max_value: 6, variance_value: 7 });
    expect(row['stdev_value']).toBeCloseTo(Math.sqrt(7), 12);
  });

  it('gives sum 0 and null for the rest when no event has a number', () => {
    const row = aggregateValues(['3.5', undefined]);
    expect(row).toMatchObject({
      count: 2,
      count_value: 0,
      sum_value: 0,
      mean_value: null,
      min_value: null,
      max_value: null,
      variance_value: null,
      stdev_value: null,
    });
  });

  it('gives a null variance and stdev for a single value', () => {
    const row = aggregateValues([4]);
    expect(row).toMatchObject({ count: 1, count_value: 1, sum_value: 4, mean_value: 4, min_value: 4, max_value: 4, variance_value: null, stdev_value: null });
  });

  it('handles negative values and zero', () => {
    // −3, 0, 3: mean 0, squares 9 + 0 + 9 = 18, variance 9, stdev 3
    const row = aggregateValues([-3, 0, 3]);
    expect(row).toMatchObject({ sum_value: 0, mean_value: 0, min_value: -3, max_value: 3, variance_value: 9, stdev_value: 3 });
  });

  it('keeps the variance of 1e9 plus tiny noise accurate', () => {
    // 1e9 + k/1024 for k = 1..4 are exact doubles. Deviations from the mean: ±0.5/1024, ±1.5/1024,
    // squares sum to 5/1024², so the sample variance is (5/3)/1024² ≈ 1.59e-6.
    const noise = [1, 2, 3, 4].map((k) => 1e9 + k / 1024);
    const row = aggregateValues(noise);
    const expected = 5 / 3 / 1024 ** 2;
    expect(Math.abs((row['variance_value'] as number) - expected) / expected).toBeLessThan(1e-12);
    expect(Math.abs((row['stdev_value'] as number) - Math.sqrt(expected)) / Math.sqrt(expected)).toBeLessThan(1e-12);
    expect(row['mean_value']).toBe(1e9 + 2.5 / 1024);
  });

  it('keeps the variance of 1e9 plus tiny noise accurate when a window merges several slices', () => {
    // size 10s, slide 5s: [0, 10) is the slices [0, 5) and [5, 10), merged when it closes
    //  0s        5s        10s
    //  [-- s1 --)[-- s2 --)
    //   x  x      x  x
    const run = new EngineRun(
      pipeline([slidingWindow('slide', seconds(10), seconds(5))], { aggregations: [aggregation('variance', 'value')] }),
    );
    [1, 2, 3, 4].forEach((k) => run.feed(click(seconds(k * 2), { value: 1e9 + k / 1024 })));
    run.end();
    const window = run.results.find((r) => r['start'] === 0);
    const expected = 5 / 3 / 1024 ** 2;
    expect(Math.abs((window?.['variance_value'] as number) - expected) / expected).toBeLessThan(1e-12);
  });

  it('sums with compensation: 1e16 + 1 − 1e16 is 1', () => {
    const run = new EngineRun(pipeline([tumblingWindow('ten_s', seconds(10))], { aggregations: [aggregation('sum', 'value')] }));
    run.feed(click(seconds(1), { value: 1e16 }), click(seconds(2), { value: 1 }), click(seconds(3), { value: -1e16 }));
    run.end();
    expect(run.results).toEqual([{ window: 'ten_s', start: 0, end: seconds(10), key: {}, sum_value: 1 }]);
  });

  it('reports values in the order of the aggregations', () => {
    const run = new EngineRun(
      pipeline([tumblingWindow('ten_s', seconds(10))], { aggregations: [aggregation('max', 'value'), aggregation('count'), aggregation('min', 'value')] }),
    );
    run.feed(click(seconds(1), { value: 5 }), click(seconds(2), { value: 7 }));
    run.end();
    const result = run.outputs[0];
    expect(result?.kind === 'result' && result.values).toEqual([7, 2, 5]);
  });
});
