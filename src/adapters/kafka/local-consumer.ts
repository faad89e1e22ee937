// kafkajs' consumer and admin client behind the consumer port, on the calling thread: the job's
// (running from TypeScript sources, or given a client Tally did not make) or the consumer thread's.

import type { Admin, Batch, Consumer, Kafka } from 'kafkajs';
import type { BatchControl, CommittedOffset, ConsumerHandlers, ConsumerPort, ConsumerSettings, FetchedBatch, OffsetCommit, PartitionRange } from './consumer-port.js';
import { countBefore, messageOffsets, messageTexts } from './message-text.js';

export class LocalConsumer implements ConsumerPort {
  /** The kafkajs consumer, for the consumer thread, which packs its batches' messages. */
  readonly consumer: Consumer;
  private readonly admin: Admin;
  private isStopped = false;
  private isConnected = false;

  constructor(
    kafka: Kafka,
    private readonly settings: ConsumerSettings,
  ) {
    this.consumer = kafka.consumer({
      groupId: settings.groupId,
      sessionTimeout: settings.sessionTimeoutMs,
      heartbeatInterval: settings.heartbeatIntervalMs,
      allowAutoTopicCreation: true,
      // How long a fetch waits for data: also how long stopping waits for the fetch in flight, and
      // kafkajs sends no heartbeat while it waits.
      maxWaitTimeInMs: 200,
      // kafkajs gives consumers 5 retries of their own whatever the client says: a broker restart
      // would then crash and rejoin the consumer rather than wait for the broker.
      retry: { initialRetryTime: 300, maxRetryTime: 10_000, retries: 10, restartOnFailure: async () => !this.isStopped },
    });
    this.admin = kafka.admin();
  }

  async connect(): Promise<void> {
    await this.admin.connect();
    await this.consumer.connect();
    this.isConnected = true;
  }

  async fetchTopicOffsets(): Promise<PartitionRange[]> {
    const offsets = await this.admin.fetchTopicOffsets(this.settings.topic);
    return offsets.map((o) => ({ partition: o.partition, low: Number(o.low), high: Number(o.high) }));
  }

  async fetchCommittedOffsets(): Promise<CommittedOffset[]> {
    const { topic, groupId } = this.settings;
    const [committed] = await this.admin.fetchOffsets({ groupId, topics: [topic] });
    return (committed?.partitions ?? []).map((p) => ({ partition: p.partition, offset: Number(p.offset), metadata: p.metadata }));
  }

  /** As run, with the kafkajs batch itself: `onBatch` gets it with its control. */
  async runWith(handlers: Omit<ConsumerHandlers, 'onBatch'>, onBatch: (batch: Batch, control: BatchControl) => Promise<void>): Promise<void> {
    const { topic, fromBeginning, heartbeatIntervalMs } = this.settings;
    const { GROUP_JOIN, CRASH, END_BATCH_PROCESS } = this.consumer.events;
    // A batch of transaction markers only never reaches eachBatch, yet kafkajs reads past it: the
    // next batch starts after it, and for stopAt end it counts as read.
    this.consumer.on(END_BATCH_PROCESS, (event) => {
      const { partition, lastOffset, batchSize, highWatermark } = event.payload;
      if (batchSize === 0) handlers.onEmptyBatch(partition, Number(lastOffset), Number(highWatermark));
    });
    this.consumer.on(GROUP_JOIN, (event) => handlers.onGroupJoin(event.payload.memberAssignment[topic] ?? []));
    this.consumer.on(CRASH, (event) => handlers.onCrash(event.payload.error, event.payload.restart));
    await this.consumer.subscribe({ topics: [topic], fromBeginning });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: true,
      eachBatch: ({ batch, heartbeat, isRunning, isStale }) =>
        onBatch(batch, { whileHeartbeating: (work) => whileHeartbeating(work, heartbeat, heartbeatIntervalMs), isRunning, isStale }),
    });
  }

  run(handlers: ConsumerHandlers): Promise<void> {
    return this.runWith(handlers, (batch, control) => handlers.onBatch(new KafkajsBatch(batch), control));
  }

  seek(partition: number, offset: number): void {
    this.consumer.seek({ topic: this.settings.topic, partition, offset: String(offset) });
  }

  pause(): void {
    this.consumer.pause([{ topic: this.settings.topic }]);
  }

  async commitOffsets(commits: readonly OffsetCommit[]): Promise<void> {
    const { topic } = this.settings;
    await this.consumer.commitOffsets(commits.map((c) => ({ topic, partition: c.partition, offset: String(c.offset), metadata: c.metadata })));
  }

  stop(): void {
    this.isStopped = true;
  }

  async disconnect(): Promise<void> {
    if (!this.isConnected) return;
    this.isConnected = false;
    // The consumer first: a join it finishes while disconnecting must not use a closed admin client.
    await Promise.allSettled([this.consumer.disconnect()]);
    await Promise.allSettled([this.admin.disconnect()]);
  }
}

/** A kafkajs batch as the source reads it: its values are decoded where they lie (message-text.ts). */
class KafkajsBatch implements FetchedBatch {
  readonly partition: number;
  readonly fetchedOffset: number;
  readonly highWatermark: number;
  readonly lastOffset: number;
  readonly size: number;

  constructor(private readonly batch: Batch) {
    this.partition = batch.partition;
    this.fetchedOffset = Number((batch as unknown as { fetchedOffset: string }).fetchedOffset);
    this.highWatermark = Number(batch.highWatermark);
    this.lastOffset = Number(batch.lastOffset());
    this.size = batch.messages.length;
  }

  countBefore(end: number): number {
    return countBefore(this.batch.messages, end);
  }

  offsets(count: number): (index: number) => number {
    return messageOffsets(this.batch.messages, count);
  }

  texts(count: number): string[] {
    return messageTexts(this.batch.messages, count);
  }
}

/** Awaits `work`, sending a heartbeat every `intervalMs` meanwhile. */
export async function whileHeartbeating(work: Promise<unknown>, heartbeat: () => Promise<void>, intervalMs: number): Promise<void> {
  let done = false;
  void work.then(
    () => (done = true),
    () => (done = true),
  );
  while (!done) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([work, new Promise((resolve) => (timer = setTimeout(resolve, intervalMs)))]);
    // A pending timer per batch would keep the process alive after the job ends.
    clearTimeout(timer);
    if (!done) await heartbeat();
  }
  await work;
}
