// WindowAggregator unit tests for global windows: cumulative reports at ticks, late events, the last report.

import { describe, expect, it } from 'vitest';
import { EngineRun, click, globalWindow, pipeline, seconds, tumblingWindow } from './test-support.js';

const total = globalWindow('total', seconds(10));

describe('global windows', () => {
  it('reports the running total at every tick the watermark passes, cumulatively', () => {
    // every 10s; a report at tick X covers events with time < X
    // 0s          10s          20s
    // |  x    x    |  x    x    |
    //    1    5    | 12   21 → W = 21 passes tick 20
    //         W = 12 passes tick 10 → {0, 10}: 2 events
    const run = new EngineRun(pipeline([total]));
    expect(run.feed(click(seconds(1)), click(seconds(5))).results).toEqual([]);
    expect(run.feed(click(seconds(12))).results).toEqual([{ window: 'total', start: 0, end: seconds(10), key: {}, count: 2 }]);
    expect(run.feed(click(seconds(21))).results).toEqual([{ window: 'total', start: 0, end: seconds(20), key: {}, count: 3 }]);
  });

  it('reports at a tick exactly when the watermark reaches it', () => {
    const run = new EngineRun(pipeline([total]));
    run.feed(click(seconds(1)));
    expect(run.feed(click(9_999)).results).toEqual([]);
    expect(run.feed(click(10_000)).results).toEqual([{ window: 'total', start: 0, end: seconds(10), key: {}, count: 2 }]);
  });

  it('waits for the allowed lateness past a tick', () => {
    const run = new EngineRun(pipeline([total], { allowedLatenessMs: seconds(3) }));
    run.feed(click(seconds(1)));
    expect(run.feed(click(12_999)).results).toEqual([]);
    expect(run.feed(click(13_000)).results).toEqual([{ window: 'total', start: 0, end: seconds(10), key: {}, count: 1 }]);
  });

  it('adds an event for an already reported tick to the next report, without a late record', () => {
    // tick 10 reported at W = 12; the event at 8 arrives after it and shows at tick 20
    const run = new EngineRun(pipeline([total]));
    run.feed(click(seconds(1)), click(seconds(12)));
    const step = run.feed(click(seconds(8)));
    expect(step.late).toEqual([]);
    expect(step.results).toEqual([]);
    expect(run.feed(click(seconds(20))).results).toEqual([{ window: 'total', start: 0, end: seconds(20), key: {}, count: 3 }]);
  });

  it('reports a late event at the next tick the watermark passes, even when no kept event falls in that tick', () => {
    // Rejected events (page /skip) only move the watermark.
    // 0s          10s          20s   ...   50s
    // |  x     x   |  o         |           o
    //    1     5(late, after W = 12)        W = 50 passes ticks 20..50: report {0, 20} with 1 and 5
    //             o = 12 (rejected) → report {0, 10}: 1 event
    const run = new EngineRun(pipeline([total], { filter: "page != '/skip'" }));
    run.feed(click(seconds(1)));
    expect(run.feed(click(seconds(12), { page: '/skip' })).results).toEqual([{ window: 'total', start: 0, end: seconds(10), key: {}, count: 1 }]);
    expect(run.feed(click(seconds(5))).results).toEqual([]);
    expect(run.feed(click(seconds(50), { page: '/skip' })).results).toEqual([{ window: 'total', start: 0, end: seconds(20), key: {}, count: 2 }]);
    expect(run.end().results).toEqual([]);
  });

  it('counts a late event once in the total when another definition still takes it into a slice', () => {
    // total every 10s next to minute (60s). W = 25 after 1, 25: tick 10 reported (1 event).
    // 5 arrives: too late for tick 10, on time for minute [0, 60). 31 moves W past tick 30.
    // 0s     10s     20s     30s
    // | x  x  |       |  x    | x
    //   1  5(late)       25     31 → report {0, 30}: 1, 5, 25 = 3 events
    const run = new EngineRun(pipeline([total, tumblingWindow('minute', seconds(60))]));
    expect(run.feed(click(seconds(1)), click(seconds(25))).results).toEqual([{ window: 'total', start: 0, end: seconds(10), key: {}, count: 1 }]);
    expect(run.feed(click(seconds(5))).late).toEqual([]);
    expect(run.feed(click(seconds(31))).results).toEqual([{ window: 'total', start: 0, end: seconds(30), key: {}, count: 3 }]);
    expect(run.end().results).toEqual([
      { window: 'total', start: 0, end: seconds(40), key: {}, count: 4 },
      { window: 'minute', start: 0, end: seconds(60), key: {}, count: 4 },
    ]);
  });

  it('reports only the keys that changed since their last report', () => {
    // tick 10: users 1 and 2 · tick 20: only user 1 has new events
    const run = new EngineRun(pipeline([total], { keyBy: ['user_id'] }));
    run.feed(click(seconds(1), { user_id: 1 }), click(seconds(2), { user_id: 2 }), click(seconds(11), { user_id: 1 }));
    expect(run.results).toHaveLength(2);
    expect(run.feed(click(seconds(20), { user_id: 1 })).results).toEqual([
      { window: 'total', start: 0, end: seconds(20), key: { user_id: 1 }, count: 2 },
    ]);
  });

  it('gives each report of a key a rising revision', () => {
    const run = new EngineRun(pipeline([total]));
    run.feed(click(seconds(1)), click(seconds(11)), click(seconds(21)));
    run.end();
    const revisions = run.outputs.map((o) => (o.kind === 'result' ? o.revision : -1));
    expect(revisions).toEqual([0, 1, 2]);
  });

  it('emits a last report of every event at the end of input', () => {
    // 1, 5 → tick 10 · 12 → tick 20 (with 1, 5) · 8 arrives late · 30.5 → tick 30 · end: tick 40 has all 5
    const run = new EngineRun(pipeline([total]));
    run.feed(click(seconds(1)), click(seconds(5)), click(seconds(12)), click(seconds(21)), click(seconds(8)));
    expect(run.feed(click(30_500)).results).toEqual([{ window: 'total', start: 0, end: seconds(30), key: {}, count: 5 }]);
    expect(run.end().results).toEqual([{ window: 'total', start: 0, end: seconds(40), key: {}, count: 6 }]);
  });

  it('shows a late event in the last report when no tick follows it', () => {
    const run = new EngineRun(pipeline([total]));
    run.feed(click(seconds(1)), click(seconds(10)));
    run.feed(click(seconds(2)));
    const last = run.end().results;
    expect(last).toHaveLength(1);
    expect(last[0]).toMatchObject({ start: 0, count: 3 });
  });
});
