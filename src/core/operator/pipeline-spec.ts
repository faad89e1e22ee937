// What the WindowAggregator computes: keys, filter, windows, aggregations, time and emit settings.

import type { AggregationSpec } from '../aggregate/aggregation-spec.js';
import type { WindowSpec } from '../windows/window-spec.js';

export type EmitMode = 'final' | 'update';

export interface TimeSpec {
  /** Watermark = max event time seen − maxOutOfOrdernessMs. */
  readonly maxOutOfOrdernessMs: number;
  /** A window [s, e) closes once the watermark reaches e + allowedLatenessMs. */
  readonly allowedLatenessMs: number;
  /** A source partition with no event for this long (processing time) stops holding the watermark back. */
  readonly idleTimeoutMs: number;
  /**
   * Slices are kept at least this long behind the watermark (0 when absent), with every event in
   * that range, late ones too: a window added or changed while the job runs is answered from them
   * (see docs/reconfigure.md). Not part of the job fingerprint.
   */
  readonly retainSlicesMs?: number;
}

export interface PipelineSpec {
  /** Group-by fields; [] puts every event in one group. */
  readonly keyBy: readonly string[];
  /** A filter expression (see docs/filter.md), or null to keep every event. */
  readonly filter: string | null;
  readonly windows: readonly WindowSpec[];
  readonly aggregations: readonly AggregationSpec[];
  readonly time: TimeSpec;
  readonly emit: EmitMode;
}
