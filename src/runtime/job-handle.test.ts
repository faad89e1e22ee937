import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../adapters/checkpoint-stores/memory-store.js';
import { MemorySink } from '../adapters/sinks/memory.js';
import { configWindowCodec } from '../config/window-codec.js';
import type { WindowResult } from '../core/emit/outputs.js';
import type { PipelineSpec } from '../core/operator/pipeline-spec.js';
import { silentLogger } from '../ports/logger.js';
import type { Assignment, RawBatch, ResumePosition, Source } from '../ports/source.js';
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
  time: { maxOutOfOrdernessMs: 0, allowedLatenessMs: 0, idleTimeoutMs: 30_000, retainSlicesMs: 10 * MIN },
  emit: 'final',
};

const line = (user: number, t: number): string => JSON.stringify({ user_id: user, page: '/', timestamp: t });

/** Batches handed out one by one when the test releases them; resumes by batch number. */
class GatedSource implements Source {
  readonly description = 'gated test input';
  readonly isBounded = true;
  private next = 0;
  private released = 0;
  private wake: (() => void) | null = null;
  private stopped = false;
  /** Batches the job has taken. */
  taken = 0;

  constructor(private readonly all: readonly (readonly string[])[]) {}

  release(n: number): void {
    this.released += n;
    this.wake?.();
  }

  async resumeFrom(position: ResumePosition): Promise<void> {
    this.next = position.next as number;
    this.released = Math.max(this.released, this.next);
  }

  async *batches(): AsyncGenerator<RawBatch> {
    while (this.next < this.all.length && !this.stopped) {
      while (this.next >= this.released && !this.stopped) await new Promise<void>((resolve) => (this.wake = resolve));
      if (this.stopped) return;
      const i = this.next++;
      const records = this.all[i] as readonly string[];
      this.taken++;
      yield { partition: 0, records, positionOf: (j) => ({ kind: 'generator', sequence: i * 1000 + j }), resumeAfter: { next: i + 1 } };
    }
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }
}

