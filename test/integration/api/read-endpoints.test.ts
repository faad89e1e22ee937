// The read endpoints of the REST API against a real job on loopback: health, status, metrics, windows,
// results pages, live windows and top keys, each compared with what the job itself emits and keeps.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WindowResult } from '../../../src/core/emit/outputs.js';
import { ResultFormatter } from '../../../src/core/emit/format-result.js';
import { healthAnswer, livePage, readyAnswer, resultsPage, statusAnswer, topPage, windowsList } from '../../../src/service/api/schemas.js';
import { call, click, MINUTE, startJob, T0, until, type RunningJob } from './api-support.js';

/** The sink's NDJSON text of a result, parsed: what every API answer must show for it. */
function asJson(result: WindowResult): Record<string, unknown> {
  return JSON.parse(new ResultFormatter(false).format(result)) as Record<string, unknown>;
}

describe('read endpoints', () => {
  let job: RunningJob;
  /** Users 1..12 click in minutes 0 to 3; user u clicks u times a minute, with value u (distinct counts: top has no ties). */
  const lines: string[] = [];
  beforeAll(async () => {
    job = await startJob({ job: { windows: [{ name: 'per_minute', tumbling: '1m' }, { name: 'sessions', session: { gap: '10m' } }] } });
    for (let minute = 0; minute < 4; minute++) {
      for (let user = 1; user <= 12; user++) {
        for (let i = 0; i < user; i++) lines.push(click(user, minute * MINUTE + 1_000 + i * 100, user));
      }
    }
    job.send(lines);
    await job.processed(lines.length);
    // Minutes 0, 1 and 2 have closed (the watermark is in minute 3); sessions are still open.
    await until(() => job.results.items.filter((r) => r.window === 'per_minute').length === 36, 'three minutes of results');
  });
  afterAll(async () => {
    await job.finish();
  });

  it('answers the probes', async () => {
    const health = await call(job.url, 'GET', '/healthz');
    expect(health.status).toBe(200);
    expect(healthAnswer.parse(health.json)).toEqual({ status: 'ok', state: 'running' });
    const ready = await call(job.url, 'GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(readyAnswer.parse(ready.json)).toEqual({ ready: true, reasons: [] });
  });

  it('shows the status: counts, watermark, positions, rates', async () => {
    const status = await call(job.url, 'GET', '/status');
    expect(status.status).toBe(200);
    const body = statusAnswer.parse(status.json);
    expect(body).toMatchObject({ name: 'api-test', state: 'running', paused: false, definitionVersion: 0, filter: null, changes: [] });
    expect(body.counts.records).toBe(lines.length);
    expect(body.counts.events).toBe(lines.length);
    expect(body.counts.results).toBe(job.results.items.length);
    expect(body.watermarkMs).toBe(T0 + 3 * MINUTE + 1_000 + 1_100);
    expect(body.source.partitions).toEqual([{ partition: 0, position: expect.any(Number), lag: null, unit: 'bytes' }]);
    expect(body.rates.recordsIn.m1).toBeGreaterThan(0);
    expect(body.readiness.ready).toBe(true);
  });

  it('exports the same figures as Prometheus text, with the latency histogram and process metrics', async () => {
    const metrics = await call(job.url, 'GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const value = (line: string): number => {
      const found = metrics.text.split('\n').find((l) => l.startsWith(line));
      if (found === undefined) throw new Error(`no metric ${line}`);
      return Number(found.slice(found.lastIndexOf(' ') + 1));
    };
    expect(value('tally_records_total{')).toBe(lines.length);
    expect(value('tally_results_total{')).toBe(job.results.items.length);
    expect(value('tally_watermark_seconds{')).toBe((T0 + 3 * MINUTE + 2_100) / 1000);
    expect(value('tally_job_state{state="running"')).toBe(1);
    expect(value('tally_processing_latency_seconds_count{')).toBeGreaterThan(0);
    expect(value('tally_processing_latency_seconds_bucket{le="+Inf"')).toBe(value('tally_processing_latency_seconds_count{'));
    expect(metrics.text).toContain('# TYPE tally_processing_latency_seconds histogram');
    expect(metrics.text).toContain('# TYPE tally_records_total counter');
    expect(metrics.text).toMatch(/^process_cpu_user_seconds_total\{tally_job="api-test"\} /m);
    expect(metrics.text).toMatch(/^nodejs_eventloop_lag_seconds\{/m);
    // No checkpoint store: no checkpoint figures rather than zeros.
    expect(metrics.text).not.toMatch(/^tally_last_checkpoint/m);
  });

  it('lists the window definitions', async () => {
    const windows = await call(job.url, 'GET', '/windows');
    expect(windows.status).toBe(200);
    expect(windowsList.parse(windows.json).windows).toEqual([
      { name: 'per_minute', kind: 'tumbling', spec: { kind: 'tumbling', name: 'per_minute', sizeMs: 60_000, offsetMs: 0 }, outputs: ['count', 'sum_value'], version: 0, exactFromMs: null },
      { name: 'sessions', kind: 'session', spec: { kind: 'session', name: 'sessions', gapMs: 600_000 }, outputs: ['count', 'sum_value'], version: 0, exactFromMs: null },
    ]);
  });

  it('pages through the results with the cursor: every emitted result once, newest first, as the sink writes it', async () => {
    const seen: Record<string, unknown>[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await call(job.url, 'GET', `/windows/per_minute/results?limit=7${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`);
      expect(page.status).toBe(200);
      const body = resultsPage.parse(page.json);
      expect(body.results.length).toBeLessThanOrEqual(7);
      seen.push(...body.results);
      cursor = body.nextCursor;
      pages++;
    } while (cursor !== null);
    expect(pages).toBe(Math.ceil(36 / 7));
    const expected = job.results.items.filter((r) => r.window === 'per_minute').map(asJson);
    expect(seen).toHaveLength(expected.length);
    expect(new Set(seen.map((r) => JSON.stringify(r)))).toEqual(new Set(expected.map((r) => JSON.stringify(r))));
    const starts = seen.map((r) => r.start as number);
    expect(starts).toEqual([...starts].sort((a, b) => b - a));
  });

  it('filters by key (a number, or a quoted string) and by time, oldest first when asked', async () => {
    const user5 = await call(job.url, 'GET', `/windows/per_minute/results?key.user_id=5&order=oldest`);
    expect(user5.status).toBe(200);
    expect(user5.json.results.map((r: { start: number; count: number; key: unknown }) => [r.start - T0, r.count, r.key])).toEqual([
      [0, 5, { user_id: 5 }],
      [MINUTE, 5, { user_id: 5 }],
      [2 * MINUTE, 5, { user_id: 5 }],
    ]);
    // "5" is another key than 5: no user has the string id.
    const quoted = await call(job.url, 'GET', `/windows/per_minute/results?key.user_id=${encodeURIComponent('"5"')}`);
    expect(quoted.json.results).toEqual([]);
    const iso = new Date(T0 + MINUTE).toISOString();
    const ranged = await call(job.url, 'GET', `/windows/per_minute/results?from=${encodeURIComponent(iso)}&to=${T0 + 2 * MINUTE}&limit=1000`);
    expect(ranged.json.results).toHaveLength(12);
    expect(new Set(ranged.json.results.map((r: { start: number }) => r.start))).toEqual(new Set([T0 + MINUTE]));
  });

  it('answers live windows that equal the results the job emits later for them', async () => {
    const live = await call(job.url, 'GET', '/windows/per_minute/live?key.user_id=7');
    expect(live.status).toBe(200);
    const body = livePage.parse(live.json);
    expect(body.live).toEqual([
      { window: 'per_minute', start: T0 + 3 * MINUTE, end: T0 + 4 * MINUTE, start_iso: '2026-11-23T00:03:00.000Z', end_iso: '2026-11-23T00:04:00.000Z', key: { user_id: 7 }, count: 7, sum_value: 49 },
    ]);
    const allKeys = await call(job.url, 'GET', '/windows/per_minute/live?limit=5');
    expect(allKeys.json.live).toHaveLength(5);
    const sessions = await call(job.url, 'GET', '/windows/sessions/live?key.user_id=2');
    expect(sessions.json.live).toMatchObject([{ start: T0 + 1_000, count: 8, sum_value: 16 }]);

    // A click in minute 5 closes minute 3: its result must be what live showed.
    job.send([click(99, 5 * MINUTE, 1)]);
    await until(() => job.results.items.some((r) => r.window === 'per_minute' && r.start === T0 + 3 * MINUTE && r.key.key.user_id === 7), 'minute 3 closed');
    const emitted = job.results.items.find((r) => r.window === 'per_minute' && r.start === T0 + 3 * MINUTE && r.key.key.user_id === 7) as WindowResult;
    expect(asJson(emitted)).toEqual(body.live[0]);
  });

  it('ranks the top keys of the newest instance, or of the one holding `at`, as the history does', async () => {
    const top = await call(job.url, 'GET', '/windows/per_minute/top?by=sum_value&n=3');
    expect(top.status).toBe(200);
    const body = topPage.parse(top.json);
    const newest = job.history?.query({ window: 'per_minute', order: 'newest', limit: 1 }).results[0];
    expect(body.start).toBe(newest?.start);
    // Users clicked u times with value u: sum u², largest first.
    expect(body.results.map((r) => [r.key, r.sum_value])).toEqual([
      [{ user_id: 12 }, 144],
      [{ user_id: 11 }, 121],
      [{ user_id: 10 }, 100],
    ]);
    const stored = job.history?.top({ window: 'per_minute', start: body.start as number, by: 'sum_value', n: 3 }) ?? [];
    expect(body.results.map((r) => r.key)).toEqual(stored.map((r) => r.key));

    const at = await call(job.url, 'GET', `/windows/per_minute/top?at=${encodeURIComponent(new Date(T0 + MINUTE + 30_000).toISOString())}`);
    expect(at.json.start).toBe(T0 + MINUTE);
    expect(at.json.by).toBe('count');
    expect(at.json.results).toHaveLength(10);
    expect(at.json.results.map((r: { count: number }) => r.count)).toEqual([12, 11, 10, 9, 8, 7, 6, 5, 4, 3]);
    const before = await call(job.url, 'GET', `/windows/per_minute/top?at=${T0 - 1}`);
    expect(before.json).toEqual({ window: 'per_minute', by: 'count', start: null, end: null, results: [] });
  });

  it('says 404 for an unknown window or route', async () => {
    for (const path of ['/windows/nope/results', '/windows/nope/live', '/windows/nope/top', '/windows/nope/stream']) {
      const answer = await call(job.url, 'GET', path);
      expect(answer.status).toBe(404);
      expect(answer.json.error).toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('no window named "nope"') });
    }
    const route = await call(job.url, 'GET', '/jobs');
    expect(route.status).toBe(404);
    expect(route.json).toEqual({ error: { code: 'NOT_FOUND', message: 'no route GET /jobs (see /docs or /openapi.json)' } });
  });
});

describe('a job without a results history', () => {
  it('answers results and top with 409, and live from the engine', async () => {
    const job = await startJob({ history: false });
    try {
      job.send([click(1, 1_000)]);
      await job.processed(1);
      for (const path of ['/windows/per_minute/results', '/windows/per_minute/top']) {
        const answer = await call(job.url, 'GET', path);
        expect(answer.status).toBe(409);
        expect(answer.json.error.code).toBe('CONFLICT');
        expect(answer.json.error.message).toContain('history: true');
      }
      expect((await call(job.url, 'GET', '/windows/per_minute/live')).json.live).toHaveLength(1);
    } finally {
      await job.finish();
    }
  });
});
