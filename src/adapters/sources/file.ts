// FileSource: NDJSON lines from a file, read in 1 MiB chunks, resumable at a byte offset.

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { EngineError } from '../../core/errors.js';
import type { RawBatch, ResumePosition, Source } from '../../ports/source.js';
import { splitLines } from './ndjson-lines.js';

export class FileSource implements Source {
  readonly description: string;
  readonly isBounded = true;
  private isStopped = false;
  private start = { line: 1, byteOffset: 0 };

  /** Lines longer than maxLineBytes are cut to a prefix that the parser reports TOO_LARGE. `chunkBytes`: read size (tests make it small for many batches). */
  constructor(
    private readonly path: string,
    private readonly maxLineBytes = Number.POSITIVE_INFINITY,
    private readonly chunkBytes = 1 << 20,
  ) {
    this.description = `file ${path}`;
  }

  /** Reading starts after a checkpointed batch: at its byte offset, numbering lines on from it. */
  async resumeFrom(position: ResumePosition): Promise<void> {
    const { byteOffset, line } = position;
    if (typeof byteOffset !== 'number' || typeof line !== 'number' || position.file !== this.path) {
      throw new EngineError('CHECKPOINT_MISMATCH', `the checkpoint's position ${JSON.stringify(position)} is not one of file ${this.path}`);
    }
    const size = await stat(this.path).then(
      (s) => s.size,
      (error: unknown) => {
        throw new EngineError('SOURCE_UNREACHABLE', `cannot read events from ${this.path}: ${(error as Error).message}`, { cause: error });
      },
    );
    if (size < byteOffset) {
      throw new EngineError('CHECKPOINT_MISMATCH', `${this.path} has ${size} bytes, but the checkpoint had read ${byteOffset}: the file was replaced or cut`);
    }
    this.start = { line, byteOffset };
  }

  async *batches(): AsyncGenerator<RawBatch> {
    const stream = createReadStream(this.path, { highWaterMark: this.chunkBytes, start: this.start.byteOffset });
    try {
      for await (const batch of splitLines(stream, this.maxLineBytes, this.start)) {
        const { firstLine } = batch;
        const file = this.path;
        yield {
          partition: 0,
          records: batch.lines,
          positionOf: (i) => ({ kind: 'file', file, line: firstLine + i }),
          resumeAfter: { file, byteOffset: batch.endByteOffset, line: firstLine + batch.lines.length },
        };
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
