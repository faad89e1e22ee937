// MemorySource: raw lines from an array, in batches of a chosen size (tests and embedding programs).

import type { PartitionProgress, RawBatch, Source } from '../../ports/source.js';

export class MemorySource implements Source {
  readonly description = 'memory';
  readonly isBounded = true;
  private isStopped = false;
  /** Index of the first line not processed yet. */
  private position = 0;

  constructor(
    private readonly lines: readonly string[],
    private readonly batchSize = 1024,
    private readonly partition: string | number = 0,
  ) {}

  async *batches(): AsyncGenerator<RawBatch> {
    this.position = 0;
    for (let from = 0; from < this.lines.length && !this.isStopped; from += this.batchSize) {
      const first = from;
      const records = this.lines.slice(from, from + this.batchSize);
      yield {
        partition: this.partition,
        records,
        positionOf: (i) => ({ kind: 'generator', sequence: first + i }),
      };
      // The job asks for the next batch once it has processed this one.
      this.position = first + records.length;
    }
  }

  /** One partition, in records: position = the index of the first line not processed yet, lag = the lines after it. */
  progress(): readonly PartitionProgress[] {
    return [{ partition: this.partition, position: this.position, lag: this.lines.length - this.position, unit: 'records' }];
  }

  stop(): void {
    this.isStopped = true;
  }
}
