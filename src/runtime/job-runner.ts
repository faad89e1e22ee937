// JobRunner: the job loop. Reads batches from a source, runs them through the engine, writes the sinks.

import { AggregatePlan } from '../core/aggregate/aggregate-plan.js';
import { ChunkPool } from '../core/codec/binary-writer.js';
import type { EngineOutput, WindowResult } from '../core/emit/outputs.js';
import { EngineError } from '../core/errors.js';
import type { ClickEvent } from '../core/event/click-event.js';
import { isBlankLine, parseEventLine } from '../core/event/parse-event-line.js';
import type { PipelineSpec } from '../core/operator/pipeline-spec.js';
import { reconfigure } from '../core/operator/reconfigure.js';
import { pipelineFingerprint, SNAPSHOT_FORMAT_VERSION, takeSnapshot } from '../core/operator/snapshot.js';
import { WindowAggregator, type EngineGauges, type EngineStats } from '../core/operator/window-aggregator.js';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { ResultsHistory } from '../ports/results-history.js';
import { isCommittable, type CommittableSink, type Sink, type SinkCommit } from '../ports/sink.js';
import type { Assignment, PartitionCommit, PartitionProgress, RawBatch, ResumePosition, Source } from '../ports/source.js';
import { jobFingerprint, type CheckpointCoordinator, type CheckpointStatus } from './checkpoint/checkpoint-coordinator.js';
import type { CheckpointManifest } from './checkpoint/manifest.js';
import { findDecided, isCurrent } from './checkpoint/group-commits.js';
import type { CheckpointReport, JobControl, WindowCodec } from './job-control.js';
import { applyExactFrom, JobHandle, specAfter, type StoredChange } from './job-handle.js';
import { LatencyBuckets } from './observe/latency-histogram.js';
import { RateMeter } from './observe/rate-meter.js';
import { ResultFeedBuffer } from './observe/result-feed.js';
import type { DeadLetter, LateOutputRecord } from './side-records.js';
import { SourcePositions, type EncodedPositions, type ResumableEngine } from './source-positions.js';

/** What the job loop needs of an engine (the bench's naive per-window baseline implements it too). */
export type StreamEngine = Pick<WindowAggregator, 'onEvent' | 'onEndOfInput' | 'flushUpdates' | 'onPartitionIdle' | 'stats' | 'gauges'> &
  ResumableEngine;

export interface RunnerOptions {
  readonly name: string;
  readonly maxRecordBytes: number;
  /** Update mode: how often (processing time) changed windows are emitted again. */
  readonly updateIntervalMs: number;
  /** How often progress is logged (processing time). */
  readonly progressIntervalMs?: number;
  /** Sources with a consumer group: how often positions are committed (processing time). Default 5 s. */
  readonly commitIntervalMs?: number;
  /** Results the feed keeps for streams that resume (JobControl.feed). Default 100,000. */
  readonly feedCapacity?: number;
}

/** A cancellable wait of processing time (tests pass a fake one). */
export type Timer = (ms: number) => { readonly promise: Promise<void>; cancel(): void };

const realTimer: Timer = (ms) => {
  let handle: NodeJS.Timeout | undefined;
  const promise = new Promise<void>((resolve) => {
    handle = setTimeout(resolve, ms);
  });
  return { promise, cancel: () => clearTimeout(handle) };
};

/**
 * The job loop parses up to this many lines of a batch, then hands their events to the engine:
 * JSON.parse and the engine then each keep their code and data in the CPU's caches for a run of
 * lines instead of evicting each other at every line (user-tumbling-1m: about 9% of its time).
 * Bounded, so that the events held at once stay small whatever the batch size.
 */
export const PARSE_AHEAD = 1024;

const TICK = Symbol('tick');
/** The job loop lets other work (API requests, timers, I/O callbacks) run at least this often. */
const YIELD_EVERY_MS = 10;

function yieldToEventLoop(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}
const WOKEN = Symbol('woken');

export interface JobIo {
  readonly source: Source;
  readonly results: Sink<WindowResult>;
  readonly deadLetters: Sink<DeadLetter>;
  readonly lateRecords: Sink<LateOutputRecord>;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Default: real timers. */
  readonly timer?: Timer;
  /** Checkpoints of the engine, the source position and the outputs; none when absent. */
  readonly checkpoints?: CheckpointCoordinator;
  /** Parses window definitions given while the job runs (JobControl.addWindow); buildJob passes the job file's. */
  readonly windowCodec?: WindowCodec;
  /** The results history the job writes, for queries through JobControl. */
  readonly history?: ResultsHistory;
}

/** A command for the job loop: runs between two batches, or fails when the job ends first. */
interface Command {
  run(): Promise<void>;
  fail(error: Error): void;
}

/** How many recent bad records the status shows. */
const RECENT_BAD = 20;

/** EPIPE: the reader of a pipe went away. */
function isReaderGone(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'EPIPE';
}

export type JobState = 'created' | 'running' | 'stopping' | 'finished' | 'stopped' | 'failed';

export interface JobStatus {
  readonly name: string;
  readonly state: JobState;
  readonly source: string;
  readonly startedAtMs: number | null;
  readonly records: number;
  readonly blankLines: number;
  readonly badRecords: number;
  readonly engine: Readonly<EngineStats>;
  readonly gauges: EngineGauges;
  readonly checkpoint: CheckpointStatus | null;
  readonly error: string | null;
}

