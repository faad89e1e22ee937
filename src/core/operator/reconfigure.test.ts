import { describe, expect, it } from 'vitest';
import { reconfigure, withWindow } from './reconfigure.js';
import { liveWindows } from './live-windows.js';
import { restoreSnapshot, takeSnapshot } from './snapshot.js';
import { aggregation, click, countWindow, EngineRun, globalWindow, pipeline, seconds, sessionWindow, slidingWindow, tumblingWindow, type ResultRow } from './test-support.js';
import type { PipelineSpec } from './pipeline-spec.js';
import { WindowAggregator } from './window-aggregator.js';
import type { ClickEvent } from '../event/click-event.js';
import type { WindowSpec } from '../windows/window-spec.js';

const MIN = seconds(60);

function retaining(spec: PipelineSpec, retainMs: number): PipelineSpec {
  return { ...spec, time: { ...spec.time, retainSlicesMs: retainMs } };
}

describe('reconfigure', () => {
  it('answers a lengthened window from the retained slices, late events included, exact from its first open window', () => {
    const before = retaining(pipeline([tumblingWindow('w', MIN)]), 10 * MIN);
    const run = new EngineRun(before);
    // 0:30 and 5:00 on time; 1:30 comes when the watermark is at 5:00: late for [1m, 2m), kept for later definitions.
    run.feed(click(seconds(30)), click(5 * MIN), click(seconds(90)));
    expect(run.late.map((l) => l.windows)).toEqual([['w']]);
    const { engine, exactFromMs } = reconfigure(run.engine, withWindow(before, { window: tumblingWindow('w', 10 * MIN) }));
    expect(exactFromMs.get('w')).toBe(0);
    const after = new EngineRun(engine);
    after.feed(click(seconds(9 * 60 + 59)));
    after.end();
    expect(after.results).toEqual([{ window: 'w', start: 0, end: 10 * MIN, key: {}, count: 4 }]);
  });

  it('without retained slices, is exact only from the first window starting after the watermark', () => {
    const before = pipeline([tumblingWindow('w', MIN)]);
    const run = new EngineRun(before);
    run.feed(click(seconds(30)), click(5 * MIN + seconds(10)));
    const { engine, exactFromMs } = reconfigure(run.engine, withWindow(before, { window: tumblingWindow('w', 2 * MIN) }));
    // The watermark is at 5:10; [4m, 6m) holds 5:10 but would need 4:00–5:00, which no slice keeps.
    expect(exactFromMs.get('w')).toBe(6 * MIN);
    const after = new EngineRun(engine);
    after.feed(click(6 * MIN + 1), click(9 * MIN));
    after.end();
    expect(after.results).toEqual([
      { window: 'w', start: 6 * MIN, end: 8 * MIN, key: {}, count: 1 },
      { window: 'w', start: 8 * MIN, end: 10 * MIN, key: {}, count: 1 },
    ]);
  });

  it('starts a window with new edges after the slices that straddle them', () => {
    const before = retaining(pipeline([tumblingWindow('w', MIN)]), 60 * MIN);
    const run = new EngineRun(before);
    run.feed(click(seconds(10)), click(seconds(70)));
    // Offset 30 s: the held slices [0, 1m) and [1m, 2m) straddle the new edges 0:30 and 1:30.
    const { exactFromMs } = reconfigure(run.engine, withWindow(before, { window: tumblingWindow('w', MIN, seconds(30)) }));
    expect(exactFromMs.get('w')).toBe(seconds(150));
  });

  it('leaves the other windows untouched, open windows and results included', () => {
    const before = pipeline([tumblingWindow('a', MIN), tumblingWindow('b', 5 * MIN)]);
    const changed = new EngineRun(before);
    const fresh = new EngineRun(before);
    const events = [click(seconds(10)), click(seconds(70)), click(seconds(250)), click(seconds(400))];
    changed.feed(...events.slice(0, 2));
    const next = new EngineRun(reconfigure(changed.engine, withWindow(before, { window: slidingWindow('a', 2 * MIN, MIN) })).engine);
    next.feed(...events.slice(2));
    next.end();
    fresh.feed(...events);
    fresh.end();
    const b = (rows: readonly Record<string, unknown>[]): unknown[] => rows.filter((r) => r['window'] === 'b');
    expect(b([...changed.results, ...next.results])).toEqual(b(fresh.results));
  });

  it('applies a new filter to events after the change, exact from the first window after the latest event seen', () => {
    const before = pipeline([tumblingWindow('w', MIN)], { maxOutOfOrdernessMs: seconds(30) });
    const run = new EngineRun(before);
    run.feed(click(seconds(10), { page: '/a' }), click(seconds(80), { page: '/b' }));
    const { engine, exactFromMs } = reconfigure(run.engine, { ...before, filter: "page == '/a'" });
    expect(exactFromMs.get('w')).toBe(2 * MIN);
    const after = new EngineRun(engine);
    after.feed(click(seconds(100), { page: '/a' }), click(seconds(130), { page: '/a' }), click(seconds(140), { page: '/b' }));
    after.end();
    // [1m, 2m) mixes the filters: not emitted. [2m, 3m) is as a fresh run with the new filter.
    expect(after.results).toEqual([{ window: 'w', start: 2 * MIN, end: 3 * MIN, key: {}, count: 1 }]);
  });

  it('starts a session with a new gap empty, exact a gap after the latest event seen', () => {
    const before = pipeline([sessionWindow('s', MIN)]);
    const run = new EngineRun(before);
    run.feed(click(0), click(seconds(30)));
    const { engine, exactFromMs } = reconfigure(run.engine, withWindow(before, { window: sessionWindow('s', 2 * MIN) }));
    expect(exactFromMs.get('s')).toBe(seconds(30) + 2 * MIN);
    const after = new EngineRun(engine);
    after.feed(click(seconds(40)), click(10 * MIN));
    after.end();
    expect(after.results).toEqual([{ window: 's', start: 10 * MIN, end: 12 * MIN, key: {}, count: 1 }]);
  });

  it('refuses to add or change count and global windows, and to change an engine whose input ended', () => {
    const before = pipeline([tumblingWindow('w', MIN), countWindow('c', 3)]);
    const run = new EngineRun(before);
    expect(() => reconfigure(run.engine, withWindow(before, { window: countWindow('c', 5) }))).toThrow(/count windows count from the start/);
    expect(() => reconfigure(run.engine, withWindow(before, { window: globalWindow('g', MIN) }))).toThrow(/global windows count from the start/);
    expect(reconfigure(run.engine, withWindow(before, { remove: 'c' })).engine.countDefs).toEqual([]);
    run.end();
    expect(() => reconfigure(run.engine, withWindow(before, { remove: 'c' }))).toThrow(/input has ended/);
  });

  it('keeps counting windows going when the filter changes, and reports them as mixed (null)', () => {
    const before = pipeline([tumblingWindow('w', MIN), countWindow('c', 2)]);
    const run = new EngineRun(before);
    run.feed(click(1));
    const { engine, exactFromMs } = reconfigure(run.engine, { ...before, filter: 'user_id == 1' });
    expect(exactFromMs.get('c')).toBeNull();
    const after = new EngineRun(engine);
    after.feed(click(2));
    expect(after.results).toEqual([{ window: 'c', start: 1, end: 3, key: {}, count: 2 }]);
  });
});

