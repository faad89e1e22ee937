// The filter expression language: parse, compile and test records (grammar and semantics in docs/filter.md).

export type {
  AndNode,
  ComparisonNode,
  ComparisonOperator,
  ConstantNode,
  FieldOperand,
  FilterNode,
  InNode,
  LiteralOperand,
  LiteralValue,
  MatchesNode,
  NotNode,
  Operand,
  OrNode,
  StringOperator,
  StringTestNode,
} from './ast.js';
export { collectFields } from './ast.js';
export { MAX_FILTER_DEPTH, MAX_FILTER_LENGTH, parseFilter } from './parser.js';
export { MAX_PATTERN_LENGTH } from './regex.js';
export {
  compileFilter,
  compilePredicate,
  isFilterEqual,
  isFilterOrdered,
  type CompiledFilter,
  type FilterPredicate,
  type FilterRecord,
  type OrderingOperator,
} from './evaluate.js';
