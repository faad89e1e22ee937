// Source port: where raw records come from, in batches, with their positions.

/** Where a record came from, for dead letters and resuming. */
export type SourcePosition =
  | { readonly kind: 'file'; readonly file: string; readonly line: number }
  | { readonly kind: 'stdin'; readonly line: number }
  | { readonly kind: 'generator'; readonly sequence: number }
  | { readonly kind: 'kafka'; readonly topic: string; readonly partition: number; readonly offset: string };

/**
 * A run of raw records (NDJSON lines or message values) from one partition. The text is parsed by
 * the core (parseEventLine), never by the source.
 */
export interface RawBatch {
  readonly partition: string | number;
  readonly records: readonly string[];
  /** The position of records[i]. Called only for bad and late records, so it may be computed lazily. */
  positionOf(index: number): SourcePosition;
  /** Sources with committable positions (Kafka): the offsets of the records. */
  readonly offsets?: BatchOffsets;
  /** True when an empty record is bad (a Kafka message without a value) rather than a blank line to skip. */
  readonly emptyIsBad?: boolean;
  /** Sources that can resume from a checkpoint: where reading goes on after this batch (JSON-safe). */
  readonly resumeAfter?: ResumePosition;
}

/** A source's own description of a place in its input (a byte offset, a sequence number), kept in checkpoints. */
export type ResumePosition = Readonly<Record<string, string | number | boolean | null>>;

export interface BatchOffsets {
  /** The offset of records[0]. */
  readonly first: number;
  /** The offset after the last record (where reading goes on). */
  readonly next: number;
  offsetOf(index: number): number;
}

/**
 * What a commit stores beside a partition's offset, so that a restart reading again from that
 * offset can rebuild the open windows without emitting anything twice.
 */
export interface ResumePoint {
  /** Every window closing at or before this time had been emitted and delivered (null: none). */
  readonly completeUpToMs: number | null;
  /** The latest event time of the partition's records before the committed offset (null: none). */
  readonly maxEventTimeBeforeMs: number | null;
  /** Records before this offset had been processed: their dead letters and late records were written. */
  readonly processedUpTo: number;
  /** The fingerprint of the job definition that committed. */
  readonly job: string;
}

export interface PartitionCommit {
  readonly partition: number;
  readonly offset: number;
  readonly resume: ResumePoint;
}

/**
 * A consumer group gave this job a (new) set of partitions. Reading starts again from the
 * committed positions for all of them, so the job starts its state again too.
 */
export interface Assignment {
  readonly kind: 'assignment';
  readonly partitions: readonly AssignedPartition[];
}

export interface AssignedPartition {
  readonly partition: number;
  /** Where reading starts: the committed offset, or null when it depends on `startFrom` (known at the first batch). */
  readonly offset: number | null;
  /** What was committed with that offset, when this job committed it. */
  readonly resume: ResumePoint | null;
}

/**
 * One partition of a source: how far the job has got and how much input is left (the runtime shows
 * it as SourcePartitionStatus in GET /status and /metrics).
 */
export interface PartitionProgress {
  /** As the batches name it (`RawBatch.partition`). */
  readonly partition: string | number;
  /**
   * The position of the next record the job will process, in `unit`s from the input's start (a byte
   * offset, a sequence number, a Kafka offset): every record before it has been processed, i.e. the
   * job has asked for the batch after the one that held it. Null while not known yet.
   */
  readonly position: number | null;
  /**
   * Input after `position` not processed yet (read ahead or not read at all), in `unit`s: ≥ 0, 0 once
   * a bounded input is processed to its end. Null when the source cannot tell (stdin, an endless
   * generator, a Kafka partition before its first fetch).
   */
  readonly lag: number | null;
  readonly unit: 'bytes' | 'records' | 'messages';
}

export interface Source {
  /** A short description for logs, e.g. `file events.ndjson`. */
  readonly description: string;
  /** True when the input ends (file, stdin, a bounded generator): every window closes at the end. */
  readonly isBounded: boolean;
  /** Batches in arrival order, and assignments. Ends when a bounded input is exhausted or after stop(). */
  batches(): AsyncIterable<RawBatch | Assignment>;
  /**
   * Commits positions (sources with a consumer group). A commit made stale by a rebalance is
   * skipped, not an error: the new owner reads again from the previous commit. Resolves false when
   * skipped (nothing of it was committed), true or nothing when committed.
   */
  commit?(commits: readonly PartitionCommit[]): Promise<boolean | void>;
  /**
   * Sources that can resume from a checkpoint: before batches() is called, makes reading start at a
   * position an earlier batch gave as `resumeAfter`. Throws (SOURCE_UNREACHABLE) when the input no
   * longer has that position, e.g. a file now shorter than the offset.
   */
  resumeFrom?(position: ResumePosition): Promise<void>;
  /**
   * Sources with a consumer group, when the job restores a checkpoint for its assignment: the
   * assigned partitions are read from these offsets rather than from the committed ones. Called
   * right after the Assignment is taken, before the next batch; batches from other positions
   * are dropped.
   */
  seekTo?(offsets: readonly { readonly partition: number; readonly offset: number }[]): void;
  /**
   * Per partition, the position and lag (see PartitionProgress), in partition order. Synchronous
   * and cheap, callable at any time (also while the job is paused or after it ended): the source
   * keeps the figures as it reads and does no I/O here. A partition appears once known (a file's
   * from the start, a Kafka partition from its assignment) and disappears when revoked.
   */
  progress?(): readonly PartitionProgress[];
  /** Asks the source to end its iteration soon (graceful shutdown). */
  stop(): void;
  /** Releases connections once the job has made its last commit. */
  close?(): Promise<void>;
}
