// `tally run` serving the API: the address logged, endpoints answering while the job runs, the server
// gone when the job ends; a port in use is a one-line error with exit code 2, before any output is touched.

import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, runTally, tempDir, writeText } from '../cli-support.js';
import { call, TOKEN, until } from './api-support.js';

const JOB = `
name: cli-api
source: { type: generator, eventsPerSecond: 200, users: 20, pages: 5, realtime: true }
keyBy: [user_id]
windows: [{ name: per_second, tumbling: 1s }]
sink: { type: file, path: out/results.ndjson }
deadLetter: out/bad.ndjson
lateOutput: out/late.ndjson
history: { path: state/history }
`;

describe('tally run with the API', () => {
  it('serves the API while the job runs and stops it when the job ends', async () => {
    const dir = tempDir();
    writeText(dir, 'job.yaml', JOB);
    const child = spawn(process.execPath, [BIN, 'run', 'job.yaml', '--api', '127.0.0.1:0'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, TALLY_API_TOKEN: TOKEN } });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      await until(() => /"url":"http:\/\/127\.0\.0\.1:\d+"/.test(stderr), 'the API address in the log', 20_000);
      const logged = stderr.split('\n').map((l) => (l.startsWith('{') ? (JSON.parse(l) as { msg: string; url?: string }) : null)).find((l) => l?.url !== undefined);
      expect(logged?.msg).toMatch(/^api: serving on http:\/\/127\.0\.0\.1:\d+; control endpoints need the bearer token$/);
      const url = logged?.url as string;
      expect((await call(url, 'GET', '/healthz')).json).toEqual({ status: 'ok', state: 'running' });
      await until(async () => (await call(url, 'GET', '/windows/per_second/results?limit=1')).json.results.length === 1, 'a result in the history', 20_000);
      expect((await call(url, 'POST', '/pause')).status).toBe(401);
      expect((await call(url, 'POST', '/pause', { token: TOKEN })).json).toEqual({ paused: true });
      expect((await call(url, 'POST', '/resume', { token: TOKEN })).json).toEqual({ paused: false });
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    } finally {
      child.kill('SIGKILL');
    }
  }, 60_000);

  it('says in one line that the port is in use, exits 2, and leaves the outputs alone', async () => {
    const dir = tempDir();
    writeText(dir, 'job.yaml', JOB);
    mkdirSync(join(dir, 'out'));
    writeText(dir, 'out/results.ndjson', 'earlier results\n');
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      const run = await runTally(['run', 'job.yaml', '--api', `127.0.0.1:${port}`], { cwd: dir });
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(`tally run: cannot serve the API on 127.0.0.1:${port}: the port is in use (choose another with api.listen or --api host:port, or turn the API off with --api off)\n`);
      expect(readFileSync(join(dir, 'out/results.ndjson'), 'utf8')).toBe('earlier results\n');
    } finally {
      blocker.close();
    }
  });

  it('refuses a bad --api, a short TALLY_API_TOKEN and reads behind a token that is not there, with exit code 2', async () => {
    const dir = tempDir();
    writeText(dir, 'job.yaml', JOB);
    const bad = await runTally(['run', 'job.yaml', '--api', 'localhost'], { cwd: dir });
    expect([bad.code, bad.stderr]).toEqual([2, 'tally run: --api: "localhost" is not host:port, e.g. 127.0.0.1:8080, localhost:9000 or [::1]:8080 (port 0 picks a free port), or off\n']);
    const short = await runTally(['run', 'job.yaml', '--api', '127.0.0.1:0'], { cwd: dir, env: { TALLY_API_TOKEN: 'short' } });
    expect([short.code, short.stderr]).toEqual([2, 'tally run: TALLY_API_TOKEN: the token is too short (5 characters): a token needs at least 16\n']);
    writeText(dir, 'strict.yaml', `${JOB}api: { requireTokenForReads: true }\n`);
    const strict = await runTally(['run', 'strict.yaml', '--api', '127.0.0.1:0'], { cwd: dir, env: { TALLY_API_TOKEN: '' } });
    expect([strict.code, strict.stderr]).toEqual([2, 'tally run: api.requireTokenForReads needs a token: set api.token or TALLY_API_TOKEN\n']);
  });
});
