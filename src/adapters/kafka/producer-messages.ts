// What the Kafka sink and its producer thread tell each other, and errors and log fields made fit to cross.

import type { KafkaConnection } from './kafka-client.js';
import type { EncodedBatch } from './record-batch.js';

/** The producer thread's workerData. */
export interface ProducerThreadData {
  readonly connection: KafkaConnection;
  readonly topic: string;
}

/** To the producer thread: produce a batch (after those sent before it), or disconnect once every batch is done. */
export type ToProducer = { readonly type: 'send'; readonly id: number; readonly batch: EncodedBatch } | { readonly type: 'close' };

export type LogLevel = 'info' | 'warn' | 'error';

/** From the producer thread: a batch is acknowledged by Kafka, or failed (and every later one with it); a log line; closed. */
export type FromProducer =
  | { readonly type: 'ack'; readonly id: number }
  | { readonly type: 'failed'; readonly id: number; readonly error: SerializedError }
  | { readonly type: 'log'; readonly level: LogLevel; readonly fields: Record<string, unknown>; readonly message: string }
  | { readonly type: 'closed' };

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
