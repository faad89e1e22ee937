import { describe, expect, it } from 'vitest';
import type { GroupKey } from '../operator/key-table.js';
import { ResultFormatter } from './format-result.js';
import type { WindowResult } from './outputs.js';

const key = (k: Record<string, string | number>): GroupKey => ({ id: 0, key: k, keyJson: JSON.stringify(k) });
const result = (over: Partial<WindowResult>): WindowResult => ({
  kind: 'result', window: 'w', windowKind: 'tumbling', start: 0, end: 60_000, key: key({ user_id: 1 }),
  names: ['count', 'sum_value', 'variance_value'], values: [3, 1.5, null], revision: 0, isFinal: true, windowIndex: null, ...over,
});

describe('ResultFormatter', () => {
  it('writes one JSON object with window, bounds, ISO bounds, key and the aggregates by name', () => {
    const f = new ResultFormatter(false);
    expect(JSON.parse(f.format(result({})))).toEqual({
      window: 'w', start: 0, end: 60_000, start_iso: '1970-01-01T00:00:00.000Z', end_iso: '1970-01-01T00:01:00.000Z',
      key: { user_id: 1 }, count: 3, sum_value: 1.5, variance_value: null,
    });
  });

  it('adds revision and final in update mode, and window_index for count windows', () => {
    const f = new ResultFormatter(true);
    const r = JSON.parse(f.format(result({ names: ['count'], values: [1], revision: 2, isFinal: false, windowIndex: 7 }))) as Record<string, unknown>;
    expect([r.revision, r.final, r.window_index]).toEqual([2, false, 7]);
  });

  it('does not reuse the text of one window for the next', () => {
    const f = new ResultFormatter(false);
    const one = ['count'];
    const lines = [result({ names: one, values: [1] }), result({ names: one, values: [2], key: key({ user_id: 'x"y' }) }), result({ window: 'v', start: 60_000, end: 120_000, names: one, values: [3] })].map((r) => JSON.parse(f.format(r)) as Record<string, unknown>);
    expect(lines.map((l) => [l.window, l.start, l.key, l.count])).toEqual([
      ['w', 0, { user_id: 1 }, 1],
      ['w', 0, { user_id: 'x"y' }, 2],
      ['v', 60_000, { user_id: 1 }, 3],
    ]);
  });

  it('writes each result with its own window\'s output names', () => {
    const f = new ResultFormatter(false);
    const lines = [
      result({ names: ['count'], values: [1] }),
      result({ window: 'v', names: ['count', 'max_duration_ms'], values: [2, 30] }),
      result({ names: ['count'], values: [3] }),
    ].map((r) => JSON.parse(f.format(r)) as Record<string, unknown>);
    expect(lines.map(({ window, count, max_duration_ms }) => ({ window, count, max_duration_ms }))).toEqual([
      { window: 'w', count: 1, max_duration_ms: undefined },
      { window: 'v', count: 2, max_duration_ms: 30 },
      { window: 'w', count: 3, max_duration_ms: undefined },
    ]);
  });

  it('writes null for aggregates that overflowed and for ISO times past the Date range', () => {
    const f = new ResultFormatter(false);
    const r = JSON.parse(f.format(result({ start: 8.64e15, end: 8.64e15 + 60_000, names: ['a', 'b', 'c'], values: [Number.NaN, Number.POSITIVE_INFINITY, 1] }))) as Record<string, unknown>;
    expect([r.start_iso, r.end_iso, r.a, r.b, r.c]).toEqual(['+275760-09-13T00:00:00.000Z', null, null, null, 1]);
  });
});
