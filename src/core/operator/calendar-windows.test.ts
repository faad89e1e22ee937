// WindowAggregator unit tests for calendar windows: local days across DST changes, zone day edges, ISO weeks, months.

import { describe, expect, it } from 'vitest';
import type { CalendarUnit } from '../windows/window-spec.js';
import { EngineRun, calendarWindow, click, instant, pipeline } from './test-support.js';

const HOUR_MS = 3_600_000;

/** Feeds events at the given instants into one calendar definition and returns every result after the end of input. */
function runCalendar(unit: CalendarUnit, timeZone: string, isoInstants: readonly string[]): readonly Readonly<Record<string, unknown>>[] {
  const run = new EngineRun(pipeline([calendarWindow('period', unit, timeZone)]));
  for (const iso of isoInstants) run.feed(click(instant(iso)));
  run.end();
  return run.results;
}

describe('calendar day windows', () => {
  it('makes 2026-03-08 in America/New_York a 23 h day (clocks spring forward)', () => {
    // local  Mar 8 00:00 EST ─────── 02:00→03:00 ─────── Mar 9 00:00 EDT
    // UTC    Mar 8 05:00Z ────────────────────────────── Mar 9 04:00Z      (23 h)
    //        x (05:00Z, first ms)                  x (03:59:59.999Z)  x (04:00Z: next day)
    const results = runCalendar('day', 'America/New_York', ['2026-03-08T05:00:00Z', '2026-03-09T03:59:59.999Z', '2026-03-09T04:00:00Z']);
    expect(results[0]).toEqual({ window: 'period', start: instant('2026-03-08T05:00:00Z'), end: instant('2026-03-09T04:00:00Z'), key: {}, count: 2 });
    expect((results[0]?.['end'] as number) - (results[0]?.['start'] as number)).toBe(23 * HOUR_MS);
    expect(results[1]).toMatchObject({ start: instant('2026-03-09T04:00:00Z'), end: instant('2026-03-10T04:00:00Z'), count: 1 });
    expect(results).toHaveLength(2);
  });

  it('makes 2026-11-01 in America/New_York a 25 h day (clocks fall back)', () => {
    // local  Nov 1 00:00 EDT ─────── 02:00→01:00 ─────── Nov 2 00:00 EST
    // UTC    Nov 1 04:00Z ────────────────────────────── Nov 2 05:00Z      (25 h)
    //    x (03:59:59.999Z: Oct 31)   x (06:30Z, the second 01:30)     x (04:59:59.999Z)
    const results = runCalendar('day', 'America/New_York', ['2026-11-01T03:59:59.999Z', '2026-11-01T06:30:00Z', '2026-11-02T04:59:59.999Z']);
    expect(results).toEqual([
      { window: 'period', start: instant('2026-10-31T04:00:00Z'), end: instant('2026-11-01T04:00:00Z'), key: {}, count: 1 },
      { window: 'period', start: instant('2026-11-01T04:00:00Z'), end: instant('2026-11-02T05:00:00Z'), key: {}, count: 2 },
    ]);
    expect((results[1]?.['end'] as number) - (results[1]?.['start'] as number)).toBe(25 * HOUR_MS);
  });

  it('makes 2026-03-29 in Europe/Berlin a 23 h day', () => {
    // local  Mar 29 00:00 CET (+01) ──── 02:00→03:00 ──── Mar 30 00:00 CEST (+02)
    // UTC    Mar 28 23:00Z ────────────────────────────── Mar 29 22:00Z     (23 h)
    const results = runCalendar('day', 'Europe/Berlin', ['2026-03-28T23:00:00Z', '2026-03-29T21:59:59.999Z', '2026-03-29T22:00:00Z']);
    expect(results).toEqual([
      { window: 'period', start: instant('2026-03-28T23:00:00Z'), end: instant('2026-03-29T22:00:00Z'), key: {}, count: 2 },
      { window: 'period', start: instant('2026-03-29T22:00:00Z'), end: instant('2026-03-30T22:00:00Z'), key: {}, count: 1 },
    ]);
  });

  it('makes 2026-10-25 in Europe/Berlin a 25 h day', () => {
    // local  Oct 25 00:00 CEST (+02) ──── 03:00→02:00 ──── Oct 26 00:00 CET (+01)
    // UTC    Oct 24 22:00Z ────────────────────────────── Oct 25 23:00Z     (25 h)
    const results = runCalendar('day', 'Europe/Berlin', ['2026-10-24T22:00:00Z', '2026-10-25T22:59:59.999Z', '2026-10-25T23:00:00Z']);
    expect(results).toEqual([
      { window: 'period', start: instant('2026-10-24T22:00:00Z'), end: instant('2026-10-25T23:00:00Z'), key: {}, count: 2 },
      { window: 'period', start: instant('2026-10-25T23:00:00Z'), end: instant('2026-10-26T23:00:00Z'), key: {}, count: 1 },
    ]);
  });

  it('cuts Asia/Shanghai days at 16:00Z (local midnight, UTC+8)', () => {
    // UTC    Apr 30 16:00Z ──────── May 1 16:00Z ──────── May 2 16:00Z
    // local  May 1 00:00 ────────── May 2 00:00 ────────── May 3 00:00
    //        x (first ms)      x (15:59:59.999Z)  x (16:00Z: next day)
    const results = runCalendar('day', 'Asia/Shanghai', ['2026-04-30T16:00:00Z', '2026-05-01T15:59:59.999Z', '2026-05-01T16:00:00Z']);
    expect(results).toEqual([
      { window: 'period', start: instant('2026-04-30T16:00:00Z'), end: instant('2026-05-01T16:00:00Z'), key: {}, count: 2 },
      { window: 'period', start: instant('2026-05-01T16:00:00Z'), end: instant('2026-05-02T16:00:00Z'), key: {}, count: 1 },
    ]);
  });

  it('starts a day at its first instant where local midnight does not exist', () => {
    // America/Sao_Paulo, 2018-11-04: clocks jumped from 00:00 (−03) to 01:00 (−02), so the day
    // starts at 01:00 −02 = 03:00Z and is 23 h long.
    // UTC    Nov 3 03:00Z ──────── Nov 4 03:00Z ──────── Nov 5 02:00Z
    // local  Nov 3 00:00 (−03) ─── Nov 4 01:00 (−02) ─── Nov 5 00:00 (−02)
    const results = runCalendar('day', 'America/Sao_Paulo', ['2018-11-04T02:59:59.999Z', '2018-11-04T03:00:00Z']);
    expect(results).toEqual([
      { window: 'period', start: instant('2018-11-03T03:00:00Z'), end: instant('2018-11-04T03:00:00Z'), key: {}, count: 1 },
      { window: 'period', start: instant('2018-11-04T03:00:00Z'), end: instant('2018-11-05T02:00:00Z'), key: {}, count: 1 },
    ]);
  });

  it('uses UTC when the zone is UTC', () => {
    const results = runCalendar('day', 'UTC', ['2026-06-15T00:00:00Z', '2026-06-15T23:59:59.999Z']);
    expect(results).toEqual([
      { window: 'period', start: instant('2026-06-15T00:00:00Z'), end: instant('2026-06-16T00:00:00Z'), key: {}, count: 2 },
    ]);
  });
});

