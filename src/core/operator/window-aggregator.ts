// WindowAggregator: the engine. Events and watermarks in, window results and late records out.

import type { Partial } from '../aggregate/aggregate-plan.js';
import { needsOf, PartialLayout, type WindowOutputs } from '../aggregate/partial-layout.js';
import type { EngineOutput, WindowResult } from '../emit/outputs.js';
import type { ClickEvent } from '../event/click-event.js';
import { compileFilter } from '../filter/index.js';
import { SliceStore, type Slice, type SliceCutter } from '../slices/slice-store.js';
import { floorTo, WATERMARK_END, type EpochMs } from '../time/epoch.js';
import { MinHeap } from '../util/min-heap.js';
import { WatermarkTracker } from '../watermark/watermark-tracker.js';
import type { AlignedAssigner } from '../windows/aligned-assigner.js';
import { CalendarWindows } from '../windows/calendar.js';
import { CountWindows, type CountWindowOutput } from '../windows/count.js';
import { GlobalWindows } from '../windows/global.js';
import { SessionWindows, type Session } from '../windows/session.js';
import { SlidingWindows } from '../windows/sliding.js';
import { TumblingWindows } from '../windows/tumbling.js';
import type { CountWindowSpec, GlobalWindowSpec, SessionWindowSpec, WindowSpec } from '../windows/window-spec.js';
import { KeyTable, type GroupKey, type KeyEntry } from './key-table.js';
import type { PipelineSpec } from './pipeline-spec.js';

/** A window of an aligned definition that has data and has not closed. */
export interface PendingWindow {
  readonly defIndex: number;
  readonly start: EpochMs;
  readonly end: EpochMs;
  /** Last revision emitted per key (update mode only). */
  revisions: Map<number, number> | null;
}

/** An entry of the closing queue: an aligned window (or global tick) or a session. */
interface Closing {
  readonly closeAt: number;
  readonly defIndex: number;
  readonly start: EpochMs;
  /** Orders sessions of different keys that close together; −1 for windows. */
  readonly keyId: number;
  readonly seq: number;
  readonly window: PendingWindow | null;
  readonly session: Session | null;
}

/** A window definition and how it reads partials (its aggregations and the channel of its filter). */
export interface DefOutputs {
  readonly spec: WindowSpec;
  readonly outputs: WindowOutputs;
}

/** Tumbling, sliding, calendar, or the ticks of a global window: everything that shares slices. */
export interface AlignedDef extends DefOutputs {
  readonly index: number;
  readonly spec: WindowSpec;
  readonly assigner: AlignedAssigner;
  readonly pending: Map<EpochMs, PendingWindow>;
  readonly global: GlobalWindows | null;
  /** Windows starting before this are not emitted: the definition changed while the job ran (see reconfigure.ts). */
  exactFromMs: number;
}

export interface SessionDef extends DefOutputs {
  readonly index: number;
  readonly spec: SessionWindowSpec;
  readonly sessions: SessionWindows;
  /** Queues a new session for closing (made once, not per event). */
  readonly schedule: (session: Session) => void;
  /** Sessions starting before this are not emitted (see reconfigure.ts). */
  exactFromMs: number;
}

export interface CountDef extends DefOutputs {
  readonly index: number;
  readonly spec: CountWindowSpec;
  readonly counts: CountWindows;
}

/** Counters of what the engine has seen and holds. */
export interface EngineStats {
  events: number;
  filteredOut: number;
  lateRecords: number;
  results: number;
  /** Results not emitted again because an earlier run emitted them (replay after a restart). */
  replayedResults: number;
  readonly lateByWindow: Record<string, number>;
}

/** What a commit of one partition's position records of the engine (see resumePartitions). */
export interface PartitionResume {
  readonly partition: string | number;
  readonly completeUpToMs: number;
  /** The latest event time of the partition's records before the position reading resumes from. */
  readonly maxEventTimeBeforeMs: number;
}

export interface EngineGauges {
  readonly watermarkMs: number | null;
  readonly openSlices: number;
  readonly openWindows: number;
  readonly openSessions: number;
  readonly keys: number;
}

