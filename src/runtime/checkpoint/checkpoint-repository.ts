// CheckpointRepository: writes, finds, checks and prunes checkpoints in a CheckpointStore.

import { EngineError } from '../../core/errors.js';
import type { CheckpointStore, StoredObject } from '../../ports/checkpoint-store.js';
import { ChunkDigest, checkpointIdOf, checkpointKeys, checkpointPrefix, decodeManifest, encodeManifest, scopeOf, sha256, type CheckpointManifest } from './manifest.js';

/** One checkpoint as a listing shows it: complete when its manifest was written. */
export interface CheckpointEntry {
  readonly id: number;
  readonly objects: readonly StoredObject[];
  readonly hasManifest: boolean;
}

/** A checkpoint that passed every check, with its state bytes. */
export interface LoadedCheckpoint {
  readonly manifest: CheckpointManifest;
  readonly state: Uint8Array;
}

/** Why a checkpoint was passed over. */
export interface SkippedCheckpoint {
  readonly id: number;
  readonly reason: string;
}

export type ManifestFields = Omit<CheckpointManifest, 'format' | 'formatVersion' | 'id' | 'state'> & { readonly snapshotFormat: number };

export class CheckpointRepository {
  /** `scope`: checkpoints kept apart from others in the same store (one per set of Kafka partitions); null for none. */
  constructor(
    readonly store: CheckpointStore,
    readonly scope: string | null = null,
  ) {}

  /** The same store, another scope. */
  withScope(scope: string | null): CheckpointRepository {
    return new CheckpointRepository(this.store, scope);
  }

  /** Every scope that holds checkpoints in the store (null: the unscoped ones). */
  async scopes(): Promise<(string | null)[]> {
    const found = new Set<string | null>();
    for (const o of await this.store.list('checkpoints/')) {
      const scope = scopeOf(o.key);
      if (scope !== undefined) found.add(scope);
    }
    return [...found].sort((a, b) => (a ?? '').localeCompare(b ?? ''));
  }

  /** Every checkpoint id found, oldest first (including incomplete ones). */
  async list(): Promise<CheckpointEntry[]> {
    const byId = new Map<number, StoredObject[]>();
    for (const o of await this.store.list(checkpointPrefix(this.scope))) {
      const id = checkpointIdOf(o.key, this.scope);
      if (id === null) continue;
      let list = byId.get(id);
      if (list === undefined) byId.set(id, (list = []));
      list.push(o);
    }
    return [...byId]
      .sort(([a], [b]) => a - b)
      .map(([id, objects]) => ({ id, objects, hasManifest: objects.some((o) => o.key === checkpointKeys(id, this.scope).manifest) }));
  }

  /** Reads and checks one checkpoint's manifest (its checksum), not its state. */
  async loadManifest(id: number): Promise<CheckpointManifest> {
    const manifestBytes = await this.store.get(checkpointKeys(id, this.scope).manifest);
    if (manifestBytes === null) throw new EngineError('SNAPSHOT_CORRUPT', `checkpoint ${id} has no manifest (its writing did not finish)`);
    return decodeManifest(manifestBytes, id);
  }

  /** Reads and checks one checkpoint: its manifest's checksum, then its state's size and sha256. */
  async load(id: number, known?: CheckpointManifest): Promise<LoadedCheckpoint> {
    const manifest = known ?? (await this.loadManifest(id));
    const state = await this.store.get(manifest.state.key);
    if (state === null) throw new EngineError('SNAPSHOT_CORRUPT', `checkpoint ${id} has no state file ${manifest.state.key}`);
    if (state.length !== manifest.state.bytes) {
      throw new EngineError('SNAPSHOT_CORRUPT', `checkpoint ${id}: state has ${state.length} bytes, the manifest says ${manifest.state.bytes} (truncated)`);
    }
    if (sha256(state) !== manifest.state.sha256) throw new EngineError('SNAPSHOT_CORRUPT', `checkpoint ${id}: state does not match its sha256 (damaged)`);
    return { manifest, state };
  }

  /**
   * The newest checkpoint that passes the checks and `accept` (which may throw SNAPSHOT_CORRUPT for
   * a state that does not decode), and the newer ones passed over with why. Errors other than
   * corruption (a store that cannot be read, a job that changed) are thrown. Checkpoints whose
   * manifest `wanted` refuses are passed over without reading their state, and not reported.
   */
  async loadLatest(
    accept: (loaded: LoadedCheckpoint) => void = () => {},
    wanted: (manifest: CheckpointManifest) => boolean = () => true,
  ): Promise<{ loaded: LoadedCheckpoint | null; skipped: SkippedCheckpoint[] }> {
    const skipped: SkippedCheckpoint[] = [];
    const entries = (await this.list()).reverse();
    for (const entry of entries) {
      try {
        const manifest = await this.loadManifest(entry.id);
        if (!wanted(manifest)) continue;
        const loaded = await this.load(entry.id, manifest);
        accept(loaded);
        return { loaded, skipped };
      } catch (error) {
        if ((error as EngineError).code !== 'SNAPSHOT_CORRUPT') throw error;
        skipped.push({ id: entry.id, reason: (error as Error).message });
      }
    }
    return { loaded: null, skipped };
  }

  /** Writes the state (streamed, hashed on the way) and then the manifest: only then is the checkpoint there. */
  async write(id: number, chunks: Iterable<Uint8Array>, fields: ManifestFields): Promise<CheckpointManifest> {
    const keys = checkpointKeys(id, this.scope);
    const digest = new ChunkDigest();
    function* hashed(): Generator<Uint8Array> {
      for (const chunk of chunks) {
        digest.update(chunk);
        yield chunk;
      }
    }
    await this.store.put(keys.state, hashed());
    const { snapshotFormat, ...rest } = fields;
    const manifest: CheckpointManifest = {
      format: 'tally-checkpoint',
      formatVersion: 1,
      id,
      ...rest,
      state: { key: keys.state, bytes: digest.bytes, sha256: digest.hex(), snapshotFormat },
    };
    await this.store.put(keys.manifest, [encodeManifest(manifest)]);
    return manifest;
  }

  /** Deletes a checkpoint: the manifest first, so that a checkpoint half deleted is never picked up. */
  async delete(entry: CheckpointEntry): Promise<void> {
    const manifest = checkpointKeys(entry.id, this.scope).manifest;
    if (entry.hasManifest) await this.store.delete(manifest);
    for (const o of entry.objects) if (o.key !== manifest) await this.store.delete(o.key);
  }

  /**
   * Keeps the `retain` newest complete checkpoints up to `latestId` and deletes older ones, and
   * incomplete ones older than it (left by crashes). Complete ones from `keepFrom` on are kept too
   * (the newest one whose outputs are published, while newer ones wait for theirs). Returns the ids deleted.
   */
  async prune(retain: number, latestId: number, keepFrom = Number.POSITIVE_INFINITY): Promise<number[]> {
    const entries = await this.list();
    const kept = new Set(entries.filter((e) => e.hasManifest && e.id <= latestId).slice(-retain).map((e) => e.id));
    const deleted: number[] = [];
    for (const entry of entries) {
      if (entry.id >= latestId || kept.has(entry.id) || (entry.hasManifest && entry.id >= keepFrom)) continue;
      await this.delete(entry);
      deleted.push(entry.id);
    }
    return deleted;
  }
}
