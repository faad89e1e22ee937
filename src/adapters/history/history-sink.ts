// HistorySink: a results sink that also keeps every result it passes on in the results history (a tee).

import type { WindowResult } from '../../core/emit/outputs.js';
import { systemClock, type Clock } from '../../ports/clock.js';
import { silentLogger, type Logger } from '../../ports/logger.js';
import type { ResultsHistory } from '../../ports/results-history.js';
import { isCommittable, type CommittableSink, type Sink, type SinkCommit } from '../../ports/sink.js';

export interface HistorySinkOptions {
  /**
   * Results handed to the history and not yet stored before `write` waits for it (backpressure).
   * Below that, writes go on while the history commits, and batches waiting meanwhile are
   * committed together. Default 200,000.
   */
  readonly maxPendingResults?: number;
  /** Processing time between two prunes of the history (the first comes with the first write). Default 60 s. */
  readonly pruneIntervalMs?: number;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Close the history when the sink closes. Default true; false when something else (the REST API) still reads it. */
  readonly closesHistory?: boolean;
}

/**
 * Passes results to `inner` and appends them to `history`. The history keeps results as they are
 * computed, not as checkpoints publish them: after a crash it holds results that the restarted job
 * computes again, and those are stored again identically (see docs/history.md).
 *
 * `flush` (and `prepareCommit`, when `inner` is a committable sink) wait until the history has
 * every result written so far on disk, so a checkpoint never covers results the history could lose.
 * A failure of the history fails the next write, flush or close.
 */
export class HistorySink implements Sink<WindowResult> {
  readonly description: string;
  private readonly maxPendingResults: number;
  private readonly pruneIntervalMs: number;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly closesHistory: boolean;
  private pendingResults = 0;
  /** The newest append in flight: appends complete in order, so awaiting it awaits them all. */
  private lastAppend: Promise<void> = Promise.resolve();
  private lastPruneAtMs = Number.NEGATIVE_INFINITY;
  private failure: unknown = null;
  private hasFailed = false;

  constructor(
    protected readonly inner: Sink<WindowResult>,
    readonly history: ResultsHistory,
    options: HistorySinkOptions = {},
  ) {
    this.description = `${inner.description}, and ${history.description}`;
    this.maxPendingResults = options.maxPendingResults ?? 200_000;
    this.pruneIntervalMs = options.pruneIntervalMs ?? 60_000;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.closesHistory = options.closesHistory ?? true;
  }

  private fail(error: unknown): void {
    if (this.hasFailed) return;
    this.hasFailed = true;
    this.failure = error;
  }

  private throwIfFailed(): void {
    if (this.hasFailed) throw this.failure;
  }

  async write(items: readonly WindowResult[]): Promise<void> {
    this.throwIfFailed();
    if (items.length > 0) {
      const count = items.length;
      this.pendingResults += count;
      const appended = this.history.append(items).then(
        () => {
          this.pendingResults -= count;
        },
        (error: unknown) => {
          this.pendingResults -= count;
          this.fail(error);
        },
      );
      this.lastAppend = appended;
      await this.inner.write(items);
      if (this.pendingResults > this.maxPendingResults) await appended;
    } else {
      await this.inner.write(items);
    }
    this.pruneWhenDue();
    this.throwIfFailed();
  }

  /** True while a prune runs: a long one is not joined by another. */
  private isPruning = false;

  /** Starts a prune when the interval has passed (not awaited: it queues behind the appends). */
  private pruneWhenDue(): void {
    const now = this.clock.now();
    if (now - this.lastPruneAtMs < this.pruneIntervalMs || this.isPruning) return;
    this.lastPruneAtMs = now;
    this.isPruning = true;
    void this.history
      .prune(now)
      .then(
        (report) => {
          if (report.removed > 0) this.logger.info({ history: this.history.description, removed: report.removed, cutoff: report.cutoffMs }, 'results history pruned');
        },
        (error: unknown) => this.fail(error),
      )
      .finally(() => {
        this.isPruning = false;
      });
  }

  /** Waits until the history holds every result written so far durably. */
  protected async settleHistory(): Promise<void> {
    this.throwIfFailed();
    await this.lastAppend;
    // Not the prune: it removes what retention lets go, which durability does not wait for.
    this.throwIfFailed();
    await this.history.flush();
  }

  async flush(): Promise<void> {
    await this.settleHistory();
    await this.inner.flush?.();
  }

  async close(): Promise<void> {
    let error: unknown = null;
    let hasError = false;
    try {
      await this.settleHistory();
    } catch (e) {
      error = e;
      hasError = true;
    }
    try {
      await this.inner.close();
    } finally {
      if (this.closesHistory) await this.history.close();
    }
    if (hasError) throw error;
  }
}

/** A HistorySink in front of a committable sink: its two-phase commit goes on as before. */
export class CommittableHistorySink extends HistorySink implements CommittableSink<WindowResult> {
  constructor(
    protected override readonly inner: CommittableSink<WindowResult>,
    history: ResultsHistory,
    options: HistorySinkOptions = {},
  ) {
    super(inner, history, options);
  }

  recover(commit: SinkCommit | null, nextCheckpointId: number): Promise<void> {
    return this.inner.recover(commit, nextCheckpointId);
  }

  async prepareCommit(checkpointId: number): Promise<SinkCommit> {
    await this.settleHistory();
    return this.inner.prepareCommit(checkpointId);
  }

  commit(commit: SinkCommit): Promise<void> {
    return this.inner.commit(commit);
  }
}

/**
 * `inner` with a results history teed in: committable when `inner` is (the job runner checks
 * with isCommittable, so a committed file output keeps its two-phase commit).
 */
export function withHistory(inner: Sink<WindowResult>, history: ResultsHistory, options: HistorySinkOptions = {}): HistorySink {
  return isCommittable(inner) ? new CommittableHistorySink(inner, history, options) : new HistorySink(inner, history, options);
}
