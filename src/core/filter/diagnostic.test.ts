// Diagnostic tests: positions, the caret drawing and the error fields.

import { describe, expect, it } from 'vitest';
import { describePosition, filterError, locate } from './diagnostic.js';

describe('locate', () => {
  it('counts lines and columns from 1', () => {
    expect(locate('ab\ncd', 0)).toEqual({ line: 1, column: 1 });
    expect(locate('ab\ncd', 2)).toEqual({ line: 1, column: 3 });
    expect(locate('ab\ncd', 3)).toEqual({ line: 2, column: 1 });
    expect(locate('ab\ncd', 5)).toEqual({ line: 2, column: 3 });
  });
});

describe('describePosition', () => {
  it('names the line only when the source has several', () => {
    expect(describePosition('a == 1', 5)).toBe('column 6');
    expect(describePosition('a ==\n1', 5)).toBe('line 2, column 1');
  });
});

describe('filterError', () => {
  it('writes the problem, position, reason, found token, caret and hint', () => {
    const error = filterError('FILTER_SYNTAX', 'a == #', 5, 'bad thing', { reason: 'why', found: "'#'", hint: 'fix it' });
    expect(error.code).toBe('FILTER_SYNTAX');
    expect(error.path).toBe('1:6');
    expect(error.retriable).toBe(false);
    expect(error.message).toBe("filter: bad thing at column 6: why, found '#'\n  a == #\n       ^\n  hint: fix it");
  });

  it('shows only the offending line of a multi-line source', () => {
    expect(filterError('FILTER_SYNTAX', 'a == 1\nand b ==\nor', 15, 'x').message).toBe(
      'filter: x at line 2, column 9\n  and b ==\n          ^',
    );
  });

  it('draws tabs as single spaces so the caret lines up', () => {
    expect(filterError('FILTER_SYNTAX', '\ta\t== #', 6, 'x').message).toBe('filter: x at column 7\n   a == #\n        ^');
  });

  it('cuts a long line around the caret', () => {
    const source = `${'a == 1 and '.repeat(20)}#${' and b == 2'.repeat(20)}`;
    const offset = source.indexOf('#');
    const [, excerpt, caret] = filterError('FILTER_SYNTAX', source, offset, 'x').message.split('\n');
    expect(excerpt?.startsWith('  …')).toBe(true);
    expect(excerpt?.endsWith('…')).toBe(true);
    expect(excerpt?.length).toBeLessThan(80);
    expect(excerpt?.[caret?.indexOf('^') ?? -1]).toBe('#');
  });

  it('points past the last character at the end of input', () => {
    expect(filterError('FILTER_SYNTAX', 'a ==', 4, 'x').message).toBe('filter: x at column 5\n  a ==\n      ^');
  });
});
