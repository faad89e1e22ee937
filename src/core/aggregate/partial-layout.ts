// PartialLayout: one partial per (slice, key) that answers every window, whatever its own aggregations and filter.

import { EngineError } from '../errors.js';
import type { FieldValue } from '../event/click-event.js';
import { compileFilter } from '../filter/index.js';
import type { Partial, ResultValues } from './aggregate-plan.js';
import { AGGREGATE_FUNCTIONS, outputName, type AggregationSpec } from './aggregation-spec.js';
import {
  addMoment,
  EMPTY_MOMENTS,
  LOWER_COUNT,
  LOWER_MAX,
  LOWER_MEAN,
  LOWER_MIN,
  LOWER_STDEV,
  LOWER_SUM,
  LOWER_VARIANCE,
  lowerMoment,
  mergeMoments,
  MOMENT_SLOTS,
} from './moments.js';

type Fields = Readonly<Record<string, FieldValue>>;

/** What one window reads from a partial: the events passing its filter (null: all), aggregated its way. */
export interface WindowNeeds {
  readonly filter: string | null;
  readonly aggregations: readonly AggregationSpec[];
}

/**
 * The events passing one window filter (null: every event the job's filter keeps), as a block of
 * the partial: [event count, then MOMENT_SLOTS slots per numeric field any of its windows reads].
 */
export interface Channel {
  readonly filter: string | null;
  readonly test: ((record: Fields) => boolean) | null;
  readonly fields: readonly string[];
  /** Where the block starts in a partial. */
  readonly offset: number;
}

/** How one window turns a partial into its result values. */
export interface WindowOutputs {
  /** Output names in the window's aggregation order: `count`, `sum_value`… (the same array for every result). */
  readonly names: readonly string[];
  /** The channel the window reads. */
  readonly channel: number;
  lower(partial: Partial): ResultValues;
  /** False when no event of the window's channel reached the partial (its key has nothing to report). */
  hasEvents(partial: Partial): boolean;
}

/**
 * The layout is the union of what the windows need: one channel per distinct window filter, each
 * with the fields its windows aggregate. Moments of a field answer count, sum, mean, min, max,
 * variance and stdev of it, so windows that differ only in their aggregations share a channel and
 * slices stay shared by all windows: an event still updates one partial per key. A job without
 * window filters has one channel: that is AggregatePlan.
 *
 * Routing: the channel filters are run once per event by `route`, and `add` then adds the event to
 * the channels it passed (every channel when there are no window filters). `add` reads the route of
 * the event last routed: the engine routes each event before it adds it anywhere.
 */
export class PartialLayout {
  readonly channels: readonly Channel[];
  readonly width: number;
  private readonly template: readonly number[];
  private readonly isUnrouted: boolean;
  /** Per channel, 1 when the event last routed passed its filter. */
  private readonly passed: Uint8Array;
  private readonly byFilter: ReadonlyMap<string | null, number>;

  constructor(needs: readonly WindowNeeds[]) {
    const fieldsOf = new Map<string | null, string[]>();
    for (const need of needs) {
      checkAggregations(need.aggregations);
      let fields = fieldsOf.get(need.filter);
      if (fields === undefined) fieldsOf.set(need.filter, (fields = []));
      for (const a of need.aggregations) if (a.field !== null && !fields.includes(a.field)) fields.push(a.field);
    }
    if (fieldsOf.size === 0) fieldsOf.set(null, []);
    const channels: Channel[] = [];
    let offset = 0;
    for (const [filter, fields] of fieldsOf) {
      channels.push({ filter, test: filter === null ? null : compileFilter(filter).test, fields, offset });
      offset += 1 + fields.length * MOMENT_SLOTS;
    }
    this.channels = channels;
    this.width = offset;
    this.byFilter = new Map(channels.map((c, i) => [c.filter, i]));
    // A double first, so that the array's elements are unboxed doubles from the start.
    const template: number[] = [0.5];
    for (const c of channels) {
      if (c.offset > 0) template.push(0);
      c.fields.forEach(() => template.push(...EMPTY_MOMENTS));
    }
    template[0] = 0;
    this.template = template;
    this.isUnrouted = channels.every((c) => c.test === null);
    this.passed = new Uint8Array(channels.length).fill(1);
  }

