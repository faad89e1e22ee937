// One checkpoint benchmark in this process, printing one JSON line:
//   state <keys>             checkpoint size, pause (encode), write, and restore time for a state of <keys> keys
//   run <checkpointMs|none>  events/s of a generated stream through a large-state job, with or without checkpoints

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { LocalDirStore } from '../src/adapters/checkpoint-stores/local-dir-store.js';
import { CommittedFileSink } from '../src/adapters/sinks/committed-file.js';
import { NdjsonStreamSink } from '../src/adapters/sinks/ndjson-stream.js';
import { GeneratorSource } from '../src/adapters/sources/generator.js';
import { ResultFormatter } from '../src/core/emit/format-result.js';
import type { EngineOutput, WindowResult } from '../src/core/emit/outputs.js';
import type { PipelineSpec } from '../src/core/operator/pipeline-spec.js';
import { restoreSnapshot, SNAPSHOT_FORMAT_VERSION, takeSnapshot } from '../src/core/operator/snapshot.js';
import { ChunkPool } from '../src/core/codec/binary-writer.js';
import { WindowAggregator } from '../src/core/operator/window-aggregator.js';
import { systemClock } from '../src/ports/clock.js';
import type { Logger } from '../src/ports/logger.js';
import type { Sink } from '../src/ports/sink.js';
import { CheckpointCoordinator } from '../src/runtime/checkpoint/checkpoint-coordinator.js';
import { CheckpointRepository } from '../src/runtime/checkpoint/checkpoint-repository.js';
import { JobRunner } from '../src/runtime/job-runner.js';

const MINUTE = 60_000;

/** Per user: a tumbling minute, the last 10 minutes and sessions: state grows with the users active lately. */
export const LARGE_STATE_JOB: PipelineSpec = {
  keyBy: ['user_id'],
  filter: null,
  windows: [
    { kind: 'tumbling', name: 'per_minute', sizeMs: MINUTE, offsetMs: 0 },
    { kind: 'sliding', name: 'last_10m', sizeMs: 10 * MINUTE, slideMs: MINUTE, offsetMs: 0 },
    { kind: 'session', name: 'visits', gapMs: 30 * MINUTE },
  ],
  aggregations: [
    { fn: 'count', field: null },
    { fn: 'sum', field: 'value' },
    { fn: 'mean', field: 'value' },
  ],
  time: { maxOutOfOrdernessMs: 5_000, allowedLatenessMs: 0, idleTimeoutMs: 30_000 },
  emit: 'final',
};

class CountingSink<T> implements Sink<T> {
  readonly description = 'count';
  async write(): Promise<void> {}
  async close(): Promise<void> {}
}

/** Records each stored checkpoint's figures from the coordinator's log line. */
class CheckpointLog implements Logger {
  readonly stored: { bytes: number; pauseMs: number; writeMs: number }[] = [];
  info(fields: Record<string, unknown>, message: string): void {
    if (message === 'checkpoint stored') this.stored.push(fields as { bytes: number; pauseMs: number; writeMs: number });
  }
  warn(fields: Record<string, unknown>, message: string): void {
    process.stderr.write(`${message} ${JSON.stringify(fields)}\n`);
  }
  error(fields: Record<string, unknown>, message: string): void {
    process.stderr.write(`${message} ${JSON.stringify(fields)}\n`);
  }
}

