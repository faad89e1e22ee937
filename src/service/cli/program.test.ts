import { describe, expect, it } from 'vitest';
import { defineJob } from '../../config/define-job.js';
import { apiSettings } from './program.js';

const TOKEN = 'a-token-of-24-characters';
const job = (api?: unknown) =>
  defineJob({ name: 'j', source: { type: 'stdin' }, windows: [{ name: 'w', tumbling: '1m' }], ...(api === undefined ? {} : { api }) } as Parameters<typeof defineJob>[0]);

describe('the API settings of tally run', () => {
  it('serves on 127.0.0.1:8080 by default, with the token from TALLY_API_TOKEN when the job file has none', () => {
    expect(apiSettings(job(), undefined, {})).toEqual({ settings: { host: '127.0.0.1', port: 8080, token: null, openControl: false, requireTokenForReads: false, streamBuffer: 100_000 } });
    expect(apiSettings(job(), undefined, { TALLY_API_TOKEN: TOKEN })).toMatchObject({ settings: { token: TOKEN } });
    expect(apiSettings(job({ token: `${TOKEN}-file` }), undefined, { TALLY_API_TOKEN: TOKEN })).toMatchObject({ settings: { token: `${TOKEN}-file` } });
  });

  it('takes --api host:port or off over the job file, and api: false turns the server off', () => {
    expect(apiSettings(job({ openControl: true }), '0.0.0.0:9000', {})).toMatchObject({ settings: { host: '0.0.0.0', port: 9000, openControl: true } });
    expect(apiSettings(job(), 'off', {})).toEqual({ settings: null });
    expect(apiSettings(job(false), undefined, {})).toEqual({ settings: null });
    expect(apiSettings(job(false), '127.0.0.1:0', {})).toMatchObject({ settings: { host: '127.0.0.1', port: 0 } });
  });

  it('names what is wrong', () => {
    expect(apiSettings(job(), '8080', {})).toEqual({ problem: expect.stringMatching(/^--api: "8080" is not host:port/) });
    expect(apiSettings(job(), undefined, { TALLY_API_TOKEN: 'short' })).toEqual({ problem: expect.stringMatching(/^TALLY_API_TOKEN: the token is too short/) });
    expect(apiSettings(job({ requireTokenForReads: true }), undefined, {})).toEqual({ problem: 'api.requireTokenForReads needs a token: set api.token or TALLY_API_TOKEN' });
  });
});
