// AggregatePlan: turns a job's aggregations into one partial per (slice or window, key), and back into result values.

import type { FieldValue } from '../event/click-event.js';
import type { AggregationSpec } from './aggregation-spec.js';
import { PartialLayout, type Channel, type WindowOutputs } from './partial-layout.js';

/**
 * The mergeable state of all aggregations for one group, as one flat array of doubles: per
 * channel (PartialLayout), [event count, then MOMENT_SLOTS slots of moments per numeric field].
 * Opaque outside src/core/aggregate.
 */
export type Partial = number[];

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
 * `empty()` is its identity. It is the one-channel case of PartialLayout (no window filters).
 */
export class AggregatePlan implements PartialOps {
  readonly specs: readonly AggregationSpec[];
  readonly outputNames: readonly string[];
  /** Distinct numeric fields read by the aggregations, in first-use order. */
  readonly fields: readonly string[];
  private readonly layout: PartialLayout;
  private readonly outputs: WindowOutputs;

  constructor(specs: readonly AggregationSpec[]) {
    const needs = { filter: null, aggregations: specs };
    this.layout = new PartialLayout([needs]);
    this.outputs = this.layout.outputsOf(needs);
    this.specs = specs;
    this.outputNames = this.outputs.names;
    this.fields = (this.layout.channels[0] as Channel).fields;
  }

  /** The identity of `combine`: no events. */
  empty(): Partial {
    return this.layout.empty();
  }

  /** Adds one event's fields to a partial in place. Non-finite and non-number values are skipped per field. */
  add(partial: Partial, fields: Readonly<Record<string, FieldValue>>): void {
    this.layout.add(partial, fields);
  }

  /** Merges `from` into `into` in place. */
  combine(into: Partial, from: Partial): void {
    this.layout.combine(into, from);
  }

  /** A fresh copy of a partial. */
  copy(partial: Partial): Partial {
    return this.layout.copy(partial);
  }

  /** The result values of a partial, in `outputNames` order. */
  lower(partial: Partial): ResultValues {
    return this.outputs.lower(partial);
  }
}
