// Limits and defaults of a job definition.

import type { AggregationSpec } from '../core/aggregate/aggregation-spec.js';
import type { EmitMode } from '../core/operator/pipeline-spec.js';
import type { SideOutputSpec, SinkSpec } from './job-spec.js';

const SECOND_MS = 1_000;
const DAY_MS = 86_400_000;
const MIB = 1_048_576;

/** Limits of a job definition; each one is checked with a message that names the field. */
export const JOB_LIMITS = {
  /** Largest tumbling or sliding window size and session gap: 366 days. */
  maxWindowSizeMs: 366 * DAY_MS,
  /** Largest number of sliding windows one event can fall into: ceil(size / slide). */
  maxWindowsPerEvent: 10_000,
  /** Largest count window size, in records. */
  maxCountSize: 1_000_000,
  /** Largest size / gcd(size, slide) of a count window. */
  maxCountChunksPerWindow: 10_000,
  /** Smallest reporting period of a global window. */
  minGlobalEveryMs: SECOND_MS,
  /** Largest maxOutOfOrderness, allowedLateness and idleTimeout: 366 days. */
  maxTimeBoundMs: 366 * DAY_MS,
  /** Largest maxRecordBytes: 64 MiB. */
  maxRecordBytes: 64 * MIB,
  maxUsers: 10_000_000,
  maxPages: 1_000_000,
  maxEventsPerSecond: 10_000_000,
} as const;

/** Values used when a key is left out (frozen: every JobSpec without the key shares them). */
export const JOB_DEFAULTS = {
  keyBy: Object.freeze([]) as readonly string[],
  aggregations: Object.freeze([Object.freeze({ fn: 'count', field: null })]) as readonly AggregationSpec[],
  maxOutOfOrdernessMs: 5 * SECOND_MS,
  allowedLatenessMs: 0,
  idleTimeoutMs: 30 * SECOND_MS,
  emit: 'final' as EmitMode,
  updateIntervalMs: SECOND_MS,
  sink: Object.freeze({ type: 'stdout' }) as SinkSpec,
  deadLetter: Object.freeze({ type: 'stderr' }) as SideOutputSpec,
  lateOutput: Object.freeze({ type: 'stderr' }) as SideOutputSpec,
  maxRecordBytes: MIB,
  globalEveryMs: 60 * SECOND_MS,
  calendarTimeZone: 'UTC',
  generator: { eventsPerSecond: 1_000, users: 1_000, pages: 100, seed: 1, realtime: false },
  kafka: { commitIntervalMs: 5 * SECOND_MS, sessionTimeoutMs: 30 * SECOND_MS, heartbeatIntervalMs: 3 * SECOND_MS, batchSize: 2_000, clientId: 'tally' },
} as const;
