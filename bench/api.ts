// The API part of `npm run bench`: requests/s and p99 latency of /windows/{name}/results and /live
// under autocannon on loopback while the job ingests the click log at full speed, and the ingest rate
// with and without that load. The job (engine and server in one process, as `tally run` runs them)
// is a fresh process per run; autocannon runs in this process.

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import autocannon from 'autocannon';

export interface IngestRun {
  readonly records: number;
  readonly results: number;
  readonly ms: number;
}

export interface LoadFigures {
  readonly endpoint: string;
  readonly path: string;
  readonly run: IngestRun;
  readonly requests: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly non2xx: number;
  readonly errors: number;
}

export interface ApiBenchReport {
  readonly connections: number;
  readonly idle: IngestRun;
  readonly loads: LoadFigures[];
  /** Per endpoint: 1 − (ingest rate under load / ingest rate without). */
  readonly ingestDrop: Record<string, number>;
}

/** The hottest user of the log (Zipf rank 1) has the most results and the largest live state. */
const KEY = 'key.user_id=1';
const ENDPOINTS = [
  { endpoint: 'results', path: `/windows/per_minute/results?${KEY}&limit=100` },
  { endpoint: 'live', path: `/windows/per_minute/live?${KEY}` },
] as const;

/** Starts the job process; resolves with its URL, a function that starts the run and resolves at its end, and one that ends the process. */
async function startJob(root: string, log: string, dir: string): Promise<{ url: string; run(onStart?: () => void): Promise<IngestRun>; end(): Promise<void> }> {
  const script = join(root, '.bench', 'build', 'bench', 'api-scenario.js');
  const child = spawn(process.execPath, ['--max-semi-space-size=64', script, log, dir], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const next = (): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      lines.once('line', (line) => resolve(JSON.parse(line) as Record<string, unknown>));
      child.once('exit', (code) => reject(new Error(`the API bench job exited with ${code}`)));
    });
  const { url } = (await next()) as { url: string };
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    url,
    async run(onStart) {
      const done = next();
      child.stdin.write('go\n');
      onStart?.();
      return (await done) as unknown as IngestRun;
    },
    async end() {
      child.stdin.end();
      await exited;
    },
  };
}

export async function runApiBench(root: string, log: string, runs: number, connections: number, print: (line: string) => void): Promise<ApiBenchReport> {
  const dir = join(root, '.bench', 'api');
  let idle: IngestRun | null = null;
  const best = new Map<string, LoadFigures>();
  for (let r = 0; r < runs; r++) {
    // Alternated, so that a slow spell of the machine hits all of them.
    const job = await startJob(root, log, join(dir, 'idle'));
    const run = await job.run();
    await job.end();
    if (idle === null || run.ms < idle.ms) idle = run;
    for (const { endpoint, path } of ENDPOINTS) {
      const loaded = await startJob(root, log, join(dir, endpoint));
      // Only answers that arrive while the job ingests count: after it, the server is idle (and the
      // history closed), which would flatter the figures.
      let isIngesting = true;
      const latencies: number[] = [];
      let failed = 0;
      let cannon: autocannon.Instance | null = null;
      let result: Promise<autocannon.Result> | null = null;
      const figures = await loaded.run(() => {
        result = new Promise<autocannon.Result>((resolve, reject) => {
          cannon = autocannon(
            {
              url: `${loaded.url}${path}`,
              connections,
              duration: 3_600,
              setupClient: (client) => {
                client.on('response', (status, _bytes, ms) => {
                  if (!isIngesting) return;
                  if (status >= 200 && status < 300) latencies.push(ms);
                  else failed++;
                });
              },
            },
            (error, out) => (error === null || error === undefined ? resolve(out) : reject(error)),
          );
        });
      });
      isIngesting = false;
      (cannon as autocannon.Instance | null)?.stop();
      const load = await (result as unknown as Promise<autocannon.Result>);
      await loaded.end();
      latencies.sort((a, b) => a - b);
      const at = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
      const measured: LoadFigures = {
        endpoint,
        path,
        run: figures,
        requests: latencies.length,
        requestsPerSecond: (latencies.length * 1000) / figures.ms,
        p50Ms: at(0.5),
        p99Ms: at(0.99),
        non2xx: failed,
        errors: load.errors,
      };
      const prev = best.get(endpoint);
      // The run with the best ingest rate, as for the idle runs.
      if (prev === undefined || figures.ms < prev.run.ms) best.set(endpoint, measured);
    }
  }
  const base = idle as IngestRun;
  const rate = (run: IngestRun): number => (run.records * 1000) / run.ms;
  const loads = [...best.values()];
  const ingestDrop: Record<string, number> = {};
  print(`api: the click log through tumbling 1m by user_id with a results history, REST API on loopback; autocannon with ${connections} connections for the whole run; best of ${runs}`);
  print(`${'load'.padEnd(34)} ${'ingest ev/s'.padStart(12)} ${'time ms'.padStart(9)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'non-2xx'.padStart(8)}`);
  print(`${'none (server idle)'.padEnd(34)} ${Math.round(rate(base)).toLocaleString('en-US').padStart(12)} ${base.ms.toFixed(0).padStart(9)}`);
  for (const l of loads) {
    ingestDrop[l.endpoint] = 1 - rate(l.run) / rate(base);
    print(
      `${`GET ${l.path}`.slice(0, 34).padEnd(34)} ${Math.round(rate(l.run)).toLocaleString('en-US').padStart(12)} ${l.run.ms.toFixed(0).padStart(9)} ` +
        `${Math.round(l.requestsPerSecond).toLocaleString('en-US').padStart(8)} ${l.p50Ms.toFixed(1).padStart(7)} ${l.p99Ms.toFixed(1).padStart(7)} ${String(l.non2xx + l.errors).padStart(8)}`,
    );
  }
  for (const l of loads) print(`  ingest under /${l.endpoint} load: ${(ingestDrop[l.endpoint] as number * 100).toFixed(1)}% slower than without (target <= 20%)`);
  return { connections, idle: base, loads, ingestDrop };
}
