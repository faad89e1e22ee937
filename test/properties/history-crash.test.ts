// Crash a checkpointed job anywhere: its results history ends up as that of a run that never stopped, with no result twice.

import fc from 'fast-check';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/adapters/checkpoint-stores/memory-store.js';
import { withHistory } from '../../src/adapters/history/history-sink.js';
import { LmdbResultsHistory } from '../../src/adapters/history/lmdb-history.js';
import { CommittedFileSink } from '../../src/adapters/sinks/committed-file.js';
import { MemorySink } from '../../src/adapters/sinks/memory.js';
import { ClickGenerator } from '../../src/adapters/sources/click-generator.js';
import { FileSource } from '../../src/adapters/sources/file.js';
import type { JobSpec } from '../../src/config/job-spec.js';
import { validateJob } from '../../src/config/schema.js';
import type { WindowResult } from '../../src/core/emit/outputs.js';
import { silentLogger } from '../../src/ports/logger.js';
import type { StoredResult } from '../../src/ports/results-history.js';
import type { Source } from '../../src/ports/source.js';
import { CheckpointCoordinator } from '../../src/runtime/checkpoint/checkpoint-coordinator.js';
import { CheckpointRepository } from '../../src/runtime/checkpoint/checkpoint-repository.js';
import { JobRunner } from '../../src/runtime/job-runner.js';
import type { DeadLetter, LateOutputRecord } from '../../src/runtime/side-records.js';
import { CrashingSource, steppingClock } from '../support/checkpoints.js';

const EVENTS = 6_000;

function jobOf(emit: 'final' | 'update'): JobSpec {
  const v = validateJob({
    name: 'crashy',
    source: { type: 'file', path: 'unused' },
    keyBy: ['user_id'],
    windows: [
      { name: 'minute', tumbling: '1m' },
      { name: 'visit', session: { gap: '45s' } },
      { name: 'last5', count: { size: 5, slide: 3 } },
      { name: 'running', global: { every: '2m' } },
    ],
    aggregations: ['count', 'sum(value)', 'max(value)'],
    time: { maxOutOfOrderness: '300ms', allowedLateness: '500ms' },
    emit,
  });
  if (!v.ok) throw new Error(JSON.stringify(v.problems));
  return { ...v.spec, checkpoint: null };
}

let dir = '';
let input = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tally-history-crash-'));
  input = join(dir, 'events.ndjson');
  const generator = new ClickGenerator({ eventsPerSecond: 20, users: 30, pages: 8, seed: 11, startTimeMs: Date.UTC(2026, 10, 23, 15) });
  const lines: string[] = [];
  for (let i = 0; i < EVENTS; i++) lines.push(generator.next());
  await writeFile(input, `${lines.join('\n')}\n`);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function runOnce(job: JobSpec, runDir: string, source: Source, checkpoints?: CheckpointCoordinator): Promise<'finished' | 'crashed'> {
  const history = LmdbResultsHistory.open({ path: join(runDir, 'history'), retainMs: 1e15 });
  const inner = checkpoints === undefined ? new MemorySink<WindowResult>() : new CommittedFileSink<WindowResult>(join(runDir, 'results.ndjson'), (r) => JSON.stringify(r.values));
  const runner = new JobRunner(
    job,
    { name: job.name, maxRecordBytes: job.maxRecordBytes, updateIntervalMs: 1_000 },
    {
      source,
      // A small pending limit, so that crashes also come with appends in flight.
      results: withHistory(inner, history, { maxPendingResults: 50 }),
      deadLetters: new MemorySink<DeadLetter>(),
      lateRecords: new MemorySink<LateOutputRecord>(),
      clock: steppingClock(),
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

/** What a reader can compare between runs: no sequence numbers or emission times, which depend on the run. */
function contentOf(results: readonly StoredResult[], finalOnly: boolean): string[] {
  return results
    .filter((r) => !finalOnly || r.isFinal)
    .map((r) => JSON.stringify([r.window, r.start, r.windowIndex, r.key, r.end, r.values, r.isFinal, finalOnly ? null : r.revision]))
    .sort();
}

async function historyOf(runDir: string, job: JobSpec): Promise<{ results: StoredResult[]; lastSequence: number }> {
  const history = LmdbResultsHistory.open({ path: join(runDir, 'history'), retainMs: 1e15 });
  try {
    return { results: [...history.since(0, 1_000_000)], lastSequence: history.stats().lastSequence };
  } finally {
    await history.close();
  }
}

describe.each(['final', 'update'] as const)('results history of a job that crashes and restores (%s mode)', (emit) => {
  const job = jobOf(emit);
  let expected: { results: StoredResult[]; lastSequence: number };

  beforeAll(async () => {
    const runDir = await mkdtemp(join(dir, 'whole-'));
    await runOnce(job, runDir, new FileSource(input, Number.POSITIVE_INFINITY, 8_192));
    expected = await historyOf(runDir, job);
  });

  it('has a history worth comparing', () => {
    expect(expected.results.length).toBeGreaterThan(500);
    expect(new Set(expected.results.map((r) => r.window))).toEqual(new Set(['minute', 'visit', 'last5', 'running']));
  });

  it('holds what an uninterrupted run holds after crashes at random batches', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 4 }), fc.integer({ min: 100, max: 1_000 }), async (crashes, intervalMs) => {
        const runDir = await mkdtemp(join(dir, 'crashy-'));
        const memory = new MemoryStore();
        for (const crashAfter of [...crashes, Number.POSITIVE_INFINITY]) {
          const coordinator = new CheckpointCoordinator(new CheckpointRepository(memory), { intervalMs, retain: 2 }, silentLogger, steppingClock());
          const outcome = await runOnce(job, runDir, new CrashingSource(input, crashAfter, { chunkBytes: 8_192 }), coordinator);
          await coordinator.settle();
          if (outcome === 'finished') break;
        }
        const got = await historyOf(runDir, job);
        if (emit === 'final') {
          // Results computed again after a restore are stored again identically: nothing new, no number used.
          expect(contentOf(got.results, false)).toEqual(contentOf(expected.results, false));
          expect(got.lastSequence).toBe(expected.lastSequence);
        } else {
          // Update revisions come on processing-time flushes, which a restart moves: the final results
          // are the same (their revision numbers count the updates before them, so they are left out).
          expect(contentOf(got.results, true)).toEqual(contentOf(expected.results, true));
        }
        await rm(runDir, { recursive: true, force: true });
      }),
      { seed: 20261123, numRuns: 8 },
    );
  });
});
