// The job schema's sources, sinks and side outputs.

import { z } from 'zod';
import { readTimestamp } from '../core/event/timestamp.js';
import { JOB_DEFAULTS, JOB_LIMITS } from './job-defaults.js';
import type { FileSinkSpec, JobSpec, PartitionedFileSinkSpec, SideOutputSpec, SinkSpec, SourceSpec } from './job-spec.js';
import { kafkaOutputSchema, kafkaSinkSchema, kafkaSourceSchema } from './kafka-schema.js';
import { duration, expecting, fail, nonEmptyString, oneOf, strictObject, typedUnion, wholeNumber } from './schema-kit.js';
import { formatCount } from './text.js';

// ---------------------------------------------------------------------------------------------
// Source, sink, side outputs

const filePath = nonEmptyString('a file path');

const generatorObject = strictObject(
  {
    type: z.literal('generator'),
    eventsPerSecond: wholeNumber(1, JOB_LIMITS.maxEventsPerSecond).optional(),
    users: wholeNumber(1, JOB_LIMITS.maxUsers).optional(),
    pages: wholeNumber(1, JOB_LIMITS.maxPages).optional(),
    seed: wholeNumber(0, Number.MAX_SAFE_INTEGER).optional(),
    maxEvents: wholeNumber(1, Number.MAX_SAFE_INTEGER).nullable().optional(),
    startTime: z
      .union([z.string(), z.number()], expecting("epoch milliseconds or ISO-8601 text with a zone, e.g. '2026-11-23T00:00:00Z'"))
      .nullable()
      .optional(),
    realtime: z.boolean(expecting('true or false')).optional(),
    backfill: duration().optional(),
  },
  'a generator source: { type: generator, eventsPerSecond, users, pages, seed, maxEvents, startTime, realtime, backfill }',
);

const SOURCE_TYPES = ['file', 'stdin', 'generator', 'kafka'];

export const sourceSchema = typedUnion('source', SOURCE_TYPES, 'a source: { type: file, path: <file> }, { type: stdin }, { type: generator, … } or { type: kafka, … }', [
  strictObject({ type: z.literal('file'), path: filePath }, 'a file source: { type: file, path: <file> }'),
  strictObject({ type: z.literal('stdin') }, 'a stdin source: { type: stdin }'),
  generatorObject,
  kafkaSourceSchema,
]).transform((source, ctx): SourceSpec => {
  if (source.type !== 'generator') return source;
  let startTimeMs: number | null = null;
  if (source.startTime !== undefined && source.startTime !== null) {
    startTimeMs = readTimestamp(source.startTime);
    if (startTimeMs === null) {
      fail(
        ctx,
        `${JSON.stringify(source.startTime)} is not a start time: use epoch milliseconds (0 to 8.64e15) or ISO-8601 text with a zone, e.g. '2026-11-23T00:00:00Z'`,
        ['startTime'],
      );
      return z.NEVER;
    }
  }
  const defaults = JOB_DEFAULTS.generator;
  const realtime = source.realtime ?? defaults.realtime;
  if (source.backfill !== undefined && !generatorBackfillIsValid(source.backfill, realtime, startTimeMs, ctx)) return z.NEVER;
  return {
    type: 'generator',
    eventsPerSecond: source.eventsPerSecond ?? defaults.eventsPerSecond,
    users: source.users ?? defaults.users,
    pages: source.pages ?? defaults.pages,
    seed: source.seed ?? defaults.seed,
    maxEvents: source.maxEvents ?? null,
    startTimeMs,
    realtime,
    // Absent rather than null when not given, so a job without it has the spec (and fingerprint) it had before the key existed.
    ...(source.backfill === undefined ? {} : { backfillMs: source.backfill }),
  };
});

/** The longest generator backfill: a month of event time (longer histories are better read from a file). */
export const MAX_GENERATOR_BACKFILL_MS = 31 * 86_400_000;

