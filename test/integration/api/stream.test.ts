// GET /windows/{name}/stream against a real job: results as they are emitted, key filters, resuming
// with Last-Event-ID (nothing lost, nothing repeated), gaps, heartbeats, slow clients, limits.

import { describe, expect, it } from 'vitest';
import type { WindowResult } from '../../../src/core/emit/outputs.js';
import { ResultFormatter } from '../../../src/core/emit/format-result.js';
import { eventId, runOf } from '../../../src/service/api/stream.js';
import { call, click, MINUTE, openStream, startJob, until, type JobOptions, type RunningJob } from './api-support.js';

const format = (r: WindowResult): string => new ResultFormatter(false).format(r);

/** Minute m: users 1..users click once each; every minute closes the one before (one result per user). */
function minutes(from: number, to: number, users = 3): string[] {
  const lines: string[] = [];
  for (let m = from; m < to; m++) for (let u = 1; u <= users; u++) lines.push(click(u, m * MINUTE + u * 100, m));
  return lines;
}

function emitted(job: RunningJob, window: string, user?: number): string[] {
  return job.results.items.filter((r) => r.window === window && (user === undefined || r.key.key.user_id === user)).map(format);
}

const JOB: JobOptions = { job: { windows: [{ name: 'per_minute', tumbling: '1m' }, { name: 'per_2m', tumbling: '2m' }] } };

