import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../adapters/checkpoint-stores/memory-store.js';
import type { Assignment, PartitionCommit } from '../../ports/source.js';
import { CheckpointRepository, type ManifestFields } from './checkpoint-repository.js';
import { findDecided, isCurrent, isDecided } from './group-commits.js';
import type { CheckpointManifest } from './manifest.js';

const commit = (partition: number, offset: number, processedUpTo: number, completeUpToMs: number | null = 60_000): PartitionCommit => ({
  partition,
  offset,
  resume: { completeUpToMs, maxEventTimeBeforeMs: null, processedUpTo, job: 'f' },
});

const assigned = (...commits: (PartitionCommit | number)[]): Assignment => ({
  kind: 'assignment',
  partitions: commits.map((c) => (typeof c === 'number' ? { partition: c, offset: null, resume: null } : { partition: c.partition, offset: c.offset, resume: c.resume })),
});

const manifest = (commits: PartitionCommit[] | undefined, id = 1): CheckpointManifest => ({ id, ...(commits === undefined ? {} : { commits }) }) as unknown as CheckpointManifest;

describe('isCurrent', () => {
  it('holds when the group has exactly the checkpoint\'s commits, and no commit where the checkpoint has none', () => {
    const m = manifest([commit(0, 5, 9), commit(1, 2, 4)]);
    expect(isCurrent(m, assigned(commit(0, 5, 9), commit(1, 2, 4)))).toBe(true);
    expect(isCurrent(m, assigned(commit(0, 5, 9), commit(1, 2, 5)))).toBe(false);
    expect(isCurrent(m, assigned(commit(0, 5, 9), commit(1, 2, 4, 120_000)))).toBe(false);
    expect(isCurrent(m, assigned(commit(0, 5, 9), commit(1, 2, 4), 2))).toBe(true);
    expect(isCurrent(m, assigned(commit(0, 5, 9), commit(1, 2, 4), commit(2, 0, 1)))).toBe(false);
    expect(isCurrent(m, assigned(commit(0, 5, 9), 1))).toBe(false);
  });

  it('never holds for a checkpoint of a job that commits as it goes (no commits recorded)', () => {
    expect(isCurrent(manifest(undefined), assigned(0))).toBe(false);
  });
});

describe('isDecided', () => {
  it('holds when the group has the checkpoint\'s commit or one that processed further, for the partitions assigned', () => {
    const m = manifest([commit(0, 5, 9), commit(1, 2, 4)]);
    expect(isDecided(m, assigned(commit(0, 5, 9), commit(1, 2, 4)))).toBe(true);
    expect(isDecided(m, assigned(commit(0, 7, 12), commit(1, 2, 4)))).toBe(true);
    // Not yet committed: the group is behind it.
    expect(isDecided(m, assigned(commit(0, 3, 6), commit(1, 2, 4)))).toBe(false);
    // Processed as far, but closed fewer windows: a newer checkpoint of an idle stretch, not committed.
    expect(isDecided(m, assigned(commit(0, 5, 9, 0), commit(1, 2, 4)))).toBe(false);
    expect(isDecided(m, assigned(0, commit(1, 2, 4)))).toBe(false);
    // Partition 1 is another process's now: only partition 0 can be judged.
    expect(isDecided(m, assigned(commit(0, 5, 9)))).toBe(true);
    expect(isDecided(manifest(undefined), assigned(0))).toBe(false);
  });
});

describe('findDecided', () => {
  const fields = (commits: PartitionCommit[]): ManifestFields =>
    ({
      createdAtMs: 0,
      job: { name: 'j', fingerprint: 'f', definition: {} },
      snapshotFormat: 5,
      source: { description: 's', position: null },
      positions: null,
      commits,
      sinks: {},
      counters: { records: 0, blankLines: 0, badRecords: 0 },
      summary: {},
      finished: false,
      pauseMs: 0,
    }) as ManifestFields;

  it('finds the newest decided checkpoint over every scope, passing over undecided and damaged ones', async () => {
    const store = new MemoryStore();
    const all = new CheckpointRepository(store);
    const a = all.withScope('partitions-0-1');
    const b = all.withScope('partitions-0');
    await a.write(1, [new Uint8Array([1])], fields([commit(0, 1, 3), commit(1, 1, 2)]));
    await a.write(2, [new Uint8Array([2])], fields([commit(0, 2, 6), commit(1, 1, 4)]));
    await b.write(3, [new Uint8Array([3])], fields([commit(0, 4, 9)]));
    // Stored, never committed.
    await b.write(4, [new Uint8Array([4])], fields([commit(0, 5, 12)]));
    // The group holds checkpoint 3's commit for partition 0.
    let found = await findDecided(all, assigned(commit(0, 4, 9), 1));
    expect(found).toMatchObject({ manifest: { id: 3 }, newestId: 4 });
    // Checkpoint 3's manifest damaged: 2 is decided (the group went further on partition 0, and
    // partition 1 has its commit).
    await store.put('checkpoints/partitions-0/chk-0000000003/manifest.json', [new TextEncoder().encode('{')]);
    found = await findDecided(all, assigned(commit(0, 4, 9), commit(1, 1, 4)));
    expect(found.manifest?.id).toBe(2);
    // A group with no commits: nothing was published.
    expect((await findDecided(all, assigned(0, 1))).manifest).toBeNull();
  });
});
