// Reads the `timestamp` field: epoch milliseconds as a JSON number, or ISO-8601 text with a zone.

import { MAX_EPOCH_MS, type EpochMs } from '../time/epoch.js';

// YYYY-MM-DD, 'T' or ' ', hh:mm[:ss[.fraction]], then Z or ±hh[:mm] / ±hhmm. A zone is required,
// because a local time without one names no instant.
const ISO = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** The number written by `count` ASCII digits from `from` in s, or −1 when one of them is not a digit. */
function digitsAt(s: string, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * The usual spelling, `YYYY-MM-DDThh:mm:ss.sssZ` (24 characters, as Date#toISOString writes it),
 * read without the regular expression. Undefined when the text is spelled otherwise or names no
 * valid instant: readTimestamp then decides as for any other spelling.
 */
function readCanonicalIso(s: string): EpochMs | undefined {
  // '-' at 4 and 7, 'T' at 10, ':' at 13 and 16, '.' at 19, 'Z' at 23.
  if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 84 || s.charCodeAt(13) !== 58) return undefined;
  if (s.charCodeAt(16) !== 58 || s.charCodeAt(19) !== 46 || s.charCodeAt(23) !== 90) return undefined;
  const year = digitsAt(s, 0, 4);
  const month = digitsAt(s, 5, 2);
  const day = digitsAt(s, 8, 2);
  const hour = digitsAt(s, 11, 2);
  const minute = digitsAt(s, 14, 2);
  const second = digitsAt(s, 17, 2);
  const millis = digitsAt(s, 20, 3);
  // −1: not digits; years before 1970 are before the epoch.
  if (year < 1970 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59 || millis < 0) return undefined;
  const monthDays = month === 2 && isLeapYear(year) ? 29 : (DAYS_IN_MONTH[month - 1] as number);
  if (day > monthDays) return undefined;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  return ms <= MAX_EPOCH_MS ? ms : undefined;
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
  if (value.length === 24) {
    const ms = readCanonicalIso(value);
    if (ms !== undefined) return ms;
  }
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
