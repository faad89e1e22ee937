// The library API: define a job with typed objects, run it, or drive the engine by hand.

export { defineJob, type JobInput } from './config/define-job.js';
export { parseJobText, readJobFile } from './config/load-job.js';
export { describeJob } from './config/describe-job.js';
export type { JobSpec, SourceSpec, SinkSpec, SideOutputSpec } from './config/job-spec.js';

export { WindowAggregator, type EngineStats, type EngineGauges } from './core/operator/window-aggregator.js';
export { takeSnapshot, restoreSnapshot, readSnapshotHeader, SNAPSHOT_FORMAT_VERSION } from './core/operator/snapshot.js';
export type { PipelineSpec, TimeSpec, EmitMode } from './core/operator/pipeline-spec.js';
export type { WindowSpec, CalendarUnit } from './core/windows/window-spec.js';
export type { AggregationSpec, AggregateFunction } from './core/aggregate/aggregation-spec.js';
export type { EngineOutput, WindowResult, LateRecord } from './core/emit/outputs.js';
export { ResultFormatter } from './core/emit/format-result.js';
export { parseEventLine } from './core/event/parse-event-line.js';
export type { ClickEvent, BadRecord, ParsedRecord } from './core/event/click-event.js';
export { compileFilter } from './core/filter/index.js';
export { EngineError } from './core/errors.js';
export { parseDuration, formatDuration } from './core/time/duration.js';

export type { Source, RawBatch, SourcePosition } from './ports/source.js';
export type { Sink } from './ports/sink.js';
export type { Clock } from './ports/clock.js';
export type { Logger } from './ports/logger.js';
export { MemorySource } from './adapters/sources/memory.js';
export { FileSource } from './adapters/sources/file.js';
export { StdinSource } from './adapters/sources/stdin.js';
export { GeneratorSource } from './adapters/sources/generator.js';
export { ClickGenerator } from './adapters/sources/click-generator.js';
export { MemorySink } from './adapters/sinks/memory.js';
export { NdjsonStreamSink } from './adapters/sinks/ndjson-stream.js';
export { JobRunner, type JobStatus, type JobIo } from './runtime/job-runner.js';
export type { DeadLetter, LateOutputRecord } from './runtime/side-records.js';
export { buildJob, type BuildOptions } from './main.js';
export { createApiServer, ApiListenError, type ApiServer, type ApiServerOptions, type ApiAddress } from './service/api/server.js';
export { pinoLogger } from './adapters/logging/pino-logger.js';
export { silentLogger } from './ports/logger.js';
export { systemClock } from './ports/clock.js';
