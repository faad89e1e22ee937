// Property tests: random ASTs printed to source, parsed back and compiled must agree with a direct interpreter.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EngineError } from '../errors.js';
import type { FilterNode, LiteralValue, Operand } from './ast.js';
import { compileFilter } from './evaluate.js';
import { parseFilter } from './parser.js';

const SEED = 20_240_601;

// ---------------------------------------------------------------------------------------------
// The reference: a tree-walking interpreter written from docs/filter.md, sharing only the AST types.

function readOperand(operand: Operand, record: Record<string, unknown>): unknown {
  if (operand.kind === 'literal') return operand.value;
  return Object.hasOwn(record, operand.name) ? (record[operand.name] ?? null) : null;
}

function isPrimitive(value: unknown): boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function referenceEqual(left: unknown, right: unknown): boolean {
  if (left === null && right === null) return true;
  return isPrimitive(left) && typeof left === typeof right && left === right;
}

function interpret(node: FilterNode, record: Record<string, unknown>): boolean {
  switch (node.kind) {
    case 'or':
      return node.operands.some((operand) => interpret(operand, record));
    case 'and':
      return node.operands.every((operand) => interpret(operand, record));
    case 'not':
      return !interpret(node.operand, record);
    case 'constant':
      return node.value;
    case 'comparison': {
      const left = readOperand(node.left, record);
      const right = readOperand(node.right, record);
      if (node.operator === '==') return referenceEqual(left, right);
      if (node.operator === '!=') return !referenceEqual(left, right);
      const isSameType = (typeof left === 'number' || typeof left === 'string') && typeof left === typeof right;
      if (!isSameType) return false;
      const a = left as string | number;
      const b = right as string | number;
      return node.operator === '<' ? a < b : node.operator === '<=' ? a <= b : node.operator === '>' ? a > b : a >= b;
    }
    case 'in': {
      const value = readOperand(node.operand, record);
      const isMember = node.values.some((member) => referenceEqual(value, member));
      return node.isNegated ? !isMember : isMember;
    }
    case 'string-test': {
      const left = readOperand(node.left, record);
      const right = readOperand(node.right, record);
      if (typeof left !== 'string' || typeof right !== 'string') return false;
      if (node.operator === 'startsWith') return left.startsWith(right);
      if (node.operator === 'endsWith') return left.endsWith(right);
      return left.includes(right);
    }
    case 'matches': {
      const value = readOperand(node.operand, record);
      // The generated patterns mean the same in RE2 and in RegExp with the u flag.
      return typeof value === 'string' && new RegExp(node.pattern, 'u').test(value);
    }
  }
}

function referenceFields(node: FilterNode, into: string[] = []): string[] {
  const add = (operand: Operand): void => {
    if (operand.kind === 'field' && !into.includes(operand.name)) into.push(operand.name);
  };
  switch (node.kind) {
    case 'or':
    case 'and':
      node.operands.forEach((operand) => referenceFields(operand, into));
      break;
    case 'not':
      referenceFields(node.operand, into);
      break;
    case 'comparison':
    case 'string-test':
      add(node.left);
      add(node.right);
      break;
    case 'in':
    case 'matches':
      add(node.operand);
      break;
    case 'constant':
      break;
  }
  return into;
}

// ---------------------------------------------------------------------------------------------
// The printer: AST back to source, with randomised but equivalent spellings.

interface PrintStyle {
  readonly keywordCase: 'lower' | 'upper' | 'camel';
  readonly isSymbolic: boolean;
  readonly isDoubleQuoted: boolean;
  readonly isEscapingNonAscii: boolean;
  readonly isParenthesisingTests: boolean;
}

const KEYWORD_WORDS = new Set(['and', 'or', 'not', 'in', 'true', 'false', 'null', 'startswith', 'contains', 'endswith', 'matches']);

function printKeyword(word: string, style: PrintStyle): string {
  if (style.keywordCase === 'upper') return word.toUpperCase();
  if (style.keywordCase === 'lower') return word.toLowerCase();
  return word;
}

function printString(text: string, style: PrintStyle, quote = style.isDoubleQuoted ? '"' : "'"): string {
  let out = quote;
  for (const char of text) {
    const codePoint = char.codePointAt(0) ?? 0;
    if (char === '\\' || char === quote) out += `\\${char}`;
    else if (style.isEscapingNonAscii && (codePoint > 0x7e || codePoint < 0x20)) out += `\\u{${codePoint.toString(16)}}`;
    else out += char;
  }
  return out + quote;
}

function printField(name: string, style: PrintStyle): string {
  const isBare = /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !KEYWORD_WORDS.has(name.toLowerCase());
  return isBare ? name : printString(name, style, '`');
}

