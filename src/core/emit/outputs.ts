// What the engine hands back: window results and late records.

import type { ResultValues } from '../aggregate/aggregate-plan.js';
import type { ClickEvent } from '../event/click-event.js';
import type { GroupKey } from '../operator/key-table.js';
import type { EpochMs } from '../time/epoch.js';
import type { WindowSpec } from '../windows/window-spec.js';

/** One aggregate of one (window, key). In `final` mode revision is 0 and isFinal is true. */
export interface WindowResult {
  readonly kind: 'result';
  readonly window: string;
  readonly windowKind: WindowSpec['kind'];
  readonly start: EpochMs;
  readonly end: EpochMs;
  readonly key: GroupKey;
  /** The window's output names (`count`, `sum_value`…): its own aggregations, or the job's. One array per window definition. */
  readonly names: readonly string[];
  /** In the order of `names`. */
  readonly values: ResultValues;
  /** 0, 1, 2… per (window, start, key) in update mode; the highest one is the final result. */
  readonly revision: number;
  /** True when the window has closed and this result will not change again. */
  readonly isFinal: boolean;
  /**
   * Count windows only: j, the window's number for its key (it holds arrivals j·slide … j·slide +
   * size − 1). Two count windows can share start and end, so this is their identity; null otherwise.
   */
  readonly windowIndex: number | null;
}

/** An event that no open window of some definitions could take: it goes to the late output. */
export interface LateRecord {
  readonly kind: 'late';
  readonly event: ClickEvent;
  /** The window definitions the event was late for. */
  readonly windows: readonly string[];
  readonly watermarkMs: number;
}

export type EngineOutput = WindowResult | LateRecord;
