// AlignedAssigner: what the slice store needs to know of a window kind whose edges do not depend on the data.

import type { EpochMs } from '../time/epoch.js';

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
}
