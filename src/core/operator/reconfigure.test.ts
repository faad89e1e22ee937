import { describe, expect, it } from 'vitest';
import { reconfigure, withWindow } from './reconfigure.js';
import { liveWindows } from './live-windows.js';
import { click, countWindow, EngineRun, globalWindow, pipeline, seconds, sessionWindow, slidingWindow, tumblingWindow } from './test-support.js';
import type { PipelineSpec } from './pipeline-spec.js';

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

describe('liveWindows', () => {
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
