// Restart without a state checkpoint: commit offsets, crash, read again from them; what was published must add up to an uninterrupted run.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { WindowResult } from '../../src/core/emit/outputs.js';
import type { ClickEvent, FieldValue } from '../../src/core/event/click-event.js';
import type { PipelineSpec } from '../../src/core/operator/pipeline-spec.js';
import { WindowAggregator } from '../../src/core/operator/window-aggregator.js';
import type { WindowSpec } from '../../src/core/windows/window-spec.js';
import { scenarioArb, type Scenario } from './arbitraries.js';
import { describeScenario, isClose } from './engine-harness.js';
import {
  describeRuns,
  routeByKey,
  runWithCrashes,
  type PartitionCommit,
  type ReplayOutcome,
  type Routing,
  type RunPlan,
  type SourceShape,
} from './replay-harness.js';

const RUN = { seed: Number(process.env.PROPERTY_SEED ?? 42), numRuns: Number(process.env.PROPERTY_RUNS ?? 200) };

/** Which result a later one replaces for a consumer that keeps the latest per window and key. */
function identityOf(r: WindowResult): string {
  return JSON.stringify([r.window, r.start, r.windowIndex, r.key.keyJson]);
}

/** What a result carries for its consumers, but its revision (a restarted run counts revisions again) and its values. */
function describedBy(r: WindowResult): string {
  return JSON.stringify({ window: r.window, windowKind: r.windowKind, start: r.start, end: r.end, key: r.key.keyJson, isFinal: r.isFinal, windowIndex: r.windowIndex });
}

/**
 * The same, but the end of a running total: its message key has no end, so a consumer sees the same
 * total reported again at a later tick as no change (a restarted run may report an unchanged total
 * again, having added events read again straight into it).
 */
function comparedBy(r: WindowResult): string {
  return r.windowKind === 'global' ? JSON.stringify({ ...JSON.parse(describedBy(r)), end: null }) : describedBy(r);
}

/**
 * Per aggregation, the absolute allowance isClose takes for cancellation, over the whole input (the
 * reference's inputScales per window, made coarser): the sum of |value| for sums, the largest for means.
 */
function inputScalesOf(spec: PipelineSpec, events: readonly ClickEvent[]): number[] {
  return spec.aggregations.map((a) => {
    if (a.field === null || (a.fn !== 'sum' && a.fn !== 'mean')) return 0;
    const magnitudes = events.map((e) => e.fields[a.field as string]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v)).map(Math.abs);
    return a.fn === 'sum' ? magnitudes.reduce((x, y) => x + y, 0) : Math.max(0, ...magnitudes);
  });
}

/**
 * Equal on every visible field but revision (and a running total's end); values within isClose. A run that reads again combines
 * the same inputs in other groupings (other slices, a running total fed directly), so the last bits
 * of means and variances may differ.
 */
function isSame(a: WindowResult, b: WindowResult, scales: readonly number[]): boolean {
  if (comparedBy(a) !== comparedBy(b) || a.values.length !== b.values.length) return false;
  return a.values.every((v, i) => isClose(v, b.values[i] as number | null, scales[i] ?? 0));
}

const textOf = (r: WindowResult): string => `${describedBy(r)} ${JSON.stringify(r.values)}`;

/** The latest result per (window, start, windowIndex, key), as a consumer that overwrites keeps them. */
function compactedView(results: Iterable<WindowResult>): Map<string, WindowResult> {
  const view = new Map<string, WindowResult>();
  for (const r of results) view.set(identityOf(r), r);
  return view;
}

/**
 * The uninterrupted run: the same events on the same partitions, read the same way (every partition
 * assigned at the start), one engine, to the end of input.
 */
function uninterrupted(spec: PipelineSpec, events: readonly ClickEvent[], routing: Routing, shape: SourceShape): { results: WindowResult[]; late: Set<number> } {
  const outcome = runWithCrashes(spec, events, routing, () => null, shape);
  return { results: outcome.results.map((p) => p.result), late: new Set(outcome.late.map((l) => l.index)) };
}

