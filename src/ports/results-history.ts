// ResultsHistory port: emitted window results kept for querying later (REST results, top keys, SSE resume).

import type { WindowResult } from '../core/emit/outputs.js';
import type { FieldValue } from '../core/event/click-event.js';
import type { EpochMs } from '../core/time/epoch.js';
import type { WindowSpec } from '../core/windows/window-spec.js';

/**
 * One window instance of one key as the history holds it: the latest revision it has seen of
 * (window, start, windowIndex, key), see docs/history.md. Values are named by the job's output
 * names (`count`, `sum_value`…); a value that is not a finite number is stored as null, as the
 * NDJSON output writes it.
 */
export interface StoredResult {
  /** Rises with every result stored (also when a newer revision replaces an older one); never reused. */
  readonly sequence: number;
  /** Processing time (epoch ms) when this revision was stored: the emission time. */
  readonly storedAtMs: number;
  readonly window: string;
  readonly windowKind: WindowSpec['kind'];
  readonly start: EpochMs;
  readonly end: EpochMs;
  /** The group-by fields and their values, in the job's keyBy order. */
  readonly key: Readonly<Record<string, FieldValue>>;
  readonly values: Readonly<Record<string, number | null>>;
  /** The revision stored; in final mode always 0. */
  readonly revision: number;
  /** True once the window has closed: this result will not change again. */
  readonly isFinal: boolean;
  /** Count windows only (their identity within a key); null for every other kind. */
  readonly windowIndex: number | null;
}

/** Which window instances a query wants, and one page of them. */
export interface HistoryQuery {
  readonly window: string;
  /**
   * Exact match on every given field: `{ user_id: 42 }` matches the number 42 and not the string
   * "42". Fields not given match anything; an empty object matches every key.
   */
  readonly key?: Readonly<Record<string, FieldValue>>;
  /** Window start at or after this (epoch ms, inclusive). */
  readonly from?: EpochMs;
  /** Window start before this (epoch ms, exclusive). */
  readonly to?: EpochMs;
  /**
   * `newest`: latest window start first; `oldest`: earliest first. Results with the same start
   * come in one fixed order (window index, then key), reversed for `newest`.
   */
  readonly order: 'newest' | 'oldest';
  /** Results per page, 1 to MAX_HISTORY_PAGE. */
  readonly limit: number;
  /** The `nextCursor` of the previous page of the same query. */
  readonly cursor?: string;
}

export const MAX_HISTORY_PAGE = 10_000;

export interface HistoryPage {
  readonly results: readonly StoredResult[];
  /**
   * Opaque; null when the query has no more results now. A cursor stays valid across appends and
   * prunes: the next page goes on after the last result returned, so results stored meanwhile
   * behind that point are not seen, and none is seen twice.
   */
  readonly nextCursor: string | null;
}

export interface TopQuery {
  readonly window: string;
  /** The window instance: its start (epoch ms). Global windows have start 0. */
  readonly start: EpochMs;
  /** An output name, e.g. `count` or `sum_value`. */
  readonly by: string;
  /** How many keys, 1 to MAX_HISTORY_PAGE. */
  readonly n: number;
}

export interface HistoryStats {
  /** Window instances stored (one per window, start, window index and key). */
  readonly count: number;
  /** Bytes the stored data takes (pages in use); the file on disk can be larger, as freed pages are reused rather than returned. */
  readonly bytes: number;
  /** Smallest and largest end (epoch ms) stored; null when empty. */
  readonly oldestEndMs: EpochMs | null;
  readonly newestEndMs: EpochMs | null;
  /** The highest sequence number assigned so far (0 before any). */
  readonly lastSequence: number;
}

export interface PruneReport {
  /** Window instances removed. */
  readonly removed: number;
  /** Results ending before this were removed by the retention time; null when there was nothing to compare. */
  readonly cutoffMs: EpochMs | null;
}

/**
 * Results history. One job writes a history at a time (appends are applied one batch after the
 * other); any number of readers may query it meanwhile.
 *
 * Revisions: the history keeps one result per (window, start, windowIndex, key), the latest it
 * was given: a result replaces the stored one unless the stored one ranks higher, ranking final
 * above not final, then by revision. So a re-emitted identical result (after a crash and a
 * restart) changes nothing, and a reader never sees a final result turn back into a non-final one.
 */
export interface ResultsHistory {
  /** Where it keeps its data, for logs. */
  readonly description: string;
  /**
   * Stores results; resolves once they are visible to queries. Each result that changes the
   * history gets the next sequence number; one that the history already holds identically, or
   * that a higher-ranking revision supersedes, is left out and gets none.
   */
  append(results: readonly WindowResult[]): Promise<void>;
  /** Resolves once everything appended so far is durable (on disk). */
  flush(): Promise<void>;
  /** Null when the query can run, else what is wrong with it (a message for a 400 answer). */
  checkQuery(query: HistoryQuery): string | null;
  /** One page of results. Throws INVARIANT_BROKEN for a query that checkQuery refuses. */
  query(query: HistoryQuery): HistoryPage;
  /**
   * The `n` keys of one window instance with the largest value of output `by`, largest first.
   * Keys whose value is null are left out; equal values come in key order (as `query` orders keys).
   */
  top(query: TopQuery): readonly StoredResult[];
  /** Up to `limit` results with a sequence number above `sequence`, in sequence order (SSE resume with Last-Event-ID). */
  since(sequence: number, limit: number): readonly StoredResult[];
  /** Applies the retention: removes results ending too long before `nowMs` (and the oldest beyond the size limit). */
  prune(nowMs: number): Promise<PruneReport>;
  stats(): HistoryStats;
  /** Waits for pending appends and releases the store. */
  close(): Promise<void>;
}