function setUp(source: Source, store: MemoryStore = new MemoryStore(), pipeline: PipelineSpec = spec) {
  const results = new MemorySink<WindowResult>();
  const checkpoints = new CheckpointCoordinator(new CheckpointRepository(store), { intervalMs: 3_600_000, retain: 3 }, silentLogger, { now: () => 0 });
  const runner = new JobRunner(
    pipeline,
    { name: 't', maxRecordBytes: 1000, updateIntervalMs: 1000 },
    { source, results, deadLetters: new MemorySink<DeadLetter>(), lateRecords: new MemorySink<LateOutputRecord>(), clock: { now: () => 0 }, logger: silentLogger, checkpoints, windowCodec: configWindowCodec },
  );
  return { runner, results, store, control: runner.control };
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

/** Ten batches, one minute of event time each, two users. */
const input = Array.from({ length: 10 }, (_b, b) => [line(1, b * MIN + 1_000), line(2, b * MIN + 2_000), line(1, b * MIN + 30_000)]);

describe('JobHandle', () => {
  it('pauses between batches: a batch that arrives waits, commands still run, and resume processes it', async () => {
    const source = new GatedSource(input);
    const { runner, control } = setUp(source);
    const done = runner.run();
    source.release(2);
    await until(() => control.overview().counts.records === 6);
    await control.pause();
    source.release(1);
    await until(() => source.taken === 3);
    // A command while paused runs (the batch in hand stays unprocessed).
    expect(control.windows().map((w) => w.spec.name)).toEqual(['per_minute']);
    await control.addWindow({ name: 'five', tumbling: '5m' });
    expect(control.overview()).toMatchObject({ paused: true, counts: { records: 6 }, definitionVersion: 1 });
    await control.resume();
    await until(() => control.overview().counts.records === 9);
    expect(control.overview().paused).toBe(false);
    runner.stop();
    await done;
    await expect(control.pause()).rejects.toThrow(/the job is stopped/);
  });

  it('keeps changes in checkpoints: a restart goes on with the changed definition and its exact-from times', async () => {
    const source = new GatedSource(input);
    const first = setUp(source);
    const done = first.runner.run();
    source.release(4);
    await until(() => first.control.overview().counts.records === 12);
    const change = await first.control.updateWindow('per_minute', { tumbling: '2m' });
    expect(change).toMatchObject({ version: 1, op: 'update-window', window: 'per_minute', exactFromMs: { per_minute: 2 * MIN }, mixed: [] });
    await first.control.setFilter('user_id == 1');
    const report = await first.control.checkpoint();
    expect(report.id).toBe(1);
    first.runner.stop();
    await done;

    const again = new GatedSource(input);
    again.release(10);
    const second = setUp(again, first.store);
    const status = await second.runner.run();
    expect(status.state).toBe('finished');
    expect(second.control.changes().map((c) => c.op)).toEqual(['update-window', 'set-filter']);
    expect(second.control.filter()).toBe('user_id == 1');
    expect(second.control.windows()).toMatchObject([{ spec: { name: 'per_minute', sizeMs: 2 * MIN }, version: 2, exactFromMs: 4 * MIN }]);
    // From the restored definition on: 2-minute windows of user 1 only, from its exact-from time.
    const rows = second.results.items.map((r) => [r.start, r.end - r.start, r.key.key['user_id'], r.values[0]]);
    expect(rows).toEqual([4, 6, 8].map((m) => [m * MIN, 2 * MIN, 1, 4]));
  });

  it("keeps a window's own aggregations and filter in checkpoints: a restart computes and names its outputs so", async () => {
    const source = new GatedSource(input);
    const first = setUp(source);
    const done = first.runner.run();
    source.release(4);
    await until(() => first.control.overview().counts.records === 12);
    const change = await first.control.updateWindow('per_minute', { aggregations: ['count', 'max(timestamp)'], filter: 'user_id == 2' });
    expect(change.exactFromMs).toEqual({ per_minute: 4 * MIN });
    expect(first.control.windows()[0]?.outputs).toEqual(['count', 'max_timestamp']);
    await first.control.checkpoint();
    first.runner.stop();
    await done;

    const again = new GatedSource(input);
    again.release(10);
    const second = setUp(again, first.store);
    expect((await second.runner.run()).state).toBe('finished');
    expect(second.control.windows()[0]).toMatchObject({ spec: { filter: 'user_id == 2', aggregations: [{ fn: 'count', field: null }, { fn: 'max', field: 'timestamp' }] }, outputs: ['count', 'max_timestamp'] });
    // User 2 only, one click a minute, with its own outputs.
    expect(second.results.items.map((r) => [r.start, r.key.key['user_id'], r.names, r.values])).toEqual(
      [4, 5, 6, 7, 8, 9].map((m) => [m * MIN, 2, ['count', 'max_timestamp'], [1, m * MIN + 2_000]]),
    );
  });

  it('refuses what cannot be: an unknown window, a taken name, the only window, a bad filter, a checkpointless job', async () => {
    const source = new GatedSource(input);
    const { runner, control } = setUp(source);
    const done = runner.run();
    await expect(control.updateWindow('nope', { tumbling: '5m' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(control.addWindow({ name: 'per_minute', tumbling: '5m' })).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(control.deleteWindow('per_minute')).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(control.setFilter('page ==')).rejects.toMatchObject({ code: 'FILTER_SYNTAX' });
    await expect(control.addWindow({ name: 'w', tumbling: '0s' })).rejects.toMatchObject({ code: 'CONFIG_INVALID_WINDOW', message: expect.stringContaining('greater than 0') });
    await expect(control.updateWindow('per_minute', { sliding: { size: '1m', slide: '2m' } })).rejects.toMatchObject({ message: expect.stringContaining('must not exceed size') });
    await expect(control.updateWindow('per_minute', { name: 'other' })).rejects.toMatchObject({ path: 'name' });
    for (let i = 1; i < 64; i++) await control.addWindow({ name: `w${i}`, tumbling: `${i}m` });
    await expect(control.addWindow({ name: 'one_more', tumbling: '1h' })).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('64 windows') });
    for (let i = 1; i < 64; i++) await control.deleteWindow(`w${i}`);
    expect(control.changes()).toHaveLength(126);
    source.release(10);
    await done;
  });

  it('does not lose a command enqueued right after another one completes (quiet input)', async () => {
    for (const hops of [0, 1, 2, 3]) {
      const source = new GatedSource(input);
      const { runner, control } = setUp(source);
      const done = runner.run();
      source.release(1);
      await until(() => control.overview().counts.records === 3);
      await control.pause();
      for (let i = 0; i < hops; i++) await null;
      // Would wait for the next batch, which never comes until it resumes.
      await control.resume();
      runner.stop();
      await done;
    }
  });

  it('stores in a checkpoint the changes of its own moment, not one made while it is written', async () => {
    const store = new HeldStore();
    const source = new GatedSource(input);
    const first = setUp(source, store);
    const done = first.runner.run();
    source.release(3);
    await until(() => first.control.overview().counts.records === 9);
    store.hold();
    const checkpoint = first.control.checkpoint();
    await first.control.addWindow({ name: 'five', tumbling: '5m' });
    await expect(first.control.checkpoint()).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('being written') });
    store.release();
    await checkpoint;
    first.runner.stop();
    await done;
    // The checkpoint at the stop holds the change; the one before did not, and still restores.
    await store.delete('checkpoints/chk-0000000002/manifest.json');
    const again = new GatedSource(input);
    again.release(10);
    const second = setUp(again, store);
    expect((await second.runner.run()).checkpoint?.restoredFrom).toBe(1);
    expect(second.control.windows().map((w) => w.spec.name)).toEqual(['per_minute']);
  });

  it('a consumer-group job restored from a checkpoint goes on with the changes it holds', async () => {
    const withCount: PipelineSpec = { ...spec, windows: [...spec.windows, { kind: 'count', name: 'every3', size: 3, slide: 3 }] };
    const source = new GroupSource(input);
    const first = setUp(source, new MemoryStore(), withCount);
    const done = first.runner.run();
    source.release(3);
    await until(() => first.control.overview().counts.records === 9);
    await first.control.deleteWindow('every3');
    await first.control.setFilter('user_id == 1');
    first.runner.stop();
    await done;

    const again = new GroupSource(input);
    const second = setUp(again, first.store, withCount);
    const run = second.runner.run();
    again.release(10);
    await until(() => second.control.overview().counts.records >= 9);
    expect(second.control.overview().checkpoint?.restoredFrom).not.toBeNull();
    expect(second.control.filter()).toBe('user_id == 1');
    expect(second.control.windows().map((w) => w.spec.name)).toEqual(['per_minute']);
    expect(second.control.changes()).toHaveLength(2);
    second.runner.stop();
    await run;
  });
});

