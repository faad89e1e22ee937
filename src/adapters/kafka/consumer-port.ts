// What KafkaSource asks of its kafkajs consumer and admin client: a small port with two sides, kafkajs
// on the job's thread (local-consumer.ts) or on a thread of its own (consumer-thread.ts).

/** How the consumer joins its group and reads (the options KafkaSource gives kafkajs; plain data, a thread can take it). */
export interface ConsumerSettings {
  readonly topic: string;
  readonly groupId: string;
  /** Where a group without a committed offset starts: the partition's beginning (true) or its end. */
  readonly fromBeginning: boolean;
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
}

/** A partition's first and end offsets (admin.fetchTopicOffsets: low and high). */
export interface PartitionRange {
  readonly partition: number;
  readonly low: number;
  readonly high: number;
}

/** A partition's committed offset (negative: none) and the metadata committed with it. */
export interface CommittedOffset {
  readonly partition: number;
  readonly offset: number;
  readonly metadata: string | null;
}

export interface OffsetCommit {
  readonly partition: number;
  readonly offset: number;
  readonly metadata: string;
}

/**
 * One fetched batch of a partition's messages (kafkajs' eachBatch), as the source reads it. Offsets
 * are below 2^53 (numbers).
 */
export interface FetchedBatch {
  readonly partition: number;
  /** The offset the fetch asked for. */
  readonly fetchedOffset: number;
  readonly highWatermark: number;
  /** kafkajs' lastOffset(): the batch's last record, which may lie past its last message (markers, aborted messages). */
  readonly lastOffset: number;
  /** How many messages the batch has (at least one). */
  readonly size: number;
  /** How many of the first messages lie before `end`. */
  countBefore(end: number): number;
  /** The offsets of the first `count` messages. */
  offsets(count: number): (index: number) => number;
  /** The values of the first `count` messages as text ('' for none; see message-text.ts). */
  texts(count: number): string[];
}

/** What eachBatch offers while its batch is handled. */
export interface BatchControl {
  /** Awaits `work`, keeping the group membership alive meanwhile (heartbeats); rejects when that fails. */
  whileHeartbeating(work: Promise<unknown>): Promise<void>;
  /** Whether the consumer still runs (kafkajs' isRunning). */
  isRunning(): boolean;
  /** Whether a seek made the batch stale (kafkajs' isStale). */
  isStale(): boolean;
}

export interface ConsumerHandlers {
  /** The group gave the consumer these partitions of the topic (kafkajs' GROUP_JOIN). */
  onGroupJoin(partitions: readonly number[]): void;
  /** The consumer failed (kafkajs' CRASH); it restarts when `restart`. A consumer thread that ends is a failure without restart. */
  onCrash(error: unknown, restart: boolean): void;
  /** A batch with no message for the job (transaction markers, aborted messages only) was read past (END_BATCH_PROCESS, size 0). */
  onEmptyBatch(partition: number, lastOffset: number, highWatermark: number): void;
  /** eachBatch: kafkajs fetches no further from the batch's broker until this resolves. */
  onBatch(batch: FetchedBatch, control: BatchControl): Promise<void>;
}

export interface ConsumerPort {
  /** Connects the admin client, then the consumer. */
  connect(): Promise<void>;
  fetchTopicOffsets(): Promise<readonly PartitionRange[]>;
  /** The group's committed offsets of the topic (admin.fetchOffsets). */
  fetchCommittedOffsets(): Promise<readonly CommittedOffset[]>;
  /** Subscribes to the topic and runs the consumer (no automatic commits): events and batches go to `handlers`. */
  run(handlers: ConsumerHandlers): Promise<void>;
  /** The partition's next fetch starts at `offset`. */
  seek(partition: number, offset: number): void;
  /** Fetches nothing more from the topic. */
  pause(): void;
  commitOffsets(commits: readonly OffsetCommit[]): Promise<void>;
  /** A consumer that fails from now on does not restart. */
  stop(): void;
  /** The consumer first (a join it finishes must not use a closed admin client), then the admin client. Never rejects. */
  disconnect(): Promise<void>;
}
