// Builders for the engine's unit tests: window specs, pipelines, click events, and a run that returns outputs as plain rows.

import type { AggregateFunction, AggregationSpec } from '../aggregate/aggregation-spec.js';
import type { EngineOutput, WindowResult } from '../emit/outputs.js';
import type { ClickEvent, FieldValue } from '../event/click-event.js';
import type {
  CalendarUnit,
  CalendarWindowSpec,
  CountWindowSpec,
  GlobalWindowSpec,
  SessionWindowSpec,
  SlidingWindowSpec,
  TumblingWindowSpec,
  WindowSpec,
} from '../windows/window-spec.js';
import type { EmitMode, PipelineSpec } from './pipeline-spec.js';
import { WindowAggregator } from './window-aggregator.js';

/** n seconds in milliseconds: tests draw timelines in seconds and feed epoch milliseconds. */
export function seconds(n: number): number {
  return n * 1_000;
}

/** Epoch milliseconds of an ISO-8601 instant with a zone, e.g. `2026-03-08T05:00:00Z`. */
export function instant(iso: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`not an instant: ${iso}`);
  return ms;
}

export function tumblingWindow(name: string, sizeMs: number, offsetMs = 0): TumblingWindowSpec {
  return { kind: 'tumbling', name, sizeMs, offsetMs };
}

export function slidingWindow(name: string, sizeMs: number, slideMs: number, offsetMs = 0): SlidingWindowSpec {
  return { kind: 'sliding', name, sizeMs, slideMs, offsetMs };
}

export function calendarWindow(name: string, unit: CalendarUnit, timeZone = 'UTC'): CalendarWindowSpec {
  return { kind: 'calendar', name, unit, timeZone };
}

export function sessionWindow(name: string, gapMs: number): SessionWindowSpec {
  return { kind: 'session', name, gapMs };
}

/** Count windows of `size` arrivals every `slide` arrivals (slide = size: tumbling). */
export function countWindow(name: string, size: number, slide = size): CountWindowSpec {
  return { kind: 'count', name, size, slide };
}

export function globalWindow(name: string, everyMs: number): GlobalWindowSpec {
  return { kind: 'global', name, everyMs };
}

/** `count` (no field) or `fn(field)`. */
export function aggregation(fn: AggregateFunction, field: string | null = null): AggregationSpec {
  return { fn, field };
}

export interface PipelineOptions {
  readonly keyBy?: readonly string[];
  readonly filter?: string | null;
  readonly aggregations?: readonly AggregationSpec[];
  readonly maxOutOfOrdernessMs?: number;
  readonly allowedLatenessMs?: number;
  readonly idleTimeoutMs?: number;
  readonly emit?: EmitMode;
}

/**
 * A pipeline over `windows`. Defaults: one group (keyBy []), no filter, `count` only, no
 * out-of-orderness, no allowed lateness, final mode.
 */
export function pipeline(windows: readonly WindowSpec[], options: PipelineOptions = {}): PipelineSpec {
  return {
    keyBy: options.keyBy ?? [],
    filter: options.filter ?? null,
    windows,
    aggregations: options.aggregations ?? [aggregation('count')],
    time: {
      maxOutOfOrdernessMs: options.maxOutOfOrdernessMs ?? 0,
      allowedLatenessMs: options.allowedLatenessMs ?? 0,
      idleTimeoutMs: options.idleTimeoutMs ?? 60_000,
    },
    emit: options.emit ?? 'final',
  };
}

/** A valid click at `eventTimeMs` (user 1 on /home unless `fields` says otherwise). */
export function click(eventTimeMs: number, fields: Readonly<Record<string, FieldValue>> = {}): ClickEvent {
  return { kind: 'event', eventTimeMs, fields: { user_id: 1, page: '/home', timestamp: eventTimeMs, ...fields } };
}

/**
 * A window result as a flat row: window, start, end, key values, then each aggregation by its
 * output name (`count`, `sum_value`…). In update mode it also has `revision` and `isFinal`.
 */
export type ResultRow = Readonly<Record<string, unknown>>;

/** A late record as a row: the event's time, the definitions it missed, the watermark it met. */
export interface LateRow {
  readonly eventTimeMs: number;
  readonly windows: readonly string[];
  readonly watermarkMs: number;
}

/** What one call into the engine produced. */
export interface Step {
  readonly outputs: readonly EngineOutput[];
  readonly results: readonly ResultRow[];
  readonly late: readonly LateRow[];
}

/** One engine and everything it has emitted, fed by hand. */
export class EngineRun {
  readonly engine: WindowAggregator;
  /** Every output so far, in order. */
  readonly outputs: EngineOutput[] = [];

  constructor(specOrEngine: PipelineSpec | WindowAggregator) {
    this.engine = specOrEngine instanceof WindowAggregator ? specOrEngine : new WindowAggregator(specOrEngine);
  }

  /** Feeds events in order on partition 0. */
  feed(...events: ClickEvent[]): Step {
    return this.feedOn(0, ...events);
  }

  feedOn(partition: string | number, ...events: ClickEvent[]): Step {
    return this.step((out) => {
      for (const event of events) this.engine.onEvent(event, partition, out);
    });
  }

  /** End of a bounded input. */
  end(): Step {
    return this.step((out) => this.engine.onEndOfInput(out));
  }

  /** An update-mode tick of processing time. */
  flush(): Step {
    return this.step((out) => this.engine.flushUpdates(out));
  }

  idle(partition: string | number): Step {
    return this.step((out) => this.engine.onPartitionIdle(partition, out));
  }

  /** Rows of every result so far. */
  get results(): readonly ResultRow[] {
    return this.rowsOf(this.outputs).results;
  }

  /** Rows of every late record so far. */
  get late(): readonly LateRow[] {
    return this.rowsOf(this.outputs).late;
  }

  private step(call: (out: EngineOutput[]) => void): Step {
    const out: EngineOutput[] = [];
    call(out);
    this.outputs.push(...out);
    return this.rowsOf(out);
  }

  private rowsOf(outputs: readonly EngineOutput[]): Step {
    const isUpdateMode = this.engine.spec.emit === 'update';
    const results: ResultRow[] = [];
    const late: LateRow[] = [];
    for (const o of outputs) {
      if (o.kind === 'late') {
        late.push({ eventTimeMs: o.event.eventTimeMs, windows: o.windows, watermarkMs: o.watermarkMs });
        continue;
      }
      results.push(resultRow(o, isUpdateMode));
    }
    return { outputs, results, late };
  }
}

function resultRow(result: WindowResult, withRevision: boolean): ResultRow {
  const row: Record<string, unknown> = { window: result.window, start: result.start, end: result.end, key: result.key.key };
  result.names.forEach((name, i) => {
    row[name] = result.values[i];
  });
  if (withRevision) {
    row['revision'] = result.revision;
    row['isFinal'] = result.isFinal;
  }
  return row;
}

/** Rows sorted by their key's JSON text, for groups whose relative order the contract leaves open. */
export function sortedByKey(rows: readonly ResultRow[]): ResultRow[] {
  return [...rows].sort((a, b) => {
    const x = JSON.stringify(a['key']);
    const y = JSON.stringify(b['key']);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

/** Rows sorted by start, then key: for one update flush, whose order the contract leaves open. */
export function sortedByStart(rows: readonly ResultRow[]): ResultRow[] {
  return sortedByKey(rows).sort((a, b) => (a['start'] as number) - (b['start'] as number));
}
