import { DuckDBInstance } from '@duckdb/node-api';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ResultFormatter } from '../../core/emit/format-result.js';
import type { WindowResult } from '../../core/emit/outputs.js';
import { EngineError } from '../../core/errors.js';
import type { GroupKey } from '../../core/operator/key-table.js';
import type { CheckpointStore, StoredObject } from '../../ports/checkpoint-store.js';
import type { SinkCommit } from '../../ports/sink.js';
import { LocalDirStore } from '../checkpoint-stores/local-dir-store.js';
import { MemoryStore } from '../checkpoint-stores/memory-store.js';
import { ndjsonEncoding } from './part-encoders.js';
import { buildPartitionedSink, PartitionedFilesSink } from './partitioned-files.js';

const T0 = Date.UTC(2026, 10, 23, 14, 0); // 2026-11-23T14:00Z
const MINUTE_MS = 60_000;
const OUTPUTS = ['count', 'sum_value'];

const keyOf = (user: string | number): GroupKey => ({ id: 0, key: { user_id: user }, keyJson: JSON.stringify({ user_id: user }) });

function result(startMs: number, user: string | number, count: number, window = 'per_minute'): WindowResult {
  return {
    kind: 'result', window, windowKind: 'tumbling', start: startMs, end: startMs + MINUTE_MS, key: keyOf(user),
    names: OUTPUTS, values: [count, count * 1.5], revision: 0, isFinal: true, windowIndex: null,
  };
}

/** The NDJSON lines the single-file sink writes for these results. */
function linesOf(results: readonly WindowResult[]): string {
  const formatter = new ResultFormatter(false);
  return results.map((r) => `${formatter.format(r)}\n`).join('');
}

const FORMATTER = new ResultFormatter(false);

function sinkOn(store: CheckpointStore, rollSizeBytes = 1 << 20): PartitionedFilesSink {
  return new PartitionedFilesSink(store, { encoding: ndjsonEncoding((r) => FORMATTER.format(r)), rollSizeBytes });
}

/** Published part files (what a reader of the partitions reads), by key. */
async function published(store: CheckpointStore): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const o of await store.list('window=')) if (o.key.includes('/part-')) files.set(o.key, new TextDecoder().decode((await store.get(o.key)) as Uint8Array));
  return files;
}

/** A record as a restart reads it back from the checkpoint's manifest. */
function roundTrip(commit: SinkCommit): SinkCommit {
  return JSON.parse(JSON.stringify(commit)) as SinkCommit;
}

async function keysUnder(store: CheckpointStore, prefix: string): Promise<string[]> {
  return (await store.list(prefix)).map((o) => o.key);
}

/** A store that fails one chosen operation once, as a process dying at that point would stop. */
class FailingStore implements CheckpointStore {
  private failWhen: ((operation: string, key: string) => boolean) | null = null;

  constructor(
    private readonly inner: CheckpointStore,
    readonly description = inner.description,
  ) {}

  failOnce(when: (operation: string, key: string) => boolean): void {
    this.failWhen = when;
  }

  private check(operation: string, key: string): void {
    if (this.failWhen?.(operation, key) === true) {
      this.failWhen = null;
      throw new EngineError('STORE_FAILED', `injected failure: ${operation} ${key}`, { retriable: true });
    }
  }

  /** Keys put, in order. */
  readonly puts: string[] = [];

  async put(key: string, chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<void> {
    this.check('put', key);
    this.puts.push(key);
    await this.inner.put(key, chunks);
  }

  async get(key: string): Promise<Uint8Array | null> {
    return this.inner.get(key);
  }

  async list(prefix: string): Promise<StoredObject[]> {
    return this.inner.list(prefix);
  }

  async delete(key: string): Promise<void> {
    this.check('delete', key);
    await this.inner.delete(key);
  }
}

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

const STORES: [string, () => Promise<CheckpointStore>][] = [
  ['MemoryStore', async () => new MemoryStore()],
  [
    'LocalDirStore',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'tally-partitioned-'));
      dirs.push(dir);
      return new LocalDirStore(join(dir, 'results'));
    },
  ],
];

