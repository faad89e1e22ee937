import { describe, expect, it } from 'vitest';
import type { WindowSpec } from '../core/windows/window-spec.js';
import type { JobSpec } from './job-spec.js';
import { formatPath } from './problems.js';
import { JOB_LIMITS, validateJob } from './schema.js';

const BASE = { name: 'job', source: { type: 'stdin' }, windows: [{ name: 'w', tumbling: '1m' }] };
const DAY_MS = 86_400_000;

/** The JobSpec of BASE with `overrides`; fails the test with the problems when it is invalid. */
function specOf(overrides: Record<string, unknown>): JobSpec {
  const result = validateJob({ ...BASE, ...overrides });
  if (!result.ok) throw new Error(`unexpected problems:\n${result.problems.map((p) => `${formatPath(p.path)}: ${p.message}`).join('\n')}`);
  return result.spec;
}

/** The problems of BASE with `overrides`, as `path: message`. */
function problemsOf(overrides: Record<string, unknown>): string[] {
  const result = validateJob({ ...BASE, ...overrides });
  if (result.ok) throw new Error(`expected problems, got ${JSON.stringify(result.spec)}`);
  return result.problems.map((problem) => `${formatPath(problem.path)}: ${problem.message}`);
}

function windowOf(window: Record<string, unknown>): WindowSpec {
  return specOf({ windows: [window] }).windows[0] as WindowSpec;
}

function windowProblems(window: Record<string, unknown>): string[] {
  return problemsOf({ windows: [window] });
}

describe('jobSchema defaults', () => {
  it('fills in every default of a minimal job', () => {
    expect(specOf({})).toEqual({
      name: 'job',
      source: { type: 'stdin' },
      keyBy: [],
      filter: null,
      windows: [{ kind: 'tumbling', name: 'w', sizeMs: 60_000, offsetMs: 0 }],
      aggregations: [{ fn: 'count', field: null }],
      time: { maxOutOfOrdernessMs: 5_000, allowedLatenessMs: 0, idleTimeoutMs: 30_000 },
      emit: 'final',
      sink: { type: 'stdout' },
      deadLetter: { type: 'stderr' },
      lateOutput: { type: 'stderr' },
      maxRecordBytes: 1_048_576,
      updateIntervalMs: 1_000,
      checkpoint: null,
      history: null,
      api: { host: '127.0.0.1', port: 8080, token: null, openControl: false, requireTokenForReads: false, streamBuffer: 100_000 },
    });
  });

  it('names name, source and windows when they are missing', () => {
    const result = validateJob({});
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => `${formatPath(p.path)}: ${p.message}`)).toEqual([
      'name: missing; expected a job name',
      'source: missing; expected a source: { type: file, path: <file> }, { type: stdin }, { type: generator, … } or { type: kafka, … }',
      'windows: missing; expected a list of windows, e.g. [{ name: per_minute, tumbling: 1m }]',
    ]);
  });

  it('rejects a job that is not a mapping', () => {
    const result = validateJob(['name']);
    expect(result.ok || result.problems.map((p) => p.message)).toEqual([
      'expected a job: a mapping with name, source, windows and the optional keys keyBy, filter, aggregations, time, emit, sink, deadLetter, lateOutput, maxRecordBytes, checkpoint, history, api, found a list',
    ]);
  });
});

describe('unknown keys', () => {
  it('suggests a known key within edit distance 2', () => {
    expect(problemsOf({ windos: [] })).toEqual(["windos: unknown key 'windos' — did you mean 'windows'?"]);
    expect(problemsOf({ time: { allowedLatness: '1m' } })).toEqual([
      "time.allowedLatness: unknown key 'allowedLatness' — did you mean 'allowedLateness'?",
    ]);
    expect(problemsOf({ KeyBy: [] })).toEqual(["KeyBy: unknown key 'KeyBy' — did you mean 'keyBy'?"]);
    expect(problemsOf({ key_by: [] })).toEqual(["key_by: unknown key 'key_by' — did you mean 'keyBy'?"]);
  });

  it('lists the known keys when none is near', () => {
    expect(problemsOf({ colour: 'blue' })).toEqual([
      "colour: unknown key 'colour' (known keys: name, source, keyBy, filter, windows, aggregations, time, emit, sink, deadLetter, lateOutput, maxRecordBytes, checkpoint, history, api)",
    ]);
  });

  it('reports unknown keys at every depth, one problem per key', () => {
    expect(
      problemsOf({
        source: { type: 'file', path: 'a', pth: 'b' },
        windows: [{ name: 'w', sliding: { size: '1h', slid: '1m', slide: '1m' } }],
        aggregations: [{ fn: 'count', feild: 'x' }],
        emit: { mode: 'update', intervall: '1s' },
        sink: { type: 'stdout', paths: 'x' },
      }),
    ).toEqual([
      "source.pth: unknown key 'pth' — did you mean 'path'?",
      "windows[0].sliding.slid: unknown key 'slid' — did you mean 'slide'?",
      "aggregations[0].feild: unknown key 'feild' — did you mean 'field'?",
      "emit.intervall: unknown key 'intervall' — did you mean 'interval'?",
      "sink.paths: unknown key 'paths' (known keys: type)",
    ]);
  });

  it('suggests a window kind for a misspelt one', () => {
    expect(windowProblems({ name: 'w', tumblng: '1m' })).toContain("windows[0].tumblng: unknown key 'tumblng' — did you mean 'tumbling'?");
  });
});

