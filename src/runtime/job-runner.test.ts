import { describe, expect, it } from 'vitest';
import { MemorySink } from '../adapters/sinks/memory.js';
import { MemorySource } from '../adapters/sources/memory.js';
import type { WindowResult } from '../core/emit/outputs.js';
import type { PipelineSpec } from '../core/operator/pipeline-spec.js';
import type { Clock } from '../ports/clock.js';
import { silentLogger } from '../ports/logger.js';
import type { RawBatch, Source } from '../ports/source.js';
import { JobRunner, PARSE_AHEAD, resultsOf, type Timer } from './job-runner.js';
import type { DeadLetter, LateOutputRecord } from './side-records.js';

const spec = (emit: 'final' | 'update' = 'final'): PipelineSpec => ({
  keyBy: ['user_id'],
  filter: null,
  windows: [{ kind: 'tumbling', name: 'per_minute', sizeMs: 60_000, offsetMs: 0 }],
  aggregations: [{ fn: 'count', field: null }],
  time: { maxOutOfOrdernessMs: 0, allowedLatenessMs: 0, idleTimeoutMs: 30_000 },
  emit,
});

const line = (user: number, t: number): string => JSON.stringify({ user_id: user, page: '/', timestamp: t });

function setUp(source: Source, emit: 'final' | 'update' = 'final', clock: Clock = { now: () => 0 }, timer?: Timer) {
  const io = {
    ...(timer === undefined ? {} : { timer }),
    source,
    results: new MemorySink<WindowResult>(),
    deadLetters: new MemorySink<DeadLetter>(),
    lateRecords: new MemorySink<LateOutputRecord>(),
    clock,
    logger: silentLogger,
  };
  const runner = new JobRunner(spec(emit), { name: 't', maxRecordBytes: 200, updateIntervalMs: 1000 }, io);
  return { runner, io };
}

describe('JobRunner', () => {
  it('runs a bounded source to the end, closing every window, and closes the sinks', async () => {
    const { runner, io } = setUp(new MemorySource([line(1, 0), line(1, 1000), line(2, 61_000)], 2));
    const status = await runner.run();
    expect(status.state).toBe('finished');
    expect(io.results.items.map((r) => [r.start, r.key.key, r.values[0]])).toEqual([
      [0, { user_id: 1 }, 2],
      [60_000, { user_id: 2 }, 1],
    ]);
    expect([io.results.isClosed, io.deadLetters.isClosed, io.lateRecords.isClosed]).toEqual([true, true, true]);
  });

  it('writes each bad record with its reason, raw text and position, and counts blank lines apart', async () => {
    const { runner, io } = setUp(new MemorySource([line(1, 0), '', '   ', 'nope', `{"user_id":1,"page":"${'x'.repeat(300)}","timestamp":0}`], 10));
    const status = await runner.run();
    expect(io.deadLetters.items.map((d) => [d.reason, d.raw, d.position])).toEqual([
      ['NOT_JSON', 'nope', { kind: 'generator', sequence: 3 }],
      ['TOO_LARGE', expect.stringContaining('xxx'), { kind: 'generator', sequence: 4 }],
    ]);
    expect([status.records, status.blankLines, status.badRecords, status.engine.events]).toEqual([5, 2, 2, 1]);
  });

  it('writes a late record with the windows it missed, its raw text and position', async () => {
    const { runner, io } = setUp(new MemorySource([line(1, 120_000), line(1, 5_000)], 10));
    await runner.run();
    expect(io.lateRecords.items).toEqual([
      { windows: ['per_minute'], eventTimeMs: 5_000, watermarkMs: 120_000, raw: line(1, 5_000), position: { kind: 'generator', sequence: 1 } },
    ]);
  });

  it('in update mode emits changed windows once the update interval of processing time has passed', async () => {
    let now = 0;
    const batches: RawBatch[] = [0, 1, 2].map((i) => ({ partition: 0, records: [line(1, i * 1000)], positionOf: () => ({ kind: 'stdin', line: i }) }));
    const source: Source = {
      description: 'test',
      isBounded: true,
      async *batches() {
        for (const b of batches) {
          yield b;
          now += 600;
        }
      },
      stop() {},
    };
    const { runner, io } = setUp(source, 'update', { now: () => now });
    await runner.run();
    // The clock reads 0, 600, 1200 ms after the three batches: one flush, after the third; then
    // the window closes at the end of input and its final revision follows.
    expect(io.results.items.map((r) => [r.values[0], r.revision, r.isFinal])).toEqual([
      [3, 0, false],
      [3, 1, true],
    ]);
  });

  it('stops early on stop(): open windows stay open and the state is stopped', async () => {
    let runner: JobRunner | null = null;
    const source: Source = {
      description: 'endless',
      isBounded: false,
      async *batches() {
        for (let i = 0; ; i++) {
          yield { partition: 0, records: [line(1, i * 1000)], positionOf: () => ({ kind: 'stdin', line: i }) };
          if (i === 99) runner?.stop();
          if (stopped) return;
        }
      },
      stop() {
        stopped = true;
      },
    };
    let stopped = false;
    const set = setUp(source);
    runner = set.runner;
    const status = await runner.run();
    expect(status.state).toBe('stopped');
    expect(status.engine.events).toBe(100);
    // 100 s of events: the first minute closed, the second is still open and not emitted.
    expect(set.io.results.items.map((r) => r.values[0])).toEqual([60]);
  });

  it('fails when an output cannot be flushed at close: nothing is lost silently', async () => {
    const { runner, io } = setUp(new MemorySource([line(1, 0)], 1));
    io.results.close = async () => {
      throw new Error('ENOSPC');
    };
    await expect(runner.run()).rejects.toThrow('ENOSPC');
    expect(runner.status()).toMatchObject({ state: 'failed', error: 'ENOSPC' });
  });

  it('fails with the sink error and says so in its status', async () => {
    const { runner, io } = setUp(new MemorySource([line(1, 0), line(1, 70_000)], 1));
    io.results.write = async () => {
      throw new Error('disk full');
    };
    await expect(runner.run()).rejects.toThrow('disk full');
    expect(runner.status()).toMatchObject({ state: 'failed', error: 'disk full' });
  });

  it('parses large batches ahead of the engine with the same results, dead letters and late records as one line at a time', async () => {
    // Bad, blank and late lines on both sides of each run of PARSE_AHEAD lines, and a watermark
    // that closes windows in the middle of a run.
    const lines: string[] = [];
    for (let i = 0; i < 2 * PARSE_AHEAD + 700; i++) {
      const edge = i % PARSE_AHEAD;
      if (edge === 0 || i % 97 === 5) lines.push('nope');
      else if (edge === PARSE_AHEAD - 1 || i % 89 === 3) lines.push('  ');
      else if (edge === 1 || i % 83 === 7) lines.push(line(i % 5, Math.max(0, i * 100 - 90_000)));
      else lines.push(line(i % 7, i * 100));
    }
    const run = async (batchSize: number) => {
      const { runner, io } = setUp(new MemorySource(lines, batchSize));
      const status = await runner.run();
      return {
        counts: [status.records, status.blankLines, status.badRecords, status.engine.events, status.engine.lateRecords],
        results: io.results.items.map((r) => [r.start, r.key.key, r.values]),
        deadLetters: io.deadLetters.items.map((d) => [d.reason, d.raw, d.position]),
        late: io.lateRecords.items,
      };
    };
    const whole = await run(lines.length);
    expect(whole.late.length).toBeGreaterThan(10);
    expect(whole.deadLetters.length).toBeGreaterThan(10);
    expect(whole.deadLetters).toContainEqual(['NOT_JSON', 'nope', { kind: 'generator', sequence: PARSE_AHEAD }]);
    expect(whole.late.map((l) => l.position)).toContainEqual({ kind: 'generator', sequence: PARSE_AHEAD + 1 });
    expect(whole).toEqual(await run(1));
  });
});

