// Where the Kafka sink's batches are encoded and sent: a thread of their own (the second core works
// while the job's thread reads and aggregates), or the job's thread when no worker can be started.

import { Worker } from 'node:worker_threads';
import type { Kafka } from 'kafkajs';
import { EngineError } from '../../core/errors.js';
import type { Logger } from '../../ports/logger.js';
import { BatchProducer } from './batch-producer.js';
import type { KafkaConnection } from './kafka-client.js';
import { OrderedSender } from './ordered-sender.js';
import type { FromProducer, ProducerThreadData, ToProducer } from './producer-messages.js';
import type { EncodedBatch } from './record-batch.js';
import { reviveError, reviveFields } from './thread-data.js';
import { endWorker } from './worker-end.js';

/** Produces batches in the order they are submitted. */
export interface BatchChannel {
  /** How many submitted batches may wait for their acknowledgement (the sink waits beyond that). */
  readonly maxInFlight: number;
  /** Resolves once Kafka has acknowledged the batch; rejects with what made it (or an earlier batch) fail. */
  submit(batch: EncodedBatch): Promise<void>;
  /** Releases the producer (call once every submitted batch is settled). */
  close(): Promise<void>;
}

/** The compiled worker next to this module (null when running from TypeScript sources, which a worker cannot load). */
function workerScript(): URL | null {
  return import.meta.url.endsWith('.js') ? new URL('./producer-worker.js', import.meta.url) : null;
}

/**
 * A channel for the sink's topic: a producer thread when the client's connection is known (it was
 * made by createKafka) and the code is compiled, otherwise kafkajs on this thread.
 */
export function batchChannel(kafka: Kafka, connection: KafkaConnection | undefined, topic: string, logger: Logger): BatchChannel {
  const script = workerScript();
  return connection !== undefined && script !== null ? new ThreadChannel(script, { connection, topic }, logger) : new LocalChannel(new BatchProducer(kafka, topic, logger));
}

/** The producer thread's young generation (V8 semi-spaces), in MB. */
const YOUNG_GENERATION_MB = 48;

/** How long close waits for the thread to disconnect its producer before ending it. */
const CLOSE_WAIT_MS = 10_000;

/**
 * The producer thread, started with the first batch. It sends one produce request at a time, in
 * submission order, and answers each batch; a transient failure is retried there (logged through
 * this thread's logger), any other fails that batch and every later one. If the thread dies, or a
 * message from it cannot be read, every waiting batch fails (with `retriable: false`). The batch
 * buffers are transferred, not copied. The thread keeps the process alive only while batches wait
 * for their acknowledgement (and while closing): a sink left idle and never closed does not keep a
 * program from exiting.
 */
export class ThreadChannel implements BatchChannel {
  /** One request in flight, the next ones waiting in the thread, while the job fills another. */
  readonly maxInFlight = 4;
  private worker: Worker | null = null;
  private readonly waiting = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  private nextId = 0;
  private failure: Error | null = null;
  private closing = false;
  private exited: Promise<void> = Promise.resolve();
  private closedAck: (() => void) | null = null;

  constructor(
    private readonly script: URL,
    private readonly data: ProducerThreadData,
    private readonly logger: Logger,
  ) {}

  /** Whether the thread is running (started and not ended). */
  get isRunning(): boolean {
    return this.worker !== null;
  }

  /** Batches handed to the thread and not yet answered. */
  get waitingCount(): number {
    return this.waiting.size;
  }

