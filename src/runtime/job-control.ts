// JobControl: what a running job offers the REST API and the dashboard (and library users): its
// status, its open windows, the results it emits, and the changes it accepts while it runs.

import type { WindowResult } from '../core/emit/outputs.js';
import type { FieldValue } from '../core/event/click-event.js';
import type { EngineGauges, EngineStats } from '../core/operator/window-aggregator.js';
import type { WindowSpec } from '../core/windows/window-spec.js';
import type { ResultsHistory } from '../ports/results-history.js';
import type { PartitionProgress } from '../ports/source.js';
import type { CheckpointStatus } from './checkpoint/checkpoint-coordinator.js';
import type { JobState } from './job-runner.js';

/** Exact match on the given group-by fields (`{ user_id: 42 }` matches 42, not "42"); {} matches every key. */
export type KeyMatch = Readonly<Record<string, FieldValue>>;

/** One partition of the source: where reading is and how far behind the input's end (see the Source port). */
export type SourcePartitionStatus = PartitionProgress;

/** A rate over the last minute and the last five minutes of processing time, per second. */
export interface Rate {
  readonly m1: number;
  readonly m5: number;
}

/** One change of the job's definition made while it runs (versions count from 1; the job file is version 0). */
export interface DefinitionChange {
  readonly version: number;
  readonly atMs: number;
  readonly op: 'add-window' | 'update-window' | 'delete-window' | 'set-filter';
  /** The window the change is about; null for the filter. */
  readonly window: string | null;
  /** The request as given (window input, patch, or { filter }). */
  readonly request: unknown;
  /**
   * Per window the change affects (the window added or changed; every window when the filter
   * changed): results of its windows starting at or after this time (epoch ms) are exactly what a
   * fresh run with the new definition gives, and earlier windows of it are not emitted. Null: all of
   * them (nothing had been seen before the change). See docs/reconfigure.md.
   */
  readonly exactFromMs: Readonly<Record<string, number | null>>;
  /**
   * Windows that go on with what they hold under the new filter (count windows and running totals
   * hold everything since the start, so no time makes them exact); empty unless the filter changed.
   */
  readonly mixed: readonly string[];
}

/** A window definition as the job runs it now. */
export interface WindowView {
  readonly spec: WindowSpec;
  /** The window's output names: its own aggregations', or the job's. */
  readonly outputs: readonly string[];
  /** The definition version that last added or changed it (0: the job file). */
  readonly version: number;
  /** Results of windows starting before this time are not emitted (see DefinitionChange); null: every window is exact. */
  readonly exactFromMs: number | null;
}

/** What /status shows. */
export interface JobOverview {
  readonly name: string;
  readonly state: JobState;
  readonly paused: boolean;
  readonly startedAtMs: number | null;
  readonly uptimeMs: number;
  /** The number of changes made since the start (0: as in the job file). */
  readonly definitionVersion: number;
  readonly source: { readonly description: string; readonly partitions: readonly SourcePartitionStatus[] };
  /** The job's watermark (null before any event), and per partition the latest event time seen. */
  readonly watermarkMs: number | null;
  readonly partitionWatermarks: readonly { readonly partition: string | number; readonly maxEventTimeMs: number | null; readonly idle: boolean }[];
  /** Records read per second, and results emitted per second. */
  readonly rates: { readonly recordsIn: Rate; readonly resultsOut: Rate };
  readonly counts: {
    readonly records: number;
    readonly badRecords: number;
    readonly blankLines: number;
  } & Readonly<EngineStats>;
  readonly gauges: EngineGauges;
  readonly checkpoint: CheckpointStatus | null;
  /** The latest bad records (newest last) with their reason, for the dashboard. */
  readonly recentBadRecords: readonly { readonly atMs: number; readonly reason: string; readonly message: string; readonly raw: string }[];
  readonly error: string | null;
}

export interface Readiness {
  readonly ready: boolean;
  /** Why not, when not ready (e.g. `restoring`, `source lag 120000 messages`). */
  readonly reasons: readonly string[];
}

