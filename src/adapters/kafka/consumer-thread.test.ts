import { describe, expect, it } from 'vitest';
import type { Logger } from '../../ports/logger.js';
import type { BatchControl, ConsumerHandlers, FetchedBatch } from './consumer-port.js';
import { ThreadConsumer } from './consumer-thread.js';

/**
 * A stand-in for the consumer thread, as a worker of its own: it answers every call, and once `run`
 * is called runs `onRun` (JavaScript with `post`, `batch(id, partition, firstOffset, values, extra)`
 * and `sleep(ms)` at hand). What it receives besides calls it logs back (`received`).
 */
function fakeThread(onRun: string): URL {
  const code = `
import { parentPort } from 'node:worker_threads';
const post = (message, transfer = []) => parentPort.postMessage(message, transfer);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const encoder = new TextEncoder();
function batch(id, partition, firstOffset, values, extra = {}) {
  const encoded = values.map((v) => (v === null ? null : encoder.encode(v)));
  const bytes = new Uint8Array(encoded.reduce((sum, e) => sum + (e?.length ?? 0), 0));
  const bounds = new Int32Array(2 * values.length).fill(-1);
  const offsets = new Float64Array(values.map((_v, i) => firstOffset + i));
  let at = 0;
  encoded.forEach((e, i) => {
    if (e === null) return;
    bytes.set(e, at);
    bounds[2 * i] = at;
    at += e.length;
    bounds[2 * i + 1] = at;
  });
  const messages = { count: values.length, bytes: bytes.buffer, bounds: bounds.buffer, offsets: offsets.buffer, isAscii: true };
  const head = { partition, fetchedOffset: firstOffset, highWatermark: firstOffset + values.length, lastOffset: firstOffset + values.length - 1 };
  post({ type: 'batch', id, ...head, messages, weight: 100, resumeAt: null, isRunning: true, isStale: false, seeksApplied: 0, ...extra }, [bytes.buffer, bounds.buffer, offsets.buffer]);
}
async function onRun() {
${onRun}
}
parentPort.on('message', (message) => {
  if (message.type === 'call') {
    post({ type: 'result', id: message.id, value: message.method.startsWith('fetch') ? [] : null });
    if (message.method === 'run') void onRun();
  } else if (message.type === 'close') {
    post({ type: 'closed' });
    parentPort.close();
  } else post({ type: 'log', level: 'info', fields: { received: message }, message: 'received' });
});
`;
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}

const settings = { topic: 'clicks', groupId: 'g', fromBeginning: true, sessionTimeoutMs: 4_000, heartbeatIntervalMs: 500 };

/** A consumer on a fake thread, what reaches its logger, and what the fake thread received. */
function consumerOn(onRun: string): { consumer: ThreadConsumer; logged: string[]; received: () => Record<string, unknown>[] } {
  const logged: string[] = [];
  const receivedMessages: Record<string, unknown>[] = [];
  const at = (fields: Record<string, unknown>, message: string): void => {
    logged.push(message);
    if (message === 'received') receivedMessages.push(fields.received as Record<string, unknown>);
  };
  const logger: Logger = { info: at, warn: at, error: at };
  const consumer = new ThreadConsumer(fakeThread(onRun), { connection: { brokers: ['127.0.0.1:1'], clientId: 'fake' }, settings }, logger);
  return { consumer, logged, received: () => receivedMessages };
}

/** Handlers that record what happens, in order; `onBatch` runs `handle` (default: nothing). */
function recorder(handle: (batch: FetchedBatch, control: BatchControl) => Promise<void> = async () => undefined) {
  const events: string[] = [];
  const crashes: { error: unknown; restart: boolean }[] = [];
  const handlers: ConsumerHandlers = {
    onGroupJoin: (partitions) => events.push(`join ${partitions.join(',')}`),
    onCrash: (error, restart) => crashes.push({ error, restart }),
    onEmptyBatch: (partition, lastOffset) => events.push(`read past ${partition} to ${lastOffset}`),
    onBatch: async (batch, control) => {
      events.push(`start ${batch.partition}@${batch.fetchedOffset} ${batch.texts(batch.size).join(' ')}`);
      try {
        await handle(batch, control);
        events.push(`end ${batch.partition}@${batch.fetchedOffset}`);
      } catch (error) {
        events.push(`given up ${batch.partition}@${batch.fetchedOffset}`);
        throw error;
      }
    },
  };
  return { handlers, events, crashes };
}

