// KafkaSink: items as keyed JSON messages on a topic, produced in large batches on a thread of their own.

import type { Kafka } from 'kafkajs';
import { EngineError } from '../../core/errors.js';
import type { Logger } from '../../ports/logger.js';
import type { Sink } from '../../ports/sink.js';
import { kafkaConnectionOf } from './kafka-client.js';
import { batchChannel, ThreadChannel, type BatchChannel } from './producer-thread.js';
import { BatchBuilder } from './record-batch.js';

/** UTF-8 bytes of keys and values per produce request (the message that crosses it is the last one of its request). */
const MAX_REQUEST_BYTES = 256 * 1024;

export interface KafkaSinkOptions<T> {
  readonly topic: string;
  /** Messages per produce request. */
  readonly batchSize: number;
  /** The message key: items with the same key replace each other in a compacted topic. */
  readonly key: (item: T) => string;
  readonly value: (item: T) => string;
}

/**
 * The job's thread formats each item into its key and value, written as UTF-8 into the current
 * batch; a full batch is handed to the producer thread (its buffers transferred), which encodes and
 * sends it while the job goes on. One produce request is in flight at a time, so messages keep
 * their order (a later revision of a window never lands before an earlier one); at most
 * `maxInFlight` batches are handed over and not yet acknowledged, beyond that `write` waits
 * (backpressure). `flush` resolves once Kafka has acknowledged every message written before it, so
 * the job commits only delivered results. A request that fails for a transient reason (a broker
 * restarting) is retried with backoff for as long as it takes, with a log line per attempt: the job
 * waits rather than loses results; any other error fails the next write or flush. `write`, `flush`
 * and `close` run one at a time in call order (close waits for a write still waiting for room);
 * after `close` was called, `write` and `flush` reject.
 */
export class KafkaSink<T> implements Sink<T> {
  readonly description: string;
  private readonly channel: BatchChannel;
  private batch = new BatchBuilder();
  /** Batches handed to the channel and not yet settled, oldest first. */
  private readonly inFlight: Promise<void>[] = [];
  private failure: unknown = null;
  private isClosed = false;
  /** write, flush and close run one after another, in call order: each waits for the one before. */
  private tail: Promise<void> = Promise.resolve();
  private closing: Promise<void> | null = null;

  constructor(
    kafka: Kafka,
    private readonly options: KafkaSinkOptions<T>,
    logger: Logger,
  ) {
    this.description = `kafka topic ${options.topic}`;
    this.channel = batchChannel(kafka, kafkaConnectionOf(kafka), options.topic, logger);
  }

  /** Whether the batches are produced on a thread of their own (false: on the caller's thread, see batchChannel). */
  get isThreaded(): boolean {
    return this.channel instanceof ThreadChannel;
  }

  /** Rejects once close() was called: the items would be lost. */
  write(items: readonly T[]): Promise<void> {
    if (this.isClosed) return Promise.reject(this.closedError('write'));
    return this.serialized(() => this.writeNow(items));
  }

  /** Resolves once Kafka acknowledged every message written before it; rejects once close() was called. */
  flush(): Promise<void> {
    if (this.isClosed) return Promise.reject(this.closedError('flush'));
    return this.serialized(() => this.flushNow());
  }

  /** Waits for a write or flush under way, flushes, then releases the producer. Calling it again returns the same promise. */
  close(): Promise<void> {
    this.isClosed = true;
    this.closing ??= this.serialized(async () => {
      try {
        await this.flushNow();
      } finally {
        await Promise.allSettled(this.inFlight);
        await this.channel.close();
      }
    });
    return this.closing;
  }

  private serialized(operation: () => Promise<void>): Promise<void> {
    const run = this.tail.then(operation);
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async writeNow(items: readonly T[]): Promise<void> {
    this.throwIfFailed();
    const { key, value, batchSize } = this.options;
    const batch = this.batch;
    for (const item of items) {
      batch.add(key(item), value(item));
      // Brokers refuse a request over message.max.bytes (about 1 MB by default): large records
      // (dead letters carry raw text) are sent in smaller requests.
      if (batch.count >= batchSize || batch.byteLength >= MAX_REQUEST_BYTES) await this.sendPending();
    }
  }

  private async flushNow(): Promise<void> {
    if (this.batch.count > 0) await this.sendPending();
    await Promise.allSettled(this.inFlight);
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.failure !== null) throw this.failure;
  }

  private closedError(operation: string): EngineError {
    return new EngineError('INVARIANT_BROKEN', `${this.description}: ${operation} after close()`);
  }

  /** Waits for room among the batches in flight, then hands over everything pending. */
  private async sendPending(): Promise<void> {
    while (this.inFlight.length >= this.channel.maxInFlight) await this.inFlight[0];
    this.throwIfFailed();
    const sent: Promise<void> = this.channel
      .submit(this.batch.take())
      .catch((error: unknown) => {
        this.failure ??= error;
      })
      .finally(() => this.inFlight.splice(this.inFlight.indexOf(sent), 1));
    this.inFlight.push(sent);
  }
}