/**
 * Runs one job to its end (bounded source) or until stop(). Bad records go to the dead-letter
 * sink and late records to the late sink, each with its raw text and position; nothing is dropped
 * without a record of it. Sinks are awaited after every batch, which is the backpressure.
 */
export class JobRunner {
  private currentEngine: StreamEngine;
  /** The definition now: the job file's, then as changed while running (JobControl). */
  private currentSpec: PipelineSpec;
  /** Changes of the definition since the job file's, oldest first (kept in checkpoints). */
  private definitionChanges: StoredChange[] = [];
  private readonly commands: Command[] = [];
  private wakeUp: (() => void) | null = null;
  private wakePending = false;
  private paused = false;
  private restoring = false;
  private started = false;
  private handle: JobHandle | null = null;
  /** Results as emitted, numbered (Server-Sent Events). */
  readonly feed: ResultFeedBuffer;
  /** From a batch's arrival to its results being written. */
  readonly latency = new LatencyBuckets();
  readonly recordRate = new RateMeter();
  readonly resultRate = new RateMeter();
  readonly recentBadRecords: { atMs: number; reason: string; message: string; raw: string }[] = [];
  readonly outputNames: readonly string[];
  /** Stats of engines replaced on a new assignment, so that the totals carry on. */
  private readonly earlierStats: EngineStats[] = [];
  private readonly positions: SourcePositions;
  private lastCommitAt = 0;
  private state: JobState = 'created';
  private startedAtMs: number | null = null;
  private records = 0;
  private blankLines = 0;
  private badRecords = 0;
  private error: string | null = null;
  /** Buffers of stored checkpoints, reused by the next ones (see ChunkPool). */
  private readonly chunkPool = new ChunkPool();
  /** A consumer group has assigned partitions to the job. */
  private hasAssignment = false;
  /** Where the source goes on after the last batch processed (sources that can resume). */
  private resumePosition: ResumePosition | null = null;
  /**
   * A consumer group's job with checkpoints and committed file outputs: positions are committed
   * with checkpoints (not every commitInterval), and a checkpoint's outputs are published only once
   * its positions are committed (see group-commits.ts).
   */
  private readonly commitsWithCheckpoints: boolean;
  /** commitsWithCheckpoints: the outputs' records of the newest checkpoint published (null: none yet, or a fresh start). */
  private publishedSinks: Readonly<Record<string, SinkCommit | null>> | null = null;
  /** commitsWithCheckpoints: the outputs were brought to what the store says is published (once, at the first assignment). */
  private outputsRecovered = false;

  private readonly createEngine: () => StreamEngine;
  /** The job file's definition (what checkpoints' changes start from). */
  private readonly baseSpec: PipelineSpec;

  constructor(
    spec: PipelineSpec,
    private readonly options: RunnerOptions,
    private readonly io: JobIo,
    createEngine?: () => StreamEngine,
  ) {
    this.currentSpec = spec;
    this.baseSpec = spec;
    this.createEngine = createEngine ?? (() => new WindowAggregator(this.currentSpec));
    this.currentEngine = this.createEngine();
    // Commits name the job file's definition: a restart reads them before any change is known.
    this.positions = new SourcePositions({ name: options.name, fingerprint: jobFingerprint(spec) }, io.logger);
    this.feed = new ResultFeedBuffer(options.feedCapacity ?? 100_000);
    this.outputNames = new AggregatePlan(spec.aggregations).outputNames;
    this.commitsWithCheckpoints = io.source.commit !== undefined && io.checkpoints !== undefined && this.committableSinks().length > 0;
  }

  get engine(): StreamEngine {
    return this.currentEngine;
  }

  get spec(): PipelineSpec {
    return this.currentSpec;
  }

  get changes(): readonly StoredChange[] {
    return this.definitionChanges;
  }

  get jobName(): string {
    return this.options.name;
  }

  /** Status, live windows and changes while the job runs (the REST API's view of it). */
  get control(): JobControl {
    return (this.handle ??= new JobHandle(this, this.io.windowCodec, this.io.history ?? null));
  }

  get isPaused(): boolean {
    return this.paused;
  }

  get isRestoring(): boolean {
    return this.restoring;
  }

  /** The job has restored (if it does) and is reading its input. */
  get hasStarted(): boolean {
    return this.started;
  }

  now(): number {
    return this.io.clock.now();
  }

  sourceProgress(): readonly PartitionProgress[] {
    return this.io.source.progress?.() ?? [];
  }

  /**
   * Runs `work` in the job loop between two batches (or while it waits for input, or is paused),
   * so that it sees and changes the engine at a consistent point. Rejects when the job has ended.
   */
  enqueue<T>(work: () => T | Promise<T>): Promise<T> {
    if (this.state !== 'created' && this.state !== 'running') {
      return Promise.reject(new EngineError('CONFLICT', `the job is ${this.state}: it takes no more commands`));
    }
    return new Promise<T>((resolve, reject) => {
      this.commands.push({
        run: async () => {
          try {
            resolve(await work());
          } catch (error) {
            reject(error as Error);
          }
        },
        fail: reject,
      });
      this.wake();
    });
  }

  private wake(): void {
    const wakeUp = this.wakeUp;
    this.wakeUp = null;
    // Nobody waits yet: the next wakeSignal() resolves at once.
    if (wakeUp === null) this.wakePending = true;
    wakeUp?.();
  }

  private async runCommands(): Promise<void> {
    for (let command = this.commands.shift(); command !== undefined; command = this.commands.shift()) await command.run();
  }

  /** Resolves at the next enqueue() or stop(). */
  private wakeSignal(): Promise<void> {
    if (this.wakePending) {
      this.wakePending = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => (this.wakeUp = resolve));
  }