async function until(what: string, condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`waited in vain for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('ThreadConsumer', () => {
  it('hands the batches to onBatch one at a time and in order, with a batch read past in its place among them', async () => {
    const { consumer } = consumerOn(`
      post({ type: 'join', partitions: [0, 1] });
      batch(1, 0, 10, ['a', 'b']);
      post({ type: 'emptyBatch', partition: 0, lastOffset: 13, highWatermark: 20 });
      batch(2, 0, 14, ['c']);
      batch(3, 1, 0, ['d', null, 'e']);
    `);
    // Each batch takes a while: the next one must not start before it ends.
    const { handlers, events } = recorder(() => new Promise((resolve) => setTimeout(resolve, 20)));
    await consumer.connect();
    await consumer.run(handlers);
    await until('every batch', () => events.length === 8);
    expect(events).toEqual(['join 0,1', 'start 0@10 a b', 'end 0@10', 'read past 0 to 13', 'start 0@14 c', 'end 0@14', 'start 1@0 d  e', 'end 1@0']);
    await consumer.disconnect();
    expect(consumer.isRunning).toBe(false);
  });

  it('tells the thread to go on once the job has finished with the weight it waits for', async () => {
    const { consumer, received } = consumerOn(`
      batch(1, 0, 0, ['a']);
      batch(2, 0, 1, ['b'], { resumeAt: 150 });
    `);
    const { handlers, events } = recorder();
    await consumer.connect();
    await consumer.run(handlers);
    await until('a resume', () => received().some((m) => m.type === 'resume'));
    expect(events).toEqual(['start 0@0 a', 'end 0@0', 'start 0@1 b', 'end 0@1']);
    expect(received().filter((m) => m.type === 'resume')).toEqual([{ type: 'resume', released: 200 }]);
    await consumer.disconnect();
  });

  it('gives up the batch in hand and drops those waiting when the group is joined again, as kafkajs does on the job thread', async () => {
    const { consumer } = consumerOn(`
      post({ type: 'join', partitions: [0] });
      batch(1, 0, 0, ['a']);
      batch(2, 0, 1, ['b']);
      post({ type: 'emptyBatch', partition: 0, lastOffset: 4, highWatermark: 5 });
      await sleep(50);
      post({ type: 'join', partitions: [0] });
      batch(3, 0, 0, ['a']);
    `);
    // The first batch waits for room that never comes.
    const { handlers, events } = recorder((batch, control) => (batch.fetchedOffset === 0 && events.filter((e) => e.startsWith('join')).length === 1 ? control.whileHeartbeating(new Promise(() => undefined)) : Promise.resolve()));
    await consumer.connect();
    await consumer.run(handlers);
    await until('the batch after the rejoin', () => events.includes('end 0@0'));
    expect(events).toEqual(['join 0', 'start 0@0 a', 'join 0', 'given up 0@0', 'start 0@0 a', 'end 0@0']);
    await consumer.disconnect();
  });

  it('calls a batch stale when a seek of its partition was posted that the thread had not applied when it handed the batch over', async () => {
    const { consumer } = consumerOn(`
      batch(1, 0, 0, ['a']);
      await sleep(100);
      batch(2, 1, 0, ['b']);
      batch(3, 1, 7, ['c'], { seeksApplied: 1 });
      batch(4, 0, 1, ['d'], { isStale: true });
    `);
    const stale: string[] = [];
    const { handlers } = recorder(async (batch, control) => {
      stale.push(`${batch.partition}@${batch.fetchedOffset} ${control.isStale()} ${control.isRunning()}`);
      if (batch.partition === 0 && batch.fetchedOffset === 0) consumer.seek(1, 7);
    });
    await consumer.connect();
    await consumer.run(handlers);
    await until('every batch', () => stale.length === 4);
    expect(stale).toEqual(['0@0 false true', '1@0 true true', '1@7 false true', '0@1 true true']);
    await consumer.disconnect();
  });

  it('reports a failure of onBatch to the thread, for kafkajs to handle', async () => {
    const { consumer, received } = consumerOn(`batch(1, 0, 0, ['a']);`);
    const { handlers } = recorder(() => Promise.reject(new Error('the job broke')));
    await consumer.connect();
    await consumer.run(handlers);
    await until('a refusal', () => received().some((m) => m.type === 'refused'));
    expect(received().find((m) => m.type === 'refused')).toMatchObject({ id: 1, error: { name: 'Error', message: 'the job broke' } });
    await consumer.disconnect();
  });

  it('fails every waiting call and the consumer itself, without restart, when the thread ends', async () => {
    const { consumer } = consumerOn(`
      post({ type: 'log', level: 'warn', fields: { kafka: 'Consumer' }, message: 'kafka: about to end' });
      await sleep(50);
      process.exit(3);
    `);
    const { handlers, crashes } = recorder();
    await consumer.connect();
    const committing = consumer.commitOffsets([{ partition: 0, offset: 1, metadata: '' }]).catch(() => undefined);
    await consumer.run(handlers);
    await until('the crash', () => crashes.length > 0);
    expect(crashes).toHaveLength(1);
    expect(crashes[0]?.restart).toBe(false);
    expect(String(crashes[0]?.error)).toMatch(/the consumer thread of clicks ended \(exit code 3\)/);
    expect((crashes[0]?.error as { retriable?: unknown }).retriable).toBe(false);
    await committing;
    await expect(consumer.commitOffsets([])).rejects.toThrow(/ended \(exit code 3\)/);
    expect(consumer.isRunning).toBe(false);
    await consumer.disconnect();
  });
});
