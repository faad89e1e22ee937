// The Kafka source's consumer thread: runs kafkajs' consumer and admin client, decodes the fetch
// responses, and hands each batch to the job's thread as packed buffers, at most a bounded amount
// ahead of the job.

import { parentPort, workerData } from 'node:worker_threads';
import type { Batch } from 'kafkajs';
import type { BatchMessage, ConsumerCall, ConsumerThreadData, FromConsumer, ToConsumer } from './consumer-messages.js';
import type { BatchControl } from './consumer-port.js';
import { createKafka } from './kafka-client.js';
import { LocalConsumer } from './local-consumer.js';
import { packedSize, packMessages, transferList } from './packed-batch.js';
import { postingLogger, reviveError, serializeError } from './thread-data.js';

if (parentPort === null) throw new Error('consumer-worker.js runs as a worker thread of the Kafka source');
const port = parentPort;
const post = (message: FromConsumer, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);

/** Log lines (ours and kafkajs') go to the job's logger, on the job's thread. */
const logger = postingLogger(post);

const { connection, settings } = workerData as ConsumerThreadData;
const consumer = new LocalConsumer(createKafka(connection, logger), settings);
/** Seeks applied so far: the job's thread tells by it which of its seeks a batch predates. */
let seeksApplied = 0;
let lastBatchId = 0;

/**
 * How far the thread may run ahead of the job, in packed bytes of batches handed over that the job
 * has not yet taken into its queue or dropped. Beyond it the thread waits (heartbeating), so kafkajs
 * fetches no further, until the job is half that far behind: a slow sink stops the reading, and one
 * exchange between the threads covers many batches (a batch per exchange left both threads idle).
 */
const MAX_LEAD_BYTES = 4 * 1024 * 1024;
/** The weight of every batch handed over so far, and of those the job has taken or dropped (as it last said). */
let handedOver = 0;
let released = 0;
/** While a batch's eachBatch waits for the job: released weight it waits for, and how it ends. */
let lead: { readonly resumeAt: number; readonly resume: () => void; readonly fail: (error: Error) => void } | null = null;
/** The job failed to handle a batch: the next eachBatch (or the one waiting) throws this, as kafkajs' eachBatch would. */
let refusal: Error | null = null;

/** eachBatch: hands the batch over, then waits while the thread is too far ahead of the job. */
async function handOver(batch: Batch, control: BatchControl): Promise<void> {
  if (refusal !== null) {
    const error = refusal;
    refusal = null;
    throw error;
  }
  const id = ++lastBatchId;
  const messages = packMessages(batch.messages);
  const weight = packedSize(messages);
  handedOver += weight;
  const resumeAt = handedOver - released > MAX_LEAD_BYTES ? handedOver - MAX_LEAD_BYTES / 2 : null;
  const message: BatchMessage = {
    type: 'batch',
    id,
    partition: batch.partition,
    fetchedOffset: Number((batch as unknown as { fetchedOffset: string }).fetchedOffset),
    highWatermark: Number(batch.highWatermark),
    lastOffset: Number(batch.lastOffset()),
    messages,
    weight,
    resumeAt,
    isRunning: control.isRunning(),
    isStale: control.isStale(),
    seeksApplied,
  };
  post(message, transferList(messages));
  if (resumeAt === null) return;
  let failure: Error | null = null;
  const resumed = new Promise<void>((resolve, reject) => (lead = { resumeAt, resume: resolve, fail: (error) => reject((failure = error)) }));
  try {
    await control.whileHeartbeating(resumed);
  } catch (error) {
    // A heartbeat failed (a rebalance): kafkajs gives the batch up, and so must the job, as it does
    // when kafkajs runs on its thread.
    if (error !== failure) post({ type: 'abandoned', id, error: serializeError(error) });
    throw error;
  } finally {
    lead = null;
  }
}

const events = {
  onGroupJoin: (partitions: readonly number[]) => post({ type: 'join', partitions }),
  onCrash: (error: unknown, restart: boolean) => post({ type: 'crash', error: serializeError(error), restart }),
  onEmptyBatch: (partition: number, lastOffset: number, highWatermark: number) => post({ type: 'emptyBatch', partition, lastOffset, highWatermark }),
};

function perform(call: ConsumerCall): Promise<unknown> {
  switch (call.method) {
    case 'connect':
      return consumer.connect().then(() => null);
    case 'fetchTopicOffsets':
      return consumer.fetchTopicOffsets();
    case 'fetchCommittedOffsets':
      return consumer.fetchCommittedOffsets();
    case 'run':
      return consumer.runWith(events, handOver).then(() => null);
    case 'commitOffsets':
      return consumer.commitOffsets(call.args.commits).then(() => null);
  }
}

async function answer(call: ConsumerCall): Promise<void> {
  try {
    post({ type: 'result', id: call.id, value: await perform(call) });
  } catch (error) {
    post({ type: 'error', id: call.id, error: serializeError(error) });
  }
}

async function close(): Promise<void> {
  await consumer.disconnect();
  post({ type: 'closed' });
  port.close();
}

port.on('message', (message: ToConsumer) => {
  switch (message.type) {
    case 'call':
      void answer(message);
      return;
    case 'seek':
      consumer.seek(message.partition, message.offset);
      seeksApplied++;
      return;
    case 'pause':
      consumer.pause();
      return;
    case 'stop':
      consumer.stop();
      return;
    case 'resume':
      released = message.released;
      // A resume meant for a wait given up before may come late: only enough released weight counts.
      if (lead !== null && released >= lead.resumeAt) lead.resume();
      return;
    case 'refused': {
      const error = reviveError(message.error);
      if (lead !== null) lead.fail(error);
      else refusal = error;
      return;
    }
    case 'close':
      void close();
      return;
  }
});
