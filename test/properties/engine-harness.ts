// Drives the engine through the same steps as the reference model and compares what comes out.

import type { EngineOutput, LateRecord, WindowResult } from '../../src/core/emit/outputs.js';
import type { ClickEvent } from '../../src/core/event/click-event.js';
import type { PipelineSpec } from '../../src/core/operator/pipeline-spec.js';
import { restoreSnapshot, takeSnapshot } from '../../src/core/operator/snapshot.js';
import { WindowAggregator } from '../../src/core/operator/window-aggregator.js';
import type { ReferenceResult, ReferenceStep } from '../reference/reference-model.js';
import type { Scenario } from './arbitraries.js';

/** One call into the engine: an event, partitions going idle or an update flush after an event, or the end of input. */
export interface Action {
  readonly kind: 'event' | 'idle' | 'flush' | 'end';
  readonly index: number;
}

export interface EngineStep extends Action {
  readonly outputs: readonly EngineOutput[];
}

/** How the input reaches the engine, and what happens between events. */
export interface RunOptions {
  /** Event indices after which flushUpdates is called. */
  readonly flushAfter?: ReadonlySet<number>;
  /** The source partition of each event, by index (0 when left out). */
  readonly partitions?: readonly (string | number)[];
  /** Partitions reported idle after the event of that index (before its flush). */
  readonly idleAfter?: ReadonlyMap<number, readonly (string | number)[]>;
  /** Positions in the list of actions before which the engine is snapshotted, sent through JSON and restored. */
  readonly restartBefore?: ReadonlySet<number>;
  /** Positions in the list of actions before which the key table forgets keys with no state left. */
  readonly sweepBefore?: ReadonlySet<number>;
}

/** The calls, in the order the reference model takes its steps. */
export function actionsOf(eventCount: number, options: RunOptions = {}): Action[] {
  const actions: Action[] = [];
  for (let index = 0; index < eventCount; index++) {
    actions.push({ kind: 'event', index });
    if (options.idleAfter?.has(index) === true) actions.push({ kind: 'idle', index });
    if (options.flushAfter?.has(index) === true) actions.push({ kind: 'flush', index });
  }
  actions.push({ kind: 'end', index: eventCount });
  return actions;
}

/** Runs the engine through the actions of `options`, collecting each call's outputs. */
export function runEngine(spec: PipelineSpec, events: readonly ClickEvent[], options: RunOptions = {}): EngineStep[] {
  let engine = new WindowAggregator(spec);
  const steps: EngineStep[] = [];
  actionsOf(events.length, options).forEach((action, position) => {
    if (options.sweepBefore?.has(position) === true) engine.sweepKeys();
    if (options.restartBefore?.has(position) === true) {
      engine = restoreSnapshot(spec, Buffer.concat(takeSnapshot(engine, 256)));
    }
    const out: EngineOutput[] = [];
    switch (action.kind) {
      case 'event':
        engine.onEvent(events[action.index] as ClickEvent, options.partitions?.[action.index] ?? 0, out);
        break;
      case 'idle':
        for (const p of options.idleAfter?.get(action.index) ?? []) engine.onPartitionIdle(p, out);
        break;
      case 'flush':
        engine.flushUpdates(out);
        break;
      case 'end':
        engine.onEndOfInput(out);
        break;
    }
    steps.push({ ...action, outputs: out });
  });
  return steps;
}

/** Below this, squares and quotients of doubles underflow into subnormals and lose relative precision. */
const UNDERFLOW = 1e-290;

/**
 * Two numbers agree within 1e-9 relative, with an absolute allowance of 1e-12 × the input scale
 * (cancellation in sums and means) and of UNDERFLOW; null only equals null.
 */
export function isClose(expected: number | null, actual: number | null, scale = 0): boolean {
  if (expected === null || actual === null) return expected === actual;
  if (expected === actual) return true;
  return Math.abs(expected - actual) <= 1e-9 * Math.max(Math.abs(expected), Math.abs(actual)) + 1e-12 * scale + UNDERFLOW;
}

export function describeResult(r: Pick<ReferenceResult, 'window' | 'start' | 'end' | 'keyJson' | 'values' | 'revision' | 'isFinal' | 'windowIndex'>): string {
  const index = r.windowIndex === null ? '' : ` #${r.windowIndex}`;
  return `${r.window}${index} [${r.start}, ${r.end}) ${r.keyJson} rev ${r.revision}${r.isFinal ? ' final' : ''} ${JSON.stringify(r.values)}`;
}

