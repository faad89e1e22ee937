// The CheckpointStore contract: one suite, run against every adapter (memory, local dir, S3, WebHDFS).

import { describe, expect, it } from 'vitest';
import type { CheckpointStore } from '../../src/ports/checkpoint-store.js';

export interface StoreUnderTest {
  readonly store: CheckpointStore;
  /** Removes what the test created (the store is closed by the suite). */
  cleanup(): Promise<void>;
}

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (data: Uint8Array | null): string | null => (data === null ? null : new TextDecoder().decode(data));

/** Deterministic pseudo-random bytes, so a mixed-up chunk order shows. */
function pattern(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

async function* slowChunks(parts: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) {
    await new Promise((r) => setTimeout(r, 1));
    yield p;
  }
}

async function* failingAfter(parts: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield p;
  throw new Error('writer died');
}

export function describeCheckpointStoreContract(name: string, open: () => Promise<StoreUnderTest>): void {
  describe(`CheckpointStore contract: ${name}`, () => {
    const withStore = (test: (store: CheckpointStore) => Promise<void>) => async () => {
      const subject = await open();
      try {
        await test(subject.store);
      } finally {
        await subject.store.close?.();
        await subject.cleanup();
      }
    };

    it('returns null for a key never written', withStore(async (store) => {
      expect(await store.get('chk-0000000001/manifest.json')).toBeNull();
    }));

    it('reads back what was put, from one chunk, many chunks and none', withStore(async (store) => {
      await store.put('a/one.bin', [bytes('hello')]);
      await store.put('a/many.bin', [bytes('he'), bytes(''), bytes('llo'), bytes(' world')]);
      await store.put('a/empty.bin', []);
      expect(text(await store.get('a/one.bin'))).toBe('hello');
      expect(text(await store.get('a/many.bin'))).toBe('hello world');
      const empty = await store.get('a/empty.bin');
      expect(empty).not.toBeNull();
      expect(empty?.length).toBe(0);
    }));

    it('streams a large object from an async iterable, bytes in order', withStore(async (store) => {
      const parts = [pattern(1 << 20, 1), pattern(777_777, 2), pattern(1 << 20, 3), pattern(5, 4)];
      await store.put('big/state.bin', slowChunks(parts));
      const back = await store.get('big/state.bin');
      const expected = Buffer.concat(parts);
      expect(back?.length).toBe(expected.length);
      expect(Buffer.from(back as Uint8Array).equals(expected)).toBe(true);
    }));

    it('replaces an object on a second put', withStore(async (store) => {
      await store.put('x/manifest.json', [bytes('first version, longer')]);
      await store.put('x/manifest.json', [bytes('second')]);
      expect(text(await store.get('x/manifest.json'))).toBe('second');
      const listed = await store.list('x/');
      expect(listed.map((o) => [o.key, o.size])).toEqual([['x/manifest.json', 6]]);
    }));

    it('lists by any key prefix, sorted by key, with sizes', withStore(async (store) => {
      await store.put('chk-0000000010/state.bin', [bytes('0123456789')]);
      await store.put('chk-0000000002/state.bin', [bytes('ab')]);
      await store.put('chk-0000000002/manifest.json', [bytes('{}')]);
      await store.put('results/window=w/part-1.ndjson', [bytes('r\n')]);
      const all = await store.list('');
      expect(all.map((o) => o.key)).toEqual([
        'chk-0000000002/manifest.json',
        'chk-0000000002/state.bin',
        'chk-0000000010/state.bin',
        'results/window=w/part-1.ndjson',
      ]);
      expect(all.map((o) => o.size)).toEqual([2, 2, 10, 2]);
      for (const o of all) if (o.modifiedMs !== null) expect(Number.isFinite(o.modifiedMs)).toBe(true);
      expect((await store.list('chk-00000000')).map((o) => o.key)).toEqual(all.slice(0, 3).map((o) => o.key));
      expect((await store.list('chk-0000000002/')).map((o) => o.key)).toEqual(all.slice(0, 2).map((o) => o.key));
      expect(await store.list('nothing-here')).toEqual([]);
    }));

    it('deletes, and deleting an absent key is no error', withStore(async (store) => {
      await store.put('d/k.bin', [bytes('x')]);
      await store.delete('d/k.bin');
      expect(await store.get('d/k.bin')).toBeNull();
      expect(await store.list('d/')).toEqual([]);
      await store.delete('d/k.bin');
      await store.delete('never/was.bin');
    }));

    it('leaves nothing visible when the writer fails during a put, and keeps the previous version', withStore(async (store) => {
      await expect(store.put('p/state.bin', failingAfter([pattern(300_000, 5), pattern(300_000, 6)]))).rejects.toThrow();
      expect(await store.get('p/state.bin')).toBeNull();
      expect((await store.list('p/')).map((o) => o.key)).toEqual([]);
      await store.put('p/state.bin', [bytes('good')]);
      await expect(store.put('p/state.bin', failingAfter([pattern(100_000, 7)]))).rejects.toThrow();
      expect(text(await store.get('p/state.bin'))).toBe('good');
      expect((await store.list('p/')).map((o) => o.key)).toEqual(['p/state.bin']);
    }));

    it('rejects keys that could leave the store root', withStore(async (store) => {
      for (const bad of ['../escape', '/abs', 'a//b', 'a/../b', 'a/./b', '', 'sp ace']) {
        await expect(store.put(bad, [bytes('x')]), bad).rejects.toMatchObject({ code: 'STORE_FAILED' });
        await expect(store.get(bad), bad).rejects.toMatchObject({ code: 'STORE_FAILED' });
      }
    }));
  });
}
