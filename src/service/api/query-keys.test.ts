import { describe, expect, it } from 'vitest';
import { ApiError } from './errors.js';
import { readKeyMatch, readKeyValue, readTime } from './query-keys.js';

function problem(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof ApiError) return `${error.statusCode} ${error.path ?? ''}: ${error.message}`;
    throw error;
  }
  throw new Error('expected an ApiError');
}

describe('key values in a query', () => {
  it('reads a JSON number literal as the number, a JSON-quoted string as the string, anything else as the text', () => {
    expect(readKeyValue('42', 'key.user_id')).toBe(42);
    expect(readKeyValue('-1.5e2', 'key.x')).toBe(-150);
    expect(readKeyValue('"42"', 'key.user_id')).toBe('42');
    expect(readKeyValue('"a \\"quoted\\" name"', 'key.x')).toBe('a "quoted" name');
    expect(readKeyValue('alice', 'key.user_id')).toBe('alice');
    expect(readKeyValue('042', 'key.x')).toBe('042');
    expect(readKeyValue('1.', 'key.x')).toBe('1.');
    expect(readKeyValue('true', 'key.x')).toBe('true');
    expect(readKeyValue('', 'key.x')).toBe('');
    expect(readKeyValue('"', 'key.x')).toBe('"');
  });

  it('refuses numbers that would name another key, and broken JSON strings', () => {
    expect(problem(() => readKeyValue('9007199254740993', 'key.user_id'))).toMatch(/^400 key\.user_id: 9007199254740993 is beyond 2\^53 - 1.*quote it/);
    expect(readKeyValue('9007199254740991', 'key.user_id')).toBe(Number.MAX_SAFE_INTEGER);
    expect(problem(() => readKeyValue('1e400', 'key.x'))).toMatch(/beyond the range of numbers/);
    expect(problem(() => readKeyValue('"a\\q"', 'key.x'))).toMatch(/not a valid JSON string/);
    expect(problem(() => readKeyValue('x'.repeat(1025), 'key.x'))).toMatch(/longer than 1024 characters/);
  });

  it('collects key.<field> parameters of the keyBy fields, and names any other', () => {
    expect(readKeyMatch({ 'key.user_id': '42', 'key.page': '"/home"', limit: 5 }, ['user_id', 'page'])).toEqual({ user_id: 42, page: '/home' });
    expect(readKeyMatch({ limit: 5 }, ['user_id'])).toEqual({});
    expect(problem(() => readKeyMatch({ 'key.page': '/' }, ['user_id']))).toBe("400 key.page: unknown key field 'page' (the job groups by user_id)");
    expect(problem(() => readKeyMatch({ 'key.page': '/' }, []))).toMatch(/one group \(keyBy: \[\]\)/);
    expect(problem(() => readKeyMatch({ 'key.user_id': ['1', '2'] }, ['user_id']))).toMatch(/given more than once/);
  });
});

describe('times in a query', () => {
  it('reads epoch milliseconds and ISO-8601 with a zone', () => {
    expect(readTime('1795392000000', 'from')).toBe(1795392000000);
    expect(readTime('2026-11-23T00:00:00Z', 'from')).toBe(1795392000000);
    expect(readTime('2026-11-23T08:00:00+08:00', 'from')).toBe(1795392000000);
  });

  it('refuses local times, words and numbers out of range', () => {
    expect(problem(() => readTime('2026-11-23T00:00:00', 'from'))).toMatch(/^400 from: "2026-11-23T00:00:00" is not a time: write epoch milliseconds or ISO-8601 with a zone/);
    expect(problem(() => readTime('now', 'at'))).toMatch(/^400 at:/);
    expect(problem(() => readTime('99999999999999999', 'to'))).toMatch(/^400 to:/);
    expect(problem(() => readTime('-5', 'to'))).toMatch(/^400 to:/);
  });
});