/** Differences between what the runs with crashes published and the uninterrupted run (empty when the claim holds). */
function checkReplay(spec: PipelineSpec, events: readonly ClickEvent[], routing: Routing, outcome: ReplayOutcome, shape: SourceShape = {}): string[] {
  const problems: string[] = [];
  const straight = uninterrupted(spec, events, routing, shape);
  const scales = inputScalesOf(spec, events);

  // 1. The compacted view equals the uninterrupted one (a running total by its value, not its end).
  const expected = compactedView(straight.results);
  const actual = compactedView(outcome.results.map((p) => p.result));
  for (const [id, e] of expected) {
    const a = actual.get(id);
    if (a === undefined) problems.push(`compacted: missing ${textOf(e)}`);
    else if (!isSame(e, a, scales)) problems.push(`compacted: ${id}\n    uninterrupted ${textOf(e)}\n    with crashes  ${textOf(a)}`);
  }
  for (const [id, a] of actual) if (!expected.has(id)) problems.push(`compacted: unexpected ${textOf(a)}`);

  // 2. A result published again is the same result; a running total, one with a value the
  // uninterrupted run published for its key (at any tick: its message key has no end), so that a
  // consumer never sees a total it would not have seen. Compared with the uninterrupted run's
  // results of that identity rather than pairwise: sessions are not unique by start even there (a
  // session closed at [0, 6) and a later one that grew back to [0, 12)).
  const byIdentity = new Map<string, WindowResult[]>();
  for (const r of straight.results) byIdentity.set(identityOf(r), [...(byIdentity.get(identityOf(r)) ?? []), r]);
  for (const { run, result } of outcome.results) {
    if (!Number.isFinite(result.start) || !Number.isFinite(result.end)) problems.push(`published with an infinite start or end: run ${run} ${textOf(result)}`);
    const candidates = byIdentity.get(identityOf(result)) ?? [];
    if (candidates.some((r) => isSame(r, result, scales))) continue;
    problems.push(`published with a change: run ${run} ${textOf(result)}\n    uninterrupted ${candidates.map(textOf).join('\n                  ') || 'none'}`);
  }

  // 3. Late records, deduplicated by (partition, offset), are those of the uninterrupted run.
  const published = new Map<string, number>();
  for (const l of outcome.late) published.set(`${l.partition}:${l.offset}`, l.index);
  const lateIndices = new Set(published.values());
  for (const i of straight.late) if (!lateIndices.has(i)) problems.push(`late record #${i} was never published`);
  for (const i of lateIndices) if (!straight.late.has(i)) problems.push(`late record #${i} published, but the uninterrupted run has it on time`);
  return problems;
}

/** Each run's draws: commit positions and a crash position, taken modulo the run's length. */
interface CrashDraw {
  readonly commits: readonly number[];
  readonly crash: number;
}

const crashDrawArb: fc.Arbitrary<CrashDraw> = fc.record({
  // Mostly a commit or two before the crash; sometimes none, and the restart uses an older commit (or the start).
  commits: fc.oneof({ weight: 4, arbitrary: fc.array(fc.nat(), { minLength: 1, maxLength: 2 }) }, { weight: 1, arbitrary: fc.constant([]) }),
  crash: fc.nat(),
});

/** Turns the draws into plans: run r crashes after at least one batch it read, commits before that. */
function planFromDraws(draws: readonly CrashDraw[]): (run: number, actionCount: number) => RunPlan | null {
  return (run, actionCount) => {
    const draw = draws[run];
    const batchesRead = actionCount - 1;
    if (draw === undefined || batchesRead === 0) return null;
    const crashBefore = 1 + (draw.crash % batchesRead);
    return { commitBefore: draw.commits.map((c) => c % crashBefore), crashBefore };
  };
}

