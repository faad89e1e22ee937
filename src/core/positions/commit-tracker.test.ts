import { describe, expect, it } from 'vitest';
import { CommitTracker } from './commit-tracker.js';

describe('CommitTracker', () => {
  it('knows nothing of a partition it has not seen', () => {
    const t = new CommitTracker();
    expect(t.safePoint(0, 0)).toBeNull();
    expect(t.nextOffset(0)).toBeNull();
  });

  it('commits the resume offset while nothing has been read since', () => {
    const t = new CommitTracker();
    t.resumeAt(3, 120, 9_000);
    expect(t.safePoint(3, Number.NEGATIVE_INFINITY)?.offset).toBe(120);
    expect(t.nextOffset(3)).toBe(120);
  });

  it('holds the commit at the first block that may be in open state', () => {
    const t = new CommitTracker();
    t.record(0, 0, 10, 1_000);
    t.record(0, 10, 20, 5_000);
    t.record(0, 20, 30, 2_000);
    expect(t.safePoint(0, 500)?.offset).toBe(0);
    expect(t.safePoint(0, 1_001)?.offset).toBe(10);
    // A later block with older events does not move the commit back past an open one.
    expect(t.safePoint(0, 4_000)?.offset).toBe(10);
    expect(t.safePoint(0, 5_001)?.offset).toBe(30);
    expect(t.nextOffset(0)).toBe(30);
  });

  it('never moves back once front blocks are spent, even if the retained time drops', () => {
    const t = new CommitTracker();
    t.record(0, 0, 10, 1_000);
    t.record(0, 10, 20, 9_000);
    expect(t.safePoint(0, 2_000)?.offset).toBe(10);
    expect(t.safePoint(0, 0)?.offset).toBe(10);
  });

  it('keeps partitions apart', () => {
    const t = new CommitTracker();
    t.record(0, 0, 5, 100);
    t.record(1, 40, 50, 900);
    expect(t.safePoint(0, 500)?.offset).toBe(5);
    expect(t.safePoint(1, 500)?.offset).toBe(40);
    expect([...t.partitionIds()]).toEqual([0, 1]);
  });

  it('an open state with no time bound keeps everything since the start', () => {
    const t = new CommitTracker();
    t.resumeAt(0, 7, Number.NEGATIVE_INFINITY);
    t.record(0, 7, 10, 100);
    expect(t.safePoint(0, Number.NEGATIVE_INFINITY)?.offset).toBe(7);
    expect(t.safePoint(0, Number.POSITIVE_INFINITY)?.offset).toBe(10);
  });

  it('merges blocks when there are many, only ever answering an earlier offset', () => {
    const t = new CommitTracker();
    for (let i = 0; i < 10_000; i++) t.record(0, i, i + 1, i);
    // Exact answer would be 5000; a merged block may start a little earlier, never later.
    const safe = t.safePoint(0, 5_000)?.offset as number;
    expect(safe).toBeLessThanOrEqual(5_000);
    expect(safe).toBeGreaterThan(4_990);
    expect(t.safePoint(0, 10_000)?.offset).toBe(10_000);
  });

  it('knows the latest event time before the point to read again from', () => {
    const t = new CommitTracker();
    t.resumeAt(0, 100, 500);
    expect(t.safePoint(0, 0)).toEqual({ offset: 100, maxEventTimeBeforeMs: 500 });
    t.record(0, 100, 110, 400);
    t.record(0, 110, 120, 900);
    t.record(0, 120, 130, 700);
    expect(t.safePoint(0, 0)).toEqual({ offset: 100, maxEventTimeBeforeMs: 500 });
    expect(t.safePoint(0, 600)).toEqual({ offset: 110, maxEventTimeBeforeMs: 500 });
    expect(t.safePoint(0, 800)).toEqual({ offset: 110, maxEventTimeBeforeMs: 500 });
    expect(t.safePoint(0, 1_000)).toEqual({ offset: 130, maxEventTimeBeforeMs: 900 });
  });

  it('forgets everything on clear', () => {
    const t = new CommitTracker();
    t.record(0, 0, 5, 100);
    t.clear();
    expect(t.safePoint(0, 0)).toBeNull();
  });

  it('answers the same after its progress went through JSON and back', () => {
    const t = new CommitTracker();
    t.resumeAt(0, 100, 500);
    t.record(0, 100, 110, 400);
    t.record(0, 110, 120, 900);
    t.record(1, 7, 9, Number.NEGATIVE_INFINITY);
    t.safePoint(0, 450);
    const back = new CommitTracker();
    back.restore(JSON.parse(JSON.stringify(t.encode())));
    for (const oldest of [0, 450, 600, 1_000]) {
      for (const p of [0, 1]) expect(back.safePoint(p, oldest), `partition ${p}, oldest ${oldest}`).toEqual(t.safePoint(p, oldest));
    }
    expect([back.nextOffset(0), back.nextOffset(1)]).toEqual([120, 9]);
  });
});