  /** The identity of `combine`: no events. */
  empty(): Partial {
    // Copying a template keeps the array's elements unboxed doubles from the start.
    return this.template.slice();
  }

  /**
   * Runs the window filters on an event; returns false when it passes none (then no window takes
   * it). Without window filters it does nothing and returns true.
   */
  route(fields: Fields): boolean {
    if (this.isUnrouted) return true;
    let any = false;
    for (let c = 0; c < this.channels.length; c++) {
      const test = (this.channels[c] as Channel).test;
      const ok = test === null || test(fields);
      this.passed[c] = ok ? 1 : 0;
      any ||= ok;
    }
    return any;
  }

  /** True when the event last routed passed channel c's filter. */
  passes(c: number): boolean {
    return this.passed[c] === 1;
  }

  /** Adds the event last routed to a partial, in the channels it passed. Non-finite and non-number values are skipped per field. */
  add(partial: Partial, fields: Fields): void {
    const channels = this.channels;
    for (let c = 0; c < channels.length; c++) {
      if (this.passed[c] === 0) continue;
      const { offset, fields: names } = channels[c] as Channel;
      partial[offset] = (partial[offset] as number) + 1;
      for (let i = 0; i < names.length; i++) {
        const v = fields[names[i] as string];
        if (typeof v === 'number' && Number.isFinite(v)) addMoment(partial, offset + 1 + i * MOMENT_SLOTS, v);
      }
    }
  }

  /** Merges `from` into `into` in place. */
  combine(into: Partial, from: Partial): void {
    for (const { offset, fields } of this.channels) {
      into[offset] = (into[offset] as number) + (from[offset] as number);
      for (let i = 0; i < fields.length; i++) mergeMoments(into, offset + 1 + i * MOMENT_SLOTS, from, offset + 1 + i * MOMENT_SLOTS);
    }
  }

  /** A fresh copy of a partial. */
  copy(partial: Partial): Partial {
    return partial.slice();
  }

  /** How a window with these needs reads this layout's partials. */
  outputsOf(needs: WindowNeeds): WindowOutputs {
    const channel = this.byFilter.get(needs.filter);
    if (channel === undefined) throw new EngineError('INVARIANT_BROKEN', `no channel for the filter ${String(needs.filter)}`);
    const { offset, fields } = this.channels[channel] as Channel;
    // Per value: what to read (EVENTS: the channel's event count) and where; lowered in one loop.
    const what = Int8Array.from(needs.aggregations, (spec) => (spec.field === null ? EVENTS : LOWERED[spec.fn]));
    const at = Int32Array.from(needs.aggregations, (spec) => (spec.field === null ? offset : offset + 1 + fields.indexOf(spec.field) * MOMENT_SLOTS));
    // An array of doubles to copy: values are stored unboxed, with no change of the array's kind.
    const zeros: number[] = [0.5];
    for (let i = 1; i < what.length; i++) zeros.push(0);
    zeros[0] = 0;
    return {
      names: needs.aggregations.map(outputName),
      channel,
      lower: (p) => {
        const out: (number | null)[] = zeros.slice();
        for (let i = 0; i < what.length; i++) {
          const w = what[i] as number;
          if (w === EVENTS) out[i] = p[at[i] as number] as number;
          else lowerMoment(out, i, w, p, at[i] as number);
        }
        return out;
      },
      hasEvents: (p) => (p[offset] as number) > 0,
    };
  }

  /** True when both lay partials out alike (same channels, same fields, same order). */
  sameAs(other: PartialLayout): boolean {
    return (
      this.channels.length === other.channels.length &&
      this.channels.every((c, i) => {
        const o = other.channels[i] as Channel;
        return c.filter === o.filter && c.fields.length === o.fields.length && c.fields.every((f, j) => f === o.fields[j]);
      })
    );
  }

