// The OpenAPI document generated from the route schemas, and the docs page served with its own assets (offline).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startJob, type RunningJob } from './api-support.js';

describe('API documents', () => {
  let job: RunningJob;
  beforeAll(async () => {
    job = await startJob();
  });
  afterAll(async () => {
    await job.finish();
  });

  it('describes every endpoint, its parameters and who may call it, from the same schemas that validate requests', async () => {
    const answer = await call(job.url, 'GET', '/openapi.json');
    expect(answer.status).toBe(200);
    const doc = answer.json;
    expect(doc.openapi).toBe('3.0.3');
    expect(doc.components.securitySchemes).toEqual({ bearerAuth: { type: 'http', scheme: 'bearer' } });
    const operations = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect(operations.sort()).toEqual(
      [
        'GET /healthz',
        'GET /readyz',
        'GET /status',
        'GET /metrics',
        'GET /windows',
        'GET /windows/{name}/results',
        'GET /windows/{name}/live',
        'GET /windows/{name}/top',
        'GET /windows/{name}/stream',
        'POST /windows',
        'PATCH /windows/{name}',
        'DELETE /windows/{name}',
        'PUT /filter',
        'POST /pause',
        'POST /resume',
        'POST /checkpoint',
      ].sort(),
    );
    const results = doc.paths['/windows/{name}/results'].get;
    expect(results.parameters.map((p: { in: string; name: string }) => `${p.in}:${p.name}`).sort()).toEqual(
      ['query:key.user_id', 'query:from', 'query:to', 'query:order', 'query:limit', 'query:cursor', 'path:name'].sort(),
    );
    expect(Object.keys(results.responses).sort()).toEqual(['200', '400', '401', '404', '409']);
    const top = doc.paths['/windows/{name}/top'].get;
    expect(top.parameters.find((p: { name: string }) => p.name === 'by')).toMatchObject({ schema: { type: 'string' }, description: expect.stringMatching(/default: count/) });
    for (const [path, method] of [['/windows', 'post'], ['/windows/{name}', 'patch'], ['/filter', 'put'], ['/checkpoint', 'post']] as const) {
      expect(doc.paths[path][method].security, `${method} ${path}`).toEqual([{ bearerAuth: [] }]);
    }
    expect(doc.paths['/status'].get.security).toBeUndefined();
    const addWindow = doc.paths['/windows'].post.requestBody.content['application/json'].schema;
    expect(addWindow).toMatchObject({ type: 'object', additionalProperties: false, required: ['name'] });
    expect(Object.keys(addWindow.properties)).toEqual(['name', 'tumbling', 'sliding', 'calendar', 'session', 'count', 'global', 'offset', 'aggregations', 'filter']);
    // The same document at /docs/json, which the docs page reads.
    expect((await call(job.url, 'GET', '/docs/json')).json).toEqual(doc);
  });

  it('serves a docs page whose every asset comes from this server (no CDN, works offline)', async () => {
    const page = await call(job.url, 'GET', '/docs/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const refs = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string);
    expect(refs.length).toBeGreaterThan(3);
    for (const ref of refs) {
      expect(ref, ref).not.toMatch(/^(https?:)?\/\//);
      const asset = await call(job.url, 'GET', new URL(ref, `${job.url}/docs/`).pathname);
      expect(asset.status, ref).toBe(200);
    }
    const initializer = await call(job.url, 'GET', '/docs/static/swagger-initializer.js');
    expect(initializer.status).toBe(200);
    // No code URL out of this server (the one in a comment is a link for readers), and no online validator.
    expect(initializer.text.split('\n').filter((line) => !line.trim().startsWith('//') && /https?:\/\//.test(line))).toEqual([]);
    expect(initializer.text).toMatch(/validatorUrl: null/);
  });
});
