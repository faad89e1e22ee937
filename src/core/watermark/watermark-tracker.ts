// WatermarkTracker: max event time − bound per partition, min over active partitions, monotonic.

import { WATERMARK_START } from '../time/epoch.js';

interface PartitionState {
  maxEventTimeMs: number;
  isIdle: boolean;
}

/**
 * The watermark is min over active partitions of (max event time seen − maxOutOfOrdernessMs).
 * A partition marked idle does not hold the watermark back until it sees an event again. When
 * every known partition is idle, the partitions that had events decide. It never goes backwards.
 */
export class WatermarkTracker {
  private readonly boundMs: number;
  private readonly partitions = new Map<string | number, PartitionState>();
  private watermarkMs = WATERMARK_START;
  /** Cached single partition: the common case of one file or one Kafka partition. */
  private only: PartitionState | null = null;
  private onlyPartition: string | number | null = null;
  /**
   * Min of the active partitions' max event times as the last walk over them found it. Never below
   * the true minimum while more than one partition is known (every change that can raise the
   * minimum walks again), so an event raising a partition that was above it cannot move the
   * watermark and skips the walk. With 64 Kafka partitions read in turn, the walk then runs about
   * once per batch instead of once per event.
   */
  private minActiveMs = Number.POSITIVE_INFINITY;

  constructor(maxOutOfOrdernessMs: number) {
    this.boundMs = maxOutOfOrdernessMs;
  }

  get current(): number {
    return this.watermarkMs;
  }

  /** The latest event time seen on any partition (−Infinity before any). */
  get maxEventTimeMs(): number {
    let max = Number.NEGATIVE_INFINITY;
    for (const state of this.partitions.values()) if (state.maxEventTimeMs > max) max = state.maxEventTimeMs;
    return max;
  }

  /** Per partition: the latest event time seen (−Infinity before any) and whether it is idle. */
  partitionStates(): { readonly partition: string | number; readonly maxEventTimeMs: number; readonly isIdle: boolean }[] {
    return [...this.partitions].map(([partition, s]) => ({ partition, maxEventTimeMs: s.maxEventTimeMs, isIdle: s.isIdle }));
  }

  /** Records an event time; returns true when the watermark advanced. */
  observe(partition: string | number, eventTimeMs: number): boolean {
    let state = this.only !== null && partition === this.onlyPartition ? this.only : this.partitions.get(partition);
    if (state === undefined) {
      state = { maxEventTimeMs: eventTimeMs, isIdle: false };
      this.partitions.set(partition, state);
      this.setOnly();
      return this.recompute();
    }
    if (eventTimeMs <= state.maxEventTimeMs) {
      const wasIdle = state.isIdle;
      state.isIdle = false;
      // Back from idle, the partition counts again: if every other one is idle, the minimum rises to it.
      return wasIdle ? this.recompute() : false;
    }
    const wasActiveAbove = !state.isIdle && state.maxEventTimeMs > this.minActiveMs;
    state.isIdle = false;
    state.maxEventTimeMs = eventTimeMs;
    if (this.only !== null) {
      const w = state.maxEventTimeMs - this.boundMs;
      if (w > this.watermarkMs) {
        this.watermarkMs = w;
        return true;
      }
      return false;
    }
    // Not the minimum before and higher now: the minimum, and so the watermark, stays.
    if (wasActiveAbove) return false;
    return this.recompute();
  }

  /**
   * Registers a partition before its first event (e.g. on assignment): until it has an event or is
   * marked idle, it holds the watermark back. A partition first seen with an event cannot pull an
   * already advanced watermark back.
   */
  addPartition(partition: string | number): void {
    if (this.partitions.has(partition)) return;
    this.partitions.set(partition, { maxEventTimeMs: Number.NEGATIVE_INFINITY, isIdle: false });
    this.setOnly();
    this.minActiveMs = Number.NEGATIVE_INFINITY;
  }

  /** Marks a partition idle (no events for the idle timeout); returns true when the watermark advanced. */
  markIdle(partition: string | number): boolean {
    const state = this.partitions.get(partition);
    if (state === undefined || state.isIdle) return false;
    state.isIdle = true;
    return this.recompute();
  }

  /** Forgets a partition (e.g. revoked from this consumer); returns true when the watermark advanced. */
  removePartition(partition: string | number): boolean {
    if (!this.partitions.delete(partition)) return false;
    this.setOnly();
    return this.recompute();
  }

  /**
   * Registers partitions with the latest event time of their records before the position reading
   * resumes from (a restart reading input again), all at once: the minimum is taken over all of them.
   * Returns true when the watermark advanced.
   */
  restorePartitions(partitions: readonly { readonly partition: string | number; readonly maxEventTimeMs: number }[]): boolean {
    for (const { partition, maxEventTimeMs } of partitions) {
      const state = this.partitions.get(partition);
      if (state === undefined) this.partitions.set(partition, { maxEventTimeMs, isIdle: false });
      else if (maxEventTimeMs > state.maxEventTimeMs) state.maxEventTimeMs = maxEventTimeMs;
    }
    this.setOnly();
    return this.recompute();
  }

  /** Moves the watermark to at least `watermarkMs` (end of input, or a restored value). */
  advanceTo(watermarkMs: number): boolean {
    if (watermarkMs <= this.watermarkMs) return false;
    this.watermarkMs = watermarkMs;
    return true;
  }

  private setOnly(): void {
    const [first] = this.partitions;
    this.only = this.partitions.size === 1 && first !== undefined ? first[1] : null;
    this.onlyPartition = this.only === null || first === undefined ? null : first[0];
  }

  private minOfActive(): number {
    let min = Number.POSITIVE_INFINITY;
    for (const state of this.partitions.values()) {
      if (!state.isIdle && state.maxEventTimeMs < min) min = state.maxEventTimeMs;
    }
    return min;
  }

  private recompute(): boolean {
    let min = this.minOfActive();
    this.minActiveMs = min;
    if (min === Number.POSITIVE_INFINITY) {
      // Every partition is idle: those that had events say how far time has got. (A partition that
      // never had one, e.g. an assigned but empty Kafka partition, says nothing.) When every
      // partition has had events this is never above the watermark already reached.
      for (const state of this.partitions.values()) {
        if (state.maxEventTimeMs !== Number.NEGATIVE_INFINITY && state.maxEventTimeMs < min) min = state.maxEventTimeMs;
      }
    }
    if (min === Number.POSITIVE_INFINITY) return false;
    const w = min - this.boundMs;
    if (w > this.watermarkMs) {
      this.watermarkMs = w;
      return true;
    }
    return false;
  }

  encode(): { watermarkMs: number | null; partitions: [string | number, number, boolean][] } {
    return {
      watermarkMs: Number.isFinite(this.watermarkMs) ? this.watermarkMs : null,
      partitions: [...this.partitions].map(([p, s]) => [p, s.maxEventTimeMs, s.isIdle]),
    };
  }

  static decode(maxOutOfOrdernessMs: number, encoded: ReturnType<WatermarkTracker['encode']>): WatermarkTracker {
    const tracker = new WatermarkTracker(maxOutOfOrdernessMs);
    for (const [p, max, isIdle] of encoded.partitions) tracker.partitions.set(p, { maxEventTimeMs: max, isIdle });
    tracker.setOnly();
    tracker.minActiveMs = tracker.minOfActive();
    tracker.watermarkMs = encoded.watermarkMs ?? WATERMARK_START;
    return tracker;
  }
}
