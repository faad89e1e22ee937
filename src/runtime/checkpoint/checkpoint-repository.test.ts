import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalDirStore } from '../../adapters/checkpoint-stores/local-dir-store.js';
import { MemoryStore } from '../../adapters/checkpoint-stores/memory-store.js';
import { EngineError } from '../../core/errors.js';
import type { CheckpointStore } from '../../ports/checkpoint-store.js';
import { CheckpointRepository, type LoadedCheckpoint, type ManifestFields } from './checkpoint-repository.js';
import { checkpointKeys } from './manifest.js';
import { ForwardingStore } from '../../../test/support/checkpoints.js';

/** A store under test, and how to damage what it holds as a disk or a crash would. */
interface Harness {
  readonly store: CheckpointStore;
  /** Replaces the stored bytes of `key` (on disk for the local directory). */
  rewrite(key: string, change: (bytes: Uint8Array) => Uint8Array): Promise<void>;
  /** Removes `key` (on disk for the local directory). */
  remove(key: string): Promise<void>;
  cleanup(): Promise<void>;
}

const harnesses: [string, () => Promise<Harness>][] = [
  [
    'MemoryStore',
    async () => {
      const store = new MemoryStore();
      return {
        store,
        async rewrite(key, change) {
          const bytes = await store.get(key);
          if (bytes === null) throw new Error(`no ${key}`);
          await store.put(key, [change(bytes)]);
        },
        remove: (key) => store.delete(key),
        cleanup: async () => {},
      };
    },
  ],
  [
    'LocalDirStore',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'tally-repo-'));
      const root = join(dir, 'state');
      return {
        store: new LocalDirStore(root),
        async rewrite(key, change) {
          const path = join(root, key);
          await writeFile(path, change(new Uint8Array(await readFile(path))));
        },
        remove: (key) => rm(join(root, key)),
        cleanup: () => rm(dir, { recursive: true, force: true }),
      };
    },
  ],
];

function fieldsOf(id: number): ManifestFields {
  return {
    createdAtMs: 1_764_000_000_000 + id * 1_000,
    job: { name: 'clicks', fingerprint: '0123456789abcdef', definition: { keyBy: ['user_id'], windows: [{ name: 'minute' }] } },
    snapshotFormat: 2,
    source: { description: 'file /data/events.ndjson', position: { file: '/data/events.ndjson', byteOffset: 100 * id, line: 10 * id + 1 } },
    sinks: { results: { path: '/out/results.ndjson', committedBytes: 37 * id, pending: [] } as never, deadLetters: null, lateRecords: null },
    counters: { records: 10 * id, blankLines: id, badRecords: 2 * id },
    summary: { keys: 5 * id, openWindows: 3, watermarkMs: null },
    finished: false,
    pauseMs: 1.25 * id,
  };
}

/** Distinct state bytes per checkpoint, in a few chunks (the repository hashes them on the way). */
function stateOf(id: number): Uint8Array[] {
  const seeded = (n: number, salt: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 31 + id * 7 + salt) & 0xff);
  return [seeded(1000 + id, 1), seeded(17, 2), seeded(4096, 3)];
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  return Uint8Array.from(chunks.flatMap((c) => [...c]));
}

