// The naive baseline: every event updates every window it falls in (no slices). Aligned windows only.

import { AggregatePlan, type Partial } from '../src/core/aggregate/aggregate-plan.js';
import type { EngineOutput } from '../src/core/emit/outputs.js';
import type { ClickEvent } from '../src/core/event/click-event.js';
import { KeyTable } from '../src/core/operator/key-table.js';
import type { PipelineSpec } from '../src/core/operator/pipeline-spec.js';
import type { EngineGauges, EngineStats } from '../src/core/operator/window-aggregator.js';
import { WATERMARK_END } from '../src/core/time/epoch.js';
import { SlidingWindows } from '../src/core/windows/sliding.js';
import { TumblingWindows } from '../src/core/windows/tumbling.js';
import type { AlignedAssigner } from '../src/core/windows/aligned-assigner.js';

interface OpenWindow {
  readonly start: number;
  readonly end: number;
  readonly partials: Map<number, Partial>;
}

interface Def {
  readonly name: string;
  readonly assigner: AlignedAssigner;
  readonly open: Map<number, OpenWindow>;
}

/** Same inputs and outputs as WindowAggregator for tumbling and sliding windows, the textbook way. */
export class NaiveWindowEngine {
  readonly stats: EngineStats = { events: 0, filteredOut: 0, lateRecords: 0, results: 0, replayedResults: 0, lateByWindow: {} };
  private readonly plan: AggregatePlan;
  private readonly keys: KeyTable;
  private readonly defs: Def[];
  private maxEventTime = Number.NEGATIVE_INFINITY;
  private watermark = Number.NEGATIVE_INFINITY;
  private nextCloseAt = Number.POSITIVE_INFINITY;

  constructor(private readonly spec: PipelineSpec) {
    this.plan = new AggregatePlan(spec.aggregations);
    this.keys = new KeyTable(spec.keyBy);
    this.defs = spec.windows.map((w) => {
      if (w.kind === 'tumbling') return { name: w.name, assigner: new TumblingWindows(w.sizeMs, w.offsetMs), open: new Map() };
      if (w.kind === 'sliding') return { name: w.name, assigner: new SlidingWindows(w.sizeMs, w.slideMs, w.offsetMs), open: new Map() };
      throw new Error(`the naive baseline has no ${w.kind} windows`);
    });
  }

  // Positions and resuming (Kafka) are not part of this baseline: a conservative answer for each.
  onPartitionAssigned(): void {}
  resumePartitions(partitions: readonly unknown[]): void {
    if (partitions.length > 0) throw new Error('the naive baseline cannot resume from committed positions');
  }
  oldestRetainedTimeMs(): number {
    return Number.NEGATIVE_INFINITY;
  }
  completeUpToMs(): number {
    return this.watermark;
  }

  onEvent(event: ClickEvent, _partition: string | number, out: EngineOutput[]): void {
    this.stats.events++;
    const keyId = this.keys.intern(event.fields).id;
    const lateness = this.spec.time.allowedLatenessMs;
    const t = event.eventTimeMs;
    for (const def of this.defs) {
      def.assigner.forEachWindowContaining(t, (start, end) => {
        if (end + lateness <= this.watermark) return;
        let window = def.open.get(start);
        if (window === undefined) {
          window = { start, end, partials: new Map() };
          def.open.set(start, window);
          if (end + lateness < this.nextCloseAt) this.nextCloseAt = end + lateness;
        }
        let partial = window.partials.get(keyId);
        if (partial === undefined) window.partials.set(keyId, (partial = this.plan.empty()));
        this.plan.add(partial, event.fields);
      });
    }
    if (t > this.maxEventTime) {
      this.maxEventTime = t;
      this.watermark = t - this.spec.time.maxOutOfOrdernessMs;
      if (this.watermark >= this.nextCloseAt) this.close(out);
    }
  }

  onEndOfInput(out: EngineOutput[]): void {
    this.watermark = WATERMARK_END;
    this.close(out);
  }

  flushUpdates(): void {}

  onPartitionIdle(): void {}

  gauges(): EngineGauges {
    let openWindows = 0;
    for (const def of this.defs) openWindows += def.open.size;
    return { watermarkMs: Number.isFinite(this.watermark) ? this.watermark : null, openSlices: 0, openWindows, openSessions: 0, keys: this.keys.size };
  }

  private close(out: EngineOutput[]): void {
    const lateness = this.spec.time.allowedLatenessMs;
    let next = Number.POSITIVE_INFINITY;
    for (const def of this.defs) {
      const due = [...def.open.values()].filter((w) => w.end + lateness <= this.watermark).sort((a, b) => a.start - b.start);
      for (const window of due) {
        def.open.delete(window.start);
        for (const [keyId, partial] of window.partials) {
          this.stats.results++;
          out.push({ kind: 'result', window: def.name, windowKind: 'tumbling', start: window.start, end: window.end, key: this.keys.get(keyId), names: this.plan.outputNames, values: this.plan.lower(partial), revision: 0, isFinal: true, windowIndex: null });
        }
      }
      for (const w of def.open.values()) next = Math.min(next, w.end + lateness);
    }
    this.nextCloseAt = next;
  }
}
