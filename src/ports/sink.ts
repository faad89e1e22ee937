// Sink port: where results, dead letters and late records go.

/**
 * Receives items in order. `write` resolves when the sink can take more (backpressure): the job
 * loop awaits it before reading further input.
 */
export interface Sink<T> {
  readonly description: string;
  write(items: readonly T[]): Promise<void>;
  /** Resolves when everything written so far is delivered (sinks that buffer, such as Kafka). */
  flush?(): Promise<void>;
  /** Flushes buffered output and releases the resource. */
  close(): Promise<void>;
}

/** What a committable sink records in a checkpoint so that its output can be published or rolled back (JSON-safe). */
export type SinkCommit = Readonly<Record<string, unknown>>;

/**
 * A sink whose output becomes visible only with a checkpoint (a two-phase commit): what is written
 * between two checkpoints is kept aside, durable, and published once the checkpoint that covers it
 * is stored. A reader never sees output of state that a restart would compute again.
 */
export interface CommittableSink<T> extends Sink<T> {
  /**
   * Before the first write: makes the output what `commit` published (the restored checkpoint's
   * record, rolled forward if its publishing was cut short), dropping anything published later, or
   * empties it when starting afresh (null). `nextCheckpointId` names what is written from now on.
   */
  recover(commit: SinkCommit | null, nextCheckpointId: number): Promise<void>;
  /** Closes the output written since the last prepare (made durable) and returns what checkpoint `checkpointId` must record. */
  prepareCommit(checkpointId: number): Promise<SinkCommit>;
  /** The checkpoint that recorded `commit` is stored: publishes its output (idempotent). */
  commit(commit: SinkCommit): Promise<void>;
}

export function isCommittable<T>(sink: Sink<T>): sink is CommittableSink<T> {
  return typeof (sink as Partial<CommittableSink<T>>).prepareCommit === 'function';
}
