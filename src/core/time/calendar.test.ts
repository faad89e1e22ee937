// Tests of ZonedCalendar: local days, ISO weeks and months in IANA zones, across DST changes.

import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { EngineError } from '../errors.js';
import type { CalendarUnit, TimeRange } from '../windows/window-spec.js';
import { isValidTimeZone, ZonedCalendar } from './calendar.js';
import { MAX_EPOCH_MS } from './epoch.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

function at(iso: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`bad test instant ${iso}`);
  return ms;
}

function isoSpan(period: TimeRange): [string, string] {
  return [new Date(period.start).toISOString(), new Date(period.end).toISOString()];
}

function hoursOf(period: TimeRange): number {
  return (period.end - period.start) / HOUR_MS;
}

// An independent reading of local time, set up differently from the code under test
// (en-GB, 2-digit fields): 'YYYY-MM-DD hh:mm:ss'.
const clockFormatters = new Map<string, Intl.DateTimeFormat>();

function localClock(timeZone: string, ms: number): string {
  let formatter = clockFormatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    clockFormatters.set(timeZone, formatter);
  }
  const field: Record<string, string> = {};
  for (const part of formatter.formatToParts(ms)) field[part.type] = part.value;
  return `${field.year}-${field.month}-${field.day} ${field.hour}:${field.minute}:${field.second}`;
}

function localDate(timeZone: string, ms: number): string {
  return localClock(timeZone, ms).slice(0, 10);
}

/** The wall clock at `ms` read as if it were UTC, in ms. */
function wallMs(timeZone: string, ms: number): number {
  return at(`${localClock(timeZone, ms).replace(' ', 'T')}Z`) + (((ms % 1000) + 1000) % 1000);
}

function addDays(date: string, days: number): string {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, day + days)).toISOString().slice(0, 10);
}

function weekdayOf(date: string): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay();
}

/** The first date of the period of `unit` holding `date` (ISO weeks start on Monday). */
function firstDateOf(unit: CalendarUnit, date: string): string {
  if (unit === 'day') return date;
  if (unit === 'week') return addDays(date, -((weekdayOf(date) + 6) % 7));
  return `${date.slice(0, 8)}01`;
}

function nextFirstDate(unit: CalendarUnit, first: string): string {
  if (unit === 'day') return addDays(first, 1);
  if (unit === 'week') return addDays(first, 7);
  return firstDateOf('month', addDays(first, 31));
}

/** Binary search for the first instant whose local date is `date` or later; needs a monotone local date. */
function firstInstantOnOrAfter(timeZone: string, date: string, lowMs: number, highMs: number): number {
  expect(localDate(timeZone, lowMs) < date).toBe(true);
  expect(localDate(timeZone, highMs) >= date).toBe(true);
  let low = lowMs;
  let high = highMs;
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (localDate(timeZone, middle) >= date) high = middle;
    else low = middle;
  }
  return high;
}

function periodKey(unit: CalendarUnit, date: string): string {
  return firstDateOf(unit, date);
}

describe('isValidTimeZone', () => {
  it('accepts IANA zone names and their aliases', () => {
    for (const zone of ['Europe/Berlin', 'UTC', 'Etc/UTC', 'Etc/GMT+5', 'US/Eastern', 'Asia/Calcutta', 'Pacific/Chatham']) {
      expect(isValidTimeZone(zone), zone).toBe(true);
    }
  });

  it('rejects names Intl does not know', () => {
    for (const zone of ['Mars/Olympus_Mons', 'Europe/Berlinn', '', 'not a zone']) {
      expect(isValidTimeZone(zone), zone).toBe(false);
    }
  });
});

describe('ZonedCalendar', () => {
  it('throws CONFIG_INVALID_WINDOW for an unknown zone', () => {
    expect(() => new ZonedCalendar('Mars/Olympus_Mons')).toThrow(EngineError);
    try {
      new ZonedCalendar('Mars/Olympus_Mons');
    } catch (error) {
      expect((error as EngineError).code).toBe('CONFIG_INVALID_WINDOW');
      expect((error as EngineError).message).toContain('Mars/Olympus_Mons');
    }
  });

  it('keeps the zone name as given', () => {
    expect(new ZonedCalendar('US/Eastern').timeZone).toBe('US/Eastern');
  });

  it('throws INVARIANT_BROKEN for an instant that is not a finite Date value', () => {
    const calendar = new ZonedCalendar('Europe/Berlin');
    for (const ms of [Number.NaN, Number.POSITIVE_INFINITY, MAX_EPOCH_MS + 1]) {
      expect(() => calendar.periodOf('day', ms)).toThrow(expect.objectContaining({ code: 'INVARIANT_BROKEN' }));
    }
  });
});

