// Page cursors of the results history: opaque text that names a query and a position in one of its indexes.

import { createHash } from 'node:crypto';
import type { HistoryQuery } from '../../ports/results-history.js';

const CURSOR_VERSION = 1;
const FINGERPRINT_BYTES = 8;

/** How a query walks the store: its window's rows by start, or one key's rows by start. */
export type QueryPath = 'by-time' | 'by-key';

export interface DecodedCursor {
  readonly path: QueryPath;
  /** The index key of the last row the previous page covered; the next page starts after it. */
  readonly after: Buffer;
}

/**
 * What the query asks, apart from limit and cursor: a cursor only continues the query it came
 * from. Key fields are sorted by name; values keep their JSON type ("42" is not 42).
 */
function fingerprint(query: HistoryQuery): Buffer {
  const key = query.key === undefined ? null : Object.entries(query.key).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const text = JSON.stringify([query.window, key, query.from ?? null, query.to ?? null, query.order]);
  return createHash('sha256').update(text).digest().subarray(0, FINGERPRINT_BYTES);
}

export function encodeCursor(query: HistoryQuery, path: QueryPath, after: Uint8Array): string {
  const head = Buffer.from([CURSOR_VERSION, path === 'by-time' ? 0 : 1]);
  return Buffer.concat([head, fingerprint(query), after]).toString('base64url');
}

/** The cursor of `query.cursor`, or a message saying why it cannot continue this query. */
export function decodeCursor(query: HistoryQuery, text: string): DecodedCursor | string {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return 'cursor is not one this history gave out';
  const bytes = Buffer.from(text, 'base64url');
  const pathByte = bytes[1];
  if (bytes.length <= 2 + FINGERPRINT_BYTES || bytes[0] !== CURSOR_VERSION || (pathByte !== 0 && pathByte !== 1)) {
    return 'cursor is not one this history gave out';
  }
  if (!bytes.subarray(2, 2 + FINGERPRINT_BYTES).equals(fingerprint(query))) {
    return 'cursor belongs to another query: pass the same window, key, from, to and order as for the first page';
  }
  return { path: pathByte === 0 ? 'by-time' : 'by-key', after: bytes.subarray(2 + FINGERPRINT_BYTES) };
}
