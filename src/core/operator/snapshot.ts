// Engine snapshots: the whole state of a WindowAggregator as plain, versioned, JSON-safe data.

import { EngineError } from '../errors.js';
import type { FieldValue } from '../event/click-event.js';
import { KeyTable } from './key-table.js';
import type { PipelineSpec } from './pipeline-spec.js';
import { WindowAggregator, type EngineStats, type PendingWindow } from './window-aggregator.js';
import { WatermarkTracker } from '../watermark/watermark-tracker.js';
import type { Session } from '../windows/session.js';

export const SNAPSHOT_FORMAT_VERSION = 1;

type Encoded = number[];

/**
 * Everything needed to continue exactly where the engine was. Numbers that may be infinite are
 * stored as null (JSON has no infinities). Map orders are kept, so a restored engine emits in the
 * same order as one that never stopped.
 */
export interface EngineSnapshot {
  readonly formatVersion: typeof SNAPSHOT_FORMAT_VERSION;
  readonly pipelineFingerprint: string;
  readonly hasEnded: boolean;
  readonly droppedSinceSweep: number;
  readonly stats: EngineStats;
  readonly watermark: ReturnType<WatermarkTracker['encode']>;
  readonly keys: { nextId: number; keys: [number, Record<string, FieldValue>][] };
  readonly slices: readonly {
    start: number;
    end: number;
    expiresAt: number;
    startNeededUntil: number | null;
    partials: [number, Encoded][];
  }[];
  readonly pending: readonly { def: number; start: number; end: number; revisions: [number, number][] | null }[];
  readonly sessions: readonly { def: number; key: number; start: number; end: number; partial: Encoded; revision: number; isDirty: boolean }[];
  readonly counts: readonly { def: number; key: number; arrivals: number; blocks: { index: number; partial: Encoded; minTimeMs: number; maxTimeMs: number }[] }[];
  readonly globals: readonly { def: number; foldedUpToMs: number | null; base: [number, Encoded][]; changed: number[]; revisions: [number, number][] }[];
  readonly dirtySlices: readonly [number, number[]][];
}

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

const finiteOrNull = (n: number): number | null => (Number.isFinite(n) ? n : null);

export function takeSnapshot(engine: WindowAggregator): EngineSnapshot {
  const plan = engine.plan;
  return {
    formatVersion: SNAPSHOT_FORMAT_VERSION,
    pipelineFingerprint: pipelineFingerprint(engine.spec),
    hasEnded: engine.hasEnded,
    droppedSinceSweep: engine.droppedSinceSweep,
    stats: structuredClone(engine.stats),
    watermark: engine.watermark.encode(),
    keys: engine.keys.encode(),
    slices: engine.slices.slices.map((s) => ({
      start: s.start,
      end: s.end,
      expiresAt: s.expiresAt,
      startNeededUntil: finiteOrNull(s.startNeededUntil),
      partials: [...s.partials].map(([entry, p]) => [entry.id, plan.encode(p)]),
    })),
    pending: engine.aligned.flatMap((def) =>
      [...def.pending.values()].map((w) => ({
        def: def.index,
        start: w.start,
        end: w.end,
        revisions: w.revisions === null ? null : [...w.revisions],
      })),
    ),
    sessions: engine.sessionDefs.flatMap((def) =>
      [...def.sessions.byKey.values()].flat().map((s) => ({
        def: def.index,
        key: s.keyId,
        start: s.start,
        end: s.end,
        partial: plan.encode(s.partial),
        revision: s.revision,
        isDirty: s.isDirty,
      })),
    ),
    counts: engine.countDefs.flatMap((def) =>
      [...def.counts.byKey].map(([key, state]) => ({
        def: def.index,
        key,
        arrivals: state.arrivals,
        blocks: state.blocks.map((b) => ({ index: b.index, partial: plan.encode(b.partial), minTimeMs: b.minTimeMs, maxTimeMs: b.maxTimeMs })),
      })),
    ),
    globals: engine.aligned.flatMap((def) =>
      def.global === null
        ? []
        : [{
            def: def.index,
            foldedUpToMs: finiteOrNull(def.global.foldedUpToMs),
            base: [...def.global.base].map(([k, p]) => [k, plan.encode(p)] as [number, Encoded]),
            changed: [...def.global.changed],
            revisions: [...def.global.revisions],
          }],
    ),
    dirtySlices: [...engine.dirtySlices].map(([slice, keys]) => [slice.start, [...keys]]),
  };
}

