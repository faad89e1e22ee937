// Local calendar periods (day, ISO week, month) of an IANA time zone, computed with Intl only.

import { EngineError } from '../errors.js';
import type { CalendarUnit, TimeRange } from '../windows/window-spec.js';
import { MAX_EPOCH_MS, type EpochMs } from './epoch.js';

const SECOND_MS = 1_000;
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

// No zone has ever been 16 h or more from UTC (the extremes are local mean times: +15:14 in
// America/Metlakatla, -15:56 in Asia/Manila), so the first instant of a local day lies within
// 16 h of its midnight read as a UTC time.
const MAX_OFFSET_MS = 16 * HOUR_MS;
// If the offset 32 h before a midnight equals the offset at it, no earlier instant can already
// show that date: that would need an earlier offset more than 32 h larger, beyond the ±16 h range.
const LOOKBACK_MS = 2 * MAX_OFFSET_MS;
// The fallback scan reads the offset once an hour; it assumes at most one offset change per hour.
const SCAN_STEP_MS = HOUR_MS;

const RECENT_PERIODS = 8;
const DAY_STARTS_LIMIT = 512;

const formatters = new Map<string, Intl.DateTimeFormat>();

function createFormatter(timeZone: string): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
}

/** The shared formatter of a zone, or undefined when Intl does not know the zone. */
function formatterOf(timeZone: string): Intl.DateTimeFormat | undefined {
  const known = formatters.get(timeZone);
  if (known !== undefined) return known;
  if (typeof timeZone !== 'string' || timeZone.length === 0) return undefined;
  let formatter: Intl.DateTimeFormat;
  try {
    formatter = createFormatter(timeZone);
  } catch {
    return undefined;
  }
  formatters.set(timeZone, formatter);
  return formatter;
}

/** True when `timeZone` is an IANA zone name (or alias, any case) that Intl knows, such as `Europe/Berlin` or `UTC`. */
export function isValidTimeZone(timeZone: string): boolean {
  return formatterOf(timeZone) !== undefined;
}

