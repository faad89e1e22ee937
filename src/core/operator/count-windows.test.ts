// WindowAggregator unit tests for count windows: every N, the last N every M, per key, end of input, reported start/end.

import { describe, expect, it } from 'vitest';
import { EngineRun, aggregation, click, countWindow, pipeline, seconds, sortedByKey } from './test-support.js';

describe('count windows', () => {
  it('emits a tumbling count window on the arrival of its N-th event, with start = min time and end = max time + 1', () => {
    // size 3, arrival order: 5s, 1s, 3s → [min 1s, max 5s + 1 ms)
    const run = new EngineRun(pipeline([countWindow('triples', 3)]));
    expect(run.feed(click(seconds(5)), click(seconds(1))).results).toEqual([]);
    expect(run.feed(click(seconds(3))).results).toEqual([{ window: 'triples', start: seconds(1), end: seconds(5) + 1, key: {}, count: 3 }]);
    expect(run.feed(click(seconds(9)), click(seconds(8))).results).toEqual([]);
    expect(run.feed(click(seconds(7))).results).toEqual([{ window: 'triples', start: seconds(7), end: seconds(9) + 1, key: {}, count: 3 }]);
  });

  it('emits the last N arrivals every M arrivals when the slide is smaller than the size', () => {
    // size 4, slide 2; values are the arrival numbers
    // arrival  0  1  2  3  4  5
    // j = 0   [0  1  2  3]          emitted on arrival 3: sum 6
    // j = 1         [2  3  4  5]    emitted on arrival 5: sum 14
    // j = 2               [4  5 …   incomplete: emitted at end of input, sum 9
    const run = new EngineRun(pipeline([countWindow('last4', 4, 2)], { aggregations: [aggregation('count'), aggregation('sum', 'value')] }));
    const arrive = (i: number) => run.feed(click(seconds(10 + i), { value: i })).results;
    expect([arrive(0), arrive(1), arrive(2)]).toEqual([[], [], []]);
    expect(arrive(3)).toEqual([{ window: 'last4', start: seconds(10), end: seconds(13) + 1, key: {}, count: 4, sum_value: 6 }]);
    expect(arrive(4)).toEqual([]);
    expect(arrive(5)).toEqual([{ window: 'last4', start: seconds(12), end: seconds(15) + 1, key: {}, count: 4, sum_value: 14 }]);
    expect(run.end().results).toEqual([{ window: 'last4', start: seconds(14), end: seconds(15) + 1, key: {}, count: 2, sum_value: 9 }]);
  });

  it('emits every window that has events but is incomplete at the end of input', () => {
    // size 3, slide 1, two arrivals: j = 0 holds [0, 1], j = 1 holds [1]
    const run = new EngineRun(pipeline([countWindow('last3', 3, 1)]));
    run.feed(click(seconds(1)), click(seconds(2)));
    expect(run.end().results).toEqual([
      { window: 'last3', start: seconds(1), end: seconds(2) + 1, key: {}, count: 2 },
      { window: 'last3', start: seconds(2), end: seconds(2) + 1, key: {}, count: 1 },
    ]);
  });

  it('counts arrivals per key', () => {
    // size 2: user 1 arrives at 1s, 3s (complete), 5s (incomplete); user 2 at 2s (incomplete)
    const run = new EngineRun(pipeline([countWindow('pairs', 2)], { keyBy: ['user_id'] }));
    run.feed(click(seconds(1), { user_id: 1 }), click(seconds(2), { user_id: 2 }));
    expect(run.feed(click(seconds(3), { user_id: 1 })).results).toEqual([
      { window: 'pairs', start: seconds(1), end: seconds(3) + 1, key: { user_id: 1 }, count: 2 },
    ]);
    run.feed(click(seconds(5), { user_id: 1 }));
    expect(sortedByKey(run.end().results)).toEqual([
      { window: 'pairs', start: seconds(5), end: seconds(5) + 1, key: { user_id: 1 }, count: 1 },
      { window: 'pairs', start: seconds(2), end: seconds(2) + 1, key: { user_id: 2 }, count: 1 },
    ]);
  });

  it('counts only the arrivals the filter keeps', () => {
    const run = new EngineRun(pipeline([countWindow('pairs', 2)], { filter: "page != '/skip'" }));
    run.feed(click(seconds(1)), click(seconds(2), { page: '/skip' }));
    expect(run.feed(click(seconds(3))).results).toEqual([{ window: 'pairs', start: seconds(1), end: seconds(3) + 1, key: {}, count: 2 }]);
  });

  it('ignores the watermark: an old event still counts and closes nothing early', () => {
    // W = 100s after the first event; the event at 1s is no late record
    const run = new EngineRun(pipeline([countWindow('triples', 3)], { allowedLatenessMs: 0 }));
    run.feed(click(seconds(100)), click(seconds(1)));
    const step = run.feed(click(seconds(2)));
    expect(step.late).toEqual([]);
    expect(step.results).toEqual([{ window: 'triples', start: seconds(1), end: seconds(100) + 1, key: {}, count: 3 }]);
  });

  it('emits nothing at the end of input for a key whose last window was complete', () => {
    const run = new EngineRun(pipeline([countWindow('pairs', 2)]));
    run.feed(click(seconds(1)), click(seconds(2)));
    expect(run.end().results).toEqual([]);
  });
});
