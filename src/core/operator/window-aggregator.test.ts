// WindowAggregator unit tests for tumbling and sliding window membership, duplicates, the filter and end of input.

import { describe, expect, it } from 'vitest';
import {
  EngineRun,
  aggregation,
  click,
  pipeline,
  seconds,
  sessionWindow,
  slidingWindow,
  tumblingWindow,
} from './test-support.js';

describe('tumbling windows', () => {
  it('puts an event exactly at a window end into the next window', () => {
    // 0s                    10s                   20s
    // [-------- w0 ---------)[-------- w1 ---------)
    //  x                   x x
    //  0               9.999 10
    const run = new EngineRun(pipeline([tumblingWindow('ten_s', seconds(10))]));
    run.feed(click(0), click(9_999), click(10_000));
    run.end();
    expect(run.results).toEqual([
      { window: 'ten_s', start: 0, end: seconds(10), key: {}, count: 2 },
      { window: 'ten_s', start: seconds(10), end: seconds(20), key: {}, count: 1 },
    ]);
  });

  it('shifts every window by the offset', () => {
    // size 10s, offset 3s: windows [k·10 + 3, k·10 + 13)
    // 93s                  103s                 113s                 123s
    // [-------------------)[--------------------)[--------------------)
    //              x       x               x     x
    //        102.999       103       112.999     113
    const run = new EngineRun(pipeline([tumblingWindow('ten_s', seconds(10), seconds(3))]));
    run.feed(click(102_999), click(103_000), click(112_999), click(113_000));
    run.end();
    expect(run.results).toEqual([
      { window: 'ten_s', start: seconds(93), end: seconds(103), key: {}, count: 1 },
      { window: 'ten_s', start: seconds(103), end: seconds(113), key: {}, count: 2 },
      { window: 'ten_s', start: seconds(113), end: seconds(123), key: {}, count: 1 },
    ]);
  });
});

describe('windows without events', () => {
  it('emits no result for a window that no event fell in', () => {
    // [0, 10) and [30, 40) have events; [10, 20) and [20, 30) have none
    const run = new EngineRun(pipeline([tumblingWindow('ten_s', seconds(10))]));
    run.feed(click(seconds(1)), click(seconds(35)));
    run.end();
    expect(run.results).toEqual([
      { window: 'ten_s', start: 0, end: seconds(10), key: {}, count: 1 },
      { window: 'ten_s', start: seconds(30), end: seconds(40), key: {}, count: 1 },
    ]);
  });
});

describe('sliding windows', () => {
  it('puts an event into every size/slide window that contains it, an edge event included', () => {
    // size 10s, slide 5s
    // 95s       100s      105s      110s      115s      120s
    // [------- a --------)
    //           [------- b --------)
    //                     [------- c --------)
    //                               [------- d --------)
    //                x    x         x
    //          104.999    105       110
    // a: 104.999 · b: 104.999, 105 · c: 105, 110 · d: 110
    const run = new EngineRun(pipeline([slidingWindow('slide', seconds(10), seconds(5))]));
    run.feed(click(104_999), click(105_000), click(110_000));
    run.end();
    expect(run.results).toEqual([
      { window: 'slide', start: seconds(95), end: seconds(105), key: {}, count: 1 },
      { window: 'slide', start: seconds(100), end: seconds(110), key: {}, count: 2 },
      { window: 'slide', start: seconds(105), end: seconds(115), key: {}, count: 2 },
      { window: 'slide', start: seconds(110), end: seconds(120), key: {}, count: 1 },
    ]);
  });

  it('puts an event into three windows when the size is three slides', () => {
    // size 15s, slide 5s: the event at 112s is in [100, 115), [105, 120) and [110, 125)
    const run = new EngineRun(pipeline([slidingWindow('slide', seconds(15), seconds(5))]));
    run.feed(click(seconds(112)));
    run.end();
    expect(run.results).toEqual([
      { window: 'slide', start: seconds(100), end: seconds(115), key: {}, count: 1 },
      { window: 'slide', start: seconds(105), end: seconds(120), key: {}, count: 1 },
      { window: 'slide', start: seconds(110), end: seconds(125), key: {}, count: 1 },
    ]);
  });

  it('handles a slide that does not divide the size', () => {
    // size 10s, slide 4s: starts 0, 4, 8, 12…
    // 0s  4s  8s  10s 12s 14s     18s
    // [---------- a -)
    //     [---------- b -)
    //         [---------- c -)
    //      x       x
    //      9       10
    // 9 is in a, b, c · 10 is in b, c (a ends at 10)
    const run = new EngineRun(pipeline([slidingWindow('slide', seconds(10), seconds(4))]));
    run.feed(click(seconds(9)), click(seconds(10)));
    run.end();
    expect(run.results).toEqual([
      { window: 'slide', start: 0, end: seconds(10), key: {}, count: 1 },
      { window: 'slide', start: seconds(4), end: seconds(14), key: {}, count: 2 },
      { window: 'slide', start: seconds(8), end: seconds(18), key: {}, count: 2 },
    ]);
  });

  it('shifts window starts by the offset', () => {
    // size 10s, slide 5s, offset 2s: starts ≡ 2 (mod 5)
    // 97s       102s      107s      112s      117s
    // [--------- a -------)
    //           [--------- b -------)
    //                     [--------- c -------)
    //                    xx
    //           106.999  107
    // a: 106.999 · b: 106.999, 107 · c: 107
    const run = new EngineRun(pipeline([slidingWindow('slide', seconds(10), seconds(5), seconds(2))]));
    run.feed(click(106_999), click(107_000));
    run.end();
    expect(run.results).toEqual([
      { window: 'slide', start: seconds(97), end: seconds(107), key: {}, count: 1 },
      { window: 'slide', start: seconds(102), end: seconds(112), key: {}, count: 2 },
      { window: 'slide', start: seconds(107), end: seconds(117), key: {}, count: 1 },
    ]);
  });
});