function floorMod(value: number, divisor: number): number {
  return value - Math.floor(value / divisor) * divisor;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (month 1-12); H. Hinnant's days_from_civil. */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const monthFromMarch = month > 2 ? month - 3 : month + 9;
  const dayOfYear = Math.floor((153 * monthFromMarch + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** year · 12 + (month − 1) of a day number; a plain number so that callers allocate nothing. */
function monthIndexOfDay(dayNumber: number): number {
  const z = dayNumber + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153);
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return year * 12 + month - 1;
}

function firstDayOfMonthIndex(monthIndex: number): number {
  const year = Math.floor(monthIndex / 12);
  return daysFromCivil(year, monthIndex - year * 12 + 1, 1);
}

/** The local day number on which the period of `unit` containing day `dayNumber` begins. */
function firstDayOfPeriod(unit: CalendarUnit, dayNumber: number): number {
  switch (unit) {
    case 'day':
      return dayNumber;
    case 'week':
      // Day 0 (1970-01-01) was a Thursday; ISO weeks start on Monday.
      return dayNumber - floorMod(dayNumber + 3, 7);
    case 'month':
      return firstDayOfMonthIndex(monthIndexOfDay(dayNumber));
  }
}

function firstDayOfNextPeriod(unit: CalendarUnit, firstDay: number): number {
  switch (unit) {
    case 'day':
      return firstDay + 1;
    case 'week':
      return firstDay + 7;
    case 'month':
      return firstDayOfMonthIndex(monthIndexOfDay(firstDay) + 1);
  }
}

interface UnitCache {
  last: TimeRange;
  readonly recent: TimeRange[];
  nextSlot: number;
}

function createUnitCache(): UnitCache {
  // NaN bounds make the first lookup a miss without an undefined check on the hot path.
  return { last: { start: Number.NaN, end: Number.NaN }, recent: [], nextSlot: 0 };
}

/**
 * Calendar periods of one IANA zone. A local day runs from local midnight to the next local
 * midnight (23 h or 25 h on DST changes); an ISO week from Monday 00:00 to the next Monday 00:00;
 * a month from the 1st 00:00 to the next 1st 00:00. When a zone skips local midnight (DST starting
 * at 00:00, as in America/Santiago or Asia/Beirut), or skips a whole date (Pacific/Apia,
 * 2011-12-30), a period starts at the first instant whose local date is on or after its first date.
 * Periods tile the timeline without gaps: where the clock goes back across midnight
 * (America/Goose_Bay until 2010) the repeated hour of the old date belongs to the new date's period.
 * Instants beyond the Date range (±8.64e15 ms) use the zone offset at the edge of that range.
 */
export class ZonedCalendar {
  readonly timeZone: string;
  private readonly formatter: Intl.DateTimeFormat;
  private readonly isUtc: boolean;
  private readonly caches: Readonly<Record<CalendarUnit, UnitCache>> = {
    day: createUnitCache(),
    week: createUnitCache(),
    month: createUnitCache(),
  };
  /** First instant of each recently computed local day, by day number (days since 1970-01-01). */
  private readonly dayStarts = new Map<number, EpochMs>();

  /** Throws EngineError CONFIG_INVALID_WINDOW when Intl does not know `timeZone`. */
  constructor(timeZone: string) {
    const formatter = formatterOf(timeZone);
    if (formatter === undefined) {
      throw new EngineError('CONFIG_INVALID_WINDOW', `"${String(timeZone)}" is not an IANA time zone (e.g. "Europe/Berlin", "UTC")`);
    }
    this.timeZone = timeZone;
    this.formatter = formatter;
    this.isUtc = formatter.resolvedOptions().timeZone === 'UTC';
  }

  /**
   * The period [start, end) of `unit` that contains instant `ms` (epoch ms; end is exclusive).
   * The result is cached and shared: the same object comes back while `ms` stays inside it, and a
   * cache hit allocates nothing. Throws INVARIANT_BROKEN for a non-finite `ms` or one outside the
   * Date range, which parsing never lets through.
   */
  periodOf(unit: CalendarUnit, ms: EpochMs): TimeRange {
    const cache = this.caches[unit];
    const last = cache.last;
    if (ms >= last.start && ms < last.end) return last;
    return this.refill(cache, unit, ms);
  }

  private refill(cache: UnitCache, unit: CalendarUnit, ms: EpochMs): TimeRange {
    if (!(Math.abs(ms) <= MAX_EPOCH_MS)) {
      throw new EngineError('INVARIANT_BROKEN', `instant ${ms} is outside the Date range`);
    }
    const recent = cache.recent;
    for (let i = 0; i < recent.length; i += 1) {
      const period = recent[i] as TimeRange;
      if (ms >= period.start && ms < period.end) {
        cache.last = period;
        return period;
      }
    }
    const period = this.isUtc ? utcPeriodOf(unit, ms) : this.zonedPeriodOf(unit, ms);
    cache.recent[cache.nextSlot] = period;
    cache.nextSlot = (cache.nextSlot + 1) % RECENT_PERIODS;
    cache.last = period;
    return period;
  }

  private zonedPeriodOf(unit: CalendarUnit, ms: EpochMs): TimeRange {
    const offsetMs = this.offsetAt(ms);
    let firstDay = firstDayOfPeriod(unit, Math.floor((ms + offsetMs) / DAY_MS));
    let nextDay = firstDayOfNextPeriod(unit, firstDay);
    let start = this.startOfDay(firstDay, offsetMs);
    let end = this.startOfDay(nextDay, offsetMs);
    // start ≤ ms holds by definition; ms ≥ end only in the repeated hour of a clock that went back
    // across midnight, which belongs to the next period.
    while (ms >= end) {
      firstDay = nextDay;
      nextDay = firstDayOfNextPeriod(unit, firstDay);
      start = end;
      end = this.startOfDay(nextDay, offsetMs);
    }
    if (start > ms) throw new EngineError('INVARIANT_BROKEN', `calendar period of ${ms} in ${this.timeZone} starts after it`);
    return { start, end };
  }

  /** First instant whose local date is on or after day `dayNumber`; `hintOffsetMs` is a likely offset. */
  private startOfDay(dayNumber: number, hintOffsetMs: number): EpochMs {
    const known = this.dayStarts.get(dayNumber);
    if (known !== undefined) return known;
    const start = this.findStartOfDay(dayNumber * DAY_MS, hintOffsetMs);
    if (this.dayStarts.size >= DAY_STARTS_LIMIT) this.dayStarts.clear();
    this.dayStarts.set(dayNumber, start);
    return start;
  }

  /** First instant whose local wall clock reads `wallMs` (a midnight, as UTC-based ms) or later. */
  private findStartOfDay(wallMs: number, hintOffsetMs: number): EpochMs {
    let offsetMs = hintOffsetMs;
    let candidate = wallMs - offsetMs;
    let actualMs = this.offsetAt(candidate);
    if (actualMs !== offsetMs) {
      offsetMs = actualMs;
      candidate = wallMs - offsetMs;
      actualMs = this.offsetAt(candidate);
    }
    if (actualMs === offsetMs) {
      // The candidate reads exactly midnight. It is the first such instant only if the instant
      // before shows the previous date and the clock did not reach this date earlier and go back.
      const before = candidate - 1;
      if (before + this.offsetAt(before) < wallMs && this.offsetAt(candidate - LOOKBACK_MS) === offsetMs) {
        return candidate;
      }
    }
    return this.scanStartOfDay(wallMs);
  }

  /**
   * Slow path for midnights in a DST gap, skipped dates and clocks that went back: splits the
   * window that must hold the answer into spans of constant offset and takes the first instant of
   * the first span whose wall clock reaches `wallMs`.
   */
  private scanStartOfDay(wallMs: number): EpochMs {
    const limit = wallMs + MAX_OFFSET_MS;
    let spanStart = wallMs - MAX_OFFSET_MS;
    let spanOffsetMs = this.offsetAt(spanStart);
    while (spanStart <= limit) {
      let spanEnd = spanStart + SCAN_STEP_MS;
      let nextOffsetMs = this.offsetAt(spanEnd);
      if (nextOffsetMs !== spanOffsetMs) {
        // Offsets change on whole seconds, and offsetAt reads whole seconds: bisect to one second.
        let low = spanStart;
        let high = spanEnd;
        while (high - low > SECOND_MS) {
          const middle = low + Math.floor((high - low) / (2 * SECOND_MS)) * SECOND_MS;
          if (this.offsetAt(middle) === spanOffsetMs) low = middle;
          else high = middle;
        }
        spanEnd = high;
        nextOffsetMs = this.offsetAt(high);
      }
      const first = Math.max(spanStart, wallMs - spanOffsetMs);
      if (first < spanEnd) return first;
      spanStart = spanEnd;
      spanOffsetMs = nextOffsetMs;
    }
    // Every offset is below MAX_OFFSET_MS, so the clock reads past wallMs by `limit`.
    throw new EngineError('INVARIANT_BROKEN', `no start of the local day at ${wallMs} in ${this.timeZone}`);
  }

  /** Local wall clock minus UTC at instant `ms`, in ms (whole seconds). */
  private offsetAt(ms: EpochMs): number {
    const t = ms > MAX_EPOCH_MS ? MAX_EPOCH_MS : ms < -MAX_EPOCH_MS ? -MAX_EPOCH_MS : ms;
    let month = 0;
    let day = 0;
    let hour = 0;
    let minute = 0;
    let second = 0;
    for (const part of this.formatter.formatToParts(t)) {
      switch (part.type) {
        case 'month':
          month = Number(part.value);
          break;
        case 'day':
          day = Number(part.value);
          break;
        case 'hour':
          hour = Number(part.value);
          break;
        case 'minute':
          minute = Number(part.value);
          break;
        case 'second':
          second = Number(part.value);
          break;
        default:
          break;
      }
    }
    // en-US prints years before 1 CE without an era, so the local year comes from the UTC one:
    // offsets are under a day, so they differ only when the UTC and local months straddle New Year.
    const utcMonthIndex = monthIndexOfDay(Math.floor(t / DAY_MS));
    const utcYear = Math.floor(utcMonthIndex / 12);
    const utcMonth = utcMonthIndex - utcYear * 12 + 1;
    const year = month === 12 && utcMonth === 1 ? utcYear - 1 : month === 1 && utcMonth === 12 ? utcYear + 1 : utcYear;
    const wallMs = daysFromCivil(year, month, day) * DAY_MS + hour * HOUR_MS + minute * MINUTE_MS + second * SECOND_MS;
    return wallMs - Math.floor(t / SECOND_MS) * SECOND_MS;
  }
}

/** UTC needs no Intl: local days are UTC days. */
function utcPeriodOf(unit: CalendarUnit, ms: EpochMs): TimeRange {
  const firstDay = firstDayOfPeriod(unit, Math.floor(ms / DAY_MS));
  return { start: firstDay * DAY_MS, end: firstDayOfNextPeriod(unit, firstDay) * DAY_MS };
}
