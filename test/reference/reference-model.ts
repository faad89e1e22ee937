// Brute-force model of docs/semantics.md: every window is enumerated, every aggregate is recomputed from its events.

import type { AggregationSpec } from '../../src/core/aggregate/aggregation-spec.js';
import type { FieldValue } from '../../src/core/event/click-event.js';
import type { PipelineSpec } from '../../src/core/operator/pipeline-spec.js';
import type { WindowSpec } from '../../src/core/windows/window-spec.js';
import { calendarPeriodOf } from './calendar-periods.js';
import { exactMean, exactStdev, exactSum, exactVariance } from './exact-stats.js';

export interface ReferenceEvent {
  readonly eventTimeMs: number;
  readonly fields: Readonly<Record<string, FieldValue>>;
}

/** One result line, as the contract describes it. */
export interface ReferenceResult {
  readonly window: string;
  readonly windowKind: WindowSpec['kind'];
  readonly start: number;
  readonly end: number;
  /** JSON text of the group key, e.g. `{"user_id":"u1"}`; `{}` without keyBy. */
  readonly keyJson: string;
  /** In the order of the spec's aggregations. */
  readonly values: readonly (number | null)[];
  /**
   * Per value, the size of the inputs it was computed from (Σ|x| for a sum, max |x| for a mean,
   * 0 where only relative error makes sense), so callers can bound rounding errors near zero.
   */
  readonly scales: readonly number[];
  readonly revision: number;
  readonly isFinal: boolean;
  /** Count windows: j, the window's number for its key (arrivals j·slide … j·slide + size − 1); null otherwise. */
  readonly windowIndex: number | null;
  /** The watermark at which the result was due (close time plus lateness); null for count windows and update revisions. */
  readonly closeAtMs: number | null;
}

export interface ReferenceLate {
  /** Position of the event in the input. */
  readonly index: number;
  /** The time-based definitions that had no open window for it, in definition order. */
  readonly windows: readonly string[];
  /** The watermark when the event arrived. */
  readonly watermarkMs: number;
}

/**
 * What came out at one point of the run: after event `index` (`event`), when partitions went idle
 * after event `index` (`idle`), at an update flush after event `index` (`flush`), or at the end of
 * the input (`end`, index = number of events).
 */
export interface ReferenceStep {
  readonly kind: 'event' | 'idle' | 'flush' | 'end';
  readonly index: number;
  readonly results: ReferenceResult[];
  readonly late: ReferenceLate[];
}

export interface ReferenceRun {
  readonly steps: readonly ReferenceStep[];
  readonly results: readonly ReferenceResult[];
  readonly late: readonly ReferenceLate[];
}

export interface ReferenceOptions {
  /** The meaning of `spec.filter` as a plain predicate; required when the spec has a filter. */
  readonly filter?: (fields: Readonly<Record<string, FieldValue>>) => boolean;
  /** The meaning of each window filter (by its source text) as a plain predicate; required when a window has one. */
  readonly windowFilters?: ReadonlyMap<string, (fields: Readonly<Record<string, FieldValue>>) => boolean>;
  /** Event indices after which an update flush happens (it emits nothing in final mode). */
  readonly flushAfter?: ReadonlySet<number>;
  /** The source partition of each event, by index; all events are on partition 0 when left out. */
  readonly partitions?: readonly (string | number)[];
  /** Partitions reported idle (no events for the idle timeout) after the event of that index, before its flush. */
  readonly idleAfter?: ReadonlyMap<number, readonly (string | number)[]>;
}

interface Arrival {
  readonly index: number;
  readonly t: number;
  readonly fields: Readonly<Record<string, FieldValue>>;
  readonly keyJson: string;
}

/** The events of one (window, key), with its update-mode bookkeeping. */
interface Cell {
  readonly members: Arrival[];
  revision: number;
  isDirty: boolean;
}

interface AlignedWindow {
  readonly def: number;
  readonly start: number;
  readonly end: number;
  readonly cells: Map<string, Cell>;
  isClosed: boolean;
}

interface Session {
  readonly start: number;
  readonly end: number;
  readonly members: Arrival[];
  revision: number;
  isDirty: boolean;
}

function keyJsonOf(keyBy: readonly string[], fields: Readonly<Record<string, FieldValue>>): string {
  const key: Record<string, FieldValue> = {};
  for (const f of keyBy) key[f] = Object.hasOwn(fields, f) && fields[f] !== undefined ? (fields[f] as FieldValue) : null;
  return JSON.stringify(key);
}

