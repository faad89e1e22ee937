// The Kafka sink's producer thread, against the test broker: delivery, flush, backpressure, a broker
// outage, close during a write, errors of the thread, shutdown, and the job's-thread fallback. The
// built code is tested (a worker runs compiled JavaScript): beforeAll refuses a stale build.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockKafka, type MockKafka } from '../../../scripts/kafka/mock-broker.mjs';
import { BatchProducer } from '../../../dist/adapters/kafka/batch-producer.js';
import { createKafka } from '../../../dist/adapters/kafka/kafka-client.js';
import { KafkaSink } from '../../../dist/adapters/kafka/kafka-sink.js';
import { murmur2 } from '../../../dist/adapters/kafka/key-partitioner.js';
import { LocalChannel, ThreadChannel, type BatchChannel } from '../../../dist/adapters/kafka/producer-thread.js';
import { BatchBuilder, type EncodedBatch } from '../../../dist/adapters/kafka/record-batch.js';
import type { Logger } from '../../../src/ports/logger.js';
import { assertFreshKafkaBuild } from '../../support/kafka/fresh-build.js';
import { recordingLogger } from '../../support/recording-logger.js';
import { readTopic } from '../../support/kafka/topics.js';

let kafka: MockKafka;

beforeAll(async () => {
  assertFreshKafkaBuild();
  kafka = await startMockKafka({ brokers: 1, topics: { sink_delivery: 4, sink_outage: 4, sink_close_race: 4, sink_local: 4 } });
}, 120_000);

afterAll(async () => {
  await kafka?.stop();
});

interface Item {
  readonly id: number;
  readonly text: string;
}

function sinkFor(topic: string, logger: Logger, batchSize = 100): KafkaSink<Item> {
  const client = createKafka({ brokers: kafka.brokers, clientId: 'sink-thread-test' }, logger);
  return new KafkaSink<Item>(client, { topic, batchSize, key: (item) => `key|${item.id % 37}|${item.id}`, value: (item) => JSON.stringify(item) }, logger);
}

const items = (from: number, count: number): Item[] => Array.from({ length: count }, (_v, i) => ({ id: from + i, text: `é ☃ ${from + i}` }));

