// A sink slower than the source: consumption waits for it, the group membership holds, nothing is lost.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockKafka, type MockKafka } from '../../../scripts/kafka/mock-broker.mjs';
import { parseJobText } from '../../../src/config/load-job.js';
import type { WindowResult } from '../../../src/core/emit/outputs.js';
import { MemorySink } from '../../../src/adapters/sinks/memory.js';
import { createKafka } from '../../../src/adapters/kafka/kafka-client.js';
import { KafkaSource } from '../../../src/adapters/kafka/kafka-source.js';
import { systemClock } from '../../../src/ports/clock.js';
import type { Logger } from '../../../src/ports/logger.js';
import type { Sink } from '../../../src/ports/sink.js';
import { JobRunner } from '../../../src/runtime/job-runner.js';
import { keyedByUser, produce } from '../../support/kafka/topics.js';
import { clickLines } from './kafka-support.js';

let kafka: MockKafka;

beforeAll(async () => {
  kafka = await startMockKafka({ brokers: 1, topics: { clicks_slow: 4 } });
}, 120_000);

afterAll(async () => {
  await kafka?.stop();
});

/** Results are taken only while the gate is open: the first write waits for it. */
class GatedSink implements Sink<WindowResult> {
  readonly description = 'gated';
  readonly items: WindowResult[] = [];
  private open!: () => void;
  private readonly opened = new Promise<void>((resolve) => (this.open = resolve));
  writesWaiting = 0;

  async write(items: readonly WindowResult[]): Promise<void> {
    this.writesWaiting++;
    await this.opened;
    this.writesWaiting--;
    this.items.push(...items);
  }

  release(): void {
    this.open();
  }

  async close(): Promise<void> {}
}

describe('Kafka backpressure', () => {
  it('stops reading while the sink cannot take more, keeps its group membership, then reads everything', async () => {
    const lines = clickLines(20_000, 9);
    await produce(kafka.bootstrap, 'clicks_slow', keyedByUser(lines));
    const job = parseJobText(
      `name: slow\nsource: { type: stdin }\nkeyBy: [user_id]\nwindows: [{ name: per_minute, tumbling: 1m }]\ntime: { maxOutOfOrderness: 1s }\n`,
      'job.yaml',
    );
    const logs: string[] = [];
    const logger: Logger = { info: (_f, m) => logs.push(m), warn: (_f, m) => logs.push(m), error: (_f, m) => logs.push(m) };
    const source = new KafkaSource(
      createKafka({ brokers: [kafka.bootstrap], clientId: 'test' }, logger),
      { topic: 'clicks_slow', groupId: 'slow', startFrom: 'earliest', stopAtEnd: true, sessionTimeoutMs: 4_000, heartbeatIntervalMs: 500 },
      logger,
    );
    const results = new GatedSink();
    const runner = new JobRunner(job, { name: 'slow', maxRecordBytes: 1 << 20, updateIntervalMs: 1000, commitIntervalMs: 200 }, {
      source,
      results,
      deadLetters: new MemorySink(),
      lateRecords: new MemorySink(),
      clock: systemClock,
      logger,
    });
    const done = runner.run();
    const deadline = Date.now() + 30_000;
    while (results.writesWaiting === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(results.writesWaiting).toBe(1);
    const readWhenBlocked = runner.status().records;
    // Longer than the session timeout: a consumer that stopped heartbeating would be dropped.
    await new Promise((r) => setTimeout(r, 6_000));
    expect(runner.status().records).toBe(readWhenBlocked);
    expect(readWhenBlocked).toBeLessThan(lines.length);
    results.release();
    const status = await done;
    expect(status.state).toBe('finished');
    expect(status.records).toBe(lines.length);
    expect(logs.filter((m) => m === 'kafka source: partitions assigned')).toHaveLength(1);
    const counted = results.items.reduce((sum, r) => sum + (r.values[0] as number), 0);
    expect(counted).toBe(status.engine.events - status.engine.lateRecords);
  }, 120_000);
});
