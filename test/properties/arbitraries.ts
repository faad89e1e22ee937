// fast-check generators of whole scenarios: a pipeline, a stream of out-of-order, duplicate and odd events, flush and crash points.

import fc from 'fast-check';
import type { AggregationSpec } from '../../src/core/aggregate/aggregation-spec.js';
import type { ClickEvent, FieldValue } from '../../src/core/event/click-event.js';
import type { EmitMode, PipelineSpec } from '../../src/core/operator/pipeline-spec.js';
import type { WindowSpec } from '../../src/core/windows/window-spec.js';

/** Every aggregation of the contract over `value`, plus a plain count. */
export const ALL_AGGREGATIONS: readonly AggregationSpec[] = [
  { fn: 'count', field: null },
  { fn: 'count', field: 'value' },
  { fn: 'sum', field: 'value' },
  { fn: 'mean', field: 'value' },
  { fn: 'min', field: 'value' },
  { fn: 'max', field: 'value' },
  { fn: 'variance', field: 'value' },
  { fn: 'stdev', field: 'value' },
];

type Fields = Readonly<Record<string, FieldValue>>;

/** Aggregations a window may have of its own: some of the job's, and some over another field. */
export const WINDOW_AGGREGATIONS: readonly AggregationSpec[] = [
  ...ALL_AGGREGATIONS,
  { fn: 'max', field: 'timestamp' },
  { fn: 'sum', field: 'timestamp' },
  { fn: 'stdev', field: 'timestamp' },
];

/** Filters the generator uses, each with its meaning written out by hand (docs/filter.md). */
export const FILTERS: readonly { readonly source: string; readonly test: (f: Fields) => boolean }[] = [
  { source: 'page == "/a"', test: (f) => f.page === '/a' },
  { source: 'value > 3', test: (f) => typeof f.value === 'number' && f.value > 3 },
  { source: 'user_id == "u1" or page == "/b"', test: (f) => f.user_id === 'u1' || f.page === '/b' },
];

/**
 * Instants near interesting calendar edges: New York local midnight on the spring-forward day
 * (2024-03-10, a 23 h day, clocks jump at 07:00Z), on the fall-back day (2024-11-03, 25 h), the
 * New York Monday after it, and a UTC month and ISO week edge (2024-04-01 is a Monday).
 */
export const BASE_TIMES: readonly number[] = [
  Date.UTC(2024, 2, 10, 5),
  Date.UTC(2024, 10, 3, 4),
  Date.UTC(2024, 10, 4, 5),
  Date.UTC(2024, 3, 1, 0),
  Date.UTC(2024, 2, 31, 22),
];

const ZONES = ['UTC', 'America/New_York'] as const;

const valueArb: fc.Arbitrary<FieldValue | undefined> = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: -5, max: 20 }) },
  // Tiny magnitudes are left out: their squares underflow into subnormals, where no relative bound holds.
  { weight: 2, arbitrary: fc.double({ min: -100, max: 100, noNaN: true, noDefaultInfinity: true }).map((x) => (Math.abs(x) < 1e-100 ? 0 : x)) },
  { weight: 3, arbitrary: fc.integer({ min: -1000, max: 1000 }).map((k) => 1e9 + k * 1e-3) },
  { weight: 2, arbitrary: fc.constantFrom<FieldValue | undefined>('3.5', null, true, Infinity, -Infinity, -0, 1e12, -1e9) },
  { weight: 2, arbitrary: fc.constant(undefined) },
);

interface EventDraft {
  readonly advance: number;
  readonly jitter: number;
  readonly subMs: number;
  readonly user: string | number;
  readonly page: string;
  readonly country: FieldValue | undefined;
  readonly value: FieldValue | undefined;
  readonly repeat: number | null;
}

const eventDraftArb: fc.Arbitrary<EventDraft> = fc.record({
  advance: fc.nat({ max: 4 }),
  jitter: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.integer({ min: -30, max: 30 }) }),
  // Mostly on the unit grid, so that events often sit exactly on window edges and gaps.
  subMs: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.nat() }),
  user: fc.constantFrom<string | number>('u1', 'u2', 42, '42'),
  page: fc.constantFrom('/a', '/b'),
  country: fc.constantFrom<FieldValue | undefined>('us', 'fr', null, undefined, [1]),
  value: valueArb,
  // One event in eight repeats an earlier one exactly.
  repeat: fc.oneof({ weight: 7, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.nat() }),
});

