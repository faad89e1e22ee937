// Crash anywhere, restore from the last checkpoint, and the output files are those of a run that never stopped.

import fc from 'fast-check';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/adapters/checkpoint-stores/memory-store.js';
import { CommittedFileSink } from '../../src/adapters/sinks/committed-file.js';
import { NdjsonStreamSink } from '../../src/adapters/sinks/ndjson-stream.js';
import { ClickGenerator } from '../../src/adapters/sources/click-generator.js';
import { FileSource } from '../../src/adapters/sources/file.js';
import { validateJob } from '../../src/config/schema.js';
import type { JobSpec } from '../../src/config/job-spec.js';
import { ResultFormatter } from '../../src/core/emit/format-result.js';
import type { Clock } from '../../src/ports/clock.js';
import { silentLogger } from '../../src/ports/logger.js';
import type { Sink } from '../../src/ports/sink.js';
import type { Source } from '../../src/ports/source.js';
import { CheckpointCoordinator } from '../../src/runtime/checkpoint/checkpoint-coordinator.js';
import { CheckpointRepository } from '../../src/runtime/checkpoint/checkpoint-repository.js';
import { JobRunner } from '../../src/runtime/job-runner.js';
import { formatDeadLetter, formatLateRecord } from '../../src/runtime/side-records.js';
import { CrashingSource, ForwardingStore, steppingClock } from '../support/checkpoints.js';

const EVENTS = 12_000;

function jobOf(emit: 'final' | 'update'): JobSpec {
  const v = validateJob({
    name: 'crashy',
    source: { type: 'file', path: 'unused' },
    keyBy: ['user_id'],
    filter: "page != '/health'",
    windows: [
      { name: 'minute', tumbling: '1m' },
      { name: 'five', sliding: { size: '5m', slide: '1m' } },
      { name: 'day', calendar: { unit: 'day', timeZone: 'Asia/Shanghai' } },
      { name: 'visit', session: { gap: '45s' } },
      { name: 'last5', count: { size: 5, slide: 3 } },
      { name: 'running', global: { every: '2m' } },
    ],
    aggregations: ['count', 'sum(value)', 'mean(value)', 'max(value)', 'stdev(value)'],
    time: { maxOutOfOrderness: '300ms', allowedLateness: '500ms' },
    emit,
  });
  if (!v.ok) throw new Error(JSON.stringify(v.problems));
  return { ...v.spec, checkpoint: null };
}