function failure(s: Scenario, routing: Routing, shape: SourceShape, outcome: ReplayOutcome, problems: readonly string[]): Error {
  const shown = problems.slice(0, 12);
  const more = problems.length > shown.length ? `\n… and ${problems.length - shown.length} more` : '';
  // Routing by key replaces the scenario's own partitions; final mode has no flushes and idle reports are left out.
  const routed = { ...s, partitions: routing.partitions, flushAfter: new Set<number>(), idleAfter: new Map<number, number[]>() };
  return new Error(
    `${shown.join('\n')}${more}\n--- runs (${JSON.stringify(shape)})\n${describeRuns(outcome)}\n--- scenario (offsets ${JSON.stringify(routing.offsets)})\n${describeScenario(routed)}`,
  );
}

const shapeArb: fc.Arbitrary<SourceShape> = fc.record({
  maxBatch: fc.oneof({ weight: 2, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.integer({ min: 2, max: 4 }) }),
  descendingAssignment: fc.boolean(),
});

describe('restart by reading again from committed offsets', () => {
  // Idle reports are left out, because the claim does not hold with them. Idleness is reported by
  // processing time and is not part of a commit: a restarted engine counts every resumed partition
  // as active, so one the earlier run had let the watermark pass holds it back again until it is
  // reported idle again, if ever. Tumbling 10, keys a (partition 0) and b (partition 1), bound 0:
  //   b@1, a@2, partition 1 idle, a@25 → watermark 25, commit; then a@35, a@22.
  //   Straight run: a@35 moves the watermark to 35, [20,30) is emitted with 1 and a@22 is late.
  //   Restarted: partition 1 keeps the watermark at 25, a@22 is on time and [20,30) has 2.
  // Every partition with input is assigned at the start of every run, as a consumer group does, in
  // the uninterrupted run too: until each has had a record, the watermark stays put.
  // Scenarios with and without a running total are two properties: reading running totals again is
  // broken in the engine for now (see the counterexamples D and E below), and must not hide what
  // the other windows do.
  const hasRunningTotal = (s: Scenario): boolean => s.spec.windows.some((w) => w.kind === 'global');
  const claim = (scenarios: fc.Arbitrary<Scenario>): void => {
    fc.assert(
      fc.property(
        scenarios,
        // Drawn here rather than taken from the scenario, which keeps two thirds of its runs on one partition.
        fc.integer({ min: 1, max: 3 }),
        shapeArb,
        fc.array(crashDrawArb, { minLength: 1, maxLength: 3 }),
        (scenario, partitionCount, shape, draws) => {
          const routing = routeByKey(scenario.spec, scenario.events, partitionCount);
          const outcome = runWithCrashes(scenario.spec, scenario.events, routing, planFromDraws(draws), shape);
          const problems = checkReplay(scenario.spec, scenario.events, routing, outcome, shape);
          if (problems.length > 0) throw failure(scenario, routing, shape, outcome, problems);
        },
      ),
      RUN,
    );
  };

  it('publishes, over all crashes, the compacted view and late records of an uninterrupted run', () => {
    claim(scenarioArb({ emit: 'final' }).filter((s) => !hasRunningTotal(s)));
  }, 1_800_000);

  it('does so with running totals too', () => {
    claim(scenarioArb({ emit: 'final' }).filter(hasRunningTotal));
  }, 1_800_000);
});

// ---------------------------------------------------------------------------------------------
// Examples, by hand. Times in seconds; one partition unless said otherwise.

const sec = (n: number): number => n * 1_000;

function pipeline(windows: readonly WindowSpec[], keyBy: readonly string[] = []): PipelineSpec {
  return {
    keyBy,
    filter: null,
    windows,
    aggregations: [{ fn: 'count', field: null }, { fn: 'sum', field: 'value' }],
    time: { maxOutOfOrdernessMs: 0, allowedLatenessMs: 0, idleTimeoutMs: 60_000 },
    emit: 'final',
  };
}