function isBefore(a: Closing, b: Closing): boolean {
  if (a.closeAt !== b.closeAt) return a.closeAt < b.closeAt;
  if (a.defIndex !== b.defIndex) return a.defIndex < b.defIndex;
  if (a.start !== b.start) return a.start < b.start;
  if (a.keyId !== b.keyId) return a.keyId < b.keyId;
  return a.seq < b.seq;
}

function assignerOf(spec: WindowSpec): AlignedAssigner | null {
  switch (spec.kind) {
    case 'tumbling': return new TumblingWindows(spec.sizeMs, spec.offsetMs);
    case 'sliding': return new SlidingWindows(spec.sizeMs, spec.slideMs, spec.offsetMs);
    case 'calendar': return new CalendarWindows(spec.unit, spec.timeZone);
    case 'global': return new TumblingWindows(spec.everyMs, 0);
    default: return null;
  }
}

/**
 * The pure, synchronous core. Feed events with onEvent (in arrival order, with their source
 * partition); results and late records are pushed to the `out` array given to each call.
 *
 * Aligned windows (tumbling, sliding, calendar) and global ticks share one SliceStore: an event
 * updates one partial per key, whatever the number of windows containing it, and a window is
 * answered by combining its slices when it closes. Sessions and count windows keep their own
 * per-key state. A window [s, e) closes once the watermark reaches e + allowed lateness.
 */
export class WindowAggregator {
  readonly spec: PipelineSpec;
  /** One partial per (slice, key), session or count window serves every window (see PartialLayout). */
  readonly layout: PartialLayout;
  keys: KeyTable;
  readonly stats: EngineStats;
  watermark: WatermarkTracker;
  readonly slices: SliceStore;
  readonly aligned: readonly AlignedDef[];
  readonly sessionDefs: readonly SessionDef[];
  readonly countDefs: readonly CountDef[];
  private readonly filter: ((record: Readonly<Record<string, unknown>>) => boolean) | null;
  private readonly latenessMs: number;
  /** How long slices are kept behind the watermark for definitions added or changed later (0: no longer than windows need them). */
  readonly retainMs: number;
  private readonly isUpdateMode: boolean;
  private readonly closing = new MinHeap<Closing>(isBefore);
  private seq = 0;
  /**
   * Update mode: per slice, the (key, channel) pairs whose partial changed since the last flush, as
   * keyId · channels + channel (the key id itself when there are no window filters): a window
   * reports a key again only when an event of its own channel came.
   */
  readonly dirtySlices = new Map<Slice, Set<number>>();
  readonly dirtySessions: [SessionDef, Session][] = [];
  private readonly definitionOrder: ReadonlyMap<string, number>;
  /** True once onEndOfInput has run. */
  hasEnded = false;
  /** The latest close time of any window or session emitted (what end of input made complete). */
  maxClosedAtMs = Number.NEGATIVE_INFINITY;
  /**
   * Per source partition: windows closing at or before this were emitted by an earlier run. Once
   * set it stays set, and no key has a replay floor (KeyEntry.replayFloorMs) while it is null.
   */
  replayFloors: Map<string | number, number> | null = null;
  /** Slices dropped or merged since the last sweep of the key table (in snapshots: it decides when keys are forgotten). */
  droppedSinceSweep = 0;
  /**
   * The slices hold every event (that passes the filter) later than this, besides those later than
   * watermark − retainSlices: −Infinity for an engine that has kept slices from the start; raised
   * when the filter changes or slices start late (see reconfigure.ts, heldFromMs). +Infinity while
   * there are no aligned windows (no slices are kept).
   */
  slicesCompleteAfterMs: number;
  /**
   * Every block of every partial held (slices, sessions, count windows, running totals) counts every
   * event later than this: −Infinity while the job's filter and the layout have not changed since
   * the start; raised when a change adds a filter or field to the layout or changes the job's filter
   * (see reconfigure.ts). Decides whether a window can keep its state when only its aggregations change.
   */
  partialsCompleteAfterMs = Number.NEGATIVE_INFINITY;

