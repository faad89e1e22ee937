// The Kafka source with kafkajs on a consumer thread of its own, against the test broker. The built
// code is tested (a worker runs compiled JavaScript; a stale dist/ is refused): the source's own
// suites (kafka-progress, kafka-backpressure) run here again with the built source and client, which
// put the consumer on its thread; then a job through the thread against the file run, the thread's
// log lines, and a thread that dies mid-run followed by a restart from the commits.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import kafkajs from 'kafkajs';
import { startMockKafka, type MockKafka } from '../../../scripts/kafka/mock-broker.mjs';
import { ThreadConsumer } from '../../../dist/adapters/kafka/consumer-thread.js';
import { createKafka } from '../../../dist/adapters/kafka/kafka-client.js';
import { KafkaSource } from '../../../dist/adapters/kafka/kafka-source.js';
import { parseJobText } from '../../../dist/config/load-job.js';
import { buildResultSink } from '../../../dist/main.js';
import { JobRunner, type JobStatus } from '../../../dist/runtime/job-runner.js';
import { MemorySink } from '../../../src/adapters/sinks/memory.js';
import { systemClock } from '../../../src/ports/clock.js';
import { assertFreshKafkaBuild } from '../../support/kafka/fresh-build.js';
import { recordingLogger, type LoggedLine } from '../../support/recording-logger.js';
import { keyedByUser, processedByGroup, produce } from '../../support/kafka/topics.js';
import { tempDir } from '../cli-support.js';
import { clickLines, comparable, expectedKey, jobYaml, runFromFile } from './kafka-support.js';

// The suites below import the source and client from src/: here they get the built ones.
vi.mock('../../../src/adapters/kafka/kafka-client.js', () => import('../../../dist/adapters/kafka/kafka-client.js'));
vi.mock('../../../src/adapters/kafka/kafka-source.js', () => import('../../../dist/adapters/kafka/kafka-source.js'));
import './kafka-progress.test.js';
import './kafka-backpressure.test.js';

assertFreshKafkaBuild();

let kafka: MockKafka;

beforeAll(async () => {
  kafka = await startMockKafka({ brokers: 1, topics: { thread_e2e: 6, thread_restart: 6 } });
}, 120_000);

afterAll(async () => {
  await kafka?.stop();
});

const workerScript = new URL('../../../dist/adapters/kafka/consumer-worker.js', import.meta.url);
const dyingScript = new URL('./fixtures/dying-consumer-worker.mjs', import.meta.url);

/**
 * The Kafka tests' job (kafka-support.ts) in this process, built from the dist/ modules, its results
 * appended to dir/out/results.ndjson; its consumer runs on a thread started from `script`. Resolves
 * with the job's status, also when it failed.
 */
async function runJob(dir: string, topic: string, groupId: string, script: URL, clientId: string): Promise<{ status: JobStatus; consumer: ThreadConsumer; source: KafkaSource; lines: LoggedLine[] }> {
  const { logger, lines } = recordingLogger();
  const job = parseJobText(
    jobYaml({
      source: `{ type: kafka, brokers: [${kafka.bootstrap}], topic: ${topic}, groupId: ${groupId}, stopAt: end, commitInterval: 100ms, sessionTimeout: 4s, heartbeatInterval: 500ms }`,
      sink: `{ type: file, path: ${join(dir, 'out/results.ndjson')} }`,
      deadLetter: join(dir, 'out/bad.ndjson'),
      lateOutput: join(dir, 'out/late.ndjson'),
    }),
    'job.yaml',
  );
  if (job.source.type !== 'kafka') throw new Error('a Kafka job was expected');
  const { startFrom, stopAtEnd, sessionTimeoutMs, heartbeatIntervalMs, commitIntervalMs } = job.source;
  const connection = { brokers: [kafka.bootstrap], clientId };
  const settings = { topic, groupId, fromBeginning: startFrom === 'earliest', sessionTimeoutMs, heartbeatIntervalMs };
  const consumer = new ThreadConsumer(script, { connection, settings }, logger);
  const options = { topic, groupId, startFrom, stopAtEnd, sessionTimeoutMs, heartbeatIntervalMs };
  const source = new KafkaSource(createKafka(connection, logger), options, logger, consumer);
  const runner = new JobRunner(job, { name: job.name, maxRecordBytes: job.maxRecordBytes, updateIntervalMs: job.updateIntervalMs, commitIntervalMs }, {
    source,
    results: await buildResultSink(job.sink, job, logger),
    deadLetters: new MemorySink(),
    lateRecords: new MemorySink(),
    clock: systemClock,
    logger,
  });
  // A failed job's run rejects with the failure, which its status also gives.
  const status = await runner.run().catch(() => runner.status());
  return { status, consumer, source, lines };
}

