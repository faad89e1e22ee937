// Windows changed over HTTP while events flow give, from the exact-from time the answer reports,
// the results of a fresh run with the new definition (issue: change 1 min → 5 min; add a sliding window).

import { afterEach, describe, expect, it } from 'vitest';
import type { WindowResult } from '../../../src/core/emit/outputs.js';
import { call, click, MINUTE, startJob, TOKEN, type RunningJob } from './api-support.js';

/** A seeded stream over 40 minutes of event time: 30 users, values 1–9, one event in ten up to 20 s late. */
function clicks(): string[] {
  let seed = 7;
  const random = (): number => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  const lines: string[] = [];
  for (let i = 0; i < 4_000; i++) {
    const at = i * 600 - (random() < 0.1 ? Math.floor(random() * 20_000) : 0);
    lines.push(click(1 + Math.floor(random() * 30), Math.max(0, at), 1 + Math.floor(random() * 9)));
  }
  return lines;
}

const TIME = { maxOutOfOrderness: '10s', allowedLateness: '0s', retainSlices: '10m' };

function rows(results: readonly WindowResult[], window: string, from = Number.NEGATIVE_INFINITY): string[] {
  return results
    .filter((r) => r.window === window && r.start >= from)
    .map((r) => `${r.start} ${r.end} ${r.key.keyJson} ${JSON.stringify(r.values)}`)
    .sort();
}

async function freshRun(windows: unknown[], lines: readonly string[]): Promise<readonly WindowResult[]> {
  const job = await startJob({ history: false, job: { windows, time: TIME } as never });
  jobs.push(job);
  job.send(lines);
  await job.finish();
  return job.results.items;
}

const jobs: RunningJob[] = [];
afterEach(async () => {
  for (const job of jobs.splice(0)) await job.finish().catch(() => undefined);
});

describe('changing windows while events flow', () => {
  it('per_minute from 1 min to 5 min: after the reported exact-from time, the results of a fresh run with 5 min', async () => {
    const lines = clicks();
    const job = await startJob({ history: false, job: { time: TIME } as never });
    jobs.push(job);
    job.send(lines.slice(0, 2_000));
    await job.processed(2_000);
    const watermark = job.control.overview().watermarkMs as number;
    const answer = await call(job.url, 'PATCH', '/windows/per_minute', { token: TOKEN, body: { tumbling: '5m' } });
    expect(answer.status).toBe(200);
    // The change is applied between two batches: what the sink has now came before it.
    const emittedBefore = job.results.items.length;
    const exactFrom = answer.json.change.exactFromMs.per_minute as number;
    // Answered from the retained slices: the 5-minute window open at the change is exact already.
    expect(exactFrom).toBe(Math.floor(watermark / (5 * MINUTE)) * 5 * MINUTE);
    expect(answer.json.window).toMatchObject({ name: 'per_minute', version: 1 });
    const statusAfter = await call(job.url, 'GET', '/status');
    expect(statusAfter.json.definitionVersion).toBe(1);
    job.send(lines.slice(2_000));
    await job.finish();

    const fresh = await freshRun([{ name: 'per_minute', tumbling: '5m' }], lines);
    const before = job.results.items.slice(0, emittedBefore);
    const after = job.results.items.slice(emittedBefore);
    expect(before.length).toBeGreaterThan(0);
    expect(before.every((r) => r.end - r.start === MINUTE)).toBe(true);
    // After the change: 5-minute windows only, none before the exact-from time, and those are a fresh run's.
    expect(after.every((r) => r.end - r.start === 5 * MINUTE && r.start >= exactFrom)).toBe(true);
    expect(rows(after, 'per_minute').length).toBeGreaterThan(4);
    expect(rows(after, 'per_minute')).toEqual(rows(fresh, 'per_minute', exactFrom));
  });

  it('a sliding window added at runtime gives a fresh run’s results from its exact-from time; the other window is untouched', async () => {
    const lines = clicks();
    const job = await startJob({ history: false, job: { time: TIME } as never });
    jobs.push(job);
    job.send(lines.slice(0, 1_500));
    await job.processed(1_500);
    const answer = await call(job.url, 'POST', '/windows', { token: TOKEN, body: { name: 'last_10m', sliding: { size: '10m', slide: '1m' } } });
    expect(answer.status).toBe(201);
    const exactFrom = answer.json.change.exactFromMs.last_10m as number;
    expect(Number.isFinite(exactFrom)).toBe(true);
    job.send(lines.slice(1_500));
    await job.finish();

    const fresh = await freshRun([{ name: 'per_minute', tumbling: '1m' }, { name: 'last_10m', sliding: { size: '10m', slide: '1m' } }], lines);
    const added = rows(job.results.items, 'last_10m');
    expect(added.length).toBeGreaterThan(10);
    expect(added).toEqual(rows(fresh, 'last_10m', exactFrom));
    expect(rows(job.results.items, 'per_minute')).toEqual(rows(fresh, 'per_minute'));
  });
});
