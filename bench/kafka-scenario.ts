// Runs one Kafka benchmark step in this process — producing the input, a plain consumer, or a whole
// job — and prints one JSON line. Every rate is timed from the group join, never through it.

import { createReadStream, readFileSync } from 'node:fs';
import kafkajs from 'kafkajs';
import type { EachBatchPayload } from 'kafkajs';
import { splitLines } from '../src/adapters/sources/ndjson-lines.js';
import { defineJob } from '../src/config/define-job.js';
import { buildJob } from '../src/main.js';
import type { Logger } from '../src/ports/logger.js';
import { KAFKA_SCENARIOS, type KafkaRunConfig, type KafkaScenario } from './scenarios.js';

const { Kafka, logLevel } = kafkajs;

/** What the `produce` step is told. */
export interface KafkaProduceConfig {
  readonly brokers: readonly string[];
  readonly topic: string;
  readonly partitions: number;
  /** The click log and how many of its first lines to publish. */
  readonly logPath: string;
  readonly messages: number;
  /** Messages per produce request. */
  readonly batchSize: number;
}

/** What the `produce` step reports. */
export interface KafkaProduceReport {
  readonly messages: number;
  /** From the first request to the last acknowledgement. */
  readonly ms: number;
  /** Key and value bytes of the fullest and emptiest partition. */
  readonly maxPartitionBytes: number;
  readonly minPartitionBytes: number;
}

/** What a scenario step reports (the bench's Measurement, plus where the time went). */
export interface KafkaMeasurement {
  readonly name: string;
  readonly records: number;
  readonly results: number;
  /** From the group join to the last message (baselines) or to the job's return (jobs). */
  readonly ms: number;
  /** From the group join to the first batch (baselines) or to the job's "partitions assigned" line. */
  readonly startMs: number;
  /** Jobs: from the group join to the source reaching the end offsets (before the last windows close). */
  readonly readMs: number | null;
  /** CPU time of the process (every thread: main, GC, workers) over `ms`; less noisy than `ms` on a shared machine. */
  readonly cpuMs: number;
  /** CPU time of the process's main thread alone (the job's thread) over `ms` (null where Linux's schedstat is missing). */
  readonly mainCpuMs: number | null;
  readonly maxRssMb: number;
}

const JOINED = 'kafka: Consumer has joined the group';
const ASSIGNED = 'kafka source: partitions assigned';
const END_REACHED = 'kafka source: reached the end offsets';

function client(brokers: readonly string[]): InstanceType<typeof Kafka> {
  return new Kafka({ clientId: 'tally-bench', brokers: [...brokers], logLevel: logLevel.WARN });
}

async function readLines(path: string, count: number): Promise<string[]> {
  const lines: string[] = [];
  for await (const batch of splitLines(createReadStream(path, { highWaterMark: 1 << 20 }))) {
    for (const line of batch.lines) {
      if (lines.length === count) return lines;
      lines.push(line);
    }
  }
  if (lines.length < count) throw new Error(`${path} has only ${lines.length} lines, ${count} wanted`);
  return lines;
}

/**
 * Publishes the log's first lines, each keyed by its user_id but placed round robin (line i on
 * partition i mod P): keyed placement cannot fit the broker's retention, since the hottest user
 * alone has ~13% of the events (~26 MB) and the test broker keeps 5 MiB per partition.
 */
async function produce(config: KafkaProduceConfig): Promise<KafkaProduceReport> {
  const lines = await readLines(config.logPath, config.messages);
  const bytes = new Array<number>(config.partitions).fill(0);
  const messages = lines.map((value, i) => {
    const key = /"user_id":(\d+)/.exec(value)?.[1] ?? null;
    const partition = i % config.partitions;
    bytes[partition] = (bytes[partition] as number) + Buffer.byteLength(value) + (key?.length ?? 0);
    return { key, value, partition };
  });
  const producer = client(config.brokers).producer();
  await producer.connect();
  const started = performance.now();
  for (let i = 0; i < messages.length; i += config.batchSize) {
    await producer.send({ topic: config.topic, acks: -1, messages: messages.slice(i, i + config.batchSize) });
  }
  const ms = performance.now() - started;
  await producer.disconnect();
  return { messages: messages.length, ms, maxPartitionBytes: Math.max(...bytes), minPartitionBytes: Math.min(...bytes) };
}

/** A plain kafkajs consumer over the whole topic: the same fetch settings as the product's KafkaSource. */
async function consume(config: KafkaRunConfig, scenario: KafkaScenario): Promise<KafkaMeasurement> {
  const shouldParse = scenario.kind === 'consume-parse';
  const consumer = client(config.brokers).consumer({ groupId: config.groupId, maxWaitTimeInMs: 1_000 });
  let joinedAt: number | null = null;
  let joinedCpu: NodeJS.CpuUsage | undefined;
  let joinedMainCpu: number | null = null;
  let firstBatchAt: number | null = null;
  let endAt = 0;
  let cpuMs = 0;
  let mainCpuMs: number | null = null;
  let records = 0;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joinedAt ??= performance.now();
    joinedCpu ??= process.cpuUsage();
    joinedMainCpu ??= mainThreadCpu();
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [config.topic], fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    const onBatch = async ({ batch }: EachBatchPayload): Promise<void> => {
      firstBatchAt ??= performance.now();
      if (shouldParse) {
        for (const m of batch.messages) {
          if (m.value === null) continue;
          try {
            JSON.parse(m.value.toString('utf8'));
          } catch {
            // malformed lines are part of the log
          }
        }
      }
      records += batch.messages.length;
      if (records >= config.messages && endAt === 0) {
        endAt = performance.now();
        cpuMs = cpuMsSince(joinedCpu);
        mainCpuMs = mainThreadCpuMsSince(joinedMainCpu);
        resolve();
      }
    };
    consumer.run({ autoCommit: false, eachBatch: onBatch }).catch(reject);
  });
  await consumer.disconnect();
  if (joinedAt === null || firstBatchAt === null) throw new Error('no group join seen');
  if (records !== config.messages) throw new Error(`read ${records} messages, the topic has ${config.messages}`);
  return { name: scenario.name, records, results: 0, ms: endAt - joinedAt, startMs: firstBatchAt - joinedAt, readMs: null, cpuMs, mainCpuMs, maxRssMb: maxRssMb() };
}

