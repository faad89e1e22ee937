// `tally run` end to end: a generated click file through the built command, checked against the reference model.

import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ClickGenerator } from '../../src/adapters/sources/click-generator.js';
import { parseEventLine } from '../../src/core/event/parse-event-line.js';
import { compileFilter } from '../../src/core/filter/index.js';
import { parseJobText } from '../../src/config/load-job.js';
import { referenceRun, type ReferenceEvent } from '../reference/reference-model.js';
import { readNdjson, runTally, tempDir, writeText } from './cli-support.js';

const JOB = `
name: cli-e2e
source: { type: file, path: events.ndjson }
keyBy: [user_id]
filter: "page != '/health' and action in ('click', 'tap', 'view')"
windows:
  - { name: per_minute, tumbling: 1m }
  - { name: hourly_q, tumbling: 1h, offset: 15m }
  - { name: last_10m, sliding: { size: 10m, slide: 2m } }
  - { name: daily_ny, calendar: { unit: day, timeZone: America/New_York } }
  - { name: sessions, session: { gap: 5m } }
  - { name: last_20, count: { size: 20, slide: 5 } }
  - { name: running, global: { every: 10m } }
aggregations: [count, sum(value), mean(value), min(value), max(value), variance(value), stdev(value)]
time: { maxOutOfOrderness: 2s, allowedLateness: 1s }
emit: final
sink: { type: file, path: out/results.ndjson }
deadLetter: out/bad.ndjson
lateOutput: out/late.ndjson
`;

const AGGREGATE_FIELDS = ['count', 'sum_value', 'mean_value', 'min_value', 'max_value', 'variance_value', 'stdev_value'];

function lines(count: number): string[] {
  // Out of order by up to 6 s against a 2 s bound: some events are late.
  const g = new ClickGenerator({ eventsPerSecond: 5, users: 40, pages: 30, seed: 11, startTimeMs: Date.UTC(2026, 2, 7, 20), maxDelayMs: 6000, outOfOrderFraction: 0.05, malformedFraction: 0.01 });
  return Array.from({ length: count }, () => g.next());
}

function close(a: unknown, b: unknown): boolean {
  if (a === null || b === null) return a === b;
  const x = a as number;
  const y = b as number;
  return Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(x), Math.abs(y));
}

