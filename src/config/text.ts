// Small text helpers shared by config messages and describeJob: found values, counts, durations.

import { formatDuration } from '../core/time/duration.js';

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;

/** A short description of a found value for messages: `the string "x"`, `the number 5`, `a list`. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null (an empty value)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)}`;
  if (typeof value === 'number' || typeof value === 'boolean') return `the ${typeof value} ${String(value)}`;
  if (typeof value === 'object') return 'a mapping';
  return `a ${typeof value}`;
}

/** 10000 → "10,000". */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: 3 });
}

/**
 * A duration as people write it: like formatDuration, but weeks only for whole weeks
 * (`366d`, `10d`, `2w`, `1h30m`), so that limits read as they are documented.
 */
export function spellDuration(ms: number): string {
  if (ms % WEEK_MS === 0 || ms < WEEK_MS) return formatDuration(ms);
  const days = Math.floor(ms / DAY_MS);
  const rest = ms - days * DAY_MS;
  return rest === 0 ? `${days}d` : `${days}d${formatDuration(rest)}`;
}

/** `a`, `a and b`, `a, b and c`. */
export function joinWords(words: readonly string[], last = 'and'): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} ${last} ${words[words.length - 1] as string}`;
}