/** The job's own log lines, timed; warnings and errors go on to standard error. */
class TimingLogger implements Logger {
  readonly seen = new Map<string, number>();
  /** CPU usage at the group join, of the process and of its main thread. */
  joinedCpu: NodeJS.CpuUsage | undefined;
  joinedMainCpu: number | null = null;
  info(_fields: Record<string, unknown>, message: string): void {
    this.note(message);
  }
  warn(fields: Record<string, unknown>, message: string): void {
    this.note(message);
    process.stderr.write(`warn: ${message} ${safeJson(fields)}\n`);
  }
  error(fields: Record<string, unknown>, message: string): void {
    process.stderr.write(`error: ${message} ${safeJson(fields)}\n`);
  }
  at(message: string): number {
    const t = this.seen.get(message);
    if (t === undefined) throw new Error(`the job never logged "${message}"`);
    return t;
  }
  private note(message: string): void {
    if (this.seen.has(message)) return;
    this.seen.set(message, performance.now());
    if (message === JOINED) {
      this.joinedCpu = process.cpuUsage();
      this.joinedMainCpu = mainThreadCpu();
    }
  }
}

function safeJson(fields: Record<string, unknown>): string {
  return JSON.stringify(fields, (_key, value: unknown) => (value instanceof Error ? `${value.name}: ${value.message}` : value));
}

/** The product end to end: a job definition with a Kafka source and Kafka outputs, built by buildJob. */
async function runJob(config: KafkaRunConfig, scenario: KafkaScenario): Promise<KafkaMeasurement> {
  if (scenario.job === undefined) throw new Error(`${scenario.name} has no job`);
  const brokers = [...config.brokers];
  const job = defineJob({
    name: scenario.name,
    source: { type: 'kafka', brokers, topic: config.topic, groupId: config.groupId, startFrom: 'earliest', stopAt: 'end' },
    ...scenario.job,
    aggregations: ['count', 'sum(value)', 'mean(value)', 'max(value)'],
    time: { maxOutOfOrderness: '5s', allowedLateness: '0s', idleTimeout: '30s' },
    emit: 'final',
    sink: { type: 'kafka', brokers, topic: config.resultsTopic },
    deadLetter: { type: 'kafka', brokers, topic: config.deadLetterTopic },
    lateOutput: { type: 'kafka', brokers, topic: config.lateTopic },
  });
  const logger = new TimingLogger();
  const status = await (await buildJob(job, { logger })).run();
  const returnedAt = performance.now();
  const cpuMs = cpuMsSince(logger.joinedCpu);
  const mainCpuMs = mainThreadCpuMsSince(logger.joinedMainCpu);
  if (status.state !== 'finished') throw new Error(`the job ended ${status.state}: ${status.error ?? ''}`);
  if (status.records !== config.messages) throw new Error(`the job read ${status.records} messages, the topic has ${config.messages}`);
  const joinedAt = logger.at(JOINED);
  return {
    name: scenario.name,
    records: status.records,
    results: status.engine.results,
    ms: returnedAt - joinedAt,
    startMs: logger.at(ASSIGNED) - joinedAt,
    readMs: logger.at(END_REACHED) - joinedAt,
    cpuMs,
    mainCpuMs,
    maxRssMb: maxRssMb(),
  };
}

function cpuMsSince(start: NodeJS.CpuUsage | undefined): number {
  if (start === undefined) throw new Error('no group join seen');
  const { user, system } = process.cpuUsage(start);
  return (user + system) / 1000;
}

/**
 * CPU time of the calling thread (the main one) so far, in ms, from Linux's schedstat (ns on the
 * CPU); null elsewhere. Unlike process.cpuUsage() it leaves out the other threads: the consumer and
 * producer threads, the GC's helpers.
 */
function mainThreadCpu(): number | null {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return null;
  }
}

function mainThreadCpuMsSince(start: number | null): number | null {
  const now = mainThreadCpu();
  return start === null || now === null ? null : now - start;
}

function maxRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

async function main(): Promise<void> {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  const [step, json] = process.argv.slice(2) as [string, string];
  let report: unknown;
  if (step === 'produce') {
    report = await produce(JSON.parse(json) as KafkaProduceConfig);
  } else {
    const scenario = KAFKA_SCENARIOS.find((s) => s.name === step);
    if (scenario === undefined) throw new Error(`unknown Kafka scenario ${step}`);
    const config = JSON.parse(json) as KafkaRunConfig;
    report = scenario.kind === 'job' ? await runJob(config, scenario) : await consume(config, scenario);
  }
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
