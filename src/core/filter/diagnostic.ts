// Builds filter errors that name the line and column and draw a caret under the offending spot.

import { EngineError } from '../errors.js';

export type FilterErrorCode = 'FILTER_SYNTAX' | 'FILTER_UNSAFE_REGEX';

/** Longest excerpt of the source line shown under a message; longer lines are cut around the caret. */
const MAX_EXCERPT_CHARS = 72;

/** 1-based line and column (in UTF-16 code units) of `offset` in `source`. */
export function locate(source: string, offset: number): { readonly line: number; readonly column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < source.length; i++) {
    if (source.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

export interface FilterErrorDetails {
  /** Why, after the position: `… at column 11: missing closing )`. */
  readonly reason?: string;
  /** What stands at the position instead, e.g. `end of input` or `field 'b'`. */
  readonly found?: string;
  /** How to fix it; shown on its own line under the caret. */
  readonly hint?: string;
}

/** `column C`, or `line L, column C` when the source has several lines. */
export function describePosition(source: string, offset: number): string {
  const { line, column } = locate(source, offset);
  return source.includes('\n') ? `line ${line}, column ${column}` : `column ${column}`;
}

/**
 * An EngineError for a problem at `offset` (0-based; `source.length` means the end of input):
 *
 *     filter: expected a value after '==' at column 9, found end of input
 *       page ==
 *               ^
 *       hint: …
 *
 * `path` is `line:column`, e.g. `1:9`.
 */
export function filterError(
  code: FilterErrorCode,
  source: string,
  offset: number,
  problem: string,
  details: FilterErrorDetails = {},
): EngineError {
  const { line, column } = locate(source, offset);
  const reason = details.reason === undefined ? '' : `: ${details.reason}`;
  const found = details.found === undefined ? '' : `, found ${details.found}`;
  const hint = details.hint === undefined ? '' : `\n  hint: ${details.hint}`;
  const message = `filter: ${problem} at ${describePosition(source, offset)}${reason}${found}\n${drawCaret(source, line, column)}${hint}`;
  return new EngineError(code, message, { path: `${line}:${column}` });
}

function drawCaret(source: string, line: number, column: number): string {
  // Control characters (tabs, a stray \r) would shift the caret, so each shows as one space.
  const text = (source.split('\n')[line - 1] ?? '').replace(/[\u0000-\u001f\u007f]/g, ' ');
  let start = 0;
  let end = text.length;
  if (text.length > MAX_EXCERPT_CHARS) {
    start = Math.max(0, Math.min(column - 1 - MAX_EXCERPT_CHARS / 2, text.length - MAX_EXCERPT_CHARS));
    end = start + MAX_EXCERPT_CHARS;
  }
  const prefix = start > 0 ? '…' : '';
  const suffix = end < text.length ? '…' : '';
  const excerpt = prefix + text.slice(start, end) + suffix;
  const caretAt = prefix.length + column - 1 - start;
  return `  ${excerpt}\n  ${' '.repeat(caretAt)}^`;
}
