// `npm run bench`: builds a deterministic click log, runs every scenario in a fresh process, prints a table.
// TALLY_BENCH_ONLY=file, =kafka, =checkpoint or =api runs one part only (results.json then holds that part).
// Each figure is the best of TALLY_BENCH_RUNS runs (3); the target ratios are medians over TALLY_BENCH_PAIR_RUNS (7)
// runs of the two scenarios side by side (PAIRS); the Kafka part's, medians over its TALLY_BENCH_KAFKA_RUNS (5) rounds.

import { execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ClickGenerator } from '../src/adapters/sources/click-generator.js';
import { runKafkaBench, type KafkaBenchReport } from './kafka.js';
import { median } from './stats.js';
import { runCheckpointBench, type CheckpointBenchReport } from './checkpoint.js';
import { runApiBench, type ApiBenchReport } from './api.js';
import { KAFKA_SCENARIOS, SCENARIOS } from './scenarios.js';

const EVENTS = Number(process.env.TALLY_BENCH_EVENTS ?? 1_200_000);
const RUNS = Number(process.env.TALLY_BENCH_RUNS ?? 3);
/** Runs of the side-by-side pairs (PAIRS) the target ratios are medians of: at least RUNS; the table's best times still come from the first RUNS. */
const PAIR_RUNS = Math.max(RUNS, Number(process.env.TALLY_BENCH_PAIR_RUNS ?? 7));
const ONLY = process.env.TALLY_BENCH_ONLY ?? '';
/** The Kafka scenarios read the log's first lines from a topic (1M by default). */
const KAFKA_EVENTS = Math.min(EVENTS, Number(process.env.TALLY_BENCH_KAFKA_EVENTS ?? 1_000_000));
const KAFKA_RUNS = Number(process.env.TALLY_BENCH_KAFKA_RUNS ?? 5);
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
  /** CPU time of the whole process (main thread, GC helpers, I/O threads) over `ms`. */
  readonly cpuMs?: number;
  /** CPU time of the main (JavaScript) thread alone over `ms`; null where Linux's schedstat is missing. */
  readonly mainCpuMs?: number | null;
  readonly maxRssMb: number;
}

/**
 * Scenarios compared by a target ratio: in every run the two run one right after the other, first
 * one then the other in turn, and the ratio is taken per run (the median is the figure). On a shared
 * machine a burst of other work then hits both sides of a pair rather than one side of the ratio.
 */
const PAIRS: readonly (readonly [string, string])[] = [
  ['parse-only', 'user-tumbling-1m'],
  ['action-tumbling-1m', 'action-sliding-1h-1m'],
];

/** The scenarios of one run, in order: each pair together (swapped every other run), then the rest (in the first RUNS runs). */
function runOrder(run: number): string[] {
  const order: string[] = [];
  for (const [a, b] of PAIRS) order.push(...(run % 2 === 0 ? [a, b] : [b, a]));
  if (run < RUNS) for (const s of SCENARIOS) if (!order.includes(s.name)) order.push(s.name);
  return order;
}

/** A ratio per run of two scenarios' measurements (by wall time, process CPU time and main-thread CPU time), and its median, range and best-times value. */
interface PairRatio {
  readonly perRun: readonly number[];
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** The same ratio of the two scenarios' best times (the figure before pairs were kept). */
  readonly ofBestTimes: number;
  /** Medians of the ratio over the runs by CPU time instead of wall time (null without CPU figures). */
  readonly cpuMedian: number | null;
  readonly mainCpuMedian: number | null;
}

function pairRatio(runs: ReadonlyMap<string, Measurement[]>, best: ReadonlyMap<string, Measurement>, a: string, b: string, ratio: (x: Measurement, y: Measurement, time: (m: Measurement) => number | null | undefined) => number): PairRatio {
  const as = runs.get(a) ?? [];
  const bs = runs.get(b) ?? [];
  const n = Math.min(as.length, bs.length);
  const per = (time: (m: Measurement) => number | null | undefined): number[] => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const r = ratio(as[i] as Measurement, bs[i] as Measurement, time);
      if (Number.isFinite(r)) out.push(r);
    }
    return out;
  };
  const wall = per((m) => m.ms);
  const cpu = per((m) => m.cpuMs);
  const mainCpu = per((m) => m.mainCpuMs);
  return {
    perRun: wall,
    median: median(wall),
    min: Math.min(...wall),
    max: Math.max(...wall),
    ofBestTimes: ratio(best.get(a) as Measurement, best.get(b) as Measurement, (m) => m.ms),
    cpuMedian: cpu.length === n && n > 0 ? median(cpu) : null,
    mainCpuMedian: mainCpu.length === n && n > 0 ? median(mainCpu) : null,
  };
}

