// Error codes of the core and the one error class every layer throws (see docs/errors.md).

/** Codes raised by the core. Stable: tools and the REST layer match on them. */
export const CORE_ERROR_CODES = {
  CONFIG_INVALID: 'a job definition is invalid (the message names the field path)',
  CONFIG_INVALID_WINDOW: 'a window definition is invalid (size, slide, offset, zone, unit)',
  CONFIG_INVALID_DURATION: 'a duration string cannot be parsed',
  CONFIG_INVALID_AGGREGATION: 'an aggregation is not one of the supported functions',
  FILTER_SYNTAX: 'a filter expression does not parse',
  FILTER_UNSAFE_REGEX: 'a regex in a filter is invalid or too large',
  SNAPSHOT_INCOMPATIBLE: 'a snapshot was taken with another format version or job definition',
  SNAPSHOT_CORRUPT: 'a snapshot is truncated or damaged (its bytes do not decode)',
  INVARIANT_BROKEN: 'an internal invariant does not hold (a bug)',
  NOT_FOUND: 'a request names a window (or other thing) the job does not have',
  CONFLICT: "a request cannot be done in the job's present state (it has ended, has no checkpoint store, the name is taken)",
} as const;

/** Reasons a record is bad; each one is written with the raw record to the dead-letter output. */
export const BAD_RECORD_REASONS = {
  NOT_JSON: 'the line is not valid JSON',
  NOT_AN_OBJECT: 'the JSON value is not an object',
  TOO_LARGE: 'the record is longer than the size limit',
  MISSING_USER_ID: 'user_id is missing',
  INVALID_USER_ID: 'user_id is not a string or a safe integer (|n| <= 2^53 - 1)',
  MISSING_PAGE: 'page is missing',
  INVALID_PAGE: 'page is not a string',
  MISSING_TIMESTAMP: 'timestamp is missing',
  INVALID_TIMESTAMP: 'timestamp is not epoch milliseconds or an ISO-8601 string with a zone, or out of range',
  EMPTY: 'the record is empty',
} as const;

export type CoreErrorCode = keyof typeof CORE_ERROR_CODES;
export type BadRecordReason = keyof typeof BAD_RECORD_REASONS;

export interface EngineErrorOptions {
  readonly retriable?: boolean;
  readonly cause?: unknown;
  /** Where in a job definition or expression the problem is, e.g. `windows[2].sliding.slide`. */
  readonly path?: string;
}

/** The one error base class. `code` is stable, `retriable` says whether trying again can help. */
export class EngineError extends Error {
  readonly code: string;
  readonly retriable: boolean;
  readonly path: string | undefined;

  constructor(code: string, message: string, options: EngineErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'EngineError';
    this.code = code;
    this.retriable = options.retriable ?? false;
    this.path = options.path;
  }
}
