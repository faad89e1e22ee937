import { describe, expect, it } from 'vitest';
import { readTimestamp } from './timestamp.js';

describe('readTimestamp', () => {
  it('reads epoch milliseconds, flooring a fraction', () => {
    expect(readTimestamp(1700000000000)).toBe(1700000000000);
    expect(readTimestamp(1700000000000.9)).toBe(1700000000000);
    expect(readTimestamp(0)).toBe(0);
    expect(readTimestamp(8.64e15)).toBe(8.64e15);
  });

  it('rejects negative, too large and non-finite numbers', () => {
    expect(readTimestamp(-1)).toBeNull();
    expect(readTimestamp(8.64e15 + 1)).toBeNull();
    expect(readTimestamp(Number.NaN)).toBeNull();
  });

  it('reads ISO-8601 with Z or an offset', () => {
    expect(readTimestamp('2026-11-23T10:00:00Z')).toBe(Date.UTC(2026, 10, 23, 10));
    expect(readTimestamp('2026-11-23T10:00:00.123Z')).toBe(Date.UTC(2026, 10, 23, 10, 0, 0, 123));
    expect(readTimestamp('2026-11-23T10:00:00.123456789Z')).toBe(Date.UTC(2026, 10, 23, 10, 0, 0, 123));
    expect(readTimestamp('2026-11-23T18:00:00+08:00')).toBe(Date.UTC(2026, 10, 23, 10));
    expect(readTimestamp('2026-11-23T18:00:00+0800')).toBe(Date.UTC(2026, 10, 23, 10));
    expect(readTimestamp('2026-11-23T05:00-05')).toBe(Date.UTC(2026, 10, 23, 10));
    expect(readTimestamp('2026-11-23 10:00:00Z')).toBe(Date.UTC(2026, 10, 23, 10));
  });

  it('rejects local times without a zone, numeric strings and impossible dates', () => {
    expect(readTimestamp('2026-11-23T10:00:00')).toBeNull();
    expect(readTimestamp('1700000000000')).toBeNull();
    expect(readTimestamp('2026-02-29T00:00:00Z')).toBeNull();
    expect(readTimestamp('2028-02-29T00:00:00Z')).toBe(Date.UTC(2028, 1, 29));
    expect(readTimestamp('2026-11-23T24:00:00Z')).toBeNull();
    expect(readTimestamp('2026-11-23T23:59:60Z')).toBeNull();
    expect(readTimestamp('1969-12-31T23:59:59Z')).toBeNull();
    expect(readTimestamp(true)).toBeNull();
    expect(readTimestamp(null)).toBeNull();
  });
});
