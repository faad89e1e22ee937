// SessionWindows: per key, events closer than the gap merge into one session [first, last + gap).

import type { Partial, PartialOps } from '../aggregate/aggregate-plan.js';
import type { FieldValue } from '../event/click-event.js';
import type { EpochMs } from '../time/epoch.js';

export interface Session {
  readonly keyId: number;
  start: EpochMs;
  /** Last event time + gap. */
  end: EpochMs;
  readonly partial: Partial;
  /** Last revision emitted (update mode), −1 before the first. */
  revision: number;
  /** Changed since the last update flush (kept by the aggregator). */
  isDirty: boolean;
  /** False once merged into another session or closed. */
  isLive: boolean;
}

/**
 * The sessions of one window definition, kept per key sorted by start, never overlapping. Merging
 * follows Flink's MergingWindowSet: the event's own window [t, t + gap) absorbs every session it
 * overlaps (two events exactly one gap apart do not overlap, because windows are half-open); the
 * event is late only when the merged session is already closed.
 */
export class SessionWindows {
  readonly byKey = new Map<number, Session[]>();

  constructor(
    readonly gapMs: number,
    private readonly plan: PartialOps,
  ) {}

  /**
   * Adds an event. Returns the session it joined, or null when that session would already be
   * closed (watermark ≥ end + lateness): a late record. `isNew` is called for a session that needs
   * a (new) closing entry: a new session, or one whose start moved back (its older entries are then
   * stale and skipped).
   */
  add(
    keyId: number,
    t: EpochMs,
    fields: Readonly<Record<string, FieldValue>>,
    watermark: number,
    allowedLatenessMs: number,
    isNew: (session: Session) => void,
  ): Session | null {
    const protoEnd = t + this.gapMs;
    let sessions = this.byKey.get(keyId);
    // First session that could overlap: sessions are sorted and disjoint, so scan from the end
    // (events mostly extend the newest session).
    let first = -1;
    let last = -1;
    if (sessions !== undefined) {
      for (let i = sessions.length - 1; i >= 0; i--) {
        const s = sessions[i] as Session;
        if (s.end <= t) break;
        if (s.start < protoEnd) {
          if (last < 0) last = i;
          first = i;
        }
      }
    }
    if (first < 0) {
      if (protoEnd + allowedLatenessMs <= watermark) return null;
      const session: Session = { keyId, start: t, end: protoEnd, partial: this.plan.empty(), revision: -1, isDirty: false, isLive: true };
      this.plan.add(session.partial, fields);
      if (sessions === undefined) {
        sessions = [];
        this.byKey.set(keyId, sessions);
      }
      let at = sessions.length;
      while (at > 0 && (sessions[at - 1] as Session).start > t) at--;
      sessions.splice(at, 0, session);
      isNew(session);
      return session;
    }
    const list = sessions as Session[];
    const target = list[first] as Session;
    for (let i = first + 1; i <= last; i++) {
      const absorbed = list[i] as Session;
      this.plan.combine(target.partial, absorbed.partial);
      if (absorbed.end > target.end) target.end = absorbed.end;
      if (absorbed.revision > target.revision) target.revision = absorbed.revision;
      absorbed.isLive = false;
    }
    if (last > first) list.splice(first + 1, last - first);
    const hasMovedBack = t < target.start;
    if (hasMovedBack) target.start = t;
    if (protoEnd > target.end) target.end = protoEnd;
    this.plan.add(target.partial, fields);
    // Closing entries are ordered by start: one with the old start would come out of order.
    if (hasMovedBack) isNew(target);
    return target;
  }

  /** Removes a closed session from its key's list. */
  remove(session: Session): void {
    session.isLive = false;
    const list = this.byKey.get(session.keyId);
    if (list === undefined) return;
    const i = list.indexOf(session);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.byKey.delete(session.keyId);
  }

  /** Takes over the sessions of another instance of the same definition (the job's definitions changed; see reconfigure.ts). */
  takeStateOf(other: SessionWindows): void {
    for (const [keyId, sessions] of other.byKey) this.byKey.set(keyId, sessions);
  }

  get openCount(): number {
    let n = 0;
    for (const list of this.byKey.values()) n += list.length;
    return n;
  }
}
