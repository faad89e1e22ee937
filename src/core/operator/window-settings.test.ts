// WindowAggregator unit tests for a window's own aggregations and filter.

import { describe, expect, it } from 'vitest';
import type { AggregationSpec } from '../aggregate/aggregation-spec.js';
import type { WindowSpec } from '../windows/window-spec.js';
import { restoreSnapshot, takeSnapshot } from './snapshot.js';
import { aggregation, click, countWindow, EngineRun, globalWindow, pipeline, seconds, sessionWindow, slidingWindow, tumblingWindow } from './test-support.js';

const MIN = seconds(60);
const SHOP = "page startsWith '/shop'";

function own(w: WindowSpec, settings: { readonly filter?: string; readonly aggregations?: readonly AggregationSpec[] }): WindowSpec {
  return { ...w, ...settings };
}

describe('a window with its own filter', () => {
  it('counts only the events that pass it, after the job filter, and reports no key without such events', () => {
    const spec = pipeline([tumblingWindow('all', MIN), own(tumblingWindow('shop', MIN), { filter: SHOP })], {
      keyBy: ['user_id'],
      filter: "page != '/health'",
    });
    const run = new EngineRun(spec);
    run.feed(
      click(seconds(1), { user_id: 1, page: '/shop/a' }),
      click(seconds(2), { user_id: 1, page: '/home' }),
      click(seconds(3), { user_id: 2, page: '/home' }),
      click(seconds(4), { user_id: 1, page: '/shop/b' }),
      click(seconds(5), { user_id: 3, page: '/health' }),
    );
    run.end();
    expect(run.results).toEqual([
      { window: 'all', start: 0, end: MIN, key: { user_id: 1 }, count: 3 },
      { window: 'all', start: 0, end: MIN, key: { user_id: 2 }, count: 1 },
      { window: 'shop', start: 0, end: MIN, key: { user_id: 1 }, count: 2 },
    ]);
  });

  it('is not a window an event it rejects could be late for', () => {
    const spec = pipeline([tumblingWindow('all', MIN), own(tumblingWindow('shop', MIN), { filter: SHOP })]);
    const run = new EngineRun(spec);
    run.feed(click(5 * MIN), click(seconds(10), { page: '/home' }), click(seconds(20), { page: '/shop' }));
    expect(run.late.map((l) => l.windows)).toEqual([['all'], ['all', 'shop']]);
  });

  it('applies to sessions, count windows and running totals too', () => {
    const spec = pipeline(
      [
        own(sessionWindow('visits', MIN), { filter: SHOP }),
        own(countWindow('every_2', 2), { filter: SHOP }),
        own(globalWindow('total', MIN), { filter: SHOP }),
      ],
      { keyBy: ['user_id'] },
    );
    const run = new EngineRun(spec);
    run.feed(
      click(seconds(0), { page: '/shop' }),
      click(seconds(50), { page: '/home' }),
      click(seconds(90), { page: '/shop' }),
      click(seconds(200), { user_id: 2, page: '/home' }),
    );
    run.end();
    const rows = run.results.map((r) => [r['window'], r['start'], r['end'], r['key'], r['count']]);
    expect(rows).toContainEqual(['visits', 0, seconds(60), { user_id: 1 }, 1]);
    expect(rows).toContainEqual(['visits', seconds(90), seconds(150), { user_id: 1 }, 1]);
    expect(rows).toContainEqual(['every_2', 0, seconds(90) + 1, { user_id: 1 }, 2]);
    expect(rows.filter((r) => r[0] === 'total').at(-1)).toEqual(['total', 0, 2 * MIN, { user_id: 1 }, 2]);
    // User 2 clicked only outside the shop: no window reports it.
    expect(rows.filter((r) => (r[3] as { user_id: number }).user_id === 2)).toEqual([]);
  });

  it('in update mode gets no new revision from an event it rejects', () => {
    const spec = pipeline([tumblingWindow('all', MIN), own(tumblingWindow('shop', MIN), { filter: SHOP })], { emit: 'update' });
    const run = new EngineRun(spec);
    run.feed(click(seconds(1), { page: '/shop' }));
    expect(run.flush().results.map((r) => [r['window'], r['revision']])).toEqual([['all', 0], ['shop', 0]]);
    run.feed(click(seconds(2), { page: '/home' }));
    expect(run.flush().results.map((r) => [r['window'], r['revision']])).toEqual([['all', 1]]);
  });
});

describe('a window with its own aggregations', () => {
  it('reports its own outputs, sharing slices with the other windows', () => {
    const spec = pipeline(
      [tumblingWindow('per_minute', MIN), own(slidingWindow('last_2m', 2 * MIN, MIN), { aggregations: [aggregation('max', 'duration_ms'), aggregation('mean', 'value')] })],
      { aggregations: [aggregation('count'), aggregation('sum', 'value')] },
    );
    const run = new EngineRun(spec);
    run.feed(click(seconds(10), { value: 2, duration_ms: 300 }), click(seconds(70), { value: 4, duration_ms: 100 }));
    run.end();
    expect(run.results.filter((r) => r['start'] === 0)).toEqual([
      { window: 'per_minute', start: 0, end: MIN, key: {}, count: 1, sum_value: 2 },
      { window: 'last_2m', start: 0, end: 2 * MIN, key: {}, max_duration_ms: 300, mean_value: 3 },
    ]);
    expect(run.engine.slices.size).toBeLessThanOrEqual(2);
  });

  it('combines with a filter of its own, and survives a snapshot', () => {
    const spec = pipeline([tumblingWindow('all', MIN), own(tumblingWindow('shop', MIN), { filter: SHOP, aggregations: [aggregation('sum', 'value')] })]);
    const run = new EngineRun(spec);
    run.feed(click(seconds(1), { page: '/shop', value: 5 }), click(seconds(2), { value: 100 }));
    const restored = new EngineRun(restoreSnapshot(spec, Buffer.concat(takeSnapshot(run.engine))));
    restored.feed(click(seconds(3), { page: '/shop/x', value: 7 }));
    restored.end();
    expect(restored.results).toEqual([
      { window: 'all', start: 0, end: MIN, key: {}, count: 3 },
      { window: 'shop', start: 0, end: MIN, key: {}, sum_value: 12 },
    ]);
  });
});