describe('name', () => {
  it.each(['clicks-per-user', '9lives', 'a.b_c-d', 'x'.repeat(100)])('accepts %s', (name) => {
    expect(specOf({ name }).name).toBe(name);
  });

  it.each(['', '-x', '.x', 'a b', 'päge', 'x'.repeat(101)])('rejects %j', (name) => {
    const [problem] = problemsOf({ name });
    expect(problem).toMatch(/^name: ".*" is not a valid job name: start with a letter or digit, then letters, digits, '_', '\.' or '-' \(at most 100 characters\)$/);
  });

  it('asks for a string', () => {
    expect(problemsOf({ name: 2026 })).toEqual(['name: expected a job name, found the number 2026']);
  });
});

describe('source', () => {
  it('reads a file source', () => {
    expect(specOf({ source: { type: 'file', path: 'events.ndjson' } }).source).toEqual({ type: 'file', path: 'events.ndjson' });
  });

  it('needs a non-empty path for a file source', () => {
    expect(problemsOf({ source: { type: 'file' } })).toEqual(['source.path: missing; expected a file path']);
    expect(problemsOf({ source: { type: 'file', path: ' ' } })).toEqual(['source.path: must not be empty; expected a file path']);
  });

  it('names a missing or unknown type', () => {
    expect(problemsOf({ source: {} })).toEqual(['source.type: missing; expected the source type: one of file, stdin, generator, kafka']);
    expect(problemsOf({ source: { type: 'fil', path: 'x' } })).toEqual([
      "source.type: unknown source type 'fil' — did you mean 'file'? (one of: file, stdin, generator, kafka)",
    ]);
    expect(problemsOf({ source: 'events.ndjson' })).toEqual([
      'source: expected a source: { type: file, path: <file> }, { type: stdin }, { type: generator, … } or { type: kafka, … }, found the string "events.ndjson"',
    ]);
  });

  it('fills in the generator defaults', () => {
    expect(specOf({ source: { type: 'generator' } }).source).toEqual({
      type: 'generator',
      eventsPerSecond: 1_000,
      users: 1_000,
      pages: 100,
      seed: 1,
      maxEvents: null,
      startTimeMs: null,
      realtime: false,
    });
  });

  it('reads every generator setting, with startTime as ISO-8601 or epoch ms', () => {
    const generator = {
      type: 'generator',
      eventsPerSecond: 2000,
      users: 10_000,
      pages: 200,
      seed: 7,
      maxEvents: 100_000,
      startTime: '2026-11-23T00:00:00Z',
      realtime: true,
    };
    expect(specOf({ source: generator }).source).toEqual({ ...generator, startTime: undefined, startTimeMs: Date.UTC(2026, 10, 23) });
    expect(specOf({ source: { type: 'generator', startTime: 1_700_000_000_000, maxEvents: null } }).source).toMatchObject({
      startTimeMs: 1_700_000_000_000,
      maxEvents: null,
    });
  });

  it('rejects a start time that is not a timestamp', () => {
    expect(problemsOf({ source: { type: 'generator', startTime: '2026-11-23 00:00' } })).toEqual([
      `source.startTime: "2026-11-23 00:00" is not a start time: use epoch milliseconds (0 to 8.64e15) or ISO-8601 text with a zone, e.g. '2026-11-23T00:00:00Z'`,
    ]);
  });

  it.each([
    ['eventsPerSecond', 0, 'must be a whole number from 1 to 10,000,000, found 0'],
    ['eventsPerSecond', 10_000_001, 'must be a whole number from 1 to 10,000,000, found 10,000,001'],
    ['eventsPerSecond', 1.5, 'must be a whole number from 1 to 10,000,000, found 1.5'],
    ['users', 0, 'must be a whole number from 1 to 10,000,000, found 0'],
    ['users', 10_000_001, 'must be a whole number from 1 to 10,000,000, found 10,000,001'],
    ['pages', -1, 'must be a whole number from 1 to 1,000,000, found -1'],
    ['pages', 1_000_001, 'must be a whole number from 1 to 1,000,000, found 1,000,001'],
    ['maxEvents', 0, 'must be a whole number from 1 to 9,007,199,254,740,991, found 0'],
    ['seed', -1, 'must be a whole number from 0 to 9,007,199,254,740,991, found -1'],
    ['users', '10', 'expected a whole number from 1 to 10,000,000, found the string "10"'],
    ['realtime', 'yes', 'expected true or false, found the string "yes"'],
  ])('checks generator %s = %j', (key, value, message) => {
    expect(problemsOf({ source: { type: 'generator', [key]: value } })).toEqual([`source.${key}: ${message}`]);
  });

  it('accepts the generator limits themselves', () => {
    const limits = { type: 'generator', eventsPerSecond: 10_000_000, users: 10_000_000, pages: 1_000_000, seed: 0 };
    expect(specOf({ source: limits }).source).toMatchObject(limits);
  });
});