describe.each(STORES)('PartitionedFilesSink on a %s', (_name, makeStore) => {
  it('shows no part before the checkpoint that covers it is committed, then the lines the file sink writes', async () => {
    const store = await makeStore();
    const sink = sinkOn(store);
    await sink.recover(null, 1);
    const batch = [result(T0, 'a', 3), result(T0, 'b', 1), result(T0 + MINUTE_MS, 'a', 2)];
    await sink.write(batch);
    expect(await published(store)).toEqual(new Map());
    const c1 = await sink.prepareCommit(1);
    // Prepared: staged under _pending/, still invisible to readers of the partitions.
    expect(await published(store)).toEqual(new Map());
    expect(await keysUnder(store, '_pending/')).toHaveLength(1);
    await sink.write([result(T0 + 2 * MINUTE_MS, 'c', 5)]);
    await sink.commit(c1);
    expect(await published(store)).toEqual(new Map([['window=per_minute/dt=2026-11-23/hour=14/part-0000000001-00000.ndjson', linesOf(batch)]]));
    expect(await keysUnder(store, '_pending/')).toEqual([]);
    // The record is JSON: it goes into the checkpoint's manifest.
    expect(roundTrip(c1)).toEqual(c1);
    await sink.close();
  });

  it("partitions by window name and the UTC day and hour of the window's start", async () => {
    const store = await makeStore();
    const sink = sinkOn(store);
    await sink.recover(null, 1);
    //   23:59 ──┬── 00:00 (next day)
    //  [23:59, 00:00) is in hour 23; [00:00, 00:01) in hour 00 of the 24th.
    const lastMinute = Date.UTC(2026, 10, 23, 23, 59);
    await sink.write([result(lastMinute, 'a', 1), result(lastMinute + MINUTE_MS, 'a', 1), result(Date.UTC(2026, 10, 23), 'a', 9, 'daily')]);
    await sink.commit(await sink.prepareCommit(7));
    expect([...(await published(store)).keys()]).toEqual([
      'window=daily/dt=2026-11-23/hour=00/part-0000000007-00000.ndjson',
      'window=per_minute/dt=2026-11-23/hour=23/part-0000000007-00000.ndjson',
      'window=per_minute/dt=2026-11-24/hour=00/part-0000000007-00000.ndjson',
    ]);
  });

  it('commits idempotently: committing a record twice leaves the same files', async () => {
    const store = await makeStore();
    const sink = sinkOn(store);
    await sink.recover(null, 1);
    await sink.write([result(T0, 'a', 1), result(T0 + 3_600_000, 'b', 2)]);
    const c1 = await sink.prepareCommit(1);
    await sink.commit(c1);
    const once = await published(store);
    await sink.commit(c1);
    expect(await published(store)).toEqual(once);
    expect(once.size).toBe(2);
    // A new sink (a restart) given the same record also changes nothing.
    const again = sinkOn(store);
    await again.recover(c1, 2);
    expect(await published(store)).toEqual(once);
  });

  it('finishes on restart a commit that a crash cut short, whichever step it stopped at', async () => {
    const failing = new FailingStore(await makeStore());
    const sink = sinkOn(failing);
    await sink.recover(null, 1);
    const hours = [0, 1, 2].map((h) => [result(T0 + h * 3_600_000, 'a', h + 1), result(T0 + h * 3_600_000 + MINUTE_MS, 'b', h + 10)]);
    await sink.write(hours.flat());
    const c1 = await sink.prepareCommit(1);
    // Crash 1: publishing the hour=15 part fails; the other two are published.
    failing.failOnce((operation, key) => operation === 'put' && key.includes('hour=15/part-'));
    await expect(sink.commit(c1)).rejects.toThrow(/injected failure: put/);
    expect([...(await published(failing)).keys()].map((k) => k.split('/')[2])).toEqual(['hour=14', 'hour=16']);
    // The restart, and crash 2 in its recovery: hour=15 is published, its staged copy not yet deleted.
    const restarted = sinkOn(failing);
    failing.failOnce((operation, key) => operation === 'delete' && key.startsWith('_pending/'));
    await expect(restarted.recover(roundTrip(c1), 2)).rejects.toThrow(/injected failure: delete/);
    expect(await keysUnder(failing, '_pending/')).toHaveLength(1);
    const finished = sinkOn(failing);
    const putsBefore = failing.puts.length;
    await finished.recover(roundTrip(c1), 2);
    // The part already there, whole, is not written again: only its staged copy goes.
    expect(failing.puts.slice(putsBefore).filter((k) => k.includes('hour=15/part-'))).toEqual([]);
    const files = await published(failing);
    expect([...files.keys()].map((k) => k.split('/')[2])).toEqual(['hour=14', 'hour=15', 'hour=16']);
    expect([...files.values()]).toEqual(hours.map(linesOf));
    expect(await keysUnder(failing, '_pending/')).toEqual([]);
  });

  it('recovering from an older checkpoint deletes the parts of later ones and everything staged, and nothing else', async () => {
    const store = await makeStore();
    await store.put('README.txt', [new TextEncoder().encode('not ours')]);
    await store.put('window=per_minute/notes.txt', [new TextEncoder().encode('not ours either')]);
    const sink = sinkOn(store);
    await sink.recover(null, 1);
    await sink.write([result(T0, 'a', 1)]);
    const c1 = await sink.prepareCommit(1);
    await sink.commit(c1);
    await sink.write([result(T0 + MINUTE_MS, 'a', 2)]);
    await sink.commit(await sink.prepareCommit(2));
    await sink.write([result(T0 + 2 * MINUTE_MS, 'a', 3)]);
    await sink.prepareCommit(3); // prepared, its checkpoint never stored
    await sink.write([result(T0 + 3 * MINUTE_MS, 'a', 4)]); // in memory only
    await sink.close();
    expect((await published(store)).size).toBe(2);
    expect(await keysUnder(store, '_pending/')).toHaveLength(1);

    const restarted = sinkOn(store);
    await restarted.recover(roundTrip(c1), 2);
    expect(await published(store)).toEqual(new Map([['window=per_minute/dt=2026-11-23/hour=14/part-0000000001-00000.ndjson', linesOf([result(T0, 'a', 1)])]]));
    expect(await keysUnder(store, '_pending/')).toEqual([]);
    expect(await keysUnder(store, 'README.txt')).toEqual(['README.txt']);
    expect(await keysUnder(store, 'window=per_minute/notes.txt')).toEqual(['window=per_minute/notes.txt']);

    // Computing again from checkpoint 1 publishes checkpoint 2's results under the same name.
    await restarted.write([result(T0 + MINUTE_MS, 'a', 2)]);
    await restarted.commit(await restarted.prepareCommit(2));
    expect([...(await published(store)).keys()]).toEqual([
      'window=per_minute/dt=2026-11-23/hour=14/part-0000000001-00000.ndjson',
      'window=per_minute/dt=2026-11-23/hour=14/part-0000000002-00000.ndjson',
    ]);
  });

  it('a fresh start (no checkpoint) deletes every part and staged part', async () => {
    const store = await makeStore();
    const sink = sinkOn(store);
    await sink.recover(null, 1);
    await sink.write([result(T0, 'a', 1)]);
    await sink.commit(await sink.prepareCommit(1));
    await sink.write([result(T0, 'b', 1)]);
    await sink.prepareCommit(2);
    await store.put('other/data.csv', [new TextEncoder().encode('x')]);
    await sinkOn(store).recover(null, 1);
    expect(await keysUnder(store, '')).toEqual(['other/data.csv']);
  });

  it('rolls a part once it reaches the roll size, numbering the parts of a partition in order', async () => {
    const store = await makeStore();
    const one = linesOf([result(T0, 'u00', 1)]).length;
    const sink = sinkOn(store, 3 * one); // three lines a part
    await sink.recover(null, 1);
    // Lines of one length: u00 … u07, each with the same aggregates.
    const batch = Array.from({ length: 8 }, (_, i) => result(T0, `u0${i}`, 1));
    await sink.write(batch.slice(0, 5));
    // The first part rolled as soon as it was full: staged before any checkpoint.
    expect(await keysUnder(store, '_pending/')).toHaveLength(1);
    await sink.write(batch.slice(5));
    await sink.commit(await sink.prepareCommit(4));
    const files = await published(store);
    expect([...files.keys()].map((k) => k.split('/').pop())).toEqual(['part-0000000004-00000.ndjson', 'part-0000000004-00001.ndjson', 'part-0000000004-00002.ndjson']);
    expect([...files.values()].map((text) => text.split('\n').length - 1)).toEqual([3, 3, 2]);
    expect([...files.values()].join('')).toBe(linesOf(batch));
  });

  it('publishes with the next checkpoint what a checkpoint that was not stored prepared', async () => {
    const store = await makeStore();
    const sink = sinkOn(store);
    await sink.recover(null, 1);
    await sink.write([result(T0, 'a', 1)]);
    await sink.prepareCommit(1); // never stored: its commit never comes
    await sink.write([result(T0, 'b', 2)]);
    const c2 = await sink.prepareCommit(2);
    expect((c2 as unknown as { parts: unknown[] }).parts).toHaveLength(2);
    await sink.commit(c2);
    expect([...(await published(store)).keys()].map((k) => k.split('/').pop())).toEqual(['part-0000000001-00000.ndjson', 'part-0000000002-00000.ndjson']);
    // Committed parts are not recorded again.
    expect((await sink.prepareCommit(3)) as unknown as { parts: unknown[] }).toMatchObject({ parts: [] });
  });

  it('refuses a record of another output, and a part that is neither staged nor published', async () => {
    const store = await makeStore();
    const sink = sinkOn(store);
    await sink.recover(null, 1);
    await expect(sinkOn(store).recover({ path: 'out/results.ndjson', committedBytes: 0, pending: [] }, 2)).rejects.toThrow(/not one of partitioned files/);
    await sink.write([result(T0, 'a', 1)]);
    const c1 = await sink.prepareCommit(1);
    await expect(sinkOn(new FailingStore(new MemoryStore(), 'another store')).recover(c1, 2)).rejects.toThrow(`were written to ${store.description}; put the sink back there`);
    const record = c1 as unknown as { parts: { staged: string }[] };
    await store.delete(record.parts[0]?.staged as string);
    await expect(sink.commit(c1)).rejects.toMatchObject({ code: 'CHECKPOINT_MISMATCH' });
    expect(await published(store)).toEqual(new Map());
  });

  it('refuses writes before recover()', async () => {
    const sink = sinkOn(await makeStore());
    await expect(sink.write([result(T0, 'a', 1)])).rejects.toMatchObject({ code: 'INVARIANT_BROKEN' });
  });
});