function printLiteral(value: LiteralValue, style: PrintStyle): string {
  if (typeof value === 'string') return printString(value, style);
  if (typeof value === 'number') return String(value);
  return printKeyword(String(value), style);
}

function printOperand(operand: Operand, style: PrintStyle): string {
  return operand.kind === 'field' ? printField(operand.name, style) : printLiteral(operand.value, style);
}

function printNode(node: FilterNode, style: PrintStyle): string {
  const group = (child: FilterNode, needsParentheses: boolean): string =>
    needsParentheses ? `(${printNode(child, style)})` : printNode(child, style);
  const test = (text: string): string => (style.isParenthesisingTests ? `(${text})` : text);
  switch (node.kind) {
    case 'or':
      return node.operands
        .map((operand) => group(operand, operand.kind === 'or'))
        .join(style.isSymbolic ? ' || ' : ` ${printKeyword('or', style)} `);
    case 'and':
      return node.operands
        .map((operand) => group(operand, operand.kind === 'or' || operand.kind === 'and'))
        .join(style.isSymbolic ? ' && ' : ` ${printKeyword('and', style)} `);
    case 'not': {
      const operand = group(node.operand, node.operand.kind === 'or' || node.operand.kind === 'and');
      return style.isSymbolic ? `!${operand}` : `${printKeyword('not', style)} ${operand}`;
    }
    case 'constant':
      return test(printKeyword(String(node.value), style));
    case 'comparison':
      return test(`${printOperand(node.left, style)} ${node.operator} ${printOperand(node.right, style)}`);
    case 'in': {
      const operator = node.isNegated ? `${printKeyword('not', style)} ${printKeyword('in', style)}` : printKeyword('in', style);
      const values = node.values.map((value) => printLiteral(value, style)).join(', ');
      return test(`${printOperand(node.operand, style)} ${operator} (${values})`);
    }
    case 'string-test':
      return test(`${printOperand(node.left, style)} ${printKeyword(node.operator, style)} ${printOperand(node.right, style)}`);
    case 'matches':
      return test(`${printOperand(node.operand, style)} ${printKeyword('matches', style)} ${printString(node.pattern, style)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Generators.

// Small pools dominate so that fields and literals often hold equal values and boundaries get hit.
const fieldName = fc.oneof(
  { arbitrary: fc.constantFrom('a', 'b'), weight: 4 },
  { arbitrary: fc.constantFrom('page', 'Value_2', 'geo.country', 'in', 'NOT', 'constructor', 'a b', 'back`tick'), weight: 1 },
);
const stringValue = fc.oneof(
  { arbitrary: fc.constantFrom('', 'a', 'ab', 'b'), weight: 6 },
  { arbitrary: fc.constantFrom('B', '/shop', '/shop/cart'), weight: 2 },
  { arbitrary: fc.constantFrom("it's", 'say "hi"', 'back\\slash', 'é', '😀', 'new\nline', 'x\ty'), weight: 2 },
  { arbitrary: fc.string({ maxLength: 4 }), weight: 1 },
  { arbitrary: fc.string({ maxLength: 3, unit: 'binary' }), weight: 1 },
);
const numberValue = fc.oneof(
  { arbitrary: fc.integer({ min: -2, max: 2 }), weight: 6 },
  { arbitrary: fc.constantFrom(0.5, -2.5e-7, 1e21, 5e-324, Number.MAX_SAFE_INTEGER), weight: 2 },
  { arbitrary: fc.integer(), weight: 1 },
  { arbitrary: fc.double({ min: -1e6, max: 1e6, noNaN: true }).map((n) => (n === 0 ? 0 : n)), weight: 1 },
);
const literalValue = fc.oneof(stringValue, numberValue, fc.boolean(), fc.constant(null));

const field = fieldName.map((name): Operand => ({ kind: 'field', name }));
const literalOf = (values: fc.Arbitrary<LiteralValue>): fc.Arbitrary<Operand> =>
  values.map((value): Operand => ({ kind: 'literal', value }));
const anyOperand = fc.oneof(field, literalOf(literalValue));
const orderableOperand = fc.oneof(field, literalOf(stringValue), literalOf(numberValue));
const stringOperand = fc.oneof(field, literalOf(stringValue));
const pattern = fc.constantFrom('^a', 'b$', '[0-9]+', 'a|b', '^$', '.', '^/shop', 'é', 'x*', '^(a+)+$', '\\d');

const leaf: fc.Arbitrary<FilterNode> = fc.oneof(
  fc.record({ kind: fc.constant('comparison' as const), operator: fc.constantFrom('==' as const, '!=' as const), left: anyOperand, right: anyOperand }),
  fc.record({
    kind: fc.constant('comparison' as const),
    operator: fc.constantFrom('<' as const, '<=' as const, '>' as const, '>=' as const),
    left: orderableOperand,
    right: orderableOperand,
  }),
  fc.record({
    kind: fc.constant('in' as const),
    isNegated: fc.boolean(),
    operand: anyOperand,
    values: fc.array(literalValue, { minLength: 1, maxLength: 4 }),
  }),
  fc.record({
    kind: fc.constant('string-test' as const),
    operator: fc.constantFrom('startsWith' as const, 'contains' as const, 'endsWith' as const),
    left: stringOperand,
    right: stringOperand,
  }),
  fc.record({ kind: fc.constant('matches' as const), operand: stringOperand, pattern }),
  fc.record({ kind: fc.constant('constant' as const), value: fc.boolean() }),
);

const { node: filterNode } = fc.letrec<{ node: FilterNode }>((tie) => ({
  node: fc.oneof(
    { maxDepth: 4, depthSize: 'small' },
    leaf,
    tie('node').map((operand): FilterNode => ({ kind: 'not', operand })),
    fc.array(tie('node'), { minLength: 2, maxLength: 4 }).map((operands): FilterNode => ({ kind: 'and', operands })),
    fc.array(tie('node'), { minLength: 2, maxLength: 4 }).map((operands): FilterNode => ({ kind: 'or', operands })),
  ),
}));

const printStyle: fc.Arbitrary<PrintStyle> = fc.record({
  keywordCase: fc.constantFrom('lower' as const, 'upper' as const, 'camel' as const),
  isSymbolic: fc.boolean(),
  isDoubleQuoted: fc.boolean(),
  isEscapingNonAscii: fc.boolean(),
  isParenthesisingTests: fc.boolean(),
});

const fieldValue = fc.oneof(
  { arbitrary: stringValue, weight: 4 },
  { arbitrary: numberValue, weight: 4 },
  { arbitrary: fc.boolean(), weight: 1 },
  { arbitrary: fc.constantFrom(null, undefined), weight: 1 },
  { arbitrary: fc.constantFrom(Number.NaN, { nested: 1 }, ['a']), weight: 1 },
);
const clickRecord: fc.Arbitrary<Record<string, unknown>> = fc.record(
  {
    a: fieldValue,
    b: fieldValue,
    page: fieldValue,
    Value_2: fieldValue,
    'geo.country': fieldValue,
    in: fieldValue,
    NOT: fieldValue,
    constructor: fieldValue,
    'a b': fieldValue,
    'back`tick': fieldValue,
  },
  { requiredKeys: [] },
);

// ---------------------------------------------------------------------------------------------

describe('filter properties', () => {
  it('parses a printed AST back to the same AST, and compiles it to the reference interpreter', () => {
    fc.assert(
      fc.property(filterNode, printStyle, fc.array(clickRecord, { minLength: 1, maxLength: 10 }), (ast, style, records) => {
        const source = printNode(ast, style);
        expect(parseFilter(source)).toEqual(ast);
        const filter = compileFilter(source);
        expect(filter.fields).toEqual(referenceFields(ast));
        for (const record of records) expect(filter.test(record)).toBe(interpret(ast, record));
      }),
      { seed: SEED, numRuns: 1500 },
    );
  });

  it('compiles every single test to the reference interpreter', () => {
    fc.assert(
      fc.property(leaf, printStyle, fc.array(clickRecord, { minLength: 20, maxLength: 20 }), (ast, style, records) => {
        const filter = compileFilter(printNode(ast, style));
        for (const record of records) expect(filter.test(record)).toBe(interpret(ast, record));
      }),
      { seed: SEED, numRuns: 3000 },
    );
  });

  it('either parses any input or throws a located EngineError, never anything else', () => {
    const piece = fc.constantFrom(
      'a', 'page', '`x`', "'s'", '"t', '1', '-2.5', '1e', '==', '!=', '<', '>=', '=', '!', '&&', '||', '&',
      'and', 'OR', 'not', 'in', 'not in', 'startsWith', 'contains', 'matches', "'('", "'^a+$'", '(', ')', ',',
      'true', 'null', ' ', '\n', '\\', '#', 'é',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 14 }), (pieces) => {
        const source = pieces.join(' ');
        try {
          compileFilter(source).test({ a: 1, page: '/x' });
        } catch (error) {
          expect(error).toBeInstanceOf(EngineError);
          const engineError = error as EngineError;
          expect(['FILTER_SYNTAX', 'FILTER_UNSAFE_REGEX']).toContain(engineError.code);
          expect(engineError.path).toMatch(/^\d+:\d+$/);
          expect(engineError.message).toMatch(/^filter: .+ at (line \d+, )?column \d+/);
          expect(engineError.message).toContain('^');
        }
      }),
      { seed: SEED, numRuns: 3000 },
    );
  });
});