describe('reconfigure: a window\u2019s own aggregations and filter', () => {
  const jobAggregations = [aggregation('count'), aggregation('sum', 'value')];
  const withOwn = (spec: PipelineSpec, name: string, settings: Partial<Pick<WindowSpec, 'aggregations' | 'filter'>>): PipelineSpec => ({
    ...spec,
    windows: spec.windows.map((w) => (w.name === name ? { ...w, ...settings } : w)),
  });
  /** Window [0, 1m) closed and emitted, [1m, 2m) open with one event. */
  function started(before: PipelineSpec): EngineRun {
    const run = new EngineRun(before);
    run.feed(click(seconds(10), { value: 1, duration_ms: 40 }), click(seconds(70), { value: 2, duration_ms: 30 }));
    expect(run.results.filter((r) => r['window'] === 'w').map((r) => r['start'])).toEqual([0]);
    return run;
  }

  it('other aggregations over fields held already: the open windows go on, exact from the first one still open', () => {
    const before = pipeline([tumblingWindow('w', MIN)], { aggregations: jobAggregations });
    const after = withOwn(before, 'w', { aggregations: [aggregation('max', 'value'), aggregation('count')] });
    const { engine, exactFromMs } = reconfigure(started(before).engine, after);
    expect(exactFromMs.get('w')).toBe(MIN);
    const run = new EngineRun(engine);
    run.feed(click(seconds(80), { value: 5 }));
    run.end();
    expect(run.results).toEqual([{ window: 'w', start: MIN, end: 2 * MIN, key: {}, max_value: 5, count: 2 }]);
  });

  it('a field not held yet: exact from the first window after the latest event, whose results are a fresh run\u2019s', () => {
    const before = pipeline([tumblingWindow('w', MIN)], { aggregations: jobAggregations });
    const after = withOwn(before, 'w', { aggregations: [aggregation('max', 'duration_ms')] });
    const { engine, exactFromMs } = reconfigure(started(before).engine, after);
    expect(exactFromMs.get('w')).toBe(2 * MIN);
    const later = [click(seconds(80), { duration_ms: 90 }), click(seconds(130), { duration_ms: 20 })];
    const run = new EngineRun(engine);
    run.feed(...later);
    run.end();
    expect(run.results).toEqual([{ window: 'w', start: 2 * MIN, end: 3 * MIN, key: {}, max_duration_ms: 20 }]);
    expect(run.results).toEqual(freshFrom(after, [click(seconds(10)), click(seconds(70)), ...later], 2 * MIN));
  });

  it('a filter of its own: exact from the first window after the latest event, counting only events that pass it', () => {
    const before = pipeline([tumblingWindow('w', MIN), tumblingWindow('all', MIN)], { aggregations: jobAggregations });
    const after = withOwn(before, 'w', { filter: "page == '/shop'" });
    const { engine, exactFromMs } = reconfigure(started(before).engine, after);
    expect([exactFromMs.get('w'), exactFromMs.has('all')]).toEqual([2 * MIN, false]);
    const run = new EngineRun(engine);
    run.feed(click(seconds(125), { page: '/shop', value: 3 }), click(seconds(126), { value: 4 }));
    run.end();
    expect(run.results).toEqual([
      { window: 'all', start: MIN, end: 2 * MIN, key: {}, count: 1, sum_value: 2 },
      { window: 'w', start: 2 * MIN, end: 3 * MIN, key: {}, count: 1, sum_value: 3 },
      { window: 'all', start: 2 * MIN, end: 3 * MIN, key: {}, count: 2, sum_value: 7 },
    ]);
  });

  it('count windows and running totals take other aggregations over fields held, and refuse new fields and filters', () => {
    const before = pipeline([tumblingWindow('w', MIN), countWindow('c', 2), globalWindow('g', MIN)], { aggregations: jobAggregations });
    const engine = started(before).engine;
    const { exactFromMs } = reconfigure(engine, withOwn(before, 'c', { aggregations: [aggregation('mean', 'value')] }));
    expect(exactFromMs.get('c')).toBeNull();
    expect(() => reconfigure(engine, withOwn(before, 'c', { aggregations: [aggregation('max', 'duration_ms')] }))).toThrow(/aggregations can change when they read only fields the job aggregates already/);
    expect(() => reconfigure(engine, withOwn(before, 'g', { filter: "page == '/shop'" }))).toThrow(/global windows count from the start/);
  });
});

