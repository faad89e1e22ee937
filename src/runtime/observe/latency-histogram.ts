// LatencyBuckets: a fixed-bucket histogram of processing latency (Prometheus `le` buckets).

import type { LatencyHistogram } from '../job-control.js';

/** Upper bounds in ms: 1 ms to 30 s, roughly ×2.5 apart. */
const BOUNDS_MS = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000] as const;

/** `observe(ms, n)` counts n observations of one value at once: every result of a batch shares its latency. */
export class LatencyBuckets implements LatencyHistogram {
  readonly boundsMs: readonly number[] = BOUNDS_MS;
  private readonly counts = new Float64Array(BOUNDS_MS.length + 1);
  sumMs = 0;
  count = 0;

  observe(ms: number, n = 1): void {
    if (n <= 0 || !Number.isFinite(ms)) return;
    let i = 0;
    while (i < BOUNDS_MS.length && ms > (BOUNDS_MS[i] as number)) i++;
    this.counts[i] = (this.counts[i] as number) + n;
    this.sumMs += ms * n;
    this.count += n;
  }

  cumulativeCounts(): readonly number[] {
    const out: number[] = [];
    let total = 0;
    for (const c of this.counts) out.push((total += c));
    return out;
  }
}