/** The results file as a compacted topic would keep it: the last result of each window, start and key. */
function latestResults(dir: string): string[] {
  const latest = new Map<string, string>();
  for (const line of readFileSync(join(dir, 'out/results.ndjson'), 'utf8').split('\n')) if (line !== '') latest.set(expectedKey(line), line);
  return [...latest.values()];
}

describe('the Kafka source with its consumer thread', () => {
  it("runs kafkajs on a thread of its own for a client Tally made, and on the caller's thread for one it did not", () => {
    const options = { topic: 'thread_e2e', groupId: 'none', startFrom: 'earliest', stopAtEnd: false, sessionTimeoutMs: 4_000, heartbeatIntervalMs: 500 } as const;
    const { logger } = recordingLogger();
    expect(new KafkaSource(createKafka({ brokers: kafka.brokers, clientId: 'made' }, logger), options, logger).isThreaded).toBe(true);
    const plain = new kafkajs.Kafka({ clientId: 'plain', brokers: kafka.brokers, logLevel: kafkajs.logLevel.NOTHING });
    expect(new KafkaSource(plain, options, logger).isThreaded).toBe(false);
  });

  it("a job reading through the thread equals the run over the same events from a file, the thread's log lines reach the job's logger, and the thread ends with the job", async () => {
    const dir = tempDir();
    const lines = clickLines(20_000, 71);
    await produce(kafka.bootstrap, 'thread_e2e', keyedByUser(lines));
    const expected = await runFromFile(dir, lines);
    const { status, consumer, lines: logged } = await runJob(dir, 'thread_e2e', 'thread-e2e', workerScript, 'thread-e2e');
    expect(status.state, status.error ?? '').toBe('finished');
    expect(status.records).toBe(lines.length);
    const results = readFileSync(join(dir, 'out/results.ndjson'), 'utf8').split('\n').filter((l) => l !== '');
    expect(comparable(results)).toEqual(comparable(expected.results));
    // kafkajs' own lines, logged on the thread, tagged with their namespace as on the job's thread.
    expect(logged.some((l) => l.message === 'kafka: Consumer has joined the group' && typeof l.fields.kafka === 'string')).toBe(true);
    expect(logged.filter((l) => l.level !== 'info')).toEqual([]);
    expect(consumer.isRunning).toBe(false);
  }, 120_000);

  it('a consumer thread that dies mid-run fails the job with the reason instead of hanging, and a restart from the commits completes the results', async () => {
    const dir = tempDir();
    const lines = clickLines(60_000, 72);
    await produce(kafka.bootstrap, 'thread_restart', keyedByUser(lines));
    const expected = await runFromFile(dir, lines);

    const first = await runJob(dir, 'thread_restart', 'thread-restart', dyingScript, 'exit-after-40');
    expect(first.status.state).toBe('failed');
    expect(first.status.error).toMatch(/the consumer thread of thread_restart ended \(exit code 3\)/);
    expect(first.lines.some((l) => l.level === 'warn' && l.message === 'kafka source: consumer failed')).toBe(true);
    expect(first.consumer.isRunning).toBe(false);
    // It had got somewhere: records processed and committed, and not all of them.
    expect(first.status.records).toBeGreaterThan(0);
    expect(first.status.records).toBeLessThan(lines.length);
    expect(await processedByGroup(kafka.bootstrap, 'thread-restart', 'thread_restart')).toBeGreaterThan(0);

    // Its member leaves the group when its session times out (4 s): the restart then joins.
    const second = await runJob(dir, 'thread_restart', 'thread-restart', workerScript, 'thread-restart');
    expect(second.status.state, second.status.error ?? '').toBe('finished');
    expect(comparable(latestResults(dir))).toEqual(comparable(expected.results));
  }, 120_000);
});
