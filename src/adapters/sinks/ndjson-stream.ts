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
function makeDirectory(path: string): void {
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

  /** A file (created with its directory, truncated). */
  static toFile<T>(path: string, format: (item: T) => string): NdjsonStreamSink<T> {
    makeDirectory(dirname(path));
    return new NdjsonStreamSink(`file ${path}`, createWriteStream(path, { flags: 'w' }), format, true);
  }

  static toStream<T>(name: string, stream: Writable, format: (item: T) => string): NdjsonStreamSink<T> {
    return new NdjsonStreamSink(name, stream, format, false);
  }

  async write(items: readonly T[]): Promise<void> {
    if (this.failure !== null) throw this.failure;
    if (items.length === 0) return;
    // Encode line by line into one buffer: concatenating first would build (and flatten) one large
    // string per write, which lands in V8's large-object space and costs a full GC to free.
    let buffer = Buffer.allocUnsafe(Math.max(1 << 16, items.length * 256));
    let used = 0;
    for (const item of items) {
      const line = this.format(item);
      // A UTF-8 character takes at most 3 bytes per UTF-16 unit; +1 for the newline.
      if (used + line.length * 3 + 1 > buffer.length) {
        const grown = Buffer.allocUnsafe(Math.max(buffer.length * 2, used + line.length * 3 + 1));
        buffer.copy(grown, 0, 0, used);
        buffer = grown;
      }
      used += buffer.write(line, used);
      buffer[used++] = 10;
    }
    // Wait for 'drain' when the stream's buffer is full: this is the backpressure on the job loop.
    // once() rejects if the stream errors while waiting.
    if (!this.stream.write(buffer.subarray(0, used))) await once(this.stream, 'drain');
    if (this.failure !== null) throw this.failure;
  }

  async close(): Promise<void> {
    if (this.failure !== null) throw this.failure;
    if (!this.ownsStream) return;
    this.stream.end();
    await once(this.stream, 'finish');
  }
}
