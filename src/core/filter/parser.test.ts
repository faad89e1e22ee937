// Parser tests: AST shapes, precedence, every syntax error class with message and column, limits.

import { describe, expect, it } from 'vitest';
import { EngineError } from '../errors.js';
import type { FilterNode, Operand } from './ast.js';
import { MAX_FILTER_DEPTH, MAX_FILTER_LENGTH, parseFilter } from './parser.js';

const field = (name: string): Operand => ({ kind: 'field', name });
const value = (literal: string | number | boolean | null): Operand => ({ kind: 'literal', value: literal });
const eq = (name: string, literal: string | number | boolean | null): FilterNode => ({
  kind: 'comparison',
  operator: '==',
  left: field(name),
  right: value(literal),
});

function parseError(source: string): EngineError {
  try {
    parseFilter(source);
  } catch (error) {
    if (error instanceof EngineError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(source)} not to parse`);
}

/** The first line of the message, without the `filter: ` prefix. */
function problemOf(source: string): string {
  return (parseError(source).message.split('\n')[0] ?? '').replace(/^filter: /, '');
}

describe('parseFilter: shapes', () => {
  it('parses each comparison operator with a field on the left and a literal on the right', () => {
    for (const operator of ['==', '!=', '<', '<=', '>', '>='] as const) {
      expect(parseFilter(`value ${operator} 3`)).toEqual({
        kind: 'comparison',
        operator,
        left: field('value'),
        right: value(3),
      });
    }
  });

  it('accepts a literal on the left and a field on either side', () => {
    expect(parseFilter("'x' == page")).toEqual({ kind: 'comparison', operator: '==', left: value('x'), right: field('page') });
    expect(parseFilter('a < b')).toEqual({ kind: 'comparison', operator: '<', left: field('a'), right: field('b') });
    expect(parseFilter('1 == 1')).toEqual({ kind: 'comparison', operator: '==', left: value(1), right: value(1) });
  });

  it('parses the literals true, false, null, strings and numbers', () => {
    expect(parseFilter('a == true or a == FALSE or a == Null or a == "s" or a == -2.5e1')).toEqual({
      kind: 'or',
      operands: [eq('a', true), eq('a', false), eq('a', null), eq('a', 's'), eq('a', -25)],
    });
  });

  it('parses in and not in lists of mixed literals', () => {
    expect(parseFilter("page in ('a', 'b', 3, null, true)")).toEqual({
      kind: 'in',
      isNegated: false,
      operand: field('page'),
      values: ['a', 'b', 3, null, true],
    });
    expect(parseFilter('user_id NOT IN (1)')).toEqual({ kind: 'in', isNegated: true, operand: field('user_id'), values: [1] });
  });

  it('parses startsWith, contains, endsWith and matches', () => {
    expect(parseFilter("page startsWith '/shop'")).toEqual({
      kind: 'string-test',
      operator: 'startsWith',
      left: field('page'),
      right: value('/shop'),
    });
    expect(parseFilter('url CONTAINS ref')).toEqual({
      kind: 'string-test',
      operator: 'contains',
      left: field('url'),
      right: field('ref'),
    });
    expect(parseFilter("page endswith '.html'")).toEqual({
      kind: 'string-test',
      operator: 'endsWith',
      left: field('page'),
      right: value('.html'),
    });
    expect(parseFilter("page matches '^/p/[0-9]+$'")).toEqual({ kind: 'matches', operand: field('page'), pattern: '^/p/[0-9]+$' });
  });

  it('reads a backquoted name as one top-level field', () => {
    expect(parseFilter("`geo.country` == 'NL'")).toEqual(eq('geo.country', 'NL'));
    expect(parseFilter('`in` == 1')).toEqual(eq('in', 1));
  });

  it('accepts a bare true or false as a constant condition', () => {
    expect(parseFilter('true')).toEqual({ kind: 'constant', value: true });
    expect(parseFilter('not FALSE')).toEqual({ kind: 'not', operand: { kind: 'constant', value: false } });
  });

  it('accepts the symbolic forms &&, || and !', () => {
    expect(parseFilter('a == 1 && b == 2 || !c == 3')).toEqual(parseFilter('a == 1 and b == 2 or not c == 3'));
  });
});

describe('parseFilter: precedence', () => {
  it('binds and tighter than or', () => {
    expect(parseFilter('a == 1 or b == 2 and c == 3')).toEqual({
      kind: 'or',
      operands: [eq('a', 1), { kind: 'and', operands: [eq('b', 2), eq('c', 3)] }],
    });
    expect(parseFilter('a == 1 and b == 2 or c == 3')).toEqual({
      kind: 'or',
      operands: [{ kind: 'and', operands: [eq('a', 1), eq('b', 2)] }, eq('c', 3)],
    });
  });

  it('applies not to the one condition that follows it', () => {
    expect(parseFilter('not a == 1 and b == 2')).toEqual({
      kind: 'and',
      operands: [{ kind: 'not', operand: eq('a', 1) }, eq('b', 2)],
    });
    expect(parseFilter('not not a == 1')).toEqual({ kind: 'not', operand: { kind: 'not', operand: eq('a', 1) } });
  });

  it('lets parentheses override precedence', () => {
    expect(parseFilter('(a == 1 or b == 2) and c == 3')).toEqual({
      kind: 'and',
      operands: [{ kind: 'or', operands: [eq('a', 1), eq('b', 2)] }, eq('c', 3)],
    });
    expect(parseFilter('not (a == 1 or b == 2)')).toEqual({
      kind: 'not',
      operand: { kind: 'or', operands: [eq('a', 1), eq('b', 2)] },
    });
  });

  it('collects a chain of one connective into one node, keeping parenthesised groups apart', () => {
    expect(parseFilter('a == 1 or b == 2 or c == 3')).toEqual({ kind: 'or', operands: [eq('a', 1), eq('b', 2), eq('c', 3)] });
    expect(parseFilter('(a == 1 or b == 2) or c == 3')).toEqual({
      kind: 'or',
      operands: [{ kind: 'or', operands: [eq('a', 1), eq('b', 2)] }, eq('c', 3)],
    });
    expect(parseFilter('((a == 1))')).toEqual(eq('a', 1));
  });
});

describe('parseFilter: syntax errors', () => {
  it('draws the source line with a caret under the column', () => {
    const error = parseError('page == ');
    expect(error.code).toBe('FILTER_SYNTAX');
    expect(error.path).toBe('1:9');
    expect(error.message).toBe("filter: expected a value after '==' at column 9, found end of input\n  page == \n          ^");
  });

  it.each([
    ['', 'the filter is empty at column 1'],
    ['   ', 'the filter is empty at column 4'],
    ["page == '/x' and", "expected a condition after 'and' at column 17, found end of input"],
    ['a == 1 or', "expected a condition after 'or' at column 10, found end of input"],
    ['not', "expected a condition after 'not' at column 4, found end of input"],
    ['and a == 1', "expected a condition at column 1, found 'and'"],
    ['()', "expected a condition after '(' at column 2, found ')'"],
    ['a == ', "expected a value after '==' at column 6, found end of input"],
    ['a <= )', "expected a value after '<=' at column 6, found ')'"],
    ['page startsWith', "expected a value after 'startsWith' at column 16, found end of input"],
    ['a == in', "expected a value after '==' at column 6, found 'in'"],
    ['in == 1', "expected a condition at column 1, found 'in'"],
    ['is_bot', "expected an operator after field 'is_bot' at column 7, found end of input"],
    ['page like "x"', "expected an operator after field 'page' at column 6, found field 'like'"],
    ['42', 'expected an operator after number 42 at column 3, found end of input'],
    ["'x' and a == 1", "expected an operator after string 'x' at column 5, found 'and'"],
    ['null', "expected an operator after 'null' at column 5, found end of input"],
    ['(a == 1', "expected ')' at column 8, found end of input"],
    ['(a == 1 b == 2)', "expected ')' at column 9, found field 'b'"],
    ['a == 1)', "unexpected ')' without a matching '(' at column 7"],
    ['a == 1 b == 2', "expected 'and', 'or' or end of input at column 8, found field 'b'"],
    ['a == b == c', "comparisons cannot be chained at column 8, found '=='"],
    ['a in "x"', "expected '(' after 'in' at column 6, found string \"x\""],
    ['a not in 1', "expected '(' after 'in' at column 10, found number 1"],
    ['a in ()', "expected at least one value in the list after 'in' at column 7"],
    ['a in (1 2)', "expected ',' or ')' in the list after 'in' at column 9, found number 2"],
    ['a in (1,)', "expected a literal in the list after 'in' at column 9, found ')'"],
    ['a in (1, b)', "expected a literal in the list after 'in' at column 10, found field 'b'"],
    ['a in (1', "expected ',' or ')' in the list after 'in' at column 8, found end of input"],
    ["a not contains 'x'", "expected 'in' after 'not' at column 7, found 'contains'"],
    ['a matches b', "expected a quoted pattern after 'matches' at column 11, found field 'b'"],
    ['a matches 1', "expected a quoted pattern after 'matches' at column 11, found number 1"],
    ['a < null', "'<' orders numbers or strings, not null at column 5"],
    ['true >= a', "'>=' orders numbers or strings, not boolean true at column 1"],
    ['a > false', "'>' orders numbers or strings, not boolean false at column 5"],
    ['page startsWith 5', "'startsWith' tests strings, not number 5 at column 17"],
    ['5 contains page', "'contains' tests strings, not number 5 at column 1"],
    ['null endsWith page', "'endsWith' tests strings, not null at column 1"],
    ["true matches 'x'", "'matches' tests strings, not boolean true at column 1"],
  ])('rejects %j: %s', (source, expected) => {
    const error = parseError(source);
    expect(error.code).toBe('FILTER_SYNTAX');
    expect(error.message.split('\n')[0]).toBe(`filter: ${expected}`);
    const column = /column (\d+)/.exec(expected)?.[1];
    expect(error.path).toBe(`1:${column}`);
  });

  it('quotes a long or multi-line token on one line, cut short', () => {
    expect(problemOf(`a == 1 '${'x'.repeat(50)}'`)).toBe(`expected 'and', 'or' or end of input at column 8, found string '${'x'.repeat(30)}…`);
    expect(problemOf("a == 1 'two\nlines'")).toBe("expected 'and', 'or' or end of input at line 1, column 8, found string 'two lines'");
  });

  it('reports the first problem in source order', () => {
    expect(problemOf("a == and b == 'unterminated")).toBe("expected a value after '==' at column 6, found 'and'");
  });

  it('gives hints for common mistakes', () => {
    expect(parseError('is_bot and a == 1').message).toContain('hint: to test a boolean field, write is_bot == true');
    expect(parseError('page like "x"').message).toContain(
      'hint: operators are == != < <= > >= in, not in, startsWith, contains, endsWith, matches',
    );
    expect(parseError('in == 1').message).toContain("hint: 'in' is a keyword; to read a field of that name, write `in`");
    expect(parseError("a not contains 'x'").message).toContain(
      "hint: to negate another test, put 'not' in front of it: not a contains …",
    );
    expect(parseError('a matches b').message).toContain('hint: the pattern must be a string literal; it cannot come from a field');
    expect(parseError('(a == 1').message).toContain("hint: the '(' at column 1 is still open");
    expect(parseError('a < b < c').message).toContain("hint: join them with 'and': a < b and b < c");
  });

  it('names the line and column in a multi-line filter', () => {
    const error = parseError("page == '/x'\n  and (value >\n)");
    expect(error.path).toBe('3:1');
    expect(error.message).toBe("filter: expected a value after '>' at line 3, column 1, found ')'\n  )\n  ^");
    expect(parseError('(a == 1\n and b == 2').message).toContain("hint: the '(' at line 1, column 1 is still open");
  });
});

