// AlignedAssigner: what the slice store needs to know of a window kind whose edges do not depend on the data.

import { floorTo, type EpochMs } from '../time/epoch.js';

/**
 * Tumbling, sliding and calendar windows (and the report ticks of global windows) cut time at
 * fixed edges. The slice store cuts time at the union of all edges, so every window is a run of
 * whole slices.
 */
export interface AlignedAssigner {
  /** The greatest edge ≤ t. */
  edgeAtOrBefore(t: EpochMs): EpochMs;
  /** The least edge > t. */
  edgeAfter(t: EpochMs): EpochMs;
  /** The end of the latest window that contains t: t is late for this kind once that window is closed. */
  lastEndContaining(t: EpochMs): EpochMs;
  /** Calls visit(start, end) for every window [start, end) that contains t. */
  forEachWindowContaining(t: EpochMs, visit: (start: EpochMs, end: EpochMs) => void): void;
  /**
   * Until when (before lateness) the edge at t separates windows of this kind: the end of the
   * last window that starts or ends at t, or −Infinity when t is not an edge of this kind.
   */
  edgeNeededUntil(t: EpochMs): EpochMs;
  /** The least window start ≥ t (−Infinity for −Infinity). */
  firstStartAtOrAfter(t: EpochMs): EpochMs;
  /** The least window start > t (−Infinity for −Infinity). */
  firstStartAfter(t: EpochMs): EpochMs;
  /** The least window start whose window ends after t: the first window still open when everything up to t is closed. */
  firstOpenStart(t: EpochMs): EpochMs;
}

/** The least point of a grid (k·step + offset) at or after t, or after t. */
export function gridAtOrAfter(t: EpochMs, stepMs: number, offsetMs: number): EpochMs {
  if (t === Number.NEGATIVE_INFINITY) return t;
  const s = floorTo(t, stepMs, offsetMs);
  return s === t ? s : s + stepMs;
}

export function gridAfter(t: EpochMs, stepMs: number, offsetMs: number): EpochMs {
  return t === Number.NEGATIVE_INFINITY ? t : floorTo(t, stepMs, offsetMs) + stepMs;
}
