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
