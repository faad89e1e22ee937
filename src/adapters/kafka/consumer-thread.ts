// Where the Kafka source's consumer runs: a thread of its own (kafkajs decodes the fetch responses
// there, the job's thread gets the values), or the job's thread when no worker can be started.

import { Worker } from 'node:worker_threads';
import type { Kafka } from 'kafkajs';
import { EngineError } from '../../core/errors.js';
import type { Logger } from '../../ports/logger.js';
import type { BatchMessage, ConsumerCalls, ConsumerThreadData, EmptyBatchMessage, FromConsumer, ToConsumer } from './consumer-messages.js';
import type { BatchControl, CommittedOffset, ConsumerHandlers, ConsumerPort, ConsumerSettings, OffsetCommit, PartitionRange } from './consumer-port.js';
import type { KafkaConnection } from './kafka-client.js';
import { LocalConsumer } from './local-consumer.js';
import { PackedBatch } from './packed-batch.js';
import { logPosted, reviveError, serializeError } from './thread-data.js';
import { endWorker } from './worker-end.js';

/** The compiled worker next to this module (null when running from TypeScript sources, which a worker cannot load). */
function workerScript(): URL | null {
  return import.meta.url.endsWith('.js') ? new URL('./consumer-worker.js', import.meta.url) : null;
}

/**
 * The consumer for the source's topic: on a thread of its own when the client's connection is known
 * (it was made by createKafka) and the code is compiled, otherwise kafkajs on this thread.
 */
export function consumerPort(kafka: Kafka, connection: KafkaConnection | undefined, settings: ConsumerSettings, logger: Logger): ConsumerPort {
  const script = workerScript();
  return connection !== undefined && script !== null ? new ThreadConsumer(script, { connection, settings }, logger) : new LocalConsumer(kafka, settings);
}

/** The consumer thread's young generation (V8 semi-spaces), in MB: kafkajs' decoding garbage dies young. */
const YOUNG_GENERATION_MB = 48;

/** How long disconnecting waits for the thread to leave the group and disconnect before ending it. */
const CLOSE_WAIT_MS = 30_000;

/**
 * kafkajs' consumer and admin client on a thread of their own, started by connect. Calls (connect,
 * offsets, run, commits) are requests with ids; seek, pause and stop are posted in order. Each
 * fetched batch arrives packed (its buffers transferred) and goes to the handlers' onBatch, in
 * order. The thread runs ahead of the job by a bounded amount (consumer-worker.ts): beyond it, it
 * waits, heartbeating, until onBatch has taken (queued) or dropped enough batches, so a slow job
 * stops kafkajs' fetching as on the job's thread. What kafkajs does on the job's thread when a batch
 * waits across a rebalance or a crash (it gives the batch up) is done here to every batch onBatch
 * has not finished. A batch's isRunning and isStale answer what kafkajs would answer on the job's
 * thread at the time of the call: isRunning is kafkajs' answer at the handover, and false once the
 * consumer crashed since; isStale is kafkajs' answer at the handover, or true when a seek of the
 * partition was posted that the thread had not applied at the handover. Seek, pause and stop need
 * no answer (kafkajs' own are synchronous): posted in order, they take effect before anything
 * asked after them. If the thread dies, or a message from it cannot be read, every waiting call
 * fails and so does the consumer (onCrash without restart), with `retriable: false`. The thread
 * keeps the process alive while the consumer runs, a call waits or it is closing, not otherwise;
 * disconnect ends it.
 */
export class ThreadConsumer implements ConsumerPort {
  private worker: Worker | null = null;
  private readonly calls = new Map<number, { readonly resolve: (value: unknown) => void; readonly reject: (error: Error) => void }>();
  private lastCallId = 0;
  private handlers: ConsumerHandlers | null = null;
  private failure: Error | null = null;
  private isConsuming = false;
  private isClosing = false;
  private closing: Promise<void> | null = null;
  private exited: Promise<void> = Promise.resolve();
  private closedAck: (() => void) | null = null;
  /** Seeks posted so far, and per partition the number of its latest: a batch handed over before the thread applied it is stale. */
  private seeksPosted = 0;
  private readonly latestSeeks = new Map<number, number>();
  /** Crashes reported so far: a batch handed over before one is from a consumer no longer running. */
  private crashes = 0;
  /**
   * Batches handed over and not handled yet, with the batches read past between them (in the order
   * kafkajs reported them), and the batch being handled (its waits fail when it is given up).
   */
  private readonly waitingBatches: (BatchMessage | EmptyBatchMessage)[] = [];
  private handling: { readonly id: number; readonly abandon: (error: Error) => void } | null = null;
  /** The weight of the batches onBatch has finished with, and what the thread waits for (see BatchMessage.resumeAt). */
  private released = 0;
  private resumeAt: number | null = null;

