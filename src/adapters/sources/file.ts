// FileSource: NDJSON lines from a file, read in 1 MiB chunks.

import { createReadStream } from 'node:fs';
import { EngineError } from '../../core/errors.js';
import type { RawBatch, Source } from '../../ports/source.js';
import { splitLines } from './ndjson-lines.js';

export class FileSource implements Source {
  readonly description: string;
  readonly isBounded = true;
  private isStopped = false;

  /** Lines longer than maxLineBytes are cut to a prefix that the parser reports TOO_LARGE. */
  constructor(
    private readonly path: string,
    private readonly maxLineBytes = Number.POSITIVE_INFINITY,
  ) {
    this.description = `file ${path}`;
  }

  async *batches(): AsyncGenerator<RawBatch> {
    const stream = createReadStream(this.path, { highWaterMark: 1 << 20 });
    try {
      for await (const batch of splitLines(stream, this.maxLineBytes)) {
        const { firstLine } = batch;
        const file = this.path;
        yield { partition: 0, records: batch.lines, positionOf: (i) => ({ kind: 'file', file, line: firstLine + i }) };
        if (this.isStopped) break;
      }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // EMFILE/ENFILE (too many open files) and EIO may pass; a missing file or a refused one will not.
      throw new EngineError('SOURCE_UNREACHABLE', `cannot read events from ${this.path}: ${(error as Error).message}`, {
        cause: error,
        retriable: code === 'EMFILE' || code === 'ENFILE' || code === 'EIO',
      });
    } finally {
      stream.destroy();
    }
  }

  stop(): void {
    this.isStopped = true;
  }
}