/** The results of a fresh run of `spec` over `events` for windows starting at or after `from`. */
function freshFrom(spec: PipelineSpec, events: readonly ClickEvent[], from: number, window?: string): ResultRow[] {
  const fresh = new EngineRun(spec);
  fresh.feed(...events);
  fresh.end();
  return fresh.results.filter((r) => (window === undefined || r['window'] === window) && (r['start'] as number) >= from);
}

// Cases found in review: the slices do not always hold everything after watermark − retainSlices.
describe('reconfigure: when the slices are not complete', () => {
  it('a window added after a filter change does not count events of the old filter', () => {
    const v0 = pipeline([tumblingWindow('w', MIN)], { maxOutOfOrdernessMs: seconds(30) });
    const events = [click(seconds(70), { page: '/b' }), click(seconds(80), { page: '/a' })];
    const run = new EngineRun(v0);
    run.feed(...events);
    const v1 = { ...v0, filter: "page == '/a'" };
    const v2 = withWindow(v1, { window: tumblingWindow('x', MIN) });
    const { engine, exactFromMs } = reconfigure(reconfigure(run.engine, v1).engine, v2);
    const exact = exactFromMs.get('x') as number;
    const after = new EngineRun(engine);
    after.end();
    expect(after.results.filter((r) => r['window'] === 'x')).toEqual(freshFrom(v2, events, exact, 'x'));
  });

  it('slices kept only since an aligned window was added are complete only from then on', () => {
    const v0 = retaining(pipeline([sessionWindow('w', MIN)]), 30 * MIN);
    const run = new EngineRun(v0);
    run.feed(click(seconds(70)));
    const v1 = withWindow(v0, { window: tumblingWindow('w', MIN) });
    const v2 = withWindow(v1, { window: tumblingWindow('w', 10 * MIN) });
    const { engine, exactFromMs } = reconfigure(reconfigure(run.engine, v1).engine, v2);
    const exact = exactFromMs.get('w') as number;
    expect(exact).toBe(10 * MIN);
    const after = new EngineRun(engine);
    after.feed(click(seconds(130)), click(11 * MIN));
    after.end();
    expect(after.results).toEqual(freshFrom(v2, [click(seconds(70)), click(seconds(130)), click(11 * MIN)], exact));
  });

  it('a restore with a longer retainSlices does not claim slices the snapshot did not keep', () => {
    const v0 = pipeline([tumblingWindow('w', MIN)]);
    const events = [click(seconds(30)), click(seconds(90)), click(5 * MIN)];
    const run = new EngineRun(v0);
    run.feed(...events);
    const raised = retaining(v0, 10 * MIN);
    const restored = restoreSnapshot(raised, Buffer.concat(takeSnapshot(run.engine)));
    const v1 = withWindow(raised, { window: tumblingWindow('w', 10 * MIN) });
    const { engine, exactFromMs } = reconfigure(restored, v1);
    const exact = exactFromMs.get('w') as number;
    const after = new EngineRun(engine);
    after.end();
    expect(after.results).toEqual(freshFrom(v1, events, exact));
  });

  it('a window added while input is read again after a restart is exact after the replay floors', () => {
    const v0 = pipeline([tumblingWindow('w', MIN)]);
    const engine = new WindowAggregator(v0);
    engine.resumePartitions([{ partition: 0, completeUpToMs: 5 * MIN, maxEventTimeBeforeMs: MIN }]);
    const run = new EngineRun(engine);
    const events = [click(seconds(70)), click(seconds(130)), click(seconds(150)), click(seconds(170)), click(seconds(250)), click(seconds(400))];
    run.feed(...events.slice(0, 3));
    const v1 = withWindow(v0, { window: tumblingWindow('x', MIN) });
    const { engine: next, exactFromMs } = reconfigure(run.engine, v1);
    const exact = exactFromMs.get('x') as number;
    expect(exact).toBe(5 * MIN);
    const after = new EngineRun(next);
    after.feed(...events.slice(3));
    after.end();
    expect(after.results.filter((r) => r['window'] === 'x')).toEqual(freshFrom(v1, events, exact, 'x'));
  });

  it('drops the slices when the last aligned window is deleted', () => {
    const v0 = pipeline([tumblingWindow('t', 10 * MIN), sessionWindow('s', MIN)]);
    const run = new EngineRun(v0);
    run.feed(click(seconds(10)), click(seconds(20)));
    const { engine } = reconfigure(run.engine, withWindow(v0, { remove: 't' }));
    new EngineRun(engine).feed(click(1000 * MIN));
    expect(engine.gauges().openSlices).toBe(0);
  });
});

