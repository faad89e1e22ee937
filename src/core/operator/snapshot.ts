// Engine snapshots: the whole state of a WindowAggregator in a compact, versioned, chunked binary form.

import { BinaryReader } from '../codec/binary-reader.js';
import { BinaryWriter, type ChunkPool } from '../codec/binary-writer.js';
import { EngineError } from '../errors.js';
import type { FieldValue } from '../event/click-event.js';
import type { Partial } from '../aggregate/aggregate-plan.js';
import { KeyTable, type KeyEntry } from './key-table.js';
import type { PipelineSpec } from './pipeline-spec.js';
import { WindowAggregator, type PendingWindow } from './window-aggregator.js';
import { WatermarkTracker } from '../watermark/watermark-tracker.js';
import type { Session } from '../windows/session.js';

export const SNAPSHOT_FORMAT_VERSION = 5;

/** "TLYSNAP" + a format byte: a file that is not a snapshot is refused at once. */
const MAGIC = [0x54, 0x4c, 0x59, 0x53, 0x4e, 0x41, 0x50];
/** Closes the last section: bytes cut at a section boundary still fail to decode. */
const END_MARK = 0x7e;

/** A stable text of what a pipeline computes: a snapshot only restores into the same one. */
export function pipelineFingerprint(spec: PipelineSpec): string {
  return JSON.stringify({
    keyBy: spec.keyBy,
    filter: spec.filter,
    windows: spec.windows,
    aggregations: spec.aggregations,
    time: { maxOutOfOrdernessMs: spec.time.maxOutOfOrdernessMs, allowedLatenessMs: spec.time.allowedLatenessMs },
    emit: spec.emit,
  });
}

// Field values and partition ids carry a type tag: "42" and 42 are different groups.
const enum Tag {
  Null = 0,
  Number = 1,
  String = 2,
  True = 3,
  False = 4,
  Json = 5,
}

function writeValue(w: BinaryWriter, v: FieldValue | string | number): void {
  if (v === null) w.u8(Tag.Null);
  else if (typeof v === 'number') {
    w.u8(Tag.Number);
    w.num(v);
  } else if (typeof v === 'string') {
    w.u8(Tag.String);
    w.str(v);
  } else if (typeof v === 'boolean') w.u8(v ? Tag.True : Tag.False);
  else {
    w.u8(Tag.Json);
    w.str(JSON.stringify(v));
  }
}

function readValue(r: BinaryReader): FieldValue {
  const tag = r.u8();
  switch (tag) {
    case Tag.Null: return null;
    case Tag.Number: return r.num();
    case Tag.String: return r.str();
    case Tag.True: return true;
    case Tag.False: return false;
    case Tag.Json: return JSON.parse(r.str()) as FieldValue;
    default: throw new EngineError('SNAPSHOT_CORRUPT', `snapshot is damaged: unknown value tag ${tag}`);
  }
}

function readPartition(r: BinaryReader): string | number {
  const v = readValue(r);
  if (typeof v !== 'string' && typeof v !== 'number') throw new EngineError('SNAPSHOT_CORRUPT', 'snapshot is damaged: a partition id is not a string or number');
  return v;
}

/**
 * Encodes the engine as it is now, synchronously (the state must not change while it is read), into
 * chunks of about `chunkBytes` that can be written out while the engine goes on. Map orders are
 * kept, so a restored engine emits in the same order as one that never stopped. With a `pool`, the
 * chunks are written into buffers given back from earlier snapshots.
 */
