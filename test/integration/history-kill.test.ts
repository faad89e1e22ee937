// kill -9 a `tally run` with checkpoints and a results history at random moments: after the last restart the
// history holds what an uninterrupted run's holds, every window instance once, with equal values.

import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LmdbResultsHistory } from '../../src/adapters/history/lmdb-history.js';
import { writeGeneratedClicks } from '../../src/main.js';
import type { StoredResult } from '../../src/ports/results-history.js';
import { killRepeatedly, killSeed } from './checkpoint/kill-support.js';
import { readNdjson, runTally } from './cli-support.js';

const SEED = killSeed();
const WINDOWS = ['minute', 'visit', 'day', 'last50', 'shop'] as const;
const RETAIN_MS = 3650 * 86_400_000;

/**
 * Several window kinds (sessions keep their row as they grow, count windows are told apart by their
 * index) and a window with aggregations of its own, so rows carry different output names.
 */
const JOB = [
  'name: history-kill',
  'source: { type: file, path: events.ndjson }',
  'keyBy: [user_id]',
  'windows:',
  '  - { name: minute, tumbling: 1m }',
  '  - { name: visit, session: { gap: 5m } }',
  '  - { name: day, calendar: { unit: day, timeZone: Asia/Shanghai } }',
  '  - { name: last50, count: { size: 50, slide: 50 } }',
  "  - { name: shop, tumbling: 5m, filter: \"page startsWith '/shop'\", aggregations: [count, max(duration_ms)] }",
  'aggregations: [count, sum(value), max(value)]',
  'time: { maxOutOfOrderness: 1s, allowedLateness: 500ms }',
  'sink: { type: file, path: out/results.ndjson }',
  'deadLetter: out/bad.ndjson',
  'lateOutput: out/late.ndjson',
  'checkpoint: { store: file://./state, interval: 500ms, retain: 2 }',
  'history: { retain: 3650d }',
  '',
].join('\n');

/**
 * 2M generated clicks of 2,000 users (some out of order, some malformed): a few seconds of work per
 * run on an idle machine, with checkpoints small enough to be stored within a second or two.
 */
async function writeClicks(path: string): Promise<void> {
  const out = createWriteStream(path);
  await writeGeneratedClicks({ events: 2_000_000, eventsPerSecond: 2_000, users: 2_000, pages: 200, seed: 7, startTimeMs: Date.UTC(2026, 10, 23) }, out);
  out.end();
  await new Promise<void>((resolve, reject) => out.on('finish', resolve).on('error', reject));
}

let dir = '';

async function prepareRun(name: string): Promise<string> {
  const runDir = join(dir, name);
  await mkdir(runDir);
  await symlink(join(dir, 'events.ndjson'), join(runDir, 'events.ndjson'));
  await writeFile(join(runDir, 'job.yaml'), JOB);
  return runDir;
}

/** A window instance's identity in the history: window, start, window index and key. */
const instanceOf = (r: Pick<StoredResult, 'window' | 'start' | 'windowIndex' | 'key'>): string => JSON.stringify([r.window, r.start, r.windowIndex, r.key]);

interface HistoryContent {
  /** Each instance's stored result without what depends on processing time (sequence, storedAtMs). */
  readonly rows: Map<string, string>;
  readonly duplicates: string[];
  readonly count: number;
  readonly lastSequence: number;
  /** Rows `since(0, …)` walks, in sequence order. */
  readonly bySequence: number;
}

/** Every row of the history at `<runDir>/state/history`, read through the window queries and the sequence walk. */
async function readHistory(runDir: string): Promise<HistoryContent> {
  const history = LmdbResultsHistory.open({ path: join(runDir, 'state', 'history'), retainMs: RETAIN_MS });
  try {
    const rows = new Map<string, string>();
    const duplicates: string[] = [];
    for (const window of WINDOWS) {
      let cursor: string | null = null;
      do {
        const page = history.query({ window, order: 'oldest', limit: 10_000, ...(cursor === null ? {} : { cursor }) });
        for (const r of page.results) {
          const id = instanceOf(r);
          if (rows.has(id)) duplicates.push(id);
          rows.set(id, JSON.stringify([r.windowKind, r.end, r.values, r.revision, r.isFinal]));
        }
        cursor = page.nextCursor;
      } while (cursor !== null);
    }
    let bySequence = 0;
    let after = 0;
    for (;;) {
      const batch = history.since(after, 10_000);
      if (batch.length === 0) break;
      bySequence += batch.length;
      after = (batch[batch.length - 1] as StoredResult).sequence;
    }
    const stats = history.stats();
    return { rows, duplicates, count: stats.count, lastSequence: stats.lastSequence, bySequence };
  } finally {
    await history.close();
  }
}

let reference: HistoryContent | null = null;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tally-history-kill-'));
  await writeClicks(join(dir, 'events.ndjson'));
  const referenceDir = await prepareRun('reference');
  const run = await runTally(['run', 'job.yaml'], { cwd: referenceDir });
  expect(run.code, run.stderr.slice(-2000)).toBe(0);
  reference = await readHistory(referenceDir);
  // Worth comparing: every window has rows, and the history holds every result written to the sink.
  const written = readNdjson(join(referenceDir, 'out', 'results.ndjson'));
  expect(reference.count).toBe(written.length);
  expect(reference.rows.size).toBe(reference.count);
  for (const window of WINDOWS) expect([...reference.rows.keys()].some((id) => id.startsWith(`["${window}",`)), window).toBe(true);
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe(`kill -9 and restart a job with a results history (seed ${SEED}; TALLY_KILL_SEED repeats it)`, () => {
  it('ends with the history of an uninterrupted run: no instance missing or twice, equal values, none stored twice', async () => {
    const killedDir = await prepareRun('killed');
    // A run is killed 0–0.8 s after its first checkpoint is stored (a busy disk can take seconds to
    // store one), else at the latest 8 s after its start.
    const report = await killRepeatedly(killedDir, 4, SEED, {}, { afterCheckpointCapMs: 8_000 });
    expect(report.kills).toBe(4);
    // The restarts went on from checkpoints, so they computed again results the history already had.
    expect(report.restoredFrom.length).toBeGreaterThan(0);

    const want = reference as HistoryContent;
    const got = await readHistory(killedDir);
    expect(got.duplicates).toEqual([]);
    const wrong: string[] = [];
    for (const [id, row] of want.rows) {
      const other = got.rows.get(id);
      if (other === undefined) wrong.push(`${id} is missing`);
      else if (other !== row) wrong.push(`${id}: ${other} ≠ ${row}`);
    }
    for (const id of got.rows.keys()) if (!want.rows.has(id)) wrong.push(`${id} is not in the uninterrupted run's history`);
    expect(wrong.slice(0, 20), `${wrong.length} differences`).toEqual([]);
    expect(got.count).toBe(want.count);
    expect(got.bySequence).toBe(got.count);
    // In final mode each instance has one result: a result computed again after a restart, which
    // the history already held, was not stored again (no new sequence number).
    expect(want.lastSequence).toBe(want.count);
    expect(got.lastSequence).toBe(got.count);
  }, 120_000);
});
