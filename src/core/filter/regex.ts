// Compiles `matches` patterns with re2js (RE2 semantics, linear-time matching, no backtracking).

import { RE2JS, RE2JSException } from 're2js';

/** Longest pattern accepted, in UTF-16 code units. */
export const MAX_PATTERN_LENGTH = 1000;

export type PatternResult =
  | { readonly kind: 'compiled'; readonly regex: RE2JS }
  | { readonly kind: 'rejected'; readonly reason: string; readonly isTooLong: boolean };

/**
 * Compiles `pattern` for unanchored search (`regex.test(text)`), or says why it cannot be used:
 * too long, or not valid RE2 syntax (backreferences and lookaround are not RE2).
 */
export function compilePattern(pattern: string): PatternResult {
  if (pattern.length > MAX_PATTERN_LENGTH) {
    return {
      kind: 'rejected',
      reason: `the pattern is ${pattern.length} characters long; the limit is ${MAX_PATTERN_LENGTH}`,
      isTooLong: true,
    };
  }
  try {
    return { kind: 'compiled', regex: RE2JS.compile(pattern) };
  } catch (error) {
    if (error instanceof RE2JSException) {
      return { kind: 'rejected', reason: error.message.replace(/^error parsing regexp: /, ''), isTooLong: false };
    }
    throw error;
  }
}