/** Builds the events: a cursor that drifts forward, heavy jitter around it, and exact duplicates. */
function buildEvents(drafts: readonly EventDraft[], baseMs: number, unitMs: number): ClickEvent[] {
  const events: ClickEvent[] = [];
  let cursor = 0;
  for (const d of drafts) {
    if (d.repeat !== null && events.length > 0) {
      const original = events[d.repeat % events.length] as ClickEvent;
      events.push({ kind: 'event', eventTimeMs: original.eventTimeMs, fields: { ...original.fields } });
      continue;
    }
    cursor += d.advance;
    const t = Math.max(0, baseMs + (cursor + d.jitter) * unitMs + (d.subMs % unitMs));
    const fields: Record<string, FieldValue> = { user_id: d.user, page: d.page, timestamp: t };
    if (d.country !== undefined) fields.country = d.country;
    if (d.value !== undefined) fields.value = d.value;
    events.push({ kind: 'event', eventTimeMs: t, fields });
  }
  return events;
}

interface Offset {
  readonly units: number;
  readonly ms: number;
}

/** A window definition with its sizes in time units; `materialize` turns it into a WindowSpec. */
export type WindowDraft =
  | { readonly kind: 'tumbling'; readonly size: number; readonly offset: Offset }
  | { readonly kind: 'sliding'; readonly size: number; readonly slideFraction: number; readonly offset: Offset }
  | { readonly kind: 'calendar'; readonly unit: 'day' | 'week' | 'month'; readonly timeZone: string }
  | { readonly kind: 'session'; readonly gap: number }
  | { readonly kind: 'count'; readonly size: number; readonly slideFraction: number }
  | { readonly kind: 'global'; readonly every: number };

/** An offset in units (mostly whole, so edges stay on the unit grid) plus sometimes stray milliseconds. */
const offsetArb = fc.record({ units: fc.nat({ max: 20 }), ms: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.nat() }) });

export const windowDraftArb: fc.Arbitrary<WindowDraft> = fc.oneof(
  fc.record({ kind: fc.constant('tumbling' as const), size: fc.integer({ min: 1, max: 20 }), offset: offsetArb }),
  fc.record({ kind: fc.constant('sliding' as const), size: fc.integer({ min: 1, max: 20 }), slideFraction: fc.double({ min: 0, max: 1, noNaN: true }), offset: offsetArb }),
  fc.record({ kind: fc.constant('calendar' as const), unit: fc.constantFrom('day' as const, 'week' as const, 'month' as const), timeZone: fc.constantFrom(...ZONES) }),
  fc.record({ kind: fc.constant('session' as const), gap: fc.integer({ min: 1, max: 20 }) }),
  fc.record({ kind: fc.constant('count' as const), size: fc.integer({ min: 1, max: 5 }), slideFraction: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({ kind: fc.constant('global' as const), every: fc.integer({ min: 1, max: 20 }) }),
);

/** Sizes, slides, gaps and ticks are whole time units; offsets are any millisecond below the slide. */
export function materialize(d: WindowDraft, name: string, unitMs: number): WindowSpec {
  const slideOf = (size: number, fraction: number): number => Math.max(1, Math.ceil(size * fraction));
  const offsetMsOf = (o: Offset): number => o.units * unitMs + (o.ms % unitMs);
  switch (d.kind) {
    case 'tumbling': {
      const sizeMs = d.size * unitMs;
      return { kind: 'tumbling', name, sizeMs, offsetMs: offsetMsOf(d.offset) % sizeMs };
    }
    case 'sliding': {
      const slideMs = slideOf(d.size, d.slideFraction) * unitMs;
      return { kind: 'sliding', name, sizeMs: d.size * unitMs, slideMs, offsetMs: offsetMsOf(d.offset) % slideMs };
    }
    case 'calendar':
      return { kind: 'calendar', name, unit: d.unit, timeZone: d.timeZone };
    case 'session':
      return { kind: 'session', name, gapMs: d.gap * unitMs };
    case 'count':
      return { kind: 'count', name, size: d.size, slide: slideOf(d.size, d.slideFraction) };
    case 'global':
      return { kind: 'global', name, everyMs: d.every * unitMs };
  }
}

export interface Scenario {
  readonly spec: PipelineSpec;
  /** The meaning of spec.filter, for the reference. */
  readonly filter: ((fields: Fields) => boolean) | undefined;
  readonly events: readonly ClickEvent[];
  /** Event indices after which flushUpdates is called. */
  readonly flushAfter: ReadonlySet<number>;
  /** The source partition of each event (half of the scenarios use partition 0 only). */
  readonly partitions: readonly number[];
  /** Partitions reported idle after the event of that index. */
  readonly idleAfter: ReadonlyMap<number, readonly number[]>;
  /** Positions in the list of engine calls before which the engine is snapshotted and restored. */
  readonly restartPoints: readonly number[];
  /** Time unit the sizes were drawn in, for reading counterexamples. */
  readonly unitMs: number;
}

export function scenarioArb(options: { readonly emit?: EmitMode; readonly maxEvents?: number } = {}): fc.Arbitrary<Scenario> {
  return fc
    .record({
      unitMs: fc.constantFrom(1, 1_000, 60_000, 600_000),
      baseMs: fc.constantFrom(...BASE_TIMES),
      keyBy: fc.constantFrom<readonly string[]>([], ['user_id'], ['user_id', 'page'], ['country']),
      filterIndex: fc.oneof({ weight: 4, arbitrary: fc.constant(-1) }, { weight: 1, arbitrary: fc.nat({ max: FILTERS.length - 1 }) }),
      emit: options.emit === undefined ? fc.constantFrom<EmitMode>('final', 'update') : fc.constant(options.emit),
      boundUnits: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 30 })),
      latenessUnits: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 30 })),
      windows: fc.array(windowDraftArb, { minLength: 1, maxLength: 4 }),
      own: fc.array(ownArb, { minLength: 4, maxLength: 4 }),
      drafts: fc.array(eventDraftArb, { maxLength: options.maxEvents ?? 50, size: 'max' }),
      flushAfter: fc.array(fc.nat({ max: 50 }), { maxLength: 25, size: 'max' }),
      restartPoints: fc.array(fc.nat({ max: 200 }), { minLength: 1, maxLength: 3 }),
      partitionCount: fc.oneof({ weight: 2, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.integer({ min: 2, max: 3 }) }),
      partitionDraws: fc.array(fc.nat({ max: 2 }), { maxLength: 50, size: 'max' }),
      idleDraws: fc.array(fc.record({ after: fc.nat({ max: 50 }), partition: fc.nat({ max: 2 }) }), { maxLength: 6 }),
    })
    .map((r): Scenario => {
      const filter = r.filterIndex < 0 ? undefined : FILTERS[r.filterIndex];
      const spec: PipelineSpec = {
        keyBy: r.keyBy,
        filter: filter?.source ?? null,
        windows: r.windows.map((w, i) => withOwn(materialize(w, `w${i}`, r.unitMs), r.own[i] as Own)),
        aggregations: ALL_AGGREGATIONS,
        time: { maxOutOfOrdernessMs: r.boundUnits * r.unitMs, allowedLatenessMs: r.latenessUnits * r.unitMs, idleTimeoutMs: 60_000 },
        emit: r.emit,
      };
      const events = buildEvents(r.drafts, r.baseMs, r.unitMs);
      const idleAfter = new Map<number, number[]>();
      if (r.partitionCount > 1) {
        for (const { after, partition } of r.idleDraws) idleAfter.set(after, [...(idleAfter.get(after) ?? []), partition % r.partitionCount]);
      }
      return {
        spec,
        filter: filter?.test,
        events,
        flushAfter: new Set(r.flushAfter),
        partitions: events.map((_e, i) => (r.partitionDraws[i] ?? 0) % r.partitionCount),
        idleAfter,
        restartPoints: r.restartPoints,
        unitMs: r.unitMs,
      };
    });
}

