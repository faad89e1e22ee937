// The Kafka part of `npm run bench`: starts the test broker, publishes the click log's first lines
// once, checks that the broker kept all of them, then runs each Kafka scenario in a fresh process.

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import kafkajs from 'kafkajs';
import type { KafkaMeasurement, KafkaProduceConfig, KafkaProduceReport } from './kafka-scenario.js';
import { KAFKA_SCENARIOS, type KafkaRunConfig } from './scenarios.js';
import { median } from './stats.js';

const { Kafka, logLevel } = kafkajs;

const TOPIC = 'bench_clicks';
/**
 * The test broker keeps only the last 5 MiB of each partition: 1M log lines (~194 bytes each) over 64
 * partitions are ~3.1 MB of keys and values per partition (the run checks that none was dropped).
 */
const PARTITIONS = 64;
const RETENTION_BYTES = 5 * 1024 * 1024;
/** One broker: on this 2-core machine every extra mock broker takes CPU from the process measured. */
const BROKERS = 1;
const PRODUCE_BATCH = 10_000;
/** Results, dead letters and late records of each job run go to topics of their own, created as a broker would auto-create them. */
const OUTPUT_PARTITIONS = 4;

/** A scenario's measurement, and how long its process took to exit after reporting (jobs: after the job returned). */
export type KafkaResult = KafkaMeasurement & { readonly exitMs: number };

export interface KafkaBenchReport {
  readonly brokers: number;
  readonly topic: string;
  readonly partitions: number;
  readonly produce: KafkaProduceReport & { readonly batchSize: number; readonly retentionBytes: number };
  readonly runs: number;
  /** Best run per scenario (peak RSS: the largest of all runs), in KAFKA_SCENARIOS order. */
  readonly measurements: readonly KafkaResult[];
  /** Every run of every scenario, in the order they ran (rounds of all scenarios, every other round in reverse order). */
  readonly allRuns: readonly (KafkaResult & { readonly run: number })[];
  /** Per job scenario: its rate over consume + parse's in each run (the two ran in the same round), and the median. */
  readonly pairs: readonly KafkaPair[];
  /** Wall time of the whole Kafka part, broker start to stop. */
  readonly wallMs: number;
}

/** A job's rate against the consume + parse baseline's, run by run. */
export interface KafkaPair {
  readonly name: string;
  readonly perRun: readonly number[];
  readonly median: number;
  /** The same ratio by process CPU time (the machine's speed drifts less in CPU time than in wall time). */
  readonly cpuMedian: number;
}

const BASELINE = 'kafka-consume-parse';

/** Each job against the baseline run of its own round: a noisy spell then weighs on both sides of a ratio. */
function pairsOf(allRuns: readonly (KafkaResult & { readonly run: number })[], runs: number): KafkaPair[] {
  const pairs: KafkaPair[] = [];
  for (const scenario of KAFKA_SCENARIOS) {
    if (scenario.kind !== 'job') continue;
    const wall: number[] = [];
    const cpu: number[] = [];
    for (let run = 0; run < runs; run++) {
      const job = allRuns.find((m) => m.run === run && m.name === scenario.name);
      const base = allRuns.find((m) => m.run === run && m.name === BASELINE);
      if (job === undefined || base === undefined) continue;
      wall.push(job.records / job.ms / (base.records / base.ms));
      cpu.push(job.records / job.cpuMs / (base.records / base.cpuMs));
    }
    pairs.push({ name: scenario.name, perRun: wall, median: median(wall), cpuMedian: median(cpu) });
  }
  return pairs;
}

