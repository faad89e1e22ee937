// WindowAggregator unit tests for closing windows: watermark, maxOutOfOrderness, allowed lateness and late records.

import { describe, expect, it } from 'vitest';
import { EngineRun, click, countWindow, globalWindow, pipeline, seconds, sessionWindow, slidingWindow, tumblingWindow } from './test-support.js';

describe('closing a window', () => {
  it('closes a tumbling window on the event that moves the watermark to its end, not one ms before', () => {
    // 0s                    10s
    // [-------- w0 ---------)
    //  x                   x x
    //  1               9.999 10   W = 9.999 keeps w0 open; W = 10 closes it
    const run = new EngineRun(pipeline([tumblingWindow('ten_s', seconds(10))]));
    expect(run.feed(click(seconds(1))).results).toEqual([]);
    expect(run.feed(click(9_999)).results).toEqual([]);
    expect(run.feed(click(10_000)).results).toEqual([{ window: 'ten_s', start: 0, end: seconds(10), key: {}, count: 2 }]);
  });

  it('keeps a window open for the allowed lateness past its end', () => {
    // lateness 2s: w0 = [0, 10) closes once W ≥ 12
    // 0s                    10s        12s
    // [-------- w0 ---------)···········|
    //  x                          x     x
    //  1                     11.999     12
    const run = new EngineRun(pipeline([tumblingWindow('ten_s', seconds(10))], { allowedLatenessMs: seconds(2) }));
    run.feed(click(seconds(1)));
    expect(run.feed(click(11_999)).results).toEqual([]);
    expect(run.feed(click(12_000)).results).toEqual([{ window: 'ten_s', start: 0, end: seconds(10), key: {}, count: 1 }]);
  });

  it('holds the watermark maxOutOfOrderness behind the largest event time', () => {
    // maxOutOfOrderness 3s: W = max event time − 3
    // event 12.999 → W = 9.999 (w0 open) · event 13 → W = 10 (w0 closes)
    const run = new EngineRun(pipeline([tumblingWindow('ten_s', seconds(10))], { maxOutOfOrdernessMs: seconds(3) }));
    run.feed(click(seconds(1)));
    expect(run.feed(click(12_999)).results).toEqual([]);
    expect(run.engine.watermarkMs).toBe(9_999);
    expect(run.feed(click(13_000)).results).toEqual([{ window: 'ten_s', start: 0, end: seconds(10), key: {}, count: 1 }]);
  });

  it('closes a window once the largest event time reaches end + maxOutOfOrderness + allowed lateness', () => {
    // maxOutOfOrderness 3s, lateness 2s: [0, 10) closes when W = max − 3 ≥ 12, i.e. at an event at 15
    const run = new EngineRun(pipeline([tumblingWindow('ten_s', seconds(10))], { maxOutOfOrdernessMs: seconds(3), allowedLatenessMs: seconds(2) }));
    run.feed(click(seconds(1)));
    expect(run.feed(click(14_999)).results).toEqual([]);
    expect(run.feed(click(15_000)).results).toEqual([{ window: 'ten_s', start: 0, end: seconds(10), key: {}, count: 1 }]);
  });

  it('lets an out-of-order event within maxOutOfOrderness join its window', () => {
    // maxOutOfOrderness 3s: after 12.999, W = 9.999, so the event at 8 still finds w0 open
    const run = new EngineRun(pipeline([tumblingWindow('ten_s', seconds(10))], { maxOutOfOrdernessMs: seconds(3) }));
    run.feed(click(seconds(1)), click(12_999));
    const step = run.feed(click(seconds(8)));
    expect(step.late).toEqual([]);
    run.end();
    expect(run.results[0]).toEqual({ window: 'ten_s', start: 0, end: seconds(10), key: {}, count: 2 });
  });

  it('lets an out-of-order event within allowed lateness join its window', () => {
    // lateness 2s: after 11.999, W = 11.999 < 10 + 2, so the event at 5 joins w0
    // 0s                    10s        12s
    // [-------- w0 ---------)···········|
    //  x         x(late arrival)  x
    //  1         5           11.999
    const run = new EngineRun(pipeline([tumblingWindow('ten_s', seconds(10))], { allowedLatenessMs: seconds(2) }));
    run.feed(click(seconds(1)), click(11_999));
    expect(run.feed(click(seconds(5))).late).toEqual([]);
    expect(run.feed(click(seconds(12))).results).toEqual([{ window: 'ten_s', start: 0, end: seconds(10), key: {}, count: 2 }]);
  });

  it('never moves the watermark back when an older event arrives', () => {
    const run = new EngineRun(pipeline([tumblingWindow('ten_s', seconds(10))], { allowedLatenessMs: seconds(60) }));
    run.feed(click(seconds(20)), click(seconds(5)));
    expect(run.engine.watermarkMs).toBe(seconds(20));
  });
});

