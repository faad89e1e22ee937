import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineError } from '../core/errors.js';
import { jsonErrorOffset, parseJobText, readJobFile } from './load-job.js';
import { JobConfigError } from './problems.js';

const EXAMPLE_YAML = `name: clicks-per-user
source: { type: file, path: events.ndjson }
keyBy: [user_id]
filter: "page != '/health' and action in ('click', 'tap')"
windows:
  - { name: per_minute, tumbling: 1m }
  - { name: hourly_q, tumbling: 1h, offset: 15m }
  - { name: last_hour, sliding: { size: 1h, slide: 1m }, offset: 0s }
  - { name: daily_cn, calendar: { unit: day, timeZone: Asia/Shanghai } }
  - { name: weekly, calendar: { unit: week } }
  - { name: sessions, session: { gap: 30m } }
  - { name: last_100, count: { size: 100, slide: 10 } }
  - { name: running, global: true }
aggregations: [count, sum(value), mean(value), min(value), max(value), variance(value), stdev(value)]
time: { maxOutOfOrderness: 5s, allowedLateness: 1m, idleTimeout: 30s }
emit: final
sink: { type: file, path: out/results.ndjson }
deadLetter: out/bad.ndjson
lateOutput: out/late.ndjson
maxRecordBytes: 1048576
`;

/** The CONFIG_INVALID error thrown by `run`. */
function configErrorOf(run: () => unknown): JobConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof JobConfigError) return error;
    throw error;
  }
  throw new Error('expected a JobConfigError');
}

function linesOf(text: string, fileName = 'job.yaml'): string[] {
  return configErrorOf(() => parseJobText(text, fileName)).message.split('\n');
}