/** Runs `kafka-scenario.js step json` (bench/kafka-scenario.ts) and parses its one line of output. */
function runStep<T>(root: string, step: string, config: unknown): Promise<T & { readonly exitMs: number }> {
  const script = join(root, '.bench', 'build', 'bench', 'kafka-scenario.js');
  return new Promise((resolve, reject) => {
    // The same V8 setting as the `tally` command and the other scenarios; TALLY_BENCH_KAFKA_CPU_PROF=dir
    // writes CPU profiles of every scenario process (not of the produce step) into dir/<step>-<time>/:
    // one file per thread (Node's default names carry the pid and thread id, so the producer
    // thread's profile does not overwrite the job thread's).
    const profileDir = process.env.TALLY_BENCH_KAFKA_CPU_PROF;
    const profile = profileDir !== undefined && profileDir !== '' && step !== 'produce' ? ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, `${step}-${Date.now()}`)}`] : [];
    const child = spawn(process.execPath, ['--max-semi-space-size=64', ...profile, script, step, JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    let reportedAt = 0;
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.endsWith('\n')) reportedAt = performance.now();
    });
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (code !== 0) reject(new Error(`kafka bench step ${step} failed (${signal ?? `exit ${code}`})`));
      else resolve({ ...(JSON.parse(out.trim()) as T), exitMs: performance.now() - reportedAt });
    });
  });
}

type Admin = ReturnType<InstanceType<typeof Kafka>['admin']>;

async function offsetsOf(admin: Admin, topic: string): Promise<{ low: number; high: number }[]> {
  return (await admin.fetchTopicOffsets(topic)).map((o) => ({ low: Number(o.low), high: Number(o.high) }));
}

export async function runKafkaBench(root: string, logPath: string, messages: number, runs: number, say: (line: string) => void): Promise<KafkaBenchReport> {
  const started = performance.now();
  const mockBroker = (await import(pathToFileURL(join(root, 'scripts', 'kafka', 'mock-broker.mjs')).href)) as typeof import('../scripts/kafka/mock-broker.mjs');
  const broker = await mockBroker.startMockKafka({ brokers: BROKERS, topics: { [TOPIC]: PARTITIONS } });
  const admin = new Kafka({ clientId: 'tally-bench', brokers: broker.brokers, logLevel: logLevel.WARN }).admin();
  try {
    await admin.connect();
    const produceConfig: KafkaProduceConfig = { brokers: broker.brokers, topic: TOPIC, partitions: PARTITIONS, logPath, messages, batchSize: PRODUCE_BATCH };
    const { exitMs: _exitMs, ...produced } = await runStep<KafkaProduceReport>(root, 'produce', produceConfig);
    if (produced.maxPartitionBytes > 0.8 * RETENTION_BYTES) {
      throw new Error(`the fullest partition holds ${produced.maxPartitionBytes} bytes, too close to the broker's ${RETENTION_BYTES}: use more partitions`);
    }
    // The broker drops the oldest data of a full partition silently: its log start offset then moves.
    const input = await offsetsOf(admin, TOPIC);
    const kept = input.reduce((sum, o) => sum + o.high - o.low, 0);
    if (input.some((o) => o.low !== 0) || kept !== messages) {
      throw new Error(`the broker kept ${kept} of the ${messages} messages produced: ${JSON.stringify(input)}`);
    }
    say(
      `kafka input: ${messages.toLocaleString('en-US')} messages on ${PARTITIONS} partitions of ${TOPIC} (${BROKERS} broker), ` +
        `produced at ${Math.round((messages * 1000) / produced.ms).toLocaleString('en-US')} msgs/s in requests of ${PRODUCE_BATCH.toLocaleString('en-US')} (acks -1); ` +
        `${(produced.minPartitionBytes / 1e6).toFixed(2)}-${(produced.maxPartitionBytes / 1e6).toFixed(2)} MB of keys and values per partition ` +
        `(broker keeps ${(RETENTION_BYTES / 1e6).toFixed(2)} MB); all log start offsets 0, ${kept.toLocaleString('en-US')} kept: nothing dropped`,
    );

    const best = new Map<string, KafkaResult>();
    const allRuns: (KafkaResult & { readonly run: number })[] = [];
    for (let run = 0; run < runs; run++) {
      // Every other round runs the scenarios in reverse order, so that neither side of a ratio always goes first.
      for (const scenario of run % 2 === 0 ? KAFKA_SCENARIOS : [...KAFKA_SCENARIOS].reverse()) {
        const suffix = `${scenario.name}_${run}`;
        const config: KafkaRunConfig = {
          brokers: broker.brokers,
          topic: TOPIC,
          messages,
          groupId: `bench-${suffix}`,
          resultsTopic: `bench_results_${suffix}`,
          deadLetterTopic: `bench_dead_${suffix}`,
          lateTopic: `bench_late_${suffix}`,
        };
        if (scenario.kind === 'job') {
          for (const t of [config.resultsTopic, config.deadLetterTopic, config.lateTopic]) await broker.createTopic(t, OUTPUT_PARTITIONS);
        }
        const m = await runStep<KafkaMeasurement>(root, scenario.name, config);
        allRuns.push({ ...m, run });
        const mainThread = m.mainCpuMs === null ? '' : ` (the main thread ${(m.mainCpuMs / 1000).toFixed(2)} s)`;
        say(
          `  run ${run + 1}/${runs} ${scenario.name}: ${Math.round((m.records * 1000) / m.ms).toLocaleString('en-US')} events/s, ${(m.ms / 1000).toFixed(2)} s, ` +
            `${(m.cpuMs / 1000).toFixed(2)} s of CPU${mainThread}, peak RSS ${Math.round(m.maxRssMb)} MB`,
        );
        if (scenario.kind === 'job') {
          // Every result the job counted reached the topic (end offsets count what was appended, whatever retention dropped since).
          const published = (await offsetsOf(admin, config.resultsTopic)).reduce((sum, o) => sum + o.high, 0);
          if (published !== m.results) throw new Error(`${scenario.name}: the job emitted ${m.results} results, ${config.resultsTopic} received ${published}`);
        }
        const prev = best.get(scenario.name);
        if (prev === undefined || m.ms < prev.ms) best.set(scenario.name, { ...m, maxRssMb: Math.max(m.maxRssMb, prev?.maxRssMb ?? 0) });
        else best.set(scenario.name, { ...prev, maxRssMb: Math.max(m.maxRssMb, prev.maxRssMb) });
      }
    }
    const pairs = pairsOf(allRuns, runs);
    for (const p of pairs) {
      say(`  ${p.name} vs ${BASELINE}, run by run: ${p.perRun.map((r) => r.toFixed(2)).join(', ')} (median ${p.median.toFixed(2)}x; by CPU time ${p.cpuMedian.toFixed(2)}x)`);
    }
    return {
      brokers: BROKERS,
      pairs,
      topic: TOPIC,
      partitions: PARTITIONS,
      produce: { ...produced, batchSize: PRODUCE_BATCH, retentionBytes: RETENTION_BYTES },
      runs,
      measurements: KAFKA_SCENARIOS.map((s) => best.get(s.name) as KafkaResult),
      allRuns,
      wallMs: performance.now() - started,
    };
  } finally {
    await admin.disconnect().catch(() => undefined);
    await broker.stop();
  }
}
