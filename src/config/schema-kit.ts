// Building blocks of the job schema: zod types whose every message is written for the user.

import { z } from 'zod';
import { EngineError } from '../core/errors.js';
import { parseDuration } from '../core/time/duration.js';
import { didYouMean, unknownKeyMessage } from './problems.js';
import { describeValue, formatCount } from './text.js';

export const DURATION_WORDS = 'a duration such as 500ms, 5s, 1m, 1h30m or 1d, or a whole number of milliseconds';

// ---------------------------------------------------------------------------------------------
// Building blocks. Every schema sets its own messages: zod's defaults never reach the user.

export type RawIssue = z.core.$ZodRawIssue;

/** `missing; expected X` or `expected X, found Y`. */
export function expectedMessage(what: string, input: unknown): string {
  return input === undefined ? `missing; expected ${what}` : `expected ${what}, found ${describeValue(input)}`;
}

export function expecting(what: string): { error: (issue: RawIssue) => string } {
  return { error: (issue) => expectedMessage(what, issue.input) };
}

/**
 * An object that rejects unknown keys, one message line per key (problemsFromIssues splits them),
 * with a "did you mean" suggestion when a known key is near.
 */
export function strictObject<S extends z.core.$ZodLooseShape>(shape: S, what: string) {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? issue.keys.map((key) => unknownKeyMessage(key, known)).join('\n')
        : expectedMessage(what, issue.input),
  });
}

export function fail(ctx: z.core.$RefinementCtx, message: string, path: readonly (string | number)[] = []): void {
  ctx.addIssue({ code: 'custom', message, path: [...path] });
}

/** A duration: `5s`, `1h30m`, `90000ms`, or a whole number of milliseconds. Output: ms (≥ 0). */
export function duration() {
  return z.union([z.string(), z.number()], expecting(DURATION_WORDS)).transform((value, ctx) => {
    try {
      return parseDuration(value);
    } catch (error) {
      if (!(error instanceof EngineError)) throw error;
      const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
      fail(ctx, `${shown} is not a duration: write a whole number with a unit (ms, s, m, h, d, w), e.g. 90000ms, 5s, 1h30m, or a whole number of milliseconds`);
      return z.NEVER;
    }
  });
}

/** A whole number in [min, max]. */
export function wholeNumber(min: number, max: number, note = '') {
  const range = `a whole number from ${formatCount(min)} to ${formatCount(max)}${note}`;
  return z.number(expecting(range)).transform((n, ctx) => {
    if (!Number.isInteger(n) || n < min || n > max) {
      fail(ctx, `must be ${range}, found ${formatCount(n)}`);
      return z.NEVER;
    }
    return n;
  });
}

/** A non-empty string (after trimming blanks). */
export function nonEmptyString(what: string) {
  return z.string(expecting(what)).transform((text, ctx) => {
    if (text.trim() === '') {
      fail(ctx, `must not be empty; expected ${what}`);
      return z.NEVER;
    }
    return text;
  });
}

/** A string matching `pattern`, with `rule` saying what the pattern means. */
export function patternString(what: string, pattern: RegExp, rule: string) {
  return z.string(expecting(`${article(what)} ${what}`)).transform((text, ctx) => {
    if (!pattern.test(text)) {
      fail(ctx, `${JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text)} is not a valid ${what}: ${rule}`);
      return z.NEVER;
    }
    return text;
  });
}

export function article(word: string): string {
  return /^[aeiou]/i.test(word) ? 'an' : 'a';
}

/** An enum with "unknown X 'v' — did you mean …? (one of: …)". */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T, what: string) {
  return z.enum(values, {
    error: (issue) =>
      typeof issue.input === 'string'
        ? `unknown ${what} '${issue.input}'${didYouMean(issue.input, values)} (one of: ${values.join(', ')})`
        : expectedMessage(`${article(what)} ${what}: one of ${values.join(', ')}`, issue.input),
  });
}

/** A union discriminated by `type`, with a message for a missing or unknown type. */
export function typedUnion<const Options extends readonly [z.core.$ZodTypeDiscriminable, ...z.core.$ZodTypeDiscriminable[]]>(
  what: string,
  types: readonly string[],
  shapes: string,
  options: Options,
) {
  return z.discriminatedUnion('type', options, {
    error: (issue) => {
      const input = issue.input;
      if (issue.code !== 'invalid_union' || typeof input !== 'object' || input === null || Array.isArray(input)) {
        return expectedMessage(shapes, input);
      }
      const type: unknown = (input as Record<string, unknown>).type;
      if (type === undefined) return `missing; expected the ${what} type: one of ${types.join(', ')}`;
      if (typeof type !== 'string') return expectedMessage(`the ${what} type: one of ${types.join(', ')}`, type);
      return `unknown ${what} type '${type}'${didYouMean(type, types)} (one of: ${types.join(', ')})`;
    },
  });
}