describe('calendar week windows', () => {
  it('runs an ISO week from Monday to Monday across the 2026/2027 year end', () => {
    //  Sun Dec 27 | Mon Dec 28 ... Thu Dec 31 | Fri Jan 1 ... Sun Jan 3 | Mon Jan 4
    //             [------------------ one ISO week ---------------------)
    //  x          x                x                          x          x
    const results = runCalendar('week', 'UTC', [
      '2026-12-27T23:59:59.999Z',
      '2026-12-28T00:00:00Z',
      '2026-12-31T12:00:00Z',
      '2027-01-03T23:59:59.999Z',
      '2027-01-04T00:00:00Z',
    ]);
    expect(results).toEqual([
      { window: 'period', start: instant('2026-12-21T00:00:00Z'), end: instant('2026-12-28T00:00:00Z'), key: {}, count: 1 },
      { window: 'period', start: instant('2026-12-28T00:00:00Z'), end: instant('2027-01-04T00:00:00Z'), key: {}, count: 3 },
      { window: 'period', start: instant('2027-01-04T00:00:00Z'), end: instant('2027-01-11T00:00:00Z'), key: {}, count: 1 },
    ]);
  });

  it('makes the Europe/Berlin ISO week with the spring change 167 h long', () => {
    // Mon Mar 23 00:00 CET (Mar 22 23:00Z) → Mon Mar 30 00:00 CEST (Mar 29 22:00Z)
    const results = runCalendar('week', 'Europe/Berlin', ['2026-03-22T22:59:59.999Z', '2026-03-22T23:00:00Z', '2026-03-29T21:59:59.999Z']);
    expect(results).toEqual([
      { window: 'period', start: instant('2026-03-15T23:00:00Z'), end: instant('2026-03-22T23:00:00Z'), key: {}, count: 1 },
      { window: 'period', start: instant('2026-03-22T23:00:00Z'), end: instant('2026-03-29T22:00:00Z'), key: {}, count: 2 },
    ]);
    expect((results[1]?.['end'] as number) - (results[1]?.['start'] as number)).toBe(167 * HOUR_MS);
  });
});

describe('calendar month windows', () => {
  it('makes February 2028 (a leap year) 29 days long in UTC', () => {
    //  Jan 31 | Feb 1 ................ Feb 29 | Mar 1
    //         [------- 29 days --------------)
    const results = runCalendar('month', 'UTC', ['2028-01-31T23:59:59.999Z', '2028-02-01T00:00:00Z', '2028-02-29T23:59:59.999Z', '2028-03-01T00:00:00Z']);
    expect(results).toEqual([
      { window: 'period', start: instant('2028-01-01T00:00:00Z'), end: instant('2028-02-01T00:00:00Z'), key: {}, count: 1 },
      { window: 'period', start: instant('2028-02-01T00:00:00Z'), end: instant('2028-03-01T00:00:00Z'), key: {}, count: 2 },
      { window: 'period', start: instant('2028-03-01T00:00:00Z'), end: instant('2028-04-01T00:00:00Z'), key: {}, count: 1 },
    ]);
    expect((results[1]?.['end'] as number) - (results[1]?.['start'] as number)).toBe(29 * 24 * HOUR_MS);
  });

  it('closes a local month at its local end, not at UTC midnight', () => {
    // Europe/Berlin, March 2026: from Mar 1 00:00 CET (Feb 28 23:00Z) to Apr 1 00:00 CEST (Mar 31 22:00Z)
    const run = new EngineRun(pipeline([calendarWindow('period', 'month', 'Europe/Berlin')]));
    run.feed(click(instant('2026-03-15T12:00:00Z')));
    expect(run.feed(click(instant('2026-03-31T21:59:59.999Z'))).results).toEqual([]);
    expect(run.feed(click(instant('2026-03-31T22:00:00Z'))).results).toEqual([
      { window: 'period', start: instant('2026-02-28T23:00:00Z'), end: instant('2026-03-31T22:00:00Z'), key: {}, count: 2 },
    ]);
  });
});
