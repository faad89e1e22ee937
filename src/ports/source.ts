// Source port: where raw records come from, in batches, with their positions.

/** Where a record came from, for dead letters and resuming. */
export type SourcePosition =
  | { readonly kind: 'file'; readonly file: string; readonly line: number }
  | { readonly kind: 'stdin'; readonly line: number }
  | { readonly kind: 'generator'; readonly sequence: number }
  | { readonly kind: 'kafka'; readonly topic: string; readonly partition: number; readonly offset: string };

/**
 * A run of raw records (NDJSON lines or message values) from one partition. The text is parsed by
 * the core (parseEventLine), never by the source.
 */
export interface RawBatch {
  readonly partition: string | number;
  readonly records: readonly string[];
  /** The position of records[i]. Called only for bad and late records, so it may be computed lazily. */
  positionOf(index: number): SourcePosition;
}

export interface Source {
  /** A short description for logs, e.g. `file events.ndjson`. */
  readonly description: string;
  /** True when the input ends (file, stdin, a bounded generator): every window closes at the end. */
  readonly isBounded: boolean;
  /** Batches in arrival order. Ends when a bounded input is exhausted or after stop(). */
  batches(): AsyncIterable<RawBatch>;
  /** Asks the source to end its iteration soon (graceful shutdown). */
  stop(): void;
}
