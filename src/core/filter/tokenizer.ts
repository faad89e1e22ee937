// Tokenizer of the filter language: source text in, one token at a time out, with source offsets.

import { filterError, type FilterErrorDetails } from './diagnostic.js';

/** Reserved words, in lower case; they match in any case (`AND`, `startsWith`, `Null`). */
export type Keyword =
  | 'and'
  | 'or'
  | 'not'
  | 'in'
  | 'true'
  | 'false'
  | 'null'
  | 'startswith'
  | 'contains'
  | 'endswith'
  | 'matches';

export const KEYWORDS: ReadonlySet<string> = new Set<Keyword>([
  'and',
  'or',
  'not',
  'in',
  'true',
  'false',
  'null',
  'startswith',
  'contains',
  'endswith',
  'matches',
]);

export type SymbolText = '(' | ')' | ',' | '==' | '!=' | '<' | '<=' | '>' | '>=' | '&&' | '||' | '!';

interface Span {
  /** Offset of the first character (0-based, UTF-16 code units). */
  readonly start: number;
  /** Offset just past the last character. */
  readonly end: number;
}

/** A field name: a bare identifier or a backquoted name. */
export interface FieldToken extends Span {
  readonly kind: 'field';
  readonly name: string;
}
export interface StringToken extends Span {
  readonly kind: 'string';
  readonly value: string;
}
export interface NumberToken extends Span {
  readonly kind: 'number';
  readonly value: number;
}
export interface KeywordToken extends Span {
  readonly kind: 'keyword';
  readonly keyword: Keyword;
}
export interface SymbolToken extends Span {
  readonly kind: 'symbol';
  readonly symbol: SymbolText;
}
/** End of input; `start === end === source.length`. */
export interface EndToken extends Span {
  readonly kind: 'end';
}

export type Token = FieldToken | StringToken | NumberToken | KeywordToken | SymbolToken | EndToken;

const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_]*/y;
const DIGITS = /[0-9]+/y;
const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  '`': '`',
  '/': '/',
  n: '\n',
  r: '\r',
  t: '\t',
  b: '\b',
  f: '\f',
  v: '\v',
  '0': '\0',
};

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function isIdentifierPart(code: number): boolean {
  return isDigit(code) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
}

