// CheckpointCoordinator: when to checkpoint, restoring the latest good one, and writing in the background.

import { createHash } from 'node:crypto';
import { EngineError } from '../../core/errors.js';
import type { PipelineSpec } from '../../core/operator/pipeline-spec.js';
import { pipelineFingerprint, restoreSnapshot } from '../../core/operator/snapshot.js';
import type { WindowAggregator } from '../../core/operator/window-aggregator.js';
import type { Clock } from '../../ports/clock.js';
import type { Logger } from '../../ports/logger.js';
import { CheckpointRepository, type ManifestFields, type SkippedCheckpoint } from './checkpoint-repository.js';
import type { CheckpointManifest } from './manifest.js';

export interface CheckpointOptions {
  /** Processing time between the starts of two checkpoints. */
  readonly intervalMs: number;
  /** Complete checkpoints kept; older ones are deleted once a newer one is stored. */
  readonly retain: number;
}

export interface CheckpointStatus {
  readonly store: string;
  readonly intervalMs: number;
  /** The checkpoint this run started from, and the newer ones passed over as damaged. */
  readonly restoredFrom: number | null;
  readonly skipped: readonly SkippedCheckpoint[];
  readonly completed: number;
  readonly failed: number;
  readonly last: {
    readonly id: number;
    readonly completedAtMs: number;
    readonly bytes: number;
    /** Processing stood still this long to take it. */
    readonly pauseMs: number;
    /** Writing it took this long (in the background). */
    readonly writeMs: number;
  } | null;
  readonly lastError: { readonly id: number; readonly atMs: number; readonly message: string } | null;
  readonly isWriting: boolean;
}

export interface Restored {
  readonly engine: WindowAggregator;
  readonly manifest: CheckpointManifest;
}

/** The job-definition fingerprint kept in manifests: a hash, since the definition itself is kept beside it. */
export function jobFingerprint(spec: PipelineSpec): string {
  return createHash('sha256').update(pipelineFingerprint(spec)).digest('hex').slice(0, 16);
}

/** What differs between two pipeline definitions, by part, for a refusal message. */
function describeChange(before: unknown, after: unknown): string {
  const a = (before ?? {}) as Record<string, unknown>;
  const b = (after ?? {}) as Record<string, unknown>;
  const parts: string[] = [];
  for (const part of ['keyBy', 'filter', 'aggregations', 'time', 'emit']) {
    if (JSON.stringify(a[part]) !== JSON.stringify(b[part])) parts.push(part);
  }
  const named = (ws: unknown): Map<string, string> =>
    new Map((Array.isArray(ws) ? ws : []).map((w: { name?: unknown }) => [String(w.name), JSON.stringify(w)]));
  const wa = named(a.windows);
  const wb = named(b.windows);
  const added = [...wb.keys()].filter((n) => !wa.has(n));
  const removed = [...wa.keys()].filter((n) => !wb.has(n));
  const changed = [...wb.keys()].filter((n) => wa.has(n) && wa.get(n) !== wb.get(n));
  const w: string[] = [];
  if (added.length > 0) w.push(`added ${added.join(', ')}`);
  if (removed.length > 0) w.push(`removed ${removed.join(', ')}`);
  if (changed.length > 0) w.push(`changed ${changed.join(', ')}`);
  if (w.length === 0 && JSON.stringify(a.windows) !== JSON.stringify(b.windows)) w.push('reordered');
  if (w.length > 0) parts.push(`windows (${w.join('; ')})`);
  return parts.length > 0 ? parts.join(', ') : 'the definition';
}

export class CheckpointCoordinator {
  repository: CheckpointRepository;
  private nextId = 1;
  private lastStartedAt = Number.NEGATIVE_INFINITY;
  private writing: Promise<boolean> | null = null;
  private restoredFrom: number | null = null;
  private skipped: SkippedCheckpoint[] = [];
  private completed = 0;
  private failed = 0;
  private last: CheckpointStatus['last'] = null;
  private lastError: CheckpointStatus['lastError'] = null;

  constructor(
    repository: CheckpointRepository,
    readonly options: CheckpointOptions,
    private readonly logger: Logger,
    private readonly clock: Clock,
  ) {
    this.repository = repository;
  }

