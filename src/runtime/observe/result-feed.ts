// ResultFeedBuffer: the latest results, numbered, for Server-Sent Events that resume by id.

import type { WindowResult } from '../../core/emit/outputs.js';
import type { FedResult, ResultFeed } from '../job-control.js';

/** A ring of the last `capacity` results; sequence numbers start at 1 and never repeat within a run. */
export class ResultFeedBuffer implements ResultFeed {
  private readonly ring: (FedResult | undefined)[];
  private next = 1;
  private readonly listeners = new Set<() => void>();

  constructor(readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError(`feed capacity must be a whole number ≥ 1, not ${capacity}`);
    this.ring = new Array<FedResult | undefined>(capacity);
  }

  get lastSequence(): number {
    return this.next - 1;
  }

  get firstSequence(): number {
    return Math.max(1, this.next - this.capacity);
  }

  push(results: readonly WindowResult[], emittedAtMs: number): void {
    if (results.length === 0) return;
    // Results the ring could not keep get their numbers but no entry: a job without readers of
    // the feed (capacity 1) would otherwise build an object per result only to drop it.
    const skipped = Math.max(0, results.length - this.capacity);
    this.next += skipped;
    for (let i = skipped; i < results.length; i++) {
      const sequence = this.next++;
      this.ring[sequence % this.capacity] = { sequence, emittedAtMs, result: results[i] as WindowResult };
    }
    for (const listener of this.listeners) {
      try {
        listener();
      } catch {
        // A listener's failure is its own (a closed connection); the job goes on.
      }
    }
  }

  since(after: number, limit: number): readonly FedResult[] {
    const out: FedResult[] = [];
    const from = Math.max(this.firstSequence, Math.floor(after) + 1);
    for (let s = from; s < this.next && out.length < limit; s++) out.push(this.ring[s % this.capacity] as FedResult);
    return out;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