describe('parseJobText', () => {
  it('reads the example job file', () => {
    const spec = parseJobText(EXAMPLE_YAML, 'job.yaml');
    expect(spec.name).toBe('clicks-per-user');
    expect(spec.source).toEqual({ type: 'file', path: 'events.ndjson' });
    expect(spec.keyBy).toEqual(['user_id']);
    expect(spec.windows.map((window) => `${window.name}:${window.kind}`)).toEqual([
      'per_minute:tumbling',
      'hourly_q:tumbling',
      'last_hour:sliding',
      'daily_cn:calendar',
      'weekly:calendar',
      'sessions:session',
      'last_100:count',
      'running:global',
    ]);
    expect(spec.aggregations).toHaveLength(7);
    expect(spec.time).toEqual({ maxOutOfOrdernessMs: 5_000, allowedLatenessMs: 60_000, idleTimeoutMs: 30_000 });
    expect(spec.sink).toEqual({ type: 'file', path: 'out/results.ndjson' });
    expect(spec.deadLetter).toEqual({ type: 'file', path: 'out/bad.ndjson' });
    expect(spec.lateOutput).toEqual({ type: 'file', path: 'out/late.ndjson' });
    expect(spec.maxRecordBytes).toBe(1_048_576);
  });

  it('reads the same job from JSON, from YAML holding JSON, and through YAML aliases', () => {
    const json = JSON.stringify({
      name: 'j',
      source: { type: 'stdin' },
      windows: [{ name: 'w', sliding: { size: '1h', slide: '1m' } }],
      aggregations: ['count', { fn: 'sum', field: 'value' }],
    });
    const fromJson = parseJobText(json, 'job.json');
    expect(parseJobText(json, 'job.yaml')).toEqual(fromJson);
    expect(parseJobText(json, 'JOB.JSON')).toEqual(fromJson);
    const yaml = `name: j
source: { type: stdin }
windows:
  - name: w
    sliding: &hourly { size: 1h, slide: 1m }
aggregations: [count, sum(value)]
`;
    expect(parseJobText(yaml, 'job.yml')).toEqual(fromJson);
  });

  it('ignores a byte order mark', () => {
    expect(parseJobText(`\uFEFF${EXAMPLE_YAML}`, 'job.yaml').name).toBe('clicks-per-user');
  });

  it('reports a problem with file:line:column and the field path', () => {
    const text = `name: j
source: { type: stdin }
windows:
  - name: a
    tumbling: 1m
  - name: b
    session: { gap: 5m }
  - name: c
    sliding:
      size: 1h
      slide: 2h
`;
    const error = configErrorOf(() => parseJobText(text, 'job.yaml'));
    expect(error).toBeInstanceOf(EngineError);
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.path).toBe('windows[2].sliding.slide');
    expect(error.message).toBe(
      'job.yaml:11:14 windows[2].sliding.slide: slide (2h) must not exceed size (1h): a slide longer than the size leaves gaps between windows',
    );
  });

  it('points an unknown key at the key, with a suggestion', () => {
    expect(linesOf('name: j\nsource: { type: stdin }\nwindows: [{ name: w, tumbling: 1m }]\ntime:\n  allowedLatness: 1m\n')).toEqual([
      "job.yaml:5:3 time.allowedLatness: unknown key 'allowedLatness' — did you mean 'allowedLateness'?",
    ]);
    expect(linesOf('name: j\nsource: { type: stdin }\nwindos: [{ name: w, tumbling: 1m }]\n')).toEqual([
      'job.yaml:1:1 windows: missing; expected a list of windows, e.g. [{ name: per_minute, tumbling: 1m }]',
      "job.yaml:3:1 windos: unknown key 'windos' — did you mean 'windows'?",
    ]);
  });

  it('points a missing key at the mapping that lacks it', () => {
    expect(linesOf('name: j\nwindows: [{ name: w, tumbling: 1m }]\nsource:\n  path: events.ndjson\n')).toEqual([
      'job.yaml:4:3 source.type: missing; expected the source type: one of file, stdin, generator, kafka',
    ]);
  });

  it('lists every problem, one per line, in file order', () => {
    const text = `name: bad name
source: { type: fil, path: x }
windows:
  - { name: a, tumbling: 0s }
  - { name: b, calendar: { unit: day, timeZone: Asia/Shangai } }
  - { name: a, session: { gap: 5m } }
aggregations: [count, median(value)]
maxRecordBytes: 0
`;
    const error = configErrorOf(() => parseJobText(text, 'jobs/bad.yaml'));
    expect(error.message.split('\n')).toEqual([
      'jobs/bad.yaml:1:7 name: "bad name" is not a valid job name: start with a letter or digit, then letters, digits, \'_\', \'.\' or \'-\' (at most 100 characters)',
      "jobs/bad.yaml:2:17 source.type: unknown source type 'fil' — did you mean 'file'? (one of: file, stdin, generator, kafka)",
      'jobs/bad.yaml:4:26 windows[0].tumbling: size must be greater than 0',
      "jobs/bad.yaml:5:49 windows[1].calendar.timeZone: unknown time zone 'Asia/Shangai' — did you mean 'Asia/Shanghai'? (use an IANA name such as UTC, Europe/Berlin or Asia/Shanghai)",
      "jobs/bad.yaml:6:13 windows[2].name: window name 'a' is already used by windows[0]; names must be unique",
      "jobs/bad.yaml:7:23 aggregations[1]: unknown aggregation function 'median' — did you mean 'mean'? (known: count, sum, mean, min, max, variance, stdev)",
      'jobs/bad.yaml:8:17 maxRecordBytes: must be a whole number from 1 to 67,108,864 (64 MiB), found 0',
    ]);
    expect(error.problems).toHaveLength(7);
    expect(error.path).toBe('name');
  });

  it('reports positions inside a JSON file too', () => {
    const text = '{\n  "name": "j",\n  "source": { "type": "stdin" },\n  "windows": [{ "name": "w", "tumbling": "1q" }]\n}\n';
    expect(linesOf(text, 'job.json')).toEqual([
      'job.json:4:42 windows[0].tumbling: "1q" is not a duration: write a whole number with a unit (ms, s, m, h, d, w), e.g. 90000ms, 5s, 1h30m, or a whole number of milliseconds',
    ]);
  });

  it('reports YAML syntax errors with line and column', () => {
    expect(linesOf('name: j\nsource: { type: stdin\nwindows: []\n')[0]).toMatch(/^job\.yaml:\d+:\d+ YAML syntax error: /);
    expect(linesOf('name: j\nsource: [1, 2\n')[0]).toMatch(/^job\.yaml:\d+:\d+ YAML syntax error: /);
    expect(linesOf('name: j\nname: k\n')).toEqual(['job.yaml:2:1 duplicate key name: each key may appear once in a mapping']);
    expect(linesOf('name: j\n---\nname: k\n')[0]).toMatch(/^job\.yaml:\d+:\d+ YAML syntax error: Source contains multiple documents/);
  });

  it('reads .json files with JSON.parse, so YAML is a JSON syntax error there', () => {
    expect(linesOf('{\n  "name": "j",\n  "windows": [1,]\n}', 'job.json')).toEqual(["job.json:3:17 JSON syntax error: Unexpected token ']'"]);
    expect(linesOf('{"name": "j"', 'job.json')).toEqual([expect.stringMatching(/^job\.json:1:13 JSON syntax error: \S/)]);
    expect(linesOf('name: j\n', 'job.json')).toEqual(["job.json:1:2 JSON syntax error: Unexpected token 'a'"]);
    expect(linesOf('{"name": "j", "name": "k"}', 'job.json')).toEqual(['job.json:1:15 duplicate key "name": each key may appear once in a mapping']);
  });

  it('says so when the file is empty or holds no mapping', () => {
    expect(linesOf('', 'job.yaml')).toEqual(['job.yaml:1:1 the file is empty; a job needs at least name, source and windows']);
    expect(linesOf(' \n', 'job.json')).toEqual(['job.json:1:1 the file is empty; a job needs at least name, source and windows']);
    expect(linesOf('# only a comment\n')).toEqual([
      'job.yaml expected a job: a mapping with name, source, windows and the optional keys keyBy, filter, aggregations, time, emit, sink, deadLetter, lateOutput, maxRecordBytes, checkpoint, history, api, found null (an empty value)',
    ]);
    expect(linesOf('- name: j\n')[0]).toMatch(/^job\.yaml:1:1 expected a job: .*found a list$/);
  });

  it('refuses a YAML alias bomb', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 8; i++) lines.push(`${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}]`);
    expect(linesOf(`${lines.join('\n')}\n`)[0]).toMatch(/^job\.yaml YAML: /);
  });
});

