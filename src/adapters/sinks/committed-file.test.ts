import { mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SinkCommit } from '../../ports/sink.js';
import { CommittedFileSink } from './committed-file.js';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tally-committed-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const sinkAt = (path: string): CommittedFileSink<string> => new CommittedFileSink<string>(path, (s) => s);
const read = (path: string): Promise<string> => readFile(path, 'utf8');

describe('CommittedFileSink', () => {
  it('shows lines only once the checkpoint covering them is committed', async () => {
    const path = join(dir, 'out', 'results.ndjson');
    await rm(join(dir, 'out'), { recursive: true, force: true });
    const sink = sinkAt(path);
    await sink.recover(null, 1);
    await sink.write(['a', 'b']);
    await sink.flush();
    expect(await read(path)).toBe('');
    const c1 = await sink.prepareCommit(1);
    await sink.write(['c']);
    expect(await read(path)).toBe('');
    await sink.commit(c1);
    expect(await read(path)).toBe('a\nb\n');
    const c2 = await sink.prepareCommit(2);
    await sink.commit(c2);
    expect(await read(path)).toBe('a\nb\nc\n');
    await sink.close();
    // No pending part is left behind once everything is published.
    expect((await readdir(join(dir, 'out'))).sort()).toEqual(['results.ndjson']);
  });

  it('publishes with a later checkpoint what an earlier, failed one prepared', async () => {
    const path = join(dir, 'results.ndjson');
    const sink = sinkAt(path);
    await sink.recover(null, 1);
    await sink.write(['a']);
    await sink.prepareCommit(1); // checkpoint 1 is never stored
    await sink.write(['b']);
    const c2 = await sink.prepareCommit(2);
    expect((c2 as { pending: unknown[] }).pending).toHaveLength(2);
    await sink.commit(c2);
    expect(await read(path)).toBe('a\nb\n');
  });

  it('on restart, finishes a publish cut short and drops what came after the restored checkpoint', async () => {
    const path = join(dir, 'results.ndjson');
    const first = sinkAt(path);
    await first.recover(null, 1);
    await first.write(['one', 'two']);
    const c1 = await first.prepareCommit(1);
    await first.commit(c1);
    await first.write(['three', 'four']);
    const c2 = await first.prepareCommit(2);
    await first.write(['not covered by any checkpoint']);
    await first.flush();
    // The process dies while appending part 2: the target holds part of it.
    const pendingOf2 = (c2 as { pending: { file: string }[] }).pending[0]?.file as string;
    await writeFile(path, 'one\ntwo\nthr');
    // Checkpoint 2 had been stored: the restart rolls its publish forward.
    const second = sinkAt(path);
    await second.recover(c2, 3);
    expect(await read(path)).toBe('one\ntwo\nthree\nfour\n');
    expect((await readdir(dir)).filter((f) => f.includes('pending')).sort()).toEqual(['.results.ndjson.pending-3']);
    await second.close();
    expect(await readdir(dir)).not.toContain(pendingOf2);

    // Restoring the older checkpoint 1 (2 found damaged) cuts the target back to what 1 published.
    const third = sinkAt(path);
    await third.recover(c1, 3);
    expect(await read(path)).toBe('one\ntwo\n');
    await third.close();
  });

  it('starting afresh empties the target and removes stale parts', async () => {
    const path = join(dir, 'results.ndjson');
    await writeFile(path, 'old run\n');
    await writeFile(join(dir, '.results.ndjson.pending-7'), 'stale\n');
    const sink = sinkAt(path);
    await sink.recover(null, 1);
    expect(await read(path)).toBe('');
    expect(await readdir(dir)).not.toContain('.results.ndjson.pending-7');
    await sink.close();
  });

  it('refuses a target shorter than the checkpoint says was published', async () => {
    const path = join(dir, 'results.ndjson');
    const sink = sinkAt(path);
    await sink.recover(null, 1);
    await sink.write(['a', 'b', 'c']);
    const c1: SinkCommit = await sink.prepareCommit(1);
    await sink.commit(c1);
    await sink.write(['d']);
    const c2 = await sink.prepareCommit(2);
    await sink.close();
    await truncate(path, 2);
    await expect(sinkAt(path).recover(c2, 3)).rejects.toMatchObject({ code: 'CHECKPOINT_MISMATCH' });
  });

  it('refuses a target emptied or removed after a checkpoint with nothing pending, rather than padding it', async () => {
    const path = join(dir, 'results.ndjson');
    const sink = sinkAt(path);
    await sink.recover(null, 1);
    await sink.write(['a', 'b']);
    await sink.commit(await sink.prepareCommit(1));
    // A checkpoint with no new lines: nothing pending, so no part's length check runs.
    const c2 = await sink.prepareCommit(2);
    await sink.commit(c2);
    await sink.close();
    expect((c2 as unknown as { pending: unknown[] }).pending).toEqual([]);
    await truncate(path, 0);
    await expect(sinkAt(path).recover(c2, 3)).rejects.toMatchObject({ code: 'CHECKPOINT_MISMATCH' });
    expect(await read(path)).toBe('');
    await rm(path);
    await expect(sinkAt(path).recover(c2, 3)).rejects.toMatchObject({ code: 'CHECKPOINT_MISMATCH', message: expect.stringMatching(/is missing/) });
  });
});
