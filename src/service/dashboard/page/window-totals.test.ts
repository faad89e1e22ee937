import { describe, expect, it } from 'vitest';
import type { ResultJson } from '@tally/api-types';
import { chartableOutputs, isSummable, keyMatchesFilter, outputNamesOf, toChartData, WindowTotals } from './window-totals.js';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 10, 23);

function result(start: number, userId: number | string, count: number, extra: Record<string, unknown> = {}): ResultJson {
  return { window: 'per_minute', start: T0 + start, end: T0 + start + MINUTE, start_iso: null, end_iso: null, key: { user_id: userId }, count, sum_value: count * 2, ...extra } as unknown as ResultJson;
}

describe('WindowTotals', () => {
  it('sums an output over the keys of each instance, oldest first', () => {
    const totals = new WindowTotals('per_minute', 10);
    totals.add(result(MINUTE, 1, 3));
    totals.add(result(0, 1, 2));
    totals.add(result(0, 2, 5));
    expect(totals.series('count')).toEqual([
      { start: T0, end: T0 + MINUTE, value: 7, keys: 2 },
      { start: T0 + MINUTE, end: T0 + 2 * MINUTE, value: 3, keys: 1 },
    ]);
    expect(totals.series('sum_value').map((p) => p.value)).toEqual([14, 6]);
  });

  it('counts a result seen twice (a results page and the stream) once', () => {
    const totals = new WindowTotals('per_minute', 10);
    expect(totals.add(result(0, 1, 2))).toBe(true);
    totals.add(result(0, 1, 2));
    expect(totals.series('count')[0]?.value).toBe(2);
  });

  it('keeps the latest revision of an instance and key, whatever the order they come in', () => {
    const totals = new WindowTotals('per_minute', 10);
    totals.add(result(0, 1, 4, { revision: 2, final: false }));
    expect(totals.add(result(0, 1, 1, { revision: 0, final: false }))).toBe(false);
    totals.add(result(0, 1, 5, { revision: 3, final: true }));
    expect(totals.series('count')[0]?.value).toBe(5);
  });

  it('ignores other windows and keys outside its filter; "42" is not 42', () => {
    const totals = new WindowTotals('per_minute', 10, { user_id: 42 });
    totals.add(result(0, 42, 3));
    totals.add(result(0, '42', 100));
    totals.add({ ...result(0, 42, 100), window: 'hourly' } as unknown as ResultJson);
    expect(totals.series('count').map((p) => p.value)).toEqual([3]);
  });

  it('keeps the newest instances only, refusing results older than all it holds once full', () => {
    const totals = new WindowTotals('per_minute', 2);
    totals.add(result(0, 1, 1));
    totals.add(result(MINUTE, 1, 1));
    totals.add(result(2 * MINUTE, 1, 1));
    expect(totals.add(result(0, 1, 1))).toBe(false);
    expect(totals.series('count').map((p) => p.start - T0)).toEqual([MINUTE, 2 * MINUTE]);
  });

  it('takes the largest maximum and the smallest minimum over the keys, and no figure of means', () => {
    const totals = new WindowTotals('per_minute', 10);
    totals.add(result(0, 1, 1, { max_value: 4, min_value: 2, mean_value: 3 }));
    totals.add(result(0, 2, 1, { max_value: 9, min_value: -1, mean_value: 5 }));
    totals.add(result(0, 3, 1, { max_value: null, min_value: null, mean_value: null }));
    expect([totals.series('max_value')[0]?.value, totals.series('min_value')[0]?.value, totals.series('mean_value')[0]?.value]).toEqual([9, -1, null]);
  });

  it('gives null for an instance whose keys have no finite value', () => {
    const totals = new WindowTotals('per_minute', 2);
    totals.add(result(0, 1, 1, { mean_value: null }));
    expect(totals.series('mean_value')[0]?.value).toBeNull();
  });

  it('reads output names from each result: windows may have outputs of their own', () => {
    const totals = new WindowTotals('per_minute', 10);
    totals.add(result(0, 1, 1));
    totals.add({ window: 'per_minute', start: T0, end: T0 + MINUTE, start_iso: null, end_iso: null, key: { user_id: 2 }, max_value: 9, revision: 0, final: true } as unknown as ResultJson);
    expect(totals.outputNames()).toEqual(['count', 'sum_value', 'max_value']);
    expect(toChartData(totals.series('count'))).toEqual([[T0 / 1000], [1]]);
  });
});

describe('helpers', () => {
  it('names outputs, tells summable ones and matches keys field by field', () => {
    expect(outputNamesOf(result(0, 1, 1, { window_index: 3, revision: 1, final: true }))).toEqual(['count', 'sum_value']);
    expect(['count', 'sum_value', 'mean_value', 'max_value'].filter(isSummable)).toEqual(['count', 'sum_value']);
    expect(chartableOutputs(['count', 'mean_value', 'max_value', 'stdev_value', 'min_duration_ms', 'sum_value'])).toEqual(['count', 'max_value', 'min_duration_ms', 'sum_value']);
    expect(keyMatchesFilter({ user_id: 1, page: '/' }, { page: '/' })).toBe(true);
    expect(keyMatchesFilter({ user_id: 1, page: '/' }, { page: '/', user_id: 2 })).toBe(false);
  });
});