describe('tally run', () => {
  let dir: string;
  let input: string[];
  beforeAll(() => {
    dir = tempDir();
    input = lines(6000);
    // A blank line and a few hand-made bad records among the generated ones.
    input.splice(10, 0, '', 'not json', '{"user_id":1,"page":"/","timestamp":"2026-03-07T20:00:00"}');
    writeText(dir, 'events.ndjson', `${input.join('\n')}\n`);
    writeText(dir, 'job.yaml', JOB);
  });

  it('writes the results of the reference model, record for record, plus every bad and late record', async () => {
    const run = await runTally(['run', 'job.yaml', '--log-level', 'warn'], { cwd: dir });
    expect(run.stderr).toContain('finished');
    expect(run.code).toBe(0);

    const job = parseJobText(JOB, 'job.yaml');
    const events: ReferenceEvent[] = [];
    const badLines: number[] = [];
    input.forEach((line, i) => {
      if (line.trim() === '') return;
      const parsed = parseEventLine(line);
      if (parsed.kind === 'event') events.push(parsed);
      else badLines.push(i + 1);
    });
    const filter = compileFilter(job.filter as string).test;
    const expected = referenceRun(job, events, { filter });

    const actual = readNdjson(join(dir, 'out/results.ndjson'));
    expect(actual.length).toBe(expected.results.length);
    // Count windows of one key may share start and end (out-of-order events): match each row to
    // an unused reference result with the same identity and the same values.
    const keyOf = (w: unknown, s: unknown, e: unknown, k: string): string => `${String(w)}|${String(s)}|${String(e)}|${k}`;
    const byKey = new Map<string, (typeof expected.results)[number][]>();
    for (const r of expected.results) {
      const k = keyOf(r.window, r.start, r.end, r.keyJson);
      byKey.set(k, [...(byKey.get(k) ?? []), r]);
    }
    for (const row of actual) {
      const candidates = byKey.get(keyOf(row.window, row.start, row.end, JSON.stringify(row.key))) ?? [];
      const at = candidates.findIndex((ref) => AGGREGATE_FIELDS.every((name, i) => close(row[name], ref.values[i] ?? null)));
      expect(at, `no reference result equals ${JSON.stringify(row)}`).toBeGreaterThanOrEqual(0);
      candidates.splice(at, 1);
      expect(row.start_iso).toBe(new Date(row.start as number).toISOString());
    }

    const bad = readNdjson(join(dir, 'out/bad.ndjson'));
    expect(bad.map((b) => (b.position as { line: number }).line)).toEqual(badLines);
    expect(bad.every((b) => typeof b.reason === 'string' && typeof b.raw === 'string')).toBe(true);
    expect(bad.find((b) => b.raw === 'not json')?.reason).toBe('NOT_JSON');

    const late = readNdjson(join(dir, 'out/late.ndjson'));
    expect(late.length).toBe(expected.late.length);
    expect(late.length).toBeGreaterThan(0);
    expect(late.map((l) => l.windows)).toEqual(expected.late.map((l) => l.windows));
  });

  it('reads stdin with --source stdin and writes to stdout with --sink stdout, with the same results as from the file', async () => {
    const fromFile = readNdjson(join(dir, 'out/results.ndjson'));
    const run = await runTally(['run', 'job.yaml', '--source', 'stdin', '--sink', 'stdout', '--log-level', 'warn'], { cwd: dir, stdin: `${input.join('\n')}\n` });
    expect(run.code).toBe(0);
    const fromStdin = run.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as unknown);
    expect(fromStdin).toEqual(fromFile);
  });

  it('stops cleanly, exit 0, when the reader of its standard output goes away', async () => {
    const { spawn } = await import('node:child_process');
    const { BIN } = await import('./cli-support.js');
    const child = spawn(process.execPath, [BIN, 'run', 'job.yaml', '--sink', 'stdout', '--log-level', 'warn', '--api', 'off'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(code).toBe(0);
    expect(stderr).toContain('EPIPE');
    expect(stderr).toContain('stopped');
  });

  it('stops on SIGINT while reading an open stdin, exit 0', async () => {
    const { spawn } = await import('node:child_process');
    const { BIN } = await import('./cli-support.js');
    const child = spawn(process.execPath, [BIN, 'run', 'job.yaml', '--source', 'stdin', '--sink', 'stdout', '--log-level', 'info', '--api', 'off'], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    // The signal once the job runs (a loaded machine can take over a second to start it).
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (d.includes('"msg":"job started"')) setTimeout(() => child.kill('SIGINT'), 300);
    });
    child.stdin.write(`${input.slice(0, 50).join('\n')}\n`);
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(stderr).toContain('stopped');
    expect(code).toBe(0);
  });

  it('stops a never-ending job on SIGTERM, exits 0 and says it stopped', async () => {
    writeText(dir, 'endless.yaml', `
name: endless
source: { type: generator, eventsPerSecond: 500, realtime: true, seed: 3 }
windows: [{ name: per_second, tumbling: 1s }]
time: { maxOutOfOrderness: 0s }
sink: { type: file, path: out/endless.ndjson }
deadLetter: out/endless-bad.ndjson
`);
    // The signal 2.5 s after the job started (not after the spawn: a loaded machine can take seconds
    // to start Node), so that a few 1 s windows have closed.
    let signalled = false;
    const run = await runTally(['run', 'endless.yaml', '--log-level', 'info'], {
      cwd: dir,
      onStderr: (stderr, pid) => {
        if (signalled || !stderr.includes('"msg":"job started"')) return;
        signalled = true;
        setTimeout(() => process.kill(pid, 'SIGTERM'), 2_500);
      },
    });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('endless stopped');
    expect(readNdjson(join(dir, 'out/endless.ndjson')).length).toBeGreaterThan(0);
  });
});

describe('tally validate', () => {
  it('prints what a valid job means', async () => {
    const dir = tempDir();
    writeText(dir, 'job.yaml', JOB);
    const run = await runTally(['validate', 'job.yaml'], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('last_10m');
    expect(run.stdout).toContain('America/New_York');
  });

  it('names every mistake with its line, column and field, and exits 2', async () => {
    const dir = tempDir();
    writeText(dir, 'bad.yaml', 'name: x\nsource: { type: stdin }\nwindows:\n  - { name: w, sliding: { size: 1h, slide: 2h } }\naggregations: [median(value)]\n');
    const run = await runTally(['validate', 'bad.yaml'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/bad\.yaml:4:\d+ windows\[0\]\.sliding\.slide/);
    expect(run.stderr).toMatch(/bad\.yaml:5:\d+ aggregations\[0\]/);
  });

  it('exits 2 with a usage message for an unknown command', async () => {
    const run = await runTally(['frobnicate'], { cwd: tempDir() });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unknown command');
  });
});

describe('tally generate', () => {
  it('writes the requested number of seeded lines, the same for the same seed', async () => {
    const dir = tempDir();
    const a = await runTally(['generate', '--events', '500', '--seed', '9'], { cwd: dir });
    const b = await runTally(['generate', '--events', '500', '--seed', '9'], { cwd: dir });
    const c = await runTally(['generate', '--events', '500', '--seed', '10'], { cwd: dir });
    expect(a.code).toBe(0);
    expect(a.stdout.split('\n').filter((l) => l !== '').length).toBe(500);
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout).not.toBe(c.stdout);
  });

  it('refuses a malformed option with exit code 2', async () => {
    const run = await runTally(['generate', '--events', 'many'], { cwd: tempDir() });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--events');
  });
});
