import { describe, expect, it } from 'vitest';
import { WatermarkTracker } from './watermark-tracker.js';

describe('WatermarkTracker', () => {
  it('is max event time minus the bound and never goes back', () => {
    const w = new WatermarkTracker(5);
    expect(w.current).toBe(Number.NEGATIVE_INFINITY);
    expect(w.observe(0, 100)).toBe(true);
    expect(w.current).toBe(95);
    expect(w.observe(0, 90)).toBe(false);
    expect(w.current).toBe(95);
  });

  it('takes the minimum over partitions', () => {
    const w = new WatermarkTracker(0);
    w.addPartition('a');
    w.addPartition('b');
    w.observe('a', 100);
    expect(w.current).toBe(Number.NEGATIVE_INFINITY);
    w.observe('b', 50);
    expect(w.current).toBe(50);
    w.observe('b', 200);
    expect(w.current).toBe(100);
  });

  it('lets an idle partition stop holding the watermark back until it has events again', () => {
    const w = new WatermarkTracker(0);
    w.addPartition('a');
    w.addPartition('b');
    w.observe('a', 100);
    w.observe('b', 10);
    expect(w.current).toBe(10);
    expect(w.markIdle('b')).toBe(true);
    expect(w.current).toBe(100);
    w.observe('b', 20);
    expect(w.current).toBe(100);
    w.observe('a', 150);
    expect(w.current).toBe(100);
  });

  it('stays put when every partition is idle, and after a partition is removed uses the rest', () => {
    const w = new WatermarkTracker(0);
    w.observe('a', 100);
    w.markIdle('a');
    expect(w.current).toBe(100);
    const v = new WatermarkTracker(0);
    v.addPartition('a');
    v.addPartition('b');
    v.observe('a', 100);
    v.observe('b', 10);
    expect(v.removePartition('b')).toBe(true);
    expect(v.current).toBe(100);
  });

  it('when every partition is idle, those that had events decide (an empty assigned partition says nothing)', () => {
    const w = new WatermarkTracker(10);
    for (const p of [0, 1, 2, 3]) w.addPartition(p);
    w.observe(0, 100);
    w.observe(1, 200);
    expect(w.current).toBe(Number.NEGATIVE_INFINITY);
    // All four time out together, the partitions with data first.
    for (const p of [0, 1, 2]) w.markIdle(p);
    expect(w.current).toBe(Number.NEGATIVE_INFINITY);
    expect(w.markIdle(3)).toBe(true);
    expect(w.current).toBe(90);
  });

  it('restores partitions all at once: the minimum is over all of them', () => {
    const w = new WatermarkTracker(0);
    w.restorePartitions([
      { partition: 0, maxEventTimeMs: 500 },
      { partition: 1, maxEventTimeMs: 50 },
    ]);
    expect(w.current).toBe(50);
  });

  it('does not go back when a partition first appears after the watermark moved', () => {
    const w = new WatermarkTracker(0);
    w.observe('a', 100);
    w.observe('b', 10);
    expect(w.current).toBe(100);
  });

  it('round-trips through its encoding', () => {
    const w = new WatermarkTracker(3);
    w.observe(1, 10);
    w.observe(2, 20);
    const back = WatermarkTracker.decode(3, JSON.parse(JSON.stringify(w.encode())));
    expect(back.current).toBe(w.current);
    back.observe(1, 30);
    expect(back.current).toBe(17);
  });
});
