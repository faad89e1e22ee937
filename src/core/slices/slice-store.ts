// SliceStore: partial aggregates per (slice, key) on one time line shared by all aligned windows.

import type { Partial } from '../aggregate/aggregate-plan.js';
import type { KeyEntry } from '../operator/key-table.js';
import type { EpochMs } from '../time/epoch.js';

/** A time range between two consecutive edges, with one partial per key that had events in it. */
export interface Slice {
  start: EpochMs;
  end: EpochMs;
  /** Watermark (lateness included) at which no window needs this slice any more. */
  expiresAt: number;
  /** Watermark (lateness included) at which the edge at `start` stops separating any open window. */
  startNeededUntil: number;
  /** Keyed by the key's entry (not its id): emitting a result then needs no lookup of the key. */
  readonly partials: Map<KeyEntry, Partial>;
}

/** How a new slice is cut: the edges around t, and the two watermarks the slice store tracks. */
export interface SliceCutter {
  edgeAtOrBefore(t: EpochMs): EpochMs;
  edgeAfter(t: EpochMs): EpochMs;
  /** When no window needs the slice [start, end) any more (it may straddle edges of windows defined after it was cut). */
  expiresAt(start: EpochMs, end: EpochMs): number;
  edgeNeededUntil(edge: EpochMs): number;
}

/**
 * Slices sorted by start, never overlapping. Events mostly land in the newest slice or one just
 * before it, so lookups try the last slice used before a binary search.
 */
export class SliceStore {
  readonly slices: Slice[] = [];
  private last: Slice | null = null;

  constructor(private readonly cutter: SliceCutter) {}

  /** The slice containing t, or undefined. */
  find(t: EpochMs): Slice | undefined {
    const last = this.last;
    if (last !== null && last.start <= t && t < last.end) return last;
    const i = this.indexAtOrBefore(t);
    if (i < 0) return undefined;
    const slice = this.slices[i] as Slice;
    if (t < slice.end) {
      this.last = slice;
      return slice;
    }
    return undefined;
  }

  /** The slice containing t, cut and inserted when missing (then onCreate sees it). */
  findOrCreate(t: EpochMs, onCreate: (slice: Slice) => void): Slice {
    const found = this.find(t);
    if (found !== undefined) return found;
    const i = this.indexAtOrBefore(t);
    let start = this.cutter.edgeAtOrBefore(t);
    let end = this.cutter.edgeAfter(t);
    // Never overlap a neighbour (their edges may come from an older window set).
    const before = i >= 0 ? (this.slices[i] as Slice) : undefined;
    const after = this.slices[i + 1];
    if (before !== undefined && before.end > start) start = before.end;
    if (after !== undefined && after.start < end) end = after.start;
    const slice: Slice = {
      start,
      end,
      expiresAt: this.cutter.expiresAt(start, end),
      startNeededUntil: this.cutter.edgeNeededUntil(start),
      partials: new Map(),
    };
    if (i === this.slices.length - 1) this.slices.push(slice);
    else this.slices.splice(i + 1, 0, slice);
    this.last = slice;
    onCreate(slice);
    return slice;
  }

  /** Index of the last slice whose start ≤ t, or −1. */
  indexAtOrBefore(t: EpochMs): number {
    const slices = this.slices;
    let lo = 0;
    let hi = slices.length - 1;
    if (hi >= 0 && (slices[hi] as Slice).start <= t) return hi;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if ((slices[mid] as Slice).start <= t) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  /** Calls visit for each slice inside [start, end), in time order. */
  forEachIn(start: EpochMs, end: EpochMs, visit: (slice: Slice) => void): void {
    const slices = this.slices;
    let i = this.indexAtOrBefore(start);
    if (i < 0 || (slices[i] as Slice).end <= start) i++;
    for (; i < slices.length; i++) {
      const slice = slices[i] as Slice;
      if (slice.start >= end) break;
      visit(slice);
    }
  }

  /**
   * Drops slices no window needs (watermark ≥ expiresAt) and merges neighbours whose shared edge no
   * open window needs any more, so memory follows the open windows, not the finest slicing.
   * `merge(into, from)` combines the partials; `onDrop` sees each dropped or merged-away slice.
   */
  compact(watermark: number, merge: (into: Slice, from: Slice) => void, onDrop: (slice: Slice) => void): void {
    const kept: Slice[] = [];
    for (const slice of this.slices) {
      if (watermark >= slice.expiresAt) {
        onDrop(slice);
        continue;
      }
      const prev = kept[kept.length - 1];
      if (prev !== undefined && prev.end === slice.start && watermark >= slice.startNeededUntil) {
        merge(prev, slice);
        prev.end = slice.end;
        if (slice.expiresAt > prev.expiresAt) prev.expiresAt = slice.expiresAt;
        onDrop(slice);
        continue;
      }
      kept.push(slice);
    }
    if (kept.length !== this.slices.length) {
      this.slices.length = 0;
      for (const s of kept) this.slices.push(s);
      this.last = null;
    }
  }

  get size(): number {
    return this.slices.length;
  }

  /** Removes every slice (after a restore builds them anew). */
  clear(): void {
    this.slices.length = 0;
    this.last = null;
  }

  /**
   * Takes over a slice of an engine whose window definitions changed: appended (callers go in time
   * order), with its expiry and edge recomputed for the definitions now in force.
   */
  adopt(slice: Slice): void {
    slice.expiresAt = this.cutter.expiresAt(slice.start, slice.end);
    slice.startNeededUntil = this.cutter.edgeNeededUntil(slice.start);
    this.slices.push(slice);
  }

  /** Inserts a restored slice at the end (callers restore in time order). */
  append(slice: Slice): void {
    this.slices.push(slice);
  }
}
