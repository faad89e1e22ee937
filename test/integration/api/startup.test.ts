// A port bound before the job has opened its outputs (as `tally run` binds it): requests that come
// meanwhile wait and are answered by the routes once they serve, rather than failing.

import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { bindApiPort } from '../../../src/service/api/server.js';
import { startJob } from './api-support.js';

describe('the API while the job starts', () => {
  it('holds requests that come before the routes serve, and answers them once they do', async () => {
    const server = await bindApiPort('127.0.0.1', 0);
    const { port } = server.address() as AddressInfo;
    let answeredEarly = false;
    const early = fetch(`http://127.0.0.1:${port}/healthz`).then((response) => {
      answeredEarly = true;
      return response;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(answeredEarly).toBe(false);
    const job = await startJob({ server });
    try {
      const response = await early;
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'ok', state: 'running' });
    } finally {
      await job.finish();
    }
  });
});