describe('keyBy', () => {
  it('takes one field name or a list, and defaults to one global group', () => {
    expect(specOf({ keyBy: 'user_id' }).keyBy).toEqual(['user_id']);
    expect(specOf({ keyBy: ['user_id', 'page'] }).keyBy).toEqual(['user_id', 'page']);
    expect(specOf({}).keyBy).toEqual([]);
  });

  it('needs non-empty, unique field names', () => {
    expect(problemsOf({ keyBy: ['user_id', '', 'user_id', 3] })).toEqual(['keyBy[3]: expected a field name, found the number 3']);
    expect(problemsOf({ keyBy: ['user_id', '', 'user_id'] })).toEqual([
      'keyBy[1]: a key field name must not be empty',
      "keyBy[2]: key field 'user_id' is listed twice",
    ]);
    expect(problemsOf({ keyBy: '' })).toEqual(['keyBy: a key field name must not be empty']);
    expect(problemsOf({ keyBy: { field: 'x' } })).toEqual(['keyBy: expected a field name or a list of field names, found a mapping']);
  });
});

describe('filter', () => {
  it('keeps a filter that compiles, and null keeps every event', () => {
    const filter = "page != '/health' and action in ('click', 'tap')";
    expect(specOf({ filter }).filter).toBe(filter);
    expect(specOf({ filter: null }).filter).toBeNull();
  });

  it('reports a syntax error under the path filter, on one line', () => {
    const problems = problemsOf({ filter: 'page ==' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^filter: .*column 8/);
    expect(problems[0]).not.toContain('\n');
  });

  it('reports an unusable regex under the path filter', () => {
    const problems = problemsOf({ filter: "page matches '(a'" });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^filter: .*regex/);
    expect(problems[0]).not.toContain('\n');
  });

  it('rejects an empty filter', () => {
    expect(problemsOf({ filter: '  ' })).toEqual(['filter: the filter is empty; leave the key out to keep every event']);
  });
});

describe('windows', () => {
  it('needs at least one window, in a list', () => {
    expect(problemsOf({ windows: [] })).toEqual(['windows: a job needs at least one window, e.g. [{ name: per_minute, tumbling: 1m }]']);
    expect(problemsOf({ windows: { name: 'w', tumbling: '1m' } })).toEqual([
      'windows: expected a list of windows, e.g. [{ name: per_minute, tumbling: 1m }], found a mapping',
    ]);
  });

  it('needs unique names, even when another window is invalid', () => {
    expect(
      problemsOf({
        windows: [
          { name: 'a', tumbling: '1m' },
          { name: 'b', tumbling: '0s' },
          { name: 'a', session: { gap: '5m' } },
          { name: 'b', tumbling: '1h' },
        ],
      }),
    ).toEqual([
      'windows[1].tumbling: size must be greater than 0',
      "windows[2].name: window name 'a' is already used by windows[0]; names must be unique",
      "windows[3].name: window name 'b' is already used by windows[1]; names must be unique",
    ]);
  });

  it.each(['per_minute', '_x', 'A1', 'x'.repeat(64)])('accepts the window name %s', (name) => {
    expect(windowOf({ name, tumbling: '1m' }).name).toBe(name);
  });

  it.each(['1m', 'per-minute', 'per minute', '', 'x'.repeat(65)])('rejects the window name %j', (name) => {
    expect(windowProblems({ name, tumbling: '1m' })[0]).toMatch(
      /^windows\[0\]\.name: ".*" is not a valid window name: start with a letter or _, then letters, digits or _ \(at most 64 characters\)$/,
    );
  });

  it('needs exactly one kind', () => {
    expect(windowProblems({ name: 'w' })).toEqual([
      "windows[0]: window 'w' needs a kind: one of tumbling, sliding, calendar, session, count, global (e.g. tumbling: 1m)",
    ]);
    expect(windowProblems({ name: 'w', tumbling: '1m', sliding: { size: '1h', slide: '1m' } })).toEqual([
      "windows[0]: window 'w' has tumbling and sliding; a window has exactly one kind",
    ]);
    expect(windowProblems({ name: 'w', tumbling: '1m', session: { gap: '1m' }, global: true })).toEqual([
      "windows[0]: window 'w' has tumbling, session and global; a window has exactly one kind",
    ]);
  });

  it('allows offset only on tumbling and sliding windows', () => {
    expect(windowProblems({ name: 'w', session: { gap: '1m' }, offset: '1s' })).toEqual([
      'windows[0].offset: offset applies only to tumbling and sliding windows, not to session windows',
    ]);
    expect(windowProblems({ name: 'w', calendar: { unit: 'day' }, offset: '1h' })).toEqual([
      'windows[0].offset: offset applies only to tumbling and sliding windows, not to calendar windows',
    ]);
  });
});

