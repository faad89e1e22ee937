// The benchmark's scenarios: each one is a pipeline spec over the same click log.

import type { PipelineSpec } from '../src/core/operator/pipeline-spec.js';
import type { WindowSpec } from '../src/core/windows/window-spec.js';
import type { AggregationSpec } from '../src/core/aggregate/aggregation-spec.js';
import type { JobInput } from '../src/config/define-job.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const aggregations: AggregationSpec[] = [
  { fn: 'count', field: null },
  { fn: 'sum', field: 'value' },
  { fn: 'mean', field: 'value' },
  { fn: 'max', field: 'value' },
];

function pipeline(keyBy: string[], windows: WindowSpec[]): PipelineSpec {
  return {
    keyBy,
    filter: null,
    windows,
    aggregations,
    time: { maxOutOfOrdernessMs: 5_000, allowedLatenessMs: 0, idleTimeoutMs: 30_000 },
    emit: 'final',
  };
}

const tumbling1m: WindowSpec = { kind: 'tumbling', name: 'per_minute', sizeMs: MINUTE, offsetMs: 0 };
const sliding10m: WindowSpec = { kind: 'sliding', name: 'last_10m', sizeMs: 10 * MINUTE, slideMs: MINUTE, offsetMs: 0 };
const sliding1h: WindowSpec = { kind: 'sliding', name: 'last_hour', sizeMs: HOUR, slideMs: MINUTE, offsetMs: 0 };

export interface Scenario {
  readonly name: string;
  readonly description: string;
  /** null: parse only, no engine. */
  readonly spec: PipelineSpec | null;
  readonly engine: 'sliced' | 'naive';
}

export const SCENARIOS: readonly Scenario[] = [
  { name: 'parse-only', description: 'read + split + JSON.parse, no aggregation', spec: null, engine: 'sliced' },
  { name: 'user-tumbling-1m', description: 'tumbling 1m by user_id, file to NDJSON results', spec: pipeline(['user_id'], [tumbling1m]), engine: 'sliced' },
  { name: 'action-tumbling-1m', description: 'tumbling 1m by action', spec: pipeline(['action'], [tumbling1m]), engine: 'sliced' },
  { name: 'action-sliding-10m-1m', description: 'sliding 10m/1m by action', spec: pipeline(['action'], [sliding10m]), engine: 'sliced' },
  { name: 'action-sliding-1h-1m', description: 'sliding 1h/1m by action', spec: pipeline(['action'], [sliding1h]), engine: 'sliced' },
  {
    name: 'action-all-kinds',
    description: 'by action: tumbling 1m, sliding 1h/1m, calendar day (Shanghai) and week, session 30m, count 100/10, global',
    spec: pipeline(['action'], [
      tumbling1m,
      sliding1h,
      { kind: 'calendar', name: 'daily_cn', unit: 'day', timeZone: 'Asia/Shanghai' },
      { kind: 'calendar', name: 'weekly', unit: 'week', timeZone: 'UTC' },
      { kind: 'session', name: 'sessions', gapMs: 30 * MINUTE },
      { kind: 'count', name: 'last_100', size: 100, slide: 10 },
      { kind: 'global', name: 'running', everyMs: MINUTE },
    ]),
    engine: 'sliced',
  },
  { name: 'naive-action-tumbling-1m', description: 'naive per-window baseline: tumbling 1m by action', spec: pipeline(['action'], [tumbling1m]), engine: 'naive' },
  { name: 'naive-action-sliding-1h-1m', description: 'naive per-window baseline: sliding 1h/1m by action', spec: pipeline(['action'], [sliding1h]), engine: 'naive' },
];

/**
 * The Kafka part of the benchmark: every scenario reads the same input topic (the click log's first
 * lines, produced once per bench run) through a fresh consumer group. `consume` and `consume-parse`
 * are plain kafkajs consumers (the baselines); `job` is the product: a job built by buildJob from a
 * job definition with a Kafka source (stopAt: end) and a Kafka sink.
 */
export interface KafkaScenario {
  readonly name: string;
  readonly description: string;
  readonly kind: 'consume' | 'consume-parse' | 'job';
  /** kind 'job': the keys and windows of the job (aggregations and time bounds as the file scenarios). */
  readonly job?: Pick<JobInput, 'keyBy' | 'windows'>;
}

export const KAFKA_SCENARIOS: readonly KafkaScenario[] = [
  { name: 'kafka-consume', description: 'kafkajs consumer, eachBatch, no parse', kind: 'consume' },
  { name: 'kafka-consume-parse', description: 'kafkajs consumer, eachBatch, JSON.parse of each value', kind: 'consume-parse' },
  {
    name: 'kafka-user-tumbling-1m',
    description: 'job: Kafka → tumbling 1m by user_id → Kafka sink',
    kind: 'job',
    job: { keyBy: ['user_id'], windows: [{ name: 'per_minute', tumbling: '1m' }] },
  },
  {
    name: 'kafka-action-sliding-10m-1m',
    description: 'job: Kafka → sliding 10m/1m by action → Kafka sink',
    kind: 'job',
    job: { keyBy: ['action'], windows: [{ name: 'last_10m', sliding: { size: '10m', slide: '1m' } }] },
  },
];

/** What a Kafka scenario process is told (as one JSON argument). */
export interface KafkaRunConfig {
  readonly brokers: readonly string[];
  /** The input topic and how many messages it holds. */
  readonly topic: string;
  readonly messages: number;
  /** A group of its own, so that the scenario reads the topic from the start. */
  readonly groupId: string;
  /** kind 'job': topics of its own for results, dead letters and late records. */
  readonly resultsTopic: string;
  readonly deadLetterTopic: string;
  readonly lateTopic: string;
}
