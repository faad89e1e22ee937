// CheckpointStore port: a small keyed object store that checkpoints (and committed output files) are kept in.

import { EngineError } from '../core/errors.js';

/** One stored object as a listing shows it. */
export interface StoredObject {
  /** The key relative to the store's root, with '/' between parts (e.g. `chk-0000000012/state.bin`). */
  readonly key: string;
  readonly size: number;
  /** Last modification, epoch ms, when the store reports it. */
  readonly modifiedMs: number | null;
}

/**
 * Local directories, S3 buckets and HDFS (WebHDFS) behind one interface, chosen by URL (see
 * adapters/checkpoint-stores/open-store.ts). Keys are '/'-separated relative paths of the
 * characters [A-Za-z0-9._=-]; the store maps them under its root (a directory, a key prefix).
 *
 * What the checkpoint protocol needs of every store, and the contract suite checks:
 * - put is atomic: a reader (get or list) sees no object or the whole new one, never a part, also
 *   when the writer dies during the put;
 * - a put that resolved is durable and visible to the next get and list;
 * - delete of an absent key succeeds.
 * Conditional writes are not needed: one job owns a store root at a time.
 *
 * Failures throw EngineError with code STORE_FAILED, naming the store, the operation and the key;
 * `retriable` is true when trying again may help (network, 5xx, throttling, a full disk). When the
 * caller's own chunks iterable throws, the put fails with that error (or STORE_FAILED wrapping it)
 * and leaves no object.
 */
export interface CheckpointStore {
  /** Where it stores, for logs and `tally checkpoints` (never with credentials). */
  readonly description: string;
  /** Writes the object from chunks, in order, without holding them all in memory at once where the store allows. */
  put(key: string, chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<void>;
  /** The object's bytes, or null when there is none. */
  get(key: string): Promise<Uint8Array | null>;
  /** Objects whose key starts with `prefix` (any characters, not only whole parts), sorted by key. */
  list(prefix: string): Promise<StoredObject[]>;
  /** Removes the object if present. */
  delete(key: string): Promise<void>;
  /** Releases connections. */
  close?(): Promise<void>;
}


const KEY_PATTERN = /^[A-Za-z0-9._=-]+(\/[A-Za-z0-9._=-]+)*$/;

/** Throws unless `key` is a valid store key (no '..', no leading '/', no empty parts). */
export function assertStoreKey(key: string): void {
  if (!KEY_PATTERN.test(key) || key.split('/').some((part) => part === '.' || part === '..')) {
    throw new EngineError('STORE_FAILED', `invalid store key ${JSON.stringify(key)}`);
  }
}