  /**
   * The engine of the newest good checkpoint, or null when there is none. Damaged ones are logged
   * and passed over; one taken with another job definition is refused (SNAPSHOT_INCOMPATIBLE).
   * `specOf` gives the definition a checkpoint must have been taken with (the job file's, changed
   * as the checkpoint's manifest says the job was changed while running).
   */
  async restore(specOf: PipelineSpec | ((manifest: CheckpointManifest) => PipelineSpec), wanted?: (manifest: CheckpointManifest) => boolean): Promise<Restored | null> {
    const entries = await this.repository.list();
    // Never back: ids stay unique within a run across scopes (committed outputs name their parts by them).
    this.continueAfter(entries[entries.length - 1]?.id ?? 0);
    // The first checkpoint comes one interval after the start, not at the first batch.
    this.lastStartedAt = this.clock.now();
    let engine: WindowAggregator | null = null;
    const { loaded, skipped } = await this.repository.loadLatest(({ manifest, state }) => {
      const spec = typeof specOf === 'function' ? specOf(manifest) : specOf;
      if (manifest.job.fingerprint !== jobFingerprint(spec)) {
        throw new EngineError(
          'SNAPSHOT_INCOMPATIBLE',
          `checkpoint ${manifest.id} in ${this.repository.store.description} was taken with a different job definition: ${describeChange(manifest.job.definition, JSON.parse(pipelineFingerprint(spec)))} changed. ` +
            'Restoring it would mix state of two definitions. To start this definition afresh, point checkpoint.store elsewhere or delete the checkpoints (`tally checkpoints delete --all <job file>`).',
        );
      }
      engine = restoreSnapshot(spec, state);
    }, wanted);
    this.skipped = skipped;
    for (const s of skipped) this.logger.warn({ checkpoint: s.id, reason: s.reason }, 'checkpoint damaged or incomplete: using an older one');
    if (loaded === null || engine === null) return null;
    this.restoredFrom = loaded.manifest.id;
    return { engine, manifest: loaded.manifest };
  }

  /**
   * Keeps checkpoints apart per scope from now on (a consumer group's set of partitions): the
   * state of one assignment only restores into the same assignment. Call when nothing is being written.
   */
  useScope(scope: string | null): void {
    if (scope !== this.repository.scope) this.repository = this.repository.withScope(scope);
  }

  /** Ids from now on come after `id`. */
  continueAfter(id: number): void {
    this.nextId = Math.max(this.nextId, id + 1);
  }

  /** The id the next checkpoint will take. */
  get upcomingId(): number {
    return this.nextId;
  }

  /**
   * Complete checkpoints from this id on are not pruned (committed outputs of a consumer group's
   * job: the newest checkpoint whose outputs are published must stay while newer ones wait).
   */
  keepFrom = Number.POSITIVE_INFINITY;

  /** A checkpoint is due (none is being written, and the interval has passed since the last start). */
  isDue(now: number): boolean {
    return this.writing === null && now - this.lastStartedAt >= this.options.intervalMs;
  }

  /** The id for the checkpoint being taken now. */
  takeId(): number {
    this.lastStartedAt = this.clock.now();
    return this.nextId++;
  }

  /**
   * Writes a checkpoint in the background; `publish` runs once it is stored (or, when
   * `publishAnyway`, also when storing failed: output of a finished run is complete, and a restart
   * from the previous checkpoint cuts it back and computes it again). Resolves true when stored.
   */
  launch(id: number, chunks: Uint8Array[], fields: ManifestFields, publish: (stored: boolean) => Promise<void>, publishAnyway = false): Promise<boolean> {
    const started = performance.now();
    const bytes = chunks.reduce((n, c) => n + c.length, 0);
    const run = async (): Promise<boolean> => {
      let stored = false;
      let writeMs = 0;
      try {
        await this.repository.write(id, chunks, fields);
        writeMs = performance.now() - started;
        stored = true;
      } catch (error) {
        this.failed++;
        const message = (error as Error).message;
        this.lastError = { id, atMs: this.clock.now(), message };
        this.logger.warn({ checkpoint: id, err: error, retriable: (error as EngineError).retriable ?? null }, 'checkpoint could not be stored: the job goes on, the previous checkpoint stays the one to restore');
      }
      if (stored || publishAnyway) {
        try {
          await publish(stored);
        } catch (error) {
          // The output stays pending: the next checkpoint publishes it with its own.
          this.logger.error({ checkpoint: id, err: error }, 'output of a stored checkpoint could not be published: will try again with the next checkpoint');
        }
      }
      if (!stored) return false;
      const publishMs = performance.now() - started - writeMs;
      this.completed++;
      this.last = { id, completedAtMs: this.clock.now(), bytes, pauseMs: fields.pauseMs, writeMs };
      this.logger.info({ checkpoint: id, finished: fields.finished, bytes, pauseMs: round(fields.pauseMs), writeMs: round(writeMs), publishMs: round(publishMs) }, 'checkpoint stored');
      try {
        const deleted = await this.repository.prune(this.options.retain, id, this.keepFrom);
        if (deleted.length > 0) this.logger.info({ deleted }, 'older checkpoints deleted');
      } catch (error) {
        this.logger.warn({ err: error }, 'older checkpoints could not be deleted: will try again after the next checkpoint');
      }
      return true;
    };
    const writing = run().finally(() => {
      if (this.writing === writing) this.writing = null;
    });
    this.writing = writing;
    return writing;
  }

  /** Waits for the checkpoint being written, if any. */
  async settle(): Promise<void> {
    await this.writing?.catch(() => undefined);
  }

  /** A checkpoint is being stored in the background. */
  get isWriting(): boolean {
    return this.writing !== null;
  }

  status(): CheckpointStatus {
    return {
      store: this.repository.store.description,
      intervalMs: this.options.intervalMs,
      restoredFrom: this.restoredFrom,
      skipped: this.skipped,
      completed: this.completed,
      failed: this.failed,
      last: this.last,
      lastError: this.lastError,
      isWriting: this.writing !== null,
    };
  }
}

const round = (ms: number): number => Math.round(ms * 10) / 10;
