// Moments: a mergeable summary of finite numbers (n, compensated sum, shifted Welford/Chan mean and M2, min, max).

/**
 * The summary lives in 8 consecutive slots of a plain number array (n, shift, meanY, m2, sum,
 * compensation, min, max), so a partial of several fields is one flat array of unboxed doubles:
 * an allocation or two per (slice, key) instead of a dozen objects.
 * - The sum is compensated (Neumaier), so it is exact to about one rounding.
 * - Mean and M2 are kept relative to `shift` (the first value seen) and updated with Welford's
 *   recurrence; summaries merge with Chan's formula. Values such as 1e9 + tiny noise then keep their
 *   noise: x − shift is exact for values within a factor of two of the shift (Sterbenz).
 */
export const MOMENT_SLOTS = 8;
const N = 0;
const SHIFT = 1;
const MEAN_Y = 2;
const M2 = 3;
const SUM = 4;
const COMPENSATION = 5;
const MIN = 6;
const MAX = 7;

/** The slots of an empty summary. */
export const EMPTY_MOMENTS: readonly number[] = [0, 0, 0, 0, 0, 0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];

/** Adds one finite value to the summary at offset o (callers check finiteness). */
export function addMoment(a: number[], o: number, x: number): void {
  const n = (a[o + N] as number) + 1;
  a[o + N] = n;
  if (n === 1) a[o + SHIFT] = x;
  const y = x - (a[o + SHIFT] as number);
  const meanBefore = a[o + MEAN_Y] as number;
  const delta = y - meanBefore;
  const meanAfter = meanBefore + delta / n;
  a[o + MEAN_Y] = meanAfter;
  a[o + M2] = (a[o + M2] as number) + delta * (y - meanAfter);
  const sum = a[o + SUM] as number;
  const t = sum + x;
  if (Math.abs(sum) >= Math.abs(x)) a[o + COMPENSATION] = (a[o + COMPENSATION] as number) + (sum - t + x);
  else a[o + COMPENSATION] = (a[o + COMPENSATION] as number) + (x - t + sum);
  a[o + SUM] = t;
  if (x < (a[o + MIN] as number)) a[o + MIN] = x;
  if (x > (a[o + MAX] as number)) a[o + MAX] = x;
}

/** Merges the summary b[p…] into a[o…] (Chan et al.); b is not changed. */
export function mergeMoments(a: number[], o: number, b: readonly number[], p: number): void {
  const nb = b[p + N] as number;
  if (nb === 0) return;
  const na = a[o + N] as number;
  if (na === 0) {
    for (let i = 0; i < MOMENT_SLOTS; i++) a[o + i] = b[p + i] as number;
    return;
  }
  const n = na + nb;
  // Difference of the two means, from the shifts first so that close shifts cancel exactly.
  const delta = (b[p + SHIFT] as number) - (a[o + SHIFT] as number) + ((b[p + MEAN_Y] as number) - (a[o + MEAN_Y] as number));
  a[o + MEAN_Y] = (a[o + MEAN_Y] as number) + (delta * nb) / n;
  a[o + M2] = (a[o + M2] as number) + (b[p + M2] as number) + ((delta * delta * na) / n) * nb;
  a[o + N] = n;
  const sa = a[o + SUM] as number;
  const sb = b[p + SUM] as number;
  const t = sa + sb;
  let compensation = (a[o + COMPENSATION] as number) + (b[p + COMPENSATION] as number);
  if (Math.abs(sa) >= Math.abs(sb)) compensation += sa - t + sb;
  else compensation += sb - t + sa;
  a[o + COMPENSATION] = compensation;
  a[o + SUM] = t;
  if ((b[p + MIN] as number) < (a[o + MIN] as number)) a[o + MIN] = b[p + MIN] as number;
  if ((b[p + MAX] as number) > (a[o + MAX] as number)) a[o + MAX] = b[p + MAX] as number;
}

export function momentsCount(a: readonly number[], o: number): number {
  return a[o + N] as number;
}