  constructor(spec: PipelineSpec) {
    this.spec = spec;
    this.layout = new PartialLayout(spec.windows.map((w) => needsOf(w, spec.aggregations)));
    this.keys = new KeyTable(spec.keyBy);
    this.filter = spec.filter === null ? null : compileFilter(spec.filter).test;
    this.latenessMs = spec.time.allowedLatenessMs;
    this.retainMs = spec.time.retainSlicesMs ?? 0;
    this.isUpdateMode = spec.emit === 'update';
    this.watermark = new WatermarkTracker(spec.time.maxOutOfOrdernessMs);
    this.stats = { events: 0, filteredOut: 0, lateRecords: 0, results: 0, replayedResults: 0, lateByWindow: {} };
    const aligned: AlignedDef[] = [];
    const sessionDefs: SessionDef[] = [];
    const countDefs: CountDef[] = [];
    spec.windows.forEach((w, index) => {
      this.stats.lateByWindow[w.name] = 0;
      const assigner = assignerOf(w);
      const outputs = this.layout.outputsOf(needsOf(w, spec.aggregations));
      if (assigner !== null) {
        const global = w.kind === 'global' ? new GlobalWindows((w as GlobalWindowSpec).everyMs, this.layout, outputs.hasEvents) : null;
        aligned.push({ index, spec: w, outputs, assigner, pending: new Map(), global, exactFromMs: Number.NEGATIVE_INFINITY });
      } else if (w.kind === 'session') {
        sessionDefs.push({ index, spec: w, outputs, sessions: new SessionWindows(w.gapMs, this.layout), schedule: this.scheduleSession(index), exactFromMs: Number.NEGATIVE_INFINITY });
      } else if (w.kind === 'count') {
        countDefs.push({ index, spec: w, outputs, counts: new CountWindows(w.size, w.slide, this.layout) });
      }
    });
    this.aligned = aligned;
    this.definitionOrder = new Map(spec.windows.map((w, i) => [w.name, i]));
    this.sessionDefs = sessionDefs;
    this.countDefs = countDefs;
    this.slices = new SliceStore(this.cutter());
    this.slicesCompleteAfterMs = aligned.length > 0 ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }

  /** Events later than this are all in the slices now, and slice edges after it are intact. */
  heldFromMs(): number {
    return Math.max(this.watermark.current - this.retainMs, this.slicesCompleteAfterMs);
  }

  private cutter(): SliceCutter {
    const assigners = this.aligned.map((d) => d.assigner);
    const lateness = this.latenessMs;
    const retain = this.retainMs;
    return {
      edgeAtOrBefore: (t) => {
        let edge = Number.NEGATIVE_INFINITY;
        for (const a of assigners) edge = Math.max(edge, a.edgeAtOrBefore(t));
        return edge;
      },
      edgeAfter: (t) => {
        let edge = Number.POSITIVE_INFINITY;
        for (const a of assigners) edge = Math.min(edge, a.edgeAfter(t));
        return edge;
      },
      expiresAt: (start, end) => {
        // By the slice's last instant (the latest window end, as lastEndContaining never decreases):
        // a slice cut before a definition changed may straddle the new edges.
        const last = Math.max(start, end - 1);
        let at = retain > 0 ? end + retain : Number.NEGATIVE_INFINITY;
        for (const a of assigners) at = Math.max(at, a.lastEndContaining(last) + lateness);
        return at;
      },
      edgeNeededUntil: (edge) => {
        let at = retain > 0 ? edge + retain : Number.NEGATIVE_INFINITY;
        for (const a of assigners) at = Math.max(at, a.edgeNeededUntil(edge) + lateness);
        return at;
      },
    };
  }

  /** The current watermark (−Infinity before any event). */
  get watermarkMs(): number {
    return this.watermark.current;
  }

