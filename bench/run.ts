// `npm run bench`: builds a deterministic click log, runs every scenario in a fresh process, prints a table.
// TALLY_BENCH_ONLY=file, =kafka, =checkpoint or =api runs one part only (results.json then holds that part).

import { execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ClickGenerator } from '../src/adapters/sources/click-generator.js';
import { runKafkaBench, type KafkaBenchReport } from './kafka.js';
import { runCheckpointBench, type CheckpointBenchReport } from './checkpoint.js';
import { runApiBench, type ApiBenchReport } from './api.js';
import { KAFKA_SCENARIOS, SCENARIOS } from './scenarios.js';

const EVENTS = Number(process.env.TALLY_BENCH_EVENTS ?? 1_200_000);
const RUNS = Number(process.env.TALLY_BENCH_RUNS ?? 3);
const ONLY = process.env.TALLY_BENCH_ONLY ?? '';
/** The Kafka scenarios read the log's first lines from a topic (1M by default). */
const KAFKA_EVENTS = Math.min(EVENTS, Number(process.env.TALLY_BENCH_KAFKA_EVENTS ?? 1_000_000));
const KAFKA_RUNS = Number(process.env.TALLY_BENCH_KAFKA_RUNS ?? RUNS);
/** Generated events for the checkpoint cost run: long enough for several checkpoints every 10 s. */
const CHECKPOINT_EVENTS = Number(process.env.TALLY_BENCH_CHECKPOINT_EVENTS ?? 8_000_000);
const CHECKPOINT_RUNS = Number(process.env.TALLY_BENCH_CHECKPOINT_RUNS ?? 2);
const API_RUNS = Number(process.env.TALLY_BENCH_API_RUNS ?? RUNS);
/** autocannon's connections (each sends its next request when the answer to the last one is in). */
const API_CONNECTIONS = Number(process.env.TALLY_BENCH_API_CONNECTIONS ?? 16);
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

function row(name: string, m: Measurement, description: string): string {
  const rate = (m.records * 1000) / m.ms;
  return `${name.padEnd(28)} ${Math.round(rate).toLocaleString('en-US').padStart(11)} ${m.ms.toFixed(0).padStart(9)} ${String(m.results).padStart(9)} ${m.maxRssMb.toFixed(0).padStart(12)}  ${description}`;
}