async function until(what: string, condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`waited in vain for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function settled(promise: Promise<unknown>): () => boolean {
  let done = false;
  void promise.then(
    () => (done = true),
    () => (done = true),
  );
  return () => done;
}

const faultyScript = new URL('./fixtures/faulty-producer-worker.mjs', import.meta.url);
const workerScript = new URL('../../../dist/adapters/kafka/producer-worker.js', import.meta.url);
/** A kafkajs client made without createKafka: the sink cannot start a thread with its connection. */
const plainClient = () => new kafkajs.Kafka({ clientId: 'sink-local-test', brokers: kafka.brokers, logLevel: kafkajs.logLevel.NOTHING });
const channelData = (topic: string) => ({ connection: { brokers: ['127.0.0.1:1'], clientId: 'faulty' }, topic });
const oneBatch = (n: number) => {
  const builder = new BatchBuilder();
  builder.add(`k${n}`, `v${n}`);
  return builder.take();
};

describe('Kafka sink with its producer thread', () => {
  it('delivers every message once, keyed, in order per partition, on the partition of its key; flush waits for all of it', async () => {
    const { logger, lines } = recordingLogger();
    const sink = sinkFor('sink_delivery', logger, 100);
    // A client made by createKafka: the batches go to the producer thread.
    expect(sink.isThreaded).toBe(true);
    const written = items(0, 5_000);
    for (let i = 0; i < written.length; i += 700) await sink.write(written.slice(i, i + 700));
    await sink.flush();
    // Flushed: everything is on the topic already (read up to the end offsets as they are now).
    const read = await readTopic(kafka.bootstrap, 'sink_delivery');
    expect(read).toHaveLength(written.length);
    const byId = new Map(read.map((m) => [(JSON.parse(m.value) as Item).id, m]));
    expect(byId.size).toBe(written.length);
    for (const item of written) {
      const m = byId.get(item.id);
      expect(m?.key).toBe(`key|${item.id % 37}|${item.id}`);
      expect(JSON.parse(m?.value ?? 'null')).toEqual(item);
      expect(m?.partition).toBe((murmur2(Buffer.from(m?.key ?? '')) & 0x7fffffff) % 4);
    }
    for (let p = 0; p < 4; p++) {
      const ids = read.filter((m) => m.partition === p).map((m) => (JSON.parse(m.value) as Item).id);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
    }
    await sink.close();
    expect(lines.filter((l) => l.level !== 'info')).toEqual([]);
  }, 120_000);

  it('through a broker outage: flush waits until the broker is back, retries are logged, nothing is lost', async () => {
    const { logger, lines } = recordingLogger();
    const sink = sinkFor('sink_outage', logger, 50);
    await sink.write(items(0, 200));
    await sink.flush();
    await kafka.brokerDown(1);
    let up = false;
    try {
      // Two batches and a part: room for all of them, so the write itself does not wait.
      await sink.write(items(200, 120));
      const flushing = sink.flush();
      const flushDone = settled(flushing);
      // The producer thread's kafkajs sees the broker gone, and says so through the job's logger.
      await until('a warning from the producer thread', () => lines.some((l) => l.level === 'warn' && typeof l.fields.kafka === 'string'));
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(flushDone()).toBe(false);
      await kafka.brokerUp(1);
      up = true;
      await flushing;
    } finally {
      if (!up) await kafka.brokerUp(1);
    }
    // Flushed: every message is on the topic already.
    const read = await readTopic(kafka.bootstrap, 'sink_outage');
    const ids = new Set(read.map((m) => (JSON.parse(m.value) as Item).id));
    expect(ids).toEqual(new Set(items(0, 320).map((i) => i.id)));
    // A retried request may have reached the broker before its answer was lost: nothing is missing, repeats are the same message.
    for (const m of read) expect(m.key).toBe(`key|${(JSON.parse(m.value) as Item).id % 37}|${(JSON.parse(m.value) as Item).id}`);
    await sink.close();
  }, 180_000);

  it('close during a write that waits for room (the broker down) waits for that write, delivers all of it, and a later write rejects', async () => {
    const { logger, lines } = recordingLogger();
    const sink = sinkFor('sink_close_race', logger, 50);
    await kafka.brokerDown(1);
    let up = false;
    let closing: Promise<void> | null = null;
    try {
      // Far more than the batches allowed in flight: the write must wait for acknowledgements.
      const writing = sink.write(items(0, 2_000));
      const writeDone = settled(writing);
      await until('a warning from the producer thread', () => lines.some((l) => l.level === 'warn' && typeof l.fields.kafka === 'string'));
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(writeDone()).toBe(false);
      closing = sink.close();
      const closeDone = settled(closing);
      await expect(sink.write(items(5_000, 1))).rejects.toThrow(/kafka topic sink_close_race: write after close\(\)/);
      await expect(sink.flush()).rejects.toThrow(/flush after close\(\)/);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect([writeDone(), closeDone()]).toEqual([false, false]);
      await kafka.brokerUp(1);
      up = true;
      await writing;
      await closing;
    } finally {
      if (!up) await kafka.brokerUp(1);
      await closing?.catch(() => undefined);
    }
    const read = await readTopic(kafka.bootstrap, 'sink_close_race');
    expect(new Set(read.map((m) => (JSON.parse(m.value) as Item).id))).toEqual(new Set(items(0, 2_000).map((i) => i.id)));
  }, 180_000);

  it('ends the thread on close', async () => {
    const { logger } = recordingLogger();
    const script = new URL('../../../dist/adapters/kafka/producer-worker.js', import.meta.url);
    const channel = new ThreadChannel(script, { connection: { brokers: kafka.brokers, clientId: 'close-test' }, topic: 'sink_close' }, logger);
    expect(channel.isRunning).toBe(false);
    await channel.submit(oneBatch(1));
    expect(channel.isRunning).toBe(true);
    await channel.close();
    expect(channel.isRunning).toBe(false);
    await expect(channel.submit(oneBatch(2))).rejects.toThrow(/closed/);
    expect((await readTopic(kafka.bootstrap, 'sink_close')).map((m) => m.value)).toEqual(['v1']);
  }, 120_000);

  it('a Kafka error that is not retriable fails that batch, every later one and every later submit', async () => {
    const { logger } = recordingLogger();
    const channel = new ThreadChannel(faultyScript, channelData('fail-2'), logger);
    await channel.submit(oneBatch(1));
    await channel.submit(oneBatch(2));
    const third = channel.submit(oneBatch(3));
    const fourth = channel.submit(oneBatch(4));
    const error = await third.then(
      () => null,
      (e: unknown) => e as Error & { retriable?: unknown; type?: unknown },
    );
    expect(error?.name).toBe('KafkaJSProtocolError');
    expect(error?.message).toMatch(/larger than the max message size/);
    expect([error?.retriable, error?.type]).toEqual([false, 'MESSAGE_TOO_LARGE']);
    await expect(fourth).rejects.toThrow(/larger than the max message size/);
    await expect(channel.submit(oneBatch(5))).rejects.toThrow(/larger than the max message size/);
    await channel.close();
    expect(channel.isRunning).toBe(false);
  }, 60_000);

  it('a producer thread that throws or exits fails what waits, with the reason', async () => {
    const { logger } = recordingLogger();
    const throwing = new ThreadChannel(faultyScript, channelData('throw-1'), logger);
    await throwing.submit(oneBatch(1));
    await expect(throwing.submit(oneBatch(2))).rejects.toThrow('the producer thread broke');
    await expect(throwing.submit(oneBatch(3))).rejects.toThrow('the producer thread broke');
    await throwing.close();
    expect(throwing.isRunning).toBe(false);

    const exiting = new ThreadChannel(faultyScript, channelData('exit-0'), logger);
    const exitError = await exiting.submit(oneBatch(1)).then(
      () => null,
      (e: unknown) => e as Error & { retriable?: unknown },
    );
    expect(exitError?.message).toMatch(/producer thread of exit-0 ended \(exit code 3\)/);
    // Trying the same thread again cannot help: the job must not wait on it.
    expect(exitError?.retriable).toBe(false);
    await exiting.close();
    expect(exiting.isRunning).toBe(false);
    const afterClose = await exiting.submit(oneBatch(2)).then(
      () => null,
      (e: unknown) => e as Error & { retriable?: unknown },
    );
    expect(afterClose?.retriable).toBe(false);
  }, 60_000);

  it('a batch that cannot be handed to the thread fails at once, leaves nothing waiting, and no batch is sent after it', async () => {
    const { logger } = recordingLogger();
    const channel = new ThreadChannel(workerScript, { connection: { brokers: kafka.brokers, clientId: 'post-test' }, topic: 'sink_post' }, logger);
    await channel.submit(oneBatch(1));
    const shared = new ArrayBuffer(8);
    // The same buffer twice in the transfer list: postMessage throws.
    await expect(channel.submit({ count: 1, bytes: shared, lengths: shared })).rejects.toThrow(/could not be handed to the producer thread/);
    expect(channel.waitingCount).toBe(0);
    await expect(channel.submit(oneBatch(3))).rejects.toThrow(/could not be handed to the producer thread/);
    await channel.close();
    expect((await readTopic(kafka.bootstrap, 'sink_post')).map((m) => m.value)).toEqual(['v1']);
  }, 60_000);

  // The test broker accepts messages of any size (a 20 MB one included), so the failure here is a
  // batch the producer cannot read (a negative count), on the real producer's send path.
  for (const where of ['the producer thread', "the job's thread (LocalChannel)"] as const) {
    it(`on ${where}, a batch that fails stops the producer: the later, valid batch fails too and never reaches the topic`, async () => {
      const { logger } = recordingLogger();
      const topic = where === 'the producer thread' ? 'sink_latch_thread' : 'sink_latch_local';
      const channel: BatchChannel =
        where === 'the producer thread'
          ? new ThreadChannel(workerScript, { connection: { brokers: kafka.brokers, clientId: 'latch-test' }, topic }, logger)
          : new LocalChannel(new BatchProducer(plainClient(), topic, logger));
      await channel.submit(oneBatch(1));
      const broken: EncodedBatch = { count: -1, bytes: new ArrayBuffer(0), lengths: new ArrayBuffer(0) };
      const failing = channel.submit(broken);
      const later = channel.submit(oneBatch(3));
      const error = await failing.then(
        () => null,
        (e: unknown) => e as Error,
      );
      expect(error?.message).toMatch(/Invalid array length/);
      await expect(later).rejects.toThrow(/Invalid array length/);
      await expect(channel.submit(oneBatch(4))).rejects.toThrow(/Invalid array length/);
      await channel.close();
      expect((await readTopic(kafka.bootstrap, topic)).map((m) => m.value)).toEqual(['v1']);
    }, 60_000);
  }

  it("given a kafkajs client Tally did not make, produces on the job's thread and delivers every message in order", async () => {
    const { logger, lines } = recordingLogger();
    const sink = new KafkaSink<Item>(plainClient(), { topic: 'sink_local', batchSize: 100, key: (item) => `key|${item.id % 37}|${item.id}`, value: (item) => JSON.stringify(item) }, logger);
    expect(sink.isThreaded).toBe(false);
    const written = items(0, 1_000);
    for (let i = 0; i < written.length; i += 300) await sink.write(written.slice(i, i + 300));
    await sink.flush();
    const read = await readTopic(kafka.bootstrap, 'sink_local');
    expect(read.map((m) => (JSON.parse(m.value) as Item).id).sort((a, b) => a - b)).toEqual(written.map((i) => i.id));
    for (let p = 0; p < 4; p++) {
      const ids = read.filter((m) => m.partition === p).map((m) => (JSON.parse(m.value) as Item).id);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
    }
    await sink.close();
    await expect(sink.write(items(2_000, 1))).rejects.toThrow(/write after close/);
    expect(lines.filter((l) => l.level !== 'info')).toEqual([]);
  }, 60_000);

  it('a program that leaves an idle sink unclosed still exits by itself (the idle thread does not hold it)', async () => {
    const child = spawn(process.execPath, [fileURLToPath(new URL('./fixtures/idle-sink.mjs', import.meta.url)), kafka.brokers.join(','), 'sink_idle'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const exit = await new Promise<{ code: number | null; timedOut: boolean }>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve({ code: null, timedOut: true });
      }, 30_000);
      child.once('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, timedOut: false });
      });
    });
    expect({ ...exit, out: out.trim() }, err).toEqual({ code: 0, timedOut: false, out: 'flushed on the producer thread' });
    expect((await readTopic(kafka.bootstrap, 'sink_idle')).map((m) => m.value).sort()).toEqual(['1', '2', '3']);
  }, 60_000);
});
