// AggregatePlan: turns a job's aggregations into one partial per (slice or window, key), and back into result values.

import { EngineError } from '../errors.js';
import type { FieldValue } from '../event/click-event.js';
import { AGGREGATE_FUNCTIONS, outputName, type AggregationSpec } from './aggregation-spec.js';
import { Moments } from './moments.js';

/** The mergeable state of all aggregations for one group: event count plus moments per numeric field. */
export interface Partial {
  count: number;
  readonly moments: Moments[];
}

/** Result values in the order of `AggregatePlan.outputNames`. */
export type ResultValues = readonly (number | null)[];

/**
 * The aggregations of a job, compiled: which fields to read and how to lower a partial into results.
 * Implements the aggregator laws lift / combine / lower over `Partial`: `add` is lift fused with
 * combine (it saves one allocation per event); `combine` is associative and commutative, and
 * `empty()` is its identity.
 */
export class AggregatePlan {
  readonly specs: readonly AggregationSpec[];
  readonly outputNames: readonly string[];
  /** Distinct numeric fields read by the aggregations, in first-use order. */
  readonly fields: readonly string[];
  private readonly lowerers: readonly ((p: Partial) => number | null)[];

  constructor(specs: readonly AggregationSpec[]) {
    if (specs.length === 0) throw new EngineError('CONFIG_INVALID_AGGREGATION', 'at least one aggregation is needed');
    const fields: string[] = [];
    const lowerers: ((p: Partial) => number | null)[] = [];
    for (const spec of specs) {
      if (!AGGREGATE_FUNCTIONS.includes(spec.fn)) {
        throw new EngineError('CONFIG_INVALID_AGGREGATION', `unknown aggregation ${String(spec.fn)}`);
      }
      if (spec.field === null) {
        if (spec.fn !== 'count') throw new EngineError('CONFIG_INVALID_AGGREGATION', `${spec.fn} needs a field`);
        lowerers.push((p) => p.count);
        continue;
      }
      let index = fields.indexOf(spec.field);
      if (index < 0) index = fields.push(spec.field) - 1;
      const i = index;
      switch (spec.fn) {
        case 'count': lowerers.push((p) => (p.moments[i] as Moments).n); break;
        case 'sum': lowerers.push((p) => (p.moments[i] as Moments).total()); break;
        case 'mean': lowerers.push((p) => (p.moments[i] as Moments).mean()); break;
        case 'min': lowerers.push((p) => { const m = p.moments[i] as Moments; return m.n === 0 ? null : m.min; }); break;
        case 'max': lowerers.push((p) => { const m = p.moments[i] as Moments; return m.n === 0 ? null : m.max; }); break;
        case 'variance': lowerers.push((p) => (p.moments[i] as Moments).variance()); break;
        case 'stdev': lowerers.push((p) => (p.moments[i] as Moments).stdev()); break;
      }
    }
    this.specs = specs;
    this.outputNames = specs.map(outputName);
    this.fields = fields;
    this.lowerers = lowerers;
  }

  /** The identity of `combine`: no events. */
  empty(): Partial {
    const moments: Moments[] = [];
    for (let i = 0; i < this.fields.length; i++) moments.push(new Moments());
    return { count: 0, moments };
  }

  /** Adds one event's fields to a partial in place. Non-finite and non-number values are skipped per field. */
  add(partial: Partial, fields: Readonly<Record<string, FieldValue>>): void {
    partial.count += 1;
    const names = this.fields;
    for (let i = 0; i < names.length; i++) {
      const v = fields[names[i] as string];
      if (typeof v === 'number' && Number.isFinite(v)) (partial.moments[i] as Moments).add(v);
    }
  }

  /** Merges `from` into `into` in place. */
  combine(into: Partial, from: Partial): void {
    into.count += from.count;
    for (let i = 0; i < into.moments.length; i++) (into.moments[i] as Moments).merge(from.moments[i] as Moments);
  }

  /** A fresh copy of a partial. */
  copy(partial: Partial): Partial {
    const out = this.empty();
    this.combine(out, partial);
    return out;
  }

  /** The result values of a partial, in `outputNames` order. */
  lower(partial: Partial): ResultValues {
    const out: (number | null)[] = new Array(this.lowerers.length);
    for (let i = 0; i < this.lowerers.length; i++) out[i] = (this.lowerers[i] as (p: Partial) => number | null)(partial);
    return out;
  }

  /** A partial as plain numbers, for snapshots: [count, ...moments of each field]. */
  encode(partial: Partial): number[] {
    const out = [partial.count];
    for (const m of partial.moments) out.push(...m.toArray());
    return out;
  }

  decode(values: readonly number[]): Partial {
    const moments: Moments[] = [];
    for (let i = 0; i < this.fields.length; i++) moments.push(Moments.fromArray(values.slice(1 + i * 8, 9 + i * 8)));
    return { count: values[0] as number, moments };
  }
}
