// JobHandle: the JobControl of a JobRunner — status and live state for the API, and changes applied between batches.

import { outputName } from '../core/aggregate/aggregation-spec.js';
import type { FieldValue } from '../core/event/click-event.js';
import { EngineError } from '../core/errors.js';
import { compileFilter } from '../core/filter/index.js';
import { liveWindows } from '../core/operator/live-windows.js';
import type { PipelineSpec } from '../core/operator/pipeline-spec.js';
import { reconfigure, withWindow } from '../core/operator/reconfigure.js';
import { WindowAggregator } from '../core/operator/window-aggregator.js';
import { finiteOrNull } from '../core/time/epoch.js';
import type { WindowSpec } from '../core/windows/window-spec.js';
import type { ResultsHistory } from '../ports/results-history.js';
import type {
  CheckpointReport,
  DefinitionChange,
  JobControl,
  JobOverview,
  KeyMatch,
  LiveWindow,
  Readiness,
  WindowCodec,
  WindowView,
} from './job-control.js';
import type { JobRunner } from './job-runner.js';

/** A change as checkpoints keep it: with the windows and filter it led to, so a restore needs no parsing. */
export interface StoredChange extends DefinitionChange {
  readonly result: { readonly windows: readonly WindowSpec[]; readonly filter: string | null };
}

/** A job is not ready while its source is further behind than this (in its own unit). */
const READY_LAG = { messages: 10_000, records: 10_000, bytes: 16 * 1024 * 1024 } as const;

const noCodec: WindowCodec = {
  parse: () => {
    throw new EngineError('CONFLICT', 'this job was built without a window parser: build it with buildJob to change windows while it runs');
  },
  toInput: (spec) => ({ ...spec }),
};


/** A plain JSON object merged into another, recursively (arrays and values replace). */
function mergePatch(base: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    // RFC 7396: null removes the field (`{ "filter": null }`: no filter of the window's own).
    if (v === null) {
      delete out[k];
      continue;
    }
    const b = out[k];
    const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
    out[k] = isObject(b) && isObject(v) ? mergePatch(b, v) : v;
  }
  return out;
}

/** Windows a job can have through changes (each one adds work per event). */
const MAX_WINDOWS = 64;

/** Characters of a change request kept with the change (the resulting definition is always kept). */
const MAX_KEPT_REQUEST = 4_096;

const KIND_KEYS = ['tumbling', 'sliding', 'calendar', 'session', 'count', 'global'] as const;

export class JobHandle implements JobControl {
  readonly name: string;
  readonly outputNames: readonly string[];
  readonly keyBy: readonly string[];

  constructor(
    private readonly runner: JobRunner,
    private readonly codec: WindowCodec = noCodec,
    readonly history: ResultsHistory | null = null,
  ) {
    this.name = runner.jobName;
    this.outputNames = runner.outputNames;
    this.keyBy = runner.spec.keyBy;
  }

  get feed(): JobRunner['feed'] {
    return this.runner.feed;
  }

  get latency(): JobRunner['latency'] {
    return this.runner.latency;
  }

  overview(): JobOverview {
    const r = this.runner;
    const status = r.status();
    const now = r.now();
    const engine = r.engine;
    const partitionWatermarks = engine instanceof WindowAggregator
      ? engine.watermark.partitionStates().map((p) => ({ partition: p.partition, maxEventTimeMs: finiteOrNull(p.maxEventTimeMs), idle: p.isIdle }))
      : [];
    return {
      name: status.name,
      state: status.state,
      paused: r.isPaused,
      startedAtMs: status.startedAtMs,
      uptimeMs: status.startedAtMs === null ? 0 : now - status.startedAtMs,
      definitionVersion: r.changes.length,
      source: { description: status.source, partitions: r.sourceProgress() },
      watermarkMs: status.gauges.watermarkMs,
      partitionWatermarks,
      rates: {
        recordsIn: { m1: r.recordRate.perSecond(60, now), m5: r.recordRate.perSecond(300, now) },
        resultsOut: { m1: r.resultRate.perSecond(60, now), m5: r.resultRate.perSecond(300, now) },
      },
      counts: { records: status.records, badRecords: status.badRecords, blankLines: status.blankLines, ...status.engine },
      gauges: status.gauges,
      checkpoint: status.checkpoint,
      recentBadRecords: r.recentBadRecords,
      error: status.error,
    };
  }