function describeEngineResult(r: WindowResult): string {
  return describeResult({ ...r, keyJson: r.key.keyJson });
}

function isSameResult(e: ReferenceResult, a: WindowResult): boolean {
  if (e.window !== a.window || e.windowKind !== a.windowKind || e.start !== a.start || e.end !== a.end) return false;
  if (e.keyJson !== a.key.keyJson || e.revision !== a.revision || e.isFinal !== a.isFinal || e.windowIndex !== a.windowIndex) return false;
  if (e.values.length !== a.values.length) return false;
  return e.values.every((v, i) => isClose(v, a.values[i] as number | null, e.scales[i] ?? 0));
}

/**
 * Compares the engine with the reference step by step: the results of each step as a multiset
 * (values within tolerance), and the late records (event, definitions missed, watermark).
 * Returns a list of differences; empty when they agree.
 */
export function compareWithReference(expected: readonly ReferenceStep[], actual: readonly EngineStep[], events: readonly ClickEvent[]): string[] {
  const problems: string[] = [];
  if (expected.length !== actual.length) return [`step count: reference ${expected.length}, engine ${actual.length}`];
  const indexOf = new Map(events.map((e, i) => [e, i]));
  expected.forEach((step, s) => {
    const got = actual[s] as EngineStep;
    const where = `${step.kind} ${step.index}`;
    const results = got.outputs.filter((o): o is WindowResult => o.kind === 'result');
    const unmatched = [...results];
    for (const e of step.results) {
      const i = unmatched.findIndex((a) => isSameResult(e, a));
      if (i >= 0) unmatched.splice(i, 1);
      else problems.push(`${where}: missing ${describeResult(e)}`);
    }
    for (const a of unmatched) problems.push(`${where}: unexpected ${describeEngineResult(a)}`);
    const late = got.outputs.filter((o): o is LateRecord => o.kind === 'late');
    const lateText = (index: number, windows: readonly string[], watermarkMs: number): string =>
      `late #${index} for ${[...windows].sort().join(',')} at watermark ${watermarkMs}`;
    const expectedLate = step.late.map((l) => lateText(l.index, l.windows, l.watermarkMs));
    const actualLate = late.map((l) => lateText(indexOf.get(l.event) ?? -1, l.windows, l.watermarkMs));
    if (JSON.stringify(expectedLate) !== JSON.stringify(actualLate)) {
      problems.push(`${where}: late records ${JSON.stringify(actualLate)}, expected ${JSON.stringify(expectedLate)}`);
    }
  });
  return problems;
}

/**
 * The contract's order within one watermark step: close time (end + lateness), then window
 * definition order, then window start. Count windows have no close time and are left out.
 */
export function checkCloseOrder(spec: PipelineSpec, steps: readonly EngineStep[]): string[] {
  const problems: string[] = [];
  const defIndex = new Map(spec.windows.map((w, i) => [w.name, i]));
  for (const step of steps) {
    let previous: [number, number, number] | null = null;
    for (const o of step.outputs) {
      if (o.kind !== 'result' || o.windowKind === 'count' || !o.isFinal) continue;
      const current: [number, number, number] = [o.end + spec.time.allowedLatenessMs, defIndex.get(o.window) ?? -1, o.start];
      if (previous !== null) {
        const [a, b, c] = previous;
        const [x, y, z] = current;
        if (x < a || (x === a && (y < b || (y === b && z < c)))) {
          problems.push(`${step.kind} ${step.index}: ${describeEngineResult(o)} came after close time ${a}, window #${b}, start ${c}`);
        }
      }
      previous = current;
    }
  }
  return problems;
}

/** A short, readable text of a scenario for failure messages. */
export function describeScenario(s: Scenario): string {
  const { spec } = s;
  const lines = [
    `keyBy ${JSON.stringify(spec.keyBy)} filter ${JSON.stringify(spec.filter)} emit ${spec.emit} bound ${spec.time.maxOutOfOrdernessMs} lateness ${spec.time.allowedLatenessMs}`,
    `windows ${JSON.stringify(spec.windows)}`,
    `flushAfter ${JSON.stringify([...s.flushAfter].sort((a, b) => a - b))} restartPoints ${JSON.stringify(s.restartPoints)} idleAfter ${JSON.stringify([...s.idleAfter])}`,
    ...s.events.map((e, i) => `  #${i} p${String(s.partitions[i] ?? 0)} t=${e.eventTimeMs} ${JSON.stringify(e.fields, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v))}`),
  ];
  return lines.join('\n');
}
