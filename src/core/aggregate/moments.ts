// Moments: a mergeable summary of finite numbers (n, compensated sum, shifted Welford/Chan mean and M2, min, max).

/**
 * Numerically stable summary of one field's finite values.
 * - The sum is compensated (Neumaier), so it is exact to about one rounding.
 * - Mean and M2 are kept relative to `shift` (the first value seen), and updated with Welford's
 *   recurrence; partials merge with Chan's formula. Values such as 1e9 + tiny noise then keep their
 *   noise: x − shift is exact for values within a factor of two of the shift (Sterbenz).
 */
export class Moments {
  n = 0;
  shift = 0;
  /** Mean of (x − shift). */
  meanY = 0;
  /** Sum of squared deviations from the mean. */
  m2 = 0;
  sum = 0;
  /** Neumaier compensation term of `sum`. */
  sumCompensation = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;

  /** Adds one finite value (callers check finiteness). */
  add(x: number): void {
    const n = this.n + 1;
    this.n = n;
    if (n === 1) this.shift = x;
    const y = x - this.shift;
    const delta = y - this.meanY;
    this.meanY += delta / n;
    this.m2 += delta * (y - this.meanY);
    const t = this.sum + x;
    if (Math.abs(this.sum) >= Math.abs(x)) this.sumCompensation += this.sum - t + x;
    else this.sumCompensation += x - t + this.sum;
    this.sum = t;
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
  }

  /** Merges `other` into this (Chan et al.). `other` is not changed. */
  merge(other: Moments): void {
    if (other.n === 0) return;
    if (this.n === 0) {
      this.copyFrom(other);
      return;
    }
    const n = this.n + other.n;
    // Difference of the two means, computed from the shifts first so that close shifts cancel exactly.
    const delta = other.shift - this.shift + (other.meanY - this.meanY);
    this.meanY += (delta * other.n) / n;
    this.m2 += other.m2 + ((delta * delta * this.n) / n) * other.n;
    this.n = n;
    const t = this.sum + other.sum;
    if (Math.abs(this.sum) >= Math.abs(other.sum)) this.sumCompensation += this.sum - t + other.sum;
    else this.sumCompensation += other.sum - t + this.sum;
    this.sum = t;
    this.sumCompensation += other.sumCompensation;
    if (other.min < this.min) this.min = other.min;
    if (other.max > this.max) this.max = other.max;
  }

  copyFrom(other: Moments): void {
    this.n = other.n;
    this.shift = other.shift;
    this.meanY = other.meanY;
    this.m2 = other.m2;
    this.sum = other.sum;
    this.sumCompensation = other.sumCompensation;
    this.min = other.min;
    this.max = other.max;
  }

  /** Sum of the values; 0 when there are none. */
  total(): number {
    // After an overflow the compensation is meaningless (∞ − ∞): the plain sum says what happened.
    return Number.isFinite(this.sum) ? this.sum + this.sumCompensation : this.sum;
  }

  /** Arithmetic mean, or null when there are no values. */
  mean(): number | null {
    return this.n === 0 ? null : this.shift + this.meanY;
  }

  /** Sample variance (n − 1 in the denominator), or null when n < 2. */
  variance(): number | null {
    if (this.n < 2) return null;
    const v = this.m2 / (this.n - 1);
    return v < 0 ? 0 : v;
  }

  /** Sample standard deviation, or null when n < 2. */
  stdev(): number | null {
    const v = this.variance();
    return v === null ? null : Math.sqrt(v);
  }

  /** Eight numbers, for snapshots. */
  toArray(): number[] {
    return [this.n, this.shift, this.meanY, this.m2, this.sum, this.sumCompensation, this.min, this.max];
  }

  static fromArray(values: readonly number[]): Moments {
    const m = new Moments();
    [m.n, m.shift, m.meanY, m.m2, m.sum, m.sumCompensation, m.min, m.max] = values as [
      number, number, number, number, number, number, number, number,
    ];
    // JSON has no infinities: an empty summary's min and max come back as null.
    if (m.n === 0) {
      m.min = Number.POSITIVE_INFINITY;
      m.max = Number.NEGATIVE_INFINITY;
    }
    return m;
  }
}
