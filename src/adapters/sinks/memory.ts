// MemorySink: keeps every item in an array (tests and embedding programs).

import type { Sink } from '../../ports/sink.js';

export class MemorySink<T> implements Sink<T> {
  readonly description = 'memory';
  readonly items: T[] = [];
  isClosed = false;

  async write(items: readonly T[]): Promise<void> {
    for (const item of items) this.items.push(item);
  }

  async close(): Promise<void> {
    this.isClosed = true;
  }
}