describe('parseFilter: regex patterns', () => {
  it('rejects an invalid pattern with FILTER_UNSAFE_REGEX and the reason', () => {
    const error = parseError("page matches '(a'");
    expect(error.code).toBe('FILTER_UNSAFE_REGEX');
    expect(error.path).toBe('1:14');
    expect(error.message).toBe(
      [
        "filter: unusable regex for 'matches' at column 14: missing closing ): `(a`",
        "  page matches '(a'",
        '               ^',
        '  hint: patterns use RE2 syntax: no backreferences, no lookaround',
      ].join('\n'),
    );
  });

  it('rejects backreferences and lookaround, which RE2 does not have', () => {
    expect(parseError("page matches '(a)\\\\1'").code).toBe('FILTER_UNSAFE_REGEX');
    expect(parseError("page matches 'a(?=b)'").code).toBe('FILTER_UNSAFE_REGEX');
    expect(parseError("page matches '(?<!a)b'").code).toBe('FILTER_UNSAFE_REGEX');
  });

  it('rejects a pattern longer than 1000 characters and accepts one of exactly 1000', () => {
    const error = parseError(`page matches '${'a'.repeat(1001)}'`);
    expect(error.code).toBe('FILTER_UNSAFE_REGEX');
    expect(problemOf(`page matches '${'a'.repeat(1001)}'`)).toBe(
      "unusable regex for 'matches' at column 14: the pattern is 1001 characters long; the limit is 1000",
    );
    expect(parseFilter(`page matches '${'a'.repeat(1000)}'`)).toEqual({ kind: 'matches', operand: field('page'), pattern: 'a'.repeat(1000) });
  });
});