  readiness(): Readiness {
    const r = this.runner;
    const reasons: string[] = [];
    const state = r.status().state;
    if (state !== 'running') reasons.push(`job ${state}`);
    if (r.isRestoring) reasons.push('restoring a checkpoint');
    if (!r.hasStarted) reasons.push('starting');
    for (const p of r.sourceProgress()) {
      if (p.lag !== null && p.lag > READY_LAG[p.unit]) reasons.push(`catching up: partition ${p.partition} is ${p.lag} ${p.unit} behind`);
    }
    return { ready: reasons.length === 0, reasons };
  }

  windows(): readonly WindowView[] {
    const engine = this.runner.engine;
    const exactOf = (name: string): number | null => {
      if (!(engine instanceof WindowAggregator)) return null;
      const def = engine.aligned.find((d) => d.spec.name === name) ?? engine.sessionDefs.find((d) => d.spec.name === name);
      return def === undefined ? null : finiteOrNull(def.exactFromMs);
    };
    const aggregations = this.runner.spec.aggregations;
    return this.runner.spec.windows.map((spec) => ({ spec, outputs: (spec.aggregations ?? aggregations).map(outputName), version: this.versionOf(spec.name), exactFromMs: exactOf(spec.name) }));
  }

  filter(): string | null {
    return this.runner.spec.filter;
  }

  live(window: string, key: KeyMatch, limit: number): readonly LiveWindow[] {
    const engine = this.runner.engine;
    if (!this.runner.spec.windows.some((w) => w.name === window)) throw new EngineError('NOT_FOUND', `no window named '${window}'`);
    if (!(engine instanceof WindowAggregator)) return [];
    return liveWindows(engine, window, key, limit).map((w) => {
      const values: Record<string, number | null> = {};
      w.names.forEach((name, i) => {
        const v = w.values[i];
        values[name] = typeof v === 'number' && Number.isFinite(v) ? v : null;
      });
      return { window: w.window, start: w.start, end: w.end, key: w.key.key as Readonly<Record<string, FieldValue>>, values, windowIndex: w.windowIndex };
    });
  }

  changes(): readonly DefinitionChange[] {
    return this.runner.changes;
  }

  addWindow(input: unknown): Promise<DefinitionChange> {
    return this.runner.enqueue(() => {
      const spec = this.codec.parse(input);
      if (this.runner.spec.windows.length >= MAX_WINDOWS) {
        throw new EngineError('CONFLICT', `the job has ${MAX_WINDOWS} windows, the most it can have while it runs (every window costs time per event): delete one first`);
      }
      if (this.runner.spec.windows.some((w) => w.name === spec.name)) {
        throw new EngineError('CONFLICT', `a window named '${spec.name}' exists already: change it with PATCH /windows/${spec.name}`);
      }
      return this.apply(withWindow(this.runner.spec, { window: spec }), 'add-window', spec.name, input);
    });
  }

