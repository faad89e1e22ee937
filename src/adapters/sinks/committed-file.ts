// CommittedFileSink: an NDJSON file that only ever holds output of stored checkpoints (two-phase commit).

import { open, readdir, rm, stat, truncate } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { EngineError } from '../../core/errors.js';
import type { CommittableSink, SinkCommit } from '../../ports/sink.js';
import { makeDirectory, NdjsonStreamSink } from './ndjson-stream.js';

interface PendingPart {
  /** File name in the target's directory. */
  readonly file: string;
  readonly bytes: number;
}

/** What a checkpoint records: the target's length once every listed part is appended to it. */
interface FileCommit {
  readonly path: string;
  readonly committedBytes: number;
  readonly pending: readonly PendingPart[];
}

/**
 * Lines written between two checkpoints go to a hidden pending file beside the target
 * (`.results.ndjson.pending-12`). prepareCommit closes and fsyncs it; once the checkpoint is
 * stored, commit appends it to the target and deletes it. Appending is repeatable (the target's
 * length says how much of a part is in), so a crash while publishing is finished by the restart,
 * and a restart from an older checkpoint cuts the target back to that checkpoint's length. Readers
 * of the target see only output of stored checkpoints, at most once per line.
 */
export class CommittedFileSink<T> implements CommittableSink<T> {
  readonly description: string;
  private readonly dir: string;
  private readonly name: string;
  private current: NdjsonStreamSink<T> | null = null;
  private currentFile = '';
  /** Parts prepared and not yet known to be published, in order. */
  private unpublished: PendingPart[] = [];
  /** The target's length before the unpublished parts. */
  private publishedBytes = 0;

  constructor(
    private readonly path: string,
    private readonly format: (item: T) => string,
  ) {
    this.description = `file ${path} (committed with checkpoints)`;
    this.dir = dirname(path);
    this.name = basename(path);
  }

  async recover(commit: SinkCommit | null, nextCheckpointId: number): Promise<void> {
    const keep = new Set<string>();
    try {
      makeDirectory(this.dir);
    } catch (error) {
      this.fail('create its directory', error);
    }
    if (commit === null) {
      await open(this.path, 'w').then((f) => f.close(), (error: unknown) => this.fail('create', error));
      this.publishedBytes = 0;
    } else {
      const c = this.parse(commit);
      await this.publish(c);
      // Output published by checkpoints later than the restored one is computed again.
      await truncate(this.path, c.committedBytes).catch((error: unknown) => this.fail('truncate', error));
      this.publishedBytes = c.committedBytes;
      for (const p of c.pending) keep.add(p.file);
    }
    this.unpublished = [];
    for (const file of await this.pendingFiles()) if (!keep.has(file)) await rm(join(this.dir, file), { force: true });
    this.startPart(nextCheckpointId);
  }

  async write(items: readonly T[]): Promise<void> {
    if (this.current === null) throw new EngineError('INVARIANT_BROKEN', `${this.description}: written before recover()`);
    await this.current.write(items);
  }

  async flush(): Promise<void> {
    await this.current?.flush();
  }

  async prepareCommit(checkpointId: number): Promise<SinkCommit> {
    const part = this.current;
    const file = this.currentFile;
    if (part === null) throw new EngineError('INVARIANT_BROKEN', `${this.description}: prepared before recover()`);
    await part.close();
    const full = join(this.dir, file);
    const bytes = (await stat(full)).size;
    if (bytes === 0) await rm(full, { force: true });
    else {
      await fsync(full);
      this.unpublished.push({ file, bytes });
    }
    this.startPart(checkpointId + 1);
    const pendingBytes = this.unpublished.reduce((n, p) => n + p.bytes, 0);
    const commit: FileCommit = { path: this.path, committedBytes: this.publishedBytes + pendingBytes, pending: [...this.unpublished] };
    return commit as unknown as SinkCommit;
  }

