// A consumer group's job with committed file outputs: which checkpoint's outputs are published,
// judged by what the group has committed.
//
// Such a job commits a checkpoint's positions to the group once the checkpoint is stored, and
// publishes the checkpoint's outputs only after that commit succeeded: the group's commit is the
// decision of the two-phase commit. A restart therefore asks the group which checkpoint was decided.

import type { AssignedPartition, Assignment, PartitionCommit } from '../../ports/source.js';
import type { CheckpointRepository } from './checkpoint-repository.js';
import type { CheckpointManifest } from './manifest.js';

/** The positions a checkpoint commits (absent in checkpoints of jobs that commit as they go). */
export function commitsOf(manifest: CheckpointManifest): readonly PartitionCommit[] | null {
  return (manifest.commits ?? null) as readonly PartitionCommit[] | null;
}

/** What the group holds for a partition, as text to compare (null: no commit of Tally's). */
function committedText(p: AssignedPartition | undefined): string | null {
  if (p === undefined || p.offset === null || p.resume === null) return null;
  return pointText(p.offset, p.resume);
}

function pointText(offset: number, r: PartitionCommit['resume']): string {
  return JSON.stringify([offset, r.processedUpTo, r.completeUpToMs ?? null, r.maxEventTimeBeforeMs ?? null]);
}

/**
 * The group's commits are exactly this checkpoint's for every assigned partition (a partition the
 * checkpoint has no position for must have none committed either): its state is where the group is.
 */
export function isCurrent(manifest: CheckpointManifest, assignment: Assignment): boolean {
  const commits = commitsOf(manifest);
  if (commits === null) return false;
  const byPartition = new Map(commits.map((c) => [c.partition, c]));
  for (const p of assignment.partitions) {
    const c = byPartition.get(p.partition);
    const committed = committedText(p);
    if (c === undefined ? committed !== null : committed !== pointText(c.offset, c.resume)) return false;
  }
  return true;
}

/**
 * The checkpoint's commit was made: for each of its partitions that is assigned, the group holds
 * exactly its commit, or one that processed further (another owner went on from it). Partitions
 * not assigned here cannot be asked about and are taken as decided.
 */
export function isDecided(manifest: CheckpointManifest, assignment: Assignment): boolean {
  const commits = commitsOf(manifest);
  if (commits === null) return false;
  const assigned = new Map(assignment.partitions.map((p) => [Number(p.partition), p]));
  for (const c of commits) {
    const p = assigned.get(c.partition);
    if (p === undefined) continue;
    const committed = committedText(p);
    if (committed === null) return false;
    if (committed !== pointText(c.offset, c.resume) && !((p.resume?.processedUpTo ?? 0) > c.resume.processedUpTo)) return false;
  }
  return true;
}

/** The newest decided checkpoint's manifest, and the newest id seen, over every scope of the store. */
export async function findDecided(repository: CheckpointRepository, assignment: Assignment): Promise<{ manifest: CheckpointManifest | null; newestId: number }> {
  let best: CheckpointManifest | null = null;
  let newestId = 0;
  for (const scope of await repository.scopes()) {
    const scoped = repository.withScope(scope);
    const entries = (await scoped.list()).reverse();
    newestId = Math.max(newestId, entries[0]?.id ?? 0);
    for (const entry of entries) {
      if (!entry.hasManifest || entry.id <= (best?.id ?? 0)) continue;
      let manifest: CheckpointManifest;
      try {
        manifest = await scoped.loadManifest(entry.id);
      } catch {
        // A damaged manifest decides nothing; the restore reports damaged checkpoints of its scope.
        continue;
      }
      if (isDecided(manifest, assignment)) {
        best = manifest;
        break;
      }
    }
  }
  return { manifest: best, newestId };
}