/** The aggregates of a list of events, straight from the table of the contract. */
export function aggregateEvents(
  specs: readonly AggregationSpec[],
  members: readonly { readonly fields: Readonly<Record<string, FieldValue>> }[],
): (number | null)[] {
  return specs.map((spec) => {
    if (spec.field === null) return members.length;
    const field = spec.field;
    const xs: number[] = [];
    for (const m of members) {
      const v = Object.hasOwn(m.fields, field) ? m.fields[field] : undefined;
      if (typeof v === 'number' && Number.isFinite(v)) xs.push(v);
    }
    switch (spec.fn) {
      case 'count': return xs.length;
      case 'sum': return exactSum(xs);
      case 'mean': return exactMean(xs);
      case 'min': return xs.length === 0 ? null : xs.reduce((a, b) => (b < a ? b : a));
      case 'max': return xs.length === 0 ? null : xs.reduce((a, b) => (b > a ? b : a));
      case 'variance': return exactVariance(xs);
      case 'stdev': return exactStdev(xs);
    }
  });
}

/** The input magnitude behind each aggregate: Σ|x| for sums, max |x| for means, 0 elsewhere. */
export function inputScales(
  specs: readonly AggregationSpec[],
  members: readonly { readonly fields: Readonly<Record<string, FieldValue>> }[],
): number[] {
  return specs.map((spec) => {
    if (spec.field === null || (spec.fn !== 'sum' && spec.fn !== 'mean')) return 0;
    const field = spec.field;
    let total = 0;
    let largest = 0;
    for (const m of members) {
      const v = Object.hasOwn(m.fields, field) ? m.fields[field] : undefined;
      if (typeof v !== 'number' || !Number.isFinite(v)) continue;
      total += Math.abs(v);
      largest = Math.max(largest, Math.abs(v));
    }
    return spec.fn === 'sum' ? total : largest;
  });
}

/** Every window of a tumbling, sliding or calendar definition that contains t, found by enumeration. */
export function windowsContaining(spec: WindowSpec, t: number): { start: number; end: number }[] {
  switch (spec.kind) {
    case 'tumbling':
    case 'sliding': {
      const size = spec.sizeMs;
      const slide = spec.kind === 'tumbling' ? spec.sizeMs : spec.slideMs;
      const kNear = Math.floor((t - spec.offsetMs) / slide);
      const out: { start: number; end: number }[] = [];
      // Scan generously around t and keep the windows with start ≤ t < start + size.
      for (let k = kNear - Math.ceil(size / slide) - 2; k <= kNear + 2; k++) {
        const start = k * slide + spec.offsetMs;
        if (start <= t && t < start + size) out.push({ start, end: start + size });
      }
      return out;
    }
    case 'calendar':
      return [calendarPeriodOf(spec.unit, spec.timeZone, t)];
    default:
      throw new Error(`${spec.kind} windows are not aligned`);
  }
}

/**
 * Runs the contract over `events` in arrival order. The watermark is the minimum over the active
 * partitions seen so far of (max event time − maxOutOfOrderness); it never goes back, and it moves
 * after every event (filtered ones included) and when a partition goes idle. An idle partition
 * counts again once it has an event; while every partition is idle the watermark stays. An event
 * is judged against the watermark before its own move.
 */
