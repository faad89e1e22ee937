// Property: a window definition or filter changed while the engine runs gives, from the reported
// exact-from time on, exactly the results of a fresh run with the new definition.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EngineOutput, WindowResult } from '../../src/core/emit/outputs.js';
import type { ClickEvent } from '../../src/core/event/click-event.js';
import type { PipelineSpec } from '../../src/core/operator/pipeline-spec.js';
import { reconfigure, withWindow } from '../../src/core/operator/reconfigure.js';
import { WindowAggregator } from '../../src/core/operator/window-aggregator.js';
import { FILTERS, materialize, scenarioArb, windowDraftArb, type Scenario } from './arbitraries.js';
import { describeResult, isClose } from './engine-harness.js';


interface Drawn {
  readonly scenario: Scenario;
  /** 0: replace a window, 1: add one, 2: remove one, 3: set another filter. */
  readonly op: number;
  readonly target: number;
  readonly window: Parameters<typeof materialize>[0];
  readonly filterIndex: number;
  /** Where in the input the change happens. */
  readonly at: number;
  readonly retainUnits: number;
}

const drawnArb: fc.Arbitrary<Drawn> = fc.record({
  scenario: scenarioArb({ emit: 'final', maxEvents: 60 }),
  op: fc.nat({ max: 3 }),
  target: fc.nat({ max: 3 }),
  window: windowDraftArb.filter((d) => d.kind !== 'count' && d.kind !== 'global'),
  filterIndex: fc.integer({ min: -1, max: FILTERS.length - 1 }),
  at: fc.nat({ max: 60 }),
  retainUnits: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 40 })),
});

function changedSpec(d: Drawn, spec: PipelineSpec): PipelineSpec {
  const windows = spec.windows;
  const target = windows[d.target % windows.length];
  switch (d.op) {
    case 0: {
      if (target === undefined || target.kind === 'count' || target.kind === 'global') return withWindow(spec, { window: materialize(d.window, 'added', d.scenario.unitMs) });
      return withWindow(spec, { window: materialize(d.window, target.name, d.scenario.unitMs) });
    }
    case 1: return withWindow(spec, { window: materialize(d.window, 'added', d.scenario.unitMs) });
    case 2: return windows.length > 1 && target !== undefined ? withWindow(spec, { remove: target.name }) : withWindow(spec, { window: materialize(d.window, 'added', d.scenario.unitMs) });
    default: return { ...spec, filter: d.filterIndex < 0 ? null : (FILTERS[d.filterIndex] as { source: string }).source };
  }
}

function results(outputs: readonly EngineOutput[]): WindowResult[] {
  return outputs.filter((o): o is WindowResult => o.kind === 'result');
}

function run(engine: WindowAggregator, events: readonly ClickEvent[], partitions: readonly number[], from: number, to: number, out: EngineOutput[]): void {
  for (let i = from; i < to; i++) engine.onEvent(events[i] as ClickEvent, partitions[i] ?? 0, out);
}

function sameResults(expected: readonly WindowResult[], actual: readonly WindowResult[], scale: number): string[] {
  const problems: string[] = [];
  const unmatched = [...actual];
  const text = (r: WindowResult): string => describeResult({ ...r, keyJson: r.key.keyJson });
  for (const e of expected) {
    const i = unmatched.findIndex(
      (a) => a.window === e.window && a.start === e.start && a.end === e.end && a.key.keyJson === e.key.keyJson && a.windowIndex === e.windowIndex &&
        e.values.every((v, j) => isClose(v, a.values[j] as number | null, scale)),
    );
    if (i >= 0) unmatched.splice(i, 1);
    else problems.push(`missing ${text(e)}`);
  }
  for (const a of unmatched) problems.push(`unexpected ${text(a)}`);
  return problems;
}

describe('reconfigure', () => {
  it('gives the results of a fresh run with the new definition from the reported exact-from time on, and leaves other windows alone', () => {
    fc.assert(
      fc.property(drawnArb, (d) => {
        const s = d.scenario;
        const retain = d.retainUnits * s.unitMs;
        const before: PipelineSpec = { ...s.spec, time: { ...s.spec.time, ...(retain > 0 ? { retainSlicesMs: retain } : {}) } };
        const after = changedSpec(d, before);
        const at = Math.min(d.at, s.events.length);
        const scale = Math.max(1, ...s.events.map((e) => (typeof e.fields.value === 'number' && Number.isFinite(e.fields.value) ? Math.abs(e.fields.value) : 0)));

        const changedOut: EngineOutput[] = [];
        let engine = new WindowAggregator(before);
        run(engine, s.events, s.partitions, 0, at, changedOut);
        const emittedBefore = results(changedOut).length;
        const { engine: next, exactFromMs } = reconfigure(engine, after);
        engine = next;
        run(engine, s.events, s.partitions, at, s.events.length, changedOut);
        engine.onEndOfInput(changedOut);

        const freshOut: EngineOutput[] = [];
        const fresh = new WindowAggregator(after);
        run(fresh, s.events, s.partitions, 0, s.events.length, freshOut);
        fresh.onEndOfInput(freshOut);

        const changedResults = results(changedOut);
        const afterChange = changedResults.slice(emittedBefore);
        const problems: string[] = [];
        for (const w of after.windows) {
          const exact = exactFromMs.get(w.name);
          const fromFresh = results(freshOut).filter((r) => r.window === w.name);
          if (exact === undefined) {
            // Untouched: the whole run's results, before and after the change, are the fresh run's.
            const got = changedResults.filter((r) => r.window === w.name);
            problems.push(...sameResults(fromFresh, got, scale).map((p) => `${w.name} (unchanged): ${p}`));
            continue;
          }
          if (exact === null) continue;
          const got = afterChange.filter((r) => r.window === w.name);
          for (const r of got) if (r.start < exact) problems.push(`${w.name}: emitted a window starting at ${r.start}, before exact-from ${exact}`);
          problems.push(...sameResults(fromFresh.filter((r) => r.start >= exact), got.filter((r) => r.start >= exact), scale).map((p) => `${w.name} (exact from ${exact}): ${p}`));
        }
        expect(problems).toEqual([]);
      }),
      { numRuns: Number(process.env.TALLY_PROPERTY_RUNS ?? 400) },
    );
  });
});
