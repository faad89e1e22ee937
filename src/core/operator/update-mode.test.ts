// WindowAggregator unit tests for update mode: rising revisions, the final revision, merged sessions, count and global windows.

import { describe, expect, it } from 'vitest';
import type { ClickEvent } from '../event/click-event.js';
import type { WindowSpec } from '../windows/window-spec.js';
import {
  EngineRun,
  click,
  countWindow,
  globalWindow,
  pipeline,
  seconds,
  sessionWindow,
  slidingWindow,
  sortedByStart,
  tumblingWindow,
  type PipelineOptions,
  type ResultRow,
} from './test-support.js';

const tenSeconds = tumblingWindow('ten_s', seconds(10));

describe('update mode', () => {
  it('emits a rising revision per flush while the window is open, then the final one when it closes', () => {
    // 0s                    10s
    // [-------- w0 ---------)
    //  x  flush  x  flush  flush(no change)  x(10: closes w0)
    //  1  rev 0  2  rev 1   —                 rev 2, final
    const run = new EngineRun(pipeline([tenSeconds], { emit: 'update' }));
    run.feed(click(seconds(1)));
    expect(run.flush().results).toEqual([{ window: 'ten_s', start: 0, end: seconds(10), key: {}, count: 1, revision: 0, isFinal: false }]);
    run.feed(click(seconds(2)));
    expect(run.flush().results).toEqual([{ window: 'ten_s', start: 0, end: seconds(10), key: {}, count: 2, revision: 1, isFinal: false }]);
    expect(run.flush().results).toEqual([]);
    expect(run.feed(click(seconds(10))).results).toEqual([
      { window: 'ten_s', start: 0, end: seconds(10), key: {}, count: 2, revision: 2, isFinal: true },
    ]);
    expect(run.end().results).toEqual([
      { window: 'ten_s', start: seconds(10), end: seconds(20), key: {}, count: 1, revision: 0, isFinal: true },
    ]);
  });

  it('keeps revising a window during its allowed lateness', () => {
    // lateness 5s: [0, 10) stays open until W = 15; the event at 3 arrives at W = 12
    // 0s                    10s        15s
    // [-------- w0 ---------)···········|
    //  x  x(late arrival)     x         x
    //  1  3                   12        15 → final
    const run = new EngineRun(pipeline([tenSeconds], { emit: 'update', allowedLatenessMs: seconds(5) }));
    run.feed(click(seconds(1)));
    expect(run.flush().results).toEqual([{ window: 'ten_s', start: 0, end: seconds(10), key: {}, count: 1, revision: 0, isFinal: false }]);
    run.feed(click(seconds(12)), click(seconds(3)));
    expect(sortedByStart(run.flush().results)).toEqual([
      { window: 'ten_s', start: 0, end: seconds(10), key: {}, count: 2, revision: 1, isFinal: false },
      { window: 'ten_s', start: seconds(10), end: seconds(20), key: {}, count: 1, revision: 0, isFinal: false },
    ]);
    expect(run.feed(click(seconds(15))).results).toEqual([
      { window: 'ten_s', start: 0, end: seconds(10), key: {}, count: 2, revision: 2, isFinal: true },
    ]);
  });

  it('re-emits only the keys that changed since the last flush', () => {
    const run = new EngineRun(pipeline([tenSeconds], { emit: 'update', keyBy: ['user_id'] }));
    run.feed(click(seconds(1), { user_id: 1 }), click(seconds(2), { user_id: 2 }));
    expect(run.flush().results).toHaveLength(2);
    run.feed(click(seconds(3), { user_id: 2 }));
    expect(run.flush().results).toEqual([
      { window: 'ten_s', start: 0, end: seconds(10), key: { user_id: 2 }, count: 2, revision: 1, isFinal: false },
    ]);
  });

  it('re-emits every open sliding window that contains the change', () => {
    // size 10s, slide 5s: 7 is in [0, 10) and [5, 15)
    const run = new EngineRun(pipeline([slidingWindow('slide', seconds(10), seconds(5))], { emit: 'update' }));
    run.feed(click(seconds(7)));
    expect(sortedByStart(run.flush().results)).toEqual([
      { window: 'slide', start: 0, end: seconds(10), key: {}, count: 1, revision: 0, isFinal: false },
      { window: 'slide', start: seconds(5), end: seconds(15), key: {}, count: 1, revision: 0, isFinal: false },
    ]);
  });

  it('continues a merged session with the higher revision and gives the absorbed session no final result', () => {
    // gap 10s, maxOutOfOrderness 60s keeps everything open
    // 100 102      106       112 115           125
    // [---- A: 100, 102 ----)    [---- B: 115 ----)
    //          [---- 106 ---------)
    // A: rev 0, rev 1 · B: rev 0 · 106 merges B into A → [100, 125) rev 2, then final rev 3
    const run = new EngineRun(pipeline([sessionWindow('visit', seconds(10))], { emit: 'update', maxOutOfOrdernessMs: seconds(60) }));
    run.feed(click(seconds(100)));
    expect(run.flush().results).toEqual([{ window: 'visit', start: seconds(100), end: seconds(110), key: {}, count: 1, revision: 0, isFinal: false }]);
    run.feed(click(seconds(102)));
    expect(run.flush().results).toEqual([{ window: 'visit', start: seconds(100), end: seconds(112), key: {}, count: 2, revision: 1, isFinal: false }]);
    run.feed(click(seconds(115)));
    expect(run.flush().results).toEqual([{ window: 'visit', start: seconds(115), end: seconds(125), key: {}, count: 1, revision: 0, isFinal: false }]);
    run.feed(click(seconds(106)));
    expect(run.flush().results).toEqual([{ window: 'visit', start: seconds(100), end: seconds(125), key: {}, count: 4, revision: 2, isFinal: false }]);
    expect(run.end().results).toEqual([{ window: 'visit', start: seconds(100), end: seconds(125), key: {}, count: 4, revision: 3, isFinal: true }]);
  });

  it('emits count windows as in final mode: once, final, revision 0', () => {
    const run = new EngineRun(pipeline([countWindow('pairs', 2)], { emit: 'update' }));
    run.feed(click(seconds(1)));
    expect(run.flush().results).toEqual([]);
    expect(run.feed(click(seconds(2))).results).toEqual([{ window: 'pairs', start: seconds(1), end: seconds(2) + 1, key: {}, count: 2, revision: 0, isFinal: true }]);
    expect(run.flush().results).toEqual([]);
  });

  it('emits global reports as in final mode: at ticks only, each final, with rising revisions', () => {
    const run = new EngineRun(pipeline([globalWindow('total', seconds(10))], { emit: 'update' }));
    run.feed(click(seconds(1)));
    expect(run.flush().results).toEqual([]);
    expect(run.feed(click(seconds(11))).results).toEqual([{ window: 'total', start: 0, end: seconds(10), key: {}, count: 1, revision: 0, isFinal: true }]);
    expect(run.flush().results).toEqual([]);
    expect(run.end().results).toEqual([{ window: 'total', start: 0, end: seconds(20), key: {}, count: 2, revision: 1, isFinal: true }]);
  });

  it('ends every window with a final revision equal to the final-mode result', () => {
    // Out-of-order, late and bridging events, several definitions and keys, a flush after every event.
    const windows: WindowSpec[] = [tenSeconds, slidingWindow('slide', seconds(10), seconds(5)), sessionWindow('visit', seconds(4))];
    const options: PipelineOptions = { keyBy: ['user_id'], maxOutOfOrdernessMs: seconds(2), allowedLatenessMs: seconds(1) };
    const events: ClickEvent[] = [
      click(seconds(1), { user_id: 1 }),
      click(seconds(3), { user_id: 2 }),
      click(seconds(9), { user_id: 1 }),
      click(seconds(4), { user_id: 1 }),
      click(seconds(13), { user_id: 2 }),
      click(seconds(6), { user_id: 1 }),
      click(seconds(12), { user_id: 1 }),
      click(seconds(2), { user_id: 2 }),
      click(seconds(25), { user_id: 1 }),
      click(seconds(14), { user_id: 2 }),
      click(seconds(31), { user_id: 2 }),
    ];
    const finalRun = new EngineRun(pipeline(windows, options));
    const updateRun = new EngineRun(pipeline(windows, { ...options, emit: 'update' }));
    for (const event of events) {
      finalRun.feed(event);
      updateRun.feed(event);
      updateRun.flush();
    }
    finalRun.end();
    updateRun.end();

    // Aligned windows: revisions 0, 1, 2… per (window, start, key). A session's start moves when an
    // out-of-order event extends it backwards, and it carries its revision on, so sessions are
    // checked by their final results only.
    const identity = (r: ResultRow): string => JSON.stringify([r['window'], r['start'], r['key']]);
    const updates = updateRun.results;
    const last = new Map<string, ResultRow>();
    for (const row of updates) {
      const previous = last.get(identity(row));
      expect(previous?.['isFinal'] ?? false).toBe(false);
      if (row['window'] !== 'visit') expect(row['revision']).toBe(previous === undefined ? 0 : (previous['revision'] as number) + 1);
      last.set(identity(row), row);
    }
    const finals = updates.filter((r) => r['isFinal'] === true);
    expect(finals.every((r) => last.get(identity(r)) === r)).toBe(true);
    const withoutRevision = finals.map(({ revision: _revision, isFinal: _isFinal, ...rest }) => rest);
    const byText = (rows: readonly ResultRow[]): string[] => rows.map((r) => JSON.stringify(r)).sort();
    expect(byText(withoutRevision)).toEqual(byText(finalRun.results));
    expect(updateRun.late).toEqual(finalRun.late);
  });
});
