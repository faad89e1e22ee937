// Regex tests: RE2 compilation, rejection reasons, the length limit and linear-time matching.

import { describe, expect, it } from 'vitest';
import { compilePattern, MAX_PATTERN_LENGTH } from './regex.js';

describe('compilePattern', () => {
  it('compiles an RE2 pattern for unanchored search', () => {
    const result = compilePattern('[0-9]+');
    expect(result.kind).toBe('compiled');
    if (result.kind !== 'compiled') return;
    expect(result.regex.test('/p/42/x')).toBe(true);
    expect(result.regex.test('/p/x')).toBe(false);
  });

  it('rejects invalid syntax with the reason from RE2', () => {
    expect(compilePattern('[z-a]')).toEqual({ kind: 'rejected', reason: 'invalid character class range: `z-a`', isTooLong: false });
    expect(compilePattern('(a)\\1')).toMatchObject({ kind: 'rejected', reason: 'invalid escape sequence: `\\1`' });
    expect(compilePattern('a(?=b)')).toMatchObject({ kind: 'rejected' });
    expect(compilePattern('x{1001}')).toMatchObject({ kind: 'rejected', reason: 'invalid repeat count: `{1001}`' });
  });

  it(`rejects patterns longer than ${MAX_PATTERN_LENGTH} characters`, () => {
    expect(compilePattern('a'.repeat(MAX_PATTERN_LENGTH)).kind).toBe('compiled');
    expect(compilePattern('a'.repeat(MAX_PATTERN_LENGTH + 1))).toEqual({
      kind: 'rejected',
      reason: 'the pattern is 1001 characters long; the limit is 1000',
      isTooLong: true,
    });
  });

  it('matches a pattern that backtracks catastrophically in RegExp in linear time', () => {
    const result = compilePattern('^(a+)+$');
    if (result.kind !== 'compiled') throw new Error('expected the pattern to compile');
    const startMs = performance.now();
    expect(result.regex.test(`${'a'.repeat(38)}!`)).toBe(false);
    expect(result.regex.test(`${'a'.repeat(100_000)}!`)).toBe(false);
    expect(result.regex.test('a'.repeat(100_000))).toBe(true);
    expect(performance.now() - startMs).toBeLessThan(2000);
  });
});
