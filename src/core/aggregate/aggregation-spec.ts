// Aggregation definitions: count, and per-field sum, mean, min, max, variance, stdev.

export const AGGREGATE_FUNCTIONS = ['count', 'sum', 'mean', 'min', 'max', 'variance', 'stdev'] as const;
export type AggregateFunction = (typeof AGGREGATE_FUNCTIONS)[number];

/**
 * One aggregation. `count` without a field counts events; `count(field)` counts the events whose
 * field is a finite number. Every other function needs a field and reads only finite numbers.
 */
export interface AggregationSpec {
  readonly fn: AggregateFunction;
  readonly field: string | null;
}

/** The result field name: `count`, or `<fn>_<field>` such as `sum_value`. */
export function outputName(spec: AggregationSpec): string {
  return spec.field === null ? spec.fn : `${spec.fn}_${spec.field}`;
}

/** `count`, `sum(value)`: the spelling used in job files, logs and docs. */
export function formatAggregation(spec: AggregationSpec): string {
  return spec.field === null ? spec.fn : `${spec.fn}(${spec.field})`;
}
