// KafkaSource: a topic read through a consumer group, with positions the job commits itself.

import type { Kafka } from 'kafkajs';
import type { Logger } from '../../ports/logger.js';
import type { AssignedPartition, Assignment, PartitionCommit, PartitionProgress, RawBatch, Source, SourcePosition } from '../../ports/source.js';
import { consumerPort, ThreadConsumer } from './consumer-thread.js';
import type { BatchControl, ConsumerPort, FetchedBatch } from './consumer-port.js';
import { Handoff } from './handoff.js';
import { kafkaConnectionOf, retryTransient } from './kafka-client.js';
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
 *
 * kafkajs runs on a thread of its own when it can (see consumerPort): the job's thread then gets
 * each batch's values packed in one buffer, without decoding the fetch responses itself.
 */
export class KafkaSource implements Source {
  readonly description: string;
  readonly isBounded: boolean;
  private readonly consumer: ConsumerPort;
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

  /** `consumer`: where kafkajs runs (tests give one); by default as consumerPort decides. */
  constructor(
    kafka: Kafka,
    private readonly options: KafkaSourceOptions,
    private readonly logger: Logger,
    consumer?: ConsumerPort,
  ) {
    this.description = `kafka topic ${options.topic} (group ${options.groupId})`;
    this.isBounded = options.stopAtEnd;
    const { topic, groupId, sessionTimeoutMs, heartbeatIntervalMs } = options;
    const settings = { topic, groupId, sessionTimeoutMs, heartbeatIntervalMs, fromBeginning: options.startFrom === 'earliest' };
    this.consumer = consumer ?? consumerPort(kafka, kafkaConnectionOf(kafka), settings, logger);
  }

