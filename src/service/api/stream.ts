// GET /windows/{name}/stream: results as they are emitted, as Server-Sent Events, resumable with Last-Event-ID.
//
// Each client has a cursor into the job's result feed and pulls from it when the feed says there
// is more and when its socket has drained: a slow client holds at most one batch beyond the
// socket's buffer, never a queue of its own. A client that falls behind the feed's buffer (or
// reconnects with an id older than it) first gets an `event: gap` naming the sequence numbers missed.

import type { ServerResponse } from 'node:http';
import type { WindowResult } from '../../core/emit/outputs.js';
import { keyMatches } from '../../core/operator/key-table.js';
import type { KeyMatch, ResultFeed } from '../../runtime/job-control.js';
import { windowNamed, type ApiPlugin } from './context.js';
import { ApiError, badRequest } from './errors.js';
import { readKeyMatch } from './query-keys.js';
import { errorResponse, streamHeaders, windowParams } from './schemas.js';
import { z } from 'zod';

export interface StreamLimits {
  /** Open streams at most; more get 503 TOO_MANY_STREAMS. */
  readonly maxStreams: number;
  /** A comment line this often keeps proxies and clients from timing out (ms). */
  readonly heartbeatMs: number;
  /** A client whose socket has not drained for this long is disconnected; it can resume with Last-Event-ID (ms). */
  readonly stallMs: number;
}

export const DEFAULT_STREAM_LIMITS: StreamLimits = { maxStreams: 100, heartbeatMs: 15_000, stallMs: 120_000 };

/** Results pulled from the feed per step. */
const BATCH = 256;
/** What EventSource waits before reconnecting (ms), sent as `retry:`. */
const RETRY_MS = 2_000;

/**
 * Event ids are `<run>-<sequence>`: the feed numbers results from 1 in every run of the job, so the
 * run (its start time, base 36) tells an id of this run from one of an earlier process.
 */
export function eventId(run: string, sequence: number): string {
  return `${run}-${sequence}`;
}

/** The run part of event ids: the job's start time in base 36. */
export function runOf(startedAtMs: number | null): string {
  return (startedAtMs ?? 0).toString(36);
}

/** The Last-Event-ID header: the run and sequence number of the last event received, or null when absent. */
export function readLastEventId(header: string | undefined): { readonly run: string; readonly sequence: number } | null {
  if (header === undefined || header.trim() === '') return null;
  const match = /^([0-9a-z]{1,12})-(\d{1,16})$/.exec(header.trim());
  if (match === null || !Number.isSafeInteger(Number(match[2]))) {
    throw badRequest('Last-Event-ID must be the id of an event of this stream (<run>-<sequence>)', 'Last-Event-ID');
  }
  return { run: match[1] as string, sequence: Number(match[2]) };
}

