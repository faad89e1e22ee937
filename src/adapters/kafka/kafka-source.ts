// KafkaSource: a topic read through a consumer group, with positions the job commits itself.

import type { Admin, Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { Logger } from '../../ports/logger.js';
import type { AssignedPartition, Assignment, PartitionCommit, PartitionProgress, RawBatch, Source, SourcePosition } from '../../ports/source.js';
import { Handoff } from './handoff.js';
import { retryTransient } from './kafka-client.js';
import { countBefore, messageOffsets, messageTexts } from './message-text.js';
import { decodeResumePoint, encodeResumePoint } from './resume-metadata.js';

export interface KafkaSourceOptions {
  readonly topic: string;
  readonly groupId: string;
  readonly startFrom: 'earliest' | 'latest';
  /** Read up to the end offsets seen at start, then end (a bounded run). */
  readonly stopAtEnd: boolean;
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
}

type Item = (RawBatch | Assignment) & { readonly generation: number };

/** What progress() reports of one assigned partition. */
interface PartitionFigures {
  /** The offset of the next message the job will process (null: not known yet). */
  position: number | null;
  /** The partition's high watermark as the latest batch fetched gave it (null: nothing fetched yet). */
  highWatermark: number | null;
  /**
   * Offsets read past without a batch for the job (transaction markers, aborted messages, the tail
   * of a batch after its last message): from → to, taken once the job's position reaches `from`.
   */
  readonly skips: Map<number, number>;
}

/**
 * Messages are handed to the job batch by batch (the job's loop is the backpressure: kafkajs
 * fetches no further while a batch waits). Offsets are never committed automatically: the job
 * commits, through `commit`, positions whose results are delivered, with a resume point in the
 * commit metadata. After every rebalance kafkajs reads all assigned partitions again from their
 * committed offsets, so each group generation starts with an Assignment and the job starts its
 * state again from those positions; batches of an older generation are dropped.
 */
export class KafkaSource implements Source {
  readonly description: string;
  readonly isBounded: boolean;
  private readonly consumer: Consumer;
  private readonly admin: Admin;
  private readonly handoff = new Handoff<Item>(2);
  private generation = 0;
  /** The generation of the last assignment the job has taken: commits are only made for it. */
  private takenGeneration = -1;
  private assigned = new Set<number>();
  /** Resolves once the current generation's Assignment is queued (batches wait for it). */
  private assignmentQueued: Promise<void> = Promise.resolve();
  /** stopAtEnd: the end offset per partition, read at start. */
  private endOffsets: Map<number, number> | null = null;
  /** stopAtEnd: the next offset to read per assigned partition. */
  private readonly nextOffsets = new Map<number, number>();
  private stopped = false;
  private connected = false;
  /** Counts seekTo calls: a batch handed over across one is from before it. */
  private seeks = 0;
  /** Partitions sought to a checkpoint's offset whose first batch from there has not come yet. */
  private readonly sought = new Map<number, number>();
  /**
   * Per assigned partition, the offset the next batch must start at: the committed offset, then the
   * end of the previous batch. A fetch sent before a rejoin can arrive after it, from the old
   * position; taking it would skip what lies between (see onBatch).
   */
  private readonly expectedOffsets = new Map<number, number>();
  /** Per assigned partition, for progress(); replaced at every group join. */
  private figures = new Map<number, PartitionFigures>();

  constructor(
    kafka: Kafka,
    private readonly options: KafkaSourceOptions,
    private readonly logger: Logger,
  ) {
    this.description = `kafka topic ${options.topic} (group ${options.groupId})`;
    this.isBounded = options.stopAtEnd;
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs,
      heartbeatInterval: options.heartbeatIntervalMs,
      allowAutoTopicCreation: true,
      // How long a fetch waits for data: also how long stopping waits for the fetch in flight, and
      // kafkajs sends no heartbeat while it waits.
      maxWaitTimeInMs: 200,
      // kafkajs gives consumers 5 retries of their own whatever the client says: a broker restart
      // would then crash and rejoin the consumer rather than wait for the broker.
      retry: { initialRetryTime: 300, maxRetryTime: 10_000, retries: 10, restartOnFailure: async () => !this.stopped },
    });
    this.admin = kafka.admin();
  }

  async *batches(): AsyncGenerator<RawBatch | Assignment> {
    await this.start();
    for (;;) {
      const item = await this.handoff.next();
      if (item === null) return;
      if (item.generation !== this.generation) continue;
      if ('kind' in item) {
        this.takenGeneration = item.generation;
        this.sought.clear();
        yield item;
        continue;
      }
      const partition = item.partition as number;
      // Fetched from the committed offset before the job sought elsewhere (seekTo).
      const sought = this.sought.get(partition);
      if (sought !== undefined) {
        if (item.offsets?.first !== sought) continue;
        this.sought.delete(partition);
      }
      const seeks = this.seeks;
      yield item;
      // The job asks for the next item once it has processed this batch: its messages count as processed.
      if (item.generation === this.generation && seeks === this.seeks && item.offsets !== undefined) this.processedUpTo(partition, item.offsets.next);
    }
  }

  /**
   * Per assigned partition (revoked ones disappear at the rebalance), in messages:
   * - position: the offset of the next message the job will process, i.e. after the last batch the
   *   job has finished (it asked for the next item), not after the last one fetched: batches waiting
   *   in the handoff queue are not processed yet, so they count as lag. Before the partition's first
   *   batch it is where reading starts (the committed offset, or the one startFrom gives once known);
   *   null while not known.
   * - lag: the partition's end − position, never below 0. The end is the high watermark kafkajs gave
   *   with the latest batch fetched (no extra request is made, so while the job waits, paused or
   *   behind a slow sink, no fetch refreshes it), or with stopAt end the end offset read at the start
   *   (what this run reads). Null before the partition's first batch (an empty partition stays null
   *   until a message arrives), except with stopAt end.
   */
  progress(): readonly PartitionProgress[] {
    const out: PartitionProgress[] = [];
    for (const partition of [...this.assigned].sort((a, b) => a - b)) {
      const f = this.figures.get(partition);
      const position = f?.position ?? null;
      const end = this.endOffsets !== null ? (this.endOffsets.get(partition) ?? 0) : (f?.highWatermark ?? null);
      out.push({ partition, position, lag: position === null || end === null ? null : Math.max(0, end - position), unit: 'messages' });
    }
    return out;
  }

  /** Reads the assigned partitions from these offsets (a restored checkpoint's) instead of the committed ones. */
  seekTo(offsets: readonly { readonly partition: number; readonly offset: number }[]): void {
    const { topic } = this.options;
    this.seeks++;
    for (const { partition, offset } of offsets) {
      if (!this.assigned.has(partition)) continue;
      this.sought.set(partition, offset);
      this.expectedOffsets.set(partition, offset);
      const f = this.figures.get(partition);
      if (f !== undefined) {
        // The checkpoint's state holds everything before its offset.
        f.position = offset;
        f.skips.clear();
      }
      if (this.endOffsets !== null) this.nextOffsets.set(partition, offset);
      this.consumer.seek({ topic, partition, offset: String(offset) });
    }
    this.logger.info({ topic, offsets }, 'kafka source: reading from the restored checkpoint\'s offsets');
    this.endIfDone();
  }

  stop(): void {
    this.stopped = true;
    this.handoff.close();
  }

  async commit(commits: readonly PartitionCommit[]): Promise<boolean> {
    // A rebalance since the job took its assignment: the partitions' new owners read from the last commit.
    if (this.takenGeneration !== this.generation) return false;
    // All or nothing: a checkpoint's output is published only when all its positions are committed.
    if (commits.some((c) => !this.assigned.has(c.partition))) return false;
    if (commits.length === 0) return true;
    await this.consumer.commitOffsets(
      commits.map((c) => ({ topic: this.options.topic, partition: c.partition, offset: String(c.offset), metadata: encodeResumePoint(c.resume) })),
    );
    return true;
  }

  async close(): Promise<void> {
    this.stop();
    if (!this.connected) return;
    this.connected = false;
    // The consumer first: a join it finishes while disconnecting must not use a closed admin client.
    await Promise.allSettled([this.consumer.disconnect()]);
    await Promise.allSettled([this.admin.disconnect()]);
  }

  private async start(): Promise<void> {
    const { topic } = this.options;
    await this.admin.connect();
    await this.consumer.connect();
    this.connected = true;
    if (this.options.stopAtEnd) {
      const offsets = await this.admin.fetchTopicOffsets(topic);
      this.endOffsets = new Map(offsets.map((o) => [o.partition, Number(o.high)]));
      this.logger.info({ topic, endOffsets: Object.fromEntries(this.endOffsets) }, 'kafka source: reading up to these end offsets');
    }
    const { GROUP_JOIN, CRASH, END_BATCH_PROCESS } = this.consumer.events;
    // A batch of transaction markers only never reaches eachBatch, yet kafkajs reads past it: the
    // next batch starts after it, and for stopAt end it counts as read.
    this.consumer.on(END_BATCH_PROCESS, (event) => {
      const { partition, lastOffset, batchSize, highWatermark } = event.payload;
      if (batchSize !== 0 || !this.assigned.has(partition)) return;
      const next = Number(lastOffset) + 1;
      const expected = this.expectedOffsets.get(partition);
      const f = this.figures.get(partition);
      if (f !== undefined) {
        f.highWatermark = Number(highWatermark);
        this.skipOver(partition, expected ?? null, next);
      }
      if (next > (expected ?? Number.POSITIVE_INFINITY)) this.expectedOffsets.set(partition, next);
      this.advanceTo(partition, next);
    });
    this.consumer.on(GROUP_JOIN, (event) => {
      const generation = ++this.generation;
      if (this.stopped) return;
      const partitions = [...(event.payload.memberAssignment[topic] ?? [])].sort((a, b) => a - b);
      this.assigned = new Set(partitions);
      // Reading starts again from the committed offsets (queueAssignment sets them).
      this.figures = new Map(partitions.map((p) => [p, { position: null, highWatermark: null, skips: new Map() }]));
      this.assignmentQueued = this.queueAssignment(generation, partitions).catch((error: unknown) => {
        if (!this.stopped) this.handoff.fail(error);
      });
    });
    this.consumer.on(CRASH, (event) => {
      const { error, restart } = event.payload;
      this.logger.warn({ topic, err: error, restart }, restart ? 'kafka source: consumer failed, restarting' : 'kafka source: consumer failed');
      if (!restart) this.handoff.fail(error);
    });
    await this.consumer.subscribe({ topics: [topic], fromBeginning: this.options.startFrom === 'earliest' });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: true,
      eachBatch: (payload) => this.onBatch(payload),
    });
  }

  /** The committed position and resume point of every assigned partition, queued before any batch. */
  private async queueAssignment(generation: number, partitions: readonly number[]): Promise<void> {
    const { topic, groupId } = this.options;
    const [committed] = await retryTransient('reading the committed offsets', this.logger, () => this.admin.fetchOffsets({ groupId, topics: [topic] }), () => this.stopped);
    const byPartition = new Map((committed?.partitions ?? []).map((p) => [p.partition, p]));
    const topicOffsets = this.options.stopAtEnd ? await retryTransient('reading the topic offsets', this.logger, () => this.admin.fetchTopicOffsets(topic), () => this.stopped) : [];
    const assignment: AssignedPartition[] = partitions.map((partition) => {
      const c = byPartition.get(partition);
      const offset = c === undefined || Number(c.offset) < 0 ? null : Number(c.offset);
      const resume = offset === null ? null : decodeResumePoint(c?.metadata);
      if (offset !== null && resume === null) {
        this.logger.warn({ topic, partition, offset }, 'kafka source: the committed offset has no resume point from Tally; reading on from it');
      }
      return { partition, offset, resume };
    });
    this.nextOffsets.clear();
    this.expectedOffsets.clear();
    for (const { partition, offset } of assignment) if (offset !== null) this.expectedOffsets.set(partition, offset);
    for (const { partition, offset } of assignment) {
      const range = topicOffsets.find((o) => o.partition === partition);
      const start = offset ?? (range === undefined ? null : Number(this.options.startFrom === 'earliest' ? range.low : range.high));
      if (start !== null) this.nextOffsets.set(partition, start);
      const f = this.figures.get(partition);
      if (f !== undefined && generation === this.generation) f.position = start;
    }
    this.logger.info({ topic, generation, partitions: assignment }, 'kafka source: partitions assigned');
    await this.handoff.push({ kind: 'assignment', partitions: assignment, generation });
    this.endIfDone();
  }

  private async onBatch({ batch, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    // Waiting for the assignment (it may wait for room behind a slow sink) must not cost the membership.
    await this.whileHeartbeating(this.assignmentQueued, heartbeat);
    const generation = this.generation;
    const { topic, partition } = batch;
    if (!this.assigned.has(partition)) return;
    const fetchedOffset = Number((batch as unknown as { fetchedOffset: string }).fetchedOffset);
    const expected = this.expectedOffsets.get(partition);
    const seeks = this.seeks;
    if (expected !== undefined && fetchedOffset !== expected) {
      this.logger.warn({ topic, partition, fetchedOffset, expected }, 'kafka source: a batch from another position than expected (a fetch older than the last rejoin): reading again from the expected offset');
      this.consumer.seek({ topic, partition, offset: String(expected) });
      return;
    }
    const f = this.figures.get(partition);
    if (f !== undefined) {
      f.highWatermark = Number(batch.highWatermark);
      // The partition's first batch (no committed offset): reading started at the offset fetched.
      f.position ??= fetchedOffset;
    }
    const end = this.endOffsets?.get(partition);
    const messages = batch.messages;
    const count = end === undefined ? messages.length : countBefore(messages, end);
    if (this.stopped || !isRunning() || isStale()) return;
    if (count === 0) {
      // Everything in it is at or past the end offset: the partition is read to its end.
      if (batch.messages.length > 0) {
        this.skipOver(partition, expected ?? null, Number(batch.lastOffset()) + 1);
        this.advanceTo(partition, Number(batch.lastOffset()) + 1);
      }
      return;
    }
    const offsetOf = messageOffsets(messages, count);
    const records = messageTexts(messages, count);
    const afterLast = offsetOf(count - 1) + 1;
    const item: Item = {
      generation,
      partition,
      records,
      emptyIsBad: true,
      positionOf: (i): SourcePosition => ({ kind: 'kafka', topic, partition, offset: String(offsetOf(i)) }),
      offsets: { first: offsetOf(0), next: afterLast, offsetOf },
    };
    // While the job is busy (a slow sink), keep the group membership alive.
    await this.whileHeartbeating(this.handoff.push(item), heartbeat);
    // A seekTo while the batch waited moved the position: the batch is dropped (batches()), and
    // must not move the expected offset or the stopAt-end progress.
    if (seeks !== this.seeks) return;
    const next = Math.max(afterLast, Number(batch.lastOffset()) + 1);
    if (generation === this.generation) {
      this.expectedOffsets.set(partition, next);
      // What follows the batch's last message (markers, aborted messages) is read past with it.
      this.skipOver(partition, afterLast, next);
    }
    this.advanceTo(partition, next);
  }

  /** The job has processed `partition` up to `next` (exclusive). */
  private processedUpTo(partition: number, next: number): void {
    const f = this.figures.get(partition);
    if (f === undefined) return;
    f.position = next;
    this.takeSkips(f);
  }

  /**
   * Offsets from..to hold nothing for the job (read past without a batch): the position passes over
   * them once the job has processed everything before `from` (null: nothing was handed over in this
   * generation, so from the current position). With stopAt end, never past the end offset.
   */
  private skipOver(partition: number, from: number | null, to: number): void {
    const f = this.figures.get(partition);
    if (f === undefined) return;
    const end = this.endOffsets === null ? to : Math.min(to, this.endOffsets.get(partition) ?? 0);
    const start = from ?? f.position;
    // Nothing known and nothing handed over: reading goes on after the skipped offsets.
    if (start === null) f.position = end;
    else if (end > start) f.skips.set(start, end);
    this.takeSkips(f);
  }

  /** Moves the position over the skipped offsets it has reached. */
  private takeSkips(f: PartitionFigures): void {
    for (;;) {
      const to = f.position === null ? undefined : f.skips.get(f.position);
      if (to === undefined) return;
      f.skips.delete(f.position as number);
      f.position = to;
    }
  }

  /** Awaits `work`, sending a heartbeat every heartbeat interval meanwhile. */
  private async whileHeartbeating(work: Promise<unknown>, heartbeat: () => Promise<void>): Promise<void> {
    let done = false;
    void work.then(
      () => (done = true),
      () => (done = true),
    );
    while (!done) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([work, new Promise((resolve) => (timer = setTimeout(resolve, this.options.heartbeatIntervalMs)))]);
      // A pending timer per batch would keep the process alive after the job ends.
      clearTimeout(timer);
      if (!done) await heartbeat();
    }
    await work;
  }

  /** stopAtEnd: `partition` has been read up to `next`. */
  private advanceTo(partition: number, next: number): void {
    if (this.endOffsets === null) return;
    if (next > (this.nextOffsets.get(partition) ?? Number.NEGATIVE_INFINITY)) this.nextOffsets.set(partition, next);
    this.endIfDone();
  }

  /** stopAtEnd: once every assigned partition has reached its end offset, the input ends. */
  private endIfDone(): void {
    if (this.endOffsets === null || this.handoff.isClosed) return;
    for (const partition of this.assigned) {
      const next = this.nextOffsets.get(partition);
      const end = this.endOffsets.get(partition) ?? 0;
      if (end > 0 && (next === undefined || next < end)) return;
    }
    this.logger.info({ topic: this.options.topic, partitions: [...this.assigned] }, 'kafka source: reached the end offsets');
    this.handoff.close();
    // Nothing more is wanted; the consumer stays in the group until the job's last commit.
    this.consumer.pause([{ topic: this.options.topic }]);
  }
}