  /** Processes one event that arrived on `partition`; outputs are pushed to `out`. */
  onEvent(event: ClickEvent, partition: string | number, out: EngineOutput[]): void {
    this.stats.events++;
    const t = event.eventTimeMs;
    const fields = event.fields;
    // Events the filter rejects still move the watermark: they are evidence of how far time has got.
    if (this.filter !== null && !this.filter(fields)) {
      this.stats.filteredOut++;
      this.observe(partition, t, out);
      return;
    }
    // Window filters: an event no window's filter takes is in no window (and late for none).
    const layout = this.layout;
    if (!layout.route(fields)) {
      this.observe(partition, t, out);
      return;
    }
    const keyEntry = this.keys.intern(fields);
    const keyId = keyEntry.id;
    const watermark = this.watermark.current;
    let lateFor: string[] | null = null;
    if (this.replayFloors !== null) this.applyReplayFloor(keyEntry, partition);

    // Every channel goes into the slices, also those only sessions or count windows read: slices must
    // hold all of it for windows added or changed later (see reconfigure.ts).
    if (this.aligned.length > 0) {
      // Reading again after a restart: aligned windows an earlier run emitted are closed for this key.
      // (Sessions are judged by the watermark alone: an emitted session cannot take a re-read event,
      // as the rebuilt watermark closed it again by then, and an open one needs its earliest events.)
      // Keys have replay floors only once replayFloors is set: until then the entry's floor (a
      // boxed double, often a cache miss of its own) is not read.
      const watermark = this.replayFloors === null ? this.watermark.current : Math.max(this.watermark.current, keyEntry.replayFloorMs);
      // Every window containing t ends after t, so an event at or after the watermark is on time
      // for all of them; only older events need the per-definition check.
      let needsSlice = t >= watermark;
      if (!needsSlice) {
        for (const def of this.aligned) {
          if (!layout.passes(def.outputs.channel)) continue;
          // Running totals are rebuilt from the very first offset, so their ticks follow the
          // rebuilt watermark alone (reports an earlier run made are not emitted again).
          const closedBefore = def.global === null ? watermark : this.watermark.current;
          if (def.assigner.lastEndContaining(t) + this.latenessMs > closedBefore) needsSlice = true;
          else if (def.global !== null) {
            def.global.addDirect(keyId, fields);
            this.queueNextTick(def);
          }
          else (lateFor ??= []).push(def.spec.name);
        }

        // Late for every window now, but kept for definitions added or changed later (retainSlices).
        if (!needsSlice && this.retainMs > 0 && t > this.watermark.current - this.retainMs) needsSlice = true;
      }
      if (needsSlice) {
        const slice = this.slices.findOrCreate(t, this.registerWindowsOf);
        let partial = keyEntry.lastPartial;
        // Stored only when the slice changes: a key entry lives long (old space) and its partial is
        // young, so each store costs a write barrier.
        if (keyEntry.lastSlice !== slice || partial === null) {
          let found = slice.partials.get(keyEntry);
          if (found === undefined) {
            found = layout.empty();
            slice.partials.set(keyEntry, found);
          }
          keyEntry.lastSlice = slice;
          keyEntry.lastPartial = partial = found;
        }
        layout.add(partial, fields);
        if (this.isUpdateMode) this.markDirty(slice, keyId);
      }
    }

    for (const def of this.sessionDefs) {
      if (!layout.passes(def.outputs.channel)) continue;
      const session = def.sessions.add(keyId, t, fields, watermark, this.latenessMs, def.schedule);
      if (session === null) (lateFor ??= []).push(def.spec.name);
      else if (this.isUpdateMode && !session.isDirty) {
        session.isDirty = true;
        this.dirtySessions.push([def, session]);
      }
    }

    for (const def of this.countDefs) {
      if (!layout.passes(def.outputs.channel)) continue;
      // Returned rather than called back: no closure allocated per event.
      const completed = def.counts.add(keyId, t, fields);
      if (completed !== null) this.emitCount(def, completed, out);
    }

    if (lateFor !== null) {
      this.stats.lateRecords++;
      for (const name of lateFor) this.stats.lateByWindow[name] = (this.stats.lateByWindow[name] ?? 0) + 1;
      // Listed in definition order (aligned definitions were checked before sessions).
      if (lateFor.length > 1) lateFor.sort((a, b) => (this.definitionOrder.get(a) ?? 0) - (this.definitionOrder.get(b) ?? 0));
      out.push({ kind: 'late', event, windows: lateFor, watermarkMs: watermark });
    }
    this.observe(partition, t, out);
  }

