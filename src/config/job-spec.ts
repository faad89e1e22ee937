// JobSpec: a validated job definition (pipeline plus source, sink and side outputs), as the runtime receives it.

import type { PipelineSpec } from '../core/operator/pipeline-spec.js';

/** Where events come from: an NDJSON file, standard input, or the built-in click generator. */
export type SourceSpec =
  | { readonly type: 'file'; readonly path: string }
  | { readonly type: 'stdin' }
  | {
      readonly type: 'generator';
      /** Events per second of event time (and of wall time when `realtime`). */
      readonly eventsPerSecond: number;
      /** Number of distinct user ids. */
      readonly users: number;
      /** Number of distinct pages. */
      readonly pages: number;
      /** Seed of the pseudo-random sequence; the same seed gives the same events. */
      readonly seed: number;
      /** Stop after this many events; null never stops. */
      readonly maxEvents: number | null;
      /** Event time of the first event (epoch ms); null: the clock's time at start when realtime, else the generator's fixed default. */
      readonly startTimeMs: number | null;
      /** Pace events in wall time (true) or generate them as fast as possible (false). */
      readonly realtime: boolean;
      /**
       * Realtime only: start this long (ms) before the clock's time at start and produce the events up
       * to now as fast as they are taken, then go on in real time. Absent: no backfill.
       */
      readonly backfillMs?: number;
    }
  | KafkaSourceSpec;

/** A Kafka topic read by a consumer group; positions are committed by the job, not automatically. */
export interface KafkaSourceSpec {
  readonly type: 'kafka';
  readonly brokers: readonly string[];
  readonly topic: string;
  readonly groupId: string;
  /** Where a group with no committed position starts. */
  readonly startFrom: 'earliest' | 'latest';
  /** Read up to the end offsets seen at start, close every window and finish (a bounded run). */
  readonly stopAtEnd: boolean;
  readonly format: 'json';
  readonly commitIntervalMs: number;
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly clientId: string;
}

export interface KafkaSinkSpec {
  readonly type: 'kafka';
  readonly brokers: readonly string[];
  readonly topic: string;
  /** Results per produce request. */
  readonly batchSize: number;
  readonly clientId: string;
}

export interface KafkaOutputSpec {
  readonly type: 'kafka';
  readonly brokers: readonly string[];
  readonly topic: string;
  readonly clientId: string;
}

/** One NDJSON file on the local disk (committed with checkpoints when the job has them). */
export interface FileSinkSpec {
  readonly type: 'file';
  readonly path: string;
  readonly partitioned?: false;
}

/**
 * Rolled NDJSON or Parquet part files under Hive-style partitions
 * (`window=<name>/dt=<yyyy-mm-dd>/hour=<hh>/part-<checkpoint>-<n>.<format>`, by the window's start
 * in UTC) in a store, published with checkpoints (docs/partitioned-output.md).
 */
export interface PartitionedFileSinkSpec {
  readonly type: 'file';
  readonly partitioned: true;
  /** The store URL: file://<dir> (a plain directory path becomes one), s3://<bucket>/<prefix> or (s)webhdfs://<namenode:port>/<path>. */
  readonly path: string;
  readonly format: 'ndjson' | 'parquet';
  /** A part file is closed and a new one started once it holds this many bytes. */
  readonly rollSizeBytes: number;
}

/** Where results go: an NDJSON file, partitioned files in a store, standard output, or a Kafka topic. */
export type SinkSpec = FileSinkSpec | PartitionedFileSinkSpec | { readonly type: 'stdout' } | KafkaSinkSpec;

/** Where dead-letter or late records go: a file path, standard output / standard error, or a Kafka topic. */
export type SideOutputSpec = { readonly type: 'file'; readonly path: string } | { readonly type: 'stdout' } | { readonly type: 'stderr' } | KafkaOutputSpec;

/** Where and how often the job's state is checkpointed. */
export interface CheckpointSpec {
  /** file://<dir>, s3://<bucket>/<prefix> or (s)webhdfs://<namenode:port>/<path>. */
  readonly store: string;
  readonly intervalMs: number;
  /** Complete checkpoints kept. */
  readonly retain: number;
  readonly s3: { readonly endpoint?: string; readonly region?: string; readonly pathStyle?: boolean } | null;
  readonly webhdfs: { readonly user?: string } | null;
}

/** The results history of a job (docs/history.md). */
export interface HistorySpec {
  /** The directory of the embedded store (LMDB), relative to the working directory unless absolute. */
  readonly path: string;
  /** Results whose end is more than this before now (or before the newest result's end, if earlier) are removed. */
  readonly retainMs: number;
  /** At most this many window instances are kept; the ones that end first go beyond it. */
  readonly maxResults: number;
}

/** The REST API of `tally run` (docs/api.md). */
export interface ApiSpec {
  /** The address to listen on; 127.0.0.1 unless set (loopback: only this machine can connect). */
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** The bearer token of control endpoints (and reads, with requireTokenForReads); null: TALLY_API_TOKEN or none. */
  readonly token: string | null;
  /** Without a token, control endpoints are disabled (403) unless this is true. */
  readonly openControl: boolean;
  /** Reads need the token too (probes, /healthz and /readyz, never do). */
  readonly requireTokenForReads: boolean;
  /** Results the event stream keeps for clients that reconnect with Last-Event-ID. */
  readonly streamBuffer: number;
}

/** A whole job: what to compute (PipelineSpec), where from, where to, and the record limits. */
export interface JobSpec extends PipelineSpec {
  /** Names the job in logs, metrics and checkpoints; /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/. */
  readonly name: string;
  readonly source: SourceSpec;
  readonly sink: SinkSpec;
  /** Bad records, with their reason and source position. */
  readonly deadLetter: SideOutputSpec;
  /** Late records: they belong only to windows that have already closed. */
  readonly lateOutput: SideOutputSpec;
  /** Largest accepted record, in UTF-8 bytes; longer ones are bad records (TOO_LARGE). */
  readonly maxRecordBytes: number;
  /** In update mode, how often (ms) open windows are re-emitted; 1000 unless set (unused in final mode). */
  readonly updateIntervalMs: number;
  /** Checkpoints of the state and positions; null: none (a restart starts from the beginning). */
  readonly checkpoint: CheckpointSpec | null;
  /** Emitted results kept for querying; null: none. */
  readonly history: HistorySpec | null;
  /** Where `tally run` serves the REST API (docs/api.md); null: no server (`api: false`). */
  readonly api: ApiSpec | null;
}