/** An open (not yet final) window of one key, aggregated over what has arrived so far. */
export interface LiveWindow {
  readonly window: string;
  readonly start: number;
  readonly end: number;
  readonly key: KeyMatch;
  /** By output name (`count`, `sum_value`…) of the window, in its order, as in results; null when not a finite number. */
  readonly values: Readonly<Record<string, number | null>>;
  /** Count windows only, else null. */
  readonly windowIndex: number | null;
}

/** A result as the feed hands it out: with its sequence number (the SSE event id) and emission time. */
export interface FedResult {
  readonly sequence: number;
  readonly emittedAtMs: number;
  readonly result: WindowResult;
}

/**
 * The results emitted lately, numbered: an SSE stream hands them out and resumes with Last-Event-ID.
 * It keeps the last `capacity` results; a client further behind learns it missed some.
 */
export interface ResultFeed {
  /** The highest sequence number handed out so far (0 before any). */
  readonly lastSequence: number;
  /** The lowest sequence number still held (lastSequence + 1 when empty). */
  readonly firstSequence: number;
  /** Up to `limit` results with a sequence number above `after`, in order. */
  since(after: number, limit: number): readonly FedResult[];
  /** Called after each batch of new results; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void;
}

/** Histogram of processing latency: from a record's arrival to the results it caused being written. */
export interface LatencyHistogram {
  /** Upper bounds (ms) of the buckets, ascending; the last bucket (+Inf) is implied. */
  readonly boundsMs: readonly number[];
  /** Cumulative counts per bound, then the total (for +Inf): Prometheus' `le` buckets. */
  cumulativeCounts(): readonly number[];
  readonly sumMs: number;
  readonly count: number;
}

/** Reads and writes window definitions in the job file's form (the config layer provides it: the runtime does not parse input). */
export interface WindowCodec {
  /** Validates a window as written in a job file; throws EngineError CONFIG_INVALID… naming the field. */
  parse(input: unknown): WindowSpec;
  /** The job-file form of a window (what a PATCH is merged into). */
  toInput(spec: WindowSpec): Record<string, unknown>;
}

export interface CheckpointReport {
  readonly id: number;
  readonly completedAtMs: number;
  readonly bytes: number;
  readonly pauseMs: number;
  readonly writeMs: number;
}

/**
 * A running job, as the service layer sees it. Reads are synchronous snapshots taken between two
 * batches. Changes are applied between two batches and resolve once applied; a change that is
 * invalid rejects with an EngineError (CONFIG_INVALID…, NOT_FOUND, CONFLICT) naming the problem.
 */
export interface JobControl {
  readonly name: string;
  overview(): JobOverview;
  readiness(): Readiness;
  windows(): readonly WindowView[];
  /** The output names of the job's aggregations in order (`count`, `sum_value`…); a window with aggregations of its own has its own (WindowView.outputs). */
  readonly outputNames: readonly string[];
  readonly keyBy: readonly string[];
  /** The job's filter now (null: none). */
  filter(): string | null;
  /** Open windows of one definition for the keys that match, at most `limit` (NOT_FOUND for an unknown window). */
  live(window: string, key: KeyMatch, limit: number): readonly LiveWindow[];
  readonly feed: ResultFeed;
  /** Null when the job keeps no results history. */
  readonly history: ResultsHistory | null;
  readonly latency: LatencyHistogram;
  changes(): readonly DefinitionChange[];

  /** Adds a window (input as in a job file's `windows` list). */
  addWindow(input: unknown): Promise<DefinitionChange>;
  /** Changes a window: the patch is merged into its definition (e.g. `{ tumbling: '5m' }`, `{ sliding: { slide: '30s' } }`). */
  updateWindow(name: string, patch: unknown): Promise<DefinitionChange>;
  deleteWindow(name: string): Promise<DefinitionChange>;
  setFilter(filter: string | null): Promise<DefinitionChange>;
  /** Stops taking input until resume(); windows stay open. Idempotent. */
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** Takes a checkpoint now and resolves once it is stored (CONFLICT when the job has no checkpoint store). */
  checkpoint(): Promise<CheckpointReport>;
}
