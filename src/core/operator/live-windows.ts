// Live windows: the aggregates of windows that have not closed yet, as they stand (REST `/live`).

import type { Partial, ResultValues } from '../aggregate/aggregate-plan.js';
import type { FieldValue } from '../event/click-event.js';
import type { Slice } from '../slices/slice-store.js';
import { EngineError } from '../errors.js';
import { keyMatches, type GroupKey, type KeyEntry } from './key-table.js';
import type { AlignedDef, WindowAggregator } from './window-aggregator.js';

export interface LiveWindowState {
  readonly window: string;
  readonly start: number;
  readonly end: number;
  readonly key: GroupKey;
  /** The window's output names (its own aggregations, or the job's). */
  readonly names: readonly string[];
  /** In the order of `names`. */
  readonly values: ResultValues;
  /** Count windows only, else null. */
  readonly windowIndex: number | null;
}

type Match = Readonly<Record<string, FieldValue>>;

/**
 * The open windows of one definition for the keys matching `match` (exact match on the given
 * fields), oldest window first, at most `limit`. Windows starting before the definition is exact
 * (changed while running) are left out, as they are never emitted. Reads the engine; changes nothing.
 */
export function liveWindows(engine: WindowAggregator, name: string, match: Match, limit: number): LiveWindowState[] {
  const out: LiveWindowState[] = [];
  const aligned = engine.aligned.find((d) => d.spec.name === name);
  if (aligned !== undefined) {
    if (aligned.global !== null) globalTotals(engine, aligned, match, limit, out);
    else alignedWindows(engine, aligned, match, limit, out);
    return out;
  }
  const keys = [...matchingKeys(engine, match)];
  const session = engine.sessionDefs.find((d) => d.spec.name === name);
  if (session !== undefined) {
    const open = [];
    for (const entry of keys) {
      for (const s of session.sessions.byKey.get(entry.id) ?? []) {
        if (s.isLive && s.start >= session.exactFromMs) open.push({ entry, s });
      }
    }
    open.sort((a, b) => a.s.start - b.s.start || a.entry.id - b.entry.id);
    for (const { entry, s } of open.slice(0, limit)) {
      out.push({ window: name, start: s.start, end: s.end, key: entry.group, names: session.outputs.names, values: session.outputs.lower(s.partial), windowIndex: null });
    }
    return out;
  }
  const count = engine.countDefs.find((d) => d.spec.name === name);
  if (count !== undefined) {
    for (const entry of keys) {
      count.counts.forEachIncompleteOf(entry.id, (w) => {
        if (out.length < limit) out.push({ window: name, start: w.minTimeMs, end: w.maxTimeMs + 1, key: entry.group, names: count.outputs.names, values: count.outputs.lower(w.partial), windowIndex: w.windowIndex });
      });
      if (out.length >= limit) break;
    }
    return out;
  }
  throw new EngineError('NOT_FOUND', `no window named '${name}'`);
}

function matchingKeys(engine: WindowAggregator, match: Match): Iterable<KeyEntry> {
  if (engine.keys.isExact(match)) {
    const entry = engine.keys.lookup(match);
    return entry === undefined ? [] : [entry];
  }
  return [...engine.keys.all()].filter((e) => keyMatches(e.group.key, match));
}

function alignedWindows(engine: WindowAggregator, def: AlignedDef, match: Match, limit: number, out: LiveWindowState[]): void {
  const plan = engine.layout;
  const windows = [...def.pending.values()].filter((w) => w.start >= def.exactFromMs).sort((a, b) => a.start - b.start);
  const exact = engine.keys.isExact(match) ? (engine.keys.lookup(match) ?? null) : undefined;
  if (exact === null) return;
  for (const window of windows) {
    const inWindow: Slice[] = [];
    engine.slices.forEachIn(window.start, window.end, (slice) => inWindow.push(slice));
    const combined = new Map<KeyEntry, Partial>();
    for (const slice of inWindow) {
      if (exact !== undefined) {
        const p = slice.partials.get(exact);
        if (p !== undefined) addTo(combined, exact, p, plan);
        continue;
      }
      for (const [entry, p] of slice.partials) if (keyMatches(entry.group.key, match)) addTo(combined, entry, p, plan);
    }
    const entries = [...combined].sort((a, b) => a[0].id - b[0].id);
    for (const [entry, partial] of entries) {
      if (!def.outputs.hasEvents(partial)) continue;
      if (out.length >= limit) return;
      out.push({ window: def.spec.name, start: window.start, end: window.end, key: entry.group, names: def.outputs.names, values: def.outputs.lower(partial), windowIndex: null });
    }
  }
}

/** Running totals: what was reported at the last tick, plus what has arrived since. */
function globalTotals(engine: WindowAggregator, def: AlignedDef, match: Match, limit: number, out: LiveWindowState[]): void {
  const global = def.global;
  if (global === null) return;
  const plan = engine.layout;
  const totals = new Map<KeyEntry, Partial>();
  let end = global.foldedUpToMs;
  for (const entry of matchingKeys(engine, match)) {
    const base = global.base.get(entry.id);
    if (base !== undefined) totals.set(entry, plan.copy(base));
  }
  // Only the slices of ticks still to come: the others were folded in, or their events were added
  // to the totals directly (late for their tick, yet kept in a slice for later definitions).
  for (const tick of def.pending.values()) {
    engine.slices.forEachIn(tick.start, tick.end, (slice) => {
      for (const [entry, p] of slice.partials) {
        if (!keyMatches(entry.group.key, match)) continue;
        addTo(totals, entry, p, plan);
        if (tick.end > end) end = tick.end;
      }
    });
  }
  const entries = [...totals].filter(([, p]) => def.outputs.hasEvents(p)).sort((a, b) => a[0].id - b[0].id).slice(0, limit);
  for (const [entry, partial] of entries) {
    out.push({ window: def.spec.name, start: 0, end: Number.isFinite(end) ? end : 0, key: entry.group, names: def.outputs.names, values: def.outputs.lower(partial), windowIndex: null });
  }
}

function addTo(into: Map<KeyEntry, Partial>, entry: KeyEntry, p: Partial, plan: WindowAggregator['layout']): void {
  const existing = into.get(entry);
  if (existing === undefined) into.set(entry, plan.copy(p));
  else plan.combine(existing, p);
}
