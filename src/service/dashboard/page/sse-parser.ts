// An incremental parser of a Server-Sent Events stream (the WHATWG event-stream format), for a page
// that reads the stream with fetch: EventSource cannot send the Authorization header a token needs.

/** One dispatched event: an event with data (id-only blocks move lastEventId but dispatch nothing). */
export interface SseEvent {
  /** `message` unless the block named another type (`gap`). */
  readonly type: string;
  readonly data: string;
  /** The last event id after this event (what a reconnect sends as Last-Event-ID). */
  readonly lastEventId: string;
}

/**
 * Feed it the decoded text as it arrives, in pieces of any size; it returns the events completed by
 * each piece. `lastEventId` and `retryMs` follow the stream's `id:` and `retry:` fields.
 */
export class SseParser {
  lastEventId = '';
  /** The reconnection delay the server asked for (ms); null until it sends `retry:`. */
  retryMs: number | null = null;
  private buffer = '';
  private data: string[] = [];
  private type = '';
  /** A `\r` ended the previous piece: a `\n` starting the next one belongs to the same line break. */
  private isAfterCr = false;

  feed(text: string): SseEvent[] {
    let chunk = text;
    if (this.isAfterCr && chunk.startsWith('\n')) chunk = chunk.slice(1);
    this.isAfterCr = chunk.endsWith('\r');
    this.buffer += chunk;
    const events: SseEvent[] = [];
    const lines = this.buffer.split(/\r\n|\r|\n/);
    this.buffer = lines.pop() ?? '';
    for (const line of lines) {
      const event = this.line(line);
      if (event !== null) events.push(event);
    }
    return events;
  }

  /** Drops a half-received event (the connection was lost); ids and retry stay. */
  reset(): void {
    this.buffer = '';
    this.data = [];
    this.type = '';
    this.isAfterCr = false;
  }

  private line(line: string): SseEvent | null {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return null;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'data':
        this.data.push(value);
        break;
      case 'event':
        this.type = value;
        break;
      case 'id':
        // The format ignores an id holding NUL.
        if (!value.includes('\u0000')) this.lastEventId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retryMs = Number(value);
        break;
      default:
        break;
    }
    return null;
  }

  private dispatch(): SseEvent | null {
    const hasData = this.data.length > 0;
    const event = hasData ? { type: this.type === '' ? 'message' : this.type, data: this.data.join('\n'), lastEventId: this.lastEventId } : null;
    this.data = [];
    this.type = '';
    return event;
  }
}
