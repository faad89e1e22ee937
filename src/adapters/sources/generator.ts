// GeneratorSource: the seeded click generator as a Source, either as fast as consumed or paced to wall time.

import { setTimeout as delay } from 'node:timers/promises';
import { EngineError } from '../../core/errors.js';
import type { Clock } from '../../ports/clock.js';
import type { RawBatch, Source } from '../../ports/source.js';
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
    this.isBounded = options.maxEvents !== null;
    const limit = options.maxEvents === null ? '' : `, ${options.maxEvents} events`;
    this.description = `generator ${options.eventsPerSecond}/s seed ${options.seed}${options.realtime ? ', realtime' : ''}${limit}`;
  }

  /** Each call starts the sequence again from its first line. */
  async *batches(): AsyncGenerator<RawBatch> {
    const { realtime, maxEvents } = this.options;
    const wallStartMs = this.clock.now();
    const startTimeMs = this.options.startTimeMs ?? (realtime ? Math.floor(wallStartMs) : DEFAULT_GENERATOR_START_MS);
    const generator = new ClickGenerator({
      eventsPerSecond: this.options.eventsPerSecond,
      users: this.options.users,
      pages: this.options.pages,
      seed: this.options.seed,
      startTimeMs,
    });
    const limit = maxEvents ?? Number.POSITIVE_INFINITY;

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
        yield { partition: 0, records, positionOf: (i) => ({ kind: 'generator', sequence: first + i }) };
      }
      if (realtime && records.length < count && !this.isStopped) await this.sleep(this.pollIntervalMs);
    }
  }

  stop(): void {
    this.isStopped = true;
  }
}