describe('parseFilter: limits', () => {
  it(`accepts ${MAX_FILTER_DEPTH} levels of nesting and rejects one more`, () => {
    const nested = (depth: number): string => `${'('.repeat(depth)}a == 1${')'.repeat(depth)}`;
    expect(parseFilter(nested(MAX_FILTER_DEPTH))).toEqual(eq('a', 1));
    expect(problemOf(nested(MAX_FILTER_DEPTH + 1))).toBe('nesting is deeper than 100 levels at column 101');
    expect(parseFilter(`${'not '.repeat(MAX_FILTER_DEPTH)}a == 1`)).toBeDefined();
    expect(problemOf(`${'! '.repeat(MAX_FILTER_DEPTH + 1)}a == 1`)).toBe('nesting is deeper than 100 levels at column 201');
  });

  it('counts parentheses and not together', () => {
    // Levels alternate not, ( ; level 101 is the 51st 'not', at offset 5 × 50.
    expect(problemOf(`${'not ('.repeat(51)}a == 1${')'.repeat(51)}`)).toBe('nesting is deeper than 100 levels at column 251');
  });

  it('fails with an error, not a stack overflow, on deeply nested input at the length limit', () => {
    expect(parseError('('.repeat(MAX_FILTER_LENGTH)).code).toBe('FILTER_SYNTAX');
    expect(parseError('!'.repeat(MAX_FILTER_LENGTH)).code).toBe('FILTER_SYNTAX');
  });

  it(`rejects a filter longer than ${MAX_FILTER_LENGTH} characters`, () => {
    const long = 'a == 1 or '.repeat(1000) + 'a == 1';
    const error = parseError(long);
    expect(error.code).toBe('FILTER_SYNTAX');
    expect(error.message.split('\n')[0]).toBe('filter: the filter is 10006 characters long; the limit is 10000 at column 10001');
  });

  it('parses a long flat chain within the limit', () => {
    const node = parseFilter(Array.from({ length: 700 }, (_, i) => `a == ${i}`).join(' or '));
    expect(node.kind === 'or' && node.operands.length).toBe(700);
  });
});