  constructor(
    private readonly script: URL,
    private readonly data: ConsumerThreadData,
    private readonly logger: Logger,
  ) {}

  /** Whether the thread is running (started and not ended). */
  get isRunning(): boolean {
    return this.worker !== null;
  }

  async connect(): Promise<void> {
    await this.call('connect', {});
  }

  fetchTopicOffsets(): Promise<readonly PartitionRange[]> {
    return this.call('fetchTopicOffsets', {});
  }

  fetchCommittedOffsets(): Promise<readonly CommittedOffset[]> {
    return this.call('fetchCommittedOffsets', {});
  }

  async run(handlers: ConsumerHandlers): Promise<void> {
    this.handlers = handlers;
    this.isConsuming = this.failure === null && !this.isClosing;
    try {
      await this.call('run', {});
    } catch (error) {
      this.isConsuming = false;
      this.updateRef();
      throw error;
    }
  }

  seek(partition: number, offset: number): void {
    if (this.worker === null) return;
    this.latestSeeks.set(partition, ++this.seeksPosted);
    this.post({ type: 'seek', partition, offset });
  }

  pause(): void {
    this.post({ type: 'pause' });
  }

  async commitOffsets(commits: readonly OffsetCommit[]): Promise<void> {
    await this.call('commitOffsets', { commits });
  }

  stop(): void {
    this.post({ type: 'stop' });
  }

  disconnect(): Promise<void> {
    if (this.closing === null) {
      this.isClosing = true;
      this.closing = this.close();
    }
    return this.closing;
  }

