// A real job behind the real API server on loopback, fed line by line by the test (through the stdin
// adapter reading a stream the test writes to), and small HTTP helpers.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { get as httpGet, type Server } from 'node:http';
import { LmdbResultsHistory } from '../../../src/adapters/history/lmdb-history.js';
import { withHistory } from '../../../src/adapters/history/history-sink.js';
import { MemoryStore } from '../../../src/adapters/checkpoint-stores/memory-store.js';
import { MemorySink } from '../../../src/adapters/sinks/memory.js';
import { StdinSource } from '../../../src/adapters/sources/stdin.js';
import { defineJob, type JobInput } from '../../../src/config/define-job.js';
import { configWindowCodec } from '../../../src/config/window-codec.js';
import type { WindowResult } from '../../../src/core/emit/outputs.js';
import { systemClock } from '../../../src/ports/clock.js';
import { silentLogger, type Logger } from '../../../src/ports/logger.js';
import { CheckpointCoordinator } from '../../../src/runtime/checkpoint/checkpoint-coordinator.js';
import { CheckpointRepository } from '../../../src/runtime/checkpoint/checkpoint-repository.js';
import type { JobControl } from '../../../src/runtime/job-control.js';
import { JobRunner, type JobStatus } from '../../../src/runtime/job-runner.js';
import type { DeadLetter, LateOutputRecord } from '../../../src/runtime/side-records.js';
import { createApiServer, type ApiServer } from '../../../src/service/api/server.js';

export const TOKEN = 'test-token-0123456789abcdef';
/** 2026-11-23T00:00:00Z */
export const T0 = Date.UTC(2026, 10, 23);
export const MINUTE = 60_000;

export interface JobOptions {
  /** Job file keys over the default (per_minute tumbling 1m by user_id; count, sum(value)). */
  readonly job?: Partial<JobInput>;
  readonly history?: boolean;
  readonly checkpoints?: boolean;
  readonly token?: string | null;
  readonly openControl?: boolean;
  readonly requireTokenForReads?: boolean;
  readonly feedCapacity?: number;
  readonly logger?: Logger;
  readonly streams?: { maxStreams?: number; heartbeatMs?: number; stallMs?: number };
  /** A server bound already (bindApiPort), as `tally run` binds its port first. */
  readonly server?: Server;
}

export interface RunningJob {
  readonly runner: JobRunner;
  readonly control: JobControl;
  readonly api: ApiServer;
  readonly url: string;
  readonly results: MemorySink<WindowResult>;
  readonly history: LmdbResultsHistory | null;
  /** Writes event lines to the job's input. */
  send(lines: readonly string[]): void;
  /** Resolves once the job has processed this many records in all. */
  processed(records: number): Promise<void>;
  /** Ends the input, waits for the job, closes the server and the history. */
  finish(): Promise<JobStatus>;
}

/** One click line: user, event time (ms after T0) and value. */
export function click(userId: number | string, atMs: number, value = 1, page = '/home'): string {
  return JSON.stringify({ user_id: userId, page, timestamp: T0 + atMs, value });
}