/** A store that fails the puts `failsPut` picks: the repository's write then stops where a crash would. */
class FailingPuts extends ForwardingStore {
  constructor(inner: CheckpointStore, private readonly failsPut: (key: string) => boolean) {
    super(inner);
  }
  override async put(key: string, chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<void> {
    if (this.failsPut(key)) throw new EngineError('STORE_FAILED', `put ${key}: the process died`);
    await this.inner.put(key, chunks);
  }
}

/** Records every delete, in order. */
class RecordingDeletes extends ForwardingStore {
  readonly deletes: string[] = [];
  override async delete(key: string): Promise<void> {
    this.deletes.push(key);
    await this.inner.delete(key);
  }
}

/** Writes checkpoint `id` only as far as its state: what a crash between the two puts leaves. */
async function writeStateOnly(store: CheckpointStore, id: number): Promise<void> {
  const crashing = new CheckpointRepository(new FailingPuts(store, (key) => key === checkpointKeys(id).manifest));
  await expect(crashing.write(id, stateOf(id), fieldsOf(id))).rejects.toThrow('the process died');
}

/** The byte index of the first digit of `createdAtMs`'s value in the manifest's text. */
function createdAtDigit(manifest: Uint8Array): number {
  const text = new TextDecoder().decode(manifest);
  const at = text.indexOf('"createdAtMs": ');
  expect(at).toBeGreaterThan(0);
  return at + '"createdAtMs": '.length + 3;
}

describe.each(harnesses)('CheckpointRepository on %s', (_name, open) => {
  let h: Harness;
  let repo: CheckpointRepository;
  beforeEach(async () => {
    h = await open();
    repo = new CheckpointRepository(h.store);
  });
  afterEach(async () => {
    await h.cleanup();
  });

  describe('write and load', () => {
    it('round-trips the manifest fields and the state, recording its size and sha256', async () => {
      const written = await repo.write(7, stateOf(7), fieldsOf(7));
      const state = concat(stateOf(7));
      const { snapshotFormat, ...rest } = fieldsOf(7);
      const keys = checkpointKeys(7);
      expect(keys.state).toBe('checkpoints/chk-0000000007/state.bin');
      expect(written).toEqual({
        format: 'tally-checkpoint',
        formatVersion: 1,
        id: 7,
        ...rest,
        state: { key: keys.state, bytes: state.length, sha256: createHash('sha256').update(state).digest('hex'), snapshotFormat },
      });

      const loaded = await repo.load(7);
      expect(loaded.manifest).toEqual(written);
      expect(loaded.state).toEqual(state);
      // The state object holds exactly the bytes given, the manifest is a separate object.
      expect(await h.store.get(keys.state)).toEqual(state);
      expect((await h.store.list('checkpoints/')).map((o) => [o.key, o.size])).toEqual([
        [keys.manifest, (await h.store.get(keys.manifest))?.length],
        [keys.state, state.length],
      ]);
      expect(await repo.list()).toMatchObject([{ id: 7, hasManifest: true }]);
    });

    it('round-trips a large random state given in many chunks', async () => {
      const chunks = Array.from({ length: 40 }, () => new Uint8Array(randomBytes(25_000)));
      const written = await repo.write(1, chunks, fieldsOf(1));
      const state = Buffer.concat(chunks);
      expect(written.state.bytes).toBe(1_000_000);
      expect(written.state.sha256).toBe(createHash('sha256').update(state).digest('hex'));
      expect(Buffer.from((await repo.load(1)).state).equals(state)).toBe(true);
    });

    it('reports a checkpoint whose manifest was never written as incomplete, and does not load it', async () => {
      await writeStateOnly(h.store, 3);
      expect(await repo.list()).toMatchObject([{ id: 3, hasManifest: false }]);
      await expect(repo.load(3)).rejects.toMatchObject({ code: 'SNAPSHOT_CORRUPT', message: expect.stringContaining('no manifest') });
    });
  });

  describe('loadLatest', () => {
    beforeEach(async () => {
      for (const id of [1, 2, 3]) await repo.write(id, stateOf(id), fieldsOf(id));
    });

    async function expectFallsBackFrom3(reason: RegExp, accept?: (loaded: LoadedCheckpoint) => void): Promise<void> {
      const { loaded, skipped } = await repo.loadLatest(accept);
      expect(skipped).toEqual([{ id: 3, reason: expect.stringMatching(reason) }]);
      expect(loaded?.manifest.id).toBe(2);
      expect(loaded?.manifest.counters).toEqual(fieldsOf(2).counters);
      expect(loaded?.state).toEqual(concat(stateOf(2)));
    }

    it('picks the newest good checkpoint', async () => {
      const accepted: number[] = [];
      const { loaded, skipped } = await repo.loadLatest((l) => accepted.push(l.manifest.id));
      expect(skipped).toEqual([]);
      expect(loaded?.manifest.id).toBe(3);
      expect(loaded?.state).toEqual(concat(stateOf(3)));
      expect(accepted).toEqual([3]);
    });

    it('picks the newest by id, not by the order written', async () => {
      await repo.write(10, stateOf(10), fieldsOf(10));
      await repo.write(9, stateOf(9), fieldsOf(9));
      expect((await repo.loadLatest()).loaded?.manifest.id).toBe(10);
    });

    it('skips a truncated state', async () => {
      await h.rewrite(checkpointKeys(3).state, (b) => b.subarray(0, b.length - 10));
      await expectFallsBackFrom3(/checkpoint 3: state has \d+ bytes, the manifest says \d+ \(truncated\)/);
    });

    it('skips a state with one byte flipped', async () => {
      await h.rewrite(checkpointKeys(3).state, (b) => {
        const c = b.slice();
        c[2000] = (c[2000] as number) ^ 0x01;
        return c;
      });
      await expectFallsBackFrom3(/checkpoint 3: state does not match its sha256/);
    });

    it('skips a manifest with one byte flipped (still valid JSON: the checksum catches it)', async () => {
      await h.rewrite(checkpointKeys(3).manifest, (b) => {
        const c = b.slice();
        const at = createdAtDigit(c);
        c[at] = (c[at] as number) ^ 0x01; // a digit stays a digit
        JSON.parse(new TextDecoder().decode(c));
        return c;
      });
      await expectFallsBackFrom3(/manifest of checkpoint 3 does not match its checksum/);
    });

    it('skips a truncated manifest', async () => {
      await h.rewrite(checkpointKeys(3).manifest, (b) => b.subarray(0, Math.floor(b.length / 2)));
      await expectFallsBackFrom3(/manifest of checkpoint 3 is not valid JSON/);
    });

    it('skips an empty manifest', async () => {
      await h.rewrite(checkpointKeys(3).manifest, () => new Uint8Array(0));
      await expectFallsBackFrom3(/manifest of checkpoint 3 is not valid JSON/);
    });

    it('skips a checkpoint whose writing stopped after the state (no manifest)', async () => {
      await writeStateOnly(h.store, 4);
      const { loaded, skipped } = await repo.loadLatest();
      expect(skipped).toEqual([{ id: 4, reason: expect.stringMatching(/checkpoint 4 has no manifest/) }]);
      expect(loaded?.manifest.id).toBe(3);
      expect(loaded?.state).toEqual(concat(stateOf(3)));
    });

    it('skips a checkpoint whose state is missing', async () => {
      await h.remove(checkpointKeys(3).state);
      await expectFallsBackFrom3(/checkpoint 3 has no state file checkpoints\/chk-0000000003\/state\.bin/);
    });

    it('skips a checkpoint that accept() finds corrupt (a state that does not decode)', async () => {
      const seen: number[] = [];
      await expectFallsBackFrom3(/^state of 3 does not decode$/, ({ manifest }) => {
        seen.push(manifest.id);
        if (manifest.id === 3) throw new EngineError('SNAPSHOT_CORRUPT', 'state of 3 does not decode');
      });
      expect(seen).toEqual([3, 2]);
    });

    it('returns null, listing every checkpoint skipped, newest first, when all are damaged', async () => {
      await writeStateOnly(h.store, 4);
      await h.rewrite(checkpointKeys(3).state, (b) => b.subarray(0, 5));
      await h.rewrite(checkpointKeys(2).manifest, (b) => b.subarray(0, 20));
      await h.remove(checkpointKeys(1).state);
      const { loaded, skipped } = await repo.loadLatest();
      expect(loaded).toBeNull();
      expect(skipped).toEqual([
        { id: 4, reason: expect.stringContaining('no manifest') },
        { id: 3, reason: expect.stringContaining('truncated') },
        { id: 2, reason: expect.stringContaining('not valid JSON') },
        { id: 1, reason: expect.stringContaining('no state file') },
      ]);
    });

    it('returns null with nothing skipped for an empty store', async () => {
      const other = await open();
      try {
        expect(await new CheckpointRepository(other.store).loadLatest()).toEqual({ loaded: null, skipped: [] });
      } finally {
        await other.cleanup();
      }
    });

    it('throws an error of accept() other than corruption, without trying older checkpoints', async () => {
      const seen: number[] = [];
      const refusal = new EngineError('SNAPSHOT_INCOMPATIBLE', 'taken with another job definition');
      await expect(
        repo.loadLatest(({ manifest }) => {
          seen.push(manifest.id);
          throw refusal;
        }),
      ).rejects.toBe(refusal);
      expect(seen).toEqual([3]);
    });

    it('throws a store failure while reading, rather than skipping the checkpoint', async () => {
      const failing = new CheckpointRepository({
        description: 'flaky',
        put: (key, chunks) => h.store.put(key, chunks),
        list: (prefix) => h.store.list(prefix),
        delete: (key) => h.store.delete(key),
        get: async (key) => {
          if (key === checkpointKeys(3).state) throw new EngineError('STORE_FAILED', 'get: 503 SlowDown', { retriable: true });
          return h.store.get(key);
        },
      });
      await expect(failing.loadLatest()).rejects.toMatchObject({ code: 'STORE_FAILED' });
    });
  });

  describe('prune and delete', () => {
    /** Complete 1 2 4 5 7 9, incomplete (state only) 3 6 8: 7 is the latest stored, 8 and 9 came after it. */
    async function layout(): Promise<void> {
      for (const id of [1, 2, 4, 5, 7, 9]) await repo.write(id, stateOf(id), fieldsOf(id));
      for (const id of [3, 6, 8]) await writeStateOnly(h.store, id);
    }

    const keysOf = (ids: number[], complete: Set<number>): string[] =>
      ids.flatMap((id) => (complete.has(id) ? [checkpointKeys(id).manifest, checkpointKeys(id).state] : [checkpointKeys(id).state]));

    it('keeps the newest `retain` complete ones up to latest, deletes older and incomplete ones, never touches ids >= latest', async () => {
      await layout();
      const recording = new RecordingDeletes(h.store);
      const deleted = await new CheckpointRepository(recording).prune(2, 7);
      expect(deleted).toEqual([1, 2, 3, 4, 6]);
      const remaining = await repo.list();
      expect(remaining.map((e) => [e.id, e.hasManifest])).toEqual([
        [5, true],
        [7, true],
        [8, false],
        [9, true],
      ]);
      expect((await h.store.list('checkpoints/')).map((o) => o.key)).toEqual(keysOf([5, 7, 8, 9], new Set([5, 7, 9])));
      // What stays is untouched: it still loads.
      for (const id of [5, 7, 9]) expect((await repo.load(id)).state).toEqual(concat(stateOf(id)));
      // Each checkpoint deleted manifest first, then its state.
      expect(recording.deletes).toEqual(keysOf([1, 2, 3, 4, 6], new Set([1, 2, 4])));
    });

    it('with retain 1 keeps only latest; with a large retain deletes only the incomplete ones', async () => {
      await layout();
      expect(await repo.prune(1000, 7)).toEqual([3, 6]);
      expect((await repo.list()).map((e) => e.id)).toEqual([1, 2, 4, 5, 7, 8, 9]);
      expect(await repo.prune(1, 7)).toEqual([1, 2, 4, 5]);
      expect((await repo.list()).map((e) => e.id)).toEqual([7, 8, 9]);
      // Pruning again changes nothing.
      expect(await repo.prune(1, 7)).toEqual([]);
    });

    it('keeps complete checkpoints from keepFrom on (the newest published one, while newer ones wait), but not incomplete ones', async () => {
      await layout();
      expect(await repo.prune(1, 7, 4)).toEqual([1, 2, 3, 6]);
      expect((await repo.list()).map((e) => e.id)).toEqual([4, 5, 7, 8, 9]);
    });

    it('keeps an incomplete checkpoint newer than latest (it may be being written)', async () => {
      await repo.write(1, stateOf(1), fieldsOf(1));
      await repo.write(2, stateOf(2), fieldsOf(2));
      await writeStateOnly(h.store, 3);
      expect(await repo.prune(1, 2)).toEqual([1]);
      expect((await repo.list()).map((e) => [e.id, e.hasManifest])).toEqual([
        [2, true],
        [3, false],
      ]);
    });

    it('delete() removes the manifest before the state and anything else under the checkpoint', async () => {
      await repo.write(4, stateOf(4), fieldsOf(4));
      await h.store.put('checkpoints/chk-0000000004/extra.bin', [new Uint8Array(3)]);
      const recording = new RecordingDeletes(h.store);
      const recorded = new CheckpointRepository(recording);
      const [entry] = await recorded.list();
      expect(entry).toBeDefined();
      await recorded.delete(entry!);
      expect(recording.deletes[0]).toBe(checkpointKeys(4).manifest);
      expect(recording.deletes.slice(1).sort()).toEqual(['checkpoints/chk-0000000004/extra.bin', checkpointKeys(4).state]);
      expect(await h.store.list('checkpoints/')).toEqual([]);
    });
  });
});
