import { describe, expect, it } from 'vitest';
import { defineJob, type JobInput } from './define-job.js';
import { parseJobText } from './load-job.js';
import { JobConfigError } from './problems.js';

describe('defineJob', () => {
  it('returns the JobSpec with defaults filled in', () => {
    const spec = defineJob({
      name: 'clicks-per-user',
      source: { type: 'file', path: 'events.ndjson' },
      keyBy: 'user_id',
      windows: [
        { name: 'per_minute', tumbling: '1m' },
        { name: 'last_hour', sliding: { size: '1h', slide: '1m' }, offset: 0 },
        { name: 'daily', calendar: { unit: 'day', timeZone: 'Europe/Berlin' } },
        { name: 'running', global: { every: '10s' } },
      ],
      aggregations: ['count', 'sum(value)', { fn: 'mean', field: 'value' }],
      emit: { mode: 'update', interval: '2s' },
    });
    expect(spec).toMatchObject({
      name: 'clicks-per-user',
      keyBy: ['user_id'],
      windows: [
        { kind: 'tumbling', name: 'per_minute', sizeMs: 60_000, offsetMs: 0 },
        { kind: 'sliding', name: 'last_hour', sizeMs: 3_600_000, slideMs: 60_000, offsetMs: 0 },
        { kind: 'calendar', name: 'daily', unit: 'day', timeZone: 'Europe/Berlin' },
        { kind: 'global', name: 'running', everyMs: 10_000 },
      ],
      aggregations: [
        { fn: 'count', field: null },
        { fn: 'sum', field: 'value' },
        { fn: 'mean', field: 'value' },
      ],
      emit: 'update',
      updateIntervalMs: 2_000,
      sink: { type: 'stdout' },
      deadLetter: { type: 'stderr' },
    });
  });

  it('gives the same JobSpec as the equivalent job file', () => {
    const input: JobInput = {
      name: 'j',
      source: { type: 'generator', users: 10, startTime: '2026-11-23T00:00:00Z' },
      windows: [{ name: 'sessions', session: { gap: '30m' } }, { name: 'last_100', count: { size: 100, slide: 10 } }],
      time: { allowedLateness: '1m' },
      deadLetter: 'out/bad.ndjson',
    };
    const yaml = `name: j
source: { type: generator, users: 10, startTime: '2026-11-23T00:00:00Z' }
windows:
  - { name: sessions, session: { gap: 30m } }
  - { name: last_100, count: { size: 100, slide: 10 } }
time: { allowedLateness: 1m }
deadLetter: out/bad.ndjson
`;
    expect(defineJob(input)).toEqual(parseJobText(yaml, 'job.yaml'));
  });

  it('throws CONFIG_INVALID listing every problem with its path, without line numbers', () => {
    let error: unknown;
    try {
      defineJob({
        name: 'j',
        source: { type: 'stdin' },
        windows: [
          { name: 'a', sliding: { size: '1h', slide: '2h' } },
          { name: 'b', calendar: { unit: 'day', timeZone: 'Asia/Shangai' } },
        ],
        aggregations: ['median(value)'],
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(JobConfigError);
    const configError = error as JobConfigError;
    expect(configError.code).toBe('CONFIG_INVALID');
    expect(configError.path).toBe('windows[0].sliding.slide');
    expect(configError.message.split('\n')).toEqual([
      'windows[0].sliding.slide: slide (2h) must not exceed size (1h): a slide longer than the size leaves gaps between windows',
      "windows[1].calendar.timeZone: unknown time zone 'Asia/Shangai' — did you mean 'Asia/Shanghai'? (use an IANA name such as UTC, Europe/Berlin or Asia/Shanghai)",
      "aggregations[0]: unknown aggregation function 'median' — did you mean 'mean'? (known: count, sum, mean, min, max, variance, stdev)",
    ]);
    expect(configError.problems.map((problem) => problem.path)).toEqual([
      ['windows', 0, 'sliding', 'slide'],
      ['windows', 1, 'calendar', 'timeZone'],
      ['aggregations', 0],
    ]);
  });

  it('checks at run time what the types already forbid, for callers without TypeScript', () => {
    const untyped = { name: 'j', source: { type: 'stdin' }, windows: [{ name: 'w', tumbling: '1m', session: { gap: '1m' } }], windos: [] };
    expect(() => defineJob(untyped as unknown as JobInput)).toThrow(
      "windows[0]: window 'w' has tumbling and session; a window has exactly one kind\nwindos: unknown key 'windos' — did you mean 'windows'?",
    );
  });

  it('types a window as a name and exactly one kind', () => {
    const base = { name: 'j', source: { type: 'stdin' as const } };
    // Compile-time checks: each line below is a type error, and the schema rejects it too.
    // @ts-expect-error two kinds in one window
    expect(() => defineJob({ ...base, windows: [{ name: 'w', tumbling: '1m', session: { gap: '1m' } }] })).toThrow(JobConfigError);
    // @ts-expect-error offset on a session window
    expect(() => defineJob({ ...base, windows: [{ name: 'w', session: { gap: '1m' }, offset: '1s' }] })).toThrow(JobConfigError);
    // @ts-expect-error unknown calendar unit
    expect(() => defineJob({ ...base, windows: [{ name: 'w', calendar: { unit: 'year' } }] })).toThrow(JobConfigError);
    // @ts-expect-error unknown key
    expect(() => defineJob({ ...base, windows: [{ name: 'w', tumbling: '1m' }], windos: [] })).toThrow(JobConfigError);
    // @ts-expect-error a window needs a kind
    expect(() => defineJob({ ...base, windows: [{ name: 'w' }] })).toThrow(JobConfigError);
  });
});
