import { describe, expect, it } from 'vitest';
import { formatPath } from './problems.js';
import { validateJob } from './schema.js';
import { parseListen } from './api-schema.js';

const BASE = { name: 'job', source: { type: 'file', path: 'events.ndjson' }, windows: [{ name: 'w', tumbling: '1m' }] };
const TOKEN = 'a-token-of-24-characters';

function apiOf(api: unknown) {
  const result = validateJob(api === undefined ? BASE : { ...BASE, api });
  if (!result.ok) throw new Error(result.problems.map((p) => `${formatPath(p.path)}: ${p.message}`).join('\n'));
  return result.spec.api;
}

function problemsOf(api: unknown): string[] {
  const result = validateJob({ ...BASE, api });
  if (result.ok) throw new Error(`expected problems, got ${JSON.stringify(result.spec.api)}`);
  return result.problems.map((p) => `${formatPath(p.path)}: ${p.message}`);
}

describe('api', () => {
  it('serves on 127.0.0.1:8080 with control disabled when the job file says nothing', () => {
    expect(apiOf(undefined)).toEqual({ host: '127.0.0.1', port: 8080, token: null, openControl: false, requireTokenForReads: false, streamBuffer: 100_000 });
    expect(apiOf({})).toEqual(apiOf(undefined));
  });

  it('turns the server off with false, and takes every setting', () => {
    expect(apiOf(false)).toBeNull();
    expect(apiOf({ listen: '0.0.0.0:9000', token: TOKEN, openControl: true, requireTokenForReads: true, streamBuffer: 5 })).toEqual({
      host: '0.0.0.0',
      port: 9000,
      token: TOKEN,
      openControl: true,
      requireTokenForReads: true,
      streamBuffer: 5,
    });
    expect(apiOf({ listen: '[::1]:0' })).toMatchObject({ host: '::1', port: 0 });
    expect(apiOf({ listen: 'localhost:8081' })).toMatchObject({ host: 'localhost', port: 8081 });
  });

  it('names what is wrong with each field', () => {
    expect(problemsOf({ listen: '8080' })).toEqual([expect.stringMatching(/^api\.listen: "8080" is not host:port, e\.g\. 127\.0\.0\.1:8080/)]);
    expect(problemsOf({ listen: 'localhost:70000' })).toEqual(['api.listen: port 70000 is out of range: a port is 0 to 65535']);
    expect(problemsOf({ listen: 8080 })).toEqual([expect.stringMatching(/^api\.listen: expected host:port/)]);
    expect(problemsOf({ token: 'short' })).toEqual([expect.stringMatching(/^api\.token: the token is too short \(5 characters\): a token needs at least 16/)]);
    expect(problemsOf({ token: 'has spaces in it, sixteen+' })).toEqual([expect.stringMatching(/^api\.token: the token may hold only letters/)]);
    expect(problemsOf({ openControl: 'yes' })).toEqual([expect.stringMatching(/^api\.openControl: expected true or false/)]);
    expect(problemsOf({ streamBuffer: 0 })).toEqual([expect.stringMatching(/^api\.streamBuffer: must be a whole number from 1 to 10,000,000/)]);
    expect(problemsOf({ lisen: '127.0.0.1:1' })).toEqual([expect.stringMatching(/^api\.lisen: unknown key 'lisen' — did you mean 'listen'\?/)]);
    expect(problemsOf(true)).toEqual([expect.stringMatching(/^api: expected false or a mapping/)]);
  });

  it('reads host:port, IPv6 in brackets', () => {
    expect(parseListen('127.0.0.1:8080')).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(parseListen('[::1]:80')).toEqual({ host: '::1', port: 80 });
    expect(parseListen('::1:80')).toHaveProperty('problem');
    expect(parseListen('host:')).toHaveProperty('problem');
  });
});