/** `backfill` needs `realtime: true` and no `startTime` (it sets the start), and a length from 1 ms to 31 days. */
function generatorBackfillIsValid(backfillMs: number, realtime: boolean, startTimeMs: number | null, ctx: z.core.$RefinementCtx): boolean {
  if (!realtime) {
    fail(ctx, 'needs realtime: true (a backfill catches up with the clock, then goes on in real time)', ['backfill']);
    return false;
  }
  if (startTimeMs !== null) {
    fail(ctx, 'cannot be used with startTime: the backfill starts the events that long before the clock\'s time at start', ['backfill']);
    return false;
  }
  if (backfillMs <= 0 || backfillMs > MAX_GENERATOR_BACKFILL_MS) {
    fail(ctx, `must be from 1ms to 31d, found ${formatCount(backfillMs)} ms`, ['backfill']);
    return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// File sink: one NDJSON file, or partitioned part files in a store

export const PARTITIONED_SINK_DEFAULTS = { format: 'ndjson', rollSizeBytes: 64 * 1_048_576 } as const;
const MAX_PARQUET_ROLL_BYTES = 256 * 1_048_576;
const ROLL_SIZE_LIMITS = { min: 1_024, max: 1_073_741_824 } as const;
const PART_FORMATS = ['ndjson', 'parquet'] as const;

const BYTE_UNITS: Readonly<Record<string, number>> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1_024, mib: 1_048_576, gib: 1_073_741_824 };
const BYTE_WORDS = 'a size: a whole number of bytes, or a number with a unit (KiB, MiB, GiB, KB, MB, GB), e.g. 64MiB';

/** A size in bytes from ROLL_SIZE_LIMITS.min to .max: `67108864`, `64MiB`, `64 MiB`, `500MB`. */
const rollSize = z.union([z.string(), z.number()], expecting(BYTE_WORDS)).transform((value, ctx) => {
  let bytes: number | null = typeof value === 'number' ? value : null;
  if (typeof value === 'string') {
    const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)?\s*$/i.exec(value);
    const unit = BYTE_UNITS[(match?.[2] ?? 'b').toLowerCase()];
    if (match !== null && unit !== undefined) bytes = Math.round(Number(match[1]) * unit);
  }
  if (bytes === null || !Number.isInteger(bytes)) {
    fail(ctx, `${JSON.stringify(value)} is not ${BYTE_WORDS}`);
    return z.NEVER;
  }
  if (bytes < ROLL_SIZE_LIMITS.min || bytes > ROLL_SIZE_LIMITS.max) {
    fail(ctx, `must be from 1 KiB to 1 GiB (a part is held in memory until it is rolled), found ${formatCount(bytes)} bytes`);
    return z.NEVER;
  }
  return bytes;
});

const FILE_SINK_WORDS =
  'a file sink: { type: file, path: <file> }, or partitioned files: { type: file, path: <directory, s3:// or webhdfs:// URL>, format: ndjson | parquet, rollSize: <bytes> }';

const fileSinkObject = strictObject(
  {
    type: z.literal('file'),
    path: filePath,
    format: oneOf(PART_FORMATS, 'file format').optional(),
    rollSize: rollSize.optional(),
    partitioned: z.boolean(expecting('true or false')).optional(),
  },
  FILE_SINK_WORDS,
);

const STORE_URL_WORDS = 'a local path, file://<dir>, s3://<bucket>/<prefix> or webhdfs://<namenode:port>/<path>';

/** The store URL of a partitioned sink's path (a plain path is a local directory), or null after reporting why not. */
function partitionedStoreUrl(path: string, ctx: z.core.$RefinementCtx): string | null {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(path)?.[1]?.toLowerCase();
  const problem = (why: string): null => {
    fail(ctx, `${JSON.stringify(path)} ${why}`, ['path']);
    return null;
  };
  if (scheme === undefined) return `file://${path}`;
  if (scheme === 'file') return path.length > 'file://'.length ? path : problem(`names no directory; expected ${STORE_URL_WORDS}`);
  if (scheme === 's3') {
    return /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/.test(path) ? path : problem("is not s3://<bucket>/<prefix>: bucket names are 3-63 lowercase letters, digits, '.' and '-'");
  }
  if (scheme === 'webhdfs' || scheme === 'swebhdfs') return /^s?webhdfs:\/\/[^/:]+(:\d+)?\/.+/.test(path) ? path : problem(`is not ${scheme}://<namenode>:<port>/<absolute path>`);
  return problem(`has scheme ${scheme}:; expected ${STORE_URL_WORDS}`);
}

