// RateMeter: how many things per second over the last minute and the last five minutes.

const SECONDS = 300;

/**
 * Counts in one-second buckets of processing time (a ring of five minutes), so a rate is a sum
 * over the buckets in range divided by the span: exact to the second, constant memory, O(1) per add.
 * Before five minutes have passed, a rate is over the time since the first count, not the full span.
 */
export class RateMeter {
  private readonly buckets = new Float64Array(SECONDS);
  /** The second (epoch seconds) each bucket holds. */
  private readonly seconds = new Float64Array(SECONDS).fill(-1);
  private firstSecond: number | null = null;

  add(n: number, nowMs: number): void {
    const second = Math.floor(nowMs / 1000);
    this.firstSecond ??= second;
    const i = second % SECONDS;
    if (this.seconds[i] !== second) {
      this.seconds[i] = second;
      this.buckets[i] = 0;
    }
    this.buckets[i] = (this.buckets[i] as number) + n;
  }

  /** Per second over the last `spanSeconds` (≤ 300) full seconds before now's second, plus now's. */
  perSecond(spanSeconds: number, nowMs: number): number {
    if (this.firstSecond === null) return 0;
    const now = Math.floor(nowMs / 1000);
    let total = 0;
    for (let s = now - spanSeconds + 1; s <= now; s++) {
      const i = ((s % SECONDS) + SECONDS) % SECONDS;
      if (this.seconds[i] === s) total += this.buckets[i] as number;
    }
    const elapsed = Math.min(spanSeconds, Math.max(1, (nowMs - this.firstSecond * 1000) / 1000));
    return total / elapsed;
  }
}
