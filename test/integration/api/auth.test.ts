// Who may call what, against the real server: the bearer token, control disabled without one, reads behind it.

import { describe, expect, it } from 'vitest';
import { call, startJob, TOKEN, type RunningJob } from './api-support.js';

const CONTROL: readonly [string, string, unknown?][] = [
  ['POST', '/windows', { name: 'five', tumbling: '5m' }],
  ['PATCH', '/windows/per_minute', { tumbling: '2m' }],
  ['DELETE', '/windows/per_minute'],
  ['PUT', '/filter', { filter: "page != '/health'" }],
  ['POST', '/pause'],
  ['POST', '/resume'],
  ['POST', '/checkpoint'],
];
const READS = ['/status', '/metrics', '/windows', '/windows/per_minute/results', '/windows/per_minute/live', '/windows/per_minute/top'];

async function withJob(options: Parameters<typeof startJob>[0], test: (job: RunningJob) => Promise<void>): Promise<void> {
  const job = await startJob(options);
  try {
    await test(job);
  } finally {
    await job.finish();
  }
}

describe('authorization', () => {
  it('asks control requests for the token: 401 with WWW-Authenticate when it is missing or wrong, nothing changed', async () => {
    await withJob({}, async (job) => {
      for (const [method, path, body] of CONTROL) {
        const missing = await call(job.url, method, path, { body });
        expect(missing.status, `${method} ${path}`).toBe(401);
        expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="tally"');
        expect(missing.json.error).toEqual({ code: 'UNAUTHORIZED', message: 'missing bearer token: send Authorization: Bearer <token>' });
        const wrong = await call(job.url, method, path, { body, token: `${TOKEN}-not` });
        expect(wrong.status).toBe(401);
        expect(wrong.headers.get('www-authenticate')).toBe('Bearer realm="tally", error="invalid_token"');
        const basic = await call(job.url, method, path, { body, headers: { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` } });
        expect(basic.status).toBe(401);
      }
      expect((await call(job.url, 'GET', '/status')).json).toMatchObject({ definitionVersion: 0, paused: false });
      // The token itself: the change is made.
      const added = await call(job.url, 'POST', '/windows', { token: TOKEN, body: { name: 'five', tumbling: '5m' } });
      expect(added.status).toBe(201);
      // Reads stay open.
      for (const path of READS) expect((await call(job.url, 'GET', path)).status, path).toBe(200);
    });
  });

  it('disables control endpoints when no token is configured (403), unless opened explicitly', async () => {
    await withJob({ token: null }, async (job) => {
      for (const [method, path, body] of CONTROL) {
        const answer = await call(job.url, method, path, { body, token: TOKEN });
        expect(answer.status, `${method} ${path}`).toBe(403);
        expect(answer.json.error.code).toBe('CONTROL_DISABLED');
        expect(answer.json.error.message).toMatch(/api\.token or TALLY_API_TOKEN.*openControl/);
      }
    });
    await withJob({ token: null, openControl: true }, async (job) => {
      expect((await call(job.url, 'POST', '/pause')).json).toEqual({ paused: true });
      expect((await call(job.url, 'POST', '/resume')).json).toEqual({ paused: false });
    });
  });

  it('keeps reads behind the token with requireTokenForReads, but never the probes or the API documents', async () => {
    await withJob({ requireTokenForReads: true }, async (job) => {
      for (const path of [...READS, '/windows/per_minute/stream', '/no/such/route']) {
        const answer = await call(job.url, 'GET', path);
        expect(answer.status, path).toBe(401);
        expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="tally"');
        expect((await call(job.url, 'GET', path, { token: 'x'.repeat(TOKEN.length) })).status).toBe(401);
      }
      for (const path of READS) expect((await call(job.url, 'GET', path, { token: TOKEN })).status, path).toBe(200);
      expect((await call(job.url, 'GET', '/no/such/route', { token: TOKEN })).status).toBe(404);
      for (const path of ['/healthz', '/readyz', '/openapi.json', '/docs', '/docs/static/swagger-ui.css']) {
        expect((await call(job.url, 'GET', path)).status, path).toBe(200);
      }
    });
  });
});