/** The scenario's flushes, partitions and idle reports, as options for referenceRun and runEngine. */
export function routingOf(s: Scenario): {
  readonly flushAfter: ReadonlySet<number>;
  readonly partitions: readonly number[];
  readonly idleAfter: ReadonlyMap<number, readonly number[]>;
  readonly windowFilters: ReadonlyMap<string, (f: Fields) => boolean>;
} {
  return { flushAfter: s.flushAfter, partitions: s.partitions, idleAfter: s.idleAfter, windowFilters: WINDOW_FILTERS };
}

/** The meaning of every filter a window may have, by its source text (for the reference). */
export const WINDOW_FILTERS: ReadonlyMap<string, (f: Fields) => boolean> = new Map(FILTERS.map((f) => [f.source, f.test]));

/** A window's own filter (an index into FILTERS) and aggregations (indices into WINDOW_AGGREGATIONS), when it has them. */
export interface Own {
  readonly filterIndex: number | null;
  readonly aggregations: readonly number[] | null;
}

/** Mostly none: a window of its own settings in about one scenario in three. */
export const ownArb: fc.Arbitrary<Own> = fc.record({
  filterIndex: fc.oneof({ weight: 5, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.nat({ max: FILTERS.length - 1 }) }),
  aggregations: fc.oneof(
    { weight: 5, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.uniqueArray(fc.nat({ max: WINDOW_AGGREGATIONS.length - 1 }), { minLength: 1, maxLength: 4 }) },
  ),
});

/** The window with its own filter and aggregations, when drawn. */
export function withOwn(w: WindowSpec, own: Own): WindowSpec {
  return {
    ...w,
    ...(own.aggregations === null ? {} : { aggregations: own.aggregations.map((i) => WINDOW_AGGREGATIONS[i] as AggregationSpec) }),
    ...(own.filterIndex === null ? {} : { filter: (FILTERS[own.filterIndex] as (typeof FILTERS)[number]).source }),
  };
}