  updateWindow(name: string, patch: unknown): Promise<DefinitionChange> {
    return this.runner.enqueue(() => {
      const current = this.windowNamed(name);
      if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
        throw new EngineError('CONFIG_INVALID_WINDOW', 'a window change is a mapping of the fields to change, e.g. { tumbling: 5m }');
      }
      const p = patch as Record<string, unknown>;
      if (p.name !== undefined && p.name !== name) throw new EngineError('CONFIG_INVALID_WINDOW', 'a window cannot be renamed: add a new one and delete this one', { path: 'name' });
      let base = this.codec.toInput(current);
      // A new kind replaces the old one (and an offset only tumbling and sliding windows have).
      const newKind = KIND_KEYS.find((k) => p[k] !== undefined && base[k] === undefined);
      if (newKind !== undefined) {
        base = Object.fromEntries(Object.entries(base).filter(([k]) => !(KIND_KEYS as readonly string[]).includes(k) && (k !== 'offset' || newKind === 'tumbling' || newKind === 'sliding')));
      }
      const spec = this.codec.parse(mergePatch(base, { ...p, name }));
      if (JSON.stringify(spec) === JSON.stringify(current)) throw new EngineError('CONFIG_INVALID_WINDOW', `the change leaves window '${name}' as it is`);
      return this.apply(withWindow(this.runner.spec, { window: spec }), 'update-window', name, patch);
    });
  }

  deleteWindow(name: string): Promise<DefinitionChange> {
    return this.runner.enqueue(() => {
      this.windowNamed(name);
      if (this.runner.spec.windows.length === 1) throw new EngineError('CONFLICT', `'${name}' is the job's only window: a job needs at least one (add another first)`);
      return this.apply(withWindow(this.runner.spec, { remove: name }), 'delete-window', name, null);
    });
  }

  setFilter(filter: string | null): Promise<DefinitionChange> {
    return this.runner.enqueue(() => {
      const text = filter === null || filter.trim() === '' ? null : filter;
      // Throws FILTER_SYNTAX or FILTER_UNSAFE_REGEX with the place of the problem.
      if (text !== null) compileFilter(text);
      if (text === this.runner.spec.filter) throw new EngineError('CONFIG_INVALID', 'the job has this filter already', { path: 'filter' });
      return this.apply({ ...this.runner.spec, filter: text }, 'set-filter', null, { filter: text });
    });
  }

  pause(): Promise<void> {
    return this.runner.enqueue(() => this.runner.setPaused(true));
  }

  resume(): Promise<void> {
    return this.runner.enqueue(() => this.runner.setPaused(false));
  }

  async checkpoint(): Promise<CheckpointReport> {
    const { written } = await this.runner.enqueue(() => this.runner.checkpointNow());
    return await written;
  }

  private windowNamed(name: string): WindowSpec {
    const spec = this.runner.spec.windows.find((w) => w.name === name);
    if (spec === undefined) throw new EngineError('NOT_FOUND', `no window named '${name}'`);
    return spec;
  }

  private versionOf(name: string): number {
    const changes = this.runner.changes;
    for (let i = changes.length - 1; i >= 0; i--) {
      const c = changes[i] as DefinitionChange;
      if (c.window === name || Object.hasOwn(c.exactFromMs, name)) return c.version;
    }
    return 0;
  }

  /** Swaps in an engine for the new definition (between two batches: this runs as a queued command). */
  private apply(spec: PipelineSpec, op: DefinitionChange['op'], window: string | null, request: unknown): DefinitionChange {
    const engine = this.runner.engine;
    if (!(engine instanceof WindowAggregator)) throw new EngineError('CONFLICT', 'this engine cannot change its definition while it runs');
    const { engine: next, exactFromMs } = reconfigure(engine, spec);
    const exact: Record<string, number | null> = {};
    const mixed: string[] = [];
    for (const [name, ms] of exactFromMs) {
      if (ms === null) mixed.push(name);
      else exact[name] = finiteOrNull(ms);
    }
    const change: StoredChange = {
      version: this.runner.changes.length + 1,
      atMs: this.runner.now(),
      op,
      window,
      // Kept in every checkpoint from now on: a request is kept only when small (windows and filters are).
      request: JSON.stringify(request ?? null).length <= MAX_KEPT_REQUEST ? request : { note: 'request too large to keep' },
      exactFromMs: exact,
      mixed,
      result: { windows: spec.windows, filter: spec.filter },
    };
    this.runner.replaceEngine(next, spec, change);
    return change;
  }
}

/** The definition a list of changes leads to from the job file's. */
export function specAfter(base: PipelineSpec, changes: readonly StoredChange[]): PipelineSpec {
  const last = changes[changes.length - 1];
  return last === undefined ? base : { ...base, windows: last.result.windows, filter: last.result.filter };
}

/** Sets each window's exact-from time as the changes left it (after a restore: snapshots do not keep it). */
export function applyExactFrom(engine: WindowAggregator, changes: readonly StoredChange[]): void {
  for (const def of [...engine.aligned, ...engine.sessionDefs]) {
    for (let i = changes.length - 1; i >= 0; i--) {
      const c = changes[i] as StoredChange;
      if (!Object.hasOwn(c.exactFromMs, def.spec.name)) continue;
      def.exactFromMs = c.exactFromMs[def.spec.name] ?? Number.NEGATIVE_INFINITY;
      break;
    }
  }
}