describe('durations', () => {
  it.each([
    ['90000ms', 90_000],
    ['5s', 5_000],
    ['1m', 60_000],
    ['1h', 3_600_000],
    ['1d', DAY_MS],
    ['1w', 7 * DAY_MS],
    ['1h30m', 5_400_000],
    [90_000, 90_000],
    ['90000', 90_000],
  ])('reads %j as %d ms', (text, ms) => {
    expect(windowOf({ name: 'w', tumbling: text })).toMatchObject({ sizeMs: ms });
  });

  it.each(['1.5s', '5 minutes', '1x', '', '-5s'])('rejects the duration %j', (text) => {
    expect(windowProblems({ name: 'w', tumbling: text })).toEqual([
      `windows[0].tumbling: ${JSON.stringify(text)} is not a duration: write a whole number with a unit (ms, s, m, h, d, w), e.g. 90000ms, 5s, 1h30m, or a whole number of milliseconds`,
    ]);
  });

  it('rejects negative or fractional milliseconds and other types', () => {
    expect(windowProblems({ name: 'w', tumbling: -5 })[0]).toMatch(/^windows\[0\]\.tumbling: -5 is not a duration/);
    expect(windowProblems({ name: 'w', tumbling: 1.5 })[0]).toMatch(/^windows\[0\]\.tumbling: 1\.5 is not a duration/);
    expect(windowProblems({ name: 'w', tumbling: true })).toEqual([
      'windows[0].tumbling: expected a duration such as 500ms, 5s, 1m, 1h30m or 1d, or a whole number of milliseconds, found the boolean true',
    ]);
  });
});

describe('tumbling windows', () => {
  it('needs a size above 0 and at most 366 days', () => {
    expect(windowProblems({ name: 'w', tumbling: '0s' })).toEqual(['windows[0].tumbling: size must be greater than 0']);
    expect(windowProblems({ name: 'w', tumbling: '367d' })).toEqual(['windows[0].tumbling: size (367d) must be at most 366d']);
    expect(windowOf({ name: 'w', tumbling: '366d' })).toMatchObject({ sizeMs: JOB_LIMITS.maxWindowSizeMs });
  });

  // offset 75m on 1h windows:  ... [00:15, 01:15) [01:15, 02:15) ...  = offset 15m
  it('normalises the offset to 0 ≤ offset < size', () => {
    expect(windowOf({ name: 'w', tumbling: '1h', offset: '15m' })).toEqual({ kind: 'tumbling', name: 'w', sizeMs: 3_600_000, offsetMs: 900_000 });
    expect(windowOf({ name: 'w', tumbling: '1h', offset: '75m' })).toMatchObject({ offsetMs: 900_000 });
    expect(windowOf({ name: 'w', tumbling: '1h', offset: '1h' })).toMatchObject({ offsetMs: 0 });
  });
});

describe('sliding windows', () => {
  it('reads size, slide and offset', () => {
    expect(windowOf({ name: 'w', sliding: { size: '1h', slide: '1m' }, offset: '0s' })).toEqual({
      kind: 'sliding',
      name: 'w',
      sizeMs: 3_600_000,
      slideMs: 60_000,
      offsetMs: 0,
    });
  });

  it('needs a size above 0 and at most 366 days', () => {
    expect(windowProblems({ name: 'w', sliding: { size: '0s', slide: '1s' } })).toEqual(['windows[0].sliding.size: size must be greater than 0']);
    expect(windowProblems({ name: 'w', sliding: { size: '367d', slide: '1d' } })).toEqual([
      'windows[0].sliding.size: size (367d) must be at most 366d',
    ]);
  });

  it('needs a slide above 0 and at most the size', () => {
    expect(windowProblems({ name: 'w', sliding: { size: '1h', slide: '0s' } })).toEqual(['windows[0].sliding.slide: slide must be greater than 0']);
    expect(windowProblems({ name: 'w', sliding: { size: '1h', slide: '2h' } })).toEqual([
      'windows[0].sliding.slide: slide (2h) must not exceed size (1h): a slide longer than the size leaves gaps between windows',
    ]);
    expect(windowOf({ name: 'w', sliding: { size: '1h', slide: '1h' } })).toMatchObject({ slideMs: 3_600_000 });
  });

  it('allows at most 10,000 windows per event', () => {
    expect(windowOf({ name: 'w', sliding: { size: 10_000, slide: 1 } })).toMatchObject({ sizeMs: 10_000, slideMs: 1 });
    expect(windowProblems({ name: 'w', sliding: { size: 10_001, slide: 1 } })).toEqual([
      'windows[0].sliding: size 10s1ms with slide 1ms puts each event in up to 10,001 windows; at most 10,000 are allowed (use a longer slide)',
    ]);
    expect(windowProblems({ name: 'w', sliding: { size: '1h', slide: '1ms' } })).toEqual([
      'windows[0].sliding: size 1h with slide 1ms puts each event in up to 3,600,000 windows; at most 10,000 are allowed (use a longer slide)',
    ]);
  });

  it('normalises the offset to 0 ≤ offset < slide', () => {
    expect(windowOf({ name: 'w', sliding: { size: '1h', slide: '10m' }, offset: '25m' })).toMatchObject({ offsetMs: 300_000 });
  });
});