  /** (A command.) While paused, no batch is processed and the partitions' idle clocks stand still. */
  setPaused(paused: boolean): void {
    if (paused === this.paused) return;
    this.paused = paused;
    if (!paused) {
      const now = this.io.clock.now();
      for (const p of this.lastSeenAt.keys()) this.lastSeenAt.set(p, now);
    }
    this.io.logger.info({ job: this.options.name }, paused ? 'job paused' : 'job resumed');
  }

  /** (A command.) Swaps in an engine for a changed definition. */
  replaceEngine(engine: WindowAggregator, spec: PipelineSpec, change: StoredChange): void {
    this.currentEngine = engine;
    this.currentSpec = spec;
    this.definitionChanges.push(change);
    this.io.logger.info(
      { job: this.options.name, version: change.version, op: change.op, window: change.window, request: change.request, exactFrom: change.exactFromMs, mixed: change.mixed },
      'job definition changed',
    );
  }

  /** (A command.) Takes a checkpoint now; `written` resolves once it is stored. */
  async checkpointNow(): Promise<{ written: Promise<CheckpointReport> }> {
    const checkpoints = this.io.checkpoints;
    if (checkpoints === undefined) throw new EngineError('CONFLICT', 'this job has no checkpoint store (add a checkpoint section to the job file)');
    if (!this.canCheckpoint()) throw new EngineError('CONFLICT', 'no partitions are assigned yet: there is no state to checkpoint');
    // Waiting for it here would hold the job up for as long as the store takes.
    if (checkpoints.isWriting) throw new EngineError('CONFLICT', 'a checkpoint is being written: ask again once it is stored (GET /status shows it)', { retriable: true });
    const { written: stored } = await this.checkpoint(checkpoints, false, false);
    const written = stored.then((ok) => {
      const status = checkpoints.status();
      if (!ok || status.last === null) throw new EngineError('STORE_FAILED', `the checkpoint could not be stored: ${status.lastError?.message ?? 'unknown error'}`, { retriable: true });
      return status.last;
    });
    // Not awaited by the job loop: a caller that goes away must not leave it unhandled.
    written.catch(() => undefined);
    return { written };
  }

  private sampleBadRecords(samples: readonly { reason: string; message: string; raw: string }[], atMs: number): void {
    for (const { reason, message, raw } of samples.slice(-RECENT_BAD)) {
      // A copy: a record's text can be a slice of a whole fetched batch (Kafka), which it would keep alive.
      this.recentBadRecords.push({ atMs, reason, message, raw: copyOf(raw.length > 1024 ? `${raw.slice(0, 1024)}…` : raw) });
    }
    if (this.recentBadRecords.length > RECENT_BAD) this.recentBadRecords.splice(0, this.recentBadRecords.length - RECENT_BAD);
  }

  /** Event counts over the whole run (a new assignment starts a new engine). */
  private totalStats(): EngineStats {
    const total: EngineStats = structuredClone(this.currentEngine.stats);
    for (const s of this.earlierStats) {
      total.events += s.events;
      total.filteredOut += s.filteredOut;
      total.lateRecords += s.lateRecords;
      total.results += s.results;
      total.replayedResults += s.replayedResults;
      for (const [name, n] of Object.entries(s.lateByWindow)) total.lateByWindow[name] = (total.lateByWindow[name] ?? 0) + n;
    }
    return total;
  }

  status(): JobStatus {
    return {
      name: this.options.name,
      state: this.state,
      source: this.io.source.description,
      startedAtMs: this.startedAtMs,
      records: this.records,
      blankLines: this.blankLines,
      badRecords: this.badRecords,
      engine: this.totalStats(),
      gauges: this.engine.gauges(),
      checkpoint: this.io.checkpoints?.status() ?? null,
      error: this.error,
    };
  }

  /** Ends the run soon: the current batch finishes, open windows stay open (they are not final). */
  stop(): void {
    if (this.state === 'running') this.state = 'stopping';
    this.io.source.stop();
    this.wake();
  }

