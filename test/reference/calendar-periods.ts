// Local calendar periods (day, ISO week, month) in an IANA zone, found by brute force with Intl alone.

import type { CalendarUnit } from '../../src/core/windows/window-spec.js';

interface LocalDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterOf(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The local calendar date of an instant. */
function localDateOf(timeZone: string, ms: number): LocalDate {
  let year = 0;
  let month = 0;
  let day = 0;
  for (const part of formatterOf(timeZone).formatToParts(ms)) {
    if (part.type === 'year') year = Number(part.value);
    else if (part.type === 'month') month = Number(part.value);
    else if (part.type === 'day') day = Number(part.value);
  }
  return { year, month, day };
}

const ordinal = (d: LocalDate): number => d.year * 10_000 + d.month * 100 + d.day;

/** The date `days` after d, by proleptic Gregorian arithmetic (no zone involved). */
function addDays(d: LocalDate, days: number): LocalDate {
  const utc = new Date(Date.UTC(d.year, d.month - 1, d.day + days));
  return { year: utc.getUTCFullYear(), month: utc.getUTCMonth() + 1, day: utc.getUTCDate() };
}

const firstInstants = new Map<string, number>();

/**
 * The first instant whose local date is `date` or later: local midnight, or the first instant of the
 * date where midnight does not exist. Local dates never go backwards as instants grow in the zones
 * we test, so a binary search over instants finds it.
 */
function firstInstantOf(timeZone: string, date: LocalDate): number {
  const cacheKey = `${timeZone} ${ordinal(date)}`;
  const cached = firstInstants.get(cacheKey);
  if (cached !== undefined) return cached;
  const target = ordinal(date);
  const nominal = Date.UTC(date.year, date.month - 1, date.day);
  let lo = nominal - 2 * 86_400_000; // local date before target
  let hi = nominal + 2 * 86_400_000; // local date at or after target
  if (ordinal(localDateOf(timeZone, lo)) >= target || ordinal(localDateOf(timeZone, hi)) < target) {
    throw new Error(`cannot bracket ${cacheKey}`);
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (ordinal(localDateOf(timeZone, mid)) >= target) hi = mid;
    else lo = mid;
  }
  firstInstants.set(cacheKey, hi);
  return hi;
}

/** The local day, ISO week (Monday 00:00) or month of `ms` in `timeZone`, as [start, end). */
export function calendarPeriodOf(unit: CalendarUnit, timeZone: string, ms: number): { start: number; end: number } {
  const date = localDateOf(timeZone, ms);
  let first: LocalDate;
  let next: LocalDate;
  switch (unit) {
    case 'day':
      first = date;
      next = addDays(date, 1);
      break;
    case 'week': {
      const weekday = new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay(); // 0 = Sunday
      first = addDays(date, -((weekday + 6) % 7));
      next = addDays(first, 7);
      break;
    }
    case 'month':
      first = { year: date.year, month: date.month, day: 1 };
      next = date.month === 12 ? { year: date.year + 1, month: 1, day: 1 } : { year: date.year, month: date.month + 1, day: 1 };
      break;
  }
  return { start: firstInstantOf(timeZone, first), end: firstInstantOf(timeZone, next) };
}