describe('calendar windows', () => {
  it.each(['day', 'week', 'month'])('reads the unit %s, in UTC by default', (unit) => {
    expect(windowOf({ name: 'w', calendar: { unit } })).toEqual({ kind: 'calendar', name: 'w', unit, timeZone: 'UTC' });
  });

  it('reads an IANA time zone', () => {
    expect(windowOf({ name: 'w', calendar: { unit: 'day', timeZone: 'Asia/Shanghai' } })).toMatchObject({ timeZone: 'Asia/Shanghai' });
  });

  it('names an unknown time zone and suggests a near one', () => {
    expect(windowProblems({ name: 'w', calendar: { unit: 'day', timeZone: 'Asia/Shangai' } })).toEqual([
      "windows[0].calendar.timeZone: unknown time zone 'Asia/Shangai' — did you mean 'Asia/Shanghai'? (use an IANA name such as UTC, Europe/Berlin or Asia/Shanghai)",
    ]);
    expect(windowProblems({ name: 'w', calendar: { unit: 'day', timeZone: 'Mars/Olympus_Mons' } })[0]).toMatch(
      /^windows\[0\]\.calendar\.timeZone: unknown time zone 'Mars\/Olympus_Mons'/,
    );
  });

  it('names an unknown unit', () => {
    expect(windowProblems({ name: 'w', calendar: { unit: 'days' } })).toEqual([
      "windows[0].calendar.unit: unknown calendar unit 'days' — did you mean 'day'? (one of: day, week, month)",
    ]);
    expect(windowProblems({ name: 'w', calendar: { unit: 'year' } })).toEqual([
      "windows[0].calendar.unit: unknown calendar unit 'year' (one of: day, week, month)",
    ]);
    expect(windowProblems({ name: 'w', calendar: {} })).toEqual([
      'windows[0].calendar.unit: missing; expected a calendar unit: one of day, week, month',
    ]);
  });
});

describe('session windows', () => {
  it('needs a gap above 0 and at most 366 days', () => {
    expect(windowOf({ name: 'w', session: { gap: '30m' } })).toEqual({ kind: 'session', name: 'w', gapMs: 1_800_000 });
    expect(windowProblems({ name: 'w', session: { gap: '0s' } })).toEqual(['windows[0].session.gap: gap must be greater than 0']);
    expect(windowProblems({ name: 'w', session: { gap: '400d' } })).toEqual(['windows[0].session.gap: gap (400d) must be at most 366d']);
    expect(windowProblems({ name: 'w', session: {} })).toEqual([
      'windows[0].session.gap: missing; expected a duration such as 500ms, 5s, 1m, 1h30m or 1d, or a whole number of milliseconds',
    ]);
  });
});

describe('count windows', () => {
  it('reads size and slide; slide defaults to size', () => {
    expect(windowOf({ name: 'w', count: { size: 100, slide: 10 } })).toEqual({ kind: 'count', name: 'w', size: 100, slide: 10 });
    expect(windowOf({ name: 'w', count: { size: 100 } })).toEqual({ kind: 'count', name: 'w', size: 100, slide: 100 });
  });

  it.each([0, 1_000_001, 1.5])('rejects the size %d', (size) => {
    expect(windowProblems({ name: 'w', count: { size } })).toEqual([
      `windows[0].count.size: size must be a whole number of records from 1 to 1,000,000, found ${size.toLocaleString('en-US')}`,
    ]);
  });

  it('needs a slide from 1 to the size', () => {
    expect(windowProblems({ name: 'w', count: { size: 10, slide: 0 } })).toEqual([
      'windows[0].count.slide: slide must be a whole number of records from 1 to size (10), found 0',
    ]);
    expect(windowProblems({ name: 'w', count: { size: 10, slide: 20 } })).toEqual([
      'windows[0].count.slide: slide must be a whole number of records from 1 to size (10), found 20: a slide longer than the size leaves records out of every window',
    ]);
  });

  it('allows size / gcd(size, slide) up to 10,000', () => {
    expect(windowOf({ name: 'w', count: { size: 1_000_000, slide: 100 } })).toMatchObject({ size: 1_000_000 });
    expect(windowOf({ name: 'w', count: { size: 10_000, slide: 1 } })).toMatchObject({ size: 10_000 });
    expect(windowProblems({ name: 'w', count: { size: 10_001, slide: 10_000 } })).toEqual([
      'windows[0].count: size 10,001 with slide 10,000 gives size / gcd(size, slide) = 10,001; at most 10,000 is allowed (choose a slide that divides the size, or shares a larger factor with it)',
    ]);
  });

  it('asks for numbers', () => {
    expect(windowProblems({ name: 'w', count: { size: '10' } })).toEqual(['windows[0].count.size: expected a whole number of records, found the string "10"']);
  });
});