  submit(batch: EncodedBatch): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.closing) return Promise.reject(this.closedError());
    const worker = this.worker ?? this.start();
    const id = ++this.nextId;
    return new Promise<void>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.updateRef();
      const message: ToProducer = { type: 'send', id, batch };
      try {
        worker.postMessage(message, [batch.bytes, batch.lengths]);
      } catch (error) {
        // Not handed over: nothing will answer it, and a later batch must not land in its place.
        this.waiting.delete(id);
        this.updateRef();
        const failed = new EngineError('SINK_FAILED', `kafka: a batch for ${this.data.topic} could not be handed to the producer thread: ${(error as Error).message}`, { cause: error });
        this.failure ??= failed;
        reject(failed);
      }
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    const wasClosing = this.closing;
    // No thread starts after this, even if none was started before.
    this.closing = true;
    if (worker === null || wasClosing) return this.exited;
    this.updateRef();
    const closed = new Promise<void>((resolve) => (this.closedAck = resolve));
    worker.postMessage({ type: 'close' } satisfies ToProducer);
    await endWorker(worker, closed, this.exited, CLOSE_WAIT_MS);
  }

  private start(): Worker {
    // kafkajs' garbage dies young: a smaller young generation than the job's (the tally command's
    // --max-semi-space-size=64 would apply here too) keeps the thread's memory down.
    const worker = new Worker(this.script, { workerData: this.data, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
    this.worker = worker;
    worker.on('message', (message: FromProducer) => this.onMessage(message));
    // An exception the thread did not handle: it ends.
    worker.on('error', (error: unknown) =>
      this.fail(new EngineError('SINK_FAILED', `kafka: the producer thread of ${this.data.topic} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error })),
    );
    // An answer that could not be deserialized: which batch it settled is unknown, so none can be trusted.
    worker.on('messageerror', (error: Error) =>
      this.fail(new EngineError('SINK_FAILED', `kafka: a message from the producer thread of ${this.data.topic} could not be read: ${error.message}`, { cause: error })),
    );
    this.exited = new Promise<void>((resolve) =>
      worker.once('exit', (code) => {
        this.worker = null;
        // Whatever still waits is lost with the thread (after a close nothing waits: the sink flushed first).
        this.fail(this.closing ? this.closedError() : new EngineError('SINK_FAILED', `kafka: the producer thread of ${this.data.topic} ended (exit code ${code})`));
        resolve();
      }),
    );
    return worker;
  }

  private onMessage(message: FromProducer): void {
    switch (message.type) {
      case 'ack': {
        const waiter = this.waiting.get(message.id);
        this.waiting.delete(message.id);
        this.updateRef();
        waiter?.resolve();
        return;
      }
      case 'failed': {
        const waiter = this.waiting.get(message.id);
        this.waiting.delete(message.id);
        this.updateRef();
        const error = reviveError(message.error);
        this.failure ??= error;
        waiter?.reject(error);
        return;
      }
      case 'log':
        this.logger[message.level](reviveFields(message.fields), message.message);
        return;
      case 'closed':
        this.closedAck?.();
        return;
    }
  }

  /** Every batch still waiting fails with `error` (the first failure is kept for later submits). */
  private fail(error: Error): void {
    this.failure ??= error;
    const waiting = [...this.waiting.values()];
    this.waiting.clear();
    this.updateRef();
    for (const waiter of waiting) waiter.reject(error);
  }

  /** The thread holds the process open while an answer is awaited or it is closing, and not otherwise. */
  private updateRef(): void {
    if (this.worker === null) return;
    if (this.waiting.size > 0 || this.closing) this.worker.ref();
    else this.worker.unref();
  }

  private closedError(): EngineError {
    return new EngineError('SINK_FAILED', `kafka: the producer of ${this.data.topic} is closed`);
  }
}

/** kafkajs on the job's thread: one batch at a time, none after a failed one, as on the producer thread. */
export class LocalChannel implements BatchChannel {
  readonly maxInFlight = 1;
  private readonly sender: OrderedSender<EncodedBatch>;

  constructor(private readonly producer: BatchProducer) {
    this.sender = new OrderedSender((batch) => producer.send(batch));
  }

  submit(batch: EncodedBatch): Promise<void> {
    return this.sender.submit(batch);
  }

  async close(): Promise<void> {
    await this.sender.settled();
    await this.producer.disconnect();
  }
}
