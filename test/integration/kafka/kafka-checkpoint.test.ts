// A Kafka job with checkpoints: killed mid-run, it restores its state and reads on from the checkpoint's offsets.

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockKafka, type MockKafka } from '../../../scripts/kafka/mock-broker.mjs';
import { compacted, keyedByUser, produce, readTopic } from '../../support/kafka/topics.js';
import { hasPartitions, isMidRunCheckpoint, startTally } from '../../support/kafka/tally-process.js';
import { runTally, tempDir, writeText } from '../cli-support.js';
import { clickLines, comparable, expectKeyedAndIdempotent, jobYaml, runFromFile } from './kafka-support.js';

let kafka: MockKafka;

beforeAll(async () => {
  // 8 partitions: the test broker keeps 5 MiB a partition, and users keyed onto 4 would overflow the hottest.
  kafka = await startMockKafka({ brokers: 1, topics: { clicks_ckpt: 8 } });
}, 120_000);

afterAll(async () => {
  await kafka?.stop();
});

describe('Kafka with checkpoints', () => {
  it('killed mid-run (twice, unless the second run finishes first): each restart restores a checkpoint of its partitions, and the results are those of an uninterrupted run', async () => {
    const dir = tempDir();
    const lines = clickLines(60_000, 5);
    await produce(kafka.bootstrap, 'clicks_ckpt', keyedByUser(lines));
    const expected = await runFromFile(dir, lines);
    // A broker that answers 20 ms late, as across a network: the run lasts seconds, not one.
    await kafka.setBrokerRtt(1, 20);
    const brokers = `[${kafka.brokers.join(', ')}]`;
    writeText(
      dir,
      'job.yaml',
      jobYaml({
        source: `{ type: kafka, brokers: ${brokers}, topic: clicks_ckpt, groupId: ckpt, stopAt: end, commitInterval: 200ms, sessionTimeout: 4s, heartbeatInterval: 500ms }`,
        sink: `{ type: kafka, brokers: ${brokers}, topic: results_ckpt, batchSize: 200 }`,
        deadLetter: 'out/bad.ndjson',
        lateOutput: 'out/late.ndjson',
        extra: 'checkpoint: { store: file://./state, interval: 100ms, retain: 2 }',
      }),
    );

    const restoredLogs: Record<string, unknown>[] = [];
    const restoredIn = (lines: readonly string[]): Record<string, unknown>[] =>
      lines.filter((l) => l.includes('restored from checkpoint')).map((l) => JSON.parse(l) as Record<string, unknown>);
    // The first run is killed once it has stored two checkpoints; the second, which has less left to
    // read, once it has stored three (a first one may come before it read anything: it would restore
    // where the first restart did). If it finishes first, there is no third run. A finished run's
    // checkpoint does not count: killed after it, a run has finished, and it is never restored.
    let finished = false;
    for (const wanted of [2, 3]) {
      const tally = startTally(['run', 'job.yaml'], dir);
      let stored = 0;
      const checkpointed = tally.waitForLog((l) => isMidRunCheckpoint(l) && ++stored === wanted, 120_000).then(() => 'checkpointed' as const);
      const outcome = await Promise.race([checkpointed, tally.exited.then(() => 'exited' as const)]);
      checkpointed.catch(() => undefined);
      if (outcome === 'checkpointed') tally.child.kill('SIGKILL');
      const exit = await tally.exited;
      restoredLogs.push(...restoredIn(tally.stderrLines));
      if (outcome === 'exited') {
        expect(wanted, 'the first run must be killed, not finish').toBe(3);
        expect(exit.code, exit.stderr.slice(-3000)).toBe(0);
        finished = true;
        break;
      }
      expect(exit.signal).toBe('SIGKILL');
    }
    if (!finished) {
      const final = await runTally(['run', 'job.yaml'], { cwd: dir });
      expect(final.code, final.stderr.slice(-3000)).toBe(0);
      restoredLogs.push(...restoredIn(final.stderr.split('\n')));
    }

    // Every restart restored a checkpoint of the eight partitions and read on from its offsets.
    expect(restoredLogs.length).toBe(finished ? 1 : 2);
    for (const log of restoredLogs) {
      const offsets = log.offsets as { partition: number; offset: number }[];
      expect(offsets.map((o) => o.partition).sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      expect(offsets.reduce((n, o) => n + o.offset, 0)).toBeGreaterThan(0);
    }
    // Each restart went on from further on than the one before.
    const progress = restoredLogs.map((l) => (l.offsets as { offset: number }[]).reduce((n, o) => n + o.offset, 0));
    for (let i = 1; i < progress.length; i++) expect(progress[i]).toBeGreaterThan(progress[i - 1] as number);
    expect(readdirSync(join(dir, 'state', 'checkpoints'))).toEqual(['partitions-0-1-2-3-4-5-6-7']);
    // `tally checkpoints list` shows them with their scope.
    const listed = await runTally(['checkpoints', 'list', 'job.yaml', '--json'], { cwd: dir });
    expect(listed.code, listed.stderr).toBe(0);
    const rows = listed.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { scope: string | null; status: string });
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(r).toMatchObject({ scope: 'partitions-0-1-2-3-4-5-6-7', status: 'ok' });

    const published = await readTopic(kafka.bootstrap, 'results_ckpt');
    expectKeyedAndIdempotent(published);
    expect(comparable([...compacted(published).values()])).toEqual(comparable(expected.results));
  }, 240_000);
});
