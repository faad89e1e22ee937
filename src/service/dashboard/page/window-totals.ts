// Window results gathered into one series per window: per window instance (its start) the latest
// result of each key, and totals over the keys. Results come from a results page and from the event
// stream, in any order and any number of times; a result of the same instance and key replaces the
// earlier one, so nothing is counted twice.

import type { ResultJson } from '@tally/api-types';

/** Result fields that are not outputs. */
const RESULT_FIELDS = new Set(['window', 'start', 'end', 'start_iso', 'end_iso', 'key', 'window_index', 'revision', 'final']);

/** The output names of one result (`count`, `sum_value`, …): each window has its own, so read them from the result. */
export function outputNamesOf(result: ResultJson): string[] {
  return Object.keys(result).filter((field) => !RESULT_FIELDS.has(field));
}

/** Outputs whose values add up over keys into a figure of all keys: counts and sums (not means, minima…). */
export function isSummable(output: string): boolean {
  return output === 'count' || output.startsWith('sum_');
}

/** How one output's values of several keys make one figure of them all. */
export type KeyCombiner = 'sum' | 'max' | 'min';

/**
 * Counts and sums add up over keys, the largest of maxima is the maximum of all keys and the
 * smallest of minima their minimum; null for outputs no figure of all keys can be made from
 * (means, variances, standard deviations).
 */
export function combinerOf(output: string): KeyCombiner | null {
  if (isSummable(output)) return 'sum';
  if (output.startsWith('max_')) return 'max';
  if (output.startsWith('min_')) return 'min';
  return null;
}

/** Combines `value` into `total` (null: none yet). */
export function combine(combiner: KeyCombiner, total: number | null, value: number): number {
  if (total === null) return value;
  return combiner === 'sum' ? total + value : combiner === 'max' ? Math.max(total, value) : Math.min(total, value);
}

/** The outputs a chart can show for all keys (see combinerOf), in the window's order. */
export function chartableOutputs(outputs: readonly string[]): string[] {
  return outputs.filter((output) => combinerOf(output) !== null);
}

/** A key filter: field → value to match; fields left out match anything (as the API's key.<field> parameters). */
export type KeyFilter = Readonly<Record<string, string | number | boolean | null>>;

/** Whether a result's key matches the filter: every given field equal (the number 42 is not the text "42"). */
export function keyMatchesFilter(key: Readonly<Record<string, unknown>>, filter: KeyFilter): boolean {
  return Object.entries(filter).every(([field, value]) => key[field] === value);
}

/** One point of a series: a window instance and its total over the matching keys. */
export interface SeriesPoint {
  readonly start: number;
  readonly end: number;
  /** The output combined over the keys (summed, or their largest or smallest: combinerOf); null: no key had a finite value, or the output cannot be combined. */
  readonly value: number | null;
  /** Keys with a result in this instance. */
  readonly keys: number;
}

interface Instance {
  readonly start: number;
  end: number;
  readonly byKey: Map<string, ResultJson>;
}

/** The latest result per instance and key of one window, keeping the newest `maxInstances` instances. */
export class WindowTotals {
  private readonly instances = new Map<number, Instance>();
  private readonly outputs = new Set<string>();

  constructor(
    readonly window: string,
    private readonly maxInstances: number,
    private readonly filter: KeyFilter = {},
  ) {}

  /** Takes a result of this window (others and non-matching keys are ignored); true when it changed a total. */
  add(result: ResultJson): boolean {
    if (result.window !== this.window || !keyMatchesFilter(result.key, this.filter)) return false;
    let instance = this.instances.get(result.start);
    if (instance === undefined) {
      if (this.instances.size >= this.maxInstances && result.start < this.oldestStart()) return false;
      instance = { start: result.start, end: result.end, byKey: new Map() };
      this.instances.set(result.start, instance);
      this.prune();
    }
    // Sessions of one start may end differently; the instance spans the longest.
    instance.end = Math.max(instance.end, result.end);
    const keyText = JSON.stringify(result.key);
    const earlier = instance.byKey.get(keyText);
    // In update mode a later revision replaces an earlier one; an older one arriving late does not.
    if (earlier !== undefined && (earlier.revision ?? 0) > (result.revision ?? 0)) return false;
    instance.byKey.set(keyText, result);
    for (const output of outputNamesOf(result)) this.outputs.add(output);
    return true;
  }

  /** Output names seen so far, in the order first seen. */
  outputNames(): string[] {
    return [...this.outputs];
  }

  /** The points, oldest first: per instance `output` combined over its keys (summed for counts and sums; combinerOf). */
  series(output: string): SeriesPoint[] {
    const combiner = combinerOf(output);
    return [...this.instances.values()]
      .sort((a, b) => a.start - b.start)
      .map((instance) => {
        let value: number | null = null;
        if (combiner !== null) {
          for (const result of instance.byKey.values()) {
            const v = result[output];
            if (typeof v === 'number' && Number.isFinite(v)) value = combine(combiner, value, v);
          }
        }
        return { start: instance.start, end: instance.end, value, keys: instance.byKey.size };
      });
  }

  /** Every result held (the latest per instance and key). */
  results(): ResultJson[] {
    return [...this.instances.values()].flatMap((instance) => [...instance.byKey.values()]);
  }

  /** Number of instances held. */
  get size(): number {
    return this.instances.size;
  }

  clear(): void {
    this.instances.clear();
    this.outputs.clear();
  }

  private oldestStart(): number {
    let oldest = Number.POSITIVE_INFINITY;
    for (const start of this.instances.keys()) oldest = Math.min(oldest, start);
    return oldest;
  }

  private prune(): void {
    while (this.instances.size > this.maxInstances) this.instances.delete(this.oldestStart());
  }
}

/** uPlot's data layout for one series: x in seconds (its time axis unit), y the values. */
export function toChartData(points: readonly SeriesPoint[]): [number[], (number | null)[]] {
  return [points.map((p) => p.start / 1000), points.map((p) => p.value)];
}