  private call<K extends keyof ConsumerCalls>(method: K, args: ConsumerCalls[K]['args']): Promise<ConsumerCalls[K]['result']> {
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.isClosing) return Promise.reject(this.closedError());
    const worker = this.worker ?? this.start();
    const id = ++this.lastCallId;
    return new Promise((resolve, reject) => {
      this.calls.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.updateRef();
      worker.postMessage({ type: 'call', id, method, args } as ToConsumer);
    });
  }

  private post(message: ToConsumer): void {
    this.worker?.postMessage(message);
  }

  private start(): Worker {
    const worker = new Worker(this.script, { workerData: this.data, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
    const { topic } = this.data.settings;
    this.worker = worker;
    worker.on('message', (message: FromConsumer) => this.onMessage(message));
    // An exception the thread did not handle: it ends.
    worker.on('error', (error: unknown) =>
      this.fail(new EngineError('SOURCE_UNREACHABLE', `kafka: the consumer thread of ${topic} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error })),
    );
    // A message that could not be deserialized (a batch, an answer): what it said is lost, so the thread cannot go on.
    worker.on('messageerror', (error: Error) => {
      this.fail(new EngineError('SOURCE_UNREACHABLE', `kafka: a message from the consumer thread of ${topic} could not be read: ${error.message}`, { cause: error }));
      void worker.terminate();
    });
    this.exited = new Promise<void>((resolve) =>
      worker.once('exit', (code) => {
        this.worker = null;
        this.fail(this.isClosing ? this.closedError() : new EngineError('SOURCE_UNREACHABLE', `kafka: the consumer thread of ${topic} ended (exit code ${code})`));
        resolve();
      }),
    );
    return worker;
  }

  private async close(): Promise<void> {
    const worker = this.worker;
    this.isConsuming = false;
    if (worker === null) return;
    this.updateRef();
    const closed = new Promise<void>((resolve) => (this.closedAck = resolve));
    worker.postMessage({ type: 'close' } satisfies ToConsumer);
    await endWorker(worker, closed, this.exited, CLOSE_WAIT_MS);
  }

  private onMessage(message: FromConsumer): void {
    switch (message.type) {
      case 'result':
      case 'error': {
        const call = this.calls.get(message.id);
        this.calls.delete(message.id);
        this.updateRef();
        if (message.type === 'result') call?.resolve(message.value);
        else call?.reject(reviveError(message.error));
        return;
      }
      case 'join':
        this.abandon(new Error('kafka: the consumer joined its group again while the batch waited'));
        this.handlers?.onGroupJoin(message.partitions);
        return;
      case 'crash':
        this.crashes++;
        this.abandon(new Error('kafka: the consumer failed while the batch waited'));
        this.handlers?.onCrash(reviveError(message.error), message.restart);
        return;
      case 'emptyBatch':
        // After the batches handed over before it, as kafkajs reports it on the job's thread.
        this.waitingBatches.push(message);
        this.handleNext();
        return;
      case 'batch':
        this.onBatch(message);
        return;
      case 'abandoned':
        this.abandon(reviveError(message.error), message.id);
        return;
      case 'log':
        logPosted(this.logger, message);
        return;
      case 'closed':
        this.closedAck?.();
        return;
    }
  }

  /** A batch from the thread: handled once those before it are, as kafkajs calls eachBatch on the job's thread. */
  private onBatch(message: BatchMessage): void {
    if (message.resumeAt !== null) this.resumeAt = message.resumeAt;
    this.waitingBatches.push(message);
    // The job may have caught up already.
    this.release(0);
    this.handleNext();
  }

  private handleNext(): void {
    if (this.handling !== null) return;
    const message = this.waitingBatches.shift();
    if (message === undefined) return;
    const handlers = this.handlers;
    if (message.type === 'emptyBatch' || handlers === null) {
      if (message.type === 'emptyBatch') handlers?.onEmptyBatch(message.partition, message.lastOffset, message.highWatermark);
      else this.release(message.weight);
      return this.handleNext();
    }
    const { id, partition } = message;
    const crashes = this.crashes;
    let isAbandoned = false;
    let abandon: (error: Error) => void = () => undefined;
    const abandoned = new Promise<never>(
      (_resolve, reject) =>
        (abandon = (error) => {
          isAbandoned = true;
          reject(error);
        }),
    );
    abandoned.catch(() => undefined);
    this.handling = { id, abandon };
    const control: BatchControl = {
      // The thread heartbeats while it waits for the job; if kafkajs gives the batch up, so does the job.
      whileHeartbeating: async (work) => {
        await Promise.race([work, abandoned]);
      },
      // kafkajs' checks as of the handover, and what the job's thread did or learnt since.
      isRunning: () => message.isRunning && this.crashes === crashes && this.failure === null,
      isStale: () => message.isStale || (this.latestSeeks.get(partition) ?? 0) > message.seeksApplied,
    };
    handlers
      .onBatch(new PackedBatch(message, message.messages), control)
      .catch((error: unknown) => {
        // A batch given up is the thread's doing; any other failure is the job's, for kafkajs to handle.
        if (!isAbandoned) this.post({ type: 'refused', id, error: serializeError(error) });
      })
      .finally(() => {
        this.handling = null;
        this.release(message.weight);
        this.handleNext();
      });
  }

  /** The job has finished with batches of this weight (taken into its queue or dropped): a thread waiting for that much may go on. */
  private release(weight: number): void {
    this.released += weight;
    if (this.resumeAt === null || this.released < this.resumeAt) return;
    this.resumeAt = null;
    this.post({ type: 'resume', released: this.released });
  }

  /**
   * On the job's thread, kafkajs hands out no batch beyond the one its eachBatch waits with, and
   * gives that one up on a rebalance or a crash (its heartbeat fails): so are the batches handed
   * over and not finished here (given `id`: that batch and what came after it), and what was read
   * past after them.
   */
  private abandon(reason: Error, id?: number): void {
    let from = 0;
    if (id !== undefined && this.handling?.id !== id) {
      const at = this.waitingBatches.findIndex((m) => m.type === 'batch' && m.id === id);
      from = at < 0 ? this.waitingBatches.length : at;
    }
    const dropped = this.waitingBatches.splice(from);
    if (this.handling !== null && (id === undefined || this.handling.id === id)) this.handling.abandon(reason);
    for (const message of dropped) if (message.type === 'batch') this.release(message.weight);
  }

  /** Every waiting call and batch fails with `error`, and so does the consumer unless it is being closed (the first failure is kept). */
  private fail(error: Error): void {
    const isFirst = this.failure === null;
    this.failure ??= error;
    const calls = [...this.calls.values()];
    this.calls.clear();
    for (const call of calls) call.reject(error);
    this.abandon(error);
    this.isConsuming = false;
    this.updateRef();
    if (isFirst && !this.isClosing) this.handlers?.onCrash(error, false);
  }

  /** The thread holds the process open while the consumer runs, a call waits or it is closing, and not otherwise. */
  private updateRef(): void {
    if (this.worker === null) return;
    if (this.calls.size > 0 || this.isConsuming || this.isClosing) this.worker.ref();
    else this.worker.unref();
  }

  private closedError(): EngineError {
    return new EngineError('SOURCE_UNREACHABLE', `kafka: the consumer of ${this.data.settings.topic} is closed`);
  }
}
