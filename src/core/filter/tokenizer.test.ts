// Tokenizer tests: every token kind, escapes, numbers, and each lexical error with its column.

import { describe, expect, it } from 'vitest';
import { EngineError } from '../errors.js';
import { tokenize, type Token } from './tokenizer.js';

/** Tokens without offsets, for compact expectations. */
function shapes(source: string): unknown[] {
  return tokenize(source).map((token: Token) => {
    switch (token.kind) {
      case 'field':
        return ['field', token.name];
      case 'string':
        return ['string', token.value];
      case 'number':
        return ['number', token.value];
      case 'keyword':
        return ['keyword', token.keyword];
      case 'symbol':
        return token.symbol;
      case 'end':
        return 'end';
    }
  });
}

function tokenizeError(source: string): EngineError {
  try {
    tokenize(source);
  } catch (error) {
    if (error instanceof EngineError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(source)} not to tokenize`);
}

describe('tokenize', () => {
  it('splits an expression into fields, operators, literals and keywords', () => {
    expect(shapes("page == '/shop' && value >= 3.5")).toEqual([
      ['field', 'page'],
      '==',
      ['string', '/shop'],
      '&&',
      ['field', 'value'],
      '>=',
      ['number', 3.5],
      'end',
    ]);
  });

  it('records the start and end offset of every token', () => {
    expect(tokenize('a  != `b c`').map((token) => [token.start, token.end])).toEqual([
      [0, 1],
      [3, 5],
      [6, 11],
      [11, 11],
    ]);
  });

  it('reads every symbol, longest first', () => {
    expect(shapes('( ) , == != < <= > >= && || !')).toEqual([
      '(',
      ')',
      ',',
      '==',
      '!=',
      '<',
      '<=',
      '>',
      '>=',
      '&&',
      '||',
      '!',
      'end',
    ]);
    expect(shapes('!a!=b')).toEqual(['!', ['field', 'a'], '!=', ['field', 'b'], 'end']);
  });

  it('reads keywords in any case', () => {
    expect(shapes('AND Or nOt IN TRUE False NULL startsWith STARTSWITH contains EndsWith MATCHES')).toEqual([
      ['keyword', 'and'],
      ['keyword', 'or'],
      ['keyword', 'not'],
      ['keyword', 'in'],
      ['keyword', 'true'],
      ['keyword', 'false'],
      ['keyword', 'null'],
      ['keyword', 'startswith'],
      ['keyword', 'startswith'],
      ['keyword', 'contains'],
      ['keyword', 'endswith'],
      ['keyword', 'matches'],
      'end',
    ]);
  });

  it('reads identifiers with letters, digits and underscores, keeping their case', () => {
    expect(shapes('_a User_ID2 android')).toEqual([['field', '_a'], ['field', 'User_ID2'], ['field', 'android'], 'end']);
  });

  it('reads backquoted field names with any characters', () => {
    expect(shapes('`geo.country` `in` `a b\\`c`')).toEqual([
      ['field', 'geo.country'],
      ['field', 'in'],
      ['field', 'a b`c'],
      'end',
    ]);
  });

  it('reads integers, decimals, negatives and exponents', () => {
    expect(shapes('0 42 -7 3.25 -0.5 1e3 2E-2 1.5e+2 007')).toEqual([
      ['number', 0],
      ['number', 42],
      ['number', -7],
      ['number', 3.25],
      ['number', -0.5],
      ['number', 1000],
      ['number', 0.02],
      ['number', 150],
      ['number', 7],
      'end',
    ]);
  });

  it('reads single- and double-quoted strings with backslash escapes', () => {
    expect(shapes(`'it\\'s' "say \\"hi\\"" 'a\\\\b' '\\n\\t\\r\\b\\f\\v\\0\\/' "\\u00e9\\u{1F600}" 'x"y' "x'y"`)).toEqual([
      ['string', "it's"],
      ['string', 'say "hi"'],
      ['string', 'a\\b'],
      ['string', '\n\t\r\b\f\v\0/'],
      ['string', 'é😀'],
      ['string', 'x"y'],
      ['string', "x'y"],
      'end',
    ]);
  });

  it('keeps raw newlines and non-ASCII characters inside strings', () => {
    expect(shapes("'line\nnext' 'café 😀'")).toEqual([['string', 'line\nnext'], ['string', 'café 😀'], 'end']);
  });

  it('skips spaces, tabs and line breaks between tokens', () => {
    expect(shapes('\ta\r\n==\n1 ')).toEqual([['field', 'a'], '==', ['number', 1], 'end']);
  });

  it.each([
    ['a == #', "unexpected character '#' at column 6"],
    ['a == 1 ; b', "unexpected character ';' at column 8"],
    ['a\u00a0== 1', 'unexpected character U+00A0 at column 2'],
    ['a == …', "unexpected character '…' (U+2026) at column 6"],
    ['a = 1', "unexpected '=' at column 3"],
    ['a == 1 & b', "unexpected '&' at column 8"],
    ['a == 1 | b', "unexpected '|' at column 8"],
    ['a == - 1', "expected a digit after '-' at column 6"],
    ['a == 1.', "expected a digit after '.' in a number at column 8"],
    ['a == 1e', 'expected a digit in the exponent of a number at column 8'],
    ['a == 1e+', 'expected a digit in the exponent of a number at column 9'],
    ['a == 12abc', "unexpected character 'a' after the number 12 at column 8"],
    ['a == 1.2.3', "unexpected character '.' after the number 1.2 at column 9"],
    ['a == 1e999', 'number 1e999 is out of range at column 6'],
    ['a == 9007199254740993', 'integer 9007199254740993 is too large to compare exactly at column 6'],
    ["a == 'abc", "unterminated string: no closing ' at column 6"],
    ['a == "abc\'', 'unterminated string: no closing " at column 6'],
    ['`abc == 1', 'unterminated field name: no closing ` at column 1'],
    ["a == 'abc\\", "unterminated string: nothing after '\\' at column 10"],
    ['`` == 1', 'empty field name in backquotes at column 1'],
    ["a == '\\d'", "unknown escape '\\d' in a string at column 7"],
    ['`a\\.b` == 1', "unknown escape '\\.' in a field name at column 3"],
    ["a == '\\u12'", "invalid escape '\\u' at column 7"],
    ["a == '\\u{110000}'", "escape '\\u{110000}' is past U+10FFFF at column 7"],
  ])('rejects %j: %s', (source, expected) => {
    const error = tokenizeError(source);
    expect(error.code).toBe('FILTER_SYNTAX');
    expect(error.message.split('\n')[0]).toBe(`filter: ${expected}`);
  });

  it('puts hints under the caret', () => {
    expect(tokenizeError("page matches '^\\d+$'").message).toBe(
      [
        "filter: unknown escape '\\d' in a string at column 16",
        "  page matches '^\\d+$'",
        '                 ^',
        '  hint: for a backslash itself, as in a regex class like \\d, write \\\\d',
      ].join('\n'),
    );
    expect(tokenizeError('a = 1').message).toContain("hint: compare with '=='");
    expect(tokenizeError('a == 12345678901234567890').message).toContain(
      'hint: integers are limited to ±9007199254740991; quote the value if the field holds a string',
    );
  });
});