describe('duplicates', () => {
  it('counts an event delivered twice twice', () => {
    const run = new EngineRun(pipeline([tumblingWindow('ten_s', seconds(10))], { aggregations: [aggregation('count'), aggregation('sum', 'value')] }));
    const event = click(seconds(3), { value: 5 });
    run.feed(event, event);
    run.end();
    expect(run.results).toEqual([{ window: 'ten_s', start: 0, end: seconds(10), key: {}, count: 2, sum_value: 10 }]);
  });
});

describe('filter', () => {
  it('keeps rejected events out of every window', () => {
    const run = new EngineRun(pipeline([tumblingWindow('ten_s', seconds(10))], { filter: "page == '/buy'" }));
    run.feed(click(seconds(1), { page: '/buy' }), click(seconds(2), { page: '/home' }), click(seconds(3), { page: '/buy' }));
    run.end();
    expect(run.results).toEqual([{ window: 'ten_s', start: 0, end: seconds(10), key: {}, count: 2 }]);
    expect(run.engine.stats.filteredOut).toBe(1);
  });

  it('lets a rejected event move the watermark and close a window', () => {
    // 0s                    10s
    // [-------- w0 ---------)
    //    x (/buy)            o (/home, rejected) → W = 10s closes w0
    const run = new EngineRun(pipeline([tumblingWindow('ten_s', seconds(10))], { filter: "page == '/buy'" }));
    run.feed(click(seconds(1), { page: '/buy' }));
    const step = run.feed(click(seconds(10), { page: '/home' }));
    expect(step.results).toEqual([{ window: 'ten_s', start: 0, end: seconds(10), key: {}, count: 1 }]);
    expect(run.engine.watermarkMs).toBe(seconds(10));
  });
});

describe('result order', () => {
  it('orders the results of one watermark step by close time, then definition order, then start', () => {
    // definitions: minute (60s) first, ten_s (10s) second; maxOutOfOrderness 60s, so the event
    // at 120 moves W from −5 to 60 in one step
    // 0s     10s     20s    ...    50s     60s
    // [ten_s )[ten_s )              [ten_s )
    // [------------- minute ----------------)
    //    x       x                     x
    //    5       15                    55
    // closes: ten_s [0, 10) at 10 · ten_s [10, 20) at 20 · minute [0, 60) and ten_s [50, 60) at 60
    const run = new EngineRun(pipeline([tumblingWindow('minute', seconds(60)), tumblingWindow('ten_s', seconds(10))], { maxOutOfOrdernessMs: seconds(60) }));
    run.feed(click(seconds(5)), click(seconds(15)), click(seconds(55)));
    expect(run.feed(click(seconds(120))).results).toEqual([
      { window: 'ten_s', start: 0, end: seconds(10), key: {}, count: 1 },
      { window: 'ten_s', start: seconds(10), end: seconds(20), key: {}, count: 1 },
      { window: 'minute', start: 0, end: seconds(60), key: {}, count: 3 },
      { window: 'ten_s', start: seconds(50), end: seconds(60), key: {}, count: 1 },
    ]);
  });
});

describe('end of input', () => {
  it('closes every open window of every kind, however large the allowed lateness', () => {
    const run = new EngineRun(
      pipeline(
        [tumblingWindow('ten_s', seconds(10)), slidingWindow('slide', seconds(10), seconds(5)), sessionWindow('visit', seconds(30))],
        { allowedLatenessMs: seconds(3_600) },
      ),
    );
    expect(run.feed(click(seconds(101)), click(seconds(107))).results).toEqual([]);
    // One watermark step to +∞; close-time order, then definition order:
    // slide [95, 105) · ten_s [100, 110) · slide [100, 110) · slide [105, 115) · visit [101, 137)
    expect(run.end().results).toEqual([
      { window: 'slide', start: seconds(95), end: seconds(105), key: {}, count: 1 },
      { window: 'ten_s', start: seconds(100), end: seconds(110), key: {}, count: 2 },
      { window: 'slide', start: seconds(100), end: seconds(110), key: {}, count: 2 },
      { window: 'slide', start: seconds(105), end: seconds(115), key: {}, count: 1 },
      { window: 'visit', start: seconds(101), end: seconds(137), key: {}, count: 2 },
    ]);
    expect(run.engine.gauges().openWindows).toBe(0);
    expect(run.engine.gauges().openSessions).toBe(0);
  });

  it('emits nothing more when the end of input comes twice', () => {
    const run = new EngineRun(pipeline([tumblingWindow('ten_s', seconds(10))]));
    run.feed(click(seconds(1)));
    expect(run.end().results).toHaveLength(1);
    expect(run.end().results).toEqual([]);
  });
});
