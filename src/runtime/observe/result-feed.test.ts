// ResultFeedBuffer: numbering and what the ring keeps.

import { describe, expect, it } from 'vitest';
import type { WindowResult } from '../../core/emit/outputs.js';
import { ResultFeedBuffer } from './result-feed.js';

function result(start: number): WindowResult {
  const key = { id: 0, key: {}, keyJson: '{}' };
  return { kind: 'result', window: 'w', windowKind: 'tumbling', start, end: start + 1, key, names: ['count'], values: [1], revision: 0, isFinal: true, windowIndex: null };
}

describe('ResultFeedBuffer', () => {
  it('numbers every result and keeps the last ones, whether they come in one batch larger than the ring or one by one', () => {
    const results = [1, 2, 3, 4, 5].map(result);
    const together = new ResultFeedBuffer(2);
    together.push(results, 7);
    const apart = new ResultFeedBuffer(2);
    for (const r of results) apart.push([r], 7);
    for (const feed of [together, apart]) {
      expect(feed.lastSequence).toBe(5);
      expect(feed.firstSequence).toBe(4);
      expect(feed.since(0, 10)).toEqual([
        { sequence: 4, emittedAtMs: 7, result: results[3] },
        { sequence: 5, emittedAtMs: 7, result: results[4] },
      ]);
    }
    together.push([result(6)], 8);
    expect(together.since(5, 10)).toEqual([{ sequence: 6, emittedAtMs: 8, result: result(6) }]);
  });
});
