// Two `tally` processes in one consumer group, each writing its own files with checkpoints: across
// the rebalances, the files of all processes together hold each result and dead letter once.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockKafka, type MockKafka } from '../../../scripts/kafka/mock-broker.mjs';
import { keyedByUser, processedByGroup, produce } from '../../support/kafka/topics.js';
import { startTally } from '../../support/kafka/tally-process.js';
import { runTally, tempDir, writeText } from '../cli-support.js';
import { clickLines, comparable, jobYaml, runFromFile } from './kafka-support.js';

let kafka: MockKafka;

beforeAll(async () => {
  kafka = await startMockKafka({ brokers: 1, topics: { clicks_group_files: 8 } });
}, 120_000);

afterAll(async () => {
  await kafka?.stop();
});

const TOPIC = 'clicks_group_files';
const GROUP = 'files';

/** A process's own directory: its output files and its checkpoint store. */
function jobDir(stopAtEnd: boolean): string {
  const dir = tempDir();
  const stop = stopAtEnd ? ', stopAt: end' : '';
  writeText(
    dir,
    'job.yaml',
    jobYaml({
      source: `{ type: kafka, brokers: [${kafka.bootstrap}], topic: ${TOPIC}, groupId: ${GROUP}${stop}, sessionTimeout: 4s, heartbeatInterval: 500ms }`,
      sink: '{ type: file, path: out/results.ndjson }',
      deadLetter: 'out/bad.ndjson',
      lateOutput: 'out/late.ndjson',
      extra: 'checkpoint: { store: file://./state, interval: 200ms }',
    }),
  );
  return dir;
}

const linesOf = (path: string): string[] => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter((l) => l !== '') : []);

async function waitUntil(what: string, test: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const assigned = (count: number) => (line: Record<string, unknown>) =>
  line.msg === 'kafka source: partitions assigned' && Array.isArray(line.partitions) && line.partitions.length === count;

function expectOnce(ids: readonly string[], what: string): void {
  const seen = new Set<string>();
  expect(ids.filter((id) => (seen.has(id) ? true : (seen.add(id), false))), `${what} in the files more than once`).toEqual([]);
}

describe('two tally processes in one group, with checkpoints and file outputs of their own', () => {
  it('a process joins and one leaves: the files of all processes together hold each result and dead letter once', async () => {
    const lines = clickLines(60_000, 45);
    const phases = [lines.slice(0, 20_000), lines.slice(20_000, 40_000), lines.slice(40_000)];
    const { results: expected, badLines: expectedBad } = await runFromFile(tempDir(), lines);

    await produce(kafka.bootstrap, TOPIC, keyedByUser(phases[0] as string[]));
    const dirA = jobDir(false);
    const a = startTally(['run', 'job.yaml'], dirA);
    await a.waitForLog(assigned(8));
    await waitUntil('A has read the first phase', async () => (await processedByGroup(kafka.bootstrap, GROUP, TOPIC)) >= 20_000);

    const dirB = jobDir(false);
    const b = startTally(['run', 'job.yaml'], dirB);
    await b.waitForLog(assigned(4));
    await a.waitForLog(assigned(4));
    await produce(kafka.bootstrap, TOPIC, keyedByUser(phases[1] as string[]));
    await waitUntil('A and B have read the second phase', async () => (await processedByGroup(kafka.bootstrap, GROUP, TOPIC)) >= 40_000);

    // B stops (SIGTERM: a last checkpoint, committed and published); A takes over its partitions.
    const takenOver = a.waitForNewLog(assigned(8));
    b.child.kill('SIGTERM');
    const bRun = await b.exited;
    expect(bRun.code, bRun.stderr.slice(-2000)).toBe(0);
    await takenOver;
    await produce(kafka.bootstrap, TOPIC, keyedByUser(phases[2] as string[]));
    await waitUntil('A has read the third phase', async () => (await processedByGroup(kafka.bootstrap, GROUP, TOPIC)) >= 60_000);
    a.child.kill('SIGTERM');
    const aRun = await a.exited;
    expect(aRun.code, aRun.stderr.slice(-2000)).toBe(0);

    // A bounded run of the same group closes the windows still open, from the group's commits.
    const dirC = jobDir(true);
    const c = await runTally(['run', 'job.yaml', '--log-level', 'warn'], { cwd: dirC });
    expect(c.code, c.stderr).toBe(0);

    const dirs = [dirA, dirB, dirC];
    for (const dir of dirs) expect(linesOf(join(dir, 'out/late.ndjson'))).toEqual([]);
    const results = dirs.flatMap((dir) => linesOf(join(dir, 'out/results.ndjson')));
    expect(linesOf(join(dirB, 'out/results.ndjson')).length, 'B published results').toBeGreaterThan(0);
    expectOnce(results.map((l) => { const r = JSON.parse(l) as { window: string; start: number; key: unknown }; return `${r.window}|${r.start}|${JSON.stringify(r.key)}`; }), 'a result');
    expect(comparable(results)).toEqual(comparable(expected));
    const bad = dirs.flatMap((dir) => linesOf(join(dir, 'out/bad.ndjson')).map((l) => JSON.stringify((JSON.parse(l) as { position: unknown }).position)));
    expectOnce(bad, 'a dead letter');
    expect(bad.length).toBe(expectedBad);
  }, 240_000);
});
