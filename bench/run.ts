// `npm run bench`: builds a deterministic click log, runs every scenario in a fresh process, prints a table.

import { execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ClickGenerator } from '../src/adapters/sources/click-generator.js';
import { SCENARIOS } from './scenarios.js';

const EVENTS = Number(process.env.TALLY_BENCH_EVENTS ?? 1_200_000);
const RUNS = Number(process.env.TALLY_BENCH_RUNS ?? 3);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const DIR = join(ROOT, '.bench');

interface Measurement {
  readonly name: string;
  readonly records: number;
  readonly results: number;
  readonly ms: number;
  readonly maxRssMb: number;
}

/** Users Zipf over 100k, pages Zipf over 1k, 5 actions, 2% out of order by up to 3 s, 0.1% malformed. */
async function ensureLog(): Promise<string> {
  const path = join(DIR, `clicks-${EVENTS}.ndjson`);
  if (existsSync(path)) return path;
  mkdirSync(DIR, { recursive: true });
  const generator = new ClickGenerator({ eventsPerSecond: 200, users: 100_000, pages: 1_000, seed: 7, startTimeMs: Date.UTC(2026, 10, 23, 18) });
  const tmp = `${path}.tmp`;
  const out = createWriteStream(tmp);
  let chunk = '';
  for (let i = 0; i < EVENTS; i++) {
    chunk += `${generator.next()}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
  renameSync(tmp, path);
  return path;
}

function runScenario(name: string, log: string): Measurement {
  // Flush the previous scenario's written results to disk first, so that its write-back does not
  // run during (and slow) this one.
  execFileSync('sync');
  const script = join(ROOT, '.bench', 'build', 'bench', 'scenario.js');
  // The same V8 setting as the `tally` command (see src/service/cli/bin.ts), for every scenario alike.
  const text = execFileSync(process.execPath, ['--max-semi-space-size=64', script, name, log, join(DIR, 'out', `${name}.ndjson`)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(text.trim()) as Measurement;
}

async function main(): Promise<void> {
  const log = await ensureLog();
  console.log(`click log: ${log} (${EVENTS} lines); best of ${RUNS} runs per scenario; ${cpus()[0]?.model ?? 'cpu'}; node ${process.version}`);
  const best = new Map<string, Measurement>();
  for (let run = 0; run < RUNS; run++) {
    for (const s of SCENARIOS) {
      const m = runScenario(s.name, log);
      const prev = best.get(s.name);
      if (prev === undefined || m.ms < prev.ms) best.set(s.name, { ...m, maxRssMb: Math.max(m.maxRssMb, prev?.maxRssMb ?? 0) });
    }
  }
  const rate = (m: Measurement): number => (m.records * 1000) / m.ms;
  const get = (name: string): Measurement => best.get(name) as Measurement;
  console.log('');
  console.log(`${'scenario'.padEnd(28)} ${'events/s'.padStart(11)} ${'time ms'.padStart(9)} ${'results'.padStart(9)} ${'peak RSS MB'.padStart(12)}  what`);
  for (const s of SCENARIOS) {
    const m = get(s.name);
    console.log(`${s.name.padEnd(28)} ${Math.round(rate(m)).toLocaleString('en-US').padStart(11)} ${m.ms.toFixed(0).padStart(9)} ${String(m.results).padStart(9)} ${m.maxRssMb.toFixed(0).padStart(12)}  ${s.description}`);
  }
  const ratios = {
    userTumblingVsParseOnly: rate(get('user-tumbling-1m')) / rate(get('parse-only')),
    sliding1hVsTumbling1mTime: get('action-sliding-1h-1m').ms / get('action-tumbling-1m').ms,
    sliding10mVsTumbling1mTime: get('action-sliding-10m-1m').ms / get('action-tumbling-1m').ms,
    naiveVsSlicedSliding1hTime: get('naive-action-sliding-1h-1m').ms / get('action-sliding-1h-1m').ms,
    naiveVsSlicedTumbling1mTime: get('naive-action-tumbling-1m').ms / get('action-tumbling-1m').ms,
  };
  console.log('');
  console.log(`tumbling 1m by user, file to results, vs parse only: ${ratios.userTumblingVsParseOnly.toFixed(2)}x the rate (target >= 0.5x)`);
  console.log(`sliding 1h/1m vs tumbling 1m by action: ${ratios.sliding1hVsTumbling1mTime.toFixed(2)}x the time (target <= 1.3x)`);
  console.log(`sliding 10m/1m vs tumbling 1m by action: ${ratios.sliding10mVsTumbling1mTime.toFixed(2)}x the time`);
  console.log(`naive per-window baseline vs slices, sliding 1h/1m: ${ratios.naiveVsSlicedSliding1hTime.toFixed(2)}x the time; tumbling 1m: ${ratios.naiveVsSlicedTumbling1mTime.toFixed(2)}x`);
  writeFileSync(join(DIR, 'results.json'), `${JSON.stringify({ events: EVENTS, runs: RUNS, node: process.version, measurements: [...best.values()], ratios }, null, 2)}\n`);
  console.log(`\nJSON: ${join(DIR, 'results.json')}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