describe('event stream', () => {
  it('streams the results of one window as they are emitted, in the sink format, filtered by key', async () => {
    const job = await startJob(JOB);
    try {
      const all = await openStream(job.url, '/windows/per_minute/stream');
      expect(all.status).toBe(200);
      expect(all.headers['content-type']).toBe('text/event-stream; charset=utf-8');
      expect(all.headers['cache-control']).toBe('no-cache, no-transform');
      const user2 = await openStream(job.url, '/windows/per_minute/stream?key.user_id=2');
      job.send(minutes(0, 6));
      await job.processed(18);
      const events = await all.dataEvents(15);
      expect(events.map((e) => e.data)).toEqual(emitted(job, 'per_minute'));
      const run = runOf(job.control.overview().startedAtMs);
      const ids = events.map((e) => Number((e.id as string).slice(run.length + 1)));
      expect(events.every((e) => e.id?.startsWith(`${run}-`))).toBe(true);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      const mine = await user2.dataEvents(5);
      expect(mine.map((e) => e.data)).toEqual(emitted(job, 'per_minute', 2));
      // Its resume point moved past the results it filtered out too (an id-only line).
      const sequenceOf = (id: string | null): number => Number(id?.split('-')[1]);
      await until(() => sequenceOf(user2.lastId()) >= sequenceOf(all.lastId()), 'the filtered stream to learn the last id');
      all.close();
      user2.close();
    } finally {
      await job.finish();
    }
  });

  it('resumes with Last-Event-ID: nothing lost, nothing repeated', async () => {
    const job = await startJob(JOB);
    try {
      const first = await openStream(job.url, '/windows/per_minute/stream');
      job.send(minutes(0, 4));
      await first.dataEvents(9);
      first.close();
      const lastId = first.lastId() as string;
      // While the client is away, more results come.
      job.send(minutes(4, 10));
      await job.processed(30);
      await until(() => emitted(job, 'per_minute').length === 27, 'the results of minutes 0 to 8');
      const again = await openStream(job.url, '/windows/per_minute/stream', { 'last-event-id': lastId });
      job.send(minutes(10, 12));
      const rest = await again.dataEvents(33 - first.events.filter((e) => e.data !== null).length);
      const received = [...first.events, ...rest].filter((e) => e.data !== null);
      expect(received.map((e) => e.data)).toEqual(emitted(job, 'per_minute'));
      expect(new Set(received.map((e) => e.id)).size).toBe(received.length);
      expect(again.events.some((e) => e.event === 'gap')).toBe(false);
      again.close();

      // The same with a key filter, resuming from the id the stream last set.
      const user3 = await openStream(job.url, '/windows/per_minute/stream?key.user_id=3', { 'last-event-id': eventId(runOf(job.control.overview().startedAtMs), 0) });
      const mine = await user3.dataEvents(11);
      expect(mine.map((e) => e.data)).toEqual(emitted(job, 'per_minute', 3));
      user3.close();
    } finally {
      await job.finish();
    }
  });

  it('tells a client further behind than the buffer which results it missed (event: gap)', async () => {
    const job = await startJob({ ...JOB, feedCapacity: 10 });
    try {
      job.send(minutes(0, 10));
      await until(() => job.control.feed.lastSequence >= 30, '30 results');
      const run = runOf(job.control.overview().startedAtMs);
      const behind = await openStream(job.url, '/windows/per_minute/stream', { 'last-event-id': eventId(run, 2) });
      await behind.dataEvents(1);
      const first = job.control.feed.firstSequence;
      expect(behind.events[0]).toEqual({ id: eventId(run, first - 1), event: 'gap', data: JSON.stringify({ from: 3, to: first - 1, reason: 'evicted' }) });
      // Then every result still held, from the first one on.
      const held = job.control.feed.since(first - 1, 100).filter((f) => f.result.window === 'per_minute').map((f) => format(f.result));
      await behind.dataEvents(held.length);
      expect(behind.events.filter((e) => e.data !== null && e.event === null).map((e) => e.data)).toEqual(held);
      // An id of an earlier run (the job restarted): what it holds, after a gap of unknown extent.
      for (const id of [eventId('earlier', 5), eventId(run, 999_999)]) {
        const stranger = await openStream(job.url, '/windows/per_minute/stream', { 'last-event-id': id });
        await stranger.dataEvents(held.length);
        expect(stranger.events[0]).toEqual({ id: eventId(run, first - 1), event: 'gap', data: JSON.stringify({ from: null, to: first - 1, reason: 'unknown-id' }) });
        expect(stranger.events.filter((e) => e.data !== null && e.event === null).map((e) => e.data)).toEqual(held);
        stranger.close();
      }
      behind.close();
    } finally {
      await job.finish();
    }
  });

  it('sends heartbeats, limits the number of streams, and ends streams when the server closes', async () => {
    const job = await startJob({ ...JOB, streams: { heartbeatMs: 50, maxStreams: 2 } });
    const a = await openStream(job.url, '/windows/per_minute/stream');
    const b = await openStream(job.url, '/windows/per_2m/stream');
    await until(() => a.comments.filter((c) => c === 'heartbeat').length >= 2, 'heartbeats');
    // HEAD would hold a stream open that sends nothing.
    expect((await call(job.url, 'HEAD', '/windows/per_minute/stream')).status).toBe(404);
    const third = await call(job.url, 'GET', '/windows/per_minute/stream');
    expect(third.status).toBe(503);
    expect(third.json.error.code).toBe('TOO_MANY_STREAMS');
    b.close();
    await until(async () => (await openStream(job.url, '/windows/per_2m/stream').then((c) => (c.close(), c.status))) === 200, 'a free stream slot');
    await job.finish();
    await until(() => a.hasEnded(), 'the stream to end with the server');
  });

  it('does not hold the job up for a client that does not read', async () => {
    const job = await startJob({ ...JOB, feedCapacity: 1_000, job: { ...JOB.job, keyBy: ['user_id'] } });
    try {
      const slow = await openStream(job.url, '/windows/per_minute/stream');
      slow.pause();
      // 200 users × 300 minutes: 60,000 results, far more than the socket buffers hold.
      const lines = minutes(0, 300, 200);
      job.send(lines);
      await job.processed(lines.length);
      await until(() => job.control.feed.lastSequence > 80_000, 'the results of 299 minutes');
      // The slow client catches up from where the feed still is, after a gap.
      slow.resume();
      await until(() => slow.events.some((e) => e.event === 'gap'), 'a gap event');
      slow.close();
      expect((await call(job.url, 'GET', '/healthz')).status).toBe(200);
    } finally {
      await job.finish();
    }
  }, 60_000);
});
