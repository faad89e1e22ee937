// Two `tally` processes in one consumer group share the partitions; when one stops, the other takes over.

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockKafka, type MockKafka } from '../../../scripts/kafka/mock-broker.mjs';
import { compacted, keyedByUser, processedByGroup, produce, readTopic } from '../../support/kafka/topics.js';
import { startTally } from '../../support/kafka/tally-process.js';
import { readNdjson, runTally, tempDir, writeText } from '../cli-support.js';
import { clickLines, comparable, expectKeyedAndIdempotent, jobYaml, runFromFile } from './kafka-support.js';

let kafka: MockKafka;

beforeAll(async () => {
  kafka = await startMockKafka({ brokers: 1, topics: { clicks_group: 8 } });
}, 120_000);

afterAll(async () => {
  await kafka?.stop();
});

const TOPIC = 'clicks_group';
const GROUP = 'shared';

/** A job directory of its own (dead-letter and late files are per process), all in one group. */
function jobDir(stopAtEnd: boolean): string {
  const dir = tempDir();
  const brokers = `[${kafka.bootstrap}]`;
  const stop = stopAtEnd ? ', stopAt: end' : '';
  writeText(
    dir,
    'job.yaml',
    jobYaml({
      source: `{ type: kafka, brokers: ${brokers}, topic: ${TOPIC}, groupId: ${GROUP}${stop}, commitInterval: 200ms, sessionTimeout: 4s, heartbeatInterval: 500ms }`,
      sink: `{ type: kafka, brokers: ${brokers}, topic: results_group, batchSize: 1000 }`,
      deadLetter: 'out/bad.ndjson',
      lateOutput: 'out/late.ndjson',
    }),
  );
  return dir;
}

async function waitUntil(what: string, test: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** A log line: the kafka source was assigned exactly `count` partitions. */
const assigned = (count: number) => (line: Record<string, unknown>) =>
  line.msg === 'kafka source: partitions assigned' && Array.isArray(line.partitions) && line.partitions.length === count;

const eventsOf = (stderr: string): number => Number(/"msg":"job ended"/.test(stderr) ? (/"events":(\d+),[^\n]*"msg":"job ended"/.exec(stderr)?.[1] ?? 0) : 0);

describe('two tally processes in one consumer group', () => {
  it('share the partitions, hand them over when one stops, and the results are complete and correct', async () => {
    const lines = clickLines(60_000, 44);
    const phases = [lines.slice(0, 20_000), lines.slice(20_000, 40_000), lines.slice(40_000)];

    // The uninterrupted reference: the same job over all the lines from a file.
    const { results: expected, badLines: expectedBad } = await runFromFile(tempDir(), lines);

    await produce(kafka.bootstrap, TOPIC, keyedByUser(phases[0] as string[]));
    const dirA = jobDir(false);
    const a = startTally(['run', 'job.yaml'], dirA);
    await a.waitForLog(assigned(8));
    await waitUntil('A has read the first phase', async () => (await processedByGroup(kafka.bootstrap, GROUP, TOPIC)) >= 20_000);

    // B joins: the group splits the partitions between them.
    const dirB = jobDir(false);
    const b = startTally(['run', 'job.yaml'], dirB);
    await b.waitForLog(assigned(4));
    await a.waitForLog(assigned(4));
    await produce(kafka.bootstrap, TOPIC, keyedByUser(phases[1] as string[]));
    await waitUntil('A and B have read the second phase', async () => (await processedByGroup(kafka.bootstrap, GROUP, TOPIC)) >= 40_000);

    // B stops (SIGTERM: it commits and leaves); A takes over all partitions.
    const takenOver = a.waitForNewLog(assigned(8));
    b.child.kill('SIGTERM');
    const bRun = await b.exited;
    expect(bRun.code, bRun.stderr.slice(-2000)).toBe(0);
    expect(eventsOf(bRun.stderr)).toBeGreaterThan(0);
    await takenOver;
    await produce(kafka.bootstrap, TOPIC, keyedByUser(phases[2] as string[]));
    await waitUntil('A has read the third phase', async () => (await processedByGroup(kafka.bootstrap, GROUP, TOPIC)) >= 60_000);
    a.child.kill('SIGTERM');
    const aRun = await a.exited;
    expect(aRun.code, aRun.stderr.slice(-2000)).toBe(0);

    // Windows still open are closed by a bounded run of the same group, from the committed positions.
    const dirC = jobDir(true);
    const c = await runTally(['run', 'job.yaml', '--log-level', 'warn'], { cwd: dirC });
    expect(c.code, c.stderr).toBe(0);

    const published = await readTopic(kafka.bootstrap, 'results_group');
    expectKeyedAndIdempotent(published);
    expect(comparable([...compacted(published).values()])).toEqual(comparable(expected));
    // Each bad record went to the dead-letter file of the process that read it first (at least once in all).
    const badPositions = new Set([dirA, dirB, dirC].flatMap((dir) => readNdjson(join(dir, 'out/bad.ndjson')).map((d) => JSON.stringify(d.position))));
    expect(badPositions.size).toBe(expectedBad);
  }, 240_000);
});
