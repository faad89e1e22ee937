// SourcePositions: what to commit for a source with a consumer group, and what is a replay.

import { CommitTracker, type EncodedProgress, type SafePoint } from '../core/positions/commit-tracker.js';
import { finiteOrNull } from '../core/time/epoch.js';
import type { PartitionResume } from '../core/operator/window-aggregator.js';
import type { Logger } from '../ports/logger.js';
import type { Assignment, PartitionCommit, RawBatch, ResumePoint } from '../ports/source.js';

/** What the positions need of the engine (WindowAggregator has it). */
export interface ResumableEngine {
  onPartitionAssigned(partition: string | number): void;
  resumePartitions(partitions: readonly PartitionResume[]): void;
  oldestRetainedTimeMs(): number;
  completeUpToMs(): number;
}

/** SourcePositions as a checkpoint keeps them. */
export interface EncodedPositions {
  readonly progress: readonly EncodedProgress[];
  readonly replayUntil: readonly (readonly [string | number, number])[];
  readonly resumed: readonly (readonly [string | number, ResumePoint])[];
}

const orMinusInfinity = (ms: number | null | undefined): number => ms ?? Number.NEGATIVE_INFINITY;

/**
 * Until window state is checkpointed, a restart rebuilds open windows by reading their input again:
 * the committed offset is the first record that may still be in open state (CommitTracker), and the
 * commit's metadata says which windows were already delivered and which records were already
 * processed. Reading again then adds nothing twice to a result and writes no side record twice.
 */
export class SourcePositions {
  private readonly tracker = new CommitTracker();
  /** Per partition: records before this offset were processed by an earlier run (a replay). */
  private readonly replayUntil = new Map<string | number, number>();
  private readonly resumed = new Map<string | number, ResumePoint>();

  constructor(
    private readonly job: { readonly name: string; readonly fingerprint: string },
    private readonly logger: Logger,
  ) {}

  /** A new assignment: `engine` is fresh; it resumes each partition from what was committed. */
  onAssignment(assignment: Assignment, engine: ResumableEngine): void {
    this.tracker.clear();
    this.replayUntil.clear();
    this.resumed.clear();
    const resumes: PartitionResume[] = [];
    for (const { partition, offset, resume } of assignment.partitions) {
      engine.onPartitionAssigned(partition);
      if (offset !== null) this.tracker.resumeAt(partition, offset, orMinusInfinity(resume?.maxEventTimeBeforeMs));
      if (resume === null) continue;
      if (resume.job !== this.job.fingerprint) {
        this.logger.warn(
          { job: this.job.name, partition, committedBy: resume.job, current: this.job.fingerprint },
          'the committed position was written by a different job definition: resuming from it anyway',
        );
      }
      this.replayUntil.set(partition, resume.processedUpTo);
      this.resumed.set(partition, resume);
      resumes.push({ partition, completeUpToMs: orMinusInfinity(resume.completeUpToMs), maxEventTimeBeforeMs: orMinusInfinity(resume.maxEventTimeBeforeMs) });
    }
    engine.resumePartitions(resumes);
  }

  /** Everything it knows, JSON-safe, for a checkpoint. */
  encode(): EncodedPositions {
    return { progress: this.tracker.encode(), replayUntil: [...this.replayUntil], resumed: [...this.resumed] };
  }

  /** Takes over what a checkpoint kept (with the engine restored from the same checkpoint). */
  restore(encoded: EncodedPositions): void {
    this.tracker.restore(encoded.progress);
    this.replayUntil.clear();
    this.resumed.clear();
    for (const [p, until] of encoded.replayUntil) this.replayUntil.set(p, until);
    for (const [p, resume] of encoded.resumed) this.resumed.set(p, resume);
  }

  /** Where reading goes on per partition (the offset after the last record processed). */
  nextOffsets(): Map<string | number, number> {
    const next = new Map<string | number, number>();
    for (const p of this.tracker.partitionIds()) next.set(p, this.tracker.nextOffset(p) as number);
    return next;
  }

  /** A batch was processed; `maxEventTimeMs` is the latest event time in it (−Infinity if none). */
  record(batch: RawBatch, maxEventTimeMs: number): void {
    if (batch.offsets !== undefined) this.tracker.record(batch.partition, batch.offsets.first, batch.offsets.next, maxEventTimeMs);
  }

  /** True when records[index] was processed by an earlier run: its side records were written then. */
  isReplay(batch: RawBatch, index: number): boolean {
    const until = this.replayUntil.get(batch.partition);
    return until !== undefined && batch.offsets !== undefined && batch.offsets.offsetOf(index) < until;
  }

  /** What to commit now, for every partition with known progress. Call once results are delivered. */
  commits(engine: ResumableEngine): PartitionCommit[] {
    const oldest = engine.oldestRetainedTimeMs();
    const complete = engine.completeUpToMs();
    const commits: PartitionCommit[] = [];
    for (const partition of this.tracker.partitionIds()) {
      const point = this.tracker.safePoint(partition, oldest) as SafePoint;
      const next = this.tracker.nextOffset(partition) as number;
      const before = this.resumed.get(partition);
      commits.push({
        partition: Number(partition),
        offset: point.offset,
        resume: {
          // A fresh engine has not caught up yet with what the earlier run had done: never go back.
          completeUpToMs: finiteOrNull(Math.max(complete, orMinusInfinity(before?.completeUpToMs))),
          maxEventTimeBeforeMs: finiteOrNull(point.maxEventTimeBeforeMs),
          processedUpTo: Math.max(next, before?.processedUpTo ?? 0),
          job: this.job.fingerprint,
        },
      });
    }
    return commits;
  }
}