/**
 * A plain local path with no other option is one NDJSON file, as it always was. A store URL, or a
 * path with `format`, `rollSize` or `partitioned: true`, is a directory of partitioned part files.
 */
function toFileSink(sink: z.output<typeof fileSinkObject>, ctx: z.core.$RefinementCtx): FileSinkSpec | PartitionedFileSinkSpec {
  const isUrl = /^[a-z][a-z0-9+.-]*:\/\//i.test(sink.path);
  const hasOptions = sink.format !== undefined || sink.rollSize !== undefined;
  if (sink.partitioned === false) {
    if (isUrl) fail(ctx, `${JSON.stringify(sink.path)} is a store URL, which holds partitioned files only: leave partitioned out, or give a local file path for one NDJSON file`, ['partitioned']);
    else if (hasOptions) fail(ctx, 'format and rollSize are options of partitioned files: leave them out for one NDJSON file, or leave partitioned out', ['partitioned']);
    return { type: 'file', path: sink.path };
  }
  if (!isUrl && !hasOptions && sink.partitioned !== true) return { type: 'file', path: sink.path };
  const url = partitionedStoreUrl(sink.path, ctx);
  if (url === null) return z.NEVER;
  if (sink.format === 'parquet' && sink.rollSize !== undefined && sink.rollSize > MAX_PARQUET_ROLL_BYTES) {
    // A Parquet part is held as column arrays of JS values until it is encoded: several times its size.
    fail(ctx, `must be at most 256 MiB for Parquet (a part is held in memory as columns, several times its size, until it is rolled), found ${formatCount(sink.rollSize)} bytes`, ['rollSize']);
    return z.NEVER;
  }
  return {
    type: 'file',
    partitioned: true,
    path: url,
    format: sink.format ?? PARTITIONED_SINK_DEFAULTS.format,
    rollSizeBytes: sink.rollSize ?? PARTITIONED_SINK_DEFAULTS.rollSizeBytes,
  };
}

export const sinkSchema = typedUnion('sink', ['file', 'stdout', 'kafka'], 'a sink: { type: stdout }, { type: file, path: <file> } or { type: kafka, brokers, topic }', [
  fileSinkObject,
  strictObject({ type: z.literal('stdout') }, 'a stdout sink: { type: stdout }'),
  kafkaSinkSchema,
]).transform((sink, ctx): SinkSpec => (sink.type === 'file' ? toFileSink(sink, ctx) : sink));

/**
 * Why a job cannot have its partitioned sink, or null: its part files are published with
 * checkpoints, so it needs a checkpoint section.
 */
export function partitionedSinkProblem(job: Pick<JobSpec, 'sink' | 'source' | 'checkpoint'>): string | null {
  if (job.sink.type !== 'file' || job.sink.partitioned !== true) return null;
  if (job.checkpoint === null) {
    return (
      `partitioned files (${job.sink.path}) are published with checkpoints, and the job has none: add a checkpoint section, ` +
      "e.g. checkpoint: { store: file://./state, interval: 10s }, or write one NDJSON file (sink: { type: file, path: results.ndjson })"
    );
  }
  return null;
}

const SIDE_OUTPUT_WORDS = "a file path, 'stdout', 'stderr', { type: file, path: <file> } or { type: kafka, brokers, topic }";

export const sideOutputSchema = z
  .union(
    [
      z.string(),
      typedUnion('output', ['file', 'stdout', 'stderr', 'kafka'], SIDE_OUTPUT_WORDS, [
        strictObject({ type: z.literal('file'), path: filePath }, 'a file output: { type: file, path: <file> }'),
        strictObject({ type: z.literal('stdout') }, 'an output { type: stdout }'),
        strictObject({ type: z.literal('stderr') }, 'an output { type: stderr }'),
        kafkaOutputSchema,
      ]),
    ],
    expecting(SIDE_OUTPUT_WORDS),
  )
  .transform((output, ctx): SideOutputSpec => {
    if (typeof output !== 'string') return output;
    if (output.trim() === '') {
      fail(ctx, `must not be empty; expected ${SIDE_OUTPUT_WORDS}`);
      return z.NEVER;
    }
    if (output === 'stdout' || output === 'stderr') return { type: output };
    return { type: 'file', path: output };
  });
