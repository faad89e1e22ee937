// MemorySource: raw lines from an array, in batches of a chosen size (tests and embedding programs).

import type { RawBatch, Source } from '../../ports/source.js';

export class MemorySource implements Source {
  readonly description = 'memory';
  readonly isBounded = true;
  private isStopped = false;

  constructor(
    private readonly lines: readonly string[],
    private readonly batchSize = 1024,
    private readonly partition: string | number = 0,
  ) {}

  async *batches(): AsyncGenerator<RawBatch> {
    for (let from = 0; from < this.lines.length && !this.isStopped; from += this.batchSize) {
      const first = from;
      yield {
        partition: this.partition,
        records: this.lines.slice(from, from + this.batchSize),
        positionOf: (i) => ({ kind: 'generator', sequence: first + i }),
      };
    }
  }

  stop(): void {
    this.isStopped = true;
  }
}