describe('liveWindows', () => {
  it('counts an event late for its tick once in running totals, with retained slices', () => {
    const spec = retaining(pipeline([globalWindow('g', MIN)]), 10 * MIN);
    const run = new EngineRun(spec);
    run.feed(click(seconds(10)), click(5 * MIN + seconds(10)), click(2 * MIN + seconds(30)));
    expect(liveWindows(run.engine, 'g', {}, 10)[0]?.values[0]).toBe(3);
    run.end();
    expect(run.results.at(-1)?.['count']).toBe(3);
  });

  it('gives the open windows of one key as they stand, and of all keys up to a limit', () => {
    const spec = pipeline([tumblingWindow('w', MIN), slidingWindow('s', 2 * MIN, MIN)], { keyBy: ['user_id'], maxOutOfOrdernessMs: 10 * MIN });
    const run = new EngineRun(spec);
    run.feed(click(seconds(10), { user_id: 1 }), click(seconds(20), { user_id: 2 }), click(seconds(30), { user_id: 1 }), click(seconds(70), { user_id: 1 }));
    const rows = (name: string, match: Record<string, number>, limit = 100): unknown[] =>
      liveWindows(run.engine, name, match, limit).map((w) => [w.start, w.end, w.key.key['user_id'], w.values[0]]);
    expect(rows('w', { user_id: 1 })).toEqual([[0, MIN, 1, 2], [MIN, 2 * MIN, 1, 1]]);
    expect(rows('s', { user_id: 1 })).toEqual([[-MIN, MIN, 1, 2], [0, 2 * MIN, 1, 3], [MIN, 3 * MIN, 1, 1]]);
    expect(rows('w', {})).toEqual([[0, MIN, 1, 2], [0, MIN, 2, 1], [MIN, 2 * MIN, 1, 1]]);
    expect(rows('w', {}, 2)).toHaveLength(2);
    expect(rows('w', { user_id: 3 })).toEqual([]);
    expect(() => liveWindows(run.engine, 'nope', {}, 1)).toThrow(/no window named 'nope'/);
  });
});