  async run(): Promise<JobStatus> {
    const { io } = this;
    const { logger, clock } = io;
    this.state = 'running';
    this.startedAtMs = clock.now();
    const progressEvery = this.options.progressIntervalMs ?? 10_000;
    let lastProgress = this.startedAtMs;
    let lastFlush = this.startedAtMs;
    let lastProgressRecords = 0;
    let lastYield = performance.now();
    const events: (ClickEvent | undefined)[] = [];
    const lineOf = new Int32Array(PARSE_AHEAD);
    const isUpdateMode = this.spec.emit === 'update';
    logger.info({ job: this.options.name, source: io.source.description }, 'job started');
    const commits = io.source.commit !== undefined;
    // With committed file outputs, positions are committed with checkpoints instead.
    const commitsAsGoing = commits && !this.commitsWithCheckpoints;
    // A consumer group's checkpoints are restored per assignment (onAssignment).
    let finishedBefore = false;
    let iterator: AsyncIterator<RawBatch | Assignment> = emptyBatches();
    // Between batches the job still has work on a timer: update-mode flushes (every interval of
    // processing time, not only when input arrives) and idle partitions.
    const commitEvery = this.options.commitIntervalMs ?? 5_000;
    const tickEveryMs = (): number | null => {
      let every = Number.POSITIVE_INFINITY;
      if (isUpdateMode) every = this.options.updateIntervalMs;
      if (this.lastSeenAt.size >= 2) every = Math.min(every, this.spec.time.idleTimeoutMs);
      if (commitsAsGoing) every = Math.min(every, commitEvery);
      if (io.checkpoints !== undefined) every = Math.min(every, io.checkpoints.options.intervalMs);
      return Number.isFinite(every) ? every : null;
    };
    const onTick = async (): Promise<void> => {
      // Paused: time stands still for the engine (no idle partitions, no update flushes).
      if (this.paused) return;
      const out: EngineOutput[] = [];
      const now = clock.now();
      if (isUpdateMode && now - lastFlush >= this.options.updateIntervalMs) {
        this.engine.flushUpdates(out);
        lastFlush = now;
      }
      this.releaseIdlePartitions(now, out);
      await this.writeOutputs(out, [], []);
      if (commitsAsGoing && now - this.lastCommitAt >= commitEvery) await this.commit();
      if (io.checkpoints?.isDue(now) === true && this.canCheckpoint()) await this.checkpoint(io.checkpoints, false);
    };
    try {
      // Inside the try: a restore that fails (a changed job, a shortened file, an unreadable store)
      // fails the job like any other error, with its outputs and source closed.
      this.restoring = io.checkpoints !== undefined && !commits;
      finishedBefore = io.checkpoints === undefined || commits ? false : await this.restore(io.checkpoints);
      this.restoring = false;
      this.started = true;
      if (!finishedBefore) iterator = io.source.batches()[Symbol.asyncIterator]();
      for (;;) {
        if (this.commands.length > 0) await this.runCommands();
        const next = await this.nextBatch(iterator, tickEveryMs, onTick);
        if (next.done === true) break;
        // Paused: the batch waits (unprocessed, so a checkpoint meanwhile resumes before it).
        while (this.paused && this.state === 'running') {
          const signal = this.wakeSignal();
          if (this.commands.length === 0) await signal;
          await this.runCommands();
        }
        if ((this.state as JobState) === 'stopping') break;
        if (isAssignment(next.value)) {
          await this.onAssignment(next.value);
          continue;
        }
        const batch = next.value;
        const arrivedAt = performance.now();
        const engine = this.engine;
        const out: EngineOutput[] = [];
        const bad: DeadLetter[] = [];
        const late: LateOutputRecord[] = [];
        const { records, partition } = batch;
        this.records += records.length;
        let badSamples: { reason: string; message: string; raw: string }[] | null = null;
        const skipsBlank = batch.emptyIsBad !== true;
        let maxEventTimeMs = Number.NEGATIVE_INFINITY;
        // A run of lines parsed, then their events fed to the engine (see PARSE_AHEAD). Dead letters
        // and late records each keep line order, as the engine sees the events in it.
        for (let from = 0; from < records.length; from += PARSE_AHEAD) {
          const to = Math.min(records.length, from + PARSE_AHEAD);
          let n = 0;
          for (let i = from; i < to; i++) {
            const line = records[i] as string;
            // '{' first is the common case and cannot be blank.
            if (line.charCodeAt(0) !== 123 && skipsBlank && isBlankLine(line)) {
              this.blankLines++;
              continue;
            }
            const parsed = parseEventLine(line, this.options.maxRecordBytes);
            if (parsed.kind === 'bad') {
              this.badRecords++;
              (badSamples ??= []).push({ reason: parsed.reason, message: parsed.message, raw: line });
              // Read again after a restart: its dead letter was written the first time.
              if (!this.positions.isReplay(batch, i)) bad.push({ reason: parsed.reason, message: parsed.message, raw: line, position: batch.positionOf(i) });
              continue;
            }
            if (parsed.eventTimeMs > maxEventTimeMs) maxEventTimeMs = parsed.eventTimeMs;
            events[n] = parsed;
            lineOf[n] = i;
            n++;
          }
          for (let k = 0; k < n; k++) {
            const event = events[k] as ClickEvent;
            events[k] = undefined;
            const before = out.length;
            engine.onEvent(event, partition, out);
            const i = lineOf[k] as number;
            for (let j = before; j < out.length; j++) {
              const o = out[j] as EngineOutput;
              if (o.kind === 'late' && !this.positions.isReplay(batch, i)) {
                late.push({ windows: o.windows, eventTimeMs: o.event.eventTimeMs, watermarkMs: o.watermarkMs, raw: records[i] as string, position: batch.positionOf(i) });
              }
            }
          }
        }
        this.positions.record(batch, maxEventTimeMs);
        if (batch.resumeAfter !== undefined) this.resumePosition = batch.resumeAfter;
        const now = clock.now();
        this.recordRate.add(records.length, now);
        if (badSamples !== null) this.sampleBadRecords(badSamples, now);
        this.lastSeenAt.set(partition, now);
        this.releaseIdlePartitions(now, out);
        if (isUpdateMode && now - lastFlush >= this.options.updateIntervalMs) {
          engine.flushUpdates(out);
          lastFlush = now;
        }
        await this.writeOutputs(out, bad, late, arrivedAt, now);
        if (commitsAsGoing && now - this.lastCommitAt >= commitEvery) await this.commit();
        if (io.checkpoints !== undefined) {
          if (io.checkpoints.isDue(now) && this.canCheckpoint()) await this.checkpoint(io.checkpoints, false);
          // Input read ahead resolves without a turn of the event loop, so a busy job would starve
          // the checkpoint being stored: let its I/O callbacks run once per batch.
          else if (io.checkpoints.isWriting) await yieldToEventLoop();
        }
        // Likewise the REST API and timers: a turn of the event loop at least every few ms of work.
        if (performance.now() - lastYield >= YIELD_EVERY_MS) {
          await yieldToEventLoop();
          lastYield = performance.now();
        }
        if (now - lastProgress >= progressEvery) {
          const rate = ((this.records - lastProgressRecords) * 1000) / Math.max(1, now - lastProgress);
          logger.info({ job: this.options.name, recordsPerSecond: Math.round(rate), ...this.summary() }, 'progress');
          lastProgress = now;
          lastProgressRecords = this.records;
        }
      }
      const out: EngineOutput[] = [];
      // stop() may have changed the state while the loop awaited.
      const wasStopped = (this.state as JobState) === 'stopping';
      if (!wasStopped && io.source.isBounded) {
        // Every window closes now and emits its final revision: a flush first would only repeat it.
        this.engine.onEndOfInput(out);
      } else if (isUpdateMode) {
        this.engine.flushUpdates(out);
      }
      await this.writeOutputs(out, [], []);
      if (commitsAsGoing) await this.commit();
      // A last checkpoint: a stopped job goes on from here, a finished one is not run again.
      // (A consumer group's input that ended is not checkpointed: its state is then all emitted, and
      // what the topic gets later must not meet an engine that has ended. Except with committed file
      // outputs: the last results are published by a checkpoint, which a later assignment never
      // restores, see restoreAssignment.)
      if (io.checkpoints !== undefined && !finishedBefore && (!commits || wasStopped || this.commitsWithCheckpoints) && this.canCheckpoint()) {
        await this.checkpoint(io.checkpoints, !wasStopped && io.source.isBounded);
      }
      this.state = wasStopped ? 'stopped' : 'finished';
    } catch (error) {
      if (isReaderGone(error)) {
        // The reader of a pipe went away (`tally run … | head`): stop as on SIGTERM, not a failure.
        logger.warn({ job: this.options.name }, 'output closed by its reader (EPIPE): stopping');
        io.source.stop();
        this.state = 'stopped';
        return this.status();
      }
      this.state = 'failed';
      this.error = error instanceof Error ? error.message : String(error);
      logger.error({ job: this.options.name, err: error }, 'job failed');
      throw error;
    } finally {
      this.restoring = false;
      // Commands still queued cannot run any more (enqueue refuses new ones once the state has moved on).
      for (const command of this.commands.splice(0)) command.fail(new EngineError('CONFLICT', `the job ended (${this.state}) before the command could run`));
      const closed = await Promise.allSettled([io.results.close(), io.deadLetters.close(), io.lateRecords.close(), io.source.close?.()]);
      const failure = closed.find((c): c is PromiseRejectedResult => c.status === 'rejected' && !isReaderGone(c.reason));
      // Output that could not be flushed is output lost: the job has failed, whatever came before.
      if (failure !== undefined && this.state !== 'failed') {
        this.state = 'failed';
        this.error = failure.reason instanceof Error ? failure.reason.message : String(failure.reason);
        logger.error({ job: this.options.name, err: failure.reason }, 'job failed: an output could not be flushed');
        // eslint-disable-next-line no-unsafe-finally -- the close failure must replace a normal return
        throw failure.reason;
      }
    }
    logger.info({ job: this.options.name, state: this.state, ...this.summary() }, 'job ended');
    return this.status();
  }

