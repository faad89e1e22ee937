// WindowAggregator unit tests for several source partitions: the watermark is their minimum; an idle one stops holding it back.

import { describe, expect, it } from 'vitest';
import { EngineRun, click, pipeline, seconds, tumblingWindow } from './test-support.js';

const tenSeconds = tumblingWindow('ten_s', seconds(10));

describe('source partitions', () => {
  it('takes the minimum over partitions as the watermark', () => {
    // partition a: 1 ────────── 15 ────────── 25
    // partition b:    2 ──── 4 ─────────────────── 10
    // W = min(a, b):  1  1   2  4   4             10 → closes [0, 10) with 1, 2, 4
    const run = new EngineRun(pipeline([tenSeconds]));
    run.feedOn('a', click(seconds(1)));
    run.feedOn('b', click(seconds(2)));
    expect(run.feedOn('a', click(seconds(15))).results).toEqual([]);
    expect(run.engine.watermarkMs).toBe(seconds(2));
    run.feedOn('b', click(seconds(4)));
    expect(run.feedOn('a', click(seconds(25))).results).toEqual([]);
    expect(run.engine.watermarkMs).toBe(seconds(4));
    expect(run.feedOn('b', click(seconds(10))).results).toEqual([{ window: 'ten_s', start: 0, end: seconds(10), key: {}, count: 3 }]);
    expect(run.engine.watermarkMs).toBe(seconds(10));
  });

  it('lets an event behind the fast partition join its window while the slow partition holds the watermark', () => {
    // a is at 25, b at 2: W = 2, so b's event at 3 is on time
    const run = new EngineRun(pipeline([tenSeconds]));
    run.feedOn('a', click(seconds(1)));
    run.feedOn('b', click(seconds(2)));
    run.feedOn('a', click(seconds(25)));
    expect(run.feedOn('b', click(seconds(3))).late).toEqual([]);
  });

  it('stops an idle partition from holding the watermark back', () => {
    // a: 1, 15, 25 · b: 2, then idle → W = 25: [0, 10) and [10, 20) close, [20, 30) stays open
    const run = new EngineRun(pipeline([tenSeconds]));
    run.feedOn('a', click(seconds(1)));
    run.feedOn('b', click(seconds(2)));
    run.feedOn('a', click(seconds(15)), click(seconds(25)));
    expect(run.engine.watermarkMs).toBe(seconds(2));
    expect(run.idle('b').results).toEqual([
      { window: 'ten_s', start: 0, end: seconds(10), key: {}, count: 2 },
      { window: 'ten_s', start: seconds(10), end: seconds(20), key: {}, count: 1 },
    ]);
    expect(run.engine.watermarkMs).toBe(seconds(25));
  });

  it('counts an idle partition again once it sends an event', () => {
    // b idle: W = 25 (from a). b sends 27 → active again: W = min(25, 27) = 25. a sends 40 → W = 27.
    const run = new EngineRun(pipeline([tenSeconds]));
    run.feedOn('a', click(seconds(1)));
    run.feedOn('b', click(seconds(2)));
    run.feedOn('a', click(seconds(25)));
    run.idle('b');
    run.feedOn('b', click(seconds(27)));
    run.feedOn('a', click(seconds(40)));
    expect(run.engine.watermarkMs).toBe(seconds(27));
  });
});