async function stateBench(keys: number, dir: string): Promise<Record<string, unknown>> {
  const engine = new WindowAggregator(LARGE_STATE_JOB);
  const out: EngineOutput[] = [];
  const t0 = Date.UTC(2026, 10, 23, 12);
  // Every key has events in the current minute, so every window, slice and session is open.
  for (let k = 0; k < keys; k++) {
    for (let i = 0; i < 2; i++) {
      engine.onEvent({ eventTimeMs: t0 + ((k * 7 + i * 13_000) % 50_000), fields: { user_id: k, page: '/p', value: (k % 97) + i } } as never, 0, out);
    }
  }
  // The first checkpoint allocates its buffers; later ones reuse them (the job runner's ChunkPool).
  const pool = new ChunkPool();
  let encodeStart = performance.now();
  pool.give(takeSnapshot(engine, undefined, pool));
  const firstPauseMs = performance.now() - encodeStart;
  encodeStart = performance.now();
  const chunks = takeSnapshot(engine, undefined, pool);
  const pauseMs = performance.now() - encodeStart;
  const bytes = chunks.reduce((n, c) => n + c.length, 0);
  rmSync(dir, { recursive: true, force: true });
  const repository = new CheckpointRepository(new LocalDirStore(dir));
  const writeStart = performance.now();
  await repository.write(1, chunks, {
    createdAtMs: Date.now(),
    job: { name: 'bench', fingerprint: 'bench', definition: null },
    snapshotFormat: SNAPSHOT_FORMAT_VERSION,
    source: { description: 'bench', position: null },
    sinks: {},
    counters: { records: 0, blankLines: 0, badRecords: 0 },
    summary: {},
    finished: false,
    pauseMs,
  });
  const writeMs = performance.now() - writeStart;
  const restoreStart = performance.now();
  const { state } = await repository.load(1);
  const restored = restoreSnapshot(LARGE_STATE_JOB, state);
  const restoreMs = performance.now() - restoreStart;
  if (restored.keys.size !== engine.keys.size) throw new Error('restored a different number of keys');
  rmSync(dir, { recursive: true, force: true });
  return { kind: 'state', keys, bytes, firstPauseMs, pauseMs, writeMs, restoreMs };
}

async function runBench(interval: string, events: number, dir: string): Promise<Record<string, unknown>> {
  rmSync(dir, { recursive: true, force: true });
  const formatter = new ResultFormatter(false);
  const format = (r: WindowResult): string => formatter.format(r);
  const checkpointMs = interval === 'none' ? null : Number(interval);
  const results: Sink<WindowResult> =
    checkpointMs === null ? NdjsonStreamSink.toFile(join(dir, 'results.ndjson'), format) : new CommittedFileSink(join(dir, 'results.ndjson'), format);
  const log = new CheckpointLog();
  const checkpoints =
    checkpointMs === null
      ? undefined
      : new CheckpointCoordinator(new CheckpointRepository(new LocalDirStore(join(dir, 'state'))), { intervalMs: checkpointMs, retain: 2 }, log, systemClock);
  const source = new GeneratorSource(
    { eventsPerSecond: 1_000, users: 100_000, pages: 1_000, seed: 11, maxEvents: events, startTimeMs: Date.UTC(2026, 10, 23, 8), realtime: false },
    { clock: systemClock },
  );
  const runner = new JobRunner(
    LARGE_STATE_JOB,
    { name: 'bench', maxRecordBytes: 1 << 20, updateIntervalMs: 1_000, progressIntervalMs: 1e12 },
    { source, results, deadLetters: new CountingSink(), lateRecords: new CountingSink(), clock: systemClock, logger: log, ...(checkpoints === undefined ? {} : { checkpoints }) },
  );
  const started = performance.now();
  const status = await runner.run();
  const ms = performance.now() - started;
  const pauses = log.stored.map((s) => s.pauseMs);
  rmSync(dir, { recursive: true, force: true });
  return {
    kind: 'run',
    interval,
    records: status.records,
    ms,
    checkpoints: log.stored.length,
    maxPauseMs: pauses.length === 0 ? 0 : Math.max(...pauses),
    meanPauseMs: pauses.length === 0 ? 0 : pauses.reduce((a, b) => a + b, 0) / pauses.length,
    maxBytes: log.stored.reduce((m, s) => Math.max(m, s.bytes), 0),
    keys: status.gauges.keys,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  };
}

async function main(): Promise<void> {
  const [what, arg, dir, events] = process.argv.slice(2) as [string, string, string, string];
  const report = what === 'state' ? await stateBench(Number(arg), dir) : await runBench(arg, Number(events), dir);
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