/** One client's stream. */
class EventStream {
  private cursor: number;
  /** The id the client last learnt (an event's, or an id-only line's). */
  private lastIdSent: number;
  private isWaitingForDrain = false;
  private waitingSinceMs = 0;
  private isScheduled = false;
  private isClosed = false;
  private readonly unsubscribe: () => void;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    private readonly response: ServerResponse,
    private readonly feed: ResultFeed,
    private readonly accepts: (result: WindowResult) => boolean,
    private readonly format: (result: WindowResult) => string,
    private readonly run: string,
    lastEventId: { readonly run: string; readonly sequence: number } | null,
    private readonly limits: StreamLimits,
    private readonly onClose: () => void,
  ) {
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    let head = `retry: ${RETRY_MS}\n\n`;
    if (lastEventId === null) {
      // A new client: results from now on.
      this.cursor = feed.lastSequence;
    } else if (lastEventId.run !== run || lastEventId.sequence > feed.lastSequence) {
      // An id of another run (the job restarted): everything held is new to the client.
      this.cursor = feed.firstSequence - 1;
      head += this.gap(null, this.cursor, 'unknown-id');
    } else {
      this.cursor = lastEventId.sequence;
    }
    this.lastIdSent = this.cursor;
    response.write(head);
    this.unsubscribe = feed.subscribe(() => this.schedule());
    this.heartbeat = setInterval(() => this.beat(), limits.heartbeatMs);
    this.heartbeat.unref();
    response.on('close', () => this.close());
    response.on('error', () => this.close());
    this.pump();
  }

  /** Pulls on the next turn of the event loop: the job's loop that notified goes on at once. */
  private schedule(): void {
    if (this.isScheduled || this.isClosed) return;
    this.isScheduled = true;
    setImmediate(() => {
      this.isScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (!this.isClosed && !this.isWaitingForDrain) {
      let chunk = '';
      const first = this.feed.firstSequence;
      if (this.cursor < first - 1) {
        chunk += this.gap(this.cursor + 1, first - 1, 'evicted');
        this.cursor = first - 1;
        this.lastIdSent = this.cursor;
      }
      const batch = this.feed.since(this.cursor, BATCH);
      for (const fed of batch) {
        this.cursor = fed.sequence;
        if (!this.accepts(fed.result)) continue;
        chunk += `id: ${eventId(this.run, fed.sequence)}\ndata: ${this.format(fed.result)}\n\n`;
        this.lastIdSent = fed.sequence;
      }
      // Results this client filtered out still move its resume point (an id-only line sets the id, no event).
      if (batch.length > 0 && this.lastIdSent < this.cursor && batch.length < BATCH) {
        chunk += `id: ${eventId(this.run, this.cursor)}\n\n`;
        this.lastIdSent = this.cursor;
      }
      if (chunk !== '' && !this.write(chunk)) return;
      if (batch.length < BATCH) return;
    }
  }

  /** Writes; false when the socket's buffer is full: pulling goes on at 'drain'. */
  private write(chunk: string): boolean {
    if (this.response.write(chunk)) return true;
    this.isWaitingForDrain = true;
    this.waitingSinceMs = Date.now();
    this.response.once('drain', () => {
      this.isWaitingForDrain = false;
      this.pump();
    });
    return false;
  }

  private beat(): void {
    if (this.isWaitingForDrain) {
      if (Date.now() - this.waitingSinceMs > this.limits.stallMs) this.response.destroy();
      return;
    }
    this.write(': heartbeat\n\n');
  }

  /** `event: gap`: the sequence numbers of this run the client missed (from null: unknown). */
  private gap(from: number | null, to: number, reason: 'evicted' | 'unknown-id'): string {
    return `event: gap\nid: ${eventId(this.run, to)}\ndata: ${JSON.stringify({ from, to, reason })}\n\n`;
  }

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    clearInterval(this.heartbeat);
    this.unsubscribe();
    if (!this.response.writableEnded) this.response.end();
    this.onClose();
  }
}


export const streamRoutes = (limits: StreamLimits): ApiPlugin =>
  async (app, { context }) => {
    const { control, schemas, results } = context;
    const open = new Set<EventStream>();
    // Streams never end by themselves: end them so that closing the server does not wait for them.
    app.addHook('preClose', async () => {
      for (const stream of [...open]) stream.close();
    });

    app.get(
      '/windows/:name/stream',
      {
        // HEAD would open a stream that never sends a body.
        exposeHeadRoute: false,
        schema: {
          summary: 'Results of a window as they are emitted, as Server-Sent Events (resumable with Last-Event-ID)',
          description:
            'Each event: `id: <run>-<sequence>` and `data: <result JSON>`. A client behind the buffer of recent results gets `event: gap` with `{ from, to, reason }` first. ' +
            'A `: heartbeat` comment comes every 15 s. Reconnect with the Last-Event-ID header to go on after the last event received.',
          tags: ['windows'],
          params: windowParams,
          querystring: schemas.stream,
          headers: streamHeaders,
          produces: ['text/event-stream'],
          response: { 200: z.string().describe('text/event-stream'), 400: errorResponse, 401: errorResponse, 404: errorResponse, 503: errorResponse },
        },
      },
      async (request, reply) => {
        const { name } = request.params;
        windowNamed(control, name);
        const match = readKeyMatch(request.query, control.keyBy);
        const lastEventId = readLastEventId(request.headers['last-event-id']);
        if (open.size >= limits.maxStreams) throw new ApiError(503, 'TOO_MANY_STREAMS', `the server holds ${limits.maxStreams} event streams already; try again later`);
        // From here on the response is written by hand.
        reply.hijack();
        const accepts = (result: WindowResult): boolean => result.window === name && keyMatches(result.key.key, match);
        const run = runOf(control.overview().startedAtMs);
        const stream: EventStream = new EventStream(reply.raw, control.feed, accepts, (r) => results.emitted(r), run, lastEventId, limits, () => open.delete(stream));
        open.add(stream);
      },
    );
  };
