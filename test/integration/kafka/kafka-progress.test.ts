// KafkaSource.progress(): per assigned partition, the next offset the job processes and the messages left (lag).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockKafka, type MockKafka } from '../../../scripts/kafka/mock-broker.mjs';
import { createKafka } from '../../../src/adapters/kafka/kafka-client.js';
import { KafkaSource, type KafkaSourceOptions } from '../../../src/adapters/kafka/kafka-source.js';
import { silentLogger } from '../../../src/ports/logger.js';
import type { Assignment, PartitionProgress, RawBatch } from '../../../src/ports/source.js';
import { produce } from '../../support/kafka/topics.js';

let kafka: MockKafka;

beforeAll(async () => {
  kafka = await startMockKafka({ brokers: 1, topics: { clicks_lag: 4, clicks_lag_end: 4 } });
}, 120_000);

afterAll(async () => {
  await kafka?.stop();
});

const PARTITIONS = [0, 1, 2, 3];

function sourceOf(topic: string, groupId: string, stopAtEnd: boolean): KafkaSource {
  const options: KafkaSourceOptions = { topic, groupId, startFrom: 'earliest', stopAtEnd, sessionTimeoutMs: 4_000, heartbeatIntervalMs: 500 };
  return new KafkaSource(createKafka({ brokers: [kafka.bootstrap], clientId: 'progress-test' }, silentLogger), options, silentLogger);
}

/** Produces `count` messages to each partition given (counts by partition), numbered from `from`. */
async function produceTo(topic: string, counts: Readonly<Record<number, number>>, from = 0): Promise<void> {
  const messages = Object.entries(counts).flatMap(([partition, count]) =>
    Array.from({ length: count }, (_, i) => ({ key: null, value: `{"n":${from + i}}`, partition: Number(partition) })),
  );
  await produce(kafka.bootstrap, topic, messages);
}

function isAssignment(item: RawBatch | Assignment): item is Assignment {
  return 'kind' in item;
}

function figuresOf(source: KafkaSource, partition: number): PartitionProgress | undefined {
  return source.progress().find((p) => p.partition === partition);
}

/**
 * Lets the source's fetch side run on (the batch's handoff, the next fetch): what it has fetched
 * or queued meanwhile must not count as processed.
 */