async function main(): Promise<void> {
  if (!['', 'file', 'kafka', 'checkpoint', 'api'].includes(ONLY)) throw new Error(`TALLY_BENCH_ONLY must be file, kafka, checkpoint or api, not ${ONLY}`);
  const log = await ensureLog();
  console.log(`click log: ${log} (${EVENTS} lines); best of ${RUNS} runs per scenario; ${cpus()[0]?.model ?? 'cpu'}; node ${process.version}`);
  const best = new Map<string, Measurement>();
  if (ONLY === '' || ONLY === 'file') {
    for (let run = 0; run < RUNS; run++) {
      for (const s of SCENARIOS) {
        const m = runScenario(s.name, log);
        const prev = best.get(s.name);
        if (prev === undefined || m.ms < prev.ms) best.set(s.name, { ...m, maxRssMb: Math.max(m.maxRssMb, prev?.maxRssMb ?? 0) });
      }
    }
  }
  let kafka: KafkaBenchReport | null = null;
  if (ONLY === '' || ONLY === 'kafka') {
    console.log(`kafka: the log's first ${KAFKA_EVENTS} lines through the test broker, best of ${KAFKA_RUNS} runs per scenario, each timed from its group join`);
    kafka = await runKafkaBench(ROOT, log, KAFKA_EVENTS, KAFKA_RUNS, (line) => console.log(line));
    for (const m of kafka.measurements) best.set(m.name, m);
  }
  const rate = (m: Measurement): number => (m.records * 1000) / m.ms;
  const get = (name: string): Measurement => best.get(name) as Measurement;
  console.log('');
  console.log(`${'scenario'.padEnd(28)} ${'events/s'.padStart(11)} ${'time ms'.padStart(9)} ${'results'.padStart(9)} ${'peak RSS MB'.padStart(12)}  what`);
  for (const s of [...SCENARIOS, ...KAFKA_SCENARIOS]) {
    const m = best.get(s.name);
    if (m !== undefined) console.log(row(s.name, m, s.description));
  }
  const ratios: Record<string, number> = {};
  console.log('');
  if (ONLY === '' || ONLY === 'file') {
    ratios.userTumblingVsParseOnly = rate(get('user-tumbling-1m')) / rate(get('parse-only'));
    ratios.sliding1hVsTumbling1mTime = get('action-sliding-1h-1m').ms / get('action-tumbling-1m').ms;
    ratios.sliding10mVsTumbling1mTime = get('action-sliding-10m-1m').ms / get('action-tumbling-1m').ms;
    ratios.naiveVsSlicedSliding1hTime = get('naive-action-sliding-1h-1m').ms / get('action-sliding-1h-1m').ms;
    ratios.naiveVsSlicedTumbling1mTime = get('naive-action-tumbling-1m').ms / get('action-tumbling-1m').ms;
    console.log(`tumbling 1m by user, file to results, vs parse only: ${ratios.userTumblingVsParseOnly.toFixed(2)}x the rate (target >= 0.5x)`);
    console.log(`sliding 1h/1m vs tumbling 1m by action: ${ratios.sliding1hVsTumbling1mTime.toFixed(2)}x the time (target <= 1.3x)`);
    console.log(`sliding 10m/1m vs tumbling 1m by action: ${ratios.sliding10mVsTumbling1mTime.toFixed(2)}x the time`);
    console.log(`naive per-window baseline vs slices, sliding 1h/1m: ${ratios.naiveVsSlicedSliding1hTime.toFixed(2)}x the time; tumbling 1m: ${ratios.naiveVsSlicedTumbling1mTime.toFixed(2)}x`);
  }
  if (kafka !== null) {
    const parseRate = rate(get('kafka-consume-parse'));
    ratios.kafkaConsumeParseVsConsume = parseRate / rate(get('kafka-consume'));
    ratios.kafkaUserTumblingVsConsumeParse = rate(get('kafka-user-tumbling-1m')) / parseRate;
    ratios.kafkaActionSlidingVsConsumeParse = rate(get('kafka-action-sliding-10m-1m')) / parseRate;
    console.log(`kafka consume + JSON.parse vs consume only: ${ratios.kafkaConsumeParseVsConsume.toFixed(2)}x the rate`);
    for (const [name, ratio] of [
      ['tumbling 1m by user', ratios.kafkaUserTumblingVsConsumeParse],
      ['sliding 10m/1m by action', ratios.kafkaActionSlidingVsConsumeParse],
    ] as const) {
      console.log(`kafka end to end, ${name}, vs consume + parse: ${ratio.toFixed(2)}x the rate (target >= 0.70x)`);
    }
    for (const m of kafka.measurements) {
      const read = m.readMs === null ? '' : `, end offsets reached after ${m.readMs.toFixed(0)} ms (${Math.round((m.records * 1000) / m.readMs).toLocaleString('en-US')}/s)`;
      const done = m.readMs === null ? 'last message' : 'job returned';
      console.log(`  ${m.name}: from the group join, ${m.readMs === null ? 'first batch' : 'partitions assigned'} after ${m.startMs.toFixed(0)} ms${read}, ${done} after ${m.ms.toFixed(0)} ms (${m.cpuMs.toFixed(0)} ms of CPU); process exited ${m.exitMs.toFixed(0)} ms later`);
    }
    console.log(`kafka part: ${(kafka.wallMs / 1000).toFixed(0)} s of wall time`);
  }
  let checkpoint: CheckpointBenchReport | null = null;
  if (ONLY === '' || ONLY === 'checkpoint') {
    console.log('');
    checkpoint = runCheckpointBench(ROOT, CHECKPOINT_EVENTS, CHECKPOINT_RUNS, (line) => console.log(line));
    ratios.checkpointEvery10sSlowdown = checkpoint.slowdown;
  }
  let api: ApiBenchReport | null = null;
  if (ONLY === '' || ONLY === 'api') {
    console.log('');
    api = await runApiBench(ROOT, log, API_RUNS, API_CONNECTIONS, (line) => console.log(line));
    for (const [endpoint, drop] of Object.entries(api.ingestDrop)) ratios[`apiIngestDropUnder_${endpoint}`] = drop;
  }
  // The Kafka part's setup (its measurements are among the others).
  const kafkaSetup = kafka === null ? undefined : { ...kafka, measurements: undefined };
  const only = ONLY === '' ? undefined : ONLY;
  writeFileSync(join(DIR, 'results.json'), `${JSON.stringify({ events: EVENTS, runs: RUNS, only, node: process.version, measurements: [...best.values()], ratios, kafka: kafkaSetup, checkpoint, api }, null, 2)}\n`);
  console.log(`\nJSON: ${join(DIR, 'results.json')}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
