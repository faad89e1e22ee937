// Kafka runs that are interrupted: kill -9 and restart, and a broker that goes down and comes back.

import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startMockKafka, type MockKafka } from '../../../scripts/kafka/mock-broker.mjs';
import { compacted, keyedByUser, processedByGroup, produce, readTopic } from '../../support/kafka/topics.js';
import { hasPartitions, startTally } from '../../support/kafka/tally-process.js';
import { readNdjson, runTally, tempDir, writeText } from '../cli-support.js';
import { clickLines, comparable, expectKeyedAndIdempotent, jobYaml, runFromFile } from './kafka-support.js';

let kafka: MockKafka;

beforeAll(async () => {
  kafka = await startMockKafka({ brokers: 3, topics: { clicks_crash: 8, clicks_outage: 8 } });
}, 120_000);

afterAll(async () => {
  await kafka?.stop();
});

afterEach(async () => {
  await slowBrokers(0);
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Every broker answers `ms` late, as across a network. */
async function slowBrokers(ms: number): Promise<void> {
  for (let id = 1; id <= kafka.brokers.length; id++) await kafka.setBrokerRtt(id, ms);
}

/** The job: the topic through a Kafka sink in small produce batches, bad and late records to files. */
function kafkaJob(dir: string, topic: string, group: string, results: string): void {
  const brokers = `[${kafka.brokers.join(', ')}]`;
  writeText(
    dir,
    'job.yaml',
    jobYaml({
      source: `{ type: kafka, brokers: ${brokers}, topic: ${topic}, groupId: ${group}, stopAt: end, commitInterval: 200ms, sessionTimeout: 4s, heartbeatInterval: 500ms }`,
      sink: `{ type: kafka, brokers: ${brokers}, topic: ${results}, batchSize: 200 }`,
      deadLetter: 'out/bad.ndjson',
      lateOutput: 'out/late.ndjson',
    }),
  );
}

/** The published results, seen as a compacted topic keeps them, must be the file run's results. */
async function expectSameAsFile(resultsTopic: string, expected: readonly string[]): Promise<number> {
  const published = await readTopic(kafka.bootstrap, resultsTopic);
  expectKeyedAndIdempotent(published);
  expect(comparable([...compacted(published).values()])).toEqual(comparable(expected));
  return published.length;
}

describe('Kafka recovery', () => {
  it('killed with SIGKILL three times mid-run and restarted: the final results are those of an uninterrupted run', async () => {
    const dir = tempDir();
    const lines = clickLines(80_000, 21);
    await produce(kafka.bootstrap, 'clicks_crash', keyedByUser(lines));
    const expected = await runFromFile(dir, lines);
    kafkaJob(dir, 'clicks_crash', 'crash', 'results_crash');
    // Brokers 20 ms away and small produce batches make the run last about 5 s (about 1 s on
    // loopback), so that the kills land in the middle of it.
    await slowBrokers(20);

    // Killed at different points of its progress: early, in the middle, late (as its commits say).
    for (const share of [0.15, 0.45, 0.75]) {
      const tally = startTally(['run', 'job.yaml'], dir);
      await tally.waitForLog(hasPartitions);
      const deadline = Date.now() + 60_000;
      while ((await processedByGroup(kafka.bootstrap, 'crash', 'clicks_crash')) < share * lines.length && Date.now() < deadline) await sleep(20);
      tally.child.kill('SIGKILL');
      const killed = await tally.exited;
      expect(killed.signal).toBe('SIGKILL');
    }
    const publishedBeforeLastRun = (await readTopic(kafka.bootstrap, 'results_crash')).length;
    const final = await runTally(['run', 'job.yaml', '--log-level', 'warn'], { cwd: dir });
    expect(final.code, final.stderr).toBe(0);

    const publishedInAll = await expectSameAsFile('results_crash', expected.results);
    // The kills did interrupt the work: results came out before the last run, which still had events to read.
    expect(publishedBeforeLastRun).toBeGreaterThan(0);
    expect(Number(/finished: ([\d,]+) records/.exec(final.stderr)?.[1]?.replaceAll(',', '') ?? 0)).toBeGreaterThan(0);
    expect(publishedInAll).toBeGreaterThanOrEqual(expected.results.length);

    // Dead letters: written at least once each, never lost (a record read again after its commit
    // may be written twice; it keeps its position, so duplicates are recognisable).
    const positions = new Set(readNdjson(join(dir, 'out/bad.ndjson')).map((d) => JSON.stringify(d.position)));
    expect(positions.size).toBe(expected.badLines);
  }, 240_000);

  it('a broker that goes down and comes back during a run: the job waits, retries and loses nothing', async () => {
    const dir = tempDir();
    const lines = clickLines(60_000, 33);
    await produce(kafka.bootstrap, 'clicks_outage', keyedByUser(lines));
    const expected = await runFromFile(dir, lines);
    kafkaJob(dir, 'clicks_outage', 'outage', 'results_outage');

    const tally = startTally(['run', 'job.yaml'], dir);
    await tally.waitForLog(hasPartitions);
    // Broker 2 leads some partitions of the input and of the results topic.
    await kafka.brokerDown(2);
    await sleep(4_000);
    await kafka.brokerUp(2);
    const run = await tally.exited;
    expect(run.code, run.stderr.slice(-3000)).toBe(0);
    await expectSameAsFile('results_outage', expected.results);
    // The outage was seen and retried, and said so in the log.
    expect(tally.stderrLines.some((l) => /"level":40/.test(l) && /kafka/i.test(l))).toBe(true);
  }, 240_000);
});
