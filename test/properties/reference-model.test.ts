// The reference model checked by hand against examples of docs/semantics.md, so that it is right before it judges the engine.

import { describe, expect, it } from 'vitest';
import type { FieldValue } from '../../src/core/event/click-event.js';
import type { PipelineSpec } from '../../src/core/operator/pipeline-spec.js';
import type { WindowSpec } from '../../src/core/windows/window-spec.js';
import { calendarPeriodOf } from '../reference/calendar-periods.js';
import { exactMean, exactSum, exactVariance, toDouble } from '../reference/exact-stats.js';
import { referenceRun, windowsContaining, type ReferenceEvent } from '../reference/reference-model.js';

const HOUR = 3_600_000;

function spec(windows: readonly WindowSpec[], time: Partial<PipelineSpec['time']> = {}, keyBy: readonly string[] = []): PipelineSpec {
  return {
    keyBy,
    filter: null,
    windows,
    aggregations: [{ fn: 'count', field: null }],
    time: { maxOutOfOrdernessMs: 0, allowedLatenessMs: 0, idleTimeoutMs: 0, ...time },
    emit: 'final',
  };
}

const at = (eventTimeMs: number, fields: Record<string, FieldValue> = {}): ReferenceEvent => ({ eventTimeMs, fields: { user_id: 'u', page: '/', ...fields } });

describe('exact statistics', () => {
  it('rounds the exact sum once, ties to even: 0.1 + 0.2 is the double after 0.3', () => {
    expect(exactSum([0.1, 0.2])).toBe(0.30000000000000004);
    expect(exactSum([1e16, 1, -1e16])).toBe(1);
    expect(exactSum([])).toBe(0);
  });

  it('gives the sample variance and mean of 1e9 + noise exactly', () => {
    const xs = [1e9 + 2 ** -20, 1e9 - 2 ** -20, 1e9];
    expect(exactMean(xs)).toBe(1e9);
    expect(exactVariance(xs)).toBe(2 ** -40);
    expect(exactVariance([3])).toBeNull();
    expect(toDouble({ p: 1n, q: 3n })).toBe(1 / 3);
    expect(toDouble({ p: -2n, q: 3n })).toBe(-2 / 3);
  });
});

describe('calendar periods by brute force', () => {
  it('makes the New York spring-forward day 23 h and the fall-back day 25 h long', () => {
    const spring = calendarPeriodOf('day', 'America/New_York', Date.UTC(2024, 2, 10, 12));
    expect(spring).toEqual({ start: Date.UTC(2024, 2, 10, 5), end: Date.UTC(2024, 2, 11, 4) });
    const fall = calendarPeriodOf('day', 'America/New_York', Date.UTC(2024, 10, 3, 12));
    expect(fall.end - fall.start).toBe(25 * HOUR);
  });

  it('starts ISO weeks on Monday 00:00 local and months on the 1st', () => {
    // 2024-04-01 is a Monday.
    expect(calendarPeriodOf('week', 'UTC', Date.UTC(2024, 3, 7, 23))).toEqual({ start: Date.UTC(2024, 3, 1), end: Date.UTC(2024, 3, 8) });
    expect(calendarPeriodOf('month', 'America/New_York', Date.UTC(2024, 2, 1, 3))).toEqual({ start: Date.UTC(2024, 1, 1, 5), end: Date.UTC(2024, 2, 1, 5) });
  });

  it('starts a day at the first instant of its date where midnight does not exist', () => {
    // America/Santiago jumps from 2024-09-08 00:00 to 01:00 (UTC−4 → UTC−3).
    expect(calendarPeriodOf('day', 'America/Santiago', Date.UTC(2024, 8, 8, 12)).start).toBe(Date.UTC(2024, 8, 8, 4));
  });
});

describe('the reference model', () => {
  it('lists the sliding windows that contain an event, with an offset', () => {
    //   slide 3, size 7, offset 1: starts …, −5, −2, 1, 4, 7 …; t = 5 is in [−2, 5)? no; [1, 8) and [4, 11) yes
    const w: WindowSpec = { kind: 'sliding', name: 's', sizeMs: 7, slideMs: 3, offsetMs: 1 };
    expect(windowsContaining(w, 5)).toEqual([{ start: 1, end: 8 }, { start: 4, end: 11 }]);
    expect(windowsContaining(w, 4)).toEqual([{ start: -2, end: 5 }, { start: 1, end: 8 }, { start: 4, end: 11 }]);
  });

  it('closes a tumbling window once the watermark reaches end plus lateness, and makes later events late', () => {
    //   [0,10) closes when W ≥ 10 + 5: the event at 3 (W = 14) joins it, the one at 4 (W = 15) is late
    const run = referenceRun(spec([{ kind: 'tumbling', name: 't', sizeMs: 10, offsetMs: 0 }], { allowedLatenessMs: 5 }), [at(2), at(14), at(3), at(15), at(4)]);
    expect(run.late).toEqual([{ index: 4, windows: ['t'], watermarkMs: 15 }]);
    expect(run.results.map((r) => [r.start, r.values[0]])).toEqual([[0, 2], [10, 2]]);
    expect(run.steps[3]?.results.map((r) => r.start)).toEqual([0]);
  });

  it('does not merge two session events exactly one gap apart, and merges across an out-of-order bridge', () => {
    const sessions = spec([{ kind: 'session', name: 's', gapMs: 10 }], { maxOutOfOrdernessMs: 100 });
    const apart = referenceRun(sessions, [at(0), at(10)]);
    expect(apart.results.map((r) => [r.start, r.end])).toEqual([[0, 10], [10, 20]]);
    const bridged = referenceRun(sessions, [at(0), at(15), at(7)]);
    expect(bridged.results.map((r) => [r.start, r.end, r.values[0]])).toEqual([[0, 25, 3]]);
  });

  it('reports a global total at every tick the watermark passes, even when no event fell just before it', () => {
    // every 10, filter keeps page "/a" only: the filtered event at 45 still moves the watermark past 20, 30 and 40
    const global = { ...spec([{ kind: 'global', name: 'g', everyMs: 10 }]), filter: 'page == "/a"' };
    const events = [at(5, { page: '/a' }), at(15, { page: '/b' }), at(2, { page: '/a' }), at(45, { page: '/b' })];
    const run = referenceRun(global, events, { filter: (f) => f.page === '/a' });
    expect(run.steps.map((s) => s.results.map((r) => [r.end, r.values[0]]))).toEqual([[], [[10, 1]], [], [[20, 2]], []]);
  });

  it('emits count windows on their N-th arrival and the incomplete ones at the end', () => {
    // size 3, slide 2: windows hold arrivals 0–2, 2–4, 4–6 …; five arrivals → [0..2], [2..4] complete, [4] incomplete
    const run = referenceRun(spec([{ kind: 'count', name: 'c', size: 3, slide: 2 }]), [at(50), at(10), at(30), at(20), at(40)]);
    expect(run.results.map((r) => [r.start, r.end, r.values[0]])).toEqual([[10, 51, 3], [20, 41, 3], [40, 41, 1]]);
  });
});
