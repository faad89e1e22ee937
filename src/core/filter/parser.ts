// Recursive-descent parser of the filter language: source text in, a FilterNode out (see docs/filter.md).

import type {
  ComparisonOperator,
  FilterNode,
  LiteralOperand,
  LiteralValue,
  Operand,
  StringOperator,
} from './ast.js';
import { EngineError } from '../errors.js';
import { describePosition, filterError, type FilterErrorCode, type FilterErrorDetails } from './diagnostic.js';
import { compilePattern } from './regex.js';
import { Tokenizer, type Keyword, type Token } from './tokenizer.js';

/** Longest expression accepted, in UTF-16 code units. */
export const MAX_FILTER_LENGTH = 10_000;

/** Deepest nesting accepted; each enclosing `(` and each `not`/`!` adds one level. */
export const MAX_FILTER_DEPTH = 100;

const COMPARISON_OPERATORS: ReadonlySet<string> = new Set<ComparisonOperator>(['==', '!=', '<', '<=', '>', '>=']);

const STRING_OPERATORS: ReadonlyMap<Keyword, StringOperator> = new Map<Keyword, StringOperator>([
  ['startswith', 'startsWith'],
  ['contains', 'contains'],
  ['endswith', 'endsWith'],
]);

const OPERATOR_LIST = '== != < <= > >= in, not in, startsWith, contains, endsWith, matches';

/** Longest token text quoted in a message; longer text is cut with `…`. */
const MAX_QUOTED_CHARS = 32;

/** Token text fit for a one-line message: control characters as spaces, long text cut. */
function clip(text: string): string {
  const oneLine = text.replace(/[\u0000-\u001f\u007f]/g, ' ');
  return oneLine.length > MAX_QUOTED_CHARS ? `${oneLine.slice(0, MAX_QUOTED_CHARS - 1)}…` : oneLine;
}

/** How a token reads in an error message: `field 'page'`, `string 'x'`, `'and'`, `end of input`. */
function describeToken(token: Token, source: string): string {
  switch (token.kind) {
    case 'field':
      return `field '${clip(token.name)}'`;
    case 'string':
      return `string ${clip(source.slice(token.start, token.end))}`;
    case 'number':
      return `number ${clip(source.slice(token.start, token.end))}`;
    case 'keyword':
    case 'symbol':
      return `'${source.slice(token.start, token.end)}'`;
    case 'end':
      return 'end of input';
  }
}

function isOperandStart(token: Token): boolean {
  if (token.kind === 'field' || token.kind === 'string' || token.kind === 'number') return true;
  return token.kind === 'keyword' && (token.keyword === 'true' || token.keyword === 'false' || token.keyword === 'null');
}

function isLiteralToken(token: Token): boolean {
  return isOperandStart(token) && token.kind !== 'field';
}

function describeLiteral(value: LiteralValue): string {
  return typeof value === 'string' ? 'a string' : value === null ? 'null' : `${typeof value} ${String(value)}`;
}

class Parser {
  private readonly tokenizer: Tokenizer;
  private current: Token;
  private previous: Token | undefined;
  private depth = 0;

  constructor(private readonly source: string) {
    this.tokenizer = new Tokenizer(source);
    this.current = this.tokenizer.next();
  }

  parseFilter(): FilterNode {
    const first = this.current;
    if (first.kind === 'end') throw this.error(first.start, 'the filter is empty');
    const node = this.parseOr();
    const token = this.current;
    if (token.kind === 'end') return node;
    if (token.kind === 'symbol' && token.symbol === ')') {
      throw this.error(token.start, "unexpected ')' without a matching '('");
    }
    if (token.kind === 'symbol' && COMPARISON_OPERATORS.has(token.symbol)) {
      throw this.error(token.start, 'comparisons cannot be chained', {
        found: this.describe(token),
        hint: "join them with 'and': a < b and b < c",
      });
    }
    throw this.error(token.start, "expected 'and', 'or' or end of input", { found: this.describe(token) });
  }

  private advance(): Token {
    const token = this.current;
    this.previous = token;
    this.current = this.tokenizer.next();
    return token;
  }

  private isKeyword(keyword: Keyword): boolean {
    return this.current.kind === 'keyword' && this.current.keyword === keyword;
  }

  private isSymbol(symbol: string): boolean {
    return this.current.kind === 'symbol' && this.current.symbol === symbol;
  }

  private describe(token: Token): string {
    return describeToken(token, this.source);
  }

  /** The token's text as written, e.g. `&&` or `STARTSWITH`. */
  private textOf(token: Token): string {
    return this.source.slice(token.start, token.end);
  }

  private parseOr(): FilterNode {
    const first = this.parseAnd();
    if (!this.isKeyword('or') && !this.isSymbol('||')) return first;
    const operands = [first];
    while (this.isKeyword('or') || this.isSymbol('||')) {
      this.advance();
      operands.push(this.parseAnd());
    }
    return { kind: 'or', operands };
  }