describe('jsonErrorOffset', () => {
  it.each([
    ['{"a": 1,}', 8],
    ['{"a" 1}', 5],
    ['[1, 2', 5],
    ['{"a": tru}', 9],
    ['{"a": "\\x"}', 8],
    ['{"a": 01}', 7],
    ['{"a": 1} x', 9],
    ['"a\nb"', 2],
    ['{"a": -}', 7],
    ['{"a": "\\u12G4"}', 11],
  ])('finds the error in %j at offset %d', (text, offset) => {
    expect(() => JSON.parse(text)).toThrow();
    expect(jsonErrorOffset(text)).toBe(offset);
  });

  it('finds nothing in valid JSON', () => {
    expect(jsonErrorOffset('{"a": [1, -2.5e3, true, false, null, "x\\u00e9\\n"]}')).toBeNull();
  });
});

describe('readJobFile', () => {
  let directory = '';

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'tally-job-'));
  });

  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('reads and validates a file, naming it in messages', async () => {
    const path = join(directory, 'job.yaml');
    await writeFile(path, EXAMPLE_YAML);
    expect((await readJobFile(path)).name).toBe('clicks-per-user');
    const bad = join(directory, 'bad.json');
    await writeFile(bad, '{"name": "j", "source": {"type": "stdin"}, "windows": []}');
    await expect(readJobFile(bad)).rejects.toThrow(`${bad}:1:55 windows: a job needs at least one window`);
  });

  it('reports a missing file as CONFIG_INVALID', async () => {
    const path = join(directory, 'missing.yaml');
    await expect(readJobFile(path)).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining(`${path}: cannot read the job file`) });
  });
});

describe('outputs', () => {
  it('refuses two outputs that write the same file, naming the field and its line', () => {
    const text = 'name: x\nsource: { type: stdin }\nwindows: [{ name: w, tumbling: 1m }]\nsink: { type: file, path: out/r.ndjson }\ndeadLetter: ./out/r.ndjson\n';
    expect(() => parseJobText(text, 'job.yaml')).toThrow(/job\.yaml:5:\d+ deadLetter: writes to \.\/out\/r\.ndjson, which sink writes too/);
  });
});