  /**
   * Moves partials of `old` into this layout: blocks of the same (filter, field) are copied, new
   * ones start empty. Returns null when nothing moves (the layouts are the same), else the mover
   * and whether a (filter) count or a (filter, field) is new: then held partials lack the events
   * that came before, for windows that read it.
   */
  moverFrom(old: PartialLayout): { readonly move: (p: Partial) => Partial; readonly hasNew: boolean; readonly isNew: (needs: WindowNeeds) => boolean } | null {
    if (this.sameAs(old)) return null;
    const copies: [from: number, to: number, slots: number][] = [];
    const newBlocks = new Set<string>();
    const blockId = (filter: string | null, field: string | null): string => JSON.stringify([filter, field]);
    for (const c of this.channels) {
      const o = old.byFilter.get(c.filter);
      const before = o === undefined ? null : (old.channels[o] as Channel);
      if (before === null) newBlocks.add(blockId(c.filter, null));
      else copies.push([before.offset, c.offset, 1]);
      c.fields.forEach((field, i) => {
        const j = before === null ? -1 : before.fields.indexOf(field);
        if (j < 0) newBlocks.add(blockId(c.filter, field));
        else copies.push([(before as Channel).offset + 1 + j * MOMENT_SLOTS, c.offset + 1 + i * MOMENT_SLOTS, MOMENT_SLOTS]);
      });
    }
    return {
      move: (p) => {
        const moved = this.empty();
        for (const [from, to, slots] of copies) for (let s = 0; s < slots; s++) moved[to + s] = p[from + s] as number;
        return moved;
      },
      hasNew: newBlocks.size > 0,
      isNew: (needs) =>
        newBlocks.has(blockId(needs.filter, null)) || needs.aggregations.some((a) => a.field !== null && newBlocks.has(blockId(needs.filter, a.field))),
    };
  }
}

/** The lowerMoment code of each aggregate function of a field. */
const LOWERED: Readonly<Record<AggregationSpec['fn'], number>> = {
  count: LOWER_COUNT,
  sum: LOWER_SUM,
  mean: LOWER_MEAN,
  min: LOWER_MIN,
  max: LOWER_MAX,
  variance: LOWER_VARIANCE,
  stdev: LOWER_STDEV,
};
/** `count` without a field: the channel's event count. */
const EVENTS = -1;

/** Aggregations the engine can compute (the job file's checks say the same, with better messages). */
function checkAggregations(specs: readonly AggregationSpec[]): void {
  if (specs.length === 0) throw new EngineError('CONFIG_INVALID_AGGREGATION', 'at least one aggregation is needed');
  for (const spec of specs) {
    if (!AGGREGATE_FUNCTIONS.includes(spec.fn)) throw new EngineError('CONFIG_INVALID_AGGREGATION', `unknown aggregation ${String(spec.fn)}`);
    if (spec.field === null && spec.fn !== 'count') throw new EngineError('CONFIG_INVALID_AGGREGATION', `${spec.fn} needs a field`);
  }
}

/** What a window reads: its own aggregations and filter, or the job's aggregations and no filter of its own. */
export function needsOf(window: { readonly aggregations?: readonly AggregationSpec[]; readonly filter?: string }, jobAggregations: readonly AggregationSpec[]): WindowNeeds {
  return { filter: window.filter ?? null, aggregations: window.aggregations ?? jobAggregations };
}

/** Every output name of a job's windows, the job's own first, then those of windows with aggregations of their own. */
export function allOutputNames(windows: readonly { readonly aggregations?: readonly AggregationSpec[] }[], jobAggregations: readonly AggregationSpec[]): string[] {
  const names = jobAggregations.map(outputName);
  for (const w of windows) for (const a of w.aggregations ?? []) if (!names.includes(outputName(a))) names.push(outputName(a));
  return names;
}
