// The job schema's Kafka source, sink and side output.

import { z } from 'zod';
import { JOB_DEFAULTS } from './job-defaults.js';
import type { KafkaOutputSpec, KafkaSinkSpec, KafkaSourceSpec } from './job-spec.js';
import { duration, expecting, fail, nonEmptyString, oneOf, patternString, strictObject, wholeNumber } from './schema-kit.js';

/** Kafka's own rule for topic names (legal characters, at most 249). */
const topicName = patternString('topic name', /^[A-Za-z0-9._-]{1,249}$/, "use letters, digits, '.', '_' and '-' (at most 249 characters)");

const brokerAddress = z.string(expecting('a broker address host:port')).transform((text, ctx) => {
  const match = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/.exec(text.trim());
  const port = match === null ? NaN : Number(match[2]);
  if (match === null || port < 1 || port > 65_535) {
    fail(ctx, `${JSON.stringify(text)} is not a broker address: write host:port, e.g. localhost:9092`);
    return z.NEVER;
  }
  return text.trim();
});

const brokers = z
  .array(brokerAddress, expecting('a list of broker addresses, e.g. [localhost:9092]'))
  .min(1, { error: 'must list at least one broker, e.g. [localhost:9092]' });

/** A duration from `min` ms. */
function atLeast(min: number, label: string) {
  return duration().refine((ms) => ms >= min, { error: `${label} must be at least ${min} ms` });
}

const KAFKA_SOURCE_WORDS =
  'a kafka source: { type: kafka, brokers: [host:port], topic, groupId, startFrom: earliest|latest, stopAt: end, format: json, commitInterval, sessionTimeout, heartbeatInterval, clientId }';

export const kafkaSourceSchema = strictObject(
  {
    type: z.literal('kafka'),
    brokers,
    topic: topicName,
    groupId: nonEmptyString('a consumer group id'),
    startFrom: oneOf(['earliest', 'latest'], 'start position').optional(),
    stopAt: oneOf(['end'], 'stop position').nullable().optional(),
    format: oneOf(['json'], 'message format').optional(),
    commitInterval: atLeast(100, 'commitInterval').optional(),
    sessionTimeout: atLeast(1_000, 'sessionTimeout').optional(),
    heartbeatInterval: atLeast(100, 'heartbeatInterval').optional(),
    clientId: nonEmptyString('a client id').optional(),
  },
  KAFKA_SOURCE_WORDS,
).transform((source, ctx): KafkaSourceSpec => {
  const d = JOB_DEFAULTS.kafka;
  const sessionTimeoutMs = source.sessionTimeout ?? d.sessionTimeoutMs;
  const heartbeatIntervalMs = source.heartbeatInterval ?? Math.min(d.heartbeatIntervalMs, Math.floor(sessionTimeoutMs / 3));
  if (heartbeatIntervalMs >= sessionTimeoutMs) {
    fail(ctx, 'heartbeatInterval must be shorter than sessionTimeout (a third of it is usual)', ['heartbeatInterval']);
    return z.NEVER;
  }
  return {
    type: 'kafka',
    brokers: source.brokers,
    topic: source.topic,
    groupId: source.groupId,
    startFrom: source.startFrom ?? 'earliest',
    stopAtEnd: source.stopAt === 'end',
    format: 'json',
    commitIntervalMs: source.commitInterval ?? d.commitIntervalMs,
    sessionTimeoutMs,
    heartbeatIntervalMs,
    clientId: source.clientId ?? d.clientId,
  };
});

export const kafkaSinkSchema = strictObject(
  {
    type: z.literal('kafka'),
    brokers,
    topic: topicName,
    batchSize: wholeNumber(1, 1_000_000).optional(),
    clientId: nonEmptyString('a client id').optional(),
  },
  'a kafka sink: { type: kafka, brokers: [host:port], topic, batchSize, clientId }',
).transform(
  (sink): KafkaSinkSpec => ({
    type: 'kafka',
    brokers: sink.brokers,
    topic: sink.topic,
    batchSize: sink.batchSize ?? JOB_DEFAULTS.kafka.batchSize,
    clientId: sink.clientId ?? JOB_DEFAULTS.kafka.clientId,
  }),
);

export const kafkaOutputSchema = strictObject(
  { type: z.literal('kafka'), brokers, topic: topicName, clientId: nonEmptyString('a client id').optional() },
  'a kafka output: { type: kafka, brokers: [host:port], topic }',
).transform(
  (output): KafkaOutputSpec => ({ type: 'kafka', brokers: output.brokers, topic: output.topic, clientId: output.clientId ?? JOB_DEFAULTS.kafka.clientId }),
);
