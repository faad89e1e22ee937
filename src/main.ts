// Composition root: builds the adapters a JobSpec names and hands them to the runtime.

import { ResultFormatter } from './core/emit/format-result.js';
import type { WindowResult } from './core/emit/outputs.js';
import { allOutputNames } from './core/aggregate/partial-layout.js';
import type { JobSpec, SideOutputSpec, SinkSpec, SourceSpec } from './config/job-spec.js';
import { FileSource } from './adapters/sources/file.js';
import { StdinSource } from './adapters/sources/stdin.js';
import { GeneratorSource } from './adapters/sources/generator.js';
import { NdjsonStreamSink } from './adapters/sinks/ndjson-stream.js';
import { systemClock, type Clock } from './ports/clock.js';
import { silentLogger, type Logger } from './ports/logger.js';
import { createKafka } from './adapters/kafka/kafka-client.js';
import { KafkaSink } from './adapters/kafka/kafka-sink.js';
import { KafkaSource } from './adapters/kafka/kafka-source.js';
import { positionKey, resultKey } from './adapters/kafka/message-keys.js';
import type { Sink } from './ports/sink.js';
import type { Source, SourcePosition } from './ports/source.js';
import { JobRunner } from './runtime/job-runner.js';
import { ClickGenerator } from './adapters/sources/click-generator.js';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { pinoLogger } from './adapters/logging/pino-logger.js';
import { formatDeadLetter, formatLateRecord, type DeadLetter, type LateOutputRecord } from './runtime/side-records.js';
import { CommittedFileSink } from './adapters/sinks/committed-file.js';
import { buildPartitionedSink } from './adapters/sinks/partitioned-files.js';
import { partitionedSinkProblem } from './config/io-schema.js';
import { openStore } from './adapters/checkpoint-stores/open-store.js';
import { CheckpointCoordinator } from './runtime/checkpoint/checkpoint-coordinator.js';
import { CheckpointRepository } from './runtime/checkpoint/checkpoint-repository.js';
import { EngineError } from './core/errors.js';
import { configWindowCodec } from './config/window-codec.js';

export function buildSource(spec: SourceSpec, clock: Clock, maxRecordBytes = Number.POSITIVE_INFINITY, logger: Logger = silentLogger): Source {
  switch (spec.type) {
    case 'kafka':
      return new KafkaSource(
        createKafka(spec, logger),
        {
          topic: spec.topic,
          groupId: spec.groupId,
          startFrom: spec.startFrom,
          stopAtEnd: spec.stopAtEnd,
          sessionTimeoutMs: spec.sessionTimeoutMs,
          heartbeatIntervalMs: spec.heartbeatIntervalMs,
        },
        logger,
      );
    case 'file': return new FileSource(spec.path, maxRecordBytes);
    case 'stdin': return new StdinSource(process.stdin, maxRecordBytes);
    case 'generator':
      return new GeneratorSource(
        {
          eventsPerSecond: spec.eventsPerSecond,
          users: spec.users,
          pages: spec.pages,
          seed: spec.seed,
          maxEvents: spec.maxEvents,
          startTimeMs: spec.startTimeMs,
          realtime: spec.realtime,
          backfillMs: spec.backfillMs ?? null,
        },
        { clock },
      );
  }
}

export async function buildResultSink(spec: SinkSpec, job: JobSpec, logger: Logger = silentLogger): Promise<Sink<WindowResult>> {
  const outputNames = allOutputNames(job.windows, job.aggregations);
  const formatter = new ResultFormatter(job.emit === 'update');
  const format = (r: WindowResult): string => formatter.format(r);
  switch (spec.type) {
    case 'file': {
      if (spec.partitioned !== true) return fileOutput(spec.path, format, job);
      const problem = partitionedSinkProblem({ sink: spec, source: job.source, checkpoint: job.checkpoint });
      if (problem !== null || job.checkpoint === null) throw new EngineError('CONFIG_INVALID', `sink: ${problem ?? 'needs checkpoints'}`, { path: 'sink' });
      // The sink's store takes the checkpoint section's s3 and webhdfs settings.
      const store = await openStore(spec.path, job.checkpoint);
      return await buildPartitionedSink(store, { format: spec.format, rollSizeBytes: spec.rollSizeBytes, keyFields: job.keyBy, outputNames, isUpdateMode: job.emit === 'update' });
    }
    case 'stdout': return NdjsonStreamSink.toStream('stdout', process.stdout, format);
    case 'kafka':
      return new KafkaSink(createKafka(spec, logger), { topic: spec.topic, batchSize: spec.batchSize, key: resultKey, value: format }, logger);
  }
}

/** A job that resumes from committed source positions (Kafka): its output files are appended to. */
function resumes(job: JobSpec): boolean {
  return job.source.type === 'kafka';
}