export function referenceRun(spec: PipelineSpec, events: readonly ReferenceEvent[], options: ReferenceOptions = {}): ReferenceRun {
  if (spec.filter !== null && options.filter === undefined) throw new Error('the reference needs the filter as a predicate');
  const latenessMs = spec.time.allowedLatenessMs;
  const isUpdate = spec.emit === 'update';
  const flushAfter = options.flushAfter ?? new Set<number>();
  const aggregate = (w: WindowSpec, members: readonly Arrival[]): { values: (number | null)[]; scales: number[] } => ({
    values: aggregateEvents(w.aggregations ?? spec.aggregations, members),
    scales: inputScales(w.aggregations ?? spec.aggregations, members),
  });
  /** A window with a filter of its own sees only the events that pass it: for the others it does not exist. */
  const takes = (w: WindowSpec, fields: Readonly<Record<string, FieldValue>>): boolean => {
    if (w.filter === undefined) return true;
    const test = options.windowFilters?.get(w.filter);
    if (test === undefined) throw new Error(`the reference needs the window filter ${w.filter} as a predicate`);
    return test(fields);
  };

  const aligned = new Map<string, AlignedWindow>();
  const sessions = spec.windows.map(() => new Map<string, Session[]>());
  const countArrivals = spec.windows.map(() => new Map<string, Arrival[]>());
  const globalArrivals = spec.windows.map((): Arrival[] => []);
  const globalReported = spec.windows.map(() => new Map<string, { count: number; reports: number }>());
  const steps: ReferenceStep[] = [];
  let watermark = Number.NEGATIVE_INFINITY;
  const partitions = new Map<string | number, { maxMs: number; isIdle: boolean }>();
  /** The watermark the partitions justify now, never below the current one. */
  const nextWatermark = (): number => {
    const active = [...partitions.values()].filter((p) => !p.isIdle);
    if (active.length === 0) return watermark;
    return Math.max(watermark, Math.min(...active.map((p) => p.maxMs)) - spec.time.maxOutOfOrdernessMs);
  };

  const countResult = (w: WindowSpec, windowIndex: number, members: readonly Arrival[], keyJson: string): ReferenceResult => ({
    window: w.name,
    windowKind: w.kind,
    start: Math.min(...members.map((m) => m.t)),
    end: Math.max(...members.map((m) => m.t)) + 1,
    keyJson,
    ...aggregate(w, members),
    revision: 0,
    isFinal: true,
    windowIndex,
    closeAtMs: null,
  });

  /** Closes everything due when the watermark moves from `from` to `to`. */
  const advance = (from: number, to: number, out: ReferenceResult[]): void => {
    for (const window of aligned.values()) {
      if (window.isClosed || window.end + latenessMs > to) continue;
      window.isClosed = true;
      const w = spec.windows[window.def] as WindowSpec;
      for (const [keyJson, cell] of window.cells) {
        out.push({
          window: w.name, windowKind: w.kind, start: window.start, end: window.end, keyJson,
          ...aggregate(w, cell.members), revision: isUpdate ? cell.revision + 1 : 0, isFinal: true,
          windowIndex: null, closeAtMs: window.end + latenessMs,
        });
      }
    }
    spec.windows.forEach((w, d) => {
      if (w.kind === 'session') {
        for (const [keyJson, list] of sessions[d] as Map<string, Session[]>) {
          for (const s of list.filter((x) => x.end + latenessMs <= to)) {
            out.push({
              window: w.name, windowKind: w.kind, start: s.start, end: s.end, keyJson,
              ...aggregate(w, s.members), revision: isUpdate ? s.revision + 1 : 0, isFinal: true,
              windowIndex: null, closeAtMs: s.end + latenessMs,
            });
          }
          (sessions[d] as Map<string, Session[]>).set(keyJson, list.filter((x) => x.end + latenessMs > to));
        }
      }
      if (w.kind === 'global') {
        // Ticks X = k·every with from < X + lateness ≤ to. Reports can change only at the first of
        // them (events that arrived since the last step) and just after an event time.
        const every = w.everyMs;
        const arrivals = globalArrivals[d] as Arrival[];
        const isDue = (x: number): boolean => from < x + latenessMs && x + latenessMs <= to;
        const ticks = new Set<number>();
        if (Number.isFinite(from)) {
          const first = (Math.floor((from - latenessMs) / every) + 1) * every;
          if (isDue(first)) ticks.add(first);
        }
        for (const a of arrivals) {
          const x = Math.floor(a.t / every) * every + every;
          if (isDue(x)) ticks.add(x);
        }
        const reported = globalReported[d] as Map<string, { count: number; reports: number }>;
        for (const x of [...ticks].sort((a, b) => a - b)) {
          const keys = [...new Set(arrivals.map((a) => a.keyJson))];
          for (const keyJson of keys) {
            const included = arrivals.filter((a) => a.keyJson === keyJson && a.t < x);
            const state = reported.get(keyJson) ?? { count: 0, reports: 0 };
            if (included.length === state.count) continue;
            out.push({
              window: w.name, windowKind: w.kind, start: 0, end: x, keyJson,
              ...aggregate(w, included), revision: state.reports, isFinal: true, windowIndex: null, closeAtMs: x + latenessMs,
            });
            reported.set(keyJson, { count: included.length, reports: state.reports + 1 });
          }
        }
      }
    });
  };

  const flush = (out: ReferenceResult[]): void => {
    for (const window of aligned.values()) {
      if (window.isClosed) continue;
      const w = spec.windows[window.def] as WindowSpec;
      for (const [keyJson, cell] of window.cells) {
        if (!cell.isDirty) continue;
        cell.isDirty = false;
        cell.revision += 1;
        out.push({
          window: w.name, windowKind: w.kind, start: window.start, end: window.end, keyJson,
          ...aggregate(w, cell.members), revision: cell.revision, isFinal: false, windowIndex: null, closeAtMs: null,
        });
      }
    }
    spec.windows.forEach((w, d) => {
      if (w.kind !== 'session') return;
      for (const [keyJson, list] of sessions[d] as Map<string, Session[]>) {
        for (const s of list) {
          if (!s.isDirty) continue;
          s.isDirty = false;
          s.revision += 1;
          out.push({
            window: w.name, windowKind: w.kind, start: s.start, end: s.end, keyJson,
            ...aggregate(w, s.members), revision: s.revision, isFinal: false, windowIndex: null, closeAtMs: null,
          });
        }
      }
    });
  };

  events.forEach((event, index) => {
    const step: ReferenceStep = { kind: 'event', index, results: [], late: [] };
    const t = event.eventTimeMs;
    const isKept = spec.filter === null || (options.filter as (f: Readonly<Record<string, FieldValue>>) => boolean)(event.fields);
    if (isKept) {
      const keyJson = keyJsonOf(spec.keyBy, event.fields);
      const arrival: Arrival = { index, t, fields: event.fields, keyJson };
      const missed: string[] = [];
      spec.windows.forEach((w, d) => {
        if (!takes(w, event.fields)) return;
        switch (w.kind) {
          case 'tumbling':
          case 'sliding':
          case 'calendar': {
            let hasJoined = false;
            for (const { start, end } of windowsContaining(w, t)) {
              if (watermark >= end + latenessMs) continue; // closed: it cannot take the event
              hasJoined = true;
              const id = `${d}:${start}`;
              let window = aligned.get(id);
              if (window === undefined) aligned.set(id, (window = { def: d, start, end, cells: new Map(), isClosed: false }));
              if (window.isClosed || window.end !== end) throw new Error('reference: window bookkeeping broken');
              let cell = window.cells.get(keyJson);
              if (cell === undefined) window.cells.set(keyJson, (cell = { members: [], revision: -1, isDirty: false }));
              cell.members.push(arrival);
              cell.isDirty = true;
            }
            if (!hasJoined) missed.push(w.name);
            break;
          }
          case 'session': {
            const gap = w.gapMs;
            const byKey = sessions[d] as Map<string, Session[]>;
            const list = byKey.get(keyJson) ?? [];
            const overlapping = list.filter((s) => s.start < t + gap && t < s.end);
            const merged: Session = {
              start: Math.min(t, ...overlapping.map((s) => s.start)),
              end: Math.max(t + gap, ...overlapping.map((s) => s.end)),
              members: [...overlapping.flatMap((s) => s.members), arrival],
              revision: Math.max(-1, ...overlapping.map((s) => s.revision)),
              isDirty: true,
            };
            if (watermark >= merged.end + latenessMs) {
              missed.push(w.name);
              break;
            }
            byKey.set(keyJson, [...list.filter((s) => !overlapping.includes(s)), merged]);
            break;
          }
          case 'count': {
            const byKey = countArrivals[d] as Map<string, Arrival[]>;
            const list = byKey.get(keyJson) ?? [];
            list.push(arrival);
            byKey.set(keyJson, list);
            const first = list.length - w.size;
            if (first >= 0 && first % w.slide === 0) step.results.push(countResult(w, first / w.slide, list.slice(first), keyJson));
            break;
          }
          case 'global':
            (globalArrivals[d] as Arrival[]).push(arrival);
            break;
        }
      });
      if (missed.length > 0) step.late.push({ index, windows: missed, watermarkMs: watermark });
    }
    const partition = options.partitions?.[index] ?? 0;
    const seen = partitions.get(partition);
    partitions.set(partition, { maxMs: Math.max(t, seen?.maxMs ?? t), isIdle: false });
    const next = nextWatermark();
    advance(watermark, next, step.results);
    watermark = next;
    steps.push(step);
    const idle = options.idleAfter?.get(index);
    if (idle !== undefined) {
      const idleStep: ReferenceStep = { kind: 'idle', index, results: [], late: [] };
      for (const p of idle) {
        const state = partitions.get(p);
        if (state === undefined) continue; // a partition never seen holds nothing back
        state.isIdle = true;
        const afterIdle = nextWatermark();
        advance(watermark, afterIdle, idleStep.results);
        watermark = afterIdle;
      }
      steps.push(idleStep);
    }
    if (flushAfter.has(index)) {
      // In final mode a flush emits nothing; the step is kept so both modes line up.
      const flushStep: ReferenceStep = { kind: 'flush', index, results: [], late: [] };
      if (isUpdate) flush(flushStep.results);
      steps.push(flushStep);
    }
  });

  const end: ReferenceStep = { kind: 'end', index: events.length, results: [], late: [] };
  advance(watermark, Number.POSITIVE_INFINITY, end.results);
  spec.windows.forEach((w, d) => {
    if (w.kind !== 'count') return;
    for (const [keyJson, list] of countArrivals[d] as Map<string, Arrival[]>) {
      for (let j = 0; j * w.slide < list.length; j++) {
        if (j * w.slide + w.size > list.length) end.results.push(countResult(w, j, list.slice(j * w.slide), keyJson));
      }
    }
  });
  steps.push(end);

  return { steps, results: steps.flatMap((s) => s.results), late: steps.flatMap((s) => s.late) };
}