describe('late records', () => {
  it('makes an event for a closed window a late record, counted in no window', () => {
    // 0s                    10s                   20s
    // [-------- w0 ---------)[-------- w1 ---------)
    //  x               x(9, after W = 10: late)
    //  1                     10
    const run = new EngineRun(pipeline([tumblingWindow('ten_s', seconds(10))]));
    run.feed(click(seconds(1)), click(seconds(10)));
    const step = run.feed(click(seconds(9)));
    expect(step.late).toEqual([{ eventTimeMs: seconds(9), windows: ['ten_s'], watermarkMs: seconds(10) }]);
    expect(step.results).toEqual([]);
    run.end();
    expect(run.results).toEqual([
      { window: 'ten_s', start: 0, end: seconds(10), key: {}, count: 1 },
      { window: 'ten_s', start: seconds(10), end: seconds(20), key: {}, count: 1 },
    ]);
    expect(run.engine.stats.lateRecords).toBe(1);
    expect(run.engine.stats.lateByWindow).toEqual({ ten_s: 1 });
  });

  it('lets an event late for some of its sliding windows join the open ones, without a late record', () => {
    // size 10s, slide 5s; W = 110 has closed a and b
    // 95s       100s      105s      110s      115s      120s
    // [------- a --------)
    //           [------- b --------)
    //                     [------- c --------)
    //                               [------- d --------)
    //           x               x   x
    //           100           107   110
    // 107 arrives last: b is closed, c is open → it joins c only
    const run = new EngineRun(pipeline([slidingWindow('slide', seconds(10), seconds(5))]));
    run.feed(click(seconds(100)));
    expect(run.feed(click(seconds(110))).results).toEqual([
      { window: 'slide', start: seconds(95), end: seconds(105), key: {}, count: 1 },
      { window: 'slide', start: seconds(100), end: seconds(110), key: {}, count: 1 },
    ]);
    expect(run.feed(click(seconds(107))).late).toEqual([]);
    expect(run.end().results).toEqual([
      { window: 'slide', start: seconds(105), end: seconds(115), key: {}, count: 2 },
      { window: 'slide', start: seconds(110), end: seconds(120), key: {}, count: 1 },
    ]);
    expect(run.engine.stats.lateRecords).toBe(0);
  });

  it('makes an event late for all of its sliding windows a late record', () => {
    // W = 110: 104 belongs to [95, 105) and [100, 110), both closed
    const run = new EngineRun(pipeline([slidingWindow('slide', seconds(10), seconds(5))]));
    run.feed(click(seconds(100)), click(seconds(110)));
    expect(run.feed(click(seconds(104))).late).toEqual([{ eventTimeMs: seconds(104), windows: ['slide'], watermarkMs: seconds(110) }]);
  });

  it('judges an event per window definition: late for one, counted in another', () => {
    // ten_s [0, 10) closes at W = 10; minute [0, 60) is still open
    // 0s                    10s                                  60s
    // [------ ten_s --------)[------ ten_s ---------)
    // [---------------------------- minute -------------------------)
    //  x               x     x
    //  1               9     10      (9 arrives after 10)
    const run = new EngineRun(pipeline([tumblingWindow('ten_s', seconds(10)), tumblingWindow('minute', seconds(60))]));
    run.feed(click(seconds(1)), click(seconds(10)));
    const step = run.feed(click(seconds(9)));
    expect(step.late).toEqual([{ eventTimeMs: seconds(9), windows: ['ten_s'], watermarkMs: seconds(10) }]);
    run.end();
    expect(run.results).toEqual([
      { window: 'ten_s', start: 0, end: seconds(10), key: {}, count: 1 },
      { window: 'ten_s', start: seconds(10), end: seconds(20), key: {}, count: 1 },
      { window: 'minute', start: 0, end: seconds(60), key: {}, count: 3 },
    ]);
  });

  it('keeps judging per definition as more late events arrive for closed short windows', () => {
    // W = 25: ten_s [0, 10) and [10, 20) are closed, minute [0, 60) is open
    // 0s        10s        20s        30s ... 60s
    // [ ten_s  )[ ten_s  )[ ten_s  )
    // [----------------- minute -----------------)
    //  x    x(late)  x(late)   x
    //  1    5        15        25
    const run = new EngineRun(pipeline([tumblingWindow('ten_s', seconds(10)), tumblingWindow('minute', seconds(60))]));
    run.feed(click(seconds(1)), click(seconds(25)));
    expect(run.feed(click(seconds(5)), click(seconds(15))).late).toEqual([
      { eventTimeMs: seconds(5), windows: ['ten_s'], watermarkMs: seconds(25) },
      { eventTimeMs: seconds(15), windows: ['ten_s'], watermarkMs: seconds(25) },
    ]);
    run.end();
    expect(run.results).toEqual([
      { window: 'ten_s', start: 0, end: seconds(10), key: {}, count: 1 },
      { window: 'ten_s', start: seconds(20), end: seconds(30), key: {}, count: 1 },
      { window: 'minute', start: 0, end: seconds(60), key: {}, count: 4 },
    ]);
  });

  it('writes one late record listing every definition the event missed', () => {
    // W = 100: [0, 10), [0, 60) and the session [1, 11) are all closed for an event at 1
    const run = new EngineRun(
      pipeline([tumblingWindow('ten_s', seconds(10)), tumblingWindow('minute', seconds(60)), sessionWindow('visit', seconds(10))]),
    );
    run.feed(click(seconds(100)));
    const step = run.feed(click(seconds(1)));
    expect(step.late).toEqual([{ eventTimeMs: seconds(1), windows: ['ten_s', 'minute', 'visit'], watermarkMs: seconds(100) }]);
    expect(run.engine.stats.lateRecords).toBe(1);
  });

  it('never makes an event late because of count or global windows', () => {
    // The event at 1 is behind W = 100, yet it counts in both and is no late record
    const run = new EngineRun(pipeline([countWindow('pairs', 2), globalWindow('total', seconds(10))]));
    run.feed(click(seconds(100)));
    const step = run.feed(click(seconds(1)));
    expect(step.late).toEqual([]);
    expect(step.results).toEqual([{ window: 'pairs', start: seconds(1), end: seconds(100) + 1, key: {}, count: 2 }]);
  });

  it('makes an event late for a time window a late record even when a count window takes it', () => {
    const run = new EngineRun(pipeline([tumblingWindow('ten_s', seconds(10)), countWindow('pairs', 2)]));
    run.feed(click(seconds(100)));
    const step = run.feed(click(seconds(1)));
    expect(step.late).toEqual([{ eventTimeMs: seconds(1), windows: ['ten_s'], watermarkMs: seconds(100) }]);
    expect(step.results).toEqual([{ window: 'pairs', start: seconds(1), end: seconds(100) + 1, key: {}, count: 2 }]);
  });
});
