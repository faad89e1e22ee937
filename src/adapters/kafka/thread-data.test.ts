import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { isTransientKafkaError } from './kafka-client.js';
import { reviveError, reviveFields, serializeError, serializeFields } from './thread-data.js';

/** What crosses between threads: a structured clone. */
const crossed = <T>(value: T): T => structuredClone(value);

describe('errors and log fields between the producer thread and the job', () => {
  it('keeps an error name, message, stack and kafkajs fields, so that retrying decides alike', () => {
    const transient = new kafkajs.KafkaJSConnectionError('Connection error: connect ECONNREFUSED', { broker: 'b1:9092' });
    // kafkajs builds it from an entry of its protocol error table (its typings say Error).
    const entry = { type: 'MESSAGE_TOO_LARGE', code: 10, retriable: false, message: 'The request included a message larger than the max message size the server will accept' };
    const fatal = new kafkajs.KafkaJSProtocolError(entry as unknown as Error);
    for (const original of [transient, fatal]) {
      const revived = reviveError(crossed(serializeError(original)));
      expect(revived).toBeInstanceOf(Error);
      expect(revived.name).toBe(original.name);
      expect(revived.message).toBe(original.message);
      expect(revived.stack).toBe(original.stack);
      expect(isTransientKafkaError(revived)).toBe(isTransientKafkaError(original));
    }
    expect(isTransientKafkaError(reviveError(serializeError(transient)))).toBe(true);
    const revivedFatal = reviveError(serializeError(fatal)) as Error & { type?: unknown; code?: unknown };
    expect([revivedFatal.type, revivedFatal.code]).toEqual(['MESSAGE_TOO_LARGE', 10]);
    expect(reviveError(serializeError('just text')).message).toBe('just text');
  });

  it('posts log fields that a structured clone accepts, errors revived as errors', () => {
    const error = new kafkajs.KafkaJSNumberOfRetriesExceeded(new Error('inner'), { retryCount: 8, retryTime: 10_000 });
    const fields = { attempt: 3, retryInMs: 1000, err: error, broker: 'b1:9092', nested: { fn: () => 1, list: [1n, 'x'] }, none: undefined };
    const revived = reviveFields(crossed(serializeFields(fields)));
    expect(revived.attempt).toBe(3);
    expect(revived.broker).toBe('b1:9092');
    expect(revived.err).toBeInstanceOf(Error);
    expect((revived.err as Error).name).toBe('KafkaJSNumberOfRetriesExceeded');
    expect(revived.nested).toEqual({ list: ['1', 'x'] });
  });
});