  private parseAnd(): FilterNode {
    const first = this.parseNot();
    if (!this.isKeyword('and') && !this.isSymbol('&&')) return first;
    const operands = [first];
    while (this.isKeyword('and') || this.isSymbol('&&')) {
      this.advance();
      operands.push(this.parseNot());
    }
    return { kind: 'and', operands };
  }

  private parseNot(): FilterNode {
    if (!this.isKeyword('not') && !this.isSymbol('!')) return this.parsePrimary();
    const token = this.advance();
    this.enter(token);
    const operand = this.parseNot();
    this.depth--;
    return { kind: 'not', operand };
  }

  private parsePrimary(): FilterNode {
    const token = this.current;
    if (token.kind === 'symbol' && token.symbol === '(') {
      this.advance();
      this.enter(token);
      const inner = this.parseOr();
      this.depth--;
      if (!this.isSymbol(')')) {
        const closing = this.current;
        const isChained = closing.kind === 'symbol' && COMPARISON_OPERATORS.has(closing.symbol);
        const opened = `the '(' at ${describePosition(this.source, token.start)} is still open`;
        throw this.error(closing.start, "expected ')'", {
          found: this.describe(closing),
          hint: isChained ? `comparisons cannot be chained, join them with 'and'; ${opened}` : opened,
        });
      }
      this.advance();
      return inner;
    }
    if (!isOperandStart(token)) {
      const after = this.previous === undefined ? '' : ` after '${this.textOf(this.previous)}'`;
      throw this.error(token.start, `expected a condition${after}`, {
        found: this.describe(token),
        hint: this.keywordHint(token),
      });
    }
    const leftToken = this.advance();
    return this.parseTest(this.operandOf(leftToken), leftToken);
  }

  /** After the left operand: the operator and what follows it. */
  private parseTest(left: Operand, leftToken: Token): FilterNode {
    const token = this.current;
    if (token.kind === 'symbol' && COMPARISON_OPERATORS.has(token.symbol)) {
      const operator = token.symbol as ComparisonOperator;
      const isOrdering = operator !== '==' && operator !== '!=';
      if (isOrdering) this.checkOrderable(left, leftToken, operator);
      this.advance();
      const rightToken = this.expectOperand(token);
      const right = this.operandOf(rightToken);
      if (isOrdering) this.checkOrderable(right, rightToken, operator);
      return { kind: 'comparison', operator, left, right };
    }
    if (token.kind === 'keyword') {
      if (token.keyword === 'in') {
        this.advance();
        return { kind: 'in', isNegated: false, operand: left, values: this.parseList(token) };
      }
      if (token.keyword === 'not') {
        this.advance();
        const inToken = this.current;
        if (!this.isKeyword('in')) {
          throw this.error(inToken.start, "expected 'in' after 'not'", {
            found: this.describe(inToken),
            hint: `to negate another test, put 'not' in front of it: not ${this.textOf(leftToken)} ${this.textOf(inToken)} …`,
          });
        }
        this.advance();
        return { kind: 'in', isNegated: true, operand: left, values: this.parseList(inToken) };
      }
      const stringOperator = STRING_OPERATORS.get(token.keyword);
      if (stringOperator !== undefined) {
        this.checkString(left, leftToken, stringOperator);
        this.advance();
        const rightToken = this.expectOperand(token);
        const right = this.operandOf(rightToken);
        this.checkString(right, rightToken, stringOperator);
        return { kind: 'string-test', operator: stringOperator, left, right };
      }
      if (token.keyword === 'matches') {
        this.checkString(left, leftToken, 'matches');
        this.advance();
        return { kind: 'matches', operand: left, pattern: this.parsePattern() };
      }
    }
    if (left.kind === 'literal' && typeof left.value === 'boolean') return { kind: 'constant', value: left.value };
    const isEndOfCondition =
      token.kind === 'end' ||
      (token.kind === 'keyword' && (token.keyword === 'and' || token.keyword === 'or')) ||
      (token.kind === 'symbol' && (token.symbol === ')' || token.symbol === '&&' || token.symbol === '||'));
    const hint =
      left.kind === 'field' && isEndOfCondition
        ? `to test a boolean field, write ${this.textOf(leftToken)} == true`
        : `operators are ${OPERATOR_LIST}`;
    throw this.error(token.start, `expected an operator after ${this.describe(leftToken)}`, {
      found: this.describe(token),
      hint,
    });
  }

