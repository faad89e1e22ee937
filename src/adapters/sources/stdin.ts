// StdinSource: NDJSON lines from standard input (or any readable stream, for tests).

import type { Readable } from 'node:stream';
import type { RawBatch, Source } from '../../ports/source.js';
import { splitLines } from './ndjson-lines.js';

export class StdinSource implements Source {
  readonly description = 'stdin';
  readonly isBounded = true;
  private isStopped = false;

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
        if (this.isStopped) break;
      }
    } catch (error) {
      // stop() destroys the input to end a pending read: the "premature close" that follows is the stop.
      if (!this.isStopped) throw error;
    }
  }

  stop(): void {
    this.isStopped = true;
    // A pending read on a terminal or pipe would otherwise keep waiting for input.
    this.input.destroy();
  }
}
