// LocalDirStore: a CheckpointStore in a local directory, durable with fsync and atomic by rename.

import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { mkdir, open, readdir, readFile, rename, rm, rmdir, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { EngineError } from '../../core/errors.js';
import { assertStoreKey, type CheckpointStore, type StoredObject } from '../../ports/checkpoint-store.js';

/**
 * Temporaries hold '~', which no valid key part can (listings skip them), and start with '.', so
 * that tools reading a whole directory (Hive, Spark) skip one a crash left behind.
 */
const TEMP_PREFIX = '.~tmp-';

/**
 * A temporary untouched for this long was left by a write that never finished (a process killed
 * mid-put): listings delete it. A write in progress touches its temporary far more often.
 */
export const ORPHAN_TEMP_AGE_MS = 15 * 60_000;

/**
 * Temporaries are named for the host and process writing them, so that a restarted job deletes
 * at once those of a process of this host that has died (killed mid-checkpoint), instead of
 * leaving them, and the directories of checkpoints they keep, for ORPHAN_TEMP_AGE_MS. Another
 * host's temporary (a shared mount) or a live process's waits for the age rule.
 */
const HOST_TAG = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);

export function temporaryName(pid = process.pid): string {
  return `${TEMP_PREFIX}${HOST_TAG}-${pid}-${randomBytes(6).toString('hex')}`;
}

/** True when the temporary's writer was a process of this host that no longer runs. */
function writerIsGone(name: string): boolean {
  const match = /^\.~tmp-([0-9a-f]{8})-(\d+)-[0-9a-f]+$/.exec(name);
  if (match === null || match[1] !== HOST_TAG) return false;
  const pid = Number(match[2]);
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false; // Alive (or a reused pid: then the age rule applies).
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Out of space, too many open files, I/O trouble: a later attempt may succeed. */
const RETRIABLE = new Set(['ENOSPC', 'EDQUOT', 'EMFILE', 'ENFILE', 'EIO', 'EAGAIN', 'EBUSY']);

export class LocalDirStore implements CheckpointStore {
  readonly description: string;

  constructor(private readonly root: string) {
    this.description = `file://${root}`;
  }

  /**
   * Written to a temporary beside the target, fsynced, renamed over it, and the directory fsynced:
   * after a crash the key holds the old bytes or all the new ones.
   */
  async put(key: string, chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<void> {
    assertStoreKey(key);
    const target = join(this.root, key);
    const temp = join(dirname(target), temporaryName());
    await this.attempt('put', key, async () => {
      await mkdir(dirname(target), { recursive: true });
      const file = await open(temp, 'w');
      try {
        await writeAll(file, chunks);
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(temp, target);
      await syncDir(dirname(target));
    }).catch(async (error: unknown) => {
      await rm(temp, { force: true }).catch(() => undefined);
      throw error;
    });
  }

  async get(key: string): Promise<Uint8Array | null> {
    assertStoreKey(key);
    return this.attempt('get', key, async () => {
      try {
        return new Uint8Array(await readFile(join(this.root, key)));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
    });
  }

  async list(prefix: string): Promise<StoredObject[]> {
    return this.attempt('list', prefix, async () => {
      const found: StoredObject[] = [];
      await this.walk(this.root, prefix, found);
      return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    });
  }

  async delete(key: string): Promise<void> {
    assertStoreKey(key);
    await this.attempt('delete', key, async () => {
      await rm(join(this.root, key), { force: true });
      // Empty directories of deleted checkpoints would otherwise pile up.
      let dir = dirname(join(this.root, key));
      while (dir !== this.root && relative(this.root, dir) !== '' && !relative(this.root, dir).startsWith('..')) {
        // Fails when another put has just added something: then the directory stays, rightly.
        if (!(await rmdir(dir).then(() => true, () => false))) break;
        dir = dirname(dir);
      }
    });
  }

  /** Descends only into directories whose key path can still start with `prefix`. */
  private async walk(dir: string, prefix: string, found: StoredObject[]): Promise<void> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    let swept = false;
    for (const entry of entries) {
      if (entry.name.startsWith(TEMP_PREFIX) && entry.isFile()) {
        swept = (await this.sweepIfOrphan(join(dir, entry.name))) || swept;
        continue;
      }
      if (entry.name.includes('~')) continue;
      const path = join(dir, entry.name);
      const key = relative(this.root, path).split(sep).join('/');
      if (entry.isDirectory()) {
        const asDir = `${key}/`;
        if (asDir.startsWith(prefix) || prefix.startsWith(asDir)) await this.walk(path, prefix, found);
      } else if (entry.isFile() && key.startsWith(prefix)) {
        const s = await stat(path).catch(() => null);
        if (s !== null) found.push({ key, size: s.size, modifiedMs: s.mtimeMs });
      }
    }
    // The directory of a checkpoint whose first write was cut short holds nothing else (fails, rightly, when it does).
    if (swept && dir !== this.root) await rmdir(dir).catch(() => undefined);
  }

  /** Deletes a temporary a crashed write left (it can be as large as a whole state). True when deleted. */
  private async sweepIfOrphan(path: string): Promise<boolean> {
    const s = await stat(path).catch(() => null);
    if (s === null || !(writerIsGone(basename(path)) || Date.now() - s.mtimeMs >= ORPHAN_TEMP_AGE_MS)) return false;
    return rm(path, { force: true }).then(() => true, () => false);
  }

  private async attempt<T>(operation: string, key: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? '';
      throw new EngineError('STORE_FAILED', `${this.description}: ${operation} ${key}: ${(error as Error).message}`, {
        cause: error,
        retriable: RETRIABLE.has(code),
      });
    }
  }
}

/**
 * Chunks already in memory go out in few writev calls: a job busy processing gives the background
 * write one turn of the event loop per call, so one call per chunk would stretch a checkpoint out.
 */
async function writeAll(file: FileHandle, chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<void> {
  if (!(Symbol.iterator in chunks)) {
    for await (const chunk of chunks) await file.write(chunk);
    return;
  }
  let group: Uint8Array[] = [];
  let bytes = 0;
  for (const chunk of chunks) {
    group.push(chunk);
    bytes += chunk.length;
    // IOV_MAX is 1024 on Linux.
    if (bytes >= 64 << 20 || group.length === 1024) {
      await writeFully(file, group);
      group = [];
      bytes = 0;
    }
  }
  if (group.length > 0) await writeFully(file, group);
}

/** writev may write less than asked (large totals): the rest is written again. */
async function writeFully(file: FileHandle, group: Uint8Array[]): Promise<void> {
  const total = group.reduce((n, c) => n + c.length, 0);
  let written = (await file.writev(group)).bytesWritten;
  if (written === total) return;
  const all = Buffer.concat(group);
  while (written < total) written += (await file.write(all, written, total - written)).bytesWritten;
}

/** Makes a rename durable: the directory entry itself must reach the disk. */
async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
