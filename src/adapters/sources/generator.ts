// GeneratorSource: the seeded click generator as a Source, either as fast as consumed or paced to wall time.

import { setTimeout as delay } from 'node:timers/promises';
import { EngineError } from '../../core/errors.js';
import type { Clock } from '../../ports/clock.js';
import type { PartitionProgress, RawBatch, ResumePosition, Source } from '../../ports/source.js';
import { ClickGenerator } from './click-generator.js';

/** Event time of the first event when none is given and the source is not realtime: 2026-11-23T00:00:00Z. */
export const DEFAULT_GENERATOR_START_MS = Date.UTC(2026, 10, 23);

export interface GeneratorSourceOptions {
  /** Average events per second of event time (and of wall time when realtime). */
  readonly eventsPerSecond: number;
  /** Distinct user ids. */
  readonly users: number;
  /** Distinct pages. */
  readonly pages: number;
  /** Seed: the same seed gives the same lines. */
  readonly seed: number;
  /** Stop after this many lines; null never stops (isBounded is false). */
  readonly maxEvents: number | null;
  /** Event time of the first line, epoch ms; null takes clock.now() when realtime, else DEFAULT_GENERATOR_START_MS. */
  readonly startTimeMs: number | null;
  /** Pace lines to wall time (true) or produce them as fast as the consumer takes them (false). */
  readonly realtime: boolean;
  /**
   * Realtime only, without startTimeMs: the first line's event time is this long (ms) before the
   * clock's time at start, and event time is paced to equal wall-clock time, so the lines of that
   * span are due at once (produced as fast as consumed) and the rest come in real time. Null or absent: none.
   */
  readonly backfillMs?: number | null;
  /** Most lines per batch. Default 4096. */
  readonly batchSize?: number;
  /** Wall-time pause between realtime batches once caught up, ms. Default 50. */
  readonly pollIntervalMs?: number;
}

export interface GeneratorSourceDependencies {
  readonly clock: Clock;
  /** Waits ms of wall time; tests pass one that advances a manual clock. Default: a real timer. */
  readonly sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number): Promise<void> => delay(ms);

export class GeneratorSource implements Source {
  readonly description: string;
  readonly isBounded: boolean;
  private readonly clock: Clock;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private isStopped = false;
  /** Set by resumeFrom: the first sequence number to yield and the event time the run started at. */
  private resume: { sequence: number; startTimeMs: number; wallStartMs: number } | null = null;
  /** The sequence number of the first line not processed yet. */
  private position = 0;
  /** The run batches() started: its generator (ahead of position by the lines handed over) and pacing origin. */
  private running: { generator: ClickGenerator; startTimeMs: number; wallStartMs: number } | null = null;

  constructor(
    private readonly options: GeneratorSourceOptions,
    dependencies: GeneratorSourceDependencies,
  ) {
    this.clock = dependencies.clock;
    this.sleep = dependencies.sleep ?? realSleep;
    this.batchSize = options.batchSize ?? 4096;
    this.pollIntervalMs = options.pollIntervalMs ?? 50;
    if (!Number.isSafeInteger(this.batchSize) || this.batchSize < 1) {
      throw new EngineError('CONFIG_INVALID', `generator batchSize must be an integer ≥ 1, got ${this.batchSize}`, { path: 'batchSize' });
    }
    if (options.maxEvents !== null && !(Number.isSafeInteger(options.maxEvents) && options.maxEvents >= 0)) {
      throw new EngineError('CONFIG_INVALID', `generator maxEvents must be null or an integer ≥ 0, got ${options.maxEvents}`, {
        path: 'maxEvents',
      });
    }
    const backfillMs = options.backfillMs ?? null;
    if (backfillMs !== null && (!options.realtime || options.startTimeMs !== null || !(Number.isSafeInteger(backfillMs) && backfillMs > 0))) {
      throw new EngineError('CONFIG_INVALID', `generator backfill needs realtime, no startTime and a whole number of ms > 0, got ${backfillMs}`, { path: 'backfill' });
    }
    this.isBounded = options.maxEvents !== null;
    const limit = options.maxEvents === null ? '' : `, ${options.maxEvents} events`;
    const backfill = backfillMs === null ? '' : `, backfill ${backfillMs} ms`;
    this.description = `generator ${options.eventsPerSecond}/s seed ${options.seed}${options.realtime ? ', realtime' : ''}${backfill}${limit}`;
  }

