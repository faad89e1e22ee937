// The Kafka sink's producer thread: encodes and sends the batches the job's thread hands over, one
// produce request at a time and in order, and acknowledges each once Kafka has.

import { parentPort, workerData } from 'node:worker_threads';
import type { Logger } from '../../ports/logger.js';
import { BatchProducer } from './batch-producer.js';
import { createKafka } from './kafka-client.js';
import { OrderedSender } from './ordered-sender.js';
import type { FromProducer, ProducerThreadData, ToProducer } from './producer-messages.js';
import type { EncodedBatch } from './record-batch.js';
import { serializeError, serializeFields, type LogLevel } from './thread-data.js';

if (parentPort === null) throw new Error('producer-worker.js runs as a worker thread of the Kafka sink');
const port = parentPort;
const post = (message: FromProducer): void => port.postMessage(message);

/** Log lines (ours and kafkajs') go to the job's logger, on the job's thread. */
const log =
  (level: LogLevel) =>
  (fields: Record<string, unknown>, message: string): void =>
    post({ type: 'log', level, fields: serializeFields(fields), message });
const logger: Logger = { info: log('info'), warn: log('warn'), error: log('error') };

const { connection, topic } = workerData as ProducerThreadData;
const producer = new BatchProducer(createKafka(connection, logger), topic, logger);
/** One produce request at a time, in the order the batches came; none after a failed one (it would land after a gap). */
const sender = new OrderedSender((batch: EncodedBatch) => producer.send(batch));

async function close(): Promise<void> {
  try {
    await producer.disconnect();
  } catch (error) {
    logger.warn({ topic, err: error }, 'kafka: disconnecting the producer failed');
  }
  post({ type: 'closed' });
  port.close();
}

port.on('message', (message: ToProducer) => {
  if (message.type === 'send') {
    const { id } = message;
    sender.submit(message.batch).then(
      () => post({ type: 'ack', id }),
      (error: unknown) => post({ type: 'failed', id, error: serializeError(error) }),
    );
  } else void sender.settled().then(close);
});