function click(seconds: number, value: number, extra: Record<string, FieldValue> = {}): ClickEvent {
  const t = sec(seconds);
  return { kind: 'event', eventTimeMs: t, fields: { user_id: 'u1', page: '/a', timestamp: t, value, ...extra } };
}

/** The runs' plans in order; the run after the last one goes to the end of input. */
const plans =
  (...list: RunPlan[]) =>
  (run: number): RunPlan | null =>
    list[run] ?? null;

/** One partition: offsets are the event indices. */
const onePartition = (events: readonly ClickEvent[]): Routing => ({ partitions: events.map(() => 0), offsets: events.map((_e, i) => i) });

/** Results as [window, start s, end s, key, count, sum], for reading. */
const rows = (results: readonly { readonly result: WindowResult }[]): [string, number, number, string, unknown, unknown][] =>
  results.map(({ result: r }) => [r.window, r.start / 1_000, r.end / 1_000, r.key.keyJson, r.values[0], r.values[1]]);

const seconds = (ms: number | null): number | null => (ms === null ? null : ms / 1_000);

/** Commits as [partition, offset, processedUpTo, completeUpTo s, maxEventTimeBefore s] (null: none), for reading. */
const commitRows = (commits: readonly PartitionCommit[] | undefined): [number, number, number, number | null, number | null][] =>
  (commits ?? []).map((c) => [c.partition, c.offset, c.resume.processedUpTo, seconds(c.resume.completeUpToMs), seconds(c.resume.maxEventTimeBeforeMs)]);

