// Property: a window definition or filter changed while the engine runs gives, from the reported
// exact-from time on, exactly the results of a fresh run with the new definition.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EngineOutput, WindowResult } from '../../src/core/emit/outputs.js';
import type { ClickEvent } from '../../src/core/event/click-event.js';
import type { PipelineSpec } from '../../src/core/operator/pipeline-spec.js';
import { reconfigure, withWindow } from '../../src/core/operator/reconfigure.js';
import { WindowAggregator } from '../../src/core/operator/window-aggregator.js';
import type { WindowSpec } from '../../src/core/windows/window-spec.js';
import { EngineError } from '../../src/core/errors.js';
import { FILTERS, materialize, ownArb, scenarioArb, windowDraftArb, withOwn, type Own, type Scenario } from './arbitraries.js';
import { describeResult, isClose } from './engine-harness.js';


interface Drawn {
  readonly scenario: Scenario;
  /** 0: replace a window, 1: add one, 2: remove one, 3: set another filter, 4: give a window other aggregations or a filter of its own. */
  readonly op: number;
  readonly own: Own;
  readonly target: number;
  readonly window: Parameters<typeof materialize>[0];
  readonly filterIndex: number;
  /** Where in the input the change happens. */
  readonly at: number;
  readonly retainUnits: number;
}

const drawnArb: fc.Arbitrary<Drawn> = fc.record({
  scenario: scenarioArb({ emit: 'final', maxEvents: 60 }),
  op: fc.nat({ max: 4 }),
  own: ownArb,
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
    case 3: return { ...spec, filter: d.filterIndex < 0 ? null : (FILTERS[d.filterIndex] as { source: string }).source };
    default: return target === undefined ? spec : withWindow(spec, { window: withOwn(withoutOwn(target), d.own) });
  }
}

function withoutOwn(w: WindowSpec): WindowSpec {
  const { aggregations: _a, filter: _f, ...rest } = w;
  return rest as WindowSpec;
}

/**
 * Count windows and running totals can take other aggregations only over fields already held:
 * other changes to them are refused (and then there is nothing to check).
 */
