// Control endpoints against a real job: windows added, changed and deleted, the filter replaced, pause and
// resume, a checkpoint on demand. (That changed windows compute what a fresh run does: reconfigure.test.ts.)

import { describe, expect, it } from 'vitest';
import { changeAnswer, checkpointAnswer, statusAnswer } from '../../../src/service/api/schemas.js';
import { call, click, MINUTE, startJob, T0, TOKEN, until } from './api-support.js';

const auth = { token: TOKEN };

describe('control', () => {
  it('adds, changes and deletes a window, each a new definition version visible in /windows and /status', async () => {
    const job = await startJob();
    try {
      job.send([click(1, 1_000), click(2, 2_000)]);
      await job.processed(2);
      const added = await call(job.url, 'POST', '/windows', { ...auth, body: { name: 'per_5m', tumbling: '5m' } });
      expect(added.status).toBe(201);
      expect(added.headers.get('location')).toBe('/windows/per_5m');
      const addBody = changeAnswer.parse(added.json);
      expect(addBody.change).toMatchObject({ version: 1, op: 'add-window', window: 'per_5m', request: { name: 'per_5m', tumbling: '5m' } });
      expect(addBody.window).toMatchObject({ name: 'per_5m', kind: 'tumbling', spec: { sizeMs: 300_000 }, version: 1 });
      expect(Object.keys(addBody.change.exactFromMs)).toContain('per_5m');

      // The new window computes: its results reach the history and the results endpoint.
      job.send([click(1, 5 * MINUTE + 1_000), click(1, 11 * MINUTE)]);
      await until(() => job.results.items.some((r) => r.window === 'per_5m'), 'a result of the new window');
      const results = await call(job.url, 'GET', '/windows/per_5m/results');
      expect(results.json.results.length).toBeGreaterThan(0);
      expect(results.json.results.every((r: { end: number; start: number }) => r.end - r.start === 300_000)).toBe(true);

      const changed = await call(job.url, 'PATCH', '/windows/per_5m', { ...auth, body: { tumbling: '10m' } });
      expect(changed.status).toBe(200);
      expect(changed.json).toMatchObject({ change: { version: 2, op: 'update-window', window: 'per_5m', request: { tumbling: '10m' } }, window: { spec: { sizeMs: 600_000 }, version: 2 } });

      const windows = await call(job.url, 'GET', '/windows');
      expect(windows.json.windows.map((w: { name: string; version: number }) => [w.name, w.version])).toEqual([
        ['per_minute', 0],
        ['per_5m', 2],
      ]);

      const deleted = await call(job.url, 'DELETE', '/windows/per_5m', auth);
      expect(deleted.status).toBe(200);
      expect(deleted.json.change).toMatchObject({ version: 3, op: 'delete-window', window: 'per_5m' });
      expect((await call(job.url, 'GET', '/windows/per_5m/live')).status).toBe(404);
      // Its results stay readable from the history; a window never seen is still unknown.
      const kept = await call(job.url, 'GET', '/windows/per_5m/results');
      expect(kept.status).toBe(200);
      expect(kept.json.results.length).toBe(results.json.results.length);
      expect((await call(job.url, 'GET', '/windows/per_6m/results')).status).toBe(404);

      const status = statusAnswer.parse((await call(job.url, 'GET', '/status')).json);
      expect(status.definitionVersion).toBe(3);
      expect(status.changes.map((c) => [c.version, c.op, c.window])).toEqual([
        [1, 'add-window', 'per_5m'],
        [2, 'update-window', 'per_5m'],
        [3, 'delete-window', 'per_5m'],
      ]);
      expect((await call(job.url, 'GET', '/metrics')).text).toMatch(/^tally_definition_version\{[^}]*\} 3$/m);
    } finally {
      await job.finish();
    }
  });

  it("gives a window its own aggregations and filter, shown in /windows, and answers top by the window's own outputs", async () => {
    const job = await startJob();
    try {
      const added = await call(job.url, 'POST', '/windows', { ...auth, body: { name: 'shop', tumbling: '1m', aggregations: ['count', 'max(value)'], filter: "page startsWith '/shop'" } });
      expect(added.status).toBe(201);
      expect(added.json.window).toMatchObject({ name: 'shop', outputs: ['count', 'max_value'], spec: { filter: "page startsWith '/shop'", aggregations: [{ fn: 'count', field: null }, { fn: 'max', field: 'value' }] } });
      job.send([click(1, 1_000, 3, '/shop/a'), click(1, 2_000, 9, '/home'), click(2, 3_000, 4, '/shop/b'), click(1, 4_000, 5, '/shop/c'), click(1, 2 * MINUTE)]);
      await until(() => job.results.items.some((r) => r.window === 'shop'), 'a result of the shop window');
      const results = await call(job.url, 'GET', '/windows/shop/results?order=oldest');
      expect(results.json.results.map((r: Record<string, unknown>) => [r.key, r.count, r.max_value, r.sum_value])).toEqual([
        [{ user_id: 1 }, 2, 5, undefined],
        [{ user_id: 2 }, 1, 4, undefined],
      ]);
      const top = await call(job.url, 'GET', '/windows/shop/top?by=max_value&n=1');
      expect(top.json.results.map((r: Record<string, unknown>) => [r.key, r.max_value])).toEqual([[{ user_id: 1 }, 5]]);
      const wrong = await call(job.url, 'GET', '/windows/shop/top?by=sum_value');
      expect(wrong.status).toBe(400);
      expect(wrong.json.error).toMatchObject({ path: 'by', message: "unknown output 'sum_value' (window shop has: count, max_value)" });

      // Back to the job's aggregations and no filter of its own (JSON merge patch: null removes).
      const reset = await call(job.url, 'PATCH', '/windows/shop', { ...auth, body: { aggregations: null, filter: null } });
      expect(reset.status).toBe(200);
      expect(reset.json.window).toMatchObject({ outputs: ['count', 'sum_value'] });
      expect(reset.json.window.spec).not.toHaveProperty('filter');
      const bad = await call(job.url, 'PATCH', '/windows/shop', { ...auth, body: { aggregations: ['sum(value'] } });
      expect(bad.status).toBe(400);
      expect(bad.json.error.message).toMatch(/not an aggregation/);
      const badFilter = await call(job.url, 'PATCH', '/windows/shop', { ...auth, body: { filter: "page ==" } });
      expect(badFilter.status).toBe(400);
      expect(badFilter.json.error).toMatchObject({ path: "filter" });
    } finally {
      await job.finish();
    }
  });

  it("replaces the job's filter", async () => {
    const job = await startJob();
    try {
      const set = await call(job.url, 'PUT', '/filter', { ...auth, body: { filter: "page != '/health'" } });
      expect(set.status).toBe(200);
      expect(set.json).toMatchObject({ change: { version: 1, op: 'set-filter', window: null }, filter: "page != '/health'" });
      job.send([click(1, 1_000, 1, '/health'), click(1, 2_000, 1, '/home')]);
      await job.processed(2);
      const status = await call(job.url, 'GET', '/status');
      expect(status.json).toMatchObject({ filter: "page != '/health'", counts: { filteredOut: 1 } });
      const cleared = await call(job.url, 'PUT', '/filter', { ...auth, body: { filter: null } });
      expect(cleared.json).toMatchObject({ change: { version: 2 }, filter: null });
    } finally {
      await job.finish();
    }
  });

  it('pauses and resumes: no input is taken while paused, and none is lost', async () => {
    const job = await startJob();
    try {
      job.send([click(1, 1_000)]);
      await job.processed(1);
      expect((await call(job.url, 'POST', '/pause', auth)).json).toEqual({ paused: true });
      expect((await call(job.url, 'POST', '/pause', auth)).json).toEqual({ paused: true });
      job.send([click(1, 2_000), click(1, 3_000)]);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const paused = await call(job.url, 'GET', '/status');
      expect(paused.json).toMatchObject({ paused: true });
      expect(paused.json.counts.events).toBe(1);
      expect((await call(job.url, 'GET', '/metrics')).text).toMatch(/^tally_paused\{[^}]*\} 1$/m);
      expect((await call(job.url, 'POST', '/resume', auth)).json).toEqual({ paused: false });
      await until(() => job.control.overview().counts.events === 3, 'the input sent while paused');
      const live = await call(job.url, 'GET', '/windows/per_minute/live?key.user_id=1');
      expect(live.json.live).toMatchObject([{ start: T0, count: 3 }]);
    } finally {
      await job.finish();
    }
  });

  it('takes a checkpoint on demand (409 without a checkpoint store)', async () => {
    const withStore = await startJob({ checkpoints: true });
    try {
      withStore.send([click(1, 1_000), click(2, 2_000)]);
      await withStore.processed(2);
      const answer = await call(withStore.url, 'POST', '/checkpoint', auth);
      expect(answer.status, answer.text).toBe(200);
      const { checkpoint } = checkpointAnswer.parse(answer.json);
      expect(checkpoint.bytes).toBeGreaterThan(0);
      const status = await call(withStore.url, 'GET', '/status');
      expect(status.json.checkpoint).toMatchObject({ completed: 1, last: { id: checkpoint.id, bytes: checkpoint.bytes } });
      expect((await call(withStore.url, 'GET', '/metrics')).text).toMatch(new RegExp(`^tally_last_checkpoint_bytes\\{[^}]*\\} ${checkpoint.bytes}$`, 'm'));
    } finally {
      await withStore.finish();
    }
    const without = await startJob();
    try {
      const answer = await call(without.url, 'POST', '/checkpoint', auth);
      expect(answer.status).toBe(409);
      expect(answer.json.error).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('no checkpoint store') });
    } finally {
      await without.finish();
    }
  });
});
