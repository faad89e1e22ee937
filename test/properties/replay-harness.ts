// Restart by reading again: drives engines through commits and crashes the way a Kafka job without state checkpoints recovers.

import type { EngineOutput, WindowResult } from '../../src/core/emit/outputs.js';
import type { ClickEvent } from '../../src/core/event/click-event.js';
import { KeyTable } from '../../src/core/operator/key-table.js';
import type { PipelineSpec } from '../../src/core/operator/pipeline-spec.js';
import { WindowAggregator } from '../../src/core/operator/window-aggregator.js';
import { silentLogger } from '../../src/ports/logger.js';
import type { Assignment, PartitionCommit, RawBatch } from '../../src/ports/source.js';
import { SourcePositions } from '../../src/runtime/source-positions.js';

export type { PartitionCommit } from '../../src/ports/source.js';

/** Where each event sits in the source, by event index: its partition and its offset there. */
export interface Routing {
  readonly partitions: readonly number[];
  readonly offsets: readonly number[];
}

/** FNV-1a of the key's JSON text, modulo the partition count: a key always lands in one partition. */
export function partitionOfKey(keyJson: string, partitionCount: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < keyJson.length; i++) {
    hash ^= keyJson.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % partitionCount;
}

/**
 * Partitions by the keyBy fields' values (everything in partition 0 with keyBy []), offsets by
 * arrival within the partition. Events the filter drops are routed by the same key fields.
 */
export function routeByKey(spec: PipelineSpec, events: readonly ClickEvent[], partitionCount: number): Routing {
  const keys = new KeyTable(spec.keyBy);
  const nextOffset = new Map<number, number>();
  const partitions: number[] = [];
  const offsets: number[] = [];
  for (const event of events) {
    const p = spec.keyBy.length === 0 ? 0 : partitionOfKey(keys.intern(event.fields).group.keyJson, partitionCount);
    const offset = nextOffset.get(p) ?? 0;
    nextOffset.set(p, offset + 1);
    partitions.push(p);
    offsets.push(offset);
  }
  return { partitions, offsets };
}

/**
 * Where one run commits and crashes, as positions in its own list of actions (the batches it reads,
 * then the end of input): a commit or crash "before position i" happens after actions 0 … i − 1.
 */
export interface RunPlan {
  readonly commitBefore: readonly number[];
  /** After every commit; at most the position of the end of input (the crash comes before it). */
  readonly crashBefore: number;
}

/** How the source hands records to the job. */
export interface SourceShape {
  /** Consecutive records of one partition (in read order) are read in batches of up to this many (default 1). */
  readonly maxBatch?: number;
  /** The assignment lists the partitions in descending order rather than ascending. */
  readonly descendingAssignment?: boolean;
}

export interface PublishedResult {
  readonly run: number;
  readonly result: WindowResult;
}

export interface PublishedLate {
  readonly run: number;
  readonly index: number;
  readonly partition: number;
  readonly offset: number;
  readonly windows: readonly string[];
}

export interface RunTrace {
  /** The commits this run was assigned its partitions with (null: none, as a fresh job). */
  readonly resumedFrom: readonly PartitionCommit[] | null;
  /** Event indices the run read, in order. */
  readonly read: readonly number[];
  /** The same, as the batches they were read in (the actions a plan counts, before the end of input). */
  readonly batches: readonly (readonly number[])[];
  readonly commits: { readonly position: number; readonly partitions: readonly PartitionCommit[] }[];
  /** Null when the run reached the end of input. */
  readonly crashBefore: number | null;
  /** Late records not published because SourcePositions calls them a replay (offset below processedUpTo). */
  readonly suppressedLate: number[];
  readonly replayedResults: number;
}

export interface ReplayOutcome {
  /** Everything published, over all runs, in order. */
  readonly results: readonly PublishedResult[];
  readonly late: readonly PublishedLate[];
  readonly runs: readonly RunTrace[];
}

const JOB = { name: 'replay-property', fingerprint: 'replay-property' };

/** A Kafka-like batch of one partition's records [first, first + count): SourcePositions reads only its partition and offsets. */
function rawBatch(partition: number, first: number, count: number): RawBatch {
  return {
    partition,
    records: new Array<string>(count).fill(''),
    positionOf: (index) => ({ kind: 'kafka', topic: 'clicks', partition, offset: String(first + index) }),
    offsets: { first, next: first + count, offsetOf: (index) => first + index },
    emptyIsBad: true,
  };
}