describe('global windows', () => {
  it('reports every minute by default', () => {
    expect(windowOf({ name: 'w', global: true })).toEqual({ kind: 'global', name: 'w', everyMs: 60_000 });
    expect(windowOf({ name: 'w', global: {} })).toEqual({ kind: 'global', name: 'w', everyMs: 60_000 });
    expect(windowOf({ name: 'w', global: { every: '10s' } })).toEqual({ kind: 'global', name: 'w', everyMs: 10_000 });
  });

  it('needs every ≥ 1s', () => {
    expect(windowProblems({ name: 'w', global: { every: '999ms' } })).toEqual(['windows[0].global.every: every (999ms) must be at least 1s']);
    expect(windowOf({ name: 'w', global: { every: '1s' } })).toMatchObject({ everyMs: 1_000 });
  });

  it('accepts only true or a mapping', () => {
    expect(windowProblems({ name: 'w', global: false })).toEqual([
      'windows[0].global: expected true or { every: <duration> }, found the boolean false',
    ]);
    expect(windowProblems({ name: 'w', global: { evry: '1s' } })).toEqual(["windows[0].global.evry: unknown key 'evry' — did you mean 'every'?"]);
  });
});

describe('aggregations', () => {
  it('defaults to count', () => {
    expect(specOf({}).aggregations).toEqual([{ fn: 'count', field: null }]);
  });

  it('reads every function, as text or as { fn, field }', () => {
    expect(
      specOf({
        aggregations: ['count', 'count(value)', 'sum(value)', 'mean(value)', 'min(value)', 'max(value)', 'variance(value)', ' stdev ( value ) ', { fn: 'sum', field: 'price' }, { fn: 'count', field: 'price' }],
      }).aggregations,
    ).toEqual([
      { fn: 'count', field: null },
      { fn: 'count', field: 'value' },
      { fn: 'sum', field: 'value' },
      { fn: 'mean', field: 'value' },
      { fn: 'min', field: 'value' },
      { fn: 'max', field: 'value' },
      { fn: 'variance', field: 'value' },
      { fn: 'stdev', field: 'value' },
      { fn: 'sum', field: 'price' },
      { fn: 'count', field: 'price' },
    ]);
    expect(specOf({ aggregations: [{ fn: 'count' }] }).aggregations).toEqual([{ fn: 'count', field: null }]);
  });

  it('names an unknown function and lists the known ones', () => {
    expect(problemsOf({ aggregations: ['median(value)'] })).toEqual([
      "aggregations[0]: unknown aggregation function 'median' — did you mean 'mean'? (known: count, sum, mean, min, max, variance, stdev)",
    ]);
    expect(problemsOf({ aggregations: ['p99(value)'] })).toEqual([
      "aggregations[0]: unknown aggregation function 'p99' (known: count, sum, mean, min, max, variance, stdev)",
    ]);
    expect(problemsOf({ aggregations: ['avg(value)', 'stddev(value)', 'Sum(value)'] })).toEqual([
      "aggregations[0]: unknown aggregation function 'avg' — did you mean 'mean'? (known: count, sum, mean, min, max, variance, stdev)",
      "aggregations[1]: unknown aggregation function 'stddev' — did you mean 'stdev'? (known: count, sum, mean, min, max, variance, stdev)",
      "aggregations[2]: unknown aggregation function 'Sum' — did you mean 'sum'? (known: count, sum, mean, min, max, variance, stdev)",
    ]);
    expect(problemsOf({ aggregations: [{ fn: 'median', field: 'x' }] })).toEqual([
      "aggregations[0].fn: unknown aggregation function 'median' — did you mean 'mean'? (one of: count, sum, mean, min, max, variance, stdev)",
    ]);
  });

  it('needs a field for every function but count', () => {
    expect(problemsOf({ aggregations: ['sum', { fn: 'mean' }] })).toEqual([
      'aggregations[0]: sum needs a field, e.g. sum(value)',
      'aggregations[1]: mean needs a field, e.g. mean(value)',
    ]);
  });

  it('rejects malformed spellings', () => {
    expect(problemsOf({ aggregations: ['sum(value', 'sum()', 'count()', 'sum(a, b)', 5, { fn: 'sum', field: '' }] })).toEqual([
      'aggregations[0]: "sum(value" is not an aggregation: write fn or fn(field), e.g. count, sum(value)',
      'aggregations[1]: the field of sum must not be empty',
      'aggregations[2]: the field of count must not be empty; write count to count events',
      'aggregations[3]: sum takes one field, found "a, b"',
      'aggregations[4]: expected an aggregation such as count, count(value), sum(value) or { fn: sum, field: value }, found the number 5',
      'aggregations[5].field: the field of sum must not be empty',
    ]);
  });

  it('rejects two aggregations with the same result field', () => {
    expect(problemsOf({ aggregations: ['count', 'sum(value)', { fn: 'count' }, { fn: 'sum', field: 'value' }, 'median(x)'] })).toEqual([
      "aggregations[4]: unknown aggregation function 'median' — did you mean 'mean'? (known: count, sum, mean, min, max, variance, stdev)",
      "aggregations[2]: count produces the result field 'count', which aggregations[0] (count) already produces",
      "aggregations[3]: sum(value) produces the result field 'sum_value', which aggregations[1] (sum(value)) already produces",
    ]);
  });

  it('needs a non-empty list', () => {
    expect(problemsOf({ aggregations: [] })).toEqual(['aggregations: a job needs at least one aggregation; leave the key out for [count]']);
    expect(problemsOf({ aggregations: 'count' })).toEqual([
      'aggregations: expected a list of aggregations, e.g. [count, sum(value)], found the string "count"',
    ]);
  });
});

