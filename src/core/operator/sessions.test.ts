// WindowAggregator unit tests for session windows: merging, the exact gap, bridging events, closing and lateness.

import { describe, expect, it } from 'vitest';
import { EngineRun, click, pipeline, seconds, sessionWindow, sortedByKey } from './test-support.js';

const visit = sessionWindow('visit', seconds(10));

describe('session windows', () => {
  it('merges events closer than the gap into one session [first, last + gap)', () => {
    // gap 10s
    // 100s      105s      110s      115s      122s
    // [------ 100 -------)
    //           [------ 105 -------)
    //                          [------ 112 -------)
    // → one session [100, 122)
    const run = new EngineRun(pipeline([visit]));
    run.feed(click(seconds(100)), click(seconds(105)), click(seconds(112)));
    run.end();
    expect(run.results).toEqual([{ window: 'visit', start: seconds(100), end: seconds(122), key: {}, count: 3 }]);
  });

  it('does not merge two events exactly one gap apart', () => {
    // 100s                110s                120s
    // [------ 100 -------)[------ 110 -------)
    // half-open: the first session ends where the second starts
    const run = new EngineRun(pipeline([visit]));
    run.feed(click(seconds(100)), click(seconds(110)));
    run.end();
    expect(run.results).toEqual([
      { window: 'visit', start: seconds(100), end: seconds(110), key: {}, count: 1 },
      { window: 'visit', start: seconds(110), end: seconds(120), key: {}, count: 1 },
    ]);
  });

  it('does not merge an out-of-order event exactly one gap before a session', () => {
    // 90s                 100s                110s
    // [------ 90 --------)[------ 100 -------)     90 arrives second
    const run = new EngineRun(pipeline([visit], { maxOutOfOrdernessMs: seconds(60) }));
    run.feed(click(seconds(100)), click(seconds(90)));
    run.end();
    expect(run.results).toEqual([
      { window: 'visit', start: seconds(90), end: seconds(100), key: {}, count: 1 },
      { window: 'visit', start: seconds(100), end: seconds(110), key: {}, count: 1 },
    ]);
  });

  it('merges two sessions into one result when an out-of-order event bridges them', () => {
    // maxOutOfOrderness 60s keeps both sessions open
    // 100s      106s  110s  115s  116s      125s
    // [---- A: 100 ----)     [---- B: 115 ----)
    //           [---- 106 --------)
    // 106 overlaps A and B → one session [100, 125)
    const run = new EngineRun(pipeline([visit], { maxOutOfOrdernessMs: seconds(60) }));
    run.feed(click(seconds(100)), click(seconds(115)));
    expect(run.engine.gauges().openSessions).toBe(2);
    run.feed(click(seconds(106)));
    expect(run.engine.gauges().openSessions).toBe(1);
    run.end();
    expect(run.results).toEqual([{ window: 'visit', start: seconds(100), end: seconds(125), key: {}, count: 3 }]);
  });

  it('keeps sessions per key', () => {
    const run = new EngineRun(pipeline([visit], { keyBy: ['user_id'] }));
    run.feed(click(seconds(100), { user_id: 1 }), click(seconds(105), { user_id: 2 }), click(seconds(108), { user_id: 1 }));
    run.end();
    expect(sortedByKey(run.results)).toEqual([
      { window: 'visit', start: seconds(100), end: seconds(118), key: { user_id: 1 }, count: 2 },
      { window: 'visit', start: seconds(105), end: seconds(115), key: { user_id: 2 }, count: 1 },
    ]);
  });

  it('closes a session once the watermark reaches last event + gap + allowed lateness', () => {
    // user 1: 100, 104 → session [100, 114); lateness 5s → closes at W = 119
    // 100s  104s      114s      119s
    // [---- user 1 ----)·········|
    //                        x   x   user 2 moves the watermark: 118.999, then 119
    const run = new EngineRun(pipeline([visit], { keyBy: ['user_id'], allowedLatenessMs: seconds(5) }));
    run.feed(click(seconds(100), { user_id: 1 }), click(seconds(104), { user_id: 1 }));
    expect(run.feed(click(118_999, { user_id: 2 })).results).toEqual([]);
    expect(run.feed(click(119_000, { user_id: 2 })).results).toEqual([
      { window: 'visit', start: seconds(100), end: seconds(114), key: { user_id: 1 }, count: 2 },
    ]);
  });

  it('makes an event whose merged session would already be closed a late record', () => {
    // user 1's session [100, 110) closed at W = 130; user 1 at 105 → [105, 115) is closed too
    const run = new EngineRun(pipeline([visit], { keyBy: ['user_id'] }));
    run.feed(click(seconds(100), { user_id: 1 }));
    expect(run.feed(click(seconds(130), { user_id: 2 })).results).toEqual([
      { window: 'visit', start: seconds(100), end: seconds(110), key: { user_id: 1 }, count: 1 },
    ]);
    const step = run.feed(click(seconds(105), { user_id: 1 }));
    expect(step.late).toEqual([{ eventTimeMs: seconds(105), windows: ['visit'], watermarkMs: seconds(130) }]);
    run.end();
    expect(run.results).toHaveLength(2);
  });

  it('lets an event whose own window is closed join the open session it overlaps', () => {
    // W = 112 (user 2). User 1's session [100, 118) is open. User 1 at 95: its own window
    // [95, 105) ends before W, but it overlaps [100, 118), so the session becomes [95, 118).
    //  95s   100s 105s 108s  112s    118s
    //  [-- 95 --)                          own window: closed on its own
    //        [------- user 1 -------)      open until W = 118
    //                        W
    const run = new EngineRun(pipeline([visit], { keyBy: ['user_id'] }));
    run.feed(click(seconds(100), { user_id: 1 }), click(seconds(108), { user_id: 1 }), click(seconds(112), { user_id: 2 }));
    expect(run.feed(click(seconds(95), { user_id: 1 })).late).toEqual([]);
    expect(run.feed(click(seconds(118), { user_id: 2 })).results).toEqual([
      { window: 'visit', start: seconds(95), end: seconds(118), key: { user_id: 1 }, count: 3 },
    ]);
  });
});
