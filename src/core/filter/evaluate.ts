// Compiles a filter AST once into a tree of closures, so testing a record is a few calls, not a tree walk.

import type { ComparisonOperator, FilterNode, LiteralValue, Operand, StringOperator } from './ast.js';
import { collectFields } from './ast.js';
import { EngineError } from '../errors.js';
import { parseFilter } from './parser.js';
import { compilePattern } from './regex.js';

/** A record as the filter sees it: a decoded JSON object. */
export type FilterRecord = Readonly<Record<string, unknown>>;

/** Keeps (`true`) or drops (`false`) one record. Never throws on data. */
export type FilterPredicate = (record: FilterRecord) => boolean;

/** A parsed and compiled filter expression. */
export interface CompiledFilter {
  readonly source: string;
  readonly ast: FilterNode;
  /** Top-level field names the expression reads. */
  readonly fields: readonly string[];
  readonly test: (record: Readonly<Record<string, unknown>>) => boolean;
}

type Reader = (record: FilterRecord) => unknown;

export type OrderingOperator = Exclude<ComparisonOperator, '==' | '!='>;

/**
 * Parses and compiles `source`. Throws EngineError `FILTER_SYNTAX` or `FILTER_UNSAFE_REGEX`
 * (see parseFilter); the returned `test` never throws.
 */
export function compileFilter(source: string): CompiledFilter {
  const ast = parseFilter(source);
  return Object.freeze({
    source,
    ast,
    fields: Object.freeze(collectFields(ast)),
    test: compilePredicate(ast),
  });
}

/**
 * Compiles an AST into a predicate. Patterns are compiled here, once; a bad one in a hand-built AST
 * throws `FILTER_UNSAFE_REGEX`.
 */
export function compilePredicate(node: FilterNode): FilterPredicate {
  switch (node.kind) {
    case 'or':
      return compileOr(node.operands.map(compilePredicate));
    case 'and':
      return compileAnd(node.operands.map(compilePredicate));
    case 'not': {
      const operand = compilePredicate(node.operand);
      return (record) => !operand(record);
    }
    case 'comparison':
      return compileComparison(node.operator, node.left, node.right);
    case 'in':
      return compileIn(node.operand, node.values, node.isNegated);
    case 'string-test':
      return compileStringTest(node.operator, node.left, node.right);
    case 'matches':
      return compileMatches(node.operand, node.pattern);
    case 'constant':
      return node.value ? () => true : () => false;
  }
}

/**
 * `==` of the language: no coercion; null equals null (a missing field reads as null); strings,
 * numbers and booleans are equal when `===`; anything else (objects, arrays) equals nothing.
 */
export function isFilterEqual(left: unknown, right: unknown): boolean {
  if (left === right) {
    return left === null || left === undefined || typeof left === 'string' || typeof left === 'number' || typeof left === 'boolean';
  }
  return (left === null || left === undefined) && (right === null || right === undefined);
}

/** `< <= > >=` of the language: number with number or string with string (code-unit order), else false. */
export function isFilterOrdered(operator: OrderingOperator, left: unknown, right: unknown): boolean {
  const isComparable =
    (typeof left === 'number' && typeof right === 'number') || (typeof left === 'string' && typeof right === 'string');
  if (!isComparable) return false;
  const a = left as number | string;
  const b = right as number | string;
  switch (operator) {
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
  }
}

function readerOf(operand: Operand): Reader {
  if (operand.kind === 'literal') {
    const value = operand.value;
    return () => value;
  }
  const name = operand.name;
  // Names such as `constructor` or `__proto__` exist on every object; only an own property counts.
  if (name in Object.prototype) return (record) => (Object.hasOwn(record, name) ? record[name] : undefined);
  return (record) => record[name];
}

function compileOr(operands: readonly FilterPredicate[]): FilterPredicate {
  const [first, second, third] = operands;
  if (operands.length === 2 && first && second) return (record) => first(record) || second(record);
  if (operands.length === 3 && first && second && third) {
    return (record) => first(record) || second(record) || third(record);
  }
  return (record) => {
    for (let i = 0; i < operands.length; i++) if ((operands[i] as FilterPredicate)(record)) return true;
    return false;
  };
}

function compileAnd(operands: readonly FilterPredicate[]): FilterPredicate {
  const [first, second, third] = operands;
  if (operands.length === 2 && first && second) return (record) => first(record) && second(record);
  if (operands.length === 3 && first && second && third) {
    return (record) => first(record) && second(record) && third(record);
  }
  return (record) => {
    for (let i = 0; i < operands.length; i++) if (!(operands[i] as FilterPredicate)(record)) return false;
    return true;
  };
}

const FLIPPED: Readonly<Record<ComparisonOperator, ComparisonOperator>> = {
  '==': '==',
  '!=': '!=',
  '<': '>',
  '<=': '>=',
  '>': '<',
  '>=': '<=',
};

