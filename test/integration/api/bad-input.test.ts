// Bad input against the real server: every problem is a 400 (413, 415) with a JSON error naming it,
// nothing a client sends stops the job, and no answer ever shows a stack trace.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorResponse } from '../../../src/service/api/schemas.js';
import { call, click, MINUTE, startJob, TOKEN, type Answer, type RunningJob } from './api-support.js';

function expectError(answer: Answer, status: number, code: string, path?: string, message?: RegExp): void {
  expect(answer.status, answer.text).toBe(status);
  expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
  const body = errorResponse.parse(answer.json);
  expect(body.error.code).toBe(code);
  if (path !== undefined) expect(body.error.path).toBe(path);
  if (message !== undefined) expect(body.error.message).toMatch(message);
  expect(answer.text).not.toMatch(/\n\s+at |node_modules|\.ts:\d+|\.js:\d+/);
}

describe('bad input', () => {
  let job: RunningJob;
  beforeAll(async () => {
    job = await startJob();
    job.send([click(1, 1_000), click(2, 2_000), click(1, MINUTE + 1_000)]);
    await job.processed(3);
  });
  afterAll(async () => {
    await job.finish();
  });

  it('refuses unknown query parameters and key fields, naming them', async () => {
    expectError(await call(job.url, 'GET', '/windows/per_minute/results?limt=5'), 400, 'BAD_REQUEST', 'limt', /unknown query parameter 'limt' — did you mean 'limit'\?/);
    expectError(await call(job.url, 'GET', '/windows/per_minute/live?key.page=%2F'), 400, 'BAD_REQUEST', 'key.page', /unknown key field 'page' \(the job groups by user_id\)/);
    expectError(await call(job.url, 'GET', '/status?verbose=1'), 400, 'BAD_REQUEST', 'verbose', /unknown query parameter 'verbose'.*takes none/);
    expectError(await call(job.url, 'GET', '/windows/per_minute/top?key.user_id=1'), 400, 'BAD_REQUEST', 'key.user_id');
  });

  it('refuses absurd and malformed values', async () => {
    const base = '/windows/per_minute';
    expectError(await call(job.url, 'GET', `${base}/results?limit=1000000000`), 400, 'BAD_REQUEST', 'limit', /must be a whole number from 1 to 1000, found "1000000000"/);
    expectError(await call(job.url, 'GET', `${base}/results?limit=0`), 400, 'BAD_REQUEST', 'limit');
    expectError(await call(job.url, 'GET', `${base}/results?limit=-5`), 400, 'BAD_REQUEST', 'limit');
    expectError(await call(job.url, 'GET', `${base}/results?limit=1e3`), 400, 'BAD_REQUEST', 'limit');
    expectError(await call(job.url, 'GET', `${base}/results?limit=5&limit=6`), 400, 'BAD_REQUEST', 'limit', /given more than once/);
    expectError(await call(job.url, 'GET', `${base}/top?n=1001`), 400, 'BAD_REQUEST', 'n');
    expectError(await call(job.url, 'GET', `${base}/top?by=median`), 400, 'BAD_REQUEST', 'by', /unknown output 'median'/);
    expectError(await call(job.url, 'GET', `${base}/results?order=random`), 400, 'BAD_REQUEST', 'order', /newest or oldest/);
    expectError(await call(job.url, 'GET', `${base}/results?from=yesterday`), 400, 'BAD_REQUEST', 'from', /is not a time/);
    expectError(await call(job.url, 'GET', `${base}/results?from=2026-11-23T10:00:00`), 400, 'BAD_REQUEST', 'from', /ISO-8601 with a zone/);
    expectError(await call(job.url, 'GET', `${base}/results?from=99999999999999999`), 400, 'BAD_REQUEST', 'from');
    expectError(await call(job.url, 'GET', `${base}/results?from=2000&to=1000`), 400, 'BAD_REQUEST', 'from', /before to/);
    expectError(await call(job.url, 'GET', `${base}/results?cursor=not-a-cursor`), 400, 'BAD_REQUEST', 'cursor');
    expectError(await call(job.url, 'GET', `${base}/results?cursor=${'x'.repeat(600)}`), 400, 'BAD_REQUEST', 'cursor');
    expectError(await call(job.url, 'GET', `${base}/live?key.user_id=123456789012345678901`), 400, 'BAD_REQUEST', 'key.user_id', /beyond 2\^53/);
    expectError(await call(job.url, 'GET', `${base}/live?key.user_id=1e999`), 400, 'BAD_REQUEST', 'key.user_id');
    expectError(await call(job.url, 'GET', `${base}/live?key.user_id=${encodeURIComponent('"bad \\q escape"')}`), 400, 'BAD_REQUEST', 'key.user_id', /not a valid JSON string/);
    expectError(await call(job.url, 'GET', `${base}/stream`, { headers: { 'last-event-id': '42' } }), 400, 'BAD_REQUEST', 'Last-Event-ID', /<run>-<sequence>/);
  });

  it('refuses request bodies that are too large, not JSON, or of the wrong shape', async () => {
    const auth = { token: TOKEN };
    const huge = { name: 'w2', tumbling: '1m', padding: 'x'.repeat(70 * 1024) };
    expectError(await call(job.url, 'POST', '/windows', { ...auth, body: huge }), 413, 'PAYLOAD_TOO_LARGE');
    expectError(await call(job.url, 'POST', '/windows', { ...auth, body: '{"name": "w2", ' }), 400, 'BAD_REQUEST', undefined, /not valid JSON/);
    expectError(await call(job.url, 'POST', '/windows', { ...auth, body: 'name=w2', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expectError(await call(job.url, 'POST', '/windows', { ...auth, body: '[1,2]' }), 400, 'BAD_REQUEST');
    expectError(await call(job.url, 'POST', '/windows', { ...auth, body: { name: 'w2', tumbling: '1m', colour: 'red' } }), 400, 'BAD_REQUEST', 'colour', /unknown key 'colour'/);
    expectError(await call(job.url, 'POST', '/windows', { ...auth, body: { name: 'w2', tumbling: true } }), 400, 'BAD_REQUEST', 'tumbling', /expected a duration/);
    expectError(await call(job.url, 'POST', '/windows', { ...auth, body: '{"name":"w2","tumbling":"1m","__proto__":{"x":1}}' }), 400, 'BAD_REQUEST');
    expectError(await call(job.url, 'PUT', '/filter', { ...auth, body: { filter: 42 } }), 400, 'BAD_REQUEST', 'filter');
    expectError(await call(job.url, 'PUT', '/filter', { ...auth, body: { expression: 'x' } }), 400, 'BAD_REQUEST', 'filter', /filter: missing.*; expression: unknown field 'expression'/);
    expectError(await call(job.url, 'PATCH', '/windows/per_minute', { ...auth, body: { sliding: { size: '1h', slid: '1m' } } }), 400, 'BAD_REQUEST', 'sliding.slid');
  });

  it('refuses absurd window definitions and filters, naming the field', async () => {
    const auth = { token: TOKEN };
    expectError(await call(job.url, 'POST', '/windows', { ...auth, body: { name: 'zero', tumbling: '0s' } }), 400, 'CONFIG_INVALID_WINDOW', 'tumbling', /greater than 0/);
    expectError(await call(job.url, 'POST', '/windows', { ...auth, body: { name: 'gappy', sliding: { size: '1m', slide: '5m' } } }), 400, 'CONFIG_INVALID_WINDOW', 'sliding.slide', /must not exceed size/);
    expectError(await call(job.url, 'POST', '/windows', { ...auth, body: { name: 'decade', sliding: { size: '3650d', slide: '1ms' } } }), 400, 'CONFIG_INVALID_WINDOW', 'sliding.size', /at most 366d/);
    expectError(await call(job.url, 'POST', '/windows', { ...auth, body: { name: 'many', sliding: { size: '1d', slide: '1ms' } } }), 400, 'CONFIG_INVALID_WINDOW', 'sliding', /use a longer slide/);
    expectError(await call(job.url, 'POST', '/windows', { ...auth, body: { name: 'two', tumbling: '1m', session: { gap: '1m' } } }), 400, 'CONFIG_INVALID_WINDOW', undefined, /exactly one kind/);
    expectError(await call(job.url, 'POST', '/windows', { ...auth, body: { name: 'per_minute', tumbling: '5m' } }), 409, 'CONFLICT', undefined, /exists already/);
    expectError(await call(job.url, 'PATCH', '/windows/per_minute', { ...auth, body: { tumbling: '0s' } }), 400, 'CONFIG_INVALID_WINDOW', 'tumbling');
    expectError(await call(job.url, 'PATCH', '/windows/nope', { ...auth, body: { tumbling: '5m' } }), 404, 'NOT_FOUND');
    expectError(await call(job.url, 'DELETE', '/windows/per_minute', auth), 409, 'CONFLICT', undefined, /only window/);
    expectError(await call(job.url, 'PUT', '/filter', { ...auth, body: { filter: "page matches '(a+)+$' and" } }), 400, 'FILTER_SYNTAX', 'filter');
    expectError(await call(job.url, 'PUT', '/filter', { ...auth, body: { filter: "page matches '(?<=a)b'" } }), 400, 'FILTER_UNSAFE_REGEX', 'filter');
    expectError(await call(job.url, 'PUT', '/filter', { ...auth, body: { filter: 'x'.repeat(5000) } }), 400, 'BAD_REQUEST', 'filter', /longer than 4096/);
  });

  it('goes on computing after all of it: the job neither stopped nor changed', async () => {
    job.send([click(3, 2 * MINUTE + 1_000)]);
    await job.processed(4);
    const status = await call(job.url, 'GET', '/status');
    expect(status.json).toMatchObject({ state: 'running', definitionVersion: 0, filter: null });
    expect((await call(job.url, 'GET', '/windows')).json.windows.map((w: { name: string }) => w.name)).toEqual(['per_minute']);
  });
});

describe('internal errors', () => {
  it('answer 500 with a generic message and log the real error, never a stack trace', async () => {
    const logged: { fields: Record<string, unknown>; message: string }[] = [];
    const logger = { info() {}, warn() {}, error: (fields: Record<string, unknown>, message: string) => logged.push({ fields, message }) };
    const job = await startJob({ logger });
    try {
      job.send([click(1, 1_000), click(1, MINUTE + 1_000)]);
      await job.processed(2);
      // The history goes away under the server (as a failing disk would take it).
      await job.history?.close();
      const answer = await call(job.url, 'GET', '/windows/per_minute/results');
      expectError(answer, 500, 'INTERNAL', undefined, /^internal error: the server has logged the details$/);
      expect(logged.some((l) => l.message === 'api: request failed' && l.fields.err instanceof Error)).toBe(true);
      expect((await call(job.url, 'GET', '/healthz')).status).toBe(200);
    } finally {
      await job.finish().catch(() => undefined);
    }
  });
});