  /** The next batch; while waiting for it, `onTick` runs every `tickEveryMs()` (when not null). */
  private async nextBatch(
    iterator: AsyncIterator<RawBatch | Assignment>,
    tickEveryMs: () => number | null,
    onTick: () => Promise<void>,
  ): Promise<IteratorResult<RawBatch | Assignment>> {
    const next = iterator.next();
    for (;;) {
      // Commands (JobControl) run while the input is quiet too.
      if (this.commands.length > 0) await this.runCommands();
      const every = tickEveryMs();
      const timer = this.io.timer ?? realTimer;
      const tick = every === null ? null : timer(every);
      const woken = this.wakeSignal().then(() => WOKEN);
      const winner = await Promise.race(tick === null ? [next, woken] : [next, woken, tick.promise.then(() => TICK)]);
      tick?.cancel();
      if (winner === WOKEN) continue;
      if (winner !== TICK) return winner as IteratorResult<RawBatch | Assignment>;
      await onTick();
    }
  }

  /**
   * A consumer group assigned partitions: reading starts again from their committed positions, so
   * the state starts again too (what was delivered is not emitted twice; see SourcePositions).
   */
  private async onAssignment(assignment: Assignment): Promise<void> {
    const { logger, clock, checkpoints } = this.io;
    if (checkpoints !== undefined && this.commitsWithCheckpoints) await this.recoverGroupOutputs(checkpoints, assignment);
    const restored = checkpoints !== undefined && (await this.restoreAssignment(checkpoints, assignment));
    this.hasAssignment = true;
    if (!restored) {
      this.earlierStats.push(this.currentEngine.stats);
      this.currentEngine = this.createEngine();
      this.positions.onAssignment(assignment, this.currentEngine);
    }
    this.lastSeenAt.clear();
    const now = clock.now();
    for (const p of assignment.partitions) this.lastSeenAt.set(p.partition, now);
    logger.info(
      { job: this.options.name, partitions: assignment.partitions.map((p) => ({ partition: p.partition, offset: p.offset, resumes: p.resume !== null })) },
      restored ? 'partitions assigned: state restored from a checkpoint of this assignment' : 'partitions assigned: reading from the committed positions',
    );
  }

