// The kafkajs producer behind the Kafka sink: one batch per produce request, retried while Kafka says it may succeed later.

import type { Kafka, Producer } from 'kafkajs';
import type { Logger } from '../../ports/logger.js';
import { retryTransient } from './kafka-client.js';
import { keyPartitioner } from './key-partitioner.js';
import { messagesOf, type EncodedBatch } from './record-batch.js';

/**
 * `send` is called with one batch at a time (the caller waits for it), so that batches reach the
 * topic in order. A request that fails for a transient reason (a broker restarting) is retried with
 * backoff for as long as it takes, with a log line per attempt; other errors are thrown.
 */
export class BatchProducer {
  private readonly producer: Producer;
  private connected: Promise<void> | null = null;

  constructor(
    kafka: Kafka,
    private readonly topic: string,
    private readonly logger: Logger,
  ) {
    // acks from all in-sync replicas; not idempotent, since the results are keyed and idempotent themselves.
    this.producer = kafka.producer({ allowAutoTopicCreation: true, createPartitioner: keyPartitioner });
  }

  async send(batch: EncodedBatch): Promise<void> {
    const messages = messagesOf(batch);
    await retryTransient(`producing ${messages.length} messages to ${this.topic}`, this.logger, async () => {
      try {
        this.connected ??= this.producer.connect();
        await this.connected;
        await this.producer.send({ topic: this.topic, messages, acks: -1 });
      } catch (error) {
        // A failed connect must be tried again, not awaited again.
        this.connected = null;
        throw error;
      }
    });
  }

  async disconnect(): Promise<void> {
    if (this.connected !== null) await this.producer.disconnect();
  }
}
