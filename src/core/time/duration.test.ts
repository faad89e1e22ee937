import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './duration.js';

describe('parseDuration', () => {
  it('reads every unit and combinations', () => {
    expect(['90000ms', '5s', '1m', '1h', '1d', '1w', '1h30m'].map((d) => parseDuration(d))).toEqual([
      90_000, 5_000, 60_000, 3_600_000, 86_400_000, 604_800_000, 5_400_000,
    ]);
  });

  it('reads bare whole numbers as milliseconds', () => {
    expect([parseDuration(250), parseDuration('250')]).toEqual([250, 250]);
  });

  it('names the path in its error', () => {
    expect(() => parseDuration('5 minutes', 'time.allowedLateness')).toThrow(/time.allowedLateness: "5 minutes" is not a duration/);
    expect(() => parseDuration('', 'x')).toThrow(/x/);
    expect(() => parseDuration(-5, 'x')).toThrow(/x/);
    expect(() => parseDuration(1.5, 'x')).toThrow(/x/);
  });

  it('formats back to the shortest exact spelling', () => {
    expect([formatDuration(5_400_000), formatDuration(90_000), formatDuration(0), formatDuration(1_001)]).toEqual(['1h30m', '1m30s', '0ms', '1s1ms']);
  });
});
