// End to end through JobRunner: a real file source, CommittedFileSinks, a checkpoint store that
// fails, damaged checkpoints, changed job definitions, and a restart of a finished run.

import { statSync } from 'node:fs';
import { appendFile, copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../adapters/checkpoint-stores/memory-store.js';
import { CommittedFileSink } from '../../adapters/sinks/committed-file.js';
import { NdjsonStreamSink } from '../../adapters/sinks/ndjson-stream.js';
import { ClickGenerator } from '../../adapters/sources/click-generator.js';
import { FileSource } from '../../adapters/sources/file.js';
import type { JobSpec } from '../../config/job-spec.js';
import { validateJob } from '../../config/schema.js';
import { ResultFormatter } from '../../core/emit/format-result.js';
import { EngineError } from '../../core/errors.js';
import type { CheckpointStore } from '../../ports/checkpoint-store.js';
import type { Clock } from '../../ports/clock.js';
import type { Logger } from '../../ports/logger.js';
import type { Sink } from '../../ports/sink.js';
import type { RawBatch, ResumePosition, Source } from '../../ports/source.js';
import { JobRunner, type JobStatus, type Timer } from '../job-runner.js';
import { formatDeadLetter, formatLateRecord } from '../side-records.js';
import { CheckpointCoordinator } from './checkpoint-coordinator.js';
import { CheckpointRepository } from './checkpoint-repository.js';
import { checkpointKeys } from './manifest.js';
import { ForwardingStore, steppingClock as steppingClockFrom } from '../../../test/support/checkpoints.js';

const EVENTS = 5_000;
const OUTPUTS = ['results.ndjson', 'dead.ndjson', 'late.ndjson'] as const;

type Change = 'none' | 'hourly' | 'minute' | 'filter';

function jobOf(change: Change = 'none'): JobSpec {
  const v = validateJob({
    name: 'clicks',
    source: { type: 'file', path: 'unused' },
    keyBy: ['user_id'],
    filter: change === 'filter' ? "page != '/cart'" : "page != '/health'",
    windows: [
      { name: 'minute', tumbling: change === 'minute' ? '2m' : '1m' },
      { name: 'visit', session: { gap: '45s' } },
      ...(change === 'hourly' ? [{ name: 'hourly', tumbling: '1h' }] : []),
    ],
    aggregations: ['count', 'sum(value)', 'max(value)'],
    time: { maxOutOfOrderness: '300ms', allowedLateness: '500ms' },
    emit: 'final',
  });
  if (!v.ok) throw new Error(JSON.stringify(v.problems));
  return { ...v.spec, checkpoint: null };
}

interface LogEntry {
  readonly level: 'info' | 'warn' | 'error';
  readonly fields: Record<string, unknown>;
  readonly message: string;
}

class RecordingLogger implements Logger {
  readonly entries: LogEntry[] = [];
  info(fields: Record<string, unknown>, message: string): void {
    this.entries.push({ level: 'info', fields, message });
  }
  warn(fields: Record<string, unknown>, message: string): void {
    this.entries.push({ level: 'warn', fields, message });
  }
  error(fields: Record<string, unknown>, message: string): void {
    this.entries.push({ level: 'error', fields, message });
  }
  starting(prefix: string): LogEntry[] {
    return this.entries.filter((e) => e.message.startsWith(prefix));
  }
}

/** Processing time that moves 50 ms per reading: a checkpoint every few batches. */
const steppingClock = (): Clock => steppingClockFrom(1_000_000);

/** Timers that never fire: every checkpoint is taken after a batch, at a deterministic point. */
const neverTimer: Timer = () => ({ promise: new Promise<void>(() => {}), cancel() {} });

/** A MemoryStore whose put throws a retriable 503 for the keys `fails` picks (`n` counts puts from 1). */
class FlakyStore extends ForwardingStore {
  puts = 0;
  failedPuts: string[] = [];
  constructor(inner: MemoryStore, public fails: (key: string, n: number) => boolean) {
    super(inner, 'flaky memory');
  }
  override async put(key: string, chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<void> {
    if (this.fails(key, ++this.puts)) {
      this.failedPuts.push(key);
      throw new EngineError('STORE_FAILED', `flaky memory: put ${key}: 503 SlowDown`, { retriable: true });
    }
    await this.inner.put(key, chunks);
  }
}

/** The file read in small chunks (many batches), counting batches; `stopAfter` batches, it stops the runner. */
class CountingSource implements Source {
  readonly isBounded = true;
  readonly description: string;
  batchesRead = 0;
  private readonly inner: FileSource;
  onStop: () => void = () => {};
  /** Called when the whole file was read. */
  onEnd: () => void = () => {};
  /** Before each batch, waits while this is true (paces reading to the checkpoint being stored). */
  holdWhile: () => boolean = () => false;
  /** Called when reading starts (after the runner restored a checkpoint, before the first batch). */
  onOpen: () => void = () => {};

  constructor(path: string, private readonly stopAfter = Number.POSITIVE_INFINITY) {
    this.inner = new FileSource(path, Number.POSITIVE_INFINITY, 8_192);
    this.description = this.inner.description;
  }

  resumeFrom(position: ResumePosition): Promise<void> {
    return this.inner.resumeFrom(position);
  }

  async *batches(): AsyncGenerator<RawBatch> {
    this.onOpen();
    for await (const batch of this.inner.batches()) {
      while (this.holdWhile()) await new Promise<void>((resolve) => setImmediate(resolve));
      this.batchesRead++;
      yield batch;
      if (this.batchesRead >= this.stopAfter) {
        this.onStop();
        return;
      }
    }
    this.onEnd();
  }

  stop(): void {
    this.inner.stop();
  }
}

interface Run {
  readonly runner: JobRunner;
  readonly source: CountingSource;
  readonly logger: RecordingLogger;
  readonly status: JobStatus;
  /** The output files' sizes when reading started (after restoring), or null when the source was never read. */
  readonly sizesAtStart: Record<string, number> | null;
}

let dir = '';
let input = '';
let expected: Record<string, string> = {};
let expectedStatus: JobStatus;
/** Batches the whole file makes. */
let expectedBatches = 0;

async function runJob(
  outDir: string,
  options: { store?: CheckpointStore; job?: JobSpec; stopAfter?: number; intervalMs?: number; retain?: number; onInputEnd?: () => void; paced?: boolean; input?: string; onRunner?: (runner: JobRunner, logger: RecordingLogger) => void } = {},
): Promise<Run> {
  const job = options.job ?? jobOf();
  const clock = steppingClock();
  const logger = new RecordingLogger();
  const formatter = new ResultFormatter(false);
  const committed = options.store !== undefined;
  const file = <T>(name: string, format: (t: T) => string): Sink<T> =>
    committed ? new CommittedFileSink<T>(join(outDir, name), format) : NdjsonStreamSink.toFile<T>(join(outDir, name), format);
  const checkpoints =
    options.store === undefined
      ? undefined
      : new CheckpointCoordinator(new CheckpointRepository(options.store), { intervalMs: options.intervalMs ?? 400, retain: options.retain ?? 3 }, logger, clock);
  const source = new CountingSource(options.input ?? input, options.stopAfter);
  let sizesAtStart: Record<string, number> | null = null;
  source.onOpen = () => {
    sizesAtStart = Object.fromEntries(OUTPUTS.map((f) => [f, statSync(join(outDir, f), { throwIfNoEntry: false })?.size ?? -1]));
  };
  const runner = new JobRunner(
    job,
    { name: job.name, maxRecordBytes: job.maxRecordBytes, updateIntervalMs: 1_000 },
    {
      source,
      results: file('results.ndjson', (r) => formatter.format(r)),
      deadLetters: file('dead.ndjson', formatDeadLetter),
      lateRecords: file('late.ndjson', formatLateRecord),
      clock,
      logger,
      timer: neverTimer,
      ...(checkpoints === undefined ? {} : { checkpoints }),
    },
  );
  source.onStop = () => runner.stop();
  if (options.onInputEnd !== undefined) source.onEnd = options.onInputEnd;
  // Paced: each checkpoint is stored and published before the next batch, so checkpoint ids fall
  // on the same batches whatever the speed of the disk.
  if (options.paced === true && checkpoints !== undefined) source.holdWhile = () => checkpoints.isWriting;
  options.onRunner?.(runner, logger);
  const status = await runner.run();
  await checkpoints?.settle();
  return { runner, source, logger, status, sizesAtStart };
}

async function outputsOf(outDir: string): Promise<Record<string, string>> {
  const texts = await Promise.all(OUTPUTS.map((f) => readFile(join(outDir, f), 'utf8')));
  return Object.fromEntries(OUTPUTS.map((f, i) => [f, texts[i] as string]));
}

/** Byte for byte the files of the run without checkpoints, and no pending part left beside them. */
async function expectCompleteOutputs(outDir: string): Promise<void> {
  const got = await outputsOf(outDir);
  for (const f of OUTPUTS) expect(got[f], f).toBe(expected[f]);
  expect((await readdir(outDir)).filter((f) => f.includes('pending'))).toEqual([]);
}

const newOutDir = (): Promise<string> => mkdtemp(join(dir, 'out-'));

/** The output files' sizes a checkpoint says were published. */
async function committedSizes(store: CheckpointStore, id: number): Promise<Record<string, number>> {
  const { sinks } = (await new CheckpointRepository(store).load(id)).manifest;
  const size = (name: string): number => (sinks[name] as unknown as { committedBytes: number }).committedBytes;
  return { 'results.ndjson': size('results'), 'dead.ndjson': size('deadLetters'), 'late.ndjson': size('lateRecords') };
}

async function sizesOf(outDir: string): Promise<Record<string, number>> {
  const got = await outputsOf(outDir);
  return Object.fromEntries(OUTPUTS.map((f) => [f, Buffer.byteLength(got[f] as string)]));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tally-coordinator-'));
  input = join(dir, 'events.ndjson');
  const generator = new ClickGenerator({ eventsPerSecond: 40, users: 50, pages: 10, seed: 11, startTimeMs: Date.UTC(2026, 2, 4, 9), malformedFraction: 0.01 });
  const lines: string[] = [];
  for (let i = 0; i < EVENTS; i++) lines.push(generator.next());
  await writeFile(input, `${lines.join('\n')}\n`);
  const baseDir = await newOutDir();
  const run = await runJob(baseDir);
  expected = await outputsOf(baseDir);
  expectedStatus = run.status;
  expectedBatches = run.source.batchesRead;
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('checkpoints through JobRunner', () => {
  it('has a baseline worth comparing: many batches, results, dead letters and late records', async () => {
    expect(expectedStatus.state).toBe('finished');
    expect(expectedStatus.records).toBe(EVENTS);
    expect(expected['results.ndjson']?.split('\n').length).toBeGreaterThan(200);
    expect(expected['dead.ndjson']?.length).toBeGreaterThan(0);
    expect(expected['late.ndjson']?.length).toBeGreaterThan(0);
    // An uninterrupted run with a healthy store writes the same files, with many checkpoints.
    const outDir = await newOutDir();
    const run = await runJob(outDir, { store: new MemoryStore(), paced: true });
    expect(run.source.batchesRead).toBeGreaterThan(50);
    expect(run.status.checkpoint).toMatchObject({ failed: 0, lastError: null, restoredFrom: null });
    expect(run.status.checkpoint?.completed).toBeGreaterThan(10);
    await expectCompleteOutputs(outDir);
  });

  describe('a store that fails', () => {
    function expectFailureReported(run: Run, store: FlakyStore, failedIds: number[], someStored = true): void {
      const cp = run.status.checkpoint;
      expect(run.status.state).toBe('finished');
      expect(run.status.records).toBe(EVENTS);
      expect(cp?.failed).toBe(failedIds.length);
      if (someStored) expect(cp?.completed).toBeGreaterThan(0);
      expect(cp?.lastError).toMatchObject({ id: failedIds[failedIds.length - 1], message: expect.stringContaining('503 SlowDown') });
      const warnings = run.logger.starting('checkpoint could not be stored');
      expect(warnings.map((w) => [w.level, w.fields.checkpoint, w.fields.retriable])).toEqual(failedIds.map((id) => ['warn', id, true]));
      expect(store.failedPuts.length).toBe(failedIds.length);
    }

    it('goes on when the first puts fail, and loses nothing: the next stored checkpoint publishes their output', async () => {
      const outDir = await newOutDir();
      const store = new FlakyStore(new MemoryStore(), (_key, n) => n <= 3);
      const run = await runJob(outDir, { store, paced: true });
      // Each failed checkpoint stops at its state: checkpoints 1, 2 and 3 failed.
      expectFailureReported(run, store, [1, 2, 3]);
      expect(run.status.checkpoint?.last?.id).toBeGreaterThan(3);
      await expectCompleteOutputs(outDir);
    });

    it('goes on when every put of one checkpoint in the middle fails', async () => {
      const outDir = await newOutDir();
      const store = new FlakyStore(new MemoryStore(), (key) => key.startsWith(`${checkpointKeys(5).dir}/`));
      const run = await runJob(outDir, { store, paced: true });
      expectFailureReported(run, store, [5]);
      expect(run.status.checkpoint?.completed).toBeGreaterThan(5);
      expect(run.status.checkpoint?.last?.id).toBeGreaterThan(6);
      await expectCompleteOutputs(outDir);
    });

    it('goes on when only the manifest of a checkpoint cannot be stored, and prunes the state left without it', async () => {
      const outDir = await newOutDir();
      const store = new FlakyStore(new MemoryStore(), (key) => key === checkpointKeys(5).manifest);
      const run = await runJob(outDir, { store, retain: 100, paced: true });
      expectFailureReported(run, store, [5]);
      const entries = (await new CheckpointRepository(store).list()).map((e) => [e.id, e.hasManifest]);
      const last = run.status.checkpoint?.last?.id as number;
      expect(last).toBeGreaterThan(6);
      // Every other one kept (retain 100), the incomplete one deleted.
      const ids = Array.from({ length: last }, (_, i) => i + 1).filter((id) => id !== 5);
      expect(entries).toEqual(ids.map((id) => [id, true]));
      await expectCompleteOutputs(outDir);
    });

    it('publishes complete outputs when the last checkpoint fails; a restart cuts them back to the one before and ends the same', async () => {
      const outDir = await newOutDir();
      const store = new FlakyStore(new MemoryStore(), () => false);
      const first = await runJob(outDir, { store, paced: true, onInputEnd: () => (store.fails = () => true) });
      const failedId = first.status.checkpoint?.lastError?.id as number;
      const stored = first.status.checkpoint?.last?.id as number;
      expect(first.status.checkpoint?.failed).toBe(1);
      expect(failedId).toBeGreaterThan(stored);
      await expectCompleteOutputs(outDir);
      const manifest = (await new CheckpointRepository(store).load(stored)).manifest;
      expect(manifest.finished).toBe(false);
      // Less than everything was published at the stored checkpoint: a restart has something to compute again.
      expect(manifest.sinks.results).toMatchObject({ committedBytes: expect.any(Number) });
      expect((manifest.sinks.results as unknown as { committedBytes: number }).committedBytes).toBeLessThan(expected['results.ndjson']?.length as number);

      store.fails = () => false;
      const second = await runJob(outDir, { store });
      expect(second.status.checkpoint).toMatchObject({ restoredFrom: stored, skipped: [], failed: 0 });
      expect(second.source.batchesRead).toBeGreaterThan(0);
      expect(second.status.records).toBe(EVENTS);
      await expectCompleteOutputs(outDir);
    });

    it('finishes with complete outputs when every put fails, and a restart starts from the beginning', async () => {
      const outDir = await newOutDir();
      const store = new FlakyStore(new MemoryStore(), () => true);
      const first = await runJob(outDir, { store });
      const attempts = store.failedPuts.length;
      expect(attempts).toBeGreaterThan(5);
      expectFailureReported(first, store, Array.from({ length: attempts }, (_, i) => i + 1), false);
      expect(first.status.checkpoint).toMatchObject({ completed: 0, last: null, restoredFrom: null });
      // Published at the end although the last checkpoint failed.
      await expectCompleteOutputs(outDir);
      expect(await store.inner.list('')).toEqual([]);

      store.failedPuts = [];
      const second = await runJob(outDir, { store });
      expectFailureReported(second, store, Array.from({ length: store.failedPuts.length }, (_, i) => i + 1), false);
      expect(second.status.checkpoint).toMatchObject({ restoredFrom: null, skipped: [], completed: 0 });
      expect(second.logger.starting('no checkpoint to restore: starting from the beginning')).toHaveLength(1);
      expect(second.source.batchesRead).toBe(first.source.batchesRead);
      expect(second.status.records).toBe(EVENTS);
      await expectCompleteOutputs(outDir);
    });
  });

  describe('a changed job definition', () => {
    let store: MemoryStore;
    let outDir = '';
    let before: Record<string, string>;

    beforeAll(async () => {
      store = new MemoryStore();
      outDir = await newOutDir();
      // Stopped half way: the refusal must come before anything is read or any output changed.
      await runJob(outDir, { store, stopAfter: 40 });
      before = await outputsOf(outDir);
      expect(before['results.ndjson']?.length).toBeGreaterThan(0);
    });

    it.each([
      ['hourly', 'windows (added hourly)'],
      ['minute', 'windows (changed minute)'],
      ['filter', 'filter'],
    ] as const)('refuses to restore after a change (%s) with SNAPSHOT_INCOMPATIBLE naming it', async (change, named) => {
      const latest = (await new CheckpointRepository(store).list()).at(-1)?.id;
      let refused: JobRunner | null = null;
      let log: RecordingLogger | null = null;
      const error = await runJob(outDir, { store, job: jobOf(change), onRunner: (r, l) => ((refused = r), (log = l)) }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(EngineError);
      // A refused restore fails the job like any error: its status says so, and it is logged.
      expect((refused as JobRunner | null)?.status()).toMatchObject({ state: 'failed', error: (error as Error).message });
      expect((log as RecordingLogger | null)?.entries.some((e) => e.level === 'error' && e.message === 'job failed')).toBe(true);
      expect(error).toMatchObject({ code: 'SNAPSHOT_INCOMPATIBLE' });
      expect((error as Error).message).toContain(`checkpoint ${latest} in memory was taken with a different job definition: ${named} changed.`);
      expect(await outputsOf(outDir)).toEqual(before);
      // The unchanged definition still restores from it.
      expect((await new CheckpointRepository(store).list()).at(-1)?.id).toBe(latest);
    });

    it('still restores with the unchanged definition and finishes as an uninterrupted run', async () => {
      const latest = (await new CheckpointRepository(store).list()).at(-1)?.id;
      const run = await runJob(outDir, { store });
      expect(run.status.checkpoint?.restoredFrom).toBe(latest);
      expect(run.status.records).toBe(EVENTS);
      await expectCompleteOutputs(outDir);
    });
  });

  describe('restoring', () => {
    it('a checkpoint of a finished run: reads nothing (not even lines added since), keeps the counters and the outputs, and finishes', async () => {
      const outDir = await newOutDir();
      const store = new MemoryStore();
      const growing = join(outDir, 'growing.ndjson');
      await copyFile(input, growing);
      const first = await runJob(outDir, { store, input: growing });
      const ids = (await new CheckpointRepository(store).list()).map((e) => e.id);
      const last = ids.at(-1) as number;
      expect(first.status.checkpoint?.last?.id).toBe(last);
      expect((await new CheckpointRepository(store).load(last)).manifest.finished).toBe(true);
      // The log says which stored checkpoint is the finished run's: only the last one.
      const stored = first.logger.starting('checkpoint stored');
      expect(stored.length).toBeGreaterThan(1);
      expect(stored.at(-1)?.fields.checkpoint).toBe(last);
      expect(stored.map((e) => e.fields.finished)).toEqual(stored.map((_, i) => i === stored.length - 1));
      // A finished run is not run again on new input: that needs its checkpoints deleted.
      const more = new ClickGenerator({ eventsPerSecond: 40, users: 50, pages: 10, seed: 12, startTimeMs: Date.UTC(2026, 2, 5, 9) });
      await appendFile(growing, Array.from({ length: 500 }, () => `${more.next()}\n`).join(''));
      const outputs = await outputsOf(outDir);
      // Those of an uninterrupted run (the dead letters and late records name the file they come from).
      expect(outputs['results.ndjson']).toBe(expected['results.ndjson']);
      expect(outputs['dead.ndjson']).toBe(expected['dead.ndjson']?.replaceAll(input, growing));

      const second = await runJob(outDir, { store, input: growing });
      expect(second.status.state).toBe('finished');
      expect(second.source.batchesRead).toBe(0);
      expect(second.status.checkpoint).toMatchObject({ restoredFrom: last, skipped: [], completed: 0, failed: 0 });
      expect({ records: second.status.records, blankLines: second.status.blankLines, badRecords: second.status.badRecords }).toEqual({
        records: first.status.records,
        blankLines: first.status.blankLines,
        badRecords: first.status.badRecords,
      });
      expect(second.status.engine).toEqual(first.status.engine);
      expect(second.logger.starting('restored a checkpoint of a finished run')).toHaveLength(1);
      // No new checkpoint, outputs as they were.
      expect((await new CheckpointRepository(store).list()).map((e) => e.id)).toEqual(ids);
      expect(second.sizesAtStart).toBeNull();
      expect(await outputsOf(outDir)).toEqual(outputs);
      expect((await readdir(outDir)).filter((f) => f.includes('pending'))).toEqual([]);
    });

    it('says which checkpoint it restored from, and resumes to the outputs of an uninterrupted run', async () => {
      const outDir = await newOutDir();
      const store = new MemoryStore();
      const first = await runJob(outDir, { store, stopAfter: 45 });
      expect(first.status.state).toBe('stopped');
      expect(first.status.records).toBeLessThan(EVENTS);
      const last = first.status.checkpoint?.last?.id as number;
      expect((await new CheckpointRepository(store).list()).at(-1)).toMatchObject({ id: last, hasManifest: true });
      const publishedAtLast = await committedSizes(store, last);
      expect(await sizesOf(outDir)).toEqual(publishedAtLast);

      const second = await runJob(outDir, { store });
      expect(second.status.checkpoint).toMatchObject({ restoredFrom: last, skipped: [] });
      expect(second.logger.starting('checkpoint damaged')).toEqual([]);
      // The outputs were what the checkpoint published; the checkpoints go on after it.
      expect(second.sizesAtStart).toEqual(publishedAtLast);
      expect(second.status.checkpoint?.last?.id).toBeGreaterThan(last);
      expect(second.source.batchesRead).toBeGreaterThan(0);
      expect(first.source.batchesRead + second.source.batchesRead).toBe(expectedBatches);
      expect(second.status.records).toBe(EVENTS);
      await expectCompleteOutputs(outDir);
    });

    it('with the newest checkpoint damaged: lists it as skipped, restores the one before, and cuts the outputs back to it', async () => {
      const outDir = await newOutDir();
      const store = new MemoryStore();
      // Paced, a checkpoint about every 30 batches: the last one (at the stop) published more than the one before.
      const first = await runJob(outDir, { store, stopAfter: 45, paced: true, intervalMs: 1_500 });
      const entries = await new CheckpointRepository(store).list();
      const last = entries.at(-1)?.id as number;
      const previous = entries.at(-2)?.id as number;
      expect(previous).toBeLessThan(last);
      const published = await sizesOf(outDir);
      const cutTo = await committedSizes(store, previous);
      expect(published).toEqual(await committedSizes(store, last));
      expect(published['results.ndjson']).toBeGreaterThan(cutTo['results.ndjson'] as number);
      expect(published['dead.ndjson']).toBeGreaterThan(cutTo['dead.ndjson'] as number);
      const state = (await store.get(checkpointKeys(last).state)) as Uint8Array;
      const middle = Math.floor(state.length / 2);
      state[middle] = (state[middle] as number) ^ 0x10;
      await store.put(checkpointKeys(last).state, [state]);

      const second = await runJob(outDir, { store });
      expect(second.status.checkpoint?.restoredFrom).toBe(previous);
      expect(second.status.checkpoint?.skipped).toEqual([{ id: last, reason: expect.stringContaining(`checkpoint ${last}: state does not match its sha256`) }]);
      expect(second.logger.starting('checkpoint damaged or incomplete: using an older one').map((e) => e.fields.checkpoint)).toEqual([last]);
      // Cut back to what the restored checkpoint published, before reading on; new checkpoints come after the damaged one.
      expect(second.sizesAtStart).toEqual(cutTo);
      expect(second.status.checkpoint?.last?.id).toBeGreaterThan(last);
      // It read again what the damaged checkpoint covered after the previous one.
      expect(first.source.batchesRead + second.source.batchesRead).toBeGreaterThan(expectedBatches);
      expect(second.status.records).toBe(EVENTS);
      await expectCompleteOutputs(outDir);
    });
  });
});

