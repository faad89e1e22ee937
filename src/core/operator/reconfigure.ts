// Reconfigure: the engine with other window definitions or another filter, keeping the state it holds.

import type { Partial } from '../aggregate/aggregate-plan.js';
import { needsOf, type PartialLayout, type WindowNeeds } from '../aggregate/partial-layout.js';
import { EngineError } from '../errors.js';
import type { Slice } from '../slices/slice-store.js';
import type { AlignedAssigner } from '../windows/aligned-assigner.js';
import type { WindowSpec } from '../windows/window-spec.js';
import type { PipelineSpec } from './pipeline-spec.js';
import { WindowAggregator, type PendingWindow, type SessionDef } from './window-aggregator.js';

export interface Reconfigured {
  readonly engine: WindowAggregator;
  /**
   * Per window added or changed (every window when the filter changed): results of windows
   * starting at or after this time are exactly those of a fresh run with the new definition, and
   * earlier ones are not emitted. −Infinity: every window (no event had been seen); null: running
   * totals, which hold everything since the start (they go on, now with the new filter).
   */
  readonly exactFromMs: ReadonlyMap<string, number | null>;
}

/**
 * Moves the state of `old` into an engine for `spec`, which may add, change or remove windows or
 * change the filter (keys, aggregations, time and emit settings stay). Nothing is emitted.
 *
 * Why results are exact from `exactFromMs` on (docs/reconfigure.md): the watermark and the slices
 * carry over. Slices hold every event (that passed the filter) later than H = watermark −
 * retainSlices, late ones included, and their edges after H are intact. So a window of the new
 * definition that starts after H, after any held slice that straddles one of its edges, and that
 * has not closed, is answered from the slices exactly as a fresh run would answer it: every event
 * in it that arrived before the change was on time for it in the fresh run too (the window was
 * open), and the ones after the change are judged alike. A new filter only applies to events that
 * arrive after the change, so windows are exact from the first start after the latest event time
 * seen. Sessions start empty when their gap changes: sessions starting a gap after the latest
 * event time seen cannot hold or touch an earlier event. A window's own filter is a filter of its
 * own channel in the partials (PartialLayout): set or changed, it is exact like a new job filter;
 * its own aggregations over fields already held read the same partials another way (the window's
 * state goes on), while a field not held yet starts empty, exact after the latest event time seen.
 */
