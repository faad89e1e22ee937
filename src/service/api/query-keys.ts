// Key filters and times in query strings: `key.user_id=42`, `key.user_id="42"`, `from=2026-11-23T10:00:00Z`.

import type { FieldValue } from '../../core/event/click-event.js';
import { readTimestamp } from '../../core/event/timestamp.js';
import type { KeyMatch } from '../../runtime/job-control.js';
import { badRequest } from './errors.js';

export const KEY_PREFIX = 'key.';

/** Longest key value accepted in a query (the history digests longer strings anyway). */
const MAX_KEY_VALUE_LENGTH = 1024;

const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const JSON_INTEGER = /^-?(?:0|[1-9]\d*)$/;

/**
 * One key value as a query spells it. A JSON number literal is that number (`42`, `-1.5`); a
 * JSON-quoted string is that string (`"42"`, so a string of digits can be asked for); anything
 * else is the text itself (`alice`). `42` and `"42"` are different keys, as in the results.
 */
export function readKeyValue(text: string, path: string): FieldValue {
  if (text.length > MAX_KEY_VALUE_LENGTH) throw badRequest(`is longer than ${MAX_KEY_VALUE_LENGTH} characters`, path);
  if (JSON_NUMBER.test(text)) {
    const n = Number(text);
    // A rounded number would name another key than the one asked for.
    if (!Number.isFinite(n)) throw badRequest(`${text} is beyond the range of numbers; quote it ("${text}") to mean the text`, path);
    if (JSON_INTEGER.test(text) && !Number.isSafeInteger(n)) {
      throw badRequest(`${text} is beyond 2^53 - 1, where whole numbers lose digits; quote it ("${text}") to mean the text`, path);
    }
    return n;
  }
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) {
    try {
      const value: unknown = JSON.parse(text);
      if (typeof value === 'string') return value;
    } catch {
      // Not valid JSON text: below.
    }
    throw badRequest(`${text} is not a valid JSON string; write "…" with JSON escapes, or leave the quotes out`, path);
  }
  return text;
}

/**
 * The key filter of a query: every `key.<field>` parameter, each field one of the job's keyBy.
 * Fields left out match anything. Throws BAD_REQUEST naming the parameter that is wrong.
 */
export function readKeyMatch(query: Readonly<Record<string, unknown>>, keyBy: readonly string[]): KeyMatch {
  const match: Record<string, FieldValue> = {};
  for (const [name, raw] of Object.entries(query)) {
    if (!name.startsWith(KEY_PREFIX)) continue;
    const field = name.slice(KEY_PREFIX.length);
    if (!keyBy.includes(field)) {
      throw badRequest(
        keyBy.length === 0
          ? `unknown key field '${field}': this job has one group (keyBy: []), so there is nothing to filter on`
          : `unknown key field '${field}' (the job groups by ${keyBy.join(', ')})`,
        name,
      );
    }
    if (typeof raw !== 'string') throw badRequest('is given more than once; give each key field once', name);
    match[field] = readKeyValue(raw, name);
  }
  return match;
}

/** A time parameter: epoch milliseconds, or ISO-8601 with a zone (`2026-11-23T10:00:00Z`, `…+08:00`). */
export function readTime(text: string, path: string): number {
  const value = /^\d+$/.test(text) ? readTimestamp(Number(text)) : readTimestamp(text);
  if (value === null) {
    throw badRequest(`${JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text)} is not a time: write epoch milliseconds or ISO-8601 with a zone, e.g. 2026-11-23T10:00:00Z`, path);
  }
  return value;
}