  /**
   * A consumer group's job with committed outputs, at an assignment: the outputs hold exactly what
   * the newest published checkpoint published. At the first one, the store and the group's commits
   * say which that is (a crash may have come between a checkpoint's commit and its publishing, which
   * recover() then finishes); later, output written since (of state now dropped) is dropped.
   */
  private async recoverGroupOutputs(checkpoints: CheckpointCoordinator, assignment: Assignment): Promise<void> {
    const { logger } = this.io;
    await checkpoints.settle();
    if (!this.outputsRecovered) {
      const { manifest, newestId } = await findDecided(checkpoints.repository, assignment);
      checkpoints.continueAfter(newestId);
      this.publishedSinks = manifest?.sinks ?? null;
      if (manifest !== null) checkpoints.keepFrom = manifest.id;
      if (manifest === null && newestId > 0) {
        logger.warn({ job: this.options.name, store: checkpoints.repository.store.description }, 'no stored checkpoint has its positions committed in the group: the file outputs start empty');
      } else if (manifest !== null) {
        logger.info({ job: this.options.name, checkpoint: manifest.id }, 'file outputs brought to what this checkpoint published');
      }
      this.outputsRecovered = true;
    }
    for (const [name, sink] of this.committableSinks()) await sink.recover(this.publishedSinks?.[name] ?? null, checkpoints.upcomingId);
  }

  /** A consumer group's state belongs to its assignment: none is checkpointed before the first one. */
  private canCheckpoint(): boolean {
    return this.io.source.commit === undefined || this.hasAssignment;
  }

  /**
   * A consumer group's assignment with checkpoints: they are kept per set of partitions, and the
   * newest good one of exactly this set restores the engine and the positions, and the partitions
   * are read on from its offsets (not from the committed ones, which may be earlier). Returns false
   * when there is none, or it does not cover a partition that has a committed position: then the
   * state is rebuilt from the committed positions as without checkpoints.
   */
  private async restoreAssignment(checkpoints: CheckpointCoordinator, assignment: Assignment): Promise<boolean> {
    await checkpoints.settle();
    const partitions = assignment.partitions.map((p) => p.partition).sort((a, b) => a - b);
    checkpoints.useScope(`partitions-${partitions.join('-')}`);
    // The definition now may have changed since that checkpoint: restore its own, then change it to today's.
    // With committed outputs only a checkpoint whose positions are the group's: its outputs are the
    // ones published, and no other owner went on since. One of a finished run is never restored (its
    // engine has ended); the group's commits then say where to go on.
    const wanted = this.commitsWithCheckpoints ? (m: CheckpointManifest) => !m.finished && isCurrent(m, assignment) : undefined;
    const restored = await checkpoints.restore((manifest) => this.definitionOf(manifest), wanted);
    const encoded = restored?.manifest.positions as EncodedPositions | null | undefined;
    if (restored === null || encoded === null || encoded === undefined) return false;
    const covered = new Set(encoded.progress.map((p) => p.partition));
    const missing = assignment.partitions.filter((p) => !covered.has(p.partition) && p.offset !== null);
    if (missing.length > 0) {
      this.io.logger.warn(
        { job: this.options.name, checkpoint: restored.manifest.id, partitions: missing.map((p) => p.partition) },
        'the checkpoint of this assignment has no position for partitions that have committed ones: rebuilding the state from the committed positions instead',
      );
      return false;
    }
    const manifestChanges = changesOf(restored.manifest);
    applyExactFrom(restored.engine, manifestChanges);
    if (this.definitionChanges.length <= manifestChanges.length) {
      // A new process (or one that made fewer changes): the checkpoint's definition is the job's.
      this.definitionChanges = [...manifestChanges];
      this.currentSpec = specAfter(this.baseSpec, this.definitionChanges);
      this.currentEngine = restored.engine;
    } else {
      // Changed in this process since that checkpoint was taken: today's definition, from the state it held.
      this.currentEngine = reconfigure(restored.engine, this.spec).engine;
    }
    this.positions.restore(encoded);
    for (const p of partitions) restored.engine.onPartitionAssigned(p);
    const offsets = [...this.positions.nextOffsets()].map(([partition, offset]) => ({ partition: Number(partition), offset }));
    this.io.source.seekTo?.(offsets);
    this.io.logger.info({ job: this.options.name, checkpoint: restored.manifest.id, offsets }, 'restored from checkpoint: reading the partitions on from its offsets');
    return true;
  }

  /**
   * Commits the source positions once every result so far is delivered. A failed commit is not
   * fatal: a later one covers it, and until then a restart reads a little more again.
   */
  private async commit(): Promise<void> {
    const { io } = this;
    this.lastCommitAt = io.clock.now();
    await Promise.all([io.results.flush?.(), io.deadLetters.flush?.(), io.lateRecords.flush?.()]);
    const commits = this.positions.commits(this.engine);
    if (commits.length === 0) return;
    try {
      await io.source.commit?.(commits);
    } catch (error) {
      io.logger.warn({ job: this.options.name, err: error }, 'commit failed: will retry at the next interval');
    }
  }