  async commit(commit: SinkCommit): Promise<void> {
    const c = this.parse(commit);
    await this.publish(c);
    // Parts of later prepares (not in this commit) stay for the next one.
    const done = new Set(c.pending.map((p) => p.file));
    this.unpublished = this.unpublished.filter((p) => !done.has(p.file));
    this.publishedBytes = c.committedBytes;
  }

  /** The current part is left pending (the next run's recover() decides what becomes of it), unless empty. */
  async close(): Promise<void> {
    const part = this.current;
    if (part === null) return;
    this.current = null;
    await part.close();
    const full = join(this.dir, this.currentFile);
    if ((await stat(full).catch(() => null))?.size === 0) await rm(full, { force: true });
  }

  private startPart(id: number): void {
    this.currentFile = `.${this.name}.pending-${id}`;
    this.current = NdjsonStreamSink.toFile(join(this.dir, this.currentFile), this.format);
  }

  /** Appends each part not yet (wholly) in the target, then deletes it. */
  private async publish(c: FileCommit): Promise<void> {
    let start = c.committedBytes - c.pending.reduce((n, p) => n + p.bytes, 0);
    for (const part of c.pending) {
      const partPath = join(this.dir, part.file);
      const length = await stat(this.path).then((s) => s.size, () => 0);
      if (length < start) {
        throw new EngineError('CHECKPOINT_MISMATCH', `${this.path} holds ${length} bytes, fewer than the ${start} the checkpoint says were published before ${part.file}: was it changed or replaced?`);
      }
      if (length < start + part.bytes) await appendFrom(partPath, length - start, this.path).catch((error: unknown) => this.fail(`publish ${part.file}`, error));
      start += part.bytes;
      await rm(partPath, { force: true });
    }
    // Also with nothing pending: a target shorter than what was published (emptied, rotated) must
    // not be cut "back" to the checkpoint's length, which would pad it with NUL bytes.
    const length = await stat(this.path).then((s) => s.size, () => null);
    if (length === null || length < c.committedBytes) {
      throw new EngineError('CHECKPOINT_MISMATCH', `${this.path} ${length === null ? 'is missing' : `holds ${length} bytes`}, fewer than the ${c.committedBytes} the checkpoint says were published: was it changed or replaced?`);
    }
  }

  private parse(commit: SinkCommit): FileCommit {
    const c = commit as unknown as FileCommit;
    if (c.path !== this.path || !Number.isSafeInteger(c.committedBytes) || !Array.isArray(c.pending)) {
      throw new EngineError('CHECKPOINT_MISMATCH', `the checkpoint's record of ${String(c.path)} does not belong to ${this.path}`);
    }
    return c;
  }

  private async pendingFiles(): Promise<string[]> {
    const prefix = `.${this.name}.pending-`;
    const names = await readdir(this.dir).catch(() => [] as string[]);
    return names.filter((n) => n.startsWith(prefix));
  }

  private fail(what: string, error: unknown): never {
    throw new EngineError('SINK_FAILED', `${this.description}: ${what}: ${(error as Error).message}`, { cause: error });
  }
}

/** Appends `from[offset..]` to `to` in order and fsyncs it: a crash leaves a prefix, which the next publish completes. */
async function appendFrom(from: string, offset: number, to: string): Promise<void> {
  const source = await open(from, 'r');
  const target = await open(to, 'a');
  try {
    // Large reads: while the job is busy, each read and write waits for a turn of the event loop.
    const buffer = Buffer.allocUnsafe(16 << 20);
    for (let at = offset; ; ) {
      const { bytesRead } = await source.read(buffer, 0, buffer.length, at);
      if (bytesRead === 0) break;
      await target.write(buffer, 0, bytesRead);
      at += bytesRead;
    }
    await target.sync();
  } finally {
    await Promise.all([source.close(), target.close()]);
  }
}

async function fsync(path: string): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
