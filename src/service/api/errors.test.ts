import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../core/errors.js';
import { API_ERROR_CODES, ApiError, toErrorAnswer } from './errors.js';

const doc = (name: string): string => readFileSync(new URL(`../../../docs/${name}`, import.meta.url), 'utf8');

describe('API error codes', () => {
  it('are listed in docs/errors.md and docs/api.md, and no other', () => {
    for (const name of ['errors.md', 'api.md']) {
      const section = doc(name).split(/^## /m).find((part) => part.startsWith('REST API errors')) ?? '';
      const listed = [...section.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]);
      expect(listed.sort(), name).toEqual(Object.keys(API_ERROR_CODES).sort());
    }
  });

  it('map engine codes: request problems 400 with their path, NOT_FOUND 404, CONFLICT 409, the rest a generic 500', () => {
    expect(toErrorAnswer(new EngineError('CONFIG_INVALID_WINDOW', 'size must be greater than 0', { path: 'tumbling' }))).toEqual({
      status: 400,
      body: { error: { code: 'CONFIG_INVALID_WINDOW', message: 'size must be greater than 0', path: 'tumbling' } },
      isInternal: false,
    });
    expect(toErrorAnswer(new EngineError('FILTER_UNSAFE_REGEX', 'bad regex')).status).toBe(400);
    expect(toErrorAnswer(new EngineError('NOT_FOUND', 'no window named x')).status).toBe(404);
    expect(toErrorAnswer(new EngineError('CONFLICT', 'no checkpoint store')).body.error.code).toBe('CONFLICT');
    const internal = toErrorAnswer(new EngineError('STORE_FAILED', 'disk /secret/path full'));
    expect(internal).toEqual({ status: 500, body: { error: { code: 'INTERNAL', message: 'internal error: the server has logged the details' } }, isInternal: true });
    expect(toErrorAnswer(new TypeError("Cannot read properties of undefined (reading 'x')")).body.error.message).not.toMatch(/undefined/);
  });

  it("map fastify's body errors to 413, 415 and 400 without their internals", () => {
    expect(toErrorAnswer(Object.assign(new Error('Request body is too large'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 })).status).toBe(413);
    expect(toErrorAnswer(Object.assign(new Error('Unsupported Media Type: x'), { code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', statusCode: 415 })).body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(toErrorAnswer(Object.assign(new Error('something at /srv/x.js:12'), { statusCode: 400 }))).toMatchObject({ status: 400, body: { error: { code: 'BAD_REQUEST', message: 'the request is invalid' } } });
    expect(toErrorAnswer(new ApiError(400, 'BAD_REQUEST', 'limit: too large', 'limit')).body).toEqual({ error: { code: 'BAD_REQUEST', message: 'limit: too large', path: 'limit' } });
  });
});