  /**
   * Starts from the newest good checkpoint: its engine, its source position and its outputs (rolled
   * forward or cut back to what it published). Returns true when that checkpoint had finished the input.
   */
  private async restore(checkpoints: CheckpointCoordinator): Promise<boolean> {
    const { io } = this;
    const restored = await checkpoints.restore((manifest) => this.definitionOf(manifest));
    const sinks = this.committableSinks();
    if (restored === null) {
      for (const [, sink] of sinks) await sink.recover(null, 1);
      io.logger.info({ job: this.options.name, store: checkpoints.repository.store.description }, 'no checkpoint to restore: starting from the beginning');
      return false;
    }
    const { manifest, engine } = restored;
    this.definitionChanges = [...changesOf(manifest)];
    this.currentSpec = specAfter(this.baseSpec, this.definitionChanges);
    applyExactFrom(engine, this.definitionChanges);
    this.currentEngine = engine;
    this.records = manifest.counters.records;
    this.blankLines = manifest.counters.blankLines;
    this.badRecords = manifest.counters.badRecords;
    for (const [name, sink] of sinks) await sink.recover(manifest.sinks[name] ?? null, manifest.id + 1);
    if (manifest.source.position !== null) {
      if (io.source.resumeFrom === undefined) {
        throw new EngineError('CHECKPOINT_MISMATCH', `checkpoint ${manifest.id} holds a position of ${manifest.source.description}, and ${io.source.description} cannot resume`);
      }
      await io.source.resumeFrom(manifest.source.position);
      this.resumePosition = manifest.source.position;
    }
    io.logger.info(
      { job: this.options.name, checkpoint: manifest.id, position: manifest.source.position, createdAt: new Date(manifest.createdAtMs).toISOString(), finished: manifest.finished },
      manifest.finished ? 'restored a checkpoint of a finished run: nothing left to read' : 'restored from checkpoint: resuming the source from its position',
    );
    return manifest.finished;
  }

  /**
   * The definition a checkpoint was taken with: the job file's, changed as its manifest says. A job
   * file edited since is refused when the checkpoint holds changes (unless it now says what they
   * made): the changes were made to the file as it was.
   */
  private definitionOf(manifest: CheckpointManifest): PipelineSpec {
    const changes = changesOf(manifest);
    if (changes.length === 0) return this.baseSpec;
    const base = jobFingerprint(this.baseSpec);
    if (manifest.job.baseFingerprint === undefined || base === manifest.job.baseFingerprint || base === manifest.job.fingerprint) return specAfter(this.baseSpec, changes);
    throw new EngineError(
      'SNAPSHOT_INCOMPATIBLE',
      `checkpoint ${manifest.id} holds ${changes.length} change(s) made while the job ran (version ${changes.length}), and the job file's windows or filter changed since: ` +
        'make the job file say what the changes made (GET /windows shows it), or delete the checkpoints to start afresh (`tally checkpoints delete --all <job file>`)',
    );
  }

  private committableSinks(): [string, CommittableSink<never>][] {
    const { results, deadLetters, lateRecords } = this.io;
    const all: [string, Sink<never>][] = [['results', results], ['deadLetters', deadLetters], ['lateRecords', lateRecords]];
    return all.filter((e): e is [string, CommittableSink<never>] => isCommittable(e[1]));
  }

  /**
   * Takes a checkpoint: the engine is encoded and the outputs are prepared while processing waits
   * (the pause); storing it and publishing the outputs go on in the background. The final one of a
   * run is awaited.
   */
  private async checkpoint(checkpoints: CheckpointCoordinator, finished: boolean, isFinal = finished || this.state !== 'running'): Promise<{ written: Promise<boolean> }> {
    const { io } = this;
    if (isFinal) await checkpoints.settle();
    const engine = this.engine;
    if (!(engine instanceof WindowAggregator)) throw new EngineError('INVARIANT_BROKEN', 'checkpoints need the WindowAggregator engine');
    const started = performance.now();
    const id = checkpoints.takeId();
    const chunks = takeSnapshot(engine, undefined, this.chunkPool);
    const sinks: Record<string, SinkCommit | null> = {};
    const committable = new Map(this.committableSinks());
    for (const [name, sink] of [['results', io.results], ['deadLetters', io.deadLetters], ['lateRecords', io.lateRecords]] as const) {
      const c = committable.get(name);
      if (c !== undefined) sinks[name] = await c.prepareCommit(id);
      else {
        // Output that cannot be held back (stdout, Kafka) is delivered before the checkpoint covers it.
        await sink.flush?.();
        sinks[name] = null;
      }
    }
    // Taken with the state: what the group is told once the checkpoint is stored.
    const groupCommits = this.commitsWithCheckpoints ? this.positions.commits(engine) : null;
    const pauseMs = performance.now() - started;
    const gauges = engine.gauges();
    const stats = engine.stats;
    const written = checkpoints.launch(
      id,
      chunks,
      {
        createdAtMs: io.clock.now(),
        job: {
          name: this.options.name,
          fingerprint: jobFingerprint(this.spec),
          definition: JSON.parse(pipelineFingerprint(this.spec)) as unknown,
          ...(this.definitionChanges.length === 0 ? {} : { baseFingerprint: jobFingerprint(this.baseSpec) }),
        },
        snapshotFormat: SNAPSHOT_FORMAT_VERSION,
        source: { description: io.source.description, position: this.resumePosition },
        positions: io.source.commit === undefined ? null : this.positions.encode(),
        ...(groupCommits === null ? {} : { commits: groupCommits }),
        sinks,
        counters: { records: this.records, blankLines: this.blankLines, badRecords: this.badRecords },
        summary: { ...gauges, events: stats.events, results: stats.results, lateRecords: stats.lateRecords, badRecords: this.badRecords },
        finished,
        pauseMs,
        // A copy: the manifest is written after the state, and a change may come meanwhile.
        changes: [...this.definitionChanges],
      },
      async (stored) => {
        if (groupCommits !== null && !(await this.commitGroupPositions(checkpoints, id, groupCommits, sinks, stored, isFinal))) return;
        for (const [name, c] of committable) {
          const commit = sinks[name];
          if (commit !== null && commit !== undefined) await c.commit(commit);
        }
      },
      isFinal,
    );
    // Stored (or given up): the chunks' buffers serve the next checkpoint.
    void written.finally(() => this.chunkPool.give(chunks)).catch(() => undefined);
    if (isFinal) await written;
    return { written };
  }

