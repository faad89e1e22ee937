// StdinSource: NDJSON lines from standard input (or any readable stream, for tests).

import type { Readable } from 'node:stream';
import type { PartitionProgress, RawBatch, Source } from '../../ports/source.js';
import { splitLines } from './ndjson-lines.js';

export class StdinSource implements Source {
  readonly description = 'stdin';
  readonly isBounded = true;
  private isStopped = false;
  /** Bytes of the input up to the first line not processed yet. */
  private position = 0;

  /** Lines longer than maxLineBytes are cut to a prefix that the parser reports TOO_LARGE. */
  constructor(
    private readonly input: Readable = process.stdin,
    private readonly maxLineBytes = Number.POSITIVE_INFINITY,
  ) {}

  async *batches(): AsyncGenerator<RawBatch> {
    try {
      for await (const batch of splitLines(this.input, this.maxLineBytes)) {
        const { firstLine } = batch;
        yield { partition: 0, records: batch.lines, positionOf: (i) => ({ kind: 'stdin', line: firstLine + i }) };
        // The job asks for the next batch once it has processed this one.
        this.position = batch.endByteOffset;
        if (this.isStopped) break;
      }
    } catch (error) {
      // stop() destroys the input to end a pending read: the "premature close" that follows is the stop.
      if (!this.isStopped) throw error;
    }
  }

  /**
   * Partition 0, in bytes (as a file's position counts them, so the same input piped or read from a
   * file shows the same figure): position = the bytes up to the first line not processed yet. Lag is
   * always null: how much more a pipe will bring is not known.
   */
  progress(): readonly PartitionProgress[] {
    return [{ partition: 0, position: this.position, lag: null, unit: 'bytes' }];
  }

  stop(): void {
    this.isStopped = true;
    // A pending read on a terminal or pipe would otherwise keep waiting for input.
    this.input.destroy();
  }
}