describe('JobRunner idle partitions', () => {
  it('stops waiting for a partition that has sent nothing for the idle timeout', async () => {
    let now = 0;
    const batch = (partition: number, t: number): RawBatch => ({ partition, records: [line(1, t)], positionOf: () => ({ kind: 'stdin', line: 0 }) });
    const source: Source = {
      description: 'two partitions',
      isBounded: false,
      async *batches() {
        yield batch(0, 0);
        yield batch(1, 1_000);
        // Partition 1 goes quiet; partition 0 moves on for 40 s of processing time.
        for (let i = 1; i <= 4; i++) {
          now += 10_000;
          yield batch(0, i * 60_000);
        }
      },
      stop() {},
    };
    const { runner, io } = setUp(source, 'final', { now: () => now });
    await runner.run();
    // Without the idle timeout (30 s) partition 1 would hold the watermark at 1 s and close nothing.
    expect(io.results.items.map((r) => r.start)).toEqual([0, 60_000, 120_000, 180_000]);
  });
});

describe('JobRunner timers', () => {
  const tick = async (): Promise<void> => {
    for (let i = 0; i < 20; i++) await Promise.resolve();
  };

  it('in update mode flushes changed windows while the source waits for input', async () => {
    let now = 0;
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const batchOf = (l: string): RawBatch => ({ partition: 0, records: [l], positionOf: () => ({ kind: 'stdin', line: 1 }) });
    const source: Source = {
      description: 'slow',
      isBounded: true,
      async *batches() {
        yield batchOf(line(1, 0));
        await gate;
        yield batchOf(line(1, 1000));
      },
      stop() {},
    };
    const fire: (() => void)[] = [];
    const timer: Timer = () => {
      let resolve: () => void = () => {};
      const promise = new Promise<void>((r) => (resolve = r));
      fire.push(resolve);
      return { promise, cancel() {} };
    };
    const { runner, io } = setUp(source, 'update', { now: () => now }, timer);
    const done = runner.run();
    await tick();
    expect(io.results.items).toEqual([]);
    now = 1500;
    fire[fire.length - 1]?.();
    await tick();
    expect(io.results.items.map((r) => [r.values[0], r.revision, r.isFinal])).toEqual([[1, 0, false]]);
    release();
    await done;
    expect(io.results.items.map((r) => [r.values[0], r.revision, r.isFinal])).toEqual([
      [1, 0, false],
      [2, 1, true],
    ]);
  });
});

describe('resultsOf', () => {
  const result = (start: number): WindowResult => ({
    kind: 'result', window: 'w', windowKind: 'tumbling', start, end: start + 1, key: { id: 0, key: {}, keyJson: '{}' }, names: ['count'], values: [1], revision: 0, isFinal: true, windowIndex: null,
  });
  const late = { kind: 'late', event: { kind: 'event', eventTimeMs: 0, fields: {} }, windows: ['w'], watermarkMs: 5 } as const;

  it('hands back the outputs themselves when they are all results, and the results in order otherwise', () => {
    const onlyResults = [result(1), result(2)];
    expect(resultsOf(onlyResults)).toBe(onlyResults);
    expect(resultsOf([])).toEqual([]);
    const mixed = [result(1), late, result(2), late, result(3)];
    expect(resultsOf(mixed)).toEqual([result(1), result(2), result(3)]);
    expect(resultsOf([late])).toEqual([]);
  });
});
