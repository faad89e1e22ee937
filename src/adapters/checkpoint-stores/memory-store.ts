// MemoryStore: a CheckpointStore in a Map, for tests and for embedding without persistence.

import { assertStoreKey, type CheckpointStore, type StoredObject } from '../../ports/checkpoint-store.js';

export class MemoryStore implements CheckpointStore {
  readonly description = 'memory';
  private readonly objects = new Map<string, { data: Uint8Array; modifiedMs: number }>();

  async put(key: string, chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<void> {
    assertStoreKey(key);
    const parts: Uint8Array[] = [];
    // Collected before storing: a failing iterator leaves the previous object in place.
    for await (const chunk of chunks) parts.push(chunk.slice());
    this.objects.set(key, { data: concat(parts), modifiedMs: Date.now() });
  }

  async get(key: string): Promise<Uint8Array | null> {
    assertStoreKey(key);
    return this.objects.get(key)?.data.slice() ?? null;
  }

  async list(prefix: string): Promise<StoredObject[]> {
    return [...this.objects]
      .filter(([key]) => key.startsWith(prefix))
      .map(([key, o]) => ({ key, size: o.data.length, modifiedMs: o.modifiedMs }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<void> {
    assertStoreKey(key);
    this.objects.delete(key);
  }
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (const p of parts) size += p.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
