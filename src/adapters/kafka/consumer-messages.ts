// What the Kafka source and its consumer thread tell each other.

import type { CommittedOffset, ConsumerSettings, OffsetCommit, PartitionRange } from './consumer-port.js';
import type { KafkaConnection } from './kafka-client.js';
import type { PackedBatchHead, PackedMessages } from './packed-batch.js';
import type { LogMessage, SerializedError } from './thread-data.js';

/** The consumer thread's workerData. */
export interface ConsumerThreadData {
  readonly connection: KafkaConnection;
  readonly settings: ConsumerSettings;
}

/** The requests the source makes of the thread and awaits, with what each one answers. */
export interface ConsumerCalls {
  connect: { readonly args: Record<string, never>; readonly result: null };
  fetchTopicOffsets: { readonly args: Record<string, never>; readonly result: readonly PartitionRange[] };
  fetchCommittedOffsets: { readonly args: Record<string, never>; readonly result: readonly CommittedOffset[] };
  run: { readonly args: Record<string, never>; readonly result: null };
  commitOffsets: { readonly args: { readonly commits: readonly OffsetCommit[] }; readonly result: null };
}

export type ConsumerCall = { [K in keyof ConsumerCalls]: { readonly type: 'call'; readonly id: number; readonly method: K; readonly args: ConsumerCalls[K]['args'] } }[keyof ConsumerCalls];

/**
 * To the consumer thread: a call (answered by `result` or `error` with its id); a seek, pause or stop
 * (answered by nothing); `resume`: the job has taken or dropped batches of this total weight, so the
 * thread may hand over more (see BatchMessage.resumeAt); `refused`: the job's handling of a batch
 * failed, with this error (kafkajs' eachBatch throws it); close (disconnect, answered by `closed`).
 */
export type ToConsumer =
  | ConsumerCall
  | { readonly type: 'seek'; readonly partition: number; readonly offset: number }
  | { readonly type: 'pause' }
  | { readonly type: 'stop' }
  | { readonly type: 'resume'; readonly released: number }
  | { readonly type: 'refused'; readonly id: number; readonly error: SerializedError }
  | { readonly type: 'close' };

/** A fetched batch handed to the job: its messages packed (buffers transferred), and kafkajs' checks as of the handover. */
export interface BatchMessage extends PackedBatchHead {
  readonly type: 'batch';
  readonly id: number;
  readonly messages: PackedMessages;
  /** What the batch counts for against the thread's lead over the job (its packed bytes). */
  readonly weight: number;
  /**
   * Non-null: the thread is that far ahead that it waits (heartbeating) after this batch until the
   * job has taken or dropped batches of this total weight (since the start), told by `resume`.
   */
  readonly resumeAt: number | null;
  readonly isRunning: boolean;
  readonly isStale: boolean;
  /** How many seeks the thread had applied when it handed the batch over. */
  readonly seeksApplied: number;
}

/** A batch with no message for the job was read past (transaction markers, aborted messages). */
export interface EmptyBatchMessage {
  readonly type: 'emptyBatch';
  readonly partition: number;
  readonly lastOffset: number;
  readonly highWatermark: number;
}

/**
 * From the consumer thread: answers to calls; the consumer's events; a batch; a batch given up while
 * the thread waited after it (a heartbeat failed: a rebalance); a log line; closed.
 */
export type FromConsumer =
  | { readonly type: 'result'; readonly id: number; readonly value: unknown }
  | { readonly type: 'error'; readonly id: number; readonly error: SerializedError }
  | { readonly type: 'join'; readonly partitions: readonly number[] }
  | { readonly type: 'crash'; readonly error: SerializedError; readonly restart: boolean }
  | EmptyBatchMessage
  | BatchMessage
  | { readonly type: 'abandoned'; readonly id: number; readonly error: SerializedError }
  | LogMessage
  | { readonly type: 'closed' };
