// One run of the API benchmark's job, in its own process: the click log through tumbling 1m by user_id
// with a results history, the REST API on loopback. Prints `{"url"}`, waits for a line on stdin,
// runs the job at full speed, prints `{"records","results","ms"}`, and closes the server at the end of stdin.
//   node api-scenario.js <log> <dir>

import { rmSync } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { defineJob } from '../src/config/define-job.js';
import { buildJob } from '../src/main.js';
import { silentLogger } from '../src/ports/logger.js';
import { createApiServer } from '../src/service/api/server.js';

async function main(): Promise<void> {
  const [log, dir] = process.argv.slice(2) as [string, string];
  rmSync(dir, { recursive: true, force: true });
  const job = defineJob({
    name: 'api-bench',
    source: { type: 'file', path: log },
    keyBy: ['user_id'],
    windows: [{ name: 'per_minute', tumbling: '1m' }],
    aggregations: ['count', 'sum(value)', 'mean(value)', 'max(value)'],
    sink: { type: 'file', path: join(dir, 'results.ndjson') },
    deadLetter: join(dir, 'bad.ndjson'),
    lateOutput: join(dir, 'late.ndjson'),
    history: { path: join(dir, 'history') },
  });
  const runner = await buildJob(job, { logger: silentLogger });
  const api = createApiServer({ control: runner.control, token: null, emit: job.emit });
  const address = await api.listen('127.0.0.1', 0);
  process.stdout.write(`${JSON.stringify({ url: address.url })}\n`);
  const lines = createInterface({ input: process.stdin });
  await once(lines, 'line');
  const started = process.hrtime.bigint();
  const status = await runner.run();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  // Reported at once, so that the load stops with the ingest; the server closes when told.
  process.stdout.write(`${JSON.stringify({ records: status.records, results: status.engine.results, ms })}\n`);
  await once(lines, 'close');
  await api.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
