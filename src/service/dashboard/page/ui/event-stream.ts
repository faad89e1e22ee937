// One window's result stream (GET /windows/{name}/stream), read with fetch so that it can carry the
// bearer token, resumed with Last-Event-ID after a lost connection, as EventSource would.

import type { ResultJson } from '@tally/api-types';
import { SseParser } from '../sse-parser.js';
import { ApiProblem, type Api } from './api.js';
import type { ConnectionBadge } from './connection.js';

/** What EventSource waits before reconnecting when the server has not said (`retry:`). */
const DEFAULT_RETRY_MS = 2_000;

export interface StreamHandlers {
  /** Results, a chunk at a time. */
  onResults(results: ResultJson[]): void;
  /** The server says results were missed (the client was too far behind): read them from /results. */
  onGap(): void;
}

export class ResultStream {
  private readonly abort = new AbortController();
  private readonly parser = new SseParser();
  private readonly channel: string;

  constructor(
    private readonly api: Api,
    private readonly window: string,
    private readonly connection: ConnectionBadge,
    private readonly handlers: StreamHandlers,
  ) {
    this.channel = `stream:${window}:${Math.random().toString(36).slice(2)}`;
    void this.run();
  }

  close(): void {
    this.abort.abort();
    this.connection.forget(this.channel);
  }

  private async run(): Promise<void> {
    while (!this.abort.signal.aborted) {
      let isLost = true;
      try {
        await this.readOnce();
      } catch (error) {
        // A lost connection or an unreadable answer: shown by the badge, retried below. No token for
        // reads (the dialog was cancelled) is no lost connection: the stream waits for one.
        if (error instanceof ApiProblem && error.status === 401) isLost = false;
      }
      if (this.abort.signal.aborted) return;
      if (isLost) this.connection.report(this.channel, false);
      this.parser.reset();
      await new Promise((resolve) => setTimeout(resolve, this.parser.retryMs ?? DEFAULT_RETRY_MS));
    }
  }

  private async readOnce(): Promise<void> {
    await this.api.readyToRead();
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (this.parser.lastEventId !== '') headers['last-event-id'] = this.parser.lastEventId;
    const response = await fetch(`/windows/${encodeURIComponent(this.window)}/stream`, { headers: this.api.headers(headers), signal: this.abort.signal, cache: 'no-store' });
    if (response.status === 401) {
      await this.api.askToken('This server needs its bearer token to stream results.');
      return;
    }
    if (!response.ok || response.body === null) throw new Error(`stream answered ${response.status}`);
    this.connection.report(this.channel, true);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      const results: ResultJson[] = [];
      for (const event of this.parser.feed(value)) {
        if (event.type === 'gap') this.handlers.onGap();
        else if (event.type === 'message') results.push(JSON.parse(event.data) as ResultJson);
      }
      if (results.length > 0) this.handlers.onResults(results);
    }
  }
}
