// NdjsonStreamSink: items formatted as NDJSON lines onto a writable stream (file, stdout, stderr).

import { once } from 'node:events';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';
import type { Sink } from '../../ports/sink.js';

/**
 * `mkdir -p`, one level at a time: Node 20's recursive mkdirSync never returns for some paths
 * (under /proc, for one), and a job must fail with the cause instead.
 */
export function makeDirectory(path: string): void {
  try {
    mkdirSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    const parent = dirname(path);
    if (code !== 'ENOENT' || parent === path) throw error;
    makeDirectory(parent);
    mkdirSync(path);
  }
}

/** What a file sink buffers before the job waits for the disk (its backpressure). */
const FILE_BUFFER_BYTES = 8 << 20;

export class NdjsonStreamSink<T> implements Sink<T> {
  private failure: Error | null = null;

  constructor(
    readonly description: string,
    private readonly stream: Writable,
    private readonly format: (item: T) => string,
    private readonly ownsStream: boolean,
  ) {
    stream.on('error', (error: Error) => {
      this.failure = error;
    });
  }

  /**
   * A file, created with its directory. Truncated, unless `append` (a job that resumes from
   * committed positions keeps what its earlier runs wrote).
   */
  static toFile<T>(path: string, format: (item: T) => string, options: { readonly append?: boolean } = {}): NdjsonStreamSink<T> {
    makeDirectory(dirname(path));
    // A window closing emits its results at once (MBs for many keys): a buffer that takes them
    // lets the job go on while the file write completes, instead of waiting for 'drain' each time.
    return new NdjsonStreamSink(`file ${path}`, createWriteStream(path, { flags: options.append === true ? 'a' : 'w', highWaterMark: FILE_BUFFER_BYTES }), format, true);
  }

  static toStream<T>(name: string, stream: Writable, format: (item: T) => string): NdjsonStreamSink<T> {
    return new NdjsonStreamSink(name, stream, format, false);
  }

  async write(items: readonly T[]): Promise<void> {
    if (this.failure !== null) throw this.failure;
    if (items.length === 0) return;
    // Lines are joined into pieces of about 32 KB and each piece is encoded into one buffer: one
    // encoding call per piece rather than per line, and no string large enough for V8's
    // large-object space (which only a full GC frees).
    let buffer = Buffer.allocUnsafe(Math.max(1 << 16, items.length * 256));
    let used = 0;
    let piece = '';
    const flushPiece = (): void => {
      // A UTF-16 unit takes at most 3 bytes of UTF-8.
      if (used + piece.length * 3 > buffer.length) {
        const grown = Buffer.allocUnsafe(Math.max(buffer.length * 2, used + piece.length * 3));
        buffer.copy(grown, 0, 0, used);
        buffer = grown;
      }
      used += buffer.write(piece, used);
      piece = '';
    };
    for (const item of items) {
      piece += `${this.format(item)}\n`;
      if (piece.length >= 32_768) flushPiece();
    }
    if (piece.length > 0) flushPiece();
    // Wait for 'drain' when the stream's buffer is full: this is the backpressure on the job loop.
    // once() rejects if the stream errors while waiting.
    if (!this.stream.write(buffer.subarray(0, used))) await once(this.stream, 'drain');
    if (this.failure !== null) throw this.failure;
  }

  /**
   * Resolves once everything written so far has left the process (a file write has completed, so a
   * crash of the process cannot lose it): before the job commits source positions past it.
   */
  async flush(): Promise<void> {
    if (this.failure !== null) throw this.failure;
    if (this.stream.writableLength === 0) return;
    // Writes complete in order: an empty write's callback runs after every earlier one.
    await new Promise<void>((resolve, reject) => this.stream.write('', (error) => (error ? reject(error) : resolve())));
  }

  async close(): Promise<void> {
    if (this.failure !== null) throw this.failure;
    if (!this.ownsStream) return;
    this.stream.end();
    await once(this.stream, 'finish');
  }
}