  /**
   * Commits a stored checkpoint's positions to the group: the decision to publish its outputs.
   * False when they are not committed: the outputs wait for the next checkpoint (they are in its
   * record too), or are dropped at the reassignment that made the commit stale.
   */
  private async commitGroupPositions(
    checkpoints: CheckpointCoordinator,
    id: number,
    commits: readonly PartitionCommit[],
    sinks: Record<string, SinkCommit | null>,
    stored: boolean,
    isFinal: boolean,
  ): Promise<boolean> {
    const { logger, source } = this.io;
    // The run's last checkpoint: nothing comes after it to publish its outputs, until the job runs again.
    const unpublished = (): void => {
      if (isFinal) logger.error({ job: this.options.name, checkpoint: id }, 'the last results are not published (the last checkpoint was not stored, or its positions not committed): run the job again to compute and publish them');
    };
    if (!stored) {
      unpublished();
      return false;
    }
    let committed: boolean;
    try {
      committed = (await source.commit?.(commits)) !== false;
    } catch (error) {
      logger.warn({ job: this.options.name, checkpoint: id, err: error }, 'checkpoint stored, but its positions could not be committed: its outputs are published with the next checkpoint');
      unpublished();
      return false;
    }
    if (!committed) {
      logger.info({ job: this.options.name, checkpoint: id }, 'checkpoint stored, but its partitions were reassigned before its positions were committed: its outputs are dropped, their new owners compute them again');
      return false;
    }
    this.publishedSinks = sinks;
    checkpoints.keepFrom = id;
    return true;
  }

  /** Processing time of the last batch per partition, for the idle timeout. */
  private readonly lastSeenAt = new Map<string | number, number>();

  /**
   * A partition with no batch for the idle timeout stops holding the watermark back (checked after
   * each batch; with a single partition this changes nothing, as the watermark then stays put).
   */
  private releaseIdlePartitions(now: number, out: EngineOutput[]): void {
    if (this.lastSeenAt.size < 2) return;
    for (const [partition, seenAt] of this.lastSeenAt) {
      if (now - seenAt < this.spec.time.idleTimeoutMs) continue;
      this.io.logger.info({ job: this.options.name, partition, idleForMs: now - seenAt }, 'partition idle: no longer holding the watermark back');
      this.engine.onPartitionIdle(partition, out);
      this.lastSeenAt.delete(partition);
    }
  }

  private summary(): Record<string, unknown> {
    const s = this.totalStats();
    const g = this.engine.gauges();
    return {
      records: this.records,
      events: s.events,
      filteredOut: s.filteredOut,
      badRecords: this.badRecords,
      lateRecords: s.lateRecords,
      results: s.results,
      watermark: g.watermarkMs === null ? null : new Date(g.watermarkMs).toISOString(),
      openWindows: g.openWindows,
      openSessions: g.openSessions,
      keys: g.keys,
    };
  }

  /** `arrivedAt` (performance.now()): when the batch that caused these outputs arrived, for the latency histogram. */
  private async writeOutputs(
    out: readonly EngineOutput[],
    bad: readonly DeadLetter[],
    late: readonly LateOutputRecord[],
    arrivedAt: number | null = null,
    nowMs: number | null = null,
  ): Promise<void> {
    const results = resultsOf(out);
    await Promise.all([
      results.length > 0 ? this.io.results.write(results) : undefined,
      bad.length > 0 ? this.io.deadLetters.write(bad) : undefined,
      late.length > 0 ? this.io.lateRecords.write(late) : undefined,
    ]);
    if (results.length === 0) return;
    const now = nowMs ?? this.io.clock.now();
    this.resultRate.add(results.length, now);
    this.feed.push(results, now);
    if (arrivedAt !== null) this.latency.observe(performance.now() - arrivedAt, results.length);
  }
}

/** The window results among the outputs: the array itself when it holds nothing else (the common case, no copy). */
export function resultsOf(out: readonly EngineOutput[]): readonly WindowResult[] {
  let i = 0;
  while (i < out.length && (out[i] as EngineOutput).kind === 'result') i++;
  if (i === out.length) return out as readonly WindowResult[];
  const results = out.slice(0, i) as WindowResult[];
  for (; i < out.length; i++) {
    const o = out[i] as EngineOutput;
    if (o.kind === 'result') results.push(o);
  }
  return results;
}

/** A string that shares no memory with `text` (slices and concatenations of V8 strings can). */
function copyOf(text: string): string {
  return Buffer.from(text, 'utf16le').toString('utf16le');
}

/** The input of a run restored from a checkpoint of a finished run: nothing. */
async function* emptyBatches(): AsyncGenerator<RawBatch> {}

/** The definition changes a checkpoint kept (none in checkpoints of runs that made none). */
function changesOf(manifest: CheckpointManifest): readonly StoredChange[] {
  return (manifest.changes ?? []) as readonly StoredChange[];
}

function isAssignment(item: RawBatch | Assignment): item is Assignment {
  return (item as Partial<Assignment>).kind === 'assignment';
}