/** b's rate over a's (events/s; the parse-only scenario counts only the lines that parse). */
const rateRatio = (a: Measurement, b: Measurement, time: (m: Measurement) => number | null | undefined): number =>
  (b.records / (time(b) ?? Number.NaN)) / (a.records / (time(a) ?? Number.NaN));
/** b's time over a's. */
const timeRatio = (a: Measurement, b: Measurement, time: (m: Measurement) => number | null | undefined): number => (time(b) ?? Number.NaN) / (time(a) ?? Number.NaN);

function describePair(p: PairRatio, what: string): string {
  const cpu = p.cpuMedian === null ? '' : `; by CPU time ${p.cpuMedian.toFixed(2)}x${p.mainCpuMedian === null ? '' : ` (main thread ${p.mainCpuMedian.toFixed(2)}x)`}`;
  return `${p.median.toFixed(2)}x ${what}: median of ${p.perRun.length} side-by-side runs (${p.min.toFixed(2)}x to ${p.max.toFixed(2)}x; best times ${p.ofBestTimes.toFixed(2)}x)${cpu}`;
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
  const ms = (v: number | null | undefined): string => (v === null || v === undefined ? '–' : v.toFixed(0)).padStart(9);
  return `${name.padEnd(28)} ${Math.round(rate).toLocaleString('en-US').padStart(11)} ${ms(m.ms)} ${ms(m.cpuMs)} ${ms(m.mainCpuMs)} ${String(m.results).padStart(9)} ${m.maxRssMb.toFixed(0).padStart(12)}  ${description}`;
}