describe('time', () => {
  it('reads maxOutOfOrderness, allowedLateness and idleTimeout', () => {
    expect(specOf({ time: { maxOutOfOrderness: '10s', allowedLateness: '1m', idleTimeout: '1m' } }).time).toEqual({
      maxOutOfOrdernessMs: 10_000,
      allowedLatenessMs: 60_000,
      idleTimeoutMs: 60_000,
    });
    expect(specOf({ time: { allowedLateness: '1m' } }).time).toEqual({ maxOutOfOrdernessMs: 5_000, allowedLatenessMs: 60_000, idleTimeoutMs: 30_000 });
    expect(specOf({ time: { maxOutOfOrderness: 0 } }).time.maxOutOfOrdernessMs).toBe(0);
  });

  it('reads retainSlices (left out when 0) and allows at most 366 days of it', () => {
    expect(specOf({ time: { retainSlices: '2h' } }).time.retainSlicesMs).toBe(7_200_000);
    expect(specOf({ time: { retainSlices: '0s' } }).time).not.toHaveProperty('retainSlicesMs');
    expect(problemsOf({ time: { retainSlices: '367d' } })).toEqual(['time.retainSlices: retainSlices (367d) must be at most 366d']);
  });

  it('allows at most 366 days of out-of-orderness and lateness, and needs an idle timeout above 0', () => {
    expect(specOf({ time: { maxOutOfOrderness: '366d', allowedLateness: '366d' } }).time).toMatchObject({
      maxOutOfOrdernessMs: JOB_LIMITS.maxTimeBoundMs,
      allowedLatenessMs: JOB_LIMITS.maxTimeBoundMs,
    });
    expect(problemsOf({ time: { maxOutOfOrderness: '367d', allowedLateness: '53w', idleTimeout: '0s' } })).toEqual([
      'time.maxOutOfOrderness: maxOutOfOrderness (367d) must be at most 366d',
      'time.allowedLateness: allowedLateness (53w) must be at most 366d',
      'time.idleTimeout: idleTimeout must be greater than 0',
    ]);
  });
});

describe('emit', () => {
  it('reads final, update and { mode, interval }', () => {
    expect(specOf({ emit: 'final' })).toMatchObject({ emit: 'final', updateIntervalMs: 1_000 });
    expect(specOf({ emit: 'update' })).toMatchObject({ emit: 'update', updateIntervalMs: 1_000 });
    expect(specOf({ emit: { mode: 'update', interval: '5s' } })).toMatchObject({ emit: 'update', updateIntervalMs: 5_000 });
    expect(specOf({ emit: { mode: 'update' } })).toMatchObject({ emit: 'update', updateIntervalMs: 1_000 });
    expect(specOf({ emit: { mode: 'final' } })).toMatchObject({ emit: 'final' });
  });

  it('rejects unknown modes, an interval in final mode and a zero interval', () => {
    expect(problemsOf({ emit: 'updates' })).toEqual(["emit: unknown emit mode 'updates' — did you mean 'update'? (one of: final, update)"]);
    expect(problemsOf({ emit: { mode: 'final', interval: '1s' } })).toEqual(['emit.interval: interval applies only to emit mode update']);
    expect(problemsOf({ emit: { mode: 'update', interval: 0 } })).toEqual(['emit.interval: interval must be greater than 0']);
    expect(problemsOf({ emit: { interval: '1s' } })).toEqual(['emit.mode: missing; expected an emit mode: one of final, update']);
  });
});