/** Sum of the values; 0 when there are none. After an overflow, the plain (infinite) sum. */
export function momentsTotal(a: readonly number[], o: number): number {
  const sum = a[o + SUM] as number;
  return Number.isFinite(sum) ? sum + (a[o + COMPENSATION] as number) : sum;
}

/** Arithmetic mean, or null when there are no values. */
export function momentsMean(a: readonly number[], o: number): number | null {
  return a[o + N] === 0 ? null : (a[o + SHIFT] as number) + (a[o + MEAN_Y] as number);
}

export function momentsMin(a: readonly number[], o: number): number | null {
  return a[o + N] === 0 ? null : (a[o + MIN] as number);
}

export function momentsMax(a: readonly number[], o: number): number | null {
  return a[o + N] === 0 ? null : (a[o + MAX] as number);
}

/** Sample variance (n − 1 in the denominator), or null when n < 2. */
export function momentsVariance(a: readonly number[], o: number): number | null {
  const n = a[o + N] as number;
  if (n < 2) return null;
  const v = (a[o + M2] as number) / (n - 1);
  return v < 0 ? 0 : v;
}

/** Sample standard deviation, or null when n < 2. */
export function momentsStdev(a: readonly number[], o: number): number | null {
  const v = momentsVariance(a, o);
  return v === null ? null : Math.sqrt(v);
}

/** What lowerMoment reads from a summary: the aggregate functions of a field, by number. */
export const LOWER_COUNT = 0;
export const LOWER_SUM = 1;
export const LOWER_MEAN = 2;
export const LOWER_MIN = 3;
export const LOWER_MAX = 4;
export const LOWER_VARIANCE = 5;
export const LOWER_STDEV = 6;

/** Writes one aggregate of the summary at o into out[i], read by momentsCount … momentsStdev. */
export function lowerMoment(out: (number | null)[], i: number, what: number, a: readonly number[], o: number): void {
  switch (what) {
    case LOWER_COUNT:
      out[i] = momentsCount(a, o);
      return;
    case LOWER_SUM:
      out[i] = momentsTotal(a, o);
      return;
    case LOWER_MEAN:
      out[i] = momentsMean(a, o);
      return;
    case LOWER_MIN:
      out[i] = momentsMin(a, o);
      return;
    case LOWER_MAX:
      out[i] = momentsMax(a, o);
      return;
    case LOWER_VARIANCE:
      out[i] = momentsVariance(a, o);
      return;
    default:
      out[i] = momentsStdev(a, o);
  }
}

/** Restores the slots of an empty summary read back from JSON (which has no infinities). */
export function repairEmptyMoments(a: number[], o: number): void {
  if (a[o + N] === 0) {
    a[o + MIN] = Number.POSITIVE_INFINITY;
    a[o + MAX] = Number.NEGATIVE_INFINITY;
  }
}

/** One summary on its own, for callers that aggregate a single series. */
export class Moments {
  readonly slots: number[] = EMPTY_MOMENTS.slice();

  get n(): number {
    return momentsCount(this.slots, 0);
  }

  get min(): number {
    return this.slots[MIN] as number;
  }

  get max(): number {
    return this.slots[MAX] as number;
  }

  add(x: number): void {
    addMoment(this.slots, 0, x);
  }

  merge(other: Moments): void {
    mergeMoments(this.slots, 0, other.slots, 0);
  }

  total(): number {
    return momentsTotal(this.slots, 0);
  }

  mean(): number | null {
    return momentsMean(this.slots, 0);
  }

  variance(): number | null {
    return momentsVariance(this.slots, 0);
  }

  stdev(): number | null {
    return momentsStdev(this.slots, 0);
  }

  /** Eight numbers, for snapshots. */
  toArray(): number[] {
    return this.slots.slice();
  }

  static fromArray(values: readonly number[]): Moments {
    const m = new Moments();
    for (let i = 0; i < MOMENT_SLOTS; i++) m.slots[i] = values[i] as number;
    repairEmptyMoments(m.slots, 0);
    return m;
  }
}
