import fc from 'fast-check';
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

  it('moves as a tracker that walks every partition at every event would (random steps over up to 6 partitions)', () => {
    /** The rule as written: min over active partitions of their max event time, else over those that had events; never back. */
    class Reference {
      readonly parts = new Map<number, { max: number; idle: boolean }>();
      wm = Number.NEGATIVE_INFINITY;
      constructor(readonly bound: number) {}
      observe(p: number, t: number): boolean {
        const s = this.parts.get(p);
        if (s === undefined) this.parts.set(p, { max: t, idle: false });
        else {
          s.idle = false;
          s.max = Math.max(s.max, t);
        }
        return this.settle();
      }
      settle(): boolean {
        const states = [...this.parts.values()];
        const active = states.filter((s) => !s.idle).map((s) => s.max);
        const seen = states.map((s) => s.max).filter((m) => m !== Number.NEGATIVE_INFINITY);
        const pool = active.length > 0 ? active : seen;
        if (pool.length === 0) return false;
        const w = Math.min(...pool) - this.bound;
        if (w <= this.wm) return false;
        this.wm = w;
        return true;
      }
    }
    const partition = fc.integer({ min: 0, max: 5 });
    const step = fc.oneof(
      { weight: 12, arbitrary: fc.record({ op: fc.constant('observe' as const), p: partition, t: fc.integer({ min: 0, max: 60 }) }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('add' as const), p: partition }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('idle' as const), p: partition }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('remove' as const), p: partition }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('restore' as const), parts: fc.array(fc.tuple(partition, fc.integer({ min: 0, max: 60 })), { maxLength: 3 }) }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('roundTrip' as const) }) },
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5 }), fc.array(step, { maxLength: 80 }), (bound, steps) => {
        let w = new WatermarkTracker(bound);
        const ref = new Reference(bound);
        for (const s of steps) {
          switch (s.op) {
            case 'observe':
              expect(w.observe(s.p, s.t)).toBe(ref.observe(s.p, s.t));
              break;
            case 'add':
              w.addPartition(s.p);
              if (!ref.parts.has(s.p)) ref.parts.set(s.p, { max: Number.NEGATIVE_INFINITY, idle: false });
              break;
            case 'idle': {
              const r = ref.parts.get(s.p);
              const was = r === undefined || r.idle;
              if (r !== undefined) r.idle = true;
              expect(w.markIdle(s.p)).toBe(was ? false : ref.settle());
              break;
            }
            case 'remove': {
              const had = ref.parts.delete(s.p);
              expect(w.removePartition(s.p)).toBe(had ? ref.settle() : false);
              break;
            }
            case 'restore':
              for (const [p, max] of s.parts) {
                const r = ref.parts.get(p);
                if (r === undefined) ref.parts.set(p, { max, idle: false });
                else r.max = Math.max(r.max, max);
              }
              expect(w.restorePartitions(s.parts.map(([p, max]) => ({ partition: p, maxEventTimeMs: max })))).toBe(ref.settle());
              break;
            case 'roundTrip':
              // As a checkpoint keeps it (binary: −Infinity survives, unlike in JSON).
              w = WatermarkTracker.decode(bound, structuredClone(w.encode()));
              break;
          }
          expect(w.current).toBe(ref.wm);
        }
      }),
      { seed: 20261124, numRuns: 2000 },
    );
  });
});
