// The checkpoint manifest: what a checkpoint holds besides the engine snapshot, written last and checksummed.

import { createHash } from 'node:crypto';
import { EngineError } from '../../core/errors.js';
import type { SinkCommit } from '../../ports/sink.js';
import type { ResumePosition } from '../../ports/source.js';

export const MANIFEST_FORMAT_VERSION = 1;

/**
 * Checkpoint `id` is kept under `checkpoints/chk-<id, 10 digits>/` (keys sort by id), or under
 * `checkpoints/<scope>/chk-…/` when checkpoints are kept per scope (per set of Kafka partitions).
 */
function base(scope: string | null): string {
  return scope === null ? 'checkpoints' : `checkpoints/${scope}`;
}

export function checkpointPrefix(scope: string | null = null): string {
  return `${base(scope)}/chk-`;
}

export function checkpointKeys(id: number, scope: string | null = null): { readonly dir: string; readonly state: string; readonly manifest: string } {
  const dir = `${checkpointPrefix(scope)}${String(id).padStart(10, '0')}`;
  return { dir, state: `${dir}/state.bin`, manifest: `${dir}/manifest.json` };
}

/** The id of a key of the scope's checkpoints, or null. */
export function checkpointIdOf(key: string, scope: string | null = null): number | null {
  const prefix = checkpointPrefix(scope);
  if (!key.startsWith(prefix)) return null;
  const m = /^(\d{10})\//.exec(key.slice(prefix.length));
  return m === null ? null : Number(m[1]);
}

/** The scope of a checkpoint key (null for unscoped ones), or undefined when it is not one. */
export function scopeOf(key: string): string | null | undefined {
  const m = /^checkpoints\/(?:([A-Za-z0-9._=-]+)\/)?chk-\d{10}\//.exec(key);
  return m === null ? undefined : (m[1] ?? null);
}

export interface CheckpointManifest {
  readonly format: 'tally-checkpoint';
  readonly formatVersion: typeof MANIFEST_FORMAT_VERSION;
  readonly id: number;
  readonly createdAtMs: number;
  readonly job: {
    readonly name: string;
    /** sha256 of the pipeline definition (prefix): equal means the state means the same. */
    readonly fingerprint: string;
    /** The pipeline definition itself, so that a refusal can say what changed. */
    readonly definition: unknown;
    /** With changes made while running: the fingerprint of the job file's definition they started from. */
    readonly baseFingerprint?: string;
  };
  readonly state: { readonly key: string; readonly bytes: number; readonly sha256: string; readonly snapshotFormat: number };
  readonly source: { readonly description: string; readonly position: ResumePosition | null };
  /** Per output (results, deadLetters, lateRecords): what a committable sink must publish, or null. */
  readonly sinks: Readonly<Record<string, SinkCommit | null>>;
  /** Sources with a consumer group: the positions per partition (SourcePositions), null otherwise. */
  readonly positions?: unknown;
  /**
   * A consumer group's job with committed file outputs: the positions this checkpoint commits to
   * the group once stored (PartitionCommit[]). Its outputs are published only once they are
   * committed, so a checkpoint whose commits are the group's is one whose outputs are published.
   */
  readonly commits?: readonly unknown[];
  /** The runner's totals, carried on by a restored run. */
  readonly counters: { readonly records: number; readonly blankLines: number; readonly badRecords: number };
  /** What the state held, for `tally checkpoints inspect` (not needed to restore). */
  readonly summary: Readonly<Record<string, number | null>>;
  /** The input had ended and every window was emitted. */
  readonly finished: boolean;
  /** How long processing stood still to take it, ms. */
  readonly pauseMs: number;
  /** Changes of the job definition made while it ran (JobControl), oldest first; absent: none. */
  readonly changes?: readonly unknown[];
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The manifest as JSON text, with a checksum of everything else in it. */
export function encodeManifest(manifest: CheckpointManifest): Uint8Array {
  const body = JSON.stringify(manifest);
  return new TextEncoder().encode(JSON.stringify({ checksum: digest(body), manifest }, null, 1));
}

/** Parses and checks a manifest; throws SNAPSHOT_CORRUPT when it is damaged or not one. */
export function decodeManifest(bytes: Uint8Array, expectedId: number): CheckpointManifest {
  let parsed: { checksum?: unknown; manifest?: CheckpointManifest };
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as typeof parsed;
  } catch (error) {
    throw new EngineError('SNAPSHOT_CORRUPT', `manifest of checkpoint ${expectedId} is not valid JSON (truncated or damaged)`, { cause: error });
  }
  const manifest = parsed.manifest;
  if (typeof parsed.checksum !== 'string' || manifest === undefined || digest(JSON.stringify(manifest)) !== parsed.checksum) {
    throw new EngineError('SNAPSHOT_CORRUPT', `manifest of checkpoint ${expectedId} does not match its checksum (damaged)`);
  }
  if (manifest.format !== 'tally-checkpoint' || manifest.formatVersion !== MANIFEST_FORMAT_VERSION || manifest.id !== expectedId) {
    throw new EngineError('SNAPSHOT_INCOMPATIBLE', `manifest of checkpoint ${expectedId} has format ${String(manifest.format)} v${String(manifest.formatVersion)} id ${String(manifest.id)}; this Tally reads tally-checkpoint v${MANIFEST_FORMAT_VERSION}`);
  }
  return manifest;
}

/** sha256 of bytes given in chunks. */
export class ChunkDigest {
  private readonly hash = createHash('sha256');
  bytes = 0;

  update(chunk: Uint8Array): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
  }

  hex(): string {
    return this.hash.digest('hex');
  }
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
