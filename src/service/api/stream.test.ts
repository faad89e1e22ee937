import { describe, expect, it } from 'vitest';
import { ApiError } from './errors.js';
import { keyMatches as matchesKey } from '../../core/operator/key-table.js';
import { eventId, readLastEventId, runOf } from './stream.js';

describe('event stream helpers', () => {
  it('reads Last-Event-ID as the run and sequence number of an event, and refuses anything else', () => {
    expect(readLastEventId(undefined)).toBeNull();
    expect(readLastEventId('')).toBeNull();
    expect(readLastEventId('mi3k2x7b-42')).toEqual({ run: 'mi3k2x7b', sequence: 42 });
    expect(readLastEventId(` ${eventId(runOf(1795392000000), 7)} `)).toEqual({ run: runOf(1795392000000), sequence: 7 });
    for (const bad of ['abc', '42', 'run-', '-1', 'MI3-1', 'a-1.5', 'a-99999999999999999', 'a-1-2']) expect(() => readLastEventId(bad), bad).toThrow(ApiError);
  });

  it('matches keys exactly, with the JSON type: 42 is not "42"', () => {
    expect(matchesKey({ user_id: 42, page: '/' }, {})).toBe(true);
    expect(matchesKey({ user_id: 42, page: '/' }, { user_id: 42 })).toBe(true);
    expect(matchesKey({ user_id: 42 }, { user_id: '42' })).toBe(false);
    expect(matchesKey({ user_id: null }, { user_id: 'null' })).toBe(false);
    expect(matchesKey({ tags: ['a', 'b'] }, { tags: ['a', 'b'] })).toBe(true);
  });
});