export function takeSnapshot(engine: WindowAggregator, chunkBytes?: number, pool: ChunkPool | null = null): Uint8Array[] {
  const w = new BinaryWriter(chunkBytes, pool);
  const width = engine.layout.width;
  const partial = (p: Partial): void => {
    for (let i = 0; i < width; i++) w.num(p[i] as number);
  };
  for (const b of MAGIC) w.u8(b);
  w.uint(SNAPSHOT_FORMAT_VERSION);
  w.str(pipelineFingerprint(engine.spec));
  w.uint(width);

  w.bool(engine.hasEnded);
  w.uint(engine.droppedSinceSweep);
  w.num(engine.maxClosedAtMs);
  // What a restored engine can say its slices hold for sure, whatever retainSlices it restores with.
  w.num(engine.heldFromMs());
  w.num(engine.partialsCompleteAfterMs);
  w.str(JSON.stringify(engine.stats));
  const floors = engine.replayFloors;
  w.uint(floors === null ? 0 : floors.size + 1);
  if (floors !== null) {
    for (const [p, floor] of floors) {
      writeValue(w, p);
      w.num(floor);
    }
  }

  const watermark = engine.watermark.encode();
  w.num(watermark.watermarkMs ?? Number.NEGATIVE_INFINITY);
  w.uint(watermark.partitions.length);
  for (const [p, max, isIdle] of watermark.partitions) {
    writeValue(w, p);
    w.num(max);
    w.bool(isIdle);
  }

  const keys = engine.keys;
  w.uint(keys.nextKeyId);
  w.uint(keys.size);
  const fields = keys.fields;
  for (const entry of keys.all()) {
    w.uint(entry.id);
    w.num(entry.replayFloorMs);
    for (const f of fields) writeValue(w, entry.group.key[f] ?? null);
  }

  const slices = engine.slices.slices;
  w.uint(slices.length);
  for (const s of slices) {
    w.num(s.start);
    w.num(s.end);
    w.num(s.expiresAt);
    w.num(s.startNeededUntil);
    w.uint(s.partials.size);
    for (const [entry, p] of s.partials) {
      w.uint(entry.id);
      partial(p);
    }
  }

  for (const def of engine.aligned) {
    w.uint(def.pending.size);
    for (const win of def.pending.values()) {
      w.num(win.start);
      w.num(win.end);
      writeRevisions(w, win.revisions);
    }
    if (def.global !== null) {
      const g = def.global;
      w.num(g.foldedUpToMs);
      w.uint(g.base.size);
      for (const [k, p] of g.base) {
        w.uint(k);
        partial(p);
      }
      w.uint(g.changed.size);
      for (const k of g.changed) w.uint(k);
      writeRevisions(w, g.revisions);
    }
  }

  for (const def of engine.sessionDefs) {
    w.uint(def.sessions.byKey.size);
    for (const [keyId, list] of def.sessions.byKey) {
      w.uint(keyId);
      w.uint(list.length);
      for (const s of list) {
        w.num(s.start);
        w.num(s.end);
        partial(s.partial);
        // −1 before the first revision.
        w.uint(s.revision + 1);
        w.bool(s.isDirty);
      }
    }
  }

  for (const def of engine.countDefs) {
    w.uint(def.counts.byKey.size);
    for (const [keyId, state] of def.counts.byKey) {
      w.uint(keyId);
      w.uint(state.arrivals);
      w.uint(state.blocks.length);
      for (const b of state.blocks) {
        w.uint(b.index);
        partial(b.partial);
        w.num(b.minTimeMs);
        w.num(b.maxTimeMs);
      }
    }
  }

  w.uint(engine.dirtySlices.size);
  for (const [slice, keyIds] of engine.dirtySlices) {
    w.num(slice.start);
    w.uint(keyIds.size);
    for (const k of keyIds) w.uint(k);
  }
  w.u8(END_MARK);
  return w.finish();
}

function writeRevisions(w: BinaryWriter, revisions: ReadonlyMap<number, number> | null): void {
  w.uint(revisions === null ? 0 : revisions.size + 1);
  if (revisions === null) return;
  for (const [k, r] of revisions) {
    w.uint(k);
    w.uint(r);
  }
}

function readRevisions(r: BinaryReader): Map<number, number> | null {
  const n = r.uint();
  if (n === 0) return null;
  const map = new Map<number, number>();
  for (let i = 1; i < n; i++) map.set(r.uint(), r.uint());
  return map;
}

/** The format version and job fingerprint a snapshot was taken with, without decoding the rest. */
export function readSnapshotHeader(bytes: Uint8Array): { formatVersion: number; pipelineFingerprint: string } {
  const r = new BinaryReader(bytes);
  for (const b of MAGIC) {
    if (r.u8() !== b) throw new EngineError('SNAPSHOT_CORRUPT', 'not a Tally snapshot (its first bytes are not the snapshot mark)');
  }
  return { formatVersion: r.uint(), pipelineFingerprint: r.str() };
}