describe('PartitionedFilesSink writing Parquet, as DuckDB sees the directory', () => {
  it('shows DuckDB no staged part, only the published ones', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tally-partitioned-duckdb-'));
    dirs.push(dir);
    const sink = await buildPartitionedSink(new LocalDirStore(dir), { format: 'parquet', rollSizeBytes: 1 << 20, keyFields: ['user_id'], outputNames: OUTPUTS, isUpdateMode: false });
    await sink.recover(null, 1);
    await sink.write([result(T0, 'a', 3), result(T0 + 3_600_000, 'b', 4)]);
    const c1 = await sink.prepareCommit(1);
    const duck = await DuckDBInstance.create(':memory:');
    const connection = await duck.connect();
    const clicks = async (): Promise<unknown> =>
      (await connection.runAndReadAll(`SELECT sum("count") AS n FROM read_parquet('${dir}/**/*.parquet', hive_partitioning = true)`)).getRowObjectsJson()[0]?.n;
    try {
      // Two parts are staged under _pending/, and a recursive glob for *.parquet matches neither.
      expect(await keysUnder(new LocalDirStore(dir), '_pending/')).toHaveLength(2);
      await expect(clicks()).rejects.toThrow(/No files found/);
      await sink.commit(c1);
      expect(await clicks()).toBe(7);
    } finally {
      connection.closeSync();
      duck.closeSync();
    }
  });
});