  /**
   * Goes on after a checkpointed batch: the same seed and start time give the same lines, so the
   * lines before `sequence` are generated again and skipped. Realtime pacing keeps the first run's
   * wall-time origin, so the lines of the time the job was down come at once (as a backlog would).
   */
  async resumeFrom(position: ResumePosition): Promise<void> {
    const { sequence, startTimeMs, wallStartMs, seed } = position;
    if (typeof sequence !== 'number' || typeof startTimeMs !== 'number' || typeof wallStartMs !== 'number' || seed !== this.options.seed) {
      throw new EngineError('CHECKPOINT_MISMATCH', `the checkpoint's position ${JSON.stringify(position)} is not one of ${this.description}`);
    }
    this.resume = { sequence, startTimeMs, wallStartMs };
    this.position = sequence;
  }

  /**
   * Partition 0, in records: position = the sequence number of the first line not processed yet.
   * Lag, as fast as consumed: the lines left up to maxEvents (null when endless). Lag, realtime: the
   * lines whose event time has come by the clock (up to maxEvents) but that are not processed yet,
   * counted from the generator's schedule: about 0 while the job keeps up, growing when it falls
   * behind, and the downtime's lines after a resume. Null for realtime before batches() is called.
   */
  progress(): readonly PartitionProgress[] {
    const { maxEvents, realtime } = this.options;
    const limit = maxEvents ?? Number.POSITIVE_INFINITY;
    let lag: number | null = null;
    if (!realtime) {
      if (maxEvents !== null) lag = Math.max(0, maxEvents - this.position);
    } else if (this.running !== null) {
      const { generator, startTimeMs, wallStartMs } = this.running;
      const dueMs = startTimeMs + (this.clock.now() - wallStartMs);
      const due = generator.sequence + generator.linesDueBy(dueMs);
      lag = Math.max(0, Math.min(due, limit) - this.position);
    }
    return [{ partition: 0, position: this.position, lag, unit: 'records' }];
  }

  /** Each call starts the sequence again from its first line (or the resumed position). */
  async *batches(): AsyncGenerator<RawBatch> {
    const { realtime, maxEvents, seed } = this.options;
    const nowMs = Math.floor(this.clock.now());
    const backfillMs = this.options.backfillMs ?? null;
    // A backfill puts the pacing origin (the wall time at which the first line is due) at the first
    // line's event time, so that event time is due exactly when wall-clock time reaches it.
    const startTimeMs = this.resume?.startTimeMs ?? this.options.startTimeMs ?? (realtime ? nowMs - (backfillMs ?? 0) : DEFAULT_GENERATOR_START_MS);
    const wallStartMs = this.resume?.wallStartMs ?? (backfillMs === null ? this.clock.now() : startTimeMs);
    const generator = new ClickGenerator({
      eventsPerSecond: this.options.eventsPerSecond,
      users: this.options.users,
      pages: this.options.pages,
      seed: this.options.seed,
      startTimeMs,
    });
    const limit = maxEvents ?? Number.POSITIVE_INFINITY;
    const skip = Math.min(this.resume?.sequence ?? 0, limit);
    while (generator.sequence < skip) generator.next();
    this.position = skip;
    this.running = { generator, startTimeMs, wallStartMs };

    while (!this.isStopped && generator.sequence < limit) {
      // Realtime: release the lines whose event time has come, so event time tracks wall time and the
      // wall rate follows the generator's daily curve (averaging eventsPerSecond).
      const dueMs = realtime ? startTimeMs + (this.clock.now() - wallStartMs) : Number.POSITIVE_INFINITY;
      const first = generator.sequence;
      const count = Math.min(this.batchSize, limit - first);
      const records: string[] = [];
      if (realtime) {
        while (records.length < count && generator.nextEventTimeMs <= dueMs) records.push(generator.next());
      } else {
        for (let i = 0; i < count; i++) records.push(generator.next());
      }
      if (records.length > 0) {
        yield {
          partition: 0,
          records,
          positionOf: (i) => ({ kind: 'generator', sequence: first + i }),
          resumeAfter: { seed, sequence: first + records.length, startTimeMs, wallStartMs },
        };
        // The job asks for the next batch once it has processed this one.
        this.position = first + records.length;
      }
      if (realtime && records.length < count && !this.isStopped) await this.sleep(this.pollIntervalMs);
    }
  }

  stop(): void {
    this.isStopped = true;
  }
}
