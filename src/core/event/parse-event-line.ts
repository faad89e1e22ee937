// parseEventLine: one NDJSON line in, a ClickEvent or a BadRecord out. Never throws on data.

import type { BadRecord, ClickEvent, FieldValue, ParsedRecord } from './click-event.js';
import type { BadRecordReason } from '../errors.js';
import { readTimestamp } from './timestamp.js';

/** Default limit on one record: 1 MiB of UTF-8. */
export const DEFAULT_MAX_RECORD_BYTES = 1 << 20;

function bad(reason: BadRecordReason, message: string): BadRecord {
  return { kind: 'bad', reason, message };
}

/** UTF-8 length of a string, counted without allocating. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number') return `the number ${value}`;
  return `a ${typeof value}`;
}

/**
 * Validates a decoded record: `user_id` (string, or an integer with |n| ≤ 2^53−1), `page` (string),
 * `timestamp` (see readTimestamp). Other fields are kept as they are.
 */
export function toClickEvent(value: unknown): ParsedRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return bad('NOT_AN_OBJECT', `expected a JSON object, found ${describe(value)}`);
  }
  const fields = value as Record<string, FieldValue>;
  const userId = fields.user_id;
  if (userId === undefined) return bad('MISSING_USER_ID', 'user_id is missing');
  if (typeof userId !== 'string' && !(typeof userId === 'number' && Number.isSafeInteger(userId))) {
    return bad('INVALID_USER_ID', `user_id must be a string or a safe integer, found ${describe(userId)}`);
  }
  const page = fields.page;
  if (page === undefined) return bad('MISSING_PAGE', 'page is missing');
  if (typeof page !== 'string') return bad('INVALID_PAGE', `page must be a string, found ${describe(page)}`);
  const raw = fields.timestamp;
  if (raw === undefined) return bad('MISSING_TIMESTAMP', 'timestamp is missing');
  const eventTimeMs = readTimestamp(raw);
  if (eventTimeMs === null) {
    return bad(
      'INVALID_TIMESTAMP',
      `timestamp must be epoch milliseconds (0 to 8.64e15) or ISO-8601 with a zone, found ${describe(raw)}`,
    );
  }
  const event: ClickEvent = { kind: 'event', eventTimeMs, fields };
  return event;
}

/**
 * Parses one NDJSON line. Callers skip blank lines before calling (they are not records).
 * `maxRecordBytes` bounds the UTF-8 size of the line.
 */
export function parseEventLine(line: string, maxRecordBytes: number = DEFAULT_MAX_RECORD_BYTES): ParsedRecord {
  // A UTF-16 length is at most the UTF-8 length, and at least a third of it.
  if (line.length > maxRecordBytes || (line.length * 3 > maxRecordBytes && utf8Length(line) > maxRecordBytes)) {
    return bad('TOO_LARGE', `the record is longer than ${maxRecordBytes} bytes`);
  }
  if (line.length === 0) return bad('EMPTY', 'the record is empty');
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    return bad('NOT_JSON', `not valid JSON: ${(error as Error).message}`);
  }
  return toClickEvent(value);
}

/** True for a line with nothing but whitespace: skipped and counted, not a record. */
export function isBlankLine(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d && c !== 0x0a) return false;
  }
  return true;
}
