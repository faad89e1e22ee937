// Reads the `timestamp` field: epoch milliseconds as a JSON number, or ISO-8601 text with a zone.

import { MAX_EPOCH_MS, type EpochMs } from '../time/epoch.js';

// YYYY-MM-DD, 'T' or ' ', hh:mm[:ss[.fraction]], then Z or ±hh[:mm] / ±hhmm. A zone is required,
// because a local time without one names no instant.
const ISO = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/**
 * Epoch milliseconds of a timestamp value, or null when it is not an accepted spelling.
 * Numbers: finite, 0 ≤ n ≤ 8.64e15; a fraction is floored to the millisecond.
 * Strings: ISO-8601 with a zone (`Z`, `+08:00`, `+0800`, `+08`); fractions beyond ms are truncated.
 */
export function readTimestamp(value: unknown): EpochMs | null {
  if (typeof value === 'number') {
    if (!(value >= 0 && value <= MAX_EPOCH_MS)) return null; // also rejects NaN
    return Math.floor(value);
  }
  if (typeof value !== 'string' || value.length > 40) return null;
  const m = ISO.exec(value);
  if (m === null) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const millis = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  if (month < 1 || month > 12) return null;
  const monthDays = month === 2 && isLeapYear(year) ? 29 : (DAYS_IN_MONTH[month - 1] as number);
  if (day < 1 || day > monthDays || hour > 23 || minute > 59 || second > 59) return null;
  let offsetMinutes = 0;
  if (m[8] === undefined) {
    const offsetHours = Number(m[10]);
    const offsetMins = m[11] === undefined ? 0 : Number(m[11]);
    if (offsetHours > 18 || offsetMins > 59) return null;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  const local = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  // Date.UTC maps years 0-99 to 1900-1999; those are before the epoch and rejected below anyway.
  const ms = local - offsetMinutes * 60_000;
  if (!(ms >= 0 && ms <= MAX_EPOCH_MS)) return null;
  return ms;
}