function isRefused(error: unknown, before: PipelineSpec, after: PipelineSpec): boolean {
  const touched = after.windows.filter((w) => (w.kind === 'count' || w.kind === 'global') && JSON.stringify(before.windows.find((b) => b.name === w.name)) !== JSON.stringify(w));
  return error instanceof EngineError && error.code === 'CONFIG_INVALID_WINDOW' && touched.length > 0;
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
        let reconfigured: ReturnType<typeof reconfigure>;
        try {
          reconfigured = reconfigure(engine, after);
        } catch (error) {
          if (isRefused(error, before, after)) return;
          throw error;
        }
        const { engine: next, exactFromMs } = reconfigured;
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

// Two changes in a row, update mode, idle partitions (final results compared).
const changeArb = fc.record({ op: fc.nat({ max: 4 }), own: ownArb, target: fc.nat({ max: 3 }), window: windowDraftArb.filter((d) => d.kind !== 'count' && d.kind !== 'global'), filterIndex: fc.integer({ min: -1, max: FILTERS.length - 1 }), at: fc.nat({ max: 60 }) });
type Change = typeof changeArb extends fc.Arbitrary<infer T> ? T : never;

function changed(c: Change, spec: PipelineSpec, unitMs: number, name: string): PipelineSpec {
  const t = spec.windows[c.target % spec.windows.length];
  switch (c.op) {
    case 0: return t === undefined || t.kind === 'count' || t.kind === 'global' ? withWindow(spec, { window: materialize(c.window, name, unitMs) }) : withWindow(spec, { window: materialize(c.window, t.name, unitMs) });
    case 1: return withWindow(spec, { window: materialize(c.window, name, unitMs) });
    case 2: return spec.windows.length > 1 && t !== undefined ? withWindow(spec, { remove: t.name }) : withWindow(spec, { window: materialize(c.window, name, unitMs) });
    case 3: return { ...spec, filter: c.filterIndex < 0 ? null : (FILTERS[c.filterIndex] as { source: string }).source };
    default: return t === undefined ? spec : withWindow(spec, { window: withOwn(withoutOwn(t), c.own) });
  }
}

function drive(engine: WindowAggregator, s: Scenario, from: number, to: number, out: EngineOutput[]): void {
  for (let i = from; i < to; i++) {
    engine.onEvent(s.events[i] as ClickEvent, s.partitions[i] ?? 0, out);
    for (const p of s.idleAfter.get(i) ?? []) engine.onPartitionIdle(p, out);
    if (s.flushAfter.has(i)) engine.flushUpdates(out);
  }
}

const finals = (o: readonly EngineOutput[]): WindowResult[] => o.filter((x): x is WindowResult => x.kind === 'result' && x.isFinal && x.windowKind !== 'count' && x.windowKind !== 'global');
const id = (r: WindowResult): string => `${r.window}|${r.start}|${r.end}|${r.key.keyJson}`;

function compare(name: string, exact: number, fresh: WindowResult[], got: WindowResult[]): string[] {
  const p: string[] = [];
  const g = new Map(got.filter((r) => r.window === name && r.start >= exact).map((r) => [id(r), r]));
  for (const e of fresh.filter((r) => r.window === name && r.start >= exact)) {
    const a = g.get(id(e));
    if (a === undefined) p.push(`missing ${id(e)} ${JSON.stringify(e.values)}`);
    else if (!e.values.every((v, j) => isClose(v, a.values[j] as number | null, 1e6))) p.push(`differs ${id(e)} ${JSON.stringify(e.values)} vs ${JSON.stringify(a.values)}`);
    g.delete(id(e));
  }
  for (const k of g.keys()) p.push(`unexpected ${k}`);
  return p;
}

describe('reconfigure twice', () => {
  it('in update mode with flushes and idle partitions, two changes in a row are exact from the second one’s exact-from times', () => {
  fc.assert(
    fc.property(scenarioArb({ maxEvents: 50 }), changeArb, changeArb, fc.integer({ min: 0, max: 30 }), (s, c1, c2, retainUnits) => {
      const v0: PipelineSpec = { ...s.spec, time: { ...s.spec.time, ...(retainUnits > 0 ? { retainSlicesMs: retainUnits * s.unitMs } : {}) } };
      const v1 = changed(c1, v0, s.unitMs, 'a1');
      const v2 = changed(c2, v1, s.unitMs, 'a2');
      const at1 = Math.min(c1.at, s.events.length);
      const at2 = Math.min(Math.max(at1, c2.at), s.events.length);
      const out: EngineOutput[] = [];
      const e0 = new WindowAggregator(v0);
      drive(e0, s, 0, at1, out);
      let e1: WindowAggregator;
      let r2: ReturnType<typeof reconfigure>;
      try {
        e1 = reconfigure(e0, v1).engine;
      } catch (error) {
        if (isRefused(error, v0, v1)) return;
        throw error;
      }
      drive(e1, s, at1, at2, out);
      const mark = out.length;
      try {
        r2 = reconfigure(e1, v2);
      } catch (error) {
        if (isRefused(error, v1, v2)) return;
        throw error;
      }
      drive(r2.engine, s, at2, s.events.length, out);
      r2.engine.onEndOfInput(out);
      const freshOut: EngineOutput[] = [];
      const fresh = new WindowAggregator(v2);
      drive(fresh, s, 0, s.events.length, freshOut);
      fresh.onEndOfInput(freshOut);
      const problems: string[] = [];
      for (const [name, exact] of r2.exactFromMs) {
        if (exact === null) continue;
        problems.push(...compare(name, exact, finals(freshOut), finals(out.slice(mark))).map((p) => `${name}@${exact}: ${p}`));
      }
      expect(problems).toEqual([]);
    }),
    { numRuns: Number(process.env.TALLY_PROPERTY_RUNS ?? 300) },
  );
  });
});