/**
 * With checkpoints, a file output holds only what stored checkpoints cover (two-phase commit; with
 * a Kafka source, of checkpoints whose positions the group has committed). Without, it is written
 * as results come (appended to with Kafka, which resumes from its commits).
 */
function fileOutput<T>(path: string, format: (item: T) => string, job: JobSpec): Sink<T> {
  if (job.checkpoint !== null) return new CommittedFileSink(path, format);
  return NdjsonStreamSink.toFile(path, format, { append: resumes(job) });
}

function buildSideSink<T extends { readonly position: SourcePosition }>(spec: SideOutputSpec, format: (item: T) => string, logger: Logger, job: JobSpec): Sink<T> {
  switch (spec.type) {
    case 'kafka':
      return new KafkaSink(createKafka(spec, logger), { topic: spec.topic, batchSize: 1_000, key: (item: T) => positionKey(item.position), value: format }, logger);
    case 'file': return fileOutput(spec.path, format, job);
    case 'stdout': return NdjsonStreamSink.toStream('stdout', process.stdout, format);
    case 'stderr': return NdjsonStreamSink.toStream('stderr', process.stderr, format);
  }
}

export interface BuildOptions {
  readonly clock?: Clock;
  /** Default: JSON lines on standard error at level info. */
  readonly logger?: Logger;
}

/** A runner wired to the adapters the job names. */
export async function buildJob(job: JobSpec, options: BuildOptions = {}): Promise<JobRunner> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? pinoLogger();
  const source = buildSource(job.source, clock, job.maxRecordBytes, logger);
  let checkpoints: CheckpointCoordinator | undefined;
  if (job.checkpoint !== null) {
    if (source.resumeFrom === undefined && source.seekTo === undefined) {
      throw new EngineError('CONFIG_INVALID', `checkpoints need a source that can be read again from a position, and ${source.description} cannot: use a file or generator source, or leave checkpoint out`, { path: 'checkpoint' });
    }
    const store = await openStore(job.checkpoint.store, job.checkpoint);
    checkpoints = new CheckpointCoordinator(new CheckpointRepository(store), { intervalMs: job.checkpoint.intervalMs, retain: job.checkpoint.retain }, logger, clock);
  }
  const results = await buildResultSink(job.sink, job, logger);
  const history = await openJobHistory(job, clock);
  return new JobRunner(
    job,
    {
      name: job.name,
      maxRecordBytes: job.maxRecordBytes,
      updateIntervalMs: job.updateIntervalMs,
      ...(job.source.type === 'kafka' ? { commitIntervalMs: job.source.commitIntervalMs } : {}),
      // Without the API nothing reads the feed: it need not hold results.
      feedCapacity: job.api === null ? 1 : job.api.streamBuffer,
    },
    {
      source,
      results: history === null ? results : history.withHistory(results, history.store, { clock, logger }),
      deadLetters: buildSideSink<DeadLetter>(job.deadLetter, formatDeadLetter, logger, job),
      lateRecords: buildSideSink<LateOutputRecord>(job.lateOutput, formatLateRecord, logger, job),
      clock,
      logger,
      windowCodec: configWindowCodec,
      ...(history === null ? {} : { history: history.store }),
      ...(checkpoints === undefined ? {} : { checkpoints }),
    },
  );
}

/**
 * With a history section, results are also kept in the embedded results history (docs/history.md),
 * which the REST API reads through the runner's control.
 */
async function openJobHistory(job: JobSpec, clock: Clock) {
  if (job.history === null) return null;
  // Loaded on demand: the embedded database is only needed by jobs that keep a history.
  const [{ LmdbResultsHistory }, { withHistory }] = await Promise.all([import('./adapters/history/lmdb-history.js'), import('./adapters/history/history-sink.js')]);
  const store = LmdbResultsHistory.open({
    path: job.history.path,
    retainMs: job.history.retainMs,
    maxResults: job.history.maxResults,
    clock,
  });
  return { store, withHistory };
}

/** The service's logger: JSON lines on standard error. */
export function createLogger(level: string): Logger {
  return pinoLogger(level);
}

export interface GenerateOptions {
  readonly events: number;
  readonly eventsPerSecond: number;
  readonly users: number;
  readonly pages: number;
  readonly seed: number;
  readonly startTimeMs: number;
}

/** Writes generated click lines to a stream, honouring its backpressure (`tally generate`). */
export async function writeGeneratedClicks(options: GenerateOptions, out: Writable): Promise<void> {
  const generator = new ClickGenerator({ ...options });
  let chunk = '';
  for (let i = 0; i < options.events; i++) {
    chunk += `${generator.next()}\n`;
    if (chunk.length >= 1 << 16 || i === options.events - 1) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
}