describe('restart by reading again, by example', () => {
  it('a restart in the middle of a tumbling window reads it again and gives the same result', () => {
    //   tumbling 10:  |  1   4   7   |  15       |
    //                 0             10           20
    //   commit after 4 (watermark 4: [0,10) is open, so the offset stays 0, with nothing before it), crash after 7.
    const spec = pipeline([{ kind: 'tumbling', name: 't', sizeMs: sec(10), offsetMs: 0 }]);
    const events = [click(1, 1), click(4, 2), click(7, 3), click(15, 4)];
    const routing = onePartition(events);
    const outcome = runWithCrashes(spec, events, routing, plans({ commitBefore: [2], crashBefore: 3 }));
    expect(commitRows(outcome.runs[0]?.commits[0]?.partitions)).toEqual([[0, 0, 2, 4, null]]);
    expect(outcome.runs[1]?.read).toEqual([0, 1, 2, 3]);
    expect(rows(outcome.results)).toEqual([
      ['t', 0, 10, '{}', 3, 6],
      ['t', 10, 20, '{}', 1, 4],
    ]);
    expect(checkReplay(spec, events, routing, outcome)).toEqual([]);
  });

  it('a sliding window emitted before the commit is not emitted again, while its still-open sibling is', () => {
    //   sliding 10 every 5:   1    6      12 13
    //   [-5,5) and [0,10) are closed by 12 and emitted; [5,15) and [10,20) are open at the commit.
    //   Slice [0,5) is gone, so the commit is offset 1 (the event at 6, still in [5,15)); the latest
    //   event time before it is 1, where the restarted watermark starts.
    const spec = pipeline([{ kind: 'sliding', name: 'w', sizeMs: sec(10), slideMs: sec(5), offsetMs: 0 }]);
    const events = [click(1, 1), click(6, 2), click(12, 3), click(13, 4)];
    const routing = onePartition(events);
    const outcome = runWithCrashes(spec, events, routing, plans({ commitBefore: [3], crashBefore: 4 }));
    expect(commitRows(outcome.runs[0]?.commits[0]?.partitions)).toEqual([[0, 1, 3, 12, 1]]);
    expect(outcome.runs[1]?.read).toEqual([1, 2, 3]);
    expect(rows(outcome.results.filter((p) => p.run === 0))).toEqual([
      ['w', -5, 5, '{}', 1, 1],
      ['w', 0, 10, '{}', 2, 3],
    ]);
    // The event at 6 is read again: it goes into [5,15), not into the emitted [0,10).
    expect(rows(outcome.results.filter((p) => p.run === 1))).toEqual([
      ['w', 5, 15, '{}', 3, 9],
      ['w', 10, 20, '{}', 2, 7],
    ]);
    expect(checkReplay(spec, events, routing, outcome)).toEqual([]);
  });

  it('a session closed before the commit is not emitted again, and its event read again is no late record', () => {
    //   gap 10, by user:  u1: 0 5 → [0,15);   u2: 8 16 20 → [8,30).
    //   16 closes u1's session (watermark 16 ≥ 15) and it is emitted. The commit after 16 keeps
    //   u2's open session: offset 1 (u2's 8), latest event time before it 0. Reading again, the
    //   watermark starts at 0 and u1's 5 meets watermark 8 as the first time: on time, in a
    //   session [5,15) of its own, which 16 closes again and the floor (16) keeps from being emitted.
    const spec = pipeline([{ kind: 'session', name: 's', gapMs: sec(10) }], ['user_id']);
    const u2 = { user_id: 'u2' };
    const events = [click(0, 1), click(8, 2, u2), click(5, 3), click(16, 4, u2), click(20, 5, u2)];
    const routing = onePartition(events);
    const outcome = runWithCrashes(spec, events, routing, plans({ commitBefore: [4], crashBefore: 5 }));
    expect(commitRows(outcome.runs[0]?.commits[0]?.partitions)).toEqual([[0, 1, 4, 16, 0]]);
    expect(rows(outcome.results.filter((p) => p.run === 0))).toEqual([['s', 0, 15, '{"user_id":"u1"}', 2, 4]]);
    expect(outcome.runs[1]?.read).toEqual([1, 2, 3, 4]);
    expect(outcome.runs[1]?.suppressedLate).toEqual([]);
    expect(outcome.runs[1]?.replayedResults).toBe(1);
    expect(rows(outcome.results.filter((p) => p.run === 1))).toEqual([['s', 8, 30, '{"user_id":"u2"}', 3, 11]]);
    expect(outcome.late).toEqual([]);
    expect(checkReplay(spec, events, routing, outcome)).toEqual([]);
  });

  it('running totals and count windows keep every commit at the first offset and read everything again', () => {
    //   global every 10 and count windows of 2:   1 5 | 12 | 25 | 31
    //   Both hold state since the start (oldest retained time −∞): through two crashes, every
    //   commit is offset 0 and every run reads all five events. processedUpTo never goes back.
    const spec = pipeline([
      { kind: 'global', name: 'g', everyMs: sec(10) },
      { kind: 'count', name: 'c', size: 2, slide: 2 },
    ]);
    const events = [click(1, 1), click(5, 2), click(12, 3), click(25, 4), click(31, 5)];
    const routing = onePartition(events);
    const outcome = runWithCrashes(spec, events, routing, plans({ commitBefore: [3], crashBefore: 4 }, { commitBefore: [2, 4], crashBefore: 5 }));
    const commits = outcome.runs.flatMap((r) => r.commits.flatMap((c) => c.partitions));
    expect(commitRows(commits).map(([, offset, processedUpTo]) => [offset, processedUpTo])).toEqual([
      [0, 3],
      [0, 3],
      [0, 4],
    ]);
    expect(outcome.runs.map((r) => r.read.length)).toEqual([5, 5, 5]);
    // Every run emits the count windows again, the same; only the last one reaches the end of input.
    const countRows = (run: number) => rows(outcome.results.filter((p) => p.run === run && p.result.window === 'c'));
    const complete: ReturnType<typeof rows> = [
      ['c', 1, 5.001, '{}', 2, 3],
      ['c', 12, 25.001, '{}', 2, 7],
    ];
    expect([countRows(0), countRows(1), countRows(2)]).toEqual([complete, complete, [...complete, ['c', 31, 31.001, '{}', 1, 5]]]);
    expect(rows(outcome.results.filter((p) => p.result.window === 'g')).at(-1)).toEqual(['g', 0, 40, '{}', 5, 15]);
    expect(checkReplay(spec, events, routing, outcome)).toEqual([]);
  });

  it('batches: a commit between batches of several records, and late records of a batch read again', () => {
    //   tumbling 10, batches of up to 2:  [1 12] [3 14] | [15 25]
    //   Run 0: 12 moves the watermark to 12, so 3 is late; 14 closes [0,10). The commit after
    //   [3 14] is offset 0 (the batch [1 12] holds 12, in the open [10,20)); 25 closes [10,20),
    //   then the crash. Run 1 reads [1 12] [3 14] [15 25] again: 1 and 3 are late behind the floor
    //   (14) and below processedUpTo: not written (again); [0,10) is not emitted again, [10,20)
    //   (closed after the commit) is, the same.
    const spec = pipeline([{ kind: 'tumbling', name: 't', sizeMs: sec(10), offsetMs: 0 }]);
    const events = [click(1, 1), click(12, 2), click(3, 3), click(14, 4), click(15, 5), click(25, 6)];
    const routing = onePartition(events);
    const shape: SourceShape = { maxBatch: 2 };
    const outcome = runWithCrashes(spec, events, routing, plans({ commitBefore: [2], crashBefore: 3 }), shape);
    expect(outcome.runs[0]?.batches).toEqual([[0, 1], [2, 3], [4, 5]]);
    expect(commitRows(outcome.runs[0]?.commits[0]?.partitions)).toEqual([[0, 0, 4, 14, null]]);
    expect(outcome.late.map((l) => [l.run, l.index])).toEqual([[0, 2]]);
    expect(outcome.runs[1]?.suppressedLate).toEqual([0, 2]);
    expect(outcome.runs[1]?.replayedResults).toBe(0);
    expect(rows(outcome.results.filter((p) => p.run === 0))).toEqual([
      ['t', 0, 10, '{}', 1, 1],
      ['t', 10, 20, '{}', 3, 11],
    ]);
    expect(rows(outcome.results.filter((p) => p.run === 1))).toEqual([
      ['t', 10, 20, '{}', 3, 11],
      ['t', 20, 30, '{}', 1, 6],
    ]);
    expect(checkReplay(spec, events, routing, outcome, shape)).toEqual([]);
  });
});

