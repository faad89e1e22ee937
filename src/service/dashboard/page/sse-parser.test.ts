import { describe, expect, it } from 'vitest';
import { SseParser } from './sse-parser.js';

describe('SseParser', () => {
  it('reads the API stream: retry, events with ids, id-only lines, heartbeats and gaps', () => {
    const parser = new SseParser();
    const events = parser.feed(
      'retry: 2000\n\nid: mi3k-1\ndata: {"count":3}\n\nid: mi3k-4\n\n: heartbeat\n\nevent: gap\nid: mi3k-9\ndata: {"from":5,"to":9,"reason":"evicted"}\n\n',
    );
    expect(parser.retryMs).toBe(2000);
    expect(events).toEqual([
      { type: 'message', data: '{"count":3}', lastEventId: 'mi3k-1' },
      { type: 'gap', data: '{"from":5,"to":9,"reason":"evicted"}', lastEventId: 'mi3k-9' },
    ]);
    expect(parser.lastEventId).toBe('mi3k-9');
  });

  it('moves the resume point on an id-only block without dispatching an event', () => {
    const parser = new SseParser();
    expect(parser.feed('id: run-7\n\n')).toEqual([]);
    expect(parser.lastEventId).toBe('run-7');
  });

  it('joins events split anywhere across pieces, CRLF pairs included, and multi-line data', () => {
    const text = 'id: a-1\r\ndata: one\r\ndata: two\r\n\r\ndata:x\r\n\r\n';
    for (let cut = 0; cut <= text.length; cut++) {
      const parser = new SseParser();
      const events = [...parser.feed(text.slice(0, cut)), ...parser.feed(text.slice(cut))];
      expect(events).toEqual([
        { type: 'message', data: 'one\ntwo', lastEventId: 'a-1' },
        { type: 'message', data: 'x', lastEventId: 'a-1' },
      ]);
    }
  });

  it('drops a half-received event on reset but keeps the last id', () => {
    const parser = new SseParser();
    parser.feed('id: r-2\ndata: {"half":');
    parser.reset();
    expect(parser.feed('data: whole\n\n')).toEqual([{ type: 'message', data: 'whole', lastEventId: 'r-2' }]);
  });

  it('ignores unknown fields, a retry that is not a number and an id with NUL', () => {
    const parser = new SseParser();
    expect(parser.feed('foo: bar\nretry: soon\nid: bad\u0000id\ndata: d\n\n')).toEqual([{ type: 'message', data: 'd', lastEventId: '' }]);
    expect(parser.retryMs).toBeNull();
  });
});
