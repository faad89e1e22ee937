// NdjsonStreamSink: items formatted as NDJSON lines onto a writable stream (file, stdout, stderr).

import { once } from 'node:events';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';
import type { Sink } from '../../ports/sink.js';

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
    mkdirSync(dirname(path), { recursive: true });
    return new NdjsonStreamSink(`file ${path}`, createWriteStream(path, { flags: 'w' }), format, true);
  }

  static toStream<T>(name: string, stream: Writable, format: (item: T) => string): NdjsonStreamSink<T> {
    return new NdjsonStreamSink(name, stream, format, false);
  }

  async write(items: readonly T[]): Promise<void> {
    if (this.failure !== null) throw this.failure;
    if (items.length === 0) return;
    let chunk = '';
    for (const item of items) chunk += `${this.format(item)}\n`;
    // Wait for 'drain' when the stream's buffer is full: this is the backpressure on the job loop.
    // once() rejects if the stream errors while waiting.
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
    if (this.failure !== null) throw this.failure;
  }

  async close(): Promise<void> {
    if (this.failure !== null) throw this.failure;
    if (!this.ownsStream) return;
    this.stream.end();
    await once(this.stream, 'finish');
  }
}
