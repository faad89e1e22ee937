// The results history on its own: appends/s for 1M results, then query, top, since and prune latencies.
// Not part of `npm test` or `npm run bench`. Run:
//   npx tsc -p tsconfig.bench.json && node .bench/build/bench/history.js [results] [keys]
// Prints one line per figure and, last, the figures as one JSON line.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LmdbResultsHistory } from '../src/adapters/history/lmdb-history.js';
import type { WindowResult } from '../src/core/emit/outputs.js';
import type { GroupKey } from '../src/core/operator/key-table.js';
import type { HistoryQuery } from '../src/ports/results-history.js';

const RESULTS = Number(process.argv[2] ?? 1_000_000);
/** Keys per window instance: a window closing emits one result per key, so this is also the batch size. */
const KEYS = Number(process.argv[3] ?? 5_000);
const MINUTE = 60_000;
const T0 = Date.UTC(2026, 10, 23);
const QUERIES = 2_000;

/** A fixed-seed generator (mulberry32), so that runs compare. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function percentiles(samples: number[]): { p50: number; p99: number } {
  samples.sort((a, b) => a - b);
  const at = (q: number): number => Number((samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] as number).toFixed(3));
  return { p50: at(0.5), p99: at(0.99) };
}

function time(run: (i: number) => unknown): { p50: number; p99: number } {
  const samples: number[] = [];
  for (let i = 0; i < QUERIES; i++) {
    const started = performance.now();
    run(i);
    samples.push(performance.now() - started);
  }
  return percentiles(samples);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tally-history-bench-'));
  const rand = random(7);
  // One GroupKey object per key, as the engine hands them out.
  const groups: GroupKey[] = [];
  for (let k = 0; k < KEYS; k++) {
    const key = { user_id: k * 7 + 1 };
    groups.push({ id: k, key, keyJson: JSON.stringify(key) });
  }
  const instances = Math.ceil(RESULTS / KEYS);
  const NAMES = ['count', 'sum_value'];
  const batchOf = (instance: number, revision = 0): WindowResult[] => {
    const start = T0 + instance * MINUTE;
    const out: WindowResult[] = [];
    for (let k = 0; k < KEYS && instance * KEYS + k < RESULTS; k++) {
      const count = 1 + Math.floor(rand() * 50);
      out.push({
        kind: 'result',
        window: 'per_minute',
        windowKind: 'tumbling',
        start,
        end: start + MINUTE,
        key: groups[k] as GroupKey,
        names: NAMES,
        values: [count, count * 3.25],
        revision,
        isFinal: true,
        windowIndex: null,
      });
    }
    return out;
  };

  const now = T0 + instances * MINUTE;
  // Retention of half the instances: the prune at the end removes the older half.
  const retainMs = Math.floor(instances / 2) * MINUTE;
  const open = (path: string): LmdbResultsHistory => LmdbResultsHistory.open({ path, retainMs, clock: { now: () => now } });
  const print = (line: string): void => console.log(line);
  const figures: Record<string, unknown> = { results: RESULTS, keysPerInstance: KEYS, instances };
  const batches: WindowResult[][] = [];
  for (let i = 0; i < instances; i++) batches.push(batchOf(i));

  // Appends as HistorySink makes them: one batch per closing window instance, not awaited until
  // 200,000 results are pending, so batches arriving during a commit share the next transaction.
  const pipelined = open(join(dir, 'pipelined'));
  let started = performance.now();
  let pending: Promise<void>[] = [];
  let pendingResults = 0;
  for (const batch of batches) {
    pending.push(pipelined.append(batch));
    pendingResults += batch.length;
    if (pendingResults > 200_000) {
      await Promise.all(pending);
      pending = [];
      pendingResults = 0;
    }
  }
  await Promise.all(pending);
  await pipelined.flush();
  const pipelinedMs = performance.now() - started;
  figures.appendsPerSecond = Math.round((RESULTS * 1000) / pipelinedMs);
  print(`append ${RESULTS.toLocaleString('en-US')} results in batches of ${KEYS}, pipelined (group commit): ${(pipelinedMs / 1000).toFixed(2)} s, ${(figures.appendsPerSecond as number).toLocaleString('en-US')} results/s (durable at the end)`);
  await pipelined.close();

  // Each batch awaited before the next: one transaction per batch.
  const history = open(join(dir, 'history'));
  started = performance.now();
  for (const batch of batches) await history.append(batch);
  await history.flush();
  const appendMs = performance.now() - started;
  figures.appendsPerSecondOneTransactionPerBatch = Math.round((RESULTS * 1000) / appendMs);
  print(`append ${RESULTS.toLocaleString('en-US')} results in batches of ${KEYS}, each awaited: ${(appendMs / 1000).toFixed(2)} s, ${(figures.appendsPerSecondOneTransactionPerBatch as number).toLocaleString('en-US')} results/s`);

  // Re-appending identical results (a restart after a crash) writes nothing.
  const again = batches.slice(0, Math.min(batches.length, 40));
  const againCount = again.reduce((n, b) => n + b.length, 0);
  started = performance.now();
  for (const batch of again) await history.append(batch);
  const againMs = performance.now() - started;
  figures.identicalReappendsPerSecond = Math.round((againCount * 1000) / againMs);
  print(`re-append ${againCount.toLocaleString('en-US')} identical results: ${(figures.identicalReappendsPerSecond as number).toLocaleString('en-US')} results/s, sequence unchanged: ${history.stats().lastSequence === RESULTS}`);

  const stats = history.stats();
  figures.bytes = stats.bytes;
  figures.bytesPerResult = Math.round(stats.bytes / stats.count);
  print(`stored: ${stats.count.toLocaleString('en-US')} results, ${(stats.bytes / 1048576).toFixed(1)} MiB in use, ${figures.bytesPerResult as number} bytes per result`);

  const keyOf = (i: number): number => (((i * 7919) % KEYS) * 7 + 1);
  const startOf = (i: number): number => T0 + ((i * 104729) % instances) * MINUTE;
  const latencies: Record<string, { p50: number; p99: number }> = {
    'one key, newest 20 (keys index)': time((i) => history.query({ window: 'per_minute', key: { user_id: keyOf(i) }, order: 'newest', limit: 20 })),
    'one key, 1 h range, oldest first': time((i) => history.query({ window: 'per_minute', key: { user_id: keyOf(i) }, from: startOf(i), to: startOf(i) + 60 * MINUTE, order: 'oldest', limit: 100 })),
    'window, newest 100 (time index)': time(() => history.query({ window: 'per_minute', order: 'newest', limit: 100 })),
    'window, 100 from a start': time((i) => history.query({ window: 'per_minute', from: startOf(i), order: 'oldest', limit: 100 })),
    'window, 10th page of 100 (cursor)': (() => {
      const cursors: string[] = [];
      let page = history.query({ window: 'per_minute', order: 'newest', limit: 100 });
      for (let p = 0; p < 9 && page.nextCursor !== null; p++) {
        cursors.push(page.nextCursor);
        page = history.query({ window: 'per_minute', order: 'newest', limit: 100, cursor: page.nextCursor });
      }
      const last = cursors[cursors.length - 1] as string;
      const query: HistoryQuery = { window: 'per_minute', order: 'newest', limit: 100, cursor: last };
      return time(() => history.query(query));
    })(),
    [`top 10 by count of one instance (${KEYS} keys)`]: (() => {
      const samples: number[] = [];
      for (let i = 0; i < 200; i++) {
        const t = performance.now();
        history.top({ window: 'per_minute', start: startOf(i), by: 'count', n: 10 });
        samples.push(performance.now() - t);
      }
      return percentiles(samples);
    })(),
    'since(sequence), 1000 results (SSE resume)': time((i) => history.since((i * 7717) % RESULTS, 1000)),
  };
  figures.latencyMs = latencies;
  for (const [name, l] of Object.entries(latencies)) print(`${name}: p50 ${l.p50} ms, p99 ${l.p99} ms`);

  // Retention: half the instances fall out.
  started = performance.now();
  const report = await history.prune(now);
  const pruneMs = performance.now() - started;
  figures.prune = { removed: report.removed, ms: Math.round(pruneMs), removedPerSecond: Math.round((report.removed * 1000) / pruneMs) };
  print(`prune: removed ${report.removed.toLocaleString('en-US')} in ${pruneMs.toFixed(0)} ms (${Math.round((report.removed * 1000) / pruneMs).toLocaleString('en-US')}/s), ${history.stats().count.toLocaleString('en-US')} left`);

  await history.close();
  rmSync(dir, { recursive: true, force: true });
  console.log(JSON.stringify(figures));
}

await main();
