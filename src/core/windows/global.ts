// GlobalWindows: running totals per key, reported cumulatively at every tick of event time.

import type { Partial, PartialOps } from '../aggregate/aggregate-plan.js';
import type { FieldValue } from '../event/click-event.js';

/**
 * A report at tick T is the aggregate of every event with time < T that arrived before the report.
 * Events reach `base` two ways: slices of a tick are folded in when the tick closes (watermark ≥
 * T + lateness), and an event whose tick is already folded is added directly (it is never late:
 * it shows in the next report).
 */
export class GlobalWindows {
  readonly base = new Map<number, Partial>();
  readonly changed = new Set<number>();
  readonly revisions = new Map<number, number>();
  /** Every tick before this has been folded into base. */
  foldedUpToMs = Number.NEGATIVE_INFINITY;

  constructor(
    readonly everyMs: number,
    private readonly plan: PartialOps,
    /** Whether a partial holds events the totals count (a window with a filter of its own reads one channel of them). */
    private readonly counts: (partial: Partial) => boolean = () => true,
  ) {}

  /** Takes over the totals of another instance of the same definition (the job's definitions changed; see reconfigure.ts). */
  takeStateOf(other: GlobalWindows): void {
    for (const [keyId, p] of other.base) this.base.set(keyId, p);
    for (const keyId of other.changed) this.changed.add(keyId);
    for (const [keyId, r] of other.revisions) this.revisions.set(keyId, r);
    this.foldedUpToMs = other.foldedUpToMs;
  }

  private baseOf(keyId: number): Partial {
    let p = this.base.get(keyId);
    if (p === undefined) {
      p = this.plan.empty();
      this.base.set(keyId, p);
    }
    return p;
  }

  /** An event whose tick is already folded. */
  addDirect(keyId: number, fields: Readonly<Record<string, FieldValue>>): void {
    this.plan.add(this.baseOf(keyId), fields);
    this.changed.add(keyId);
  }

  /** Folds one slice's partials of a closing tick. */
  fold(partials: ReadonlyMap<{ readonly id: number }, Partial>): void {
    partials.forEach((p, key) => {
      if (!this.counts(p)) return;
      this.plan.combine(this.baseOf(key.id), p);
      this.changed.add(key.id);
    });
  }

  /** Next revision number of a key's report. */
  nextRevision(keyId: number): number {
    const r = (this.revisions.get(keyId) ?? -1) + 1;
    this.revisions.set(keyId, r);
    return r;
  }
}