/** `'#'`, or `'…' (U+2026)` for characters outside printable ASCII. */
export function describeCharacter(source: string, offset: number): string {
  const codePoint = source.codePointAt(offset) ?? 0;
  const hex = `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
  if (codePoint >= 0x21 && codePoint <= 0x7e) return `'${String.fromCodePoint(codePoint)}'`;
  if (codePoint < 0x20 || (codePoint >= 0x7f && codePoint <= 0xa0)) return hex;
  return `'${String.fromCodePoint(codePoint)}' (${hex})`;
}

/** Reads tokens from `source` on demand, so errors surface in source order. Throws FILTER_SYNTAX. */
export class Tokenizer {
  private offset = 0;

  constructor(private readonly source: string) {}

  /** The next token; after the end of input it keeps returning the end token. */
  next(): Token {
    const source = this.source;
    this.skipWhitespace();
    const start = this.offset;
    if (start >= source.length) return { kind: 'end', start, end: start };
    const char = source[start] as string;
    const code = source.charCodeAt(start);

    if (isDigit(code) || (char === '-' && isDigit(source.charCodeAt(start + 1)))) return this.readNumber();
    if (char === '-') throw this.error(start, "expected a digit after '-'", { hint: 'write negative numbers without a space: -3, -2.5' });
    if (char === "'" || char === '"') {
      return { kind: 'string', value: this.readQuoted(char, 'string'), start, end: this.offset };
    }
    if (char === '`') {
      const name = this.readQuoted('`', 'field name');
      if (name === '') throw this.error(start, 'empty field name in backquotes');
      return { kind: 'field', name, start, end: this.offset };
    }
    IDENTIFIER.lastIndex = start;
    const word = IDENTIFIER.exec(source)?.[0];
    if (word !== undefined) {
      this.offset = start + word.length;
      const lower = word.toLowerCase();
      if (KEYWORDS.has(lower)) return { kind: 'keyword', keyword: lower as Keyword, start, end: this.offset };
      return { kind: 'field', name: word, start, end: this.offset };
    }
    return this.readSymbol(start);
  }

  private skipWhitespace(): void {
    const source = this.source;
    while (this.offset < source.length) {
      const code = source.charCodeAt(this.offset);
      if (code !== 32 && code !== 9 && code !== 10 && code !== 13) return;
      this.offset++;
    }
  }

  private readSymbol(start: number): SymbolToken {
    const two = this.source.slice(start, start + 2);
    const symbol = (token: SymbolText): SymbolToken => {
      this.offset = start + token.length;
      return { kind: 'symbol', symbol: token, start, end: this.offset };
    };
    switch (two) {
      case '==':
      case '!=':
      case '<=':
      case '>=':
      case '&&':
      case '||':
        return symbol(two);
    }
    switch (two[0]) {
      case '(':
      case ')':
      case ',':
      case '<':
      case '>':
      case '!':
        return symbol(two[0]);
      case '=':
        throw this.error(start, "unexpected '='", { hint: "compare with '=='" });
      case '&':
        throw this.error(start, "unexpected '&'", { hint: "write '&&' or 'and'" });
      case '|':
        throw this.error(start, "unexpected '|'", { hint: "write '||' or 'or'" });
    }
    throw this.error(start, `unexpected character ${describeCharacter(this.source, start)}`);
  }

  private readNumber(): NumberToken {
    const source = this.source;
    const start = this.offset;
    let offset = source[start] === '-' ? start + 1 : start;
    let isInteger = true;
    const readDigits = (what: string): void => {
      DIGITS.lastIndex = offset;
      const digits = DIGITS.exec(source)?.[0];
      if (digits === undefined) throw this.error(offset, `expected a digit ${what}`);
      offset += digits.length;
    };
    readDigits('');
    if (source[offset] === '.') {
      isInteger = false;
      offset++;
      readDigits("after '.' in a number");
    }
    if (source[offset] === 'e' || source[offset] === 'E') {
      isInteger = false;
      offset++;
      if (source[offset] === '+' || source[offset] === '-') offset++;
      readDigits('in the exponent of a number');
    }
    const text = source.slice(start, offset);
    if (offset < source.length && (isIdentifierPart(source.charCodeAt(offset)) || source[offset] === '.')) {
      throw this.error(offset, `unexpected character ${describeCharacter(source, offset)} after the number ${text}`);
    }
    const value = Number(text);
    if (!Number.isFinite(value)) throw this.error(start, `number ${text} is out of range`);
    // Integers past 2^53 would silently round and then compare equal to their neighbours.
    if (isInteger && !Number.isSafeInteger(value)) {
      throw this.error(start, `integer ${text} is too large to compare exactly`, {
        hint: `integers are limited to ±${Number.MAX_SAFE_INTEGER}; quote the value if the field holds a string`,
      });
    }
    this.offset = offset;
    return { kind: 'number', value, start, end: offset };
  }

  /** Reads a quoted run with backslash escapes; `this.offset` is on the opening quote. */
  private readQuoted(quote: string, what: string): string {
    const source = this.source;
    const start = this.offset;
    let offset = start + 1;
    let value = '';
    let runStart = offset;
    for (;;) {
      if (offset >= source.length) throw this.error(start, `unterminated ${what}: no closing ${quote}`);
      const char = source[offset];
      if (char === quote) break;
      if (char !== '\\') {
        offset++;
        continue;
      }
      value += source.slice(runStart, offset);
      const [decoded, length] = this.readEscape(offset, what);
      value += decoded;
      offset += length;
      runStart = offset;
    }
    value += source.slice(runStart, offset);
    this.offset = offset + 1;
    return value;
  }

  /** Decodes the escape at `offset` (on the backslash); returns the text and the length consumed. */
  private readEscape(offset: number, what: string): [string, number] {
    const source = this.source;
    const letter = source[offset + 1];
    if (letter === undefined) throw this.error(offset, `unterminated ${what}: nothing after '\\'`);
    const simple = SIMPLE_ESCAPES[letter];
    if (simple !== undefined) return [simple, 2];
    if (letter === 'u') {
      const braced = /\{([0-9A-Fa-f]{1,6})\}/y;
      braced.lastIndex = offset + 2;
      const long = braced.exec(source);
      if (long !== null) {
        const codePoint = parseInt(long[1] as string, 16);
        if (codePoint > 0x10ffff) throw this.error(offset, `escape '\\u${long[0]}' is past U+10FFFF`);
        return [String.fromCodePoint(codePoint), 2 + long[0].length];
      }
      const short = /[0-9A-Fa-f]{4}/y;
      short.lastIndex = offset + 2;
      const hex = short.exec(source);
      if (hex !== null) return [String.fromCharCode(parseInt(hex[0], 16)), 6];
      throw this.error(offset, "invalid escape '\\u'", { hint: 'write four hex digits or up to six in braces: \\u00e9, \\u{1F600}' });
    }
    throw this.error(offset, `unknown escape '\\${letter}' in a ${what}`, {
      hint: `for a backslash itself, as in a regex class like \\d, write \\\\${letter}`,
    });
  }

  private error(offset: number, problem: string, details: FilterErrorDetails = {}): Error {
    return filterError('FILTER_SYNTAX', this.source, offset, problem, details);
  }
}

/** All tokens of `source`, ending with the end token. Throws FILTER_SYNTAX. */
export function tokenize(source: string): readonly Token[] {
  const tokenizer = new Tokenizer(source);
  const tokens: Token[] = [];
  for (;;) {
    const token = tokenizer.next();
    tokens.push(token);
    if (token.kind === 'end') return tokens;
  }
}