function compileComparison(operator: ComparisonOperator, left: Operand, right: Operand): FilterPredicate {
  // The common shape is field-op-literal; `'x' == page` is the same test with the operator flipped.
  if (left.kind === 'field' && right.kind === 'literal') return compileAgainstLiteral(operator, readerOf(left), right.value);
  if (left.kind === 'literal' && right.kind === 'field') {
    return compileAgainstLiteral(FLIPPED[operator], readerOf(right), left.value);
  }
  const readLeft = readerOf(left);
  const readRight = readerOf(right);
  switch (operator) {
    case '==':
      return (record) => isFilterEqual(readLeft(record), readRight(record));
    case '!=':
      return (record) => !isFilterEqual(readLeft(record), readRight(record));
    default:
      return (record) => isFilterOrdered(operator, readLeft(record), readRight(record));
  }
}

function compileAgainstLiteral(operator: ComparisonOperator, read: Reader, literal: LiteralValue): FilterPredicate {
  if (operator === '==' || operator === '!=') {
    const isNegated = operator === '!=';
    if (literal === null) {
      if (isNegated) {
        return (record) => {
          const value = read(record);
          return value !== null && value !== undefined;
        };
      }
      return (record) => {
        const value = read(record);
        return value === null || value === undefined;
      };
    }
    // A string, number or boolean literal: `===` is exactly the language's `==` here.
    return isNegated ? (record) => read(record) !== literal : (record) => read(record) === literal;
  }
  if (typeof literal === 'number') {
    switch (operator) {
      case '<':
        return (record) => {
          const value = read(record);
          return typeof value === 'number' && value < literal;
        };
      case '<=':
        return (record) => {
          const value = read(record);
          return typeof value === 'number' && value <= literal;
        };
      case '>':
        return (record) => {
          const value = read(record);
          return typeof value === 'number' && value > literal;
        };
      case '>=':
        return (record) => {
          const value = read(record);
          return typeof value === 'number' && value >= literal;
        };
    }
  }
  if (typeof literal === 'string') {
    switch (operator) {
      case '<':
        return (record) => {
          const value = read(record);
          return typeof value === 'string' && value < literal;
        };
      case '<=':
        return (record) => {
          const value = read(record);
          return typeof value === 'string' && value <= literal;
        };
      case '>':
        return (record) => {
          const value = read(record);
          return typeof value === 'string' && value > literal;
        };
      case '>=':
        return (record) => {
          const value = read(record);
          return typeof value === 'string' && value >= literal;
        };
    }
  }
  // Ordering against true, false or null: the parser rejects it, a hand-built AST gets the rule's false.
  return () => false;
}

function compileIn(operand: Operand, values: readonly LiteralValue[], isNegated: boolean): FilterPredicate {
  const read = readerOf(operand);
  // Set membership is SameValueZero: for literals (no NaN, -0 equal to 0) that is `===`, i.e. `==`.
  const members = new Set<unknown>(values);
  if (isNegated) {
    return (record) => {
      const value = read(record);
      return !members.has(value === undefined ? null : value);
    };
  }
  return (record) => {
    const value = read(record);
    return members.has(value === undefined ? null : value);
  };
}

function compileStringTest(operator: StringOperator, left: Operand, right: Operand): FilterPredicate {
  const read = readerOf(left);
  if (right.kind === 'literal') {
    const needle = right.value;
    if (typeof needle !== 'string') return () => false;
    switch (operator) {
      case 'startsWith':
        return (record) => {
          const value = read(record);
          return typeof value === 'string' && value.startsWith(needle);
        };
      case 'contains':
        return (record) => {
          const value = read(record);
          return typeof value === 'string' && value.includes(needle);
        };
      case 'endsWith':
        return (record) => {
          const value = read(record);
          return typeof value === 'string' && value.endsWith(needle);
        };
    }
  }
  const readRight = readerOf(right);
  return (record) => {
    const value = read(record);
    if (typeof value !== 'string') return false;
    const needle = readRight(record);
    if (typeof needle !== 'string') return false;
    switch (operator) {
      case 'startsWith':
        return value.startsWith(needle);
      case 'contains':
        return value.includes(needle);
      case 'endsWith':
        return value.endsWith(needle);
    }
  };
}

function compileMatches(operand: Operand, pattern: string): FilterPredicate {
  const result = compilePattern(pattern);
  if (result.kind === 'rejected') {
    throw new EngineError('FILTER_UNSAFE_REGEX', `filter: unusable regex for 'matches': ${result.reason}`);
  }
  const regex = result.regex;
  const read = readerOf(operand);
  return (record) => {
    const value = read(record);
    return typeof value === 'string' && regex.test(value);
  };
}
