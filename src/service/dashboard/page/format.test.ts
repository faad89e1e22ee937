import { describe, expect, it } from 'vitest';
import { formatAge, formatBytes, formatDuration, formatInstant, formatNumber } from './format.js';

describe('format', () => {
  it('spells durations as the job file does', () => {
    expect([0, 500, 1_000, 90_000, 3_600_000, 5_400_000, 86_400_000 + 1].map(formatDuration)).toEqual(['0s', '500ms', '1s', '1m30s', '1h', '1h30m', '1d1ms']);
  });

  it('spells ages, numbers, bytes and instants', () => {
    expect([850, 12_345, 245_000, 10_920_000, -2_000].map(formatAge)).toEqual(['850 ms', '12.3 s', '4 min 5 s', '3 h 2 min', '−2.0 s']);
    expect([1234567.891, null, Number.NaN].map((v) => formatNumber(v))).toEqual(['1,234,567.89', '–', '–']);
    expect([512, 2_048, 5 * 1_048_576].map(formatBytes)).toEqual(['512 B', '2.0 KiB', '5.0 MiB']);
    expect(formatInstant(Date.UTC(2026, 10, 23, 8))).toBe('2026-11-23T08:00:00Z');
  });
});
