import { describe, expect, it } from 'vitest';
import type { WindowView } from '@tally/api-types';
import { HEAT_HOURS, heatBuckets, heatLevel, hourWindowOf, HOUR_MS } from './heat-strip.js';

const T0 = Date.UTC(2026, 10, 23);
const view = (name: string, kind: WindowView['kind'], spec: Record<string, unknown>): WindowView => ({ name, kind, spec: { kind, name, ...spec }, version: 0, exactFromMs: null }) as unknown as WindowView;

describe('heat strip', () => {
  it('reads a tumbling window of one hour on the hour, nothing else', () => {
    const minute = view('per_minute', 'tumbling', { sizeMs: 60_000, offsetMs: 0 });
    const quarter = view('hourly_q', 'tumbling', { sizeMs: HOUR_MS, offsetMs: 900_000 });
    const hourly = view('hourly', 'tumbling', { sizeMs: HOUR_MS, offsetMs: 0 });
    expect(hourWindowOf([minute, quarter, hourly])).toBe(hourly);
    expect(hourWindowOf([minute, quarter, view('last_hour', 'sliding', { sizeMs: HOUR_MS, slideMs: 60_000, offsetMs: 0 })])).toBeNull();
  });

  it('puts each instance in its hour, the last 24 hours up to the current one, oldest first', () => {
    //   hour:  …  21:00  22:00  23:00  00:00 (now 00:30, open: no result yet)
    //   count:      4      0      8      –
    const now = T0 + 30 * 60_000;
    const points = [
      { start: T0 - 3 * HOUR_MS, end: T0 - 2 * HOUR_MS, value: 4, keys: 2 },
      { start: T0 - 2 * HOUR_MS, end: T0 - HOUR_MS, value: 0, keys: 0 },
      { start: T0 - HOUR_MS, end: T0, value: 8, keys: 3 },
      { start: T0 - 30 * HOUR_MS, end: T0 - 29 * HOUR_MS, value: 99, keys: 1 },
    ];
    const buckets = heatBuckets(points, now);
    expect(buckets).toHaveLength(HEAT_HOURS);
    expect(buckets[0]?.startMs).toBe(T0 - 23 * HOUR_MS);
    expect(buckets.slice(-4)).toEqual([
      { startMs: T0 - 3 * HOUR_MS, value: 4, level: 3 },
      { startMs: T0 - 2 * HOUR_MS, value: 0, level: 0 },
      { startMs: T0 - HOUR_MS, value: 8, level: 5 },
      { startMs: T0, value: null, level: 0 },
    ]);
  });

  it('shades in proportion to the busiest hour', () => {
    expect([null, 0, 1, 50, 99, 100].map((v) => heatLevel(v, 100))).toEqual([0, 0, 1, 3, 5, 5]);
    expect(heatLevel(5, 0)).toBe(0);
  });
});
