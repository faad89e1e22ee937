// KafkaSink: items as keyed JSON messages on a topic, produced in large batches.

import type { Kafka, Message, Producer } from 'kafkajs';
import type { Logger } from '../../ports/logger.js';
import type { Sink } from '../../ports/sink.js';
import { retryTransient } from './kafka-client.js';
import { keyPartitioner } from './key-partitioner.js';

/** Characters of keys and values per produce request (UTF-8 may take up to 3 bytes a character). */
const MAX_REQUEST_CHARS = 256 * 1024;

export interface KafkaSinkOptions<T> {
  readonly topic: string;
  /** Messages per produce request. */
  readonly batchSize: number;
  /** The message key: items with the same key replace each other in a compacted topic. */
  readonly key: (item: T) => string;
  readonly value: (item: T) => string;
}

/**
 * One produce request is in flight at a time, so messages keep their order (a later revision of a
 * window never lands before an earlier one) while the job goes on filling the next batch. A
 * request that fails for a transient reason (a broker restarting) is retried with backoff for as
 * long as it takes, with a log line per attempt: the job waits rather than loses results.
 */
export class KafkaSink<T> implements Sink<T> {
  readonly description: string;
  private readonly producer: Producer;
  private pending: Message[] = [];
  private pendingChars = 0;
  private inFlight: Promise<void> | null = null;
  private failure: unknown = null;
  private connected: Promise<void> | null = null;

  constructor(
    kafka: Kafka,
    private readonly options: KafkaSinkOptions<T>,
    private readonly logger: Logger,
  ) {
    this.description = `kafka topic ${options.topic}`;
    // acks from all in-sync replicas; not idempotent, since the results are keyed and idempotent themselves.
    this.producer = kafka.producer({ allowAutoTopicCreation: true, createPartitioner: keyPartitioner });
  }

  async write(items: readonly T[]): Promise<void> {
    this.throwIfFailed();
    const { key, value, batchSize } = this.options;
    for (const item of items) {
      const message = { key: key(item), value: value(item) };
      this.pending.push(message);
      this.pendingChars += message.key.length + message.value.length;
      // Brokers refuse a request over message.max.bytes (about 1 MB by default): large records
      // (dead letters carry raw text) are sent in smaller requests.
      if (this.pending.length >= batchSize || this.pendingChars >= MAX_REQUEST_CHARS) await this.sendPending();
    }
  }

  async flush(): Promise<void> {
    if (this.pending.length > 0) await this.sendPending();
    await this.inFlight;
    this.throwIfFailed();
  }

  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      if (this.connected !== null) await this.producer.disconnect();
    }
  }

  private throwIfFailed(): void {
    if (this.failure !== null) throw this.failure;
  }

  /** Waits for the request in flight, then starts one with everything pending. */
  private async sendPending(): Promise<void> {
    await this.inFlight;
    this.throwIfFailed();
    const messages = this.pending;
    this.pending = [];
    this.pendingChars = 0;
    this.inFlight = this.sendWithRetry(messages).catch((error: unknown) => {
      this.failure = error;
    });
  }

  private async sendWithRetry(messages: Message[]): Promise<void> {
    await retryTransient(`producing ${messages.length} messages to ${this.options.topic}`, this.logger, async () => {
      try {
        this.connected ??= this.producer.connect();
        await this.connected;
        await this.producer.send({ topic: this.options.topic, messages, acks: -1 });
      } catch (error) {
        // A failed connect must be tried again, not awaited again.
        this.connected = null;
        throw error;
      }
    });
  }
}
