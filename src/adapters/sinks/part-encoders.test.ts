import { describe, expect, it } from 'vitest';
import { ResultFormatter } from '../../core/emit/format-result.js';
import type { WindowResult } from '../../core/emit/outputs.js';
import type { FieldValue } from '../../core/event/click-event.js';
import { ndjsonEncoding } from './part-encoders.js';

const T0 = Date.UTC(2026, 10, 23, 14, 0);

function result(key: Record<string, FieldValue>, values: (number | null)[], over: Partial<WindowResult> = {}): WindowResult {
  return {
    kind: 'result', window: 'per_minute', windowKind: 'tumbling', start: T0, end: T0 + 60_000,
    key: { id: 0, key, keyJson: JSON.stringify(key) }, names: ['count', 'sum_value'].slice(0, values.length), values, revision: 0, isFinal: true, windowIndex: null, ...over,
  };
}

describe('NDJSON parts', () => {
  it('hold the lines the single-file sink writes, and count their bytes exactly once finished', async () => {
    const formatter = new ResultFormatter(true);
    const encoder = ndjsonEncoding((r) => formatter.format(r)).create();
    const results = [result({ page: '/ü' }, [1]), result({ page: '/b' }, [2], { revision: 3, isFinal: false })];
    for (const r of results) encoder.add(r);
    const bytes = Buffer.concat(await encoder.finish());
    expect(bytes.toString('utf8')).toBe(results.map((r) => `${formatter.format(r)}\n`).join(''));
    expect(encoder.rows).toBe(2);
    // 'ü' is two bytes of UTF-8: counted as such once encoded.
    expect(encoder.bytes).toBe(bytes.length);
  });

  it('count bytes as lines come, for rolling', () => {
    const encoder = ndjsonEncoding(() => 'x'.repeat(99)).create();
    for (let i = 0; i < 1_000; i++) encoder.add(result({}, []));
    expect(encoder.bytes).toBe(100_000);
  });
});