async function main(): Promise<void> {
  if (!['', 'file', 'kafka', 'checkpoint', 'api'].includes(ONLY)) throw new Error(`TALLY_BENCH_ONLY must be file, kafka, checkpoint or api, not ${ONLY}`);
  const log = await ensureLog();
  console.log(`click log: ${log} (${EVENTS} lines); best of ${RUNS} runs per scenario; target ratios: median over ${PAIR_RUNS} runs of a side-by-side pair; ${cpus()[0]?.model ?? 'cpu'}; node ${process.version}`);
  const best = new Map<string, Measurement>();
  /** Every run of every file scenario, in run order. */
  const runs = new Map<string, Measurement[]>();
  if (ONLY === '' || ONLY === 'file') {
    for (let run = 0; run < PAIR_RUNS; run++) {
      for (const name of runOrder(run)) {
        const m = runScenario(name, log);
        runs.set(name, [...(runs.get(name) ?? []), m]);
        if (run >= RUNS) continue;
        const prev = best.get(name);
        if (prev === undefined || m.ms < prev.ms) best.set(name, { ...m, maxRssMb: Math.max(m.maxRssMb, prev?.maxRssMb ?? 0) });
        else best.set(name, { ...prev, maxRssMb: Math.max(m.maxRssMb, prev.maxRssMb) });
      }
    }
  }
  let kafka: KafkaBenchReport | null = null;
  if (ONLY === '' || ONLY === 'kafka') {
    console.log(`kafka: the log's first ${KAFKA_EVENTS} lines through the test broker, ${KAFKA_RUNS} rounds of every scenario (the table: best of them), each timed from its group join`);
    kafka = await runKafkaBench(ROOT, log, KAFKA_EVENTS, KAFKA_RUNS, (line) => console.log(line));
    for (const m of kafka.measurements) best.set(m.name, m);
  }
  const rate = (m: Measurement): number => (m.records * 1000) / m.ms;
  const get = (name: string): Measurement => best.get(name) as Measurement;
  console.log('');
  console.log(`${'scenario'.padEnd(28)} ${'events/s'.padStart(11)} ${'time ms'.padStart(9)} ${'CPU ms'.padStart(9)} ${'main CPU'.padStart(9)} ${'results'.padStart(9)} ${'peak RSS MB'.padStart(12)}  what`);
  for (const s of [...SCENARIOS, ...KAFKA_SCENARIOS]) {
    const m = best.get(s.name);
    if (m !== undefined) console.log(row(s.name, m, s.description));
  }
  const ratios: Record<string, number> = {};
  let pairs: Record<string, PairRatio> | undefined;
  console.log('');
  if (ONLY === '' || ONLY === 'file') {
    const userVsParse = pairRatio(runs, best, 'parse-only', 'user-tumbling-1m', rateRatio);
    const sliding1hVsTumbling = pairRatio(runs, best, 'action-tumbling-1m', 'action-sliding-1h-1m', timeRatio);
    pairs = { userTumblingVsParseOnly: userVsParse, sliding1hVsTumbling1mTime: sliding1hVsTumbling };
    ratios.userTumblingVsParseOnly = userVsParse.median;
    ratios.sliding1hVsTumbling1mTime = sliding1hVsTumbling.median;
    // Scenarios not run side by side: ratios of their best times.
    ratios.sliding10mVsTumbling1mTime = get('action-sliding-10m-1m').ms / get('action-tumbling-1m').ms;
    ratios.naiveVsSlicedSliding1hTime = get('naive-action-sliding-1h-1m').ms / get('action-sliding-1h-1m').ms;
    ratios.naiveVsSlicedTumbling1mTime = get('naive-action-tumbling-1m').ms / get('action-tumbling-1m').ms;
    console.log(`tumbling 1m by user, file to results, vs parse only: ${describePair(userVsParse, 'the rate (target >= 0.5x)')}`);
    console.log(`sliding 1h/1m vs tumbling 1m by action: ${describePair(sliding1hVsTumbling, 'the time (target <= 1.3x)')}`);
    console.log(`sliding 10m/1m vs tumbling 1m by action: ${ratios.sliding10mVsTumbling1mTime.toFixed(2)}x the time`);
    console.log(`naive per-window baseline vs slices, sliding 1h/1m: ${ratios.naiveVsSlicedSliding1hTime.toFixed(2)}x the time; tumbling 1m: ${ratios.naiveVsSlicedTumbling1mTime.toFixed(2)}x`);
  }
  if (kafka !== null) {
    const parseRate = rate(get('kafka-consume-parse'));
    ratios.kafkaConsumeParseVsConsume = parseRate / rate(get('kafka-consume'));
    ratios.kafkaUserTumblingVsConsumeParse = rate(get('kafka-user-tumbling-1m')) / parseRate;
    ratios.kafkaActionSlidingVsConsumeParse = rate(get('kafka-action-sliding-10m-1m')) / parseRate;
    console.log(`kafka consume + JSON.parse vs consume only: ${ratios.kafkaConsumeParseVsConsume.toFixed(2)}x the rate`);
    for (const [name, scenario, ratio] of [
      ['tumbling 1m by user', 'kafka-user-tumbling-1m', ratios.kafkaUserTumblingVsConsumeParse],
      ['sliding 10m/1m by action', 'kafka-action-sliding-10m-1m', ratios.kafkaActionSlidingVsConsumeParse],
    ] as const) {
      // As the file part's targets: the median over the rounds, each job against the baseline of its round.
      const pair = kafka.pairs.find((p) => p.name === scenario);
      const rounds = pair === undefined ? '' : `${pair.median.toFixed(2)}x the rate: median of ${pair.perRun.length} rounds (${Math.min(...pair.perRun).toFixed(2)}x to ${Math.max(...pair.perRun).toFixed(2)}x); `;
      console.log(`kafka end to end, ${name}, vs consume + parse: ${rounds}best times ${ratio.toFixed(2)}x (target >= 0.70x)`);
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
  // `measurements`: each scenario's best run; `fileRuns`: every run of the file scenarios, in run order.
  const fileRuns = runs.size === 0 ? undefined : Object.fromEntries(runs);
  writeFileSync(join(DIR, 'results.json'), `${JSON.stringify({ events: EVENTS, runs: RUNS, pairRuns: PAIR_RUNS, only, node: process.version, measurements: [...best.values()], ratios, pairs, fileRuns, kafka: kafkaSetup, checkpoint, api }, null, 2)}\n`);
  console.log(`\nJSON: ${join(DIR, 'results.json')}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
