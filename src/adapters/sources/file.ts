// FileSource: NDJSON lines from a file, read in 1 MiB chunks, resumable at a byte offset, with its progress in bytes.

import { createReadStream, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { EngineError } from '../../core/errors.js';
import type { PartitionProgress, RawBatch, ResumePosition, Source } from '../../ports/source.js';
import { splitLines } from './ndjson-lines.js';

export class FileSource implements Source {
  readonly description: string;
  readonly isBounded = true;
  private isStopped = false;
  private start = { line: 1, byteOffset: 0 };
  /** Byte offset of the first line not processed yet (the end of the last batch the job finished). */
  private position = 0;
  /** The file's size at the last stat (null before any); a file being appended to grows. */
  private sizeBytes: number | null = null;
  /** True once every line up to the end of the file has been processed. */
  private isAtEnd = false;

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
    this.position = byteOffset;
    this.sizeBytes = size;
  }

  /**
   * Partition 0, in bytes: position = the byte offset of the first line not processed yet (where a
   * resume would start; the stream may have read further ahead), lag = the file's size − position.
   * The size is taken with a stat after each chunk read, so lines appended while the file is read
   * raise the lag; it is not refreshed while no chunk is read (a paused job). Lag is null before the
   * first stat and 0 once the file has been processed to its end.
   */
  progress(): readonly PartitionProgress[] {
    const lag = this.isAtEnd ? 0 : this.sizeBytes === null ? null : Math.max(0, this.sizeBytes - this.position);
    return [{ partition: 0, position: this.position, lag, unit: 'bytes' }];
  }

  async *batches(): AsyncGenerator<RawBatch> {
    this.position = this.start.byteOffset;
    this.isAtEnd = false;
    const stream = createReadStream(this.path, { highWaterMark: this.chunkBytes, start: this.start.byteOffset });
    try {
      for await (const batch of splitLines(this.sizingEachChunk(stream), this.maxLineBytes, this.start)) {
        const { firstLine } = batch;
        const file = this.path;
        yield {
          partition: 0,
          records: batch.lines,
          positionOf: (i) => ({ kind: 'file', file, line: firstLine + i }),
          resumeAfter: { file, byteOffset: batch.endByteOffset, line: firstLine + batch.lines.length },
        };
        // The job asks for the next batch once it has processed this one.
        this.position = batch.endByteOffset;
        if (this.isStopped) break;
      }
      if (!this.isStopped) this.isAtEnd = true;
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

  /**
   * Passes the chunks on, taking the file's size after each one is read. Synchronously: a few µs
   * per chunk (1 MiB), where awaiting a stat in the thread pool left the job's thread idle for it
   * (about 0.5 ms a chunk, 4% of a run's time). A batch comes with a size taken after it was asked for.
   */
  private async *sizingEachChunk(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const chunk of chunks) {
      // A failed stat (the file removed while read) keeps the last size: the read reports real errors.
      try {
        const s = statSync(this.path, { throwIfNoEntry: false });
        if (s !== undefined) this.sizeBytes = s.size;
      } catch {
        // Kept, as above.
      }
      yield chunk;
    }
  }
}