describe('UTC', () => {
  const utc = new ZonedCalendar('UTC');

  it('uses days from midnight to midnight, end exclusive', () => {
    const day = ['2026-05-10T00:00:00.000Z', '2026-05-11T00:00:00.000Z'];
    expect(isoSpan(utc.periodOf('day', at('2026-05-10T00:00:00.000Z')))).toEqual(day);
    expect(isoSpan(utc.periodOf('day', at('2026-05-10T23:59:59.999Z')))).toEqual(day);
    expect(isoSpan(utc.periodOf('day', at('2026-05-11T00:00:00.000Z')))[0]).toBe('2026-05-11T00:00:00.000Z');
  });

  it('runs an ISO week across the year end from Monday 2026-12-28 to Monday 2027-01-04', () => {
    const week = ['2026-12-28T00:00:00.000Z', '2027-01-04T00:00:00.000Z'];
    expect(isoSpan(utc.periodOf('week', at('2026-12-28T00:00:00.000Z')))).toEqual(week);
    expect(isoSpan(utc.periodOf('week', at('2027-01-01T12:00:00.000Z')))).toEqual(week);
    expect(isoSpan(utc.periodOf('week', at('2027-01-03T23:59:59.999Z')))).toEqual(week);
    expect(isoSpan(utc.periodOf('week', at('2027-01-04T00:00:00.000Z')))[0]).toBe('2027-01-04T00:00:00.000Z');
    expect(isoSpan(utc.periodOf('week', at('2026-12-27T23:59:59.999Z')))[0]).toBe('2026-12-21T00:00:00.000Z');
  });

  it('gives February 29 days in 2000 and 2028 but 28 in 2100', () => {
    expect(hoursOf(utc.periodOf('month', at('2000-02-15T00:00:00Z'))) / 24).toBe(29);
    expect(isoSpan(utc.periodOf('month', at('2028-02-29T23:59:59.999Z')))).toEqual([
      '2028-02-01T00:00:00.000Z',
      '2028-03-01T00:00:00.000Z',
    ]);
    expect(isoSpan(utc.periodOf('month', at('2100-02-28T12:00:00Z')))).toEqual([
      '2100-02-01T00:00:00.000Z',
      '2100-03-01T00:00:00.000Z',
    ]);
  });

  it('knows every month length of 2026', () => {
    const lengths = Array.from({ length: 12 }, (_, month) => hoursOf(utc.periodOf('month', Date.UTC(2026, month, 15))) / 24);
    expect(lengths).toEqual([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]);
  });

  it('floors instants before 1970 to their day and week', () => {
    expect(isoSpan(utc.periodOf('day', -1))).toEqual(['1969-12-31T00:00:00.000Z', '1970-01-01T00:00:00.000Z']);
    expect(isoSpan(utc.periodOf('week', 0))).toEqual(['1969-12-29T00:00:00.000Z', '1970-01-05T00:00:00.000Z']);
  });

  it('handles the last instant of the Date range', () => {
    const period = utc.periodOf('day', MAX_EPOCH_MS);
    expect(period).toEqual({ start: MAX_EPOCH_MS, end: MAX_EPOCH_MS + DAY_MS });
  });

  it('computes without Intl, for every spelling of UTC', () => {
    const spy = vi.spyOn(Intl.DateTimeFormat.prototype, 'formatToParts');
    try {
      for (const zone of ['UTC', 'Etc/UTC', 'GMT', 'Etc/GMT0']) {
        const calendar = new ZonedCalendar(zone);
        for (const unit of ['day', 'week', 'month'] as const) calendar.periodOf(unit, at('2026-07-04T12:00:00Z'));
      }
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });
});

describe('days across DST changes', () => {
  // America/New_York, Sunday 2026-03-08 (23 h): at 02:00 EST the clock jumps to 03:00 EDT.
  //
  //   local  00:00 EST          01:59:59 | 03:00 EDT                      24:00 EDT
  //          |---------------------------|--------------------------------|
  //   UTC    05:00Z             06:59:59Z  07:00Z                         04:00Z (+1 d)
  //          start                                                        end
  it('gives America/New_York 2026-03-08 23 hours', () => {
    const calendar = new ZonedCalendar('America/New_York');
    const day = ['2026-03-08T05:00:00.000Z', '2026-03-09T04:00:00.000Z'];
    expect(isoSpan(calendar.periodOf('day', at('2026-03-08T05:00:00.000Z')))).toEqual(day);
    expect(isoSpan(calendar.periodOf('day', at('2026-03-08T06:59:59.999Z')))).toEqual(day);
    expect(isoSpan(calendar.periodOf('day', at('2026-03-08T07:00:00.000Z')))).toEqual(day);
    expect(isoSpan(calendar.periodOf('day', at('2026-03-09T03:59:59.999Z')))).toEqual(day);
    expect(hoursOf(calendar.periodOf('day', at('2026-03-08T12:00:00Z')))).toBe(23);
    expect(isoSpan(calendar.periodOf('day', at('2026-03-08T04:59:59.999Z')))[1]).toBe('2026-03-08T05:00:00.000Z');
    expect(isoSpan(calendar.periodOf('day', at('2026-03-09T04:00:00.000Z')))[0]).toBe('2026-03-09T04:00:00.000Z');
  });

  // America/New_York, Sunday 2026-11-01 (25 h): at 02:00 EDT the clock goes back to 01:00 EST,
  // so 01:00-01:59 happens twice, and both belong to the 1st.
  //
  //   local  00:00 EDT     01:00 EDT   01:59 | 01:00 EST  01:59   02:00 EST          24:00 EST
  //          |-------------|-----------------|------------------|-------------------|
  //   UTC    04:00Z        05:00Z            06:00Z             07:00Z              05:00Z (+1 d)
  it('gives America/New_York 2026-11-01 25 hours', () => {
    const calendar = new ZonedCalendar('America/New_York');
    const day = ['2026-11-01T04:00:00.000Z', '2026-11-02T05:00:00.000Z'];
    for (const instant of ['2026-11-01T04:00:00.000Z', '2026-11-01T05:30:00Z', '2026-11-01T06:30:00Z', '2026-11-02T04:59:59.999Z']) {
      expect(isoSpan(calendar.periodOf('day', at(instant))), instant).toEqual(day);
    }
    expect(hoursOf(calendar.periodOf('day', at('2026-11-01T12:00:00Z')))).toBe(25);
  });

  // Europe/Berlin: 2026-03-29 02:00 CET → 03:00 CEST (23 h); 2026-10-25 03:00 CEST → 02:00 CET (25 h).
  //
  //   03-29  local 00:00 CET    02:00|03:00 CEST        24:00        10-25  00:00 CEST   03:00|02:00 CET     24:00
  //                |----------------|--------------------|                |------------------|----------------|
  //          UTC   03-28 23:00Z     01:00Z               22:00Z           10-24 22:00Z       01:00Z           23:00Z
  it('gives Europe/Berlin 2026-03-29 23 hours and 2026-10-25 25 hours', () => {
    const calendar = new ZonedCalendar('Europe/Berlin');
    expect(isoSpan(calendar.periodOf('day', at('2026-03-29T00:59:59.999Z')))).toEqual([
      '2026-03-28T23:00:00.000Z',
      '2026-03-29T22:00:00.000Z',
    ]);
    expect(isoSpan(calendar.periodOf('day', at('2026-03-29T01:00:00.000Z')))).toEqual([
      '2026-03-28T23:00:00.000Z',
      '2026-03-29T22:00:00.000Z',
    ]);
    expect(isoSpan(calendar.periodOf('day', at('2026-10-25T00:30:00Z')))).toEqual([
      '2026-10-24T22:00:00.000Z',
      '2026-10-25T23:00:00.000Z',
    ]);
    expect(isoSpan(calendar.periodOf('day', at('2026-10-25T01:30:00Z')))).toEqual([
      '2026-10-24T22:00:00.000Z',
      '2026-10-25T23:00:00.000Z',
    ]);
  });

  it('follows fractional offsets: Asia/Kolkata +5:30 and Pacific/Chatham +12:45 / +13:45', () => {
    expect(isoSpan(new ZonedCalendar('Asia/Kolkata').periodOf('day', at('2026-05-10T12:00:00Z')))).toEqual([
      '2026-05-09T18:30:00.000Z',
      '2026-05-10T18:30:00.000Z',
    ]);
    const chatham = new ZonedCalendar('Pacific/Chatham');
    // Summer time (+13:45) on New Year's Day.
    expect(isoSpan(chatham.periodOf('month', at('2026-01-15T00:00:00Z')))).toEqual([
      '2025-12-31T10:15:00.000Z',
      '2026-01-31T10:15:00.000Z',
    ]);
    // 03:45 → 02:45 on 2026-04-05, 02:45 → 03:45 on 2026-09-27.
    expect(hoursOf(chatham.periodOf('day', at('2026-04-05T05:00:00Z')))).toBe(25);
    expect(isoSpan(chatham.periodOf('day', at('2026-09-27T05:00:00Z')))).toEqual([
      '2026-09-26T11:15:00.000Z',
      '2026-09-27T10:15:00.000Z',
    ]);
  });

  // Australia/Lord_Howe moves its clock by 30 minutes: 02:00 +11 → 01:30 +10:30 on 2026-04-05
  // (24.5 h), 02:00 +10:30 → 02:30 +11 on 2026-10-04 (23.5 h).
  //
  //   04-05  local 00:00 (+11)      02:00|01:30 (+10:30)          24:00
  //                |---------------------|-----------------------|
  //          UTC   04-04 13:00Z          15:00Z                  13:30Z
  it('gives Australia/Lord_Howe days of 24.5 and 23.5 hours', () => {
    const calendar = new ZonedCalendar('Australia/Lord_Howe');
    expect(isoSpan(calendar.periodOf('day', at('2026-04-05T05:00:00Z')))).toEqual([
      '2026-04-04T13:00:00.000Z',
      '2026-04-05T13:30:00.000Z',
    ]);
    expect(isoSpan(calendar.periodOf('day', at('2026-10-04T05:00:00Z')))).toEqual([
      '2026-10-03T13:30:00.000Z',
      '2026-10-04T13:00:00.000Z',
    ]);
  });

  // America/Santiago, Sunday 2026-09-06: at 00:00 -04 the clock jumps to 01:00 -03, so local
  // midnight never happens and the day starts at its first instant, 01:00.
  //
  //   local  09-05 23:59:59 (-04) | 01:00 (-03)                       24:00 (-03)
  //          ---------------------|-----------------------------------|
  //   UTC    03:59:59Z              04:00Z = start                      09-07 03:00Z = end
  it.each([
    ['America/Santiago', '2026-09-06T12:00:00Z', '2026-09-06T04:00:00.000Z', '2026-09-07T03:00:00.000Z'],
    ['America/Havana', '2026-03-08T12:00:00Z', '2026-03-08T05:00:00.000Z', '2026-03-09T04:00:00.000Z'],
    ['Asia/Beirut', '2026-03-29T12:00:00Z', '2026-03-28T22:00:00.000Z', '2026-03-29T21:00:00.000Z'],
    ['Africa/Cairo', '2026-04-24T12:00:00Z', '2026-04-23T22:00:00.000Z', '2026-04-24T21:00:00.000Z'],
  ])('starts a day with no midnight at 01:00 in %s', (zone, instant, start, end) => {
    const period = new ZonedCalendar(zone).periodOf('day', at(instant));
    expect(isoSpan(period)).toEqual([start, end]);
    expect(localClock(zone, period.start).slice(11)).toBe('01:00:00');
    expect(localDate(zone, period.start - 1) < localDate(zone, period.start)).toBe(true);
    expect(hoursOf(period)).toBe(23);
  });

  it('starts a month or a week in a DST gap at the end of the gap', () => {
    // America/Asuncion, 2023-10-01 00:00 -04 → 01:00 -03.
    expect(isoSpan(new ZonedCalendar('America/Asuncion').periodOf('month', at('2023-10-10T12:00:00Z')))).toEqual([
      '2023-10-01T04:00:00.000Z',
      '2023-11-01T03:00:00.000Z',
    ]);
    // Asia/Tehran, Monday 2021-03-22 00:00 +03:30 → 01:00 +04:30.
    expect(isoSpan(new ZonedCalendar('Asia/Tehran').periodOf('week', at('2021-03-24T12:00:00Z')))).toEqual([
      '2021-03-21T20:30:00.000Z',
      '2021-03-28T19:30:00.000Z',
    ]);
  });

  // Pacific/Samoa crossed the date line: after Thursday 2011-12-29 23:59:59 (-10) came
  // Saturday 2011-12-31 00:00 (+14). Friday the 30th has no instant at all.
  //
  //   local  12-29 00:00 (-10)           23:59:59 | 12-31 00:00 (+14)          24:00
  //          |------------------------------------|----------------------------|
  //   UTC    12-29 10:00Z                          12-30 10:00Z                 12-31 10:00Z
  it('skips Pacific/Apia 2011-12-30, which had no instant', () => {
    const calendar = new ZonedCalendar('Pacific/Apia');
    expect(isoSpan(calendar.periodOf('day', at('2011-12-30T09:59:59.999Z')))).toEqual([
      '2011-12-29T10:00:00.000Z',
      '2011-12-30T10:00:00.000Z',
    ]);
    expect(isoSpan(calendar.periodOf('day', at('2011-12-30T10:00:00.000Z')))).toEqual([
      '2011-12-30T10:00:00.000Z',
      '2011-12-31T10:00:00.000Z',
    ]);
    expect(localDate('Pacific/Apia', at('2011-12-30T10:00:00Z'))).toBe('2011-12-31');
    expect(hoursOf(calendar.periodOf('week', at('2011-12-29T12:00:00Z')))).toBe(6 * 24);
    expect(isoSpan(calendar.periodOf('month', at('2011-12-29T12:00:00Z')))).toEqual([
      '2011-12-01T10:00:00.000Z',
      '2011-12-31T10:00:00.000Z',
    ]);
  });

  // America/Goose_Bay, 2010-11-07: at 00:01 ADT the clock went back to 23:01 AST on the 6th.
  // The 7th is first seen at 03:00Z; periods tile the timeline, so the 7th starts there, and the
  // repeated hour of the 6th (03:01Z-04:00Z) belongs to the 7th.
  //
  //   local  11-06 23:59 | 11-07 00:00  00:00:59 | 11-06 23:01 ... 23:59 | 11-07 00:00      24:00
  //          ------------|-----------------------|-----------------------|----------------|
  //   UTC                 03:00Z = start          03:01Z                  04:00Z           11-08 04:00Z = end
  it('starts a day where its date is first seen when the clock goes back across midnight', () => {
    const calendar = new ZonedCalendar('America/Goose_Bay');
    expect(isoSpan(calendar.periodOf('day', at('2010-11-07T02:59:59.999Z')))).toEqual([
      '2010-11-06T03:00:00.000Z',
      '2010-11-07T03:00:00.000Z',
    ]);
    expect(localDate('America/Goose_Bay', at('2010-11-07T03:30:00Z'))).toBe('2010-11-06');
    for (const instant of ['2010-11-07T03:00:00Z', '2010-11-07T03:30:00Z', '2010-11-07T12:00:00Z']) {
      expect(isoSpan(calendar.periodOf('day', at(instant))), instant).toEqual([
        '2010-11-07T03:00:00.000Z',
        '2010-11-08T04:00:00.000Z',
      ]);
    }
    // Antarctica/Casey, 2010-03-05 02:00 +11 → 2010-03-04 23:00 +08: a 27-hour 5th of March.
    expect(isoSpan(new ZonedCalendar('Antarctica/Casey').periodOf('day', at('2010-03-04T15:30:00Z')))).toEqual([
      '2010-03-04T13:00:00.000Z',
      '2010-03-05T16:00:00.000Z',
    ]);
  });
});

describe('weeks and months in a zone', () => {
  it('runs the Europe/Berlin week across the year end from local Monday to local Monday', () => {
    expect(isoSpan(new ZonedCalendar('Europe/Berlin').periodOf('week', at('2026-12-31T12:00:00Z')))).toEqual([
      '2026-12-27T23:00:00.000Z',
      '2027-01-03T23:00:00.000Z',
    ]);
  });

  it('puts a Sunday in the week of the Monday before it, DST change included', () => {
    const period = new ZonedCalendar('America/New_York').periodOf('week', at('2026-03-08T12:00:00Z'));
    expect(isoSpan(period)).toEqual(['2026-03-02T05:00:00.000Z', '2026-03-09T04:00:00.000Z']);
    expect(hoursOf(period)).toBe(167);
  });

  it('runs months from the local 1st to the next, with DST hours', () => {
    const berlin = new ZonedCalendar('Europe/Berlin');
    expect(isoSpan(berlin.periodOf('month', at('2026-03-10T12:00:00Z')))).toEqual([
      '2026-02-28T23:00:00.000Z',
      '2026-03-31T22:00:00.000Z',
    ]);
    expect(hoursOf(berlin.periodOf('month', at('2026-10-10T12:00:00Z')))).toBe(745);
    expect(isoSpan(new ZonedCalendar('America/New_York').periodOf('month', at('2028-02-29T12:00:00Z')))).toEqual([
      '2028-02-01T05:00:00.000Z',
      '2028-03-01T05:00:00.000Z',
    ]);
  });

  it('covers the last instant of a period and starts the next one at its end', () => {
    const calendar = new ZonedCalendar('Asia/Kolkata');
    const month = calendar.periodOf('month', at('2026-06-15T00:00:00Z'));
    expect(calendar.periodOf('month', month.end - 1)).toBe(month);
    expect(calendar.periodOf('month', month.start)).toBe(month);
    expect(calendar.periodOf('month', month.end).start).toBe(month.end);
    expect(calendar.periodOf('month', month.start - 1).end).toBe(month.start);
  });

  it('reads years before 1 CE and local mean time (Europe/Berlin was +0:53:28)', () => {
    const period = new ZonedCalendar('Europe/Berlin').periodOf('day', Date.UTC(-100, 0, 15, 12));
    expect(period.start).toBe(Date.UTC(-100, 0, 15) - (53 * MINUTE_MS + 28_000));
    expect(hoursOf(period)).toBe(24);
  });

  it('covers the last instant of the Date range', () => {
    const period = new ZonedCalendar('Europe/Berlin').periodOf('day', MAX_EPOCH_MS);
    expect(period.start).toBeLessThanOrEqual(MAX_EPOCH_MS);
    expect(period.end).toBeGreaterThan(MAX_EPOCH_MS);
    expect(hoursOf(period)).toBe(24);
  });
});

describe('caching', () => {
  it('returns the same period object while the instant stays inside it', () => {
    const calendar = new ZonedCalendar('Europe/Berlin');
    const day = calendar.periodOf('day', at('2026-05-10T12:00:00Z'));
    expect(calendar.periodOf('day', day.start)).toBe(day);
    expect(calendar.periodOf('day', day.end - 1)).toBe(day);
    expect(calendar.periodOf('week', day.start)).not.toBe(day);
    expect(calendar.periodOf('day', day.start + HOUR_MS)).toBe(day);
  });

  it('answers out-of-order instants around a boundary from its cache, without Intl', () => {
    const calendar = new ZonedCalendar('Europe/Berlin');
    const boundary = at('2026-03-29T22:00:00Z');
    const before = calendar.periodOf('day', boundary - 1);
    const after = calendar.periodOf('day', boundary);
    const spy = vi.spyOn(Intl.DateTimeFormat.prototype, 'formatToParts');
    try {
      for (let step = 0; step < 100; step += 1) {
        expect(calendar.periodOf('day', boundary - 1 - step * MINUTE_MS)).toBe(before);
        expect(calendar.periodOf('day', boundary + step * MINUTE_MS)).toBe(after);
      }
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });
});

// Zones with DST, fractional offsets, midnight gaps (Santiago, São Paulo before 2019) and none.
const PROPERTY_ZONES = [
  'UTC',
  'America/New_York',
  'Europe/Berlin',
  'Asia/Shanghai',
  'Asia/Kolkata',
  'Australia/Lord_Howe',
  'Pacific/Chatham',
  'America/Santiago',
  'America/Sao_Paulo',
] as const;
const UNITS = ['day', 'week', 'month'] as const;

describe('properties', () => {
  it('matches a binary search over an independent formatter for random instants in 2000-2040', () => {
    const warm = new Map(PROPERTY_ZONES.map((zone) => [zone, new ZonedCalendar(zone)] as const));
    fc.assert(
      fc.property(
        fc.constantFrom(...PROPERTY_ZONES),
        fc.constantFrom(...UNITS),
        fc.integer({ min: at('2000-01-01T00:00:00Z'), max: at('2041-01-01T00:00:00Z') - 1 }),
        (zone, unit, ms) => {
          const calendar = warm.get(zone) as ZonedCalendar;
          const period = calendar.periodOf(unit, ms);
          expect(new ZonedCalendar(zone).periodOf(unit, ms)).toEqual(period);
          expect(period.start).toBeLessThanOrEqual(ms);
          expect(ms).toBeLessThan(period.end);

          const first = firstDateOf(unit, localDate(zone, ms));
          expect(localDate(zone, period.start)).toBe(first);
          expect(localDate(zone, period.start - 1) < first).toBe(true);
          // As early as possible: local midnight, unless the clock jumped over it at `start`.
          const isMidnight = wallMs(zone, period.start) === at(`${first}T00:00:00Z`);
          expect(isMidnight || wallMs(zone, period.start) - wallMs(zone, period.start - 1) > 1).toBe(true);

          expect(calendar.periodOf(unit, period.end).start).toBe(period.end);
          expect(period.start).toBe(firstInstantOnOrAfter(zone, first, ms - 32 * DAY_MS, ms));
          expect(period.end).toBe(firstInstantOnOrAfter(zone, nextFirstDate(unit, first), ms, ms + 32 * DAY_MS));
        },
      ),
      { seed: 20_260_308, numRuns: 1_500 },
    );
  });

  // Around each odd transition, step minute by minute (every transition here is on a whole minute)
  // and record where a date, week or month is first seen: those instants are the period starts.
  it.each([
    ['America/Santiago', '2026-09-06T04:00:00Z'],
    ['America/Sao_Paulo', '2018-02-18T02:00:00Z'],
    ['America/Havana', '2026-03-08T05:00:00Z'],
    ['Asia/Beirut', '2026-03-28T22:00:00Z'],
    ['America/Asuncion', '2023-10-01T04:00:00Z'],
    ['Asia/Tehran', '2021-03-21T20:30:00Z'],
    ['Pacific/Apia', '2011-12-30T10:00:00Z'],
    ['America/Goose_Bay', '2010-11-07T03:01:00Z'],
    ['Antarctica/Casey', '2010-03-04T15:00:00Z'],
    ['Australia/Lord_Howe', '2026-04-04T15:00:00Z'],
    ['Pacific/Chatham', '2026-09-26T14:00:00Z'],
    ['Europe/Berlin', '2026-10-25T01:00:00Z'],
  ])('tiles the timeline around the %s change at %s like a minute-by-minute walk', (zone, transition) => {
    const calendar = new ZonedCalendar(zone);
    const from = at(transition) - 3 * DAY_MS;
    const to = at(transition) + 3 * DAY_MS;
    const seen = new Map<CalendarUnit, string>();
    const starts = new Map<CalendarUnit, number>();
    for (let ms = from; ms < to; ms += MINUTE_MS) {
      const date = localDate(zone, ms);
      for (const unit of UNITS) {
        const key = periodKey(unit, date);
        const last = seen.get(unit);
        if (last === undefined || key > last) {
          if (last !== undefined) {
            expect(calendar.periodOf(unit, ms - 1).end, `${unit} before ${key}`).toBe(ms);
            starts.set(unit, ms);
          }
          seen.set(unit, key);
        }
        const start = starts.get(unit);
        if (start !== undefined) expect(calendar.periodOf(unit, ms).start, `${unit} at ${ms}`).toBe(start);
      }
    }
  });
});
