import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../adapters/checkpoint-stores/memory-store.js';
import { CommittedFileSink } from '../adapters/sinks/committed-file.js';
import { MemorySink } from '../adapters/sinks/memory.js';
import { configWindowCodec } from '../config/window-codec.js';
import { ResultFormatter } from '../core/emit/format-result.js';
import type { WindowResult } from '../core/emit/outputs.js';
import type { PipelineSpec } from '../core/operator/pipeline-spec.js';
import { EngineError } from '../core/errors.js';
import { silentLogger } from '../ports/logger.js';
import type { Assignment, PartitionCommit, RawBatch, ResumePoint, Source } from '../ports/source.js';
import { CheckpointCoordinator } from './checkpoint/checkpoint-coordinator.js';
import { CheckpointRepository } from './checkpoint/checkpoint-repository.js';
import { JobRunner } from './job-runner.js';
import type { DeadLetter, LateOutputRecord } from './side-records.js';

const MIN = 60_000;
const spec: PipelineSpec = {
  keyBy: ['user_id'],
  filter: null,
  windows: [{ kind: 'tumbling', name: 'per_minute', sizeMs: MIN, offsetMs: 0 }],
  aggregations: [{ fn: 'count', field: null }],
  time: { maxOutOfOrdernessMs: 0, allowedLatenessMs: 0, idleTimeoutMs: 30_000, retainSlicesMs: 0 },
  emit: 'final',
};

/** Three events a minute for twelve minutes, on partition 0 at offsets 0, 1, 2, … */
const records = Array.from({ length: 12 }, (_m, m) => [1, 2, 1].map((user, i) => JSON.stringify({ user_id: user, page: '/', timestamp: m * MIN + (i + 1) * 1_000 }))).flat();

/** What the consumer group holds: its commits, and how the next commit goes. */
class Group {
  readonly committed = new Map<number, { offset: number; resume: ResumePoint }>();
  mode: 'ok' | 'fail' | 'stale' = 'ok';

  assignment(): Assignment {
    const c = this.committed.get(0);
    return { kind: 'assignment', partitions: [{ partition: 0, offset: c?.offset ?? null, resume: c?.resume ?? null }] };
  }
}

/**
 * A consumer group's input of one partition, three records a batch, handed out as the test
 * releases them. reassign() makes the next item a new assignment: reading starts again from the
 * group's commit, as kafkajs does after a rebalance.
 */
class GroupInput implements Source {
  readonly description = 'test consumer group';
  readonly isBounded = true;
  private next = 0;
  private released = 0;
  private pendingAssignment = true;
  private wake: (() => void) | null = null;
  private stopped = false;

  constructor(private readonly group: Group) {}

  release(batches: number): void {
    this.released += batches * 3;
    this.wake?.();
  }

  reassign(): void {
    this.pendingAssignment = true;
    this.wake?.();
  }

  async *batches(): AsyncGenerator<RawBatch | Assignment> {
    while (!this.stopped) {
      if (this.pendingAssignment) {
        this.pendingAssignment = false;
        const assignment = this.group.assignment();
        this.next = assignment.partitions[0]?.offset ?? 0;
        yield assignment;
        continue;
      }
      if (this.next >= records.length) return;
      if (this.next >= this.released) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        continue;
      }
      const first = this.next;
      const batch = records.slice(first, first + 3);
      this.next += batch.length;
      yield { partition: 0, records: batch, positionOf: (j) => ({ kind: 'kafka', topic: 't', partition: 0, offset: String(first + j) }), offsets: { first, next: first + batch.length, offsetOf: (j) => first + j } };
    }
  }

  seekTo(offsets: readonly { partition: number; offset: number }[]): void {
    this.next = offsets[0]?.offset ?? 0;
  }

  async commit(commits: readonly PartitionCommit[]): Promise<boolean> {
    if (this.group.mode === 'fail') throw new EngineError('SOURCE_UNREACHABLE', 'the group coordinator is away');
    if (this.group.mode === 'stale') return false;
    for (const c of commits) this.group.committed.set(c.partition, { offset: c.offset, resume: c.resume });
    return true;
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }
}

