import fc from 'fast-check';
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

  it('reads the usual spelling (YYYY-MM-DDThh:mm:ss.sssZ, read without the regex) as it reads the same time spelled otherwise', () => {
    // Mostly near the valid range, so that the edges (month 13, day 29–32 in February, hour 24, second 60) come up.
    const two = (max: number): fc.Arbitrary<string> =>
      fc.oneof({ arbitrary: fc.integer({ min: 0, max }), weight: 4 }, { arbitrary: fc.integer({ min: 0, max: 99 }), weight: 1 }).map((n) => String(n).padStart(2, '0'));
    const digitOrNot = fc.constantFrom('0', '1', '2', '5', '9', 'x', ' ', '-', '٣');
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: 1960, max: 2100 }), fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 275750, max: 275770 })),
        two(13), two(32), two(24), two(60), two(60),
        fc.integer({ min: 0, max: 999 }),
        fc.option(fc.tuple(fc.nat({ max: 23 }), digitOrNot), { nil: null }),
        (year, month, day, hour, minute, second, millis, noise) => {
          let text = `${String(year).padStart(4, '0')}-${month}-${day}T${hour}:${minute}:${second}.${String(millis).padStart(3, '0')}Z`;
          // Now and then a character replaced: the text is then spelled otherwise, or no timestamp at all.
          if (noise !== null) text = text.slice(0, noise[0]) + noise[1] + text.slice(noise[0] + 1);
          const read = readTimestamp(text);
          // The same text through the general reader: a space for the T, a lower-case z, or three more fraction digits.
          if (text.charAt(10) === 'T') expect(readTimestamp(`${text.slice(0, 10)} ${text.slice(11)}`)).toBe(read);
          if (text.length === 24 && text.endsWith('Z')) {
            expect(readTimestamp(`${text.slice(0, 23)}z`)).toBe(read);
            expect(readTimestamp(`${text.slice(0, 23)}000Z`)).toBe(read);
          }
          if (noise === null && read !== null) expect(new Date(read).toISOString()).toBe(text);
        },
      ),
      { seed: 20261124, numRuns: 3000 },
    );
  });
});