/** Rebuilds an engine from a snapshot taken with the same pipeline. */
export function restoreSnapshot(spec: PipelineSpec, snapshot: EngineSnapshot): WindowAggregator {
  if (snapshot.formatVersion !== SNAPSHOT_FORMAT_VERSION) {
    throw new EngineError('SNAPSHOT_INCOMPATIBLE', `snapshot format ${String(snapshot.formatVersion)} is not ${SNAPSHOT_FORMAT_VERSION}`);
  }
  if (snapshot.pipelineFingerprint !== pipelineFingerprint(spec)) {
    throw new EngineError('SNAPSHOT_INCOMPATIBLE', 'the snapshot was taken with a different job definition (keys, filter, windows, aggregations, time or emit)');
  }
  const engine = new WindowAggregator(spec);
  const plan = engine.plan;
  engine.hasEnded = snapshot.hasEnded;
  engine.droppedSinceSweep = snapshot.droppedSinceSweep;
  Object.assign(engine.stats, structuredClone(snapshot.stats));
  engine.watermark = WatermarkTracker.decode(spec.time.maxOutOfOrdernessMs, snapshot.watermark);
  engine.keys = KeyTable.decode(spec.keyBy, snapshot.keys);
  for (const s of snapshot.slices) {
    engine.slices.append({
      start: s.start,
      end: s.end,
      expiresAt: s.expiresAt,
      startNeededUntil: s.startNeededUntil ?? Number.NEGATIVE_INFINITY,
      partials: new Map(
        s.partials.map(([id, p]) => {
          const entry = engine.keys.find(id);
          if (entry === undefined) throw new EngineError('SNAPSHOT_INCOMPATIBLE', `slice refers to unknown key #${id}`);
          return [entry, plan.decode(p)];
        }),
      ),
    });
  }
  for (const w of snapshot.pending) {
    const def = engine.aligned.find((d) => d.index === w.def);
    if (def === undefined) throw new EngineError('SNAPSHOT_INCOMPATIBLE', `no aligned window #${w.def}`);
    const window: PendingWindow = { defIndex: w.def, start: w.start, end: w.end, revisions: w.revisions === null ? null : new Map(w.revisions) };
    def.pending.set(w.start, window);
    engine.requeue(w.def, window, null);
  }
  for (const s of snapshot.sessions) {
    const def = engine.sessionDefs.find((d) => d.index === s.def);
    if (def === undefined) throw new EngineError('SNAPSHOT_INCOMPATIBLE', `no session window #${s.def}`);
    const session: Session = { keyId: s.key, start: s.start, end: s.end, partial: plan.decode(s.partial), revision: s.revision, isDirty: s.isDirty, isLive: true };
    let list = def.sessions.byKey.get(s.key);
    if (list === undefined) def.sessions.byKey.set(s.key, (list = []));
    list.push(session);
    engine.requeue(s.def, null, session);
    if (session.isDirty) engine.dirtySessions.push([def, session]);
  }
  for (const c of snapshot.counts) {
    const def = engine.countDefs.find((d) => d.index === c.def);
    if (def === undefined) throw new EngineError('SNAPSHOT_INCOMPATIBLE', `no count window #${c.def}`);
    def.counts.byKey.set(c.key, {
      arrivals: c.arrivals,
      blocks: c.blocks.map((b) => ({ index: b.index, partial: plan.decode(b.partial), minTimeMs: b.minTimeMs, maxTimeMs: b.maxTimeMs })),
    });
  }
  for (const g of snapshot.globals) {
    const global = engine.aligned.find((d) => d.index === g.def)?.global;
    if (global === undefined || global === null) throw new EngineError('SNAPSHOT_INCOMPATIBLE', `no global window #${g.def}`);
    global.foldedUpToMs = g.foldedUpToMs ?? Number.NEGATIVE_INFINITY;
    for (const [k, p] of g.base) global.base.set(k, plan.decode(p));
    for (const k of g.changed) global.changed.add(k);
    for (const [k, r] of g.revisions) global.revisions.set(k, r);
  }
  for (const [start, keys] of snapshot.dirtySlices) {
    const slice = engine.slices.find(start);
    if (slice !== undefined) engine.dirtySlices.set(slice, new Set(keys));
  }
  return engine;
}