function setUp(group: Group, dir: string, store: MemoryStore) {
  const source = new GroupInput(group);
  const formatter = new ResultFormatter(false);
  const results = new CommittedFileSink<WindowResult>(join(dir, 'results.ndjson'), (r) => formatter.format(r));
  const checkpoints = new CheckpointCoordinator(new CheckpointRepository(store), { intervalMs: 3_600_000, retain: 1 }, silentLogger, { now: () => 0 });
  const runner = new JobRunner(
    spec,
    { name: 't', maxRecordBytes: 1000, updateIntervalMs: 1000 },
    { source, results, deadLetters: new MemorySink<DeadLetter>(), lateRecords: new MemorySink<LateOutputRecord>(), clock: { now: () => 0 }, logger: silentLogger, checkpoints, windowCodec: configWindowCodec },
  );
  return { source, runner, control: runner.control };
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

const published = (dir: string): string[] => readFileSync(join(dir, 'results.ndjson'), 'utf8').split('\n').filter((l) => l !== '');

/** The results file of a run with no trouble. */
async function uninterrupted(): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'tally-group-'));
  const { source, runner } = setUp(new Group(), dir, new MemoryStore());
  source.release(records.length);
  expect((await runner.run()).state).toBe('finished');
  return published(dir);
}

describe('a consumer group job with committed file outputs', () => {
  it('publishes a checkpoint only once its positions are committed; one that could not be commits and publishes with the next', async () => {
    const expected = await uninterrupted();
    expect(expected.length).toBe(24);
    const dir = mkdtempSync(join(tmpdir(), 'tally-group-'));
    const group = new Group();
    const { source, runner, control } = setUp(group, dir, new MemoryStore());
    const done = runner.run();
    source.release(4);
    await until(() => control.overview().counts.records === 12);
    group.mode = 'fail';
    await control.checkpoint();
    // Stored, not committed: nothing is published, and the group has no commit.
    expect(published(dir)).toEqual([]);
    expect(group.committed.size).toBe(0);
    group.mode = 'ok';
    source.release(2);
    await until(() => control.overview().counts.records === 18);
    await control.checkpoint();
    // The second checkpoint published the first one's output with its own: minutes 0 to 4 are closed.
    expect(published(dir)).toEqual(expected.slice(0, 10));
    expect(group.committed.get(0)?.resume.processedUpTo).toBe(18);
    source.release(100);
    expect((await done).state).toBe('finished');
    expect(published(dir)).toEqual(expected);
    expect(readdirSync(dir).filter((f) => f.includes('.pending-'))).toEqual([]);
  });

  it('drops the output of a checkpoint made stale by a reassignment; the new assignment computes it again, once', async () => {
    const expected = await uninterrupted();
    const dir = mkdtempSync(join(tmpdir(), 'tally-group-'));
    const group = new Group();
    const { source, runner, control } = setUp(group, dir, new MemoryStore());
    const done = runner.run();
    source.release(3);
    await until(() => control.overview().counts.records === 9);
    await control.checkpoint();
    expect(published(dir)).toEqual(expected.slice(0, 4));
    source.release(3);
    await until(() => control.overview().counts.records === 18);
    group.mode = 'stale';
    await control.checkpoint();
    expect(published(dir)).toEqual(expected.slice(0, 4));
    group.mode = 'ok';
    // The group reassigns: reading starts again from the first checkpoint's commit.
    source.reassign();
    source.release(100);
    expect((await done).state).toBe('finished');
    expect(published(dir)).toEqual(expected);
  });

  it('after a crash, brings the file to the checkpoint the group committed and restores that one, not a newer one it never committed', async () => {
    const expected = await uninterrupted();
    const dir = mkdtempSync(join(tmpdir(), 'tally-group-'));
    const store = new MemoryStore();
    const group = new Group();
    const first = setUp(group, dir, store);
    const done = first.runner.run();
    first.source.release(4);
    await until(() => first.control.overview().counts.records === 12);
    await first.control.checkpoint();
    const committedAt = group.committed.get(0);
    first.source.release(3);
    await until(() => first.control.overview().counts.records === 21);
    // Stored but never committed: the coordinator is away until the "crash" (the stop's own last
    // checkpoint fails to commit too, and its output stays pending, as after a kill).
    group.mode = 'fail';
    await first.control.checkpoint();
    first.runner.stop();
    await done;
    expect(group.committed.get(0)).toEqual(committedAt);
    expect(published(dir)).toEqual(expected.slice(0, 6));
    expect(readdirSync(dir).filter((f) => f.includes('.pending-')).length).toBeGreaterThan(0);

    group.mode = 'ok';
    const second = setUp(group, dir, store);
    second.source.release(100);
    const status = await second.runner.run();
    expect(status.state).toBe('finished');
    expect(status.checkpoint?.restoredFrom).toBe(1);
    expect(published(dir)).toEqual(expected);
    expect(readdirSync(dir).filter((f) => f.includes('.pending-'))).toEqual([]);
  });
});