export async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export async function startJob(options: JobOptions = {}): Promise<RunningJob> {
  const spec = defineJob({
    name: 'api-test',
    source: { type: 'stdin' },
    keyBy: ['user_id'],
    windows: [{ name: 'per_minute', tumbling: '1m' }],
    aggregations: ['count', 'sum(value)'],
    time: { maxOutOfOrderness: '0s', allowedLateness: '0s' },
    ...options.job,
  } as JobInput);
  const dir = mkdtempSync(join(tmpdir(), 'tally-api-'));
  const history =
    options.history === false
      ? null
      : LmdbResultsHistory.open({ path: join(dir, 'history'), retainMs: 365 * 86_400_000, clock: systemClock });
  const results = new MemorySink<WindowResult>();
  const input = new PassThrough();
  const logger = options.logger ?? silentLogger;
  const runner = new JobRunner(
    spec,
    { name: spec.name, maxRecordBytes: spec.maxRecordBytes, updateIntervalMs: spec.updateIntervalMs, ...(options.feedCapacity === undefined ? {} : { feedCapacity: options.feedCapacity }) },
    {
      source: new StdinSource(input),
      results: history === null ? results : withHistory(results, history, { closesHistory: false }),
      deadLetters: new MemorySink<DeadLetter>(),
      lateRecords: new MemorySink<LateOutputRecord>(),
      clock: systemClock,
      logger,
      windowCodec: configWindowCodec,
      ...(history === null ? {} : { history }),
      ...(options.checkpoints === true
        ? { checkpoints: new CheckpointCoordinator(new CheckpointRepository(new MemoryStore()), { intervalMs: 3_600_000, retain: 2 }, logger, systemClock) }
        : {}),
    },
  );
  const running = runner.run();
  running.catch(() => undefined);
  const api = createApiServer({
    control: runner.control,
    token: options.token === undefined ? TOKEN : options.token,
    openControl: options.openControl ?? false,
    requireTokenForReads: options.requireTokenForReads ?? false,
    emit: spec.emit,
    logger,
    ...(options.streams === undefined ? {} : { streams: options.streams }),
    ...(options.server === undefined ? {} : { server: options.server }),
  });
  const address = await api.listen('127.0.0.1', 0);
  const control = runner.control;
  await until(() => control.readiness().ready, 'the job to be ready');
  return {
    runner,
    control,
    api,
    url: address.url,
    results,
    history,
    send(lines) {
      input.write(`${lines.join('\n')}\n`);
    },
    async processed(records) {
      await until(() => control.overview().counts.records >= records, `${records} records processed`);
    },
    async finish() {
      input.end();
      try {
        return await running;
      } finally {
        await api.close();
        await history?.close();
      }
    },
  };
}

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The body parsed as JSON (undefined when it is not JSON). */
  readonly json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read answers freely
}

/** One request; `token` adds the bearer header, `body` is sent as JSON unless it is a string. */
export async function call(
  base: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(`${base}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

export interface SseEvent {
  readonly id: string | null;
  readonly event: string | null;
  readonly data: string | null;
}

export interface SseClient {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  /** Every event so far, id-only ones (no data) included; comments are counted apart. */
  readonly events: SseEvent[];
  readonly comments: string[];
  /** The last id the stream set (what EventSource would send as Last-Event-ID). */
  lastId(): string | null;
  /** True once the server has ended the stream. */
  hasEnded(): boolean;
  /** Events with data, once there are at least `n`. */
  dataEvents(n: number, timeoutMs?: number): Promise<SseEvent[]>;
  close(): void;
  /** Stops reading from the socket (a slow client), or reads again. */
  pause(): void;
  resume(): void;
}

/** Opens an event stream with node:http, parsing events as they come (as EventSource would). */
export function openStream(base: string, path: string, headers: Record<string, string> = {}): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const request = httpGet(`${base}${path}`, { headers: { accept: 'text/event-stream', ...headers } }, (response) => {
      const events: SseEvent[] = [];
      const comments: string[] = [];
      let last: string | null = null;
      let ended = false;
      let buffer = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffer += chunk;
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let id: string | null = null;
          let event: string | null = null;
          let data: string | null = null;
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else if (line.startsWith('id: ')) id = line.slice(4);
            else if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data = data === null ? line.slice(6) : `${data}\n${line.slice(6)}`;
          }
          if (id !== null) last = id;
          if (id !== null || event !== null || data !== null) events.push({ id, event, data });
          end = buffer.indexOf('\n\n');
        }
      });
      response.on('error', () => undefined);
      response.on('end', () => (ended = true));
      resolve({
        status: response.statusCode ?? 0,
        headers: response.headers,
        events,
        comments,
        lastId: () => last,
        hasEnded: () => ended,
        async dataEvents(n, timeoutMs = 10_000) {
          await until(() => events.filter((e) => e.data !== null).length >= n, `${n} stream events`, timeoutMs);
          return events.filter((e) => e.data !== null);
        },
        close() {
          request.destroy();
        },
        pause() {
          response.pause();
        },
        resume() {
          response.resume();
        },
      });
    });
    request.on('error', reject);
  });
}
