import { describe, expect, it } from 'vitest';
import type { JobSpec } from './job-spec.js';
import { formatPath } from './problems.js';
import { validateJob } from './schema.js';

const BASE = { name: 'job', source: { type: 'stdin' }, windows: [{ name: 'w', tumbling: '1m' }] };
const SOURCE = { type: 'kafka', brokers: ['localhost:9092'], topic: 'click_event', groupId: 'tally-clicks' };

function specOf(overrides: Record<string, unknown>): JobSpec {
  const result = validateJob({ ...BASE, ...overrides });
  if (!result.ok) throw new Error(result.problems.map((p) => `${formatPath(p.path)}: ${p.message}`).join('\n'));
  return result.spec;
}

function problemsOf(overrides: Record<string, unknown>): string[] {
  const result = validateJob({ ...BASE, ...overrides });
  if (result.ok) throw new Error(`expected problems, got ${JSON.stringify(result.spec)}`);
  return result.problems.map((p) => `${formatPath(p.path)}: ${p.message}`);
}

describe('kafka source', () => {
  it('fills in the defaults', () => {
    expect(specOf({ source: SOURCE }).source).toEqual({
      ...SOURCE,
      startFrom: 'earliest',
      stopAtEnd: false,
      format: 'json',
      commitIntervalMs: 5_000,
      sessionTimeoutMs: 30_000,
      heartbeatIntervalMs: 3_000,
      clientId: 'tally',
    });
  });

  it('reads every key', () => {
    const source = { ...SOURCE, startFrom: 'latest', stopAt: 'end', format: 'json', commitInterval: '2s', sessionTimeout: '10s', heartbeatInterval: '1s', clientId: 'c' };
    expect(specOf({ source }).source).toMatchObject({ startFrom: 'latest', stopAtEnd: true, commitIntervalMs: 2_000, sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1_000, clientId: 'c' });
  });

  it('keeps the heartbeat a third of a short session timeout by default', () => {
    expect(specOf({ source: { ...SOURCE, sessionTimeout: '4500ms' } }).source).toMatchObject({ heartbeatIntervalMs: 1_500 });
  });

  it('names each mistake', () => {
    expect(problemsOf({ source: { type: 'kafka' } })).toEqual([
      'source.brokers: missing; expected a list of broker addresses, e.g. [localhost:9092]',
      'source.topic: missing; expected a topic name',
      'source.groupId: missing; expected a consumer group id',
    ]);
    expect(problemsOf({ source: { ...SOURCE, brokers: [] } })).toEqual(['source.brokers: must list at least one broker, e.g. [localhost:9092]']);
    expect(problemsOf({ source: { ...SOURCE, brokers: ['localhost'] } })).toEqual([
      'source.brokers[0]: "localhost" is not a broker address: write host:port, e.g. localhost:9092',
    ]);
    expect(problemsOf({ source: { ...SOURCE, topic: 'a topic' } })).toEqual([
      `source.topic: "a topic" is not a valid topic name: use letters, digits, '.', '_' and '-' (at most 249 characters)`,
    ]);
    expect(problemsOf({ source: { ...SOURCE, startFrom: 'begining' } })[0]).toContain("unknown start position 'begining'");
    expect(problemsOf({ source: { ...SOURCE, stopAt: 'later' } })[0]).toContain("unknown stop position 'later'");
    expect(problemsOf({ source: { ...SOURCE, format: 'avro' } })[0]).toContain("unknown message format 'avro'");
    expect(problemsOf({ source: { ...SOURCE, sessionTimeout: '5s', heartbeatInterval: '5s' } })).toEqual([
      'source.heartbeatInterval: heartbeatInterval must be shorter than sessionTimeout (a third of it is usual)',
    ]);
    expect(problemsOf({ source: { ...SOURCE, groupid: 'x' } })[0]).toContain("groupid");
  });
});

describe('kafka sink and side outputs', () => {
  it('reads a sink with its defaults', () => {
    expect(specOf({ sink: { type: 'kafka', brokers: ['b1:9092', 'b2:9092'], topic: 'click_counts' } }).sink).toEqual({
      type: 'kafka',
      brokers: ['b1:9092', 'b2:9092'],
      topic: 'click_counts',
      batchSize: 2_000,
      clientId: 'tally',
    });
  });

  it('reads a dead-letter and a late topic', () => {
    const spec = specOf({
      deadLetter: { type: 'kafka', brokers: ['localhost:9092'], topic: 'clicks_bad' },
      lateOutput: { type: 'kafka', brokers: ['localhost:9092'], topic: 'clicks_late' },
    });
    expect(spec.deadLetter).toEqual({ type: 'kafka', brokers: ['localhost:9092'], topic: 'clicks_bad', clientId: 'tally' });
    expect(spec.lateOutput).toMatchObject({ type: 'kafka', topic: 'clicks_late' });
  });

  it('names a missing topic', () => {
    expect(problemsOf({ sink: { type: 'kafka', brokers: ['localhost:9092'] } })).toEqual(['sink.topic: missing; expected a topic name']);
  });
});
