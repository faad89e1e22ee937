// What the Kafka sink and its producer thread tell each other.

import type { KafkaConnection } from './kafka-client.js';
import type { EncodedBatch } from './record-batch.js';
import type { LogLevel, SerializedError } from './thread-data.js';

/** The producer thread's workerData. */
export interface ProducerThreadData {
  readonly connection: KafkaConnection;
  readonly topic: string;
}

/** To the producer thread: produce a batch (after those sent before it), or disconnect once every batch is done. */
export type ToProducer = { readonly type: 'send'; readonly id: number; readonly batch: EncodedBatch } | { readonly type: 'close' };

/** From the producer thread: a batch is acknowledged by Kafka, or failed (and every later one with it); a log line; closed. */
export type FromProducer =
  | { readonly type: 'ack'; readonly id: number }
  | { readonly type: 'failed'; readonly id: number; readonly error: SerializedError }
  | { readonly type: 'log'; readonly level: LogLevel; readonly fields: Record<string, unknown>; readonly message: string }
  | { readonly type: 'closed' };