export function reconfigure(old: WindowAggregator, spec: PipelineSpec): Reconfigured {
  if (old.hasEnded) throw new EngineError('CONFLICT', 'the input has ended and every window is closed: nothing to change');
  const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
  if (!same(old.spec.keyBy, spec.keyBy) || !same(old.spec.aggregations, spec.aggregations) || !same(old.spec.time, spec.time) || old.spec.emit !== spec.emit) {
    throw new EngineError('INVARIANT_BROKEN', 'only windows and the filter can change while the job runs');
  }
  const before = new Map(old.spec.windows.map((w) => [w.name, w]));
  const changed = new Set(spec.windows.filter((w) => !same(before.get(w.name), w)).map((w) => w.name));
  const engine = new WindowAggregator(spec);
  const mover = engine.layout.moverFrom(old.layout);
  const needs = (w: WindowSpec): WindowNeeds => needsOf(w, spec.aggregations);
  /** The window reads partial blocks (a filter, or a field under it) that are new: what is held lacks the events before. */
  const readsNew = (w: WindowSpec): boolean => mover !== null && mover.isNew(needs(w));
  /**
   * Changed in what it computes only (aggregations, same filter), with every block it reads held
   * already: its state goes on as it is, read another way.
   */
  const isReadChange = (w: WindowSpec): boolean => {
    const previous = before.get(w.name);
    return previous !== undefined && changed.has(w.name) && (previous.filter ?? null) === (w.filter ?? null) && same(geometry(previous), geometry(w)) && !readsNew(w);
  };
  /** Partials held now count every event after this (blocks added by earlier changes lack what came before them). */
  const completeAfter = old.partialsCompleteAfterMs;
  for (const w of spec.windows) {
    // Count windows and running totals hold everything since the start: only complete partials can be read another way.
    if (changed.has(w.name) && (w.kind === 'count' || w.kind === 'global') && !(isReadChange(w) && completeAfter === Number.NEGATIVE_INFINITY)) {
      throw new EngineError(
        'CONFIG_INVALID_WINDOW',
        `${w.name}: ${w.kind} windows count from the start of the input, so they cannot be added or changed while the job runs (add it to the job file)${before.has(w.name) ? '; their aggregations can change when they read only fields the job aggregates already and no earlier change set a filter (of the job or of a window) or added a field' : ''}`,
        { path: 'windows' },
      );
    }
  }
  const filterChanged = old.spec.filter !== spec.filter;
  if (mover !== null) moveState(old, mover.move);
  engine.partialsCompleteAfterMs = filterChanged || mover?.hasNew === true ? Math.max(completeAfter, old.watermark.maxEventTimeMs) : completeAfter;

  engine.keys = old.keys;
  engine.watermark = old.watermark;
  engine.maxClosedAtMs = old.maxClosedAtMs;
  engine.replayFloors = old.replayFloors;
  engine.droppedSinceSweep = old.droppedSinceSweep;
  const { lateByWindow, ...counters } = old.stats;
  Object.assign(engine.stats, counters);
  for (const name of Object.keys(engine.stats.lateByWindow)) {
    if (!changed.has(name)) engine.stats.lateByWindow[name] = lateByWindow[name] ?? 0;
  }

  const watermark = old.watermark.current;
  const latestEvent = old.watermark.maxEventTimeMs;
  const lateness = spec.time.allowedLatenessMs;
  /**
   * Events later than this are all in the slices, and slice edges after it are intact. (Without
   * aligned windows the engine keeps no slices: then only events after the latest one seen count.)
   */
  const heldFrom = old.aligned.length > 0 ? old.heldFromMs() : latestEvent;
  if (engine.aligned.length > 0) {
    // Slices of the old filter, or slices kept only from now on, are not complete before the latest event.
    engine.slicesCompleteAfterMs =
      old.aligned.length === 0 ? latestEvent : filterChanged || mover?.hasNew === true ? Math.max(old.slicesCompleteAfterMs, latestEvent) : old.slicesCompleteAfterMs;
  }
  /**
   * Reading again after a restart (Kafka): windows closing at or before a partition's floor are
   * taken for emitted by the earlier run, so a new definition is exact only after the highest floor.
   */
  let replayFloor = Number.NEGATIVE_INFINITY;
  for (const floor of old.replayFloors?.values() ?? []) if (floor > replayFloor) replayFloor = floor;
  const oldSlices = old.slices.slices;
  const exactFromMs = new Map<string, number | null>();

  const oldAligned = new Map(old.aligned.map((d) => [d.spec.name, d]));
  for (const def of engine.aligned) {
    const previous = oldAligned.get(def.spec.name);
    const isFilterChange = filterChanged || (previous !== undefined && (previous.spec.filter ?? null) !== (def.spec.filter ?? null));
    // Same windows, another filter of its own or a new field: goes on like the windows of a job whose filter changed.
    const goesOn = previous !== undefined && same(geometry(previous.spec), geometry(def.spec));
    if (previous !== undefined && (!changed.has(def.spec.name) || (goesOn && (isReadChange(def.spec) || isFilterChange || readsNew(def.spec))))) {
      const isNewRead = changed.has(def.spec.name) && !isReadChange(def.spec);
      if (previous.global !== null) def.global?.takeStateOf(previous.global);
      def.exactFromMs = previous.exactFromMs;
      if ((filterChanged || isNewRead) && def.global === null) def.exactFromMs = Math.max(def.exactFromMs, def.assigner.firstStartAfter(latestEvent));
      // Read another way from now on: windows emitted already stay as they were, and held partials may lack early events.
      else if (changed.has(def.spec.name) && def.global === null) {
        def.exactFromMs = Math.max(def.exactFromMs, def.assigner.firstOpenStart(watermark - lateness), def.assigner.firstStartAfter(completeAfter));
      }
      for (const w of previous.pending.values()) {
        // Open windows that hold events of the old filter are dropped: they would mix the two.
        if (w.start < def.exactFromMs) continue;
        const window: PendingWindow = { defIndex: def.index, start: w.start, end: w.end, revisions: w.revisions };
        def.pending.set(w.start, window);
        engine.requeue(def.index, window, null);
      }
      if (filterChanged || changed.has(def.spec.name)) exactFromMs.set(def.spec.name, def.global === null ? def.exactFromMs : null);
      continue;
    }
    def.exactFromMs = Math.max(
      alignedExactFrom(def.assigner, oldSlices, { heldFrom, watermark, lateness, latestEvent: isFilterChange || readsNew(def.spec) ? latestEvent : Number.NEGATIVE_INFINITY }),
      def.assigner.firstOpenStart(replayFloor - lateness),
    );
    exactFromMs.set(def.spec.name, def.exactFromMs);
  }

  // Without aligned windows nothing would ever drop the slices again.
  if (engine.aligned.length > 0) {
    for (const slice of oldSlices) engine.slices.adopt(slice);
    for (const [slice, marks] of old.dirtySlices) engine.dirtySlices.set(slice, mover === null ? marks : remapMarks(marks, old.layout, engine.layout));
  }
  // The windows of added and changed definitions that contain held slices (moved ones are already pending).
  for (const slice of engine.slices.slices) engine.registerWindowsOf(slice);

  const oldSessions = new Map(old.sessionDefs.map((d) => [d.spec.name, d]));
  const sessionOf = new Map<SessionDef, SessionDef>();
  for (const def of engine.sessionDefs) {
    const previous = oldSessions.get(def.spec.name);
    const afterLatest = Math.max(latestEvent + def.spec.gapMs, replayFloor);
    if (previous !== undefined && (!changed.has(def.spec.name) || isReadChange(def.spec))) {
      def.sessions.takeStateOf(previous.sessions);
      sessionOf.set(previous, def);
      def.exactFromMs = filterChanged ? Math.max(previous.exactFromMs, afterLatest) : previous.exactFromMs;
      // Read another way from now on: sessions starting after this cannot have closed yet.
      if (!filterChanged && changed.has(def.spec.name)) def.exactFromMs = Math.max(def.exactFromMs, watermark - lateness - def.spec.gapMs + 1, completeAfter + 1);
      for (const sessions of def.sessions.byKey.values()) for (const s of sessions) engine.requeue(def.index, null, s);
      if (filterChanged || changed.has(def.spec.name)) exactFromMs.set(def.spec.name, def.exactFromMs);
      continue;
    }
    def.exactFromMs = afterLatest;
    exactFromMs.set(def.spec.name, def.exactFromMs);
  }
  for (const [def, session] of old.dirtySessions) {
    const moved = sessionOf.get(def);
    if (moved !== undefined) engine.dirtySessions.push([moved, session]);
  }

  const oldCounts = new Map(old.countDefs.map((d) => [d.spec.name, d]));
  for (const def of engine.countDefs) {
    const previous = oldCounts.get(def.spec.name);
    if (previous !== undefined) def.counts.takeStateOf(previous.counts);
    if (filterChanged || changed.has(def.spec.name)) exactFromMs.set(def.spec.name, null);
  }
  return { engine, exactFromMs };
}

