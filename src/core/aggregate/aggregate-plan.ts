// AggregatePlan: turns a job's aggregations into one partial per (slice or window, key), and back into result values.

import { EngineError } from '../errors.js';
import type { FieldValue } from '../event/click-event.js';
import { AGGREGATE_FUNCTIONS, outputName, type AggregationSpec } from './aggregation-spec.js';
import {
  addMoment,
  EMPTY_MOMENTS,
  mergeMoments,
  MOMENT_SLOTS,
  momentsCount,
  momentsMax,
  momentsMean,
  momentsMin,
  momentsStdev,
  momentsTotal,
  momentsVariance,
} from './moments.js';

/**
 * The mergeable state of all aggregations for one group, as one flat array of doubles:
 * [event count, then MOMENT_SLOTS slots of moments per numeric field]. Opaque outside this file.
 */
export type Partial = number[];

/** Reads one aggregate of a field from the moments at offset o of a partial. */
export function fieldLowerer(fn: AggregationSpec['fn'], o: number): (p: Partial) => number | null {
  switch (fn) {
    case 'count': return (p) => momentsCount(p, o);
    case 'sum': return (p) => momentsTotal(p, o);
    case 'mean': return (p) => momentsMean(p, o);
    case 'min': return (p) => momentsMin(p, o);
    case 'max': return (p) => momentsMax(p, o);
    case 'variance': return (p) => momentsVariance(p, o);
    case 'stdev': return (p) => momentsStdev(p, o);
  }
}

/** What window state needs of a plan or layout: an empty partial, adding an event, merging. */
export interface PartialOps {
  empty(): Partial;
  add(partial: Partial, fields: Readonly<Record<string, FieldValue>>): void;
  combine(into: Partial, from: Partial): void;
}

/** Result values in the order of `AggregatePlan.outputNames`. */
export type ResultValues = readonly (number | null)[];

/**
 * The aggregations of a job, compiled: which fields to read and how to lower a partial into results.
 * Implements the aggregator laws lift / combine / lower over `Partial`: `add` is lift fused with
 * combine (it saves one allocation per event); `combine` is associative and commutative, and
 * `empty()` is its identity.
 */
export class AggregatePlan implements PartialOps {
  readonly specs: readonly AggregationSpec[];
  readonly outputNames: readonly string[];
  /** Distinct numeric fields read by the aggregations, in first-use order. */
  readonly fields: readonly string[];
  private readonly lowerers: readonly ((p: Partial) => number | null)[];
  private readonly template: readonly number[];

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
        lowerers.push((p) => p[0] as number);
        continue;
      }
      let index = fields.indexOf(spec.field);
      if (index < 0) index = fields.push(spec.field) - 1;
      lowerers.push(fieldLowerer(spec.fn, 1 + index * MOMENT_SLOTS));
    }
    this.specs = specs;
    this.outputNames = specs.map(outputName);
    this.fields = fields;
    this.lowerers = lowerers;
    this.template = [0.5, ...fields.flatMap(() => EMPTY_MOMENTS)];
    (this.template as number[])[0] = 0;
  }

  /** The identity of `combine`: no events. */
  empty(): Partial {
    // Copying a template keeps the array's elements unboxed doubles from the start.
    return this.template.slice();
  }

  /** Adds one event's fields to a partial in place. Non-finite and non-number values are skipped per field. */
  add(partial: Partial, fields: Readonly<Record<string, FieldValue>>): void {
    partial[0] = (partial[0] as number) + 1;
    const names = this.fields;
    for (let i = 0; i < names.length; i++) {
      const v = fields[names[i] as string];
      if (typeof v === 'number' && Number.isFinite(v)) addMoment(partial, 1 + i * MOMENT_SLOTS, v);
    }
  }

  /** Merges `from` into `into` in place. */
  combine(into: Partial, from: Partial): void {
    into[0] = (into[0] as number) + (from[0] as number);
    for (let i = 0; i < this.fields.length; i++) mergeMoments(into, 1 + i * MOMENT_SLOTS, from, 1 + i * MOMENT_SLOTS);
  }

  /** A fresh copy of a partial. */
  copy(partial: Partial): Partial {
    return partial.slice();
  }

  /** The result values of a partial, in `outputNames` order. */
  lower(partial: Partial): ResultValues {
    const out: (number | null)[] = new Array(this.lowerers.length);
    for (let i = 0; i < this.lowerers.length; i++) out[i] = (this.lowerers[i] as (p: Partial) => number | null)(partial);
    return out;
  }

}