  /**
   * Resumes from positions an earlier run committed, before any event: input from each partition is
   * read again from there, and the watermark is rebuilt from the latest event time before that
   * position, so that the records read again meet the watermark they met the first time. Windows
   * that close at or before a partition's `completeUpToMs` were emitted and delivered by that run:
   * they are not emitted again for the partition's keys, and aligned windows take no event again.
   * Keys are assumed to belong to one partition (the source is partitioned by the key or a field of it).
   */
  resumePartitions(partitions: readonly PartitionResume[]): void {
    for (const p of partitions) (this.replayFloors ??= new Map()).set(p.partition, p.completeUpToMs);
    this.watermark.restorePartitions(partitions.map((p) => ({ partition: p.partition, maxEventTimeMs: p.maxEventTimeBeforeMs })));
  }

  private applyReplayFloor(keyEntry: KeyEntry, partition: string | number): void {
    const floor = (this.replayFloors as Map<string | number, number>).get(partition);
    if (floor !== undefined && floor > keyEntry.replayFloorMs) keyEntry.replayFloorMs = floor;
  }

  /** A partition was assigned to this job: it holds the watermark back until it has events or is idle. */
  onPartitionAssigned(partition: string | number): void {
    this.watermark.addPartition(partition);
  }

  /**
   * The earliest event time any state held now can contain (+Infinity when there is none). Input
   * older than this only fed windows already emitted, so it need not be read again after a restart.
   * Running totals and count windows hold everything since the start (−Infinity).
   */
  oldestRetainedTimeMs(): number {
    if (this.countDefs.length > 0 || this.aligned.some((d) => d.global !== null)) return Number.NEGATIVE_INFINITY;
    let oldest = this.slices.slices[0]?.start ?? Number.POSITIVE_INFINITY;
    for (const def of this.sessionDefs) {
      for (const sessions of def.sessions.byKey.values()) {
        const first = sessions[0];
        if (first !== undefined && first.start < oldest) oldest = first.start;
      }
    }
    return oldest;
  }

  /**
   * Every window and session that closes at or before this time has been emitted: the watermark, or
   * after the end of input the latest close time emitted (−Infinity before any).
   */
  completeUpToMs(): number {
    return this.hasEnded ? this.maxClosedAtMs : this.watermark.current;
  }

  /** A source partition has had no events for the idle timeout: stop waiting for it. */
  onPartitionIdle(partition: string | number, out: EngineOutput[]): void {
    if (this.watermark.markIdle(partition)) this.closeDue(out);
  }

  /** A source partition was revoked or finished: it no longer holds the watermark back. */
  onPartitionRemoved(partition: string | number, out: EngineOutput[]): void {
    if (this.watermark.removePartition(partition)) this.closeDue(out);
  }

  /** End of a bounded input: every window closes, incomplete count windows included. */
  onEndOfInput(out: EngineOutput[]): void {
    if (this.hasEnded) return;
    this.hasEnded = true;
    this.watermark.advanceTo(WATERMARK_END);
    this.closeDue(out);
    for (const def of this.countDefs) {
      def.counts.forEachIncomplete((w) => this.emitCount(def, w, out));
      def.counts.byKey.clear();
    }
    for (const def of this.aligned) {
      if (def.global !== null) this.emitGlobalChanges(def, def.global.foldedUpToMs, out);
    }
  }