/** A window definition without what it computes (its aggregations and filter): which windows it has. */
function geometry(w: WindowSpec): Omit<WindowSpec, 'aggregations' | 'filter'> {
  const { aggregations: _a, filter: _f, ...rest } = w;
  return rest;
}

/** Update-mode dirty marks (keyId · channels + channel) of one layout in another's channels; marks of channels gone are dropped. */
function remapMarks(marks: ReadonlySet<number>, from: PartialLayout, to: PartialLayout): Set<number> {
  const oldStride = from.channels.length;
  const newStride = to.channels.length;
  const channelOf = from.channels.map((c) => to.channels.findIndex((n) => n.filter === c.filter));
  const out = new Set<number>();
  for (const m of marks) {
    const c = m % oldStride;
    const moved = channelOf[c] as number;
    if (moved >= 0) out.add(((m - c) / oldStride) * newStride + moved);
  }
  return out;
}

/**
 * Lays every partial the engine holds out anew, in place (keys' cached slice partials, dirty marks
 * and closing entries keep pointing at the same arrays): slices, running totals, sessions and
 * count windows.
 */
function moveState(engine: WindowAggregator, move: (p: Partial) => Partial): void {
  const done = new Set<Partial>();
  const inPlace = (p: Partial): void => {
    if (done.has(p)) return;
    done.add(p);
    const moved = move(p);
    p.length = 0;
    for (const v of moved) p.push(v);
  };
  for (const slice of engine.slices.slices) for (const p of slice.partials.values()) inPlace(p);
  for (const def of engine.aligned) if (def.global !== null) for (const p of def.global.base.values()) inPlace(p);
  for (const def of engine.sessionDefs) for (const sessions of def.sessions.byKey.values()) for (const s of sessions) inPlace(s.partial);
  for (const def of engine.countDefs) for (const state of def.counts.byKey.values()) for (const b of state.blocks) inPlace(b.partial);
}

/**
 * The first start of the new definition's windows that is exact: after what the slices hold for
 * sure, after every held slice that straddles one of its edges, not yet closed, and (new filter)
 * after the latest event seen.
 */
function alignedExactFrom(
  assigner: AlignedAssigner,
  slices: readonly Slice[],
  at: { readonly heldFrom: number; readonly watermark: number; readonly lateness: number; readonly latestEvent: number },
): number {
  let straddledUpTo = Number.NEGATIVE_INFINITY;
  for (const slice of slices) {
    if (slice.end > at.heldFrom && assigner.edgeAfter(slice.start) < slice.end && slice.end > straddledUpTo) straddledUpTo = slice.end;
  }
  return Math.max(
    assigner.firstStartAfter(at.heldFrom),
    assigner.firstStartAtOrAfter(straddledUpTo),
    assigner.firstOpenStart(at.watermark - at.lateness),
    assigner.firstStartAfter(at.latestEvent),
  );
}

/** The window definitions of `spec` with one replaced, added (`window` with a new name) or removed (`remove`). */
export function withWindow(spec: PipelineSpec, change: { readonly window: WindowSpec } | { readonly remove: string }): PipelineSpec {
  if ('remove' in change) return { ...spec, windows: spec.windows.filter((w) => w.name !== change.remove) };
  const exists = spec.windows.some((w) => w.name === change.window.name);
  return { ...spec, windows: exists ? spec.windows.map((w) => (w.name === change.window.name ? change.window : w)) : [...spec.windows, change.window] };
}