/** A store that takes a little while per write and fails everything once the process has "died". */
class DyingStore extends ForwardingStore {
  isDead = false;
  constructor(inner: MemoryStore, private readonly delays: () => number) {
    super(inner, 'dying memory');
  }
  private async gate(): Promise<void> {
    await new Promise((r) => setTimeout(r, this.delays()));
    if (this.isDead) throw new Error('the process died');
  }
  override async put(key: string, chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<void> {
    const parts: Uint8Array[] = [];
    for await (const c of chunks) parts.push(c);
    await this.gate();
    await this.inner.put(key, parts);
  }
  override async delete(key: string): Promise<void> {
    await this.gate();
    await this.inner.delete(key);
  }
}

let dir = '';
let input = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tally-crash-'));
  input = join(dir, 'events.ndjson');
  const generator = new ClickGenerator({ eventsPerSecond: 40, users: 60, pages: 12, seed: 3, startTimeMs: Date.UTC(2026, 10, 23, 15), malformedFraction: 0.01 });
  const lines: string[] = [];
  for (let i = 0; i < EVENTS; i++) lines.push(generator.next());
  await writeFile(input, `${lines.join('\n')}\n`);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Outputs {
  readonly results: string;
  readonly dead: string;
  readonly late: string;
}

async function runOnce(job: JobSpec, outDir: string, source: Source, clock: Clock, committed: boolean, checkpoints?: CheckpointCoordinator): Promise<'finished' | 'crashed'> {
  const formatter = new ResultFormatter(job.emit === 'update');
  const file = <T>(name: string, format: (t: T) => string): Sink<T> =>
    committed ? new CommittedFileSink<T>(join(outDir, name), format) : NdjsonStreamSink.toFile<T>(join(outDir, name), format);
  const runner = new JobRunner(
    job,
    { name: job.name, maxRecordBytes: job.maxRecordBytes, updateIntervalMs: 1_000 },
    {
      source,
      results: file('results.ndjson', (r) => formatter.format(r)),
      deadLetters: file('dead.ndjson', formatDeadLetter),
      lateRecords: file('late.ndjson', formatLateRecord),
      clock,
      logger: silentLogger,
      ...(checkpoints === undefined ? {} : { checkpoints }),
    },
  );
  try {
    await runner.run();
    return 'finished';
  } catch (error) {
    if ((error as Error).message !== 'crash') throw error;
    return 'crashed';
  }
}

async function outputsOf(outDir: string): Promise<Outputs> {
  const [results, dead, late] = await Promise.all(['results.ndjson', 'dead.ndjson', 'late.ndjson'].map((f) => readFile(join(outDir, f), 'utf8')));
  return { results: results as string, dead: dead as string, late: late as string };
}

describe.each(['final', 'update'] as const)('crash and restore from checkpoints (%s mode)', (emit) => {
  const job = jobOf(emit);
  let expected: Outputs;

  beforeAll(async () => {
    const outDir = await mkdtemp(join(dir, 'whole-'));
    await runOnce(job, outDir, new FileSource(input, Number.POSITIVE_INFINITY, 16_384), steppingClock(), false);
    expected = await outputsOf(outDir);
  });

  it('has output worth comparing: results, dead letters and late records', () => {
    expect(expected.results.split('\n').length).toBeGreaterThan(1000);
    expect(expected.dead.length).toBeGreaterThan(0);
    expect(expected.late.length).toBeGreaterThan(0);
  });

  it('gives the outputs of an uninterrupted run after crashes at random batches, with checkpoint writes cut short', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 60 }), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 100, max: 1_500 }),
        fc.integer({ min: 0, max: 3 }),
        async (crashes, intervalMs, maxDelay) => {
          const outDir = await mkdtemp(join(dir, 'crashy-'));
          const memory = new MemoryStore();
          let delay = 0;
          const plan = [...crashes, Number.POSITIVE_INFINITY];
          for (const crashAfter of plan) {
            const store = new DyingStore(memory, () => (delay = (delay + 1) % (maxDelay + 1)));
            const coordinator = new CheckpointCoordinator(new CheckpointRepository(store), { intervalMs, retain: 2 }, silentLogger, steppingClock());
            const source = new CrashingSource(input, crashAfter, { chunkBytes: 16_384, onCrash: () => (store.isDead = true) });
            const outcome = await runOnce(job, outDir, source, steppingClock(), true, coordinator);
            await coordinator.settle();
            if (outcome === 'finished') break;
          }
          const got = await outputsOf(outDir);
          if (emit === 'final') expect(got.results).toBe(expected.results);
          else {
            // Update revisions come on processing-time flushes, which a restart moves: the final
            // results are the same, and every (window, start, key) shows revisions 0, 1, 2, … once each.
            // (A final result's revision number counts the updates before it, so it is left out.)
            const finals = (text: string): string[] => text.split('\n').filter((l) => l.includes('"final":true')).map((l) => l.replace(/"revision":\d+,/, ''));
            expect(finals(got.results)).toEqual(finals(expected.results));
            const next = new Map<string, number>();
            for (const line of got.results.split('\n').filter((l) => l !== '')) {
              const r = JSON.parse(line) as { window: string; start: number; key: unknown; window_index?: number; revision: number };
              const id = JSON.stringify([r.window, r.start, r.key, r.window_index ?? null]);
              expect(r.revision, id).toBe(next.get(id) ?? 0);
              next.set(id, r.revision + 1);
            }
          }
          expect(got.dead).toBe(expected.dead);
          expect(got.late).toBe(expected.late);
          expect((await readdir(outDir)).filter((f) => f.includes('pending'))).toEqual([]);
          await rm(outDir, { recursive: true, force: true });
        },
      ),
      { numRuns: 12 },
    );
  });
});