async function fetchSideSettles(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe('KafkaSource progress', () => {
  it('gives per partition the next offset to process and the messages produced but not processed, down to 0', async () => {
    const topic = 'clicks_lag';
    // Partition 2 stays empty: nothing is ever fetched from it.
    const produced = [300, 500, 0, 200];
    await produceTo(topic, { 0: 300, 1: 500, 3: 200 });
    const processed = [0, 0, 0, 0];
    const source = sourceOf(topic, 'lag', false);
    try {
      expect(source.progress()).toEqual([]);
      const iterator = source.batches()[Symbol.asyncIterator]();
      const first = await iterator.next();
      expect(first.done !== true && isAssignment(first.value)).toBe(true);
      // No committed offsets: a partition's position and lag are known from its first batch.
      for (const p of source.progress()) {
        if (p.position === null) expect(p).toEqual({ partition: p.partition, position: null, lag: null, unit: 'messages' });
        else expect(p).toEqual({ partition: p.partition, position: 0, lag: produced[p.partition as number], unit: 'messages' });
      }
      expect(source.progress().map((p) => p.partition)).toEqual(PARTITIONS);

      /** Takes batches until `total` messages have come; checks the figures with each one before it is processed. */
      const readUntil = async (total: number): Promise<void> => {
        while (processed.reduce((a, b) => a + b, 0) < total) {
          const next = await iterator.next();
          if (next.done === true || isAssignment(next.value)) throw new Error('expected a batch');
          const batch = next.value;
          const partition = batch.partition as number;
          await fetchSideSettles();
          expect(batch.offsets?.first).toBe(processed[partition]);
          expect(figuresOf(source, partition)).toEqual({
            partition,
            position: processed[partition],
            lag: (produced[partition] as number) - (processed[partition] as number),
            unit: 'messages',
          });
          for (const p of source.progress()) {
            // Other partitions: not fetched yet, or as far as processed with at most what is unprocessed left.
            if (p.position === null) expect(p.lag).toBeNull();
            else {
              expect(p.position).toBe(processed[p.partition as number]);
              expect(p.lag).toBeLessThanOrEqual((produced[p.partition as number] as number) - (processed[p.partition as number] as number));
            }
          }
          processed[partition] = (processed[partition] as number) + batch.records.length;
        }
      };
      await readUntil(1000);

      // More messages: asking for them marks the last batch processed; their batches raise the lag.
      produced[1] = 550;
      produced[3] = 230;
      await produceTo(topic, { 1: 50, 3: 30 }, 1000);
      await readUntil(1080);

      // Stopping ends the iteration after the batch in hand, which counts as processed.
      source.stop();
      expect((await iterator.next()).done).toBe(true);
      expect(source.progress()).toEqual([
        { partition: 0, position: 300, lag: 0, unit: 'messages' },
        { partition: 1, position: 550, lag: 0, unit: 'messages' },
        { partition: 2, position: null, lag: null, unit: 'messages' },
        { partition: 3, position: 230, lag: 0, unit: 'messages' },
      ]);
      await source.commit(
        [0, 1, 3].map((partition) => ({
          partition,
          offset: produced[partition] as number,
          resume: { completeUpToMs: null, maxEventTimeBeforeMs: null, processedUpTo: produced[partition] as number, job: 'progress-test' },
        })),
      );
    } finally {
      await source.close();
    }

    // The same group again: positions start at the committed offsets, lags come with the first batch.
    const again = sourceOf(topic, 'lag', false);
    try {
      const iterator = again.batches()[Symbol.asyncIterator]();
      const first = await iterator.next();
      expect(first.done !== true && isAssignment(first.value)).toBe(true);
      expect(again.progress()).toEqual([
        { partition: 0, position: 300, lag: null, unit: 'messages' },
        { partition: 1, position: 550, lag: null, unit: 'messages' },
        { partition: 2, position: null, lag: null, unit: 'messages' },
        { partition: 3, position: 230, lag: null, unit: 'messages' },
      ]);
      await produceTo(topic, { 0: 25 }, 2000);
      const next = await iterator.next();
      expect(next.done !== true && !isAssignment(next.value) && next.value.partition).toBe(0);
      expect(figuresOf(again, 0)).toEqual({ partition: 0, position: 300, lag: 25, unit: 'messages' });
      again.stop();
      expect((await iterator.next()).done).toBe(true);
      expect(figuresOf(again, 0)).toEqual({ partition: 0, position: 325, lag: 0, unit: 'messages' });
    } finally {
      await again.close();
    }
  });

  it('with stopAt end, counts the lag up to the end offsets from the start and ends with 0 everywhere', async () => {
    const topic = 'clicks_lag_end';
    await produceTo(topic, { 0: 120, 1: 40, 3: 75 });
    const ends = [120, 40, 0, 75];
    const source = sourceOf(topic, 'lag-end', true);
    try {
      const iterator = source.batches()[Symbol.asyncIterator]();
      const first = await iterator.next();
      expect(first.done !== true && isAssignment(first.value)).toBe(true);
      expect(source.progress()).toEqual(PARTITIONS.map((partition) => ({ partition, position: 0, lag: ends[partition], unit: 'messages' })));
      // Messages produced after the start are not part of this run's input.
      await produceTo(topic, { 1: 10 }, 500);
      const processed = [0, 0, 0, 0];
      for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) {
        if (isAssignment(next.value)) throw new Error('expected a batch');
        const partition = next.value.partition as number;
        await fetchSideSettles();
        expect(figuresOf(source, partition)).toMatchObject({ position: processed[partition], lag: (ends[partition] as number) - (processed[partition] as number) });
        processed[partition] = (processed[partition] as number) + next.value.records.length;
      }
      expect(processed).toEqual(ends);
      expect(source.progress()).toEqual(PARTITIONS.map((partition) => ({ partition, position: ends[partition], lag: 0, unit: 'messages' })));
    } finally {
      await source.close();
    }
  });
});
