// State stays bounded by what is open: merged slices, swept keys.

import { describe, expect, it } from 'vitest';
import type { EngineOutput } from '../emit/outputs.js';
import type { PipelineSpec } from './pipeline-spec.js';
import { WindowAggregator } from './window-aggregator.js';
import type { WindowSpec } from '../windows/window-spec.js';

const spec = (windows: WindowSpec[]): PipelineSpec => ({
  keyBy: ['user_id'],
  filter: null,
  windows,
  aggregations: [{ fn: 'count', field: null }],
  time: { maxOutOfOrdernessMs: 0, allowedLatenessMs: 0, idleTimeoutMs: 30_000 },
  emit: 'final',
});

describe('memory bounds', () => {
  it('merges minute slices inside a day once the minute windows have closed', () => {
    //  per_minute cuts the day into 1440 slices; each pair is merged once its edge is no longer needed
    const engine = new WindowAggregator(spec([
      { kind: 'tumbling', name: 'per_minute', sizeMs: 60_000, offsetMs: 0 },
      { kind: 'calendar', name: 'daily', unit: 'day', timeZone: 'UTC' },
    ]));
    const out: EngineOutput[] = [];
    const day = Date.UTC(2026, 10, 23);
    let maxSlices = 0;
    for (let minute = 0; minute < 600; minute++) {
      for (let s = 0; s < 60; s += 20) {
        const t = day + minute * 60_000 + s * 1000;
        engine.onEvent({ kind: 'event', eventTimeMs: t, fields: { user_id: minute % 7, page: '/', timestamp: t } }, 0, out);
      }
      maxSlices = Math.max(maxSlices, engine.gauges().openSlices);
    }
    expect(maxSlices).toBeLessThanOrEqual(3);
    engine.onEndOfInput(out);
    const daily = out.filter((o) => o.kind === 'result' && o.window === 'daily');
    expect(daily.reduce((n, o) => n + (o.kind === 'result' ? (o.values[0] as number) : 0), 0)).toBe(1800);
  });

  it('forgets users with no state left, so new ids do not pile up', () => {
    const engine = new WindowAggregator(spec([{ kind: 'tumbling', name: 'per_second', sizeMs: 1000, offsetMs: 0 }]));
    const out: EngineOutput[] = [];
    let maxKeys = 0;
    for (let i = 0; i < 200_000; i++) {
      const t = i * 10;
      engine.onEvent({ kind: 'event', eventTimeMs: t, fields: { user_id: i, page: '/', timestamp: t } }, 0, out);
      maxKeys = Math.max(maxKeys, engine.gauges().keys);
      out.length = 0;
    }
    // 100 new users a second, a 1 s window: far fewer than the 200,000 ids seen.
    expect(maxKeys).toBeLessThan(30_000);
  });
});