describe('sink and side outputs', () => {
  it('reads a sink, stdout by default', () => {
    expect(specOf({ sink: { type: 'file', path: 'out/results.ndjson' } }).sink).toEqual({ type: 'file', path: 'out/results.ndjson' });
    expect(specOf({ sink: { type: 'stdout' } }).sink).toEqual({ type: 'stdout' });
    expect(problemsOf({ sink: { type: 'stderr' } })).toEqual(["sink.type: unknown sink type 'stderr' (one of: file, stdout, kafka)"]);
    expect(problemsOf({ sink: 'stdout' })).toEqual([
      'sink: expected a sink: { type: stdout }, { type: file, path: <file> } or { type: kafka, brokers, topic }, found the string "stdout"',
    ]);
  });

  it.each(['deadLetter', 'lateOutput'])('reads %s as a path, stdout, stderr or a mapping; stderr by default', (key) => {
    expect(specOf({})[key as 'deadLetter']).toEqual({ type: 'stderr' });
    expect(specOf({ [key]: 'out/x.ndjson' })[key as 'deadLetter']).toEqual({ type: 'file', path: 'out/x.ndjson' });
    expect(specOf({ [key]: 'stdout' })[key as 'deadLetter']).toEqual({ type: 'stdout' });
    expect(specOf({ [key]: 'stderr' })[key as 'deadLetter']).toEqual({ type: 'stderr' });
    expect(specOf({ [key]: { type: 'file', path: 'stdout' } })[key as 'deadLetter']).toEqual({ type: 'file', path: 'stdout' });
    expect(specOf({ [key]: { type: 'stdout' } })[key as 'deadLetter']).toEqual({ type: 'stdout' });
    expect(problemsOf({ [key]: '' })).toEqual([`${key}: must not be empty; expected a file path, 'stdout', 'stderr', { type: file, path: <file> } or { type: kafka, brokers, topic }`]);
    expect(problemsOf({ [key]: { type: 'stdot' } })).toEqual([`${key}.type: unknown output type 'stdot' — did you mean 'stdout'? (one of: file, stdout, stderr, kafka)`]);
    expect(problemsOf({ [key]: { type: 'file' } })).toEqual([`${key}.path: missing; expected a file path`]);
  });
});

describe('maxRecordBytes', () => {
  it('accepts 1 byte to 64 MiB', () => {
    expect(specOf({ maxRecordBytes: 1 }).maxRecordBytes).toBe(1);
    expect(specOf({ maxRecordBytes: 64 * 1_048_576 }).maxRecordBytes).toBe(JOB_LIMITS.maxRecordBytes);
  });

  it.each([0, 64 * 1_048_576 + 1, 1.5])('rejects %d', (bytes) => {
    expect(problemsOf({ maxRecordBytes: bytes })).toEqual([
      `maxRecordBytes: must be a whole number from 1 to 67,108,864 (64 MiB), found ${bytes.toLocaleString('en-US')}`,
    ]);
  });
});

describe('many problems at once', () => {
  it('reports every problem of the job, not just the first', () => {
    expect(
      problemsOf({
        name: 'bad name',
        windos: 1,
        windows: [{ name: 'a', sliding: { size: '1h', slide: '2h' } }, { name: 'b', calendar: { unit: 'day', timeZone: 'Asia/Shangai' } }],
        aggregations: ['median(value)'],
        maxRecordBytes: 0,
      }),
    ).toHaveLength(6);
  });
});

describe('a window\u2019s own aggregations and filter', () => {
  it('are read in the job file\u2019s syntax and kept on the window only when given', () => {
    expect(windowOf({ name: 'w', tumbling: '1m', aggregations: ['count', 'max(duration_ms)'], filter: "action == 'buy'" })).toEqual({
      kind: 'tumbling',
      name: 'w',
      sizeMs: 60_000,
      offsetMs: 0,
      aggregations: [{ fn: 'count', field: null }, { fn: 'max', field: 'duration_ms' }],
      filter: "action == 'buy'",
    });
    expect(Object.keys(windowOf({ name: 'w', session: { gap: '30m' } }))).toEqual(['kind', 'name', 'gapMs']);
  });

  it('get the same checks as the job\u2019s, with messages naming the window\u2019s field', () => {
    expect(windowProblems({ name: 'w', tumbling: '1m', aggregations: [] })).toEqual([
      "windows[0].aggregations: a window's aggregations need at least one; leave the key out for the job's aggregations",
    ]);
    expect(windowProblems({ name: 'w', tumbling: '1m', aggregations: ['sum(value)', 'summ(value)', { fn: 'sum', field: 'value' }] })).toEqual([
      "windows[0].aggregations[1]: unknown aggregation function 'summ' — did you mean 'sum'? (known: count, sum, mean, min, max, variance, stdev)",
      "windows[0].aggregations[2]: sum(value) produces the result field 'sum_value', which aggregations[0] (sum(value)) already produces",
    ]);
    expect(windowProblems({ name: 'w', tumbling: '1m', filter: '' })).toEqual([
      "windows[0].filter: the window's filter is empty; leave the key out for a window without a filter of its own",
    ]);
    expect(windowProblems({ name: 'w', tumbling: '1m', filter: "page ==" })[0]).toMatch(/^windows\[0\]\.filter: /);
    expect(windowProblems({ name: 'w', tumbling: '1m', filter: 42 })).toEqual([`windows[0].filter: expected a filter expression, e.g. "page != '/health'", found the number 42`]);
  });
});