/** Rebuilds an engine from a snapshot taken with the same pipeline (all chunks, concatenated). */
export function restoreSnapshot(spec: PipelineSpec, bytes: Uint8Array): WindowAggregator {
  const header = readSnapshotHeader(bytes);
  // Format 3 is format 4 without the slices' completeness (read as: complete after the watermark);
  // format 4 is format 5 without the partials' completeness (read as: the slices').
  if (header.formatVersion < 3 || header.formatVersion > SNAPSHOT_FORMAT_VERSION) {
    throw new EngineError('SNAPSHOT_INCOMPATIBLE', `snapshot format ${header.formatVersion} is not ${SNAPSHOT_FORMAT_VERSION}`);
  }
  if (header.pipelineFingerprint !== pipelineFingerprint(spec)) {
    throw new EngineError('SNAPSHOT_INCOMPATIBLE', 'the snapshot was taken with a different job definition (keys, filter, windows, aggregations, time or emit)');
  }
  const r = new BinaryReader(bytes);
  r.raw(MAGIC.length);
  r.uint();
  r.str();
  const engine = new WindowAggregator(spec);
  const plan = engine.layout;
  const width = r.uint();
  if (width !== plan.width) throw new EngineError('SNAPSHOT_CORRUPT', `snapshot is damaged: partials of ${width} slots, the job has ${plan.width}`);
  const partial = (): Partial => {
    const p = plan.empty();
    for (let i = 0; i < width; i++) p[i] = r.num();
    return p;
  };
  const keyOf = (id: number): KeyEntry => {
    const entry = engine.keys.find(id);
    if (entry === undefined) throw new EngineError('SNAPSHOT_CORRUPT', `snapshot is damaged: state refers to unknown key #${id}`);
    return entry;
  };

  engine.hasEnded = r.bool();
  engine.droppedSinceSweep = r.uint();
  engine.maxClosedAtMs = r.num();
  const heldFromMs = header.formatVersion >= 4 ? r.num() : null;
  const partialsCompleteAfterMs = header.formatVersion >= 5 ? r.num() : null;
  Object.assign(engine.stats, JSON.parse(r.str()) as object);
  const floorCount = r.uint();
  if (floorCount > 0) {
    const floors = new Map<string | number, number>();
    for (let i = 1; i < floorCount; i++) floors.set(readPartition(r), r.num());
    engine.replayFloors = floors;
  }

  const watermarkMs = r.num();
  const partitions: [string | number, number, boolean][] = [];
  for (let i = r.uint(); i > 0; i--) partitions.push([readPartition(r), r.num(), r.bool()]);
  engine.watermark = WatermarkTracker.decode(spec.time.maxOutOfOrdernessMs, { watermarkMs: Number.isFinite(watermarkMs) ? watermarkMs : null, partitions });
  if (engine.aligned.length > 0) engine.slicesCompleteAfterMs = heldFromMs ?? engine.watermark.current;
  engine.partialsCompleteAfterMs = partialsCompleteAfterMs ?? heldFromMs ?? engine.watermark.current;

  const nextId = r.uint();
  const table = new KeyTable(spec.keyBy);
  for (let i = r.uint(); i > 0; i--) {
    const id = r.uint();
    const floor = r.num();
    const key: Record<string, FieldValue> = {};
    for (const f of spec.keyBy) {
      const value = readValue(r);
      // A field named __proto__ must become a field, not the key's prototype (defineProperty only
      // then: it would make every key object slow).
      if (f === '__proto__') Object.defineProperty(key, f, { value, enumerable: true, writable: true, configurable: true });
      else key[f] = value;
    }
    table.restore(id, key).replayFloorMs = floor;
  }
  table.restoreNextId(nextId);
  engine.keys = table;

  for (let i = r.uint(); i > 0; i--) {
    const start = r.num();
    const end = r.num();
    const expiresAt = r.num();
    const startNeededUntil = r.num();
    const partials = new Map<KeyEntry, Partial>();
    for (let j = r.uint(); j > 0; j--) {
      const entry = keyOf(r.uint());
      partials.set(entry, partial());
    }
    engine.slices.append({ start, end, expiresAt, startNeededUntil, partials });
  }

  for (const def of engine.aligned) {
    for (let i = r.uint(); i > 0; i--) {
      const start = r.num();
      const window: PendingWindow = { defIndex: def.index, start, end: r.num(), revisions: readRevisions(r) };
      def.pending.set(start, window);
      engine.requeue(def.index, window, null);
    }
    if (def.global !== null) {
      const g = def.global;
      g.foldedUpToMs = r.num();
      for (let i = r.uint(); i > 0; i--) g.base.set(keyOf(r.uint()).id, partial());
      for (let i = r.uint(); i > 0; i--) g.changed.add(r.uint());
      for (const [k, rev] of readRevisions(r) ?? []) g.revisions.set(k, rev);
    }
  }

  for (const def of engine.sessionDefs) {
    for (let i = r.uint(); i > 0; i--) {
      const keyId = keyOf(r.uint()).id;
      const list: Session[] = [];
      for (let j = r.uint(); j > 0; j--) {
        const session: Session = { keyId, start: r.num(), end: r.num(), partial: partial(), revision: r.uint() - 1, isDirty: r.bool(), isLive: true };
        list.push(session);
        engine.requeue(def.index, null, session);
        if (session.isDirty) engine.dirtySessions.push([def, session]);
      }
      def.sessions.byKey.set(keyId, list);
    }
  }

  for (const def of engine.countDefs) {
    for (let i = r.uint(); i > 0; i--) {
      const keyId = keyOf(r.uint()).id;
      const arrivals = r.uint();
      const blocks = [];
      for (let j = r.uint(); j > 0; j--) blocks.push({ index: r.uint(), partial: partial(), minTimeMs: r.num(), maxTimeMs: r.num() });
      def.counts.byKey.set(keyId, { arrivals, blocks });
    }
  }

  for (let i = r.uint(); i > 0; i--) {
    const slice = engine.slices.find(r.num());
    const keyIds = new Set<number>();
    for (let j = r.uint(); j > 0; j--) keyIds.add(r.uint());
    if (slice !== undefined) engine.dirtySlices.set(slice, keyIds);
  }
  if (r.u8() !== END_MARK || r.remaining !== 0) throw new EngineError('SNAPSHOT_CORRUPT', 'snapshot is damaged: its sections do not end where they should');
  return engine;
}
