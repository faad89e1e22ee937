import { chmod, mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeCheckpointStoreContract } from '../../../test/contracts/checkpoint-store.contract.js';
import { LocalDirStore, ORPHAN_TEMP_AGE_MS, temporaryName } from './local-dir-store.js';

describeCheckpointStoreContract('local directory', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tally-store-'));
  return { store: new LocalDirStore(join(dir, 'state')), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

describe('LocalDirStore', () => {
  it('deletes, when listing, the temporaries that writes killed midway left untouched for a while, and keeps recent ones', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tally-store-'));
    try {
      const store = new LocalDirStore(dir);
      await store.put('checkpoints/chk-1/state.bin', [new Uint8Array(3)]);
      await mkdir(join(dir, 'checkpoints', 'chk-2'), { recursive: true });
      const orphan = join(dir, 'checkpoints', 'chk-2', '.~tmp-0123456789ab');
      const recent = join(dir, 'checkpoints', 'chk-1', '.~tmp-ba9876543210');
      await writeFile(orphan, 'half a state');
      await writeFile(recent, 'being written');
      const old = (Date.now() - ORPHAN_TEMP_AGE_MS - 60_000) / 1000;
      await utimes(orphan, old, old);
      expect((await store.list('checkpoints/')).map((o) => o.key)).toEqual(['checkpoints/chk-1/state.bin']);
      expect(await readdir(join(dir, 'checkpoints'))).toEqual(['chk-1']);
      expect((await readdir(join(dir, 'checkpoints', 'chk-1'))).sort()).toEqual(['.~tmp-ba9876543210', 'state.bin']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('deletes at once the temporaries of a process of this host that has died, with the directory they alone kept', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tally-store-'));
    try {
      const store = new LocalDirStore(dir);
      const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
      const deadPid = Number(dead.stdout);
      expect(deadPid).toBeGreaterThan(0);
      await mkdir(join(dir, 'checkpoints', 'chk-3'), { recursive: true });
      await writeFile(join(dir, 'checkpoints', 'chk-3', temporaryName(deadPid)), 'half a state');
      // This process's own (a put in progress) and a live other process's stay.
      const own = temporaryName();
      const parent = temporaryName(process.ppid);
      await writeFile(join(dir, 'checkpoints', own), 'being written');
      await writeFile(join(dir, 'checkpoints', parent), 'being written elsewhere');
      expect(await store.list('checkpoints/')).toEqual([]);
      expect((await readdir(join(dir, 'checkpoints'))).sort()).toEqual([own, parent].sort());
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('leaves no temporary behind after a failed put, and never lists one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tally-store-'));
    try {
      const store = new LocalDirStore(dir);
      async function* dies(): AsyncGenerator<Uint8Array> {
        yield new Uint8Array(10);
        throw new Error('writer died');
      }
      await expect(store.put('chk/state.bin', dies())).rejects.toThrow('writer died');
      expect(await readdir(join(dir, 'chk'))).toEqual([]);
      // A temporary left by a process killed mid-put is not an object.
      await writeFile(join(dir, 'chk', '~tmp-abandoned'), 'partial');
      expect(await store.list('')).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('removes directories that deletes leave empty', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tally-store-'));
    try {
      const store = new LocalDirStore(dir);
      await store.put('chk-1/a/state.bin', [new Uint8Array(1)]);
      await store.delete('chk-1/a/state.bin');
      expect(await readdir(dir)).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports an unwritable directory as STORE_FAILED naming the key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tally-store-'));
    try {
      // root ignores permissions, so the root path is a file: nothing can be created under it.
      await writeFile(join(dir, 'blocked'), '');
      const store = new LocalDirStore(join(dir, 'blocked'));
      await expect(store.put('chk-1/state.bin', [new Uint8Array(1)])).rejects.toMatchObject({
        code: 'STORE_FAILED',
        message: expect.stringContaining('put chk-1/state.bin'),
      });
      await chmod(join(dir, 'blocked'), 0o644);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
