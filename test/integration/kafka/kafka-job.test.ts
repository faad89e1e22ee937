// `tally run` with a Kafka source and sink against a real Kafka-protocol broker (librdkafka's mock cluster).

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockKafka, type MockKafka } from '../../../scripts/kafka/mock-broker.mjs';
import { compacted, keyedByUser, produce, readTopic } from '../../support/kafka/topics.js';
import { hasPartitions, startTally } from '../../support/kafka/tally-process.js';
import { readNdjson, runTally, tempDir, writeText } from '../cli-support.js';
import { clickLines, comparable, expectKeyedAndIdempotent, jobYaml, runFromFile } from './kafka-support.js';

let kafka: MockKafka;

beforeAll(async () => {
  kafka = await startMockKafka({ brokers: 1, topics: { clicks_e2e: 6, clicks_bad: 2, clicks_idle: 4 } });
}, 120_000);

afterAll(async () => {
  await kafka?.stop();
});

describe('tally run with Kafka', () => {
  it('consumes a topic, publishes keyed results, and equals the run over the same events from a file', async () => {
    const dir = tempDir();
    const lines = clickLines(20_000, 7);
    await produce(kafka.bootstrap, 'clicks_e2e', keyedByUser(lines));
    const expected = await runFromFile(dir, lines);

    const brokers = `[${kafka.bootstrap}]`;
    writeText(
      dir,
      'job.yaml',
      jobYaml({
        source: `{ type: kafka, brokers: ${brokers}, topic: clicks_e2e, groupId: e2e, stopAt: end, commitInterval: 500ms }`,
        sink: `{ type: kafka, brokers: ${brokers}, topic: results_e2e, batchSize: 2000 }`,
        deadLetter: `{ type: kafka, brokers: ${brokers}, topic: clicks_bad }`,
        lateOutput: 'out/late.ndjson',
      }),
    );
    const tally = startTally(['run', 'job.yaml'], dir);
    const run = await tally.exited;
    expect(run.code, run.stderr.slice(-3000)).toBe(0);

    const published = await readTopic(kafka.bootstrap, 'results_e2e');
    expectKeyedAndIdempotent(published);
    expect(comparable(published.map((m) => m.value))).toEqual(comparable(expected.results));
    // Every result once: nothing was replayed in an uninterrupted run.
    expect(compacted(published).size).toBe(published.length);

    const bad = await readTopic(kafka.bootstrap, 'clicks_bad');
    expect(bad.length).toBe(expected.badLines);
    expect(bad.length).toBeGreaterThan(0);
    for (const m of bad) {
      const record = JSON.parse(m.value) as { reason: string; position: { kind: string; topic: string; partition: number; offset: string } };
      expect(record.position).toMatchObject({ kind: 'kafka', topic: 'clicks_e2e' });
      expect(m.key).toBe(`clicks_e2e/${record.position.partition}/${record.position.offset}`);
    }

    // The group's committed offsets are the end offsets: a second bounded run has nothing to do.
    const again = await runTally(['run', 'job.yaml', '--log-level', 'warn'], { cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('0 events');
    expect((await readTopic(kafka.bootstrap, 'results_e2e')).length).toBe(published.length);
  }, 120_000);

  it('sends malformed messages to the dead-letter output with their position and reason, and goes on', async () => {
    const dir = tempDir();
    const good = clickLines(400, 3);
    const huge = `{"user_id":1,"page":"/","timestamp":1795392000000,"pad":"${'x'.repeat(200_000)}"}`;
    const bad: { key: string | null; value: string | null; reason: string }[] = [
      { key: 'a', value: 'not json at all', reason: 'NOT_JSON' },
      { key: 'b', value: '{"user_id":true,"page":"/","timestamp":1795392000000}', reason: 'INVALID_USER_ID' },
      { key: 'c', value: '{"user_id":"u1","page":"/"}', reason: 'MISSING_TIMESTAMP' },
      { key: 'd', value: '', reason: 'EMPTY' },
      { key: 'e', value: null, reason: 'EMPTY' },
      { key: 'f', value: '   ', reason: 'NOT_JSON' },
      { key: 'g', value: huge, reason: 'TOO_LARGE' },
      { key: 'h', value: '[1,2,3]', reason: 'NOT_AN_OBJECT' },
    ];
    // Bad messages spread between good ones, all on one partition of a fresh topic.
    const messages = good.map((value) => ({ key: 'one', value }));
    bad.forEach((b, i) => messages.splice(20 + i * 40, 0, { key: 'one', value: b.value as string }));
    const topic = 'clicks_malformed';
    await produce(kafka.bootstrap, topic, messages);
    const expected = await runFromFile(dir, good.filter(Boolean));

    const brokers = `[${kafka.bootstrap}]`;
    writeText(
      dir,
      'job.yaml',
      jobYaml({
        source: `{ type: kafka, brokers: ${brokers}, topic: ${topic}, groupId: malformed, stopAt: end }`,
        sink: '{ type: file, path: out/results.ndjson }',
        deadLetter: 'out/bad.ndjson',
        lateOutput: 'out/late.ndjson',
        extra: 'maxRecordBytes: 100000',
      }),
    );
    const run = await runTally(['run', 'job.yaml', '--log-level', 'warn'], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    const deadLetters = readNdjson(join(dir, 'out/bad.ndjson'));
    const generatedBad = expected.badLines;
    expect(deadLetters.length).toBe(bad.length + generatedBad);
    const handMade = deadLetters.filter((d) => bad.some((b) => (b.value ?? '').slice(0, 1000) === String(d.raw).slice(0, 1000)));
    expect(handMade.map((d) => d.reason).sort()).toEqual(bad.map((b) => b.reason).sort());
    for (const d of deadLetters) expect(d.position).toMatchObject({ kind: 'kafka', topic, partition: expect.any(Number), offset: expect.any(String) });
    const results = readFileSync(join(dir, 'out/results.ndjson'), 'utf8').split('\n').filter((l) => l !== '');
    expect(comparable(results)).toEqual(comparable(expected.results));
  }, 120_000);

  it('an idle partition stops holding results back after the idle timeout, and SIGTERM commits and exits 0', async () => {
    const dir = tempDir();
    // Partitions 0 and 1 get every event; 2 and 3 none at all.
    const lines = clickLines(3_000, 5);
    await produce(kafka.bootstrap, 'clicks_idle', lines.map((value, i) => ({ key: null, value, partition: i % 2 })));
    writeText(
      dir,
      'job.yaml',
      jobYaml({
        source: `{ type: kafka, brokers: [${kafka.bootstrap}], topic: clicks_idle, groupId: idle, commitInterval: 200ms }`,
        sink: '{ type: file, path: out/results.ndjson }',
        deadLetter: 'out/bad.ndjson',
        lateOutput: 'out/late.ndjson',
      }).replace('time: { maxOutOfOrderness: 10s, allowedLateness: 0s }', 'time: { maxOutOfOrderness: 10s, allowedLateness: 0s, idleTimeout: 1s }'),
    );
    const tally = startTally(['run', 'job.yaml'], dir);
    await tally.waitForLog(hasPartitions);
    // Without the timeout, the empty partitions 2 and 3 would hold the watermark at −∞ forever.
    await tally.waitForLog((l) => l.msg === 'partition idle: no longer holding the watermark back' && (l.partition === 2 || l.partition === 3), 15_000);
    const results = join(dir, 'out/results.ndjson');
    const deadline = Date.now() + 15_000;
    while (!(existsSync(results) && readFileSync(results, 'utf8').length > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    // Windows closed by the watermark of partitions 0 and 1 alone: results of a job that is still running.
    expect(readNdjson(results).length).toBeGreaterThan(0);
    tally.child.kill('SIGTERM');
    const run = await tally.exited;
    expect(run.code, run.stderr.slice(-2000)).toBe(0);
    expect(tally.stderrLines.some((l) => l.includes('"state":"stopped"'))).toBe(true);
  }, 120_000);
});