// Shrunk counterexamples the property found against the earlier protocol (maxEventTime, a watermark
// restored per partition and raised to completeUpTo, processedUpTo from the tracker alone): each
// failed then, and is kept as a regression test of the protocol that fixed it. D and E (running
// totals read again) fail with the current engine.
describe('restart by reading again, counterexamples the property found', () => {
  it('A: resuming partitions in any order gives the same watermark, and the open window is rebuilt', () => {
    //   tumbling 10, by user: u2 on partition 1, u1 on partition 0.   u2@5 (p1), u1@15 (p0) | u1@16
    //   At the commit the watermark is 5 (partition 1 is at 5) and u2's [0,10) is open. Restoring
    //   the partitions one by one and recomputing the watermark over those restored so far made it
    //   jump to 15 when p0 came first: u2@5, read again, was late and u2's [0,10) never emitted.
    const spec = pipeline([{ kind: 'tumbling', name: 't', sizeMs: sec(10), offsetMs: 0 }], ['user_id']);
    const events = [click(5, 1, { user_id: 'u2' }), click(15, 2), click(16, 3)];
    const routing: Routing = { partitions: [1, 0, 0], offsets: [0, 0, 1] };
    // The watermark is rebuilt from all partitions at once, whatever their order.
    const watermarkAfter = (order: readonly number[]): number => {
      const engine = new WindowAggregator(spec);
      const before = [sec(15), sec(5)];
      engine.resumePartitions(order.map((p) => ({ partition: p, completeUpToMs: sec(5), maxEventTimeBeforeMs: before[p] as number })));
      return engine.watermarkMs;
    };
    expect([watermarkAfter([0, 1]), watermarkAfter([1, 0])]).toEqual([sec(5), sec(5)]);
    for (const descendingAssignment of [false, true]) {
      const shape: SourceShape = { descendingAssignment };
      const outcome = runWithCrashes(spec, events, routing, plans({ commitBefore: [2], crashBefore: 3 }), shape);
      // Both partitions read again from offset 0, with no event time before it.
      expect(commitRows(outcome.runs[0]?.commits[0]?.partitions)).toEqual([
        [0, 0, 1, 5, null],
        [1, 0, 1, 5, null],
      ]);
      expect(outcome.results.filter((p) => p.run === 0)).toEqual([]);
      expect(rows(outcome.results)).toEqual([
        ['t', 0, 10, '{"user_id":"u2"}', 1, 1],
        ['t', 10, 20, '{"user_id":"u1"}', 2, 5],
      ]);
      expect(outcome.late).toEqual([]);
      expect(checkReplay(spec, events, routing, outcome, shape)).toEqual([]);
    }
  });

  it('B: reading an open session again keeps its first events, which alone would be closed already', () => {
    //   gap 10:  10 18 26 | 30   one session [10,40); the commit after 26 (watermark 26) keeps it
    //   open, offset 0. With the watermark raised to completeUpTo (26), 10 read again alone made
    //   [10,20), closed already: late, and the session came out as [18,40) with 3 of its 4 events.
    //   Rebuilt from the event time before offset 0 (none), the watermark meets 10 as the first time.
    const spec = pipeline([{ kind: 'session', name: 's', gapMs: sec(10) }]);
    const events = [click(10, 1), click(18, 2), click(26, 3), click(30, 4)];
    const routing = onePartition(events);
    const outcome = runWithCrashes(spec, events, routing, plans({ commitBefore: [3], crashBefore: 4 }));
    expect(commitRows(outcome.runs[0]?.commits[0]?.partitions)).toEqual([[0, 0, 3, 26, null]]);
    expect(outcome.runs[1]?.suppressedLate).toEqual([]);
    expect(rows(outcome.results)).toEqual([['s', 10, 40, '{}', 4, 10]]);
    expect(checkReplay(spec, events, routing, outcome)).toEqual([]);
  });

  it('C: a commit made before a restarted run has read up to the old processedUpTo keeps the old one', () => {
    //   tumbling 10 (w10) and 20 (w20):  5 | 15 16.  Run 0: 15 closes w10's [0,10) with 5 in it;
    //   w20's [0,20) keeps the offset at 0; commit after 15 (processedUpTo 2), crash. Run 1 commits
    //   before reading anything: processedUpTo was the tracker's next offset, 0, so run 2 wrote the
    //   late record of 5 (late for w10 behind the floor 15), though 5 was on time the first time.
    //   processedUpTo is now the larger of the tracker's and the resumed one: 2.
    const spec = pipeline([
      { kind: 'tumbling', name: 'w10', sizeMs: sec(10), offsetMs: 0 },
      { kind: 'tumbling', name: 'w20', sizeMs: sec(20), offsetMs: 0 },
    ]);
    const events = [click(5, 1), click(15, 2), click(16, 3)];
    const routing = onePartition(events);
    const outcome = runWithCrashes(spec, events, routing, plans({ commitBefore: [2], crashBefore: 3 }, { commitBefore: [0], crashBefore: 1 }));
    expect(outcome.runs.map((r) => r.commits.map((c) => commitRows(c.partitions)))).toEqual([[[[0, 0, 2, 15, null]]], [[[0, 0, 2, 15, null]]], []]);
    expect(outcome.runs.map((r) => r.suppressedLate)).toEqual([[], [0], [0]]);
    expect(outcome.late).toEqual([]);
    expect(rows(outcome.results)).toEqual([
      ['w10', 0, 10, '{}', 1, 1],
      ['w10', 10, 20, '{}', 2, 5],
      ['w20', 0, 20, '{}', 3, 6],
    ]);
    expect(checkReplay(spec, events, routing, outcome)).toEqual([]);
  });

  it('D: reading running totals again may report a total the earlier run reported again, unchanged, at a later tick', () => {
    //   global every 10, by user:  u1@1 u1@5 | u2@25 u2@26.  25 reports u1's total (2) at tick 10.
    //   Commit after 25 (offset 0: totals hold everything), crash. Read again, u1's events go
    //   straight into the total (behind the floor, 25, their tick was reported) and mark u1 changed,
    //   so its unchanged total is reported again at a later tick. The message key of a running total
    //   has no end: a consumer keeping the latest per key sees the same value, which the claim allows.
    //   Fails for now: the engine queues that report at the tick after the rebuilt watermark, not after
    //   the floor; right after the resume the watermark is −∞ (a job with running totals always reads
    //   again from offset 0, with no event time before it), so u1@1 alone is reported as u1's total,
    //   with end −∞, and the full total (2) comes next at tick 10 again.
    const spec = pipeline([{ kind: 'global', name: 'g', everyMs: sec(10) }], ['user_id']);
    const u2 = { user_id: 'u2' };
    const events = [click(1, 1), click(5, 2), click(25, 3, u2), click(26, 4, u2)];
    const routing = onePartition(events);
    const outcome = runWithCrashes(spec, events, routing, plans({ commitBefore: [3], crashBefore: 4 }));
    expect(rows(outcome.results.filter((p) => p.run === 0))).toEqual([['g', 0, 10, '{"user_id":"u1"}', 2, 3]]);
    const u1Again = outcome.results.filter((p) => p.run === 1 && p.result.key.keyJson === '{"user_id":"u1"}').map((p) => p.result);
    expect(u1Again.map((r) => r.values.slice(0, 2))).toEqual(u1Again.map(() => [2, 3]));
    expect(u1Again.every((r) => r.end >= sec(10))).toBe(true);
    expect(rows(outcome.results.filter((p) => p.run === 1 && p.result.key.keyJson === '{"user_id":"u2"}'))).toEqual([['g', 0, 30, '{"user_id":"u2"}', 2, 7]]);
    expect(checkReplay(spec, events, routing, outcome)).toEqual([]);
  });

  it('E: an event read again into a running total directly is not folded into it a second time from a slice', () => {
    //   global every 10 (g) and tumbling 20 (t):  5 15 | 16.  Run 0: 15 reports g's total 1 at tick
    //   10; commit after 15 (offset 0: totals hold everything; completeUpTo 15), crash. Read again,
    //   5 is behind the floor for g (tick 10 ≤ 15) and goes straight into the total, but t's [0,20)
    //   still needs it in a slice; that slice registers g's tick [0,10) too (against the rebuilt
    //   watermark, −∞, not the floor), and closing that tick folds 5 into the total a second time:
    //   the final total has 4 events for 3. (Before it, D's total with end −∞.)
    const spec = pipeline([
      { kind: 'global', name: 'g', everyMs: sec(10) },
      { kind: 'tumbling', name: 't', sizeMs: sec(20), offsetMs: 0 },
    ]);
    const events = [click(5, 1), click(15, 2), click(16, 3)];
    const routing = onePartition(events);
    const outcome = runWithCrashes(spec, events, routing, plans({ commitBefore: [2], crashBefore: 3 }));
    expect(commitRows(outcome.runs[0]?.commits[0]?.partitions)).toEqual([[0, 0, 2, 15, null]]);
    expect(rows(outcome.results.filter((p) => p.run === 0))).toEqual([['g', 0, 10, '{}', 1, 1]]);
    const run1 = outcome.results.filter((p) => p.run === 1);
    expect(rows(run1.filter((p) => p.result.window === 't'))).toEqual([['t', 0, 20, '{}', 3, 6]]);
    expect(rows(run1.filter((p) => p.result.window === 'g')).at(-1)).toEqual(['g', 0, 20, '{}', 3, 6]);
    expect(checkReplay(spec, events, routing, outcome)).toEqual([]);
  });
});