  /** Update mode: emits a new revision of every open (window, key) that changed since the last flush. */
  flushUpdates(out: EngineOutput[]): void {
    if (!this.isUpdateMode) return;
    if (this.dirtySlices.size > 0) {
      for (const def of this.aligned) {
        if (def.global !== null) continue;
        const touched = new Map<PendingWindow, Set<number>>();
        const stride = this.layout.channels.length;
        const channel = def.outputs.channel;
        for (const [slice, marks] of this.dirtySlices) {
          def.assigner.forEachWindowContaining(slice.start, (start) => {
            const window = def.pending.get(start);
            if (window === undefined) return;
            let set = touched.get(window);
            if (set === undefined) touched.set(window, (set = new Set()));
            if (stride === 1) for (const k of marks) set.add(k);
            else for (const m of marks) if (m % stride === channel) set.add((m - channel) / stride);
          });
        }
        for (const [window, keyIds] of touched) {
          for (const keyId of keyIds) {
            const entry = this.keys.find(keyId) as KeyEntry;
            if (entry.replayFloorMs >= window.end + this.latenessMs) continue;
            const partial = this.layout.empty();
            this.slices.forEachIn(window.start, window.end, (slice) => {
              const p = slice.partials.get(entry);
              if (p !== undefined) this.layout.combine(partial, p);
            });
            if (!def.outputs.hasEvents(partial)) continue;
            this.pushResult(def, window.start, window.end, entry.group, partial, this.nextRevision(window, keyId), false, out);
          }
        }
      }
      this.dirtySlices.clear();
    }
    // A fixed order (definition, start, key) rather than the order sessions became dirty: a
    // restored engine knows which sessions are dirty but not in which order they became so.
    this.dirtySessions.sort(([a, s], [b, t]) => a.index - b.index || s.start - t.start || s.keyId - t.keyId);
    for (const [def, session] of this.dirtySessions) {
      session.isDirty = false;
      if (!session.isLive || session.start < def.exactFromMs || this.wasEmitted(session.keyId, session.end + this.latenessMs)) continue;
      session.revision += 1;
      this.pushResult(def, session.start, session.end, this.keys.get(session.keyId), session.partial, session.revision, false, out);
    }
    this.dirtySessions.length = 0;
  }

  /** True (and counted) when an earlier run emitted this key's window that closes at closeAt. */
  private wasEmitted(keyId: number, closeAt: number): boolean {
    const entry = this.keys.find(keyId);
    return entry !== undefined && entry.replayFloorMs >= closeAt && this.countReplayed();
  }

  private countReplayed(): true {
    this.stats.replayedResults++;
    return true;
  }

  /** Marks the key dirty in the slice, in each channel the event last routed passed. */
  private markDirty(slice: Slice, keyId: number): void {
    const set = this.dirtyMarksOf(slice);
    const stride = this.layout.channels.length;
    for (let c = 0; c < stride; c++) if (this.layout.passes(c)) set.add(keyId * stride + c);
  }

  private dirtyMarksOf(slice: Slice): Set<number> {
    let set = this.dirtySlices.get(slice);
    if (set === undefined) this.dirtySlices.set(slice, (set = new Set()));
    return set;
  }

  private nextRevision(window: PendingWindow, keyId: number): number {
    if (!this.isUpdateMode) return 0;
    window.revisions ??= new Map();
    const r = (window.revisions.get(keyId) ?? -1) + 1;
    window.revisions.set(keyId, r);
    return r;
  }

  private observe(partition: string | number, t: EpochMs, out: EngineOutput[]): void {
    if (this.watermark.observe(partition, t)) {
      const top = this.closing.peek();
      if (top !== undefined && top.closeAt <= this.watermark.current) this.closeDue(out);
    }
  }

  /** Registers the not-yet-closed windows of every aligned definition that contain a new (or adopted) slice. */
  readonly registerWindowsOf = (slice: Slice): void => {
    const watermark = this.watermark.current;
    for (const def of this.aligned) {
      def.assigner.forEachWindowContaining(slice.start, (start, end) => {
        if (end + this.latenessMs <= watermark || start < def.exactFromMs || def.pending.has(start)) return;
        const window: PendingWindow = { defIndex: def.index, start, end, revisions: null };
        def.pending.set(start, window);
        this.closing.push({ closeAt: end + this.latenessMs, defIndex: def.index, start, keyId: -1, seq: this.seq++, window, session: null });
      });
    }
  };

  /**
   * A global total that changed without a slice (the event's tick is already reported) is due at
   * the next tick the watermark passes, even when no event fell just before that tick: queue it.
   */
  private queueNextTick(def: AlignedDef): void {
    const everyMs = (def.global as GlobalWindows).everyMs;
    const end = floorTo(this.watermark.current - this.latenessMs, everyMs) + everyMs;
    const start = end - everyMs;
    if (def.pending.has(start)) return;
    const window: PendingWindow = { defIndex: def.index, start, end, revisions: null };
    def.pending.set(start, window);
    this.closing.push({ closeAt: end + this.latenessMs, defIndex: def.index, start, keyId: -1, seq: this.seq++, window, session: null });
  }

