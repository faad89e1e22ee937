// Errors and log fields made fit to cross between threads: the Kafka threads' log lines and failures
// reach the job's logger and callers as they were.

import type { Logger } from '../../ports/logger.js';

export type LogLevel = 'info' | 'warn' | 'error';

const ERROR_MARK = '__tallyError';

/** An error as plain data: what a log line and isTransientKafkaError read of it. */
export interface SerializedError {
  readonly [ERROR_MARK]: true;
  readonly name: string;
  readonly message: string;
  readonly stack: string | undefined;
  /** kafkajs' own fields (retriable, type, code, …), those that are plain data. */
  readonly extra: Record<string, unknown>;
}

export function serializeError(error: unknown): SerializedError {
  if (!(error instanceof Error)) return { [ERROR_MARK]: true, name: 'Error', message: String(error), stack: undefined, extra: {} };
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(error)) {
    if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) extra[key] = value;
    else if (value instanceof Error) extra[key] = serializeError(value);
  }
  return { [ERROR_MARK]: true, name: error.name, message: error.message, stack: error.stack, extra };
}

function isSerializedError(value: unknown): value is SerializedError {
  return typeof value === 'object' && value !== null && (value as Record<string, unknown>)[ERROR_MARK] === true;
}

/** An Error again, with the same name, message, stack and kafkajs fields (retriable, …). */
export function reviveError(data: SerializedError): Error {
  const error = new Error(data.message);
  Object.defineProperty(error, 'name', { value: data.name, configurable: true, writable: true });
  if (data.stack !== undefined) error.stack = data.stack;
  for (const [key, value] of Object.entries(data.extra)) (error as unknown as Record<string, unknown>)[key] = isSerializedError(value) ? reviveError(value) : value;
  return error;
}

/** Log fields as data a thread can post (errors serialized; anything else that is not JSON becomes its JSON form). */
export function serializeFields(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value instanceof Error) out[key] = serializeError(value);
    else if (value === undefined || value === null || ['string', 'number', 'boolean'].includes(typeof value)) out[key] = value;
    else out[key] = jsonSafe(value);
  }
  return out;
}

function jsonSafe(value: unknown): unknown {
  try {
    const text = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v instanceof Error ? { name: v.name, message: v.message } : v));
    return text === undefined ? undefined : (JSON.parse(text) as unknown);
  } catch {
    return String(value);
  }
}

/** The fields as they were logged: errors are Errors again. */
export function reviveFields(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) out[key] = isSerializedError(value) ? reviveError(value) : value;
  return out;
}

/** A log line on its way to the job's logger. */
export interface LogMessage {
  readonly type: 'log';
  readonly level: LogLevel;
  readonly fields: Record<string, unknown>;
  readonly message: string;
}

/** A logger for a thread of the job: each line is posted to the job's thread, where `logPosted` logs it. */
export function postingLogger(post: (line: LogMessage) => void): Logger {
  const at =
    (level: LogLevel) =>
    (fields: Record<string, unknown>, message: string): void =>
      post({ type: 'log', level, fields: serializeFields(fields), message });
  return { info: at('info'), warn: at('warn'), error: at('error') };
}

/** Logs a line posted by postingLogger, with its errors revived. */
export function logPosted(logger: Logger, line: LogMessage): void {
  logger[line.level](reviveFields(line.fields), line.message);
}
