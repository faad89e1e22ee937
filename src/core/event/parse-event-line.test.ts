import { describe, expect, it } from 'vitest';
import { isBlankLine, parseEventLine, utf8Length } from './parse-event-line.js';

const reasonOf = (line: string, max?: number): string => {
  const r = parseEventLine(line, max);
  return r.kind === 'bad' ? r.reason : 'event';
};

describe('parseEventLine', () => {
  it('accepts an object with user_id, page and an epoch-ms timestamp, keeping every field', () => {
    const r = parseEventLine('{"user_id":42,"page":"/a","timestamp":1700000000000,"value":3.5,"action":"click"}');
    expect(r).toEqual({ kind: 'event', eventTimeMs: 1700000000000, fields: { user_id: 42, page: '/a', timestamp: 1700000000000, value: 3.5, action: 'click' } });
  });

  it('accepts string user ids', () => {
    expect(reasonOf('{"user_id":"u1","page":"/","timestamp":0}')).toBe('event');
  });

  it('names the reason of each bad record', () => {
    expect(reasonOf('not json')).toBe('NOT_JSON');
    expect(reasonOf('{"user_id":1,"page":"/"')).toBe('NOT_JSON');
    expect(reasonOf('[1,2]')).toBe('NOT_AN_OBJECT');
    expect(reasonOf('"x"')).toBe('NOT_AN_OBJECT');
    expect(reasonOf('null')).toBe('NOT_AN_OBJECT');
    expect(reasonOf('{"page":"/","timestamp":0}')).toBe('MISSING_USER_ID');
    expect(reasonOf('{"user_id":1.5,"page":"/","timestamp":0}')).toBe('INVALID_USER_ID');
    expect(reasonOf('{"user_id":true,"page":"/","timestamp":0}')).toBe('INVALID_USER_ID');
    expect(reasonOf('{"user_id":null,"page":"/","timestamp":0}')).toBe('INVALID_USER_ID');
    expect(reasonOf('{"user_id":1,"timestamp":0}')).toBe('MISSING_PAGE');
    expect(reasonOf('{"user_id":1,"page":7,"timestamp":0}')).toBe('INVALID_PAGE');
    expect(reasonOf('{"user_id":1,"page":"/"}')).toBe('MISSING_TIMESTAMP');
    expect(reasonOf('{"user_id":1,"page":"/","timestamp":"yesterday"}')).toBe('INVALID_TIMESTAMP');
    expect(reasonOf('')).toBe('EMPTY');
  });

  it('rejects integer ids beyond 2^53 instead of rounding them into another id', () => {
    expect(reasonOf('{"user_id":9007199254740991,"page":"/","timestamp":0}')).toBe('event');
    expect(reasonOf('{"user_id":9007199254740993,"page":"/","timestamp":0}')).toBe('INVALID_USER_ID');
  });

  it('rejects a line over the size limit, counting UTF-8 bytes', () => {
    const line = `{"user_id":1,"page":"/${'é'.repeat(40)}","timestamp":0}`;
    expect(utf8Length(line)).toBe(line.length + 40);
    expect(reasonOf(line, line.length + 40)).toBe('event');
    expect(reasonOf(line, line.length + 39)).toBe('TOO_LARGE');
  });
});

describe('isBlankLine', () => {
  it('is true for whitespace only', () => {
    expect([isBlankLine(''), isBlankLine(' \t\r'), isBlankLine(' x ')]).toEqual([true, true, false]);
  });
});
