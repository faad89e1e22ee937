import { describe, expect, it } from 'vitest';
import { describeSourceProgressContract } from '../../../test/contracts/source-progress.contract.js';
import { MemorySource } from './memory.js';

describe('MemorySource', () => {
  it('gives the index of the first line not processed and the lines after it, down to 0', async () => {
    const source = new MemorySource(['a', 'b', 'c', 'd', 'e'], 2, 'p');
    expect(source.progress()).toEqual([{ partition: 'p', position: 0, lag: 5, unit: 'records' }]);
    const seen: [number, number][] = [];
    for await (const batch of source.batches()) {
      // The batch in hand is not processed until the next one is asked for.
      const [progress] = source.progress();
      seen.push([progress?.position as number, progress?.lag as number]);
      expect(batch.records.length).toBeGreaterThan(0);
    }
    expect(seen).toEqual([
      [0, 5],
      [2, 3],
      [4, 1],
    ]);
    expect(source.progress()).toEqual([{ partition: 'p', position: 5, lag: 0, unit: 'records' }]);
  });
});

describeSourceProgressContract('MemorySource', async () => ({
  source: new MemorySource(Array.from({ length: 100 }, (_, i) => `{"n":${i}}`), 30),
  unit: 'records',
  endPosition: 100,
  knowsLag: true,
  cleanup: async () => {},
}));
