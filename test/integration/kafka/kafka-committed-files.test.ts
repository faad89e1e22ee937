// A Kafka job with checkpoints writing files: killed again and again, its files hold each result
// and each dead letter exactly once, as an uninterrupted run's.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockKafka, type MockKafka } from '../../../scripts/kafka/mock-broker.mjs';
import { keyedByUser, produce } from '../../support/kafka/topics.js';
import { isMidRunCheckpoint, startTally } from '../../support/kafka/tally-process.js';
import { runTally, tempDir, writeText } from '../cli-support.js';
import { clickLines, comparable, jobYaml, runFromFile } from './kafka-support.js';

let kafka: MockKafka;

beforeAll(async () => {
  kafka = await startMockKafka({ brokers: 1, topics: { clicks_files: 8, clicks_parts: 8 } });
}, 120_000);

afterAll(async () => {
  await kafka?.stop();
});

/** Lines of a text file (none when it does not exist). */
function linesOf(path: string): string[] {
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter((l) => l !== '') : [];
}

/** What identifies a result: a file must hold each once. */
function resultId(line: string): string {
  const r = JSON.parse(line) as { window: string; start: number; key: unknown };
  return `${r.window}|${r.start}|${JSON.stringify(r.key)}`;
}

function expectNoDuplicates(ids: readonly string[], what: string): void {
  const seen = new Set<string>();
  const twice = ids.filter((id) => (seen.has(id) ? true : (seen.add(id), false)));
  expect(twice, `${what} held more than once`).toEqual([]);
}

/**
 * Runs `tally run job.yaml` in `dir`, killing it with SIGKILL after `kills[i]` checkpoints stored mid-run
 * in run i (unless that run finishes first), then once more to the end. `check` looks at the files
 * after every kill.
 */
async function runWithKills(dir: string, kills: readonly number[], check: () => void): Promise<number> {
  let killed = 0;
  for (const wanted of kills) {
    const tally = startTally(['run', 'job.yaml'], dir);
    let stored = 0;
    const checkpointed = tally.waitForLog((l) => isMidRunCheckpoint(l) && ++stored === wanted, 120_000).then(() => 'checkpointed' as const);
    const outcome = await Promise.race([checkpointed, tally.exited.then(() => 'exited' as const)]);
    checkpointed.catch(() => undefined);
    if (outcome === 'exited') {
      const exit = await tally.exited;
      expect(exit.code, exit.stderr.slice(-3000)).toBe(0);
      return killed;
    }
    tally.child.kill('SIGKILL');
    const exit = await tally.exited;
    if (exit.signal !== 'SIGKILL') {
      // It finished between its log line and the kill.
      expect(exit.code, exit.stderr.slice(-3000)).toBe(0);
      return killed;
    }
    killed++;
    check();
  }
  const final = await runTally(['run', 'job.yaml'], { cwd: dir });
  expect(final.code, final.stderr.slice(-3000)).toBe(0);
  return killed;
}

/**
 * Generated clicks in `topic`, the results of a run over them from a file, and job.yaml: the topic
 * through `sink`, dead letters and late records to files, checkpoints every 100 ms.
 */
async function setUpJob(events: number, seed: number, topic: string, sink: string): Promise<{ dir: string; expected: { results: string[]; badLines: number } }> {
  const dir = tempDir();
  const lines = clickLines(events, seed);
  await produce(kafka.bootstrap, topic, keyedByUser(lines));
  const expected = await runFromFile(dir, lines);
  const brokers = `[${kafka.brokers.join(', ')}]`;
  writeText(
    dir,
    'job.yaml',
    jobYaml({
      source: `{ type: kafka, brokers: ${brokers}, topic: ${topic}, groupId: ${topic}, stopAt: end, sessionTimeout: 4s, heartbeatInterval: 500ms }`,
      sink,
      deadLetter: 'out/bad.ndjson',
      lateOutput: 'out/late.ndjson',
      extra: 'checkpoint: { store: file://./state, interval: 100ms, retain: 2 }',
    }),
  );
  return { dir, expected };
}

describe('Kafka source, checkpoints and file outputs', () => {
  it('killed three times mid-run: the results and dead-letter files hold what an uninterrupted run writes, each line once', async () => {
    const { dir, expected } = await setUpJob(60_000, 11, 'clicks_files', '{ type: file, path: out/results.ndjson }');
    const results = join(dir, 'out/results.ndjson');
    const bad = join(dir, 'out/bad.ndjson');
    const badId = (line: string): string => JSON.stringify((JSON.parse(line) as { position: unknown }).position);
    // Between runs the files hold only published output: whole lines, none twice, each a final one.
    const expectedIds = new Set(expected.results.map(resultId));
    const sizes: number[] = [];
    const killed = await runWithKills(dir, [1, 2, 1], () => {
      const got = linesOf(results);
      expectNoDuplicates(got.map(resultId), 'a result');
      for (const line of got) expect(expectedIds.has(resultId(line)), `unexpected result ${line}`).toBe(true);
      expectNoDuplicates(linesOf(bad).map(badId), 'a dead letter');
      sizes.push(got.length);
    });
    expect(killed, 'the first run must be killed, not finish').toBeGreaterThan(0);
    // Killed runs published something, and a restart never took anything back.
    expect(sizes.some((n) => n > 0)).toBe(true);
    for (let i = 1; i < sizes.length; i++) expect(sizes[i]).toBeGreaterThanOrEqual(sizes[i - 1] as number);

    const got = linesOf(results);
    expectNoDuplicates(got.map(resultId), 'a result');
    expect(comparable(got)).toEqual(comparable(expected.results));
    const badLines = linesOf(bad);
    expectNoDuplicates(badLines.map(badId), 'a dead letter');
    expect(badLines.length).toBe(expected.badLines);
    expect(linesOf(join(dir, 'out/late.ndjson'))).toEqual([]);
    // Nothing is left pending after the run finished.
    expect(readdirSync(join(dir, 'out')).filter((f) => f.includes('.pending-'))).toEqual([]);
  }, 300_000);

  it('partitioned NDJSON files from a Kafka source: killed once, the parts together hold each result once', async () => {
    const { dir, expected } = await setUpJob(40_000, 12, 'clicks_parts', '{ type: file, path: out/results, partitioned: true, rollSize: 64KiB }');
    const partLines = (): string[] => {
      const root = join(dir, 'out/results');
      if (!existsSync(root)) return [];
      const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ndjson') && !f.startsWith('_pending'));
      return files.flatMap((f) => linesOf(join(root, f)));
    };
    const killed = await runWithKills(dir, [2], () => expectNoDuplicates(partLines().map(resultId), 'a result'));
    expect(killed).toBe(1);
    const got = partLines();
    expectNoDuplicates(got.map(resultId), 'a result');
    expect(comparable(got)).toEqual(comparable(expected.results));
  }, 300_000);
});