  private scheduleSession(defIndex: number): (session: Session) => void {
    return (session) => {
      this.closing.push({ closeAt: session.end + this.latenessMs, defIndex, start: session.start, keyId: session.keyId, seq: this.seq++, window: null, session });
    };
  }

  /** Closes every window and session whose close time the watermark has reached, in close-time order. */
  private closeDue(out: EngineOutput[]): void {
    const watermark = this.watermark.current;
    let closedAligned = false;
    for (let top = this.closing.peek(); top !== undefined && top.closeAt <= watermark; top = this.closing.peek()) {
      this.closing.pop();
      if (top.closeAt > this.maxClosedAtMs) this.maxClosedAtMs = top.closeAt;
      if (top.session !== null) {
        const session = top.session;
        if (!session.isLive) continue;
        // A session whose start moved back was queued again with its new start (SessionWindows.add).
        if (session.start !== top.start) continue;
        const closeAt = session.end + this.latenessMs;
        if (closeAt !== top.closeAt) {
          // The session grew since this entry was queued: queue it again at its new close time, so
          // that it still comes out in order when the watermark has passed both.
          this.closing.push({ ...top, closeAt, seq: this.seq++ });
          continue;
        }
        const def = this.sessionDefs.find((d) => d.index === top.defIndex) as SessionDef;
        def.sessions.remove(session);
        if (session.start < def.exactFromMs || this.wasEmitted(session.keyId, closeAt)) continue;
        const revision = this.isUpdateMode ? session.revision + 1 : 0;
        this.pushResult(def, session.start, session.end, this.keys.get(session.keyId), session.partial, revision, true, out);
        continue;
      }
      const window = top.window as PendingWindow;
      const def = this.aligned.find((d) => d.index === top.defIndex) as AlignedDef;
      def.pending.delete(window.start);
      closedAligned = true;
      if (def.global !== null) this.foldTick(def, window, out);
      else this.emitWindow(def, window, out);
    }
    if (closedAligned) this.compactSlices();
  }

  private emitWindow(def: AlignedDef, window: PendingWindow, out: EngineOutput[]): void {
    const inWindow: Slice[] = [];
    this.slices.forEachIn(window.start, window.end, (slice) => inWindow.push(slice));
    const closeAt = window.end + this.latenessMs;
    const hasFloors = this.replayFloors !== null;
    // forEach rather than for…of: no [key, value] pair is allocated per result.
    const emit = (partial: Partial, entry: KeyEntry): void => {
      if (!def.outputs.hasEvents(partial) || (hasFloors && entry.replayFloorMs >= closeAt && this.countReplayed())) return;
      this.pushResult(def, window.start, window.end, entry.group, partial, this.nextRevision(window, entry.id), true, out);
    };
    if (inWindow.length === 1) {
      (inWindow[0] as Slice).partials.forEach(emit);
      return;
    }
    const combined = new Map<KeyEntry, Partial>();
    for (const slice of inWindow) {
      slice.partials.forEach((partial, entry) => {
        const into = combined.get(entry);
        if (into === undefined) combined.set(entry, this.layout.copy(partial));
        else this.layout.combine(into, partial);
      });
    }
    combined.forEach(emit);
  }

  private foldTick(def: AlignedDef, tick: PendingWindow, out: EngineOutput[]): void {
    const global = def.global as GlobalWindows;
    this.slices.forEachIn(tick.start, tick.end, (slice) => global.fold(slice.partials));
    if (tick.end > global.foldedUpToMs) global.foldedUpToMs = tick.end;
    this.emitGlobalChanges(def, tick.end, out);
  }