  /** Whether kafkajs runs on a thread of its own (false: on the caller's thread, see consumerPort). */
  get isThreaded(): boolean {
    return this.consumer instanceof ThreadConsumer;
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
      this.consumer.seek(partition, offset);
    }
    this.logger.info({ topic, offsets }, 'kafka source: reading from the restored checkpoint\'s offsets');
    this.endIfDone();
  }

  stop(): void {
    this.stopped = true;
    // A consumer that fails from now on does not restart.
    this.consumer.stop();
    this.handoff.close();
  }

  async commit(commits: readonly PartitionCommit[]): Promise<boolean> {
    // A rebalance since the job took its assignment: the partitions' new owners read from the last commit.
    if (this.takenGeneration !== this.generation) return false;
    // All or nothing: a checkpoint's output is published only when all its positions are committed.
    if (commits.some((c) => !this.assigned.has(c.partition))) return false;
    if (commits.length === 0) return true;
    await this.consumer.commitOffsets(commits.map((c) => ({ partition: c.partition, offset: c.offset, metadata: encodeResumePoint(c.resume) })));
    return true;
  }

  async close(): Promise<void> {
    this.stop();
    await this.consumer.disconnect();
  }

  private async start(): Promise<void> {
    const { topic } = this.options;
    await this.consumer.connect();
    if (this.options.stopAtEnd) {
      const offsets = await this.consumer.fetchTopicOffsets();
      this.endOffsets = new Map(offsets.map((o) => [o.partition, o.high]));
      this.logger.info({ topic, endOffsets: Object.fromEntries(this.endOffsets) }, 'kafka source: reading up to these end offsets');
    }
    await this.consumer.run({
      // A batch of transaction markers only never reaches eachBatch, yet kafkajs reads past it: the
      // next batch starts after it, and for stopAt end it counts as read.
      onEmptyBatch: (partition, lastOffset, highWatermark) => {
        if (!this.assigned.has(partition)) return;
        const next = lastOffset + 1;
        const expected = this.expectedOffsets.get(partition);
        const f = this.figures.get(partition);
        if (f !== undefined) {
          f.highWatermark = highWatermark;
          this.skipOver(partition, expected ?? null, next);
        }
        if (next > (expected ?? Number.POSITIVE_INFINITY)) this.expectedOffsets.set(partition, next);
        this.advanceTo(partition, next);
      },
      onGroupJoin: (assignedPartitions) => {
        const generation = ++this.generation;
        if (this.stopped) return;
        const partitions = [...assignedPartitions].sort((a, b) => a - b);
        this.assigned = new Set(partitions);
        // Reading starts again from the committed offsets (queueAssignment sets them).
        this.figures = new Map(partitions.map((p) => [p, { position: null, highWatermark: null, skips: new Map() }]));
        this.assignmentQueued = this.queueAssignment(generation, partitions).catch((error: unknown) => {
          if (!this.stopped) this.handoff.fail(error);
        });
      },
      onCrash: (error, restart) => {
        this.logger.warn({ topic, err: error, restart }, restart ? 'kafka source: consumer failed, restarting' : 'kafka source: consumer failed');
        if (!restart) this.handoff.fail(error);
      },
      onBatch: (batch, control) => this.onBatch(batch, control),
    });
  }

  /** The committed position and resume point of every assigned partition, queued before any batch. */
  private async queueAssignment(generation: number, partitions: readonly number[]): Promise<void> {
    const { topic } = this.options;
    const committed = await retryTransient('reading the committed offsets', this.logger, () => this.consumer.fetchCommittedOffsets(), () => this.stopped);
    const byPartition = new Map(committed.map((p) => [p.partition, p]));
    const topicOffsets = this.options.stopAtEnd ? await retryTransient('reading the topic offsets', this.logger, () => this.consumer.fetchTopicOffsets(), () => this.stopped) : [];
    const assignment: AssignedPartition[] = partitions.map((partition) => {
      const c = byPartition.get(partition);
      const offset = c === undefined || c.offset < 0 ? null : c.offset;
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
      const start = offset ?? (range === undefined ? null : this.options.startFrom === 'earliest' ? range.low : range.high);
      if (start !== null) this.nextOffsets.set(partition, start);
      const f = this.figures.get(partition);
      if (f !== undefined && generation === this.generation) f.position = start;
    }
    this.logger.info({ topic, generation, partitions: assignment }, 'kafka source: partitions assigned');
    await this.handoff.push({ kind: 'assignment', partitions: assignment, generation });
    this.endIfDone();
  }

  private async onBatch(batch: FetchedBatch, control: BatchControl): Promise<void> {
    // Waiting for the assignment (it may wait for room behind a slow sink) must not cost the membership.
    await control.whileHeartbeating(this.assignmentQueued);
    const generation = this.generation;
    const { topic } = this.options;
    const { partition, fetchedOffset } = batch;
    if (!this.assigned.has(partition)) return;
    const expected = this.expectedOffsets.get(partition);
    const seeks = this.seeks;
    if (expected !== undefined && fetchedOffset !== expected) {
      this.logger.warn({ topic, partition, fetchedOffset, expected }, 'kafka source: a batch from another position than expected (a fetch older than the last rejoin): reading again from the expected offset');
      this.consumer.seek(partition, expected);
      return;
    }
    const f = this.figures.get(partition);
    if (f !== undefined) {
      f.highWatermark = batch.highWatermark;
      // The partition's first batch (no committed offset): reading started at the offset fetched.
      f.position ??= fetchedOffset;
    }
    const end = this.endOffsets?.get(partition);
    const count = end === undefined ? batch.size : batch.countBefore(end);
    if (this.stopped || !control.isRunning() || control.isStale()) return;
    if (count === 0) {
      // Everything in it is at or past the end offset: the partition is read to its end.
      if (batch.size > 0) {
        this.skipOver(partition, expected ?? null, batch.lastOffset + 1);
        this.advanceTo(partition, batch.lastOffset + 1);
      }
      return;
    }
    const offsetOf = batch.offsets(count);
    const records = batch.texts(count);
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
    await control.whileHeartbeating(this.handoff.push(item));
    // A seekTo while the batch waited moved the position: the batch is dropped (batches()), and
    // must not move the expected offset or the stopAt-end progress.
    if (seeks !== this.seeks) return;
    const next = Math.max(afterLast, batch.lastOffset + 1);
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
    this.consumer.pause();
  }
}