  /** The `( literal, … )` list after `in`; `inToken` names the operator in messages. */
  private parseList(inToken: Token): readonly LiteralValue[] {
    const operator = `'${this.textOf(inToken)}'`;
    if (!this.isSymbol('(')) {
      throw this.error(this.current.start, `expected '(' after ${operator}`, {
        found: this.describe(this.current),
        hint: "write a list of literals: page in ('/a', '/b')",
      });
    }
    this.advance();
    if (this.isSymbol(')')) throw this.error(this.current.start, `expected at least one value in the list after ${operator}`);
    const values: LiteralValue[] = [];
    for (;;) {
      const token = this.current;
      if (!isLiteralToken(token)) {
        throw this.error(token.start, `expected a literal in the list after ${operator}`, {
          found: this.describe(token),
          hint: 'the list holds strings, numbers, true, false and null, not fields',
        });
      }
      this.advance();
      const operand = this.operandOf(token);
      if (operand.kind === 'literal') values.push(operand.value);
      if (this.isSymbol(')')) {
        this.advance();
        return values;
      }
      if (!this.isSymbol(',')) {
        throw this.error(this.current.start, `expected ',' or ')' in the list after ${operator}`, {
          found: this.describe(this.current),
        });
      }
      this.advance();
    }
  }

  private parsePattern(): string {
    const token = this.current;
    if (token.kind !== 'string') {
      throw this.error(token.start, "expected a quoted pattern after 'matches'", {
        found: this.describe(token),
        hint: token.kind === 'field' ? 'the pattern must be a string literal; it cannot come from a field' : undefined,
      });
    }
    this.advance();
    const result = compilePattern(token.value);
    if (result.kind === 'rejected') {
      throw this.error(token.start, "unusable regex for 'matches'", {
        code: 'FILTER_UNSAFE_REGEX',
        reason: result.reason,
        hint: result.isTooLong ? undefined : 'patterns use RE2 syntax: no backreferences, no lookaround',
      });
    }
    return token.value;
  }

  /** The operand token after `operatorToken`, consumed. */
  private expectOperand(operatorToken: Token): Token {
    const token = this.current;
    if (!isOperandStart(token)) {
      throw this.error(token.start, `expected a value after '${this.textOf(operatorToken)}'`, {
        found: this.describe(token),
        hint: this.keywordHint(token),
      });
    }
    return this.advance();
  }

  private operandOf(token: Token): Operand {
    switch (token.kind) {
      case 'field':
        return { kind: 'field', name: token.name };
      case 'string':
      case 'number':
        return literal(token.value);
      case 'keyword':
        if (token.keyword === 'true') return literal(true);
        if (token.keyword === 'false') return literal(false);
        if (token.keyword === 'null') return literal(null);
    }
    return invariantFailed(`token ${this.describe(token)} is not an operand`);
  }

  // A literal that can never satisfy the operator is a mistake in the expression, not in the data.
  private checkOrderable(operand: Operand, token: Token, operator: string): void {
    if (operand.kind === 'literal' && typeof operand.value !== 'number' && typeof operand.value !== 'string') {
      throw this.error(token.start, `'${operator}' orders numbers or strings, not ${describeLiteral(operand.value)}`, {
        hint: 'this comparison would always be false; test equality with == or !=',
      });
    }
  }

  private checkString(operand: Operand, token: Token, operator: string): void {
    if (operand.kind === 'literal' && typeof operand.value !== 'string') {
      throw this.error(token.start, `'${operator}' tests strings, not ${describeLiteral(operand.value)}`, {
        hint: 'this test would always be false; quote the value to make it a string',
      });
    }
  }

  private enter(token: Token): void {
    this.depth++;
    if (this.depth > MAX_FILTER_DEPTH) {
      throw this.error(token.start, `nesting is deeper than ${MAX_FILTER_DEPTH} levels`, {
        hint: "each enclosing '(' and each 'not' or '!' is one level",
      });
    }
  }

  private keywordHint(token: Token): string | undefined {
    if (token.kind !== 'keyword' || token.keyword === 'and' || token.keyword === 'or') return undefined;
    const word = this.textOf(token);
    return `'${word}' is a keyword; to read a field of that name, write \`${word}\``;
  }

  private error(offset: number, problem: string, details: FilterErrorDetails & { readonly code?: FilterErrorCode } = {}): Error {
    return filterError(details.code ?? 'FILTER_SYNTAX', this.source, offset, problem, details);
  }
}

function invariantFailed(message: string): never {
  throw new EngineError('INVARIANT_BROKEN', message);
}

function literal(value: LiteralValue): LiteralOperand {
  return { kind: 'literal', value };
}

/**
 * Parses a filter expression into its AST. Throws EngineError `FILTER_SYNTAX` (with the column and a
 * caret in the message, `path` = `line:column`) or `FILTER_UNSAFE_REGEX` for a bad `matches` pattern.
 */
export function parseFilter(source: string): FilterNode {
  if (source.length > MAX_FILTER_LENGTH) {
    throw filterError(
      'FILTER_SYNTAX',
      source,
      MAX_FILTER_LENGTH,
      `the filter is ${source.length} characters long; the limit is ${MAX_FILTER_LENGTH}`,
    );
  }
  return new Parser(source).parseFilter();
}