  private emitGlobalChanges(def: AlignedDef, endMs: EpochMs, out: EngineOutput[]): void {
    const global = def.global as GlobalWindows;
    for (const keyId of global.changed) {
      const total = global.base.get(keyId) as Partial;
      if (!def.outputs.hasEvents(total)) continue;
      if (this.replayFloors !== null && this.wasEmitted(keyId, endMs + this.latenessMs)) continue;
      this.pushResult(def, 0, endMs, this.keys.get(keyId), total, global.nextRevision(keyId), true, out);
    }
    global.changed.clear();
  }

  private emitCount(def: CountDef, w: CountWindowOutput, out: EngineOutput[]): void {
    this.pushResult(def, w.minTimeMs, w.maxTimeMs + 1, this.keys.get(w.keyId), w.partial, 0, true, out, w.windowIndex);
  }

  private pushResult(
    def: DefOutputs,
    start: EpochMs,
    end: EpochMs,
    key: GroupKey,
    partial: Partial,
    revision: number,
    isFinal: boolean,
    out: EngineOutput[],
    windowIndex: number | null = null,
  ): void {
    this.stats.results++;
    const result: WindowResult = {
      kind: 'result',
      window: def.spec.name,
      windowKind: def.spec.kind,
      start,
      end,
      key,
      names: def.outputs.names,
      values: def.outputs.lower(partial),
      revision,
      isFinal,
      windowIndex,
    };
    out.push(result);
  }

  private compactSlices(): void {
    this.slices.compact(
      this.watermark.current,
      (into, from) => {
        from.partials.forEach((partial, entry) => {
          const existing = into.partials.get(entry);
          if (existing === undefined) into.partials.set(entry, partial);
          else this.layout.combine(existing, partial);
        });
        const dirty = this.dirtySlices.get(from);
        if (dirty !== undefined) {
          const marks = this.dirtyMarksOf(into);
          for (const m of dirty) marks.add(m);
        }
      },
      (slice) => {
        this.dirtySlices.delete(slice);
        this.droppedSinceSweep++;
        // A key's cached slice must not keep a dropped slice (and all its partials) alive.
        slice.partials.forEach((_, entry) => {
          if (entry.lastSlice === slice) {
            entry.lastSlice = null;
            entry.lastPartial = null;
          }
        });
      },
    );
    // Keys with no state left would otherwise pile up in a long run with ever new ids.
    if (this.droppedSinceSweep >= 256 && this.keys.size >= 1024) this.sweepKeys();
  }

  /** Forgets keys that no slice, window, session, count window or running total refers to. */
  sweepKeys(): number {
    this.droppedSinceSweep = 0;
    const live = new Set<number>();
    for (const slice of this.slices.slices) slice.partials.forEach((_, entry) => live.add(entry.id));
    for (const def of this.aligned) {
      for (const w of def.pending.values()) if (w.revisions !== null) for (const k of w.revisions.keys()) live.add(k);
      if (def.global !== null) {
        for (const k of def.global.base.keys()) live.add(k);
        for (const k of def.global.revisions.keys()) live.add(k);
      }
    }
    for (const def of this.sessionDefs) for (const k of def.sessions.byKey.keys()) live.add(k);
    for (const def of this.countDefs) for (const k of def.counts.byKey.keys()) live.add(k);
    return this.keys.retainOnly(live);
  }

  /** Sizes of the state held now. */
  gauges(): EngineGauges {
    let openWindows = 0;
    for (const def of this.aligned) openWindows += def.pending.size;
    let openSessions = 0;
    for (const def of this.sessionDefs) openSessions += def.sessions.openCount;
    const w = this.watermark.current;
    return {
      watermarkMs: Number.isFinite(w) ? w : null,
      openSlices: this.slices.size,
      openWindows,
      openSessions,
      keys: this.keys.size,
    };
  }

  /** Internal, for restoring snapshots: queues a restored window or session for closing. */
  requeue(defIndex: number, window: PendingWindow | null, session: Session | null): void {
    const start = window?.start ?? (session as Session).start;
    const end = window?.end ?? (session as Session).end;
    const keyId = session?.keyId ?? -1;
    this.closing.push({ closeAt: end + this.latenessMs, defIndex, start, keyId, seq: this.seq++, window, session });
  }
}