/** A memory store whose next put waits until released (a slow store, to change the job meanwhile). */
class HeldStore extends MemoryStore {
  private gate: Promise<void> | null = null;
  private open: () => void = () => {};

  hold(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }

  release(): void {
    this.open();
  }

  override async put(key: string, chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<void> {
    const gate = this.gate;
    this.gate = null;
    if (gate !== null) await gate;
    return super.put(key, chunks);
  }
}

/** A consumer group's input: one assignment of partition 0, then batches with offsets; seekTo resumes. */
class GroupSource implements Source {
  readonly description = 'test consumer group';
  readonly isBounded = false;
  private stopped = false;
  private wake: (() => void) | null = null;
  private released = 0;
  private next = 0;

  constructor(private readonly all: readonly (readonly string[])[]) {}

  release(n: number): void {
    this.released += n;
    this.wake?.();
  }

  async *batches(): AsyncGenerator<RawBatch | Assignment> {
    yield { kind: 'assignment', partitions: [{ partition: 0, offset: null, resume: null }] };
    while (!this.stopped) {
      while ((this.next >= this.released || this.next >= this.all.length) && !this.stopped) await new Promise<void>((resolve) => (this.wake = resolve));
      if (this.stopped) return;
      const i = this.next++;
      const records = this.all[i] as readonly string[];
      const first = i * 10;
      yield { partition: 0, records, positionOf: (j) => ({ kind: 'kafka', topic: 't', partition: 0, offset: String(first + j) }), offsets: { first, next: first + records.length, offsetOf: (j) => first + j } };
    }
  }

  seekTo(offsets: readonly { partition: number; offset: number }[]): void {
    this.next = Math.floor((offsets[0]?.offset ?? 0) / 10);
  }

  async commit(): Promise<void> {}

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }
}