/** The read events in batches: runs of one partition in read order, cut at `maxBatch` records. */
function batchesOf(read: readonly number[], routing: Routing, maxBatch: number): number[][] {
  const batches: number[][] = [];
  let current: number[] = [];
  for (const i of read) {
    const last = current[current.length - 1];
    if (last !== undefined && (routing.partitions[last] !== routing.partitions[i] || current.length >= maxBatch)) {
      batches.push(current);
      current = [];
    }
    current.push(i);
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/**
 * Runs the input through engines that commit and crash as `planOf` says (null: run to the end of
 * input) the way the job runner does, with the service's own SourcePositions: each run is a new
 * process (a new engine and SourcePositions), assigned every partition that has input with the last
 * offset and ResumePoint committed for it (or none); every partition is read from its committed
 * offset (the records keep their global arrival order), in batches; late records SourcePositions
 * calls a replay are not published; a commit is SourcePositions.commits and replaces, per partition
 * it covers, the earlier one (a broker keeps the latest commit of each partition).
 */
export function runWithCrashes(
  spec: PipelineSpec,
  events: readonly ClickEvent[],
  routing: Routing,
  planOf: (run: number, actionCount: number) => RunPlan | null,
  shape: SourceShape = {},
): ReplayOutcome {
  const indexOf = new Map(events.map((e, i) => [e, i]));
  const partitionIds = [...new Set(routing.partitions)].sort((a, b) => (shape.descendingAssignment === true ? b - a : a - b));
  const results: PublishedResult[] = [];
  const late: PublishedLate[] = [];
  const runs: RunTrace[] = [];
  /** The last commit of each partition, as the broker keeps it. */
  const committed = new Map<number, PartitionCommit>();
  for (let run = 0; ; run++) {
    const engine = new WindowAggregator(spec);
    const positions = new SourcePositions(JOB, silentLogger);
    const resumedFrom = committed.size === 0 ? null : [...committed.values()].sort((a, b) => a.partition - b.partition);
    const assignment: Assignment = {
      kind: 'assignment',
      partitions: partitionIds.map((partition) => ({ partition, offset: committed.get(partition)?.offset ?? null, resume: committed.get(partition)?.resume ?? null })),
    };
    positions.onAssignment(assignment, engine);
    // With no commit, reading starts at the earliest offset.
    const read = events.map((_e, i) => i).filter((i) => (routing.offsets[i] as number) >= (committed.get(routing.partitions[i] as number)?.offset ?? 0));
    const batches = batchesOf(read, routing, shape.maxBatch ?? 1);
    const plan = planOf(run, batches.length + 1);
    if (plan !== null && !(plan.crashBefore <= batches.length && plan.commitBefore.every((c) => c >= 0 && c < plan.crashBefore))) {
      throw new Error(`bad plan for run ${run} of ${batches.length + 1} actions: ${JSON.stringify(plan)}`);
    }
    const trace: RunTrace = { resumedFrom, read, batches, commits: [], crashBefore: plan?.crashBefore ?? null, suppressedLate: [], replayedResults: 0 };
    for (let position = 0; position <= batches.length; position++) {
      if (plan !== null && position === plan.crashBefore) break;
      if (plan !== null && plan.commitBefore.includes(position)) {
        const partitions = positions.commits(engine).sort((a, b) => a.partition - b.partition);
        for (const c of partitions) committed.set(c.partition, c);
        trace.commits.push({ position, partitions });
      }
      const out: EngineOutput[] = [];
      if (position < batches.length) {
        const indices = batches[position] as number[];
        const partition = routing.partitions[indices[0] as number] as number;
        const batch = rawBatch(partition, routing.offsets[indices[0] as number] as number, indices.length);
        let maxEventTimeMs = Number.NEGATIVE_INFINITY;
        indices.forEach((index, j) => {
          const event = events[index] as ClickEvent;
          if (event.eventTimeMs > maxEventTimeMs) maxEventTimeMs = event.eventTimeMs;
          const before = out.length;
          engine.onEvent(event, partition, out);
          for (let k = before; k < out.length; k++) {
            const o = out[k] as EngineOutput;
            if (o.kind !== 'late') continue;
            if (indexOf.get(o.event) !== index) throw new Error(`a late record of #${String(indexOf.get(o.event))} came out of #${index}`);
            if (positions.isReplay(batch, j)) trace.suppressedLate.push(index);
            else late.push({ run, index, partition, offset: routing.offsets[index] as number, windows: o.windows });
          }
        });
        positions.record(batch, maxEventTimeMs);
      } else {
        engine.onEndOfInput(out);
      }
      for (const o of out) {
        if (o.kind === 'result') results.push({ run, result: o });
        else if (position === batches.length) throw new Error('a late record at the end of input');
      }
    }
    runs.push({ ...trace, replayedResults: engine.stats.replayedResults });
    if (plan === null) return { results, late, runs };
  }
}

const timeText = (ms: number | null): string => (ms === null ? '-' : String(ms));

/** One partition's commit, for failure messages. */
export function commitText(c: PartitionCommit): string {
  const r = c.resume;
  return `p${c.partition} offset ${c.offset} processedUpTo ${r.processedUpTo} completeUpTo ${timeText(r.completeUpToMs)} maxEventTimeBefore ${timeText(r.maxEventTimeBeforeMs)}`;
}

/** The runs as text for failure messages: where each started, what it read, committed and where it crashed. */
export function describeRuns(outcome: ReplayOutcome): string {
  const at = (r: RunTrace, position: number): string => {
    const batch = r.batches[position];
    return batch === undefined ? 'end' : `#${batch[0] as number}`;
  };
  const batchText = (b: readonly number[]): string => (b.length === 1 ? `#${b[0] as number}` : `[${b.map((i) => `#${i}`).join(' ')}]`);
  return outcome.runs
    .map((r, run) => {
      const lines = [
        `run ${run}: ${r.resumedFrom === null ? 'from the start' : `resumed from [${r.resumedFrom.map(commitText).join('; ')}]`}`,
        `  read ${r.batches.map(batchText).join(' ')}`,
        ...r.commits.map((c) => `  commit before ${at(r, c.position)}: [${c.partitions.map(commitText).join('; ')}]`),
        `  ${r.crashBefore === null ? 'ran to the end' : `crash before ${at(r, r.crashBefore)}`}; late suppressed ${JSON.stringify(r.suppressedLate)}; replayedResults ${r.replayedResults}`,
      ];
      return lines.join('\n');
    })
    .join('\n');
}
