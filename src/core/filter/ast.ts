// The filter AST: plain, readonly data with a `kind` on every node, produced by the parser.

/** A literal value written in the expression. */
export type LiteralValue = string | number | boolean | null;

/** Reads a top-level field of the record; a missing field reads as null. */
export interface FieldOperand {
  readonly kind: 'field';
  readonly name: string;
}

export interface LiteralOperand {
  readonly kind: 'literal';
  readonly value: LiteralValue;
}

/** What a comparison or test reads: a field or a literal. Operands are never boolean expressions. */
export type Operand = FieldOperand | LiteralOperand;

export type ComparisonOperator = '==' | '!=' | '<' | '<=' | '>' | '>=';

export type StringOperator = 'startsWith' | 'contains' | 'endsWith';

/** `a or b or …`: true if any operand is (at least two operands, evaluated left to right). */
export interface OrNode {
  readonly kind: 'or';
  readonly operands: readonly FilterNode[];
}

/** `a and b and …`: true if every operand is (at least two operands, evaluated left to right). */
export interface AndNode {
  readonly kind: 'and';
  readonly operands: readonly FilterNode[];
}

export interface NotNode {
  readonly kind: 'not';
  readonly operand: FilterNode;
}

/** `left op right`: equality without coercion, ordering of number/number or string/string only. */
export interface ComparisonNode {
  readonly kind: 'comparison';
  readonly operator: ComparisonOperator;
  readonly left: Operand;
  readonly right: Operand;
}

/** `operand in (…)` or, with `isNegated`, `operand not in (…)`; membership uses `==`. */
export interface InNode {
  readonly kind: 'in';
  readonly isNegated: boolean;
  readonly operand: Operand;
  /** At least one value. */
  readonly values: readonly LiteralValue[];
}

/** `left startsWith|contains|endsWith right`: false unless both sides are strings. */
export interface StringTestNode {
  readonly kind: 'string-test';
  readonly operator: StringOperator;
  readonly left: Operand;
  readonly right: Operand;
}

/** `operand matches 'pattern'`: unanchored RE2 search; false unless the operand is a string. */
export interface MatchesNode {
  readonly kind: 'matches';
  readonly operand: Operand;
  readonly pattern: string;
}

/** A bare `true` or `false` used as a whole condition. */
export interface ConstantNode {
  readonly kind: 'constant';
  readonly value: boolean;
}

/** Any filter expression; evaluates to a boolean for each record. */
export type FilterNode =
  | OrNode
  | AndNode
  | NotNode
  | ComparisonNode
  | InNode
  | StringTestNode
  | MatchesNode
  | ConstantNode;

/** Distinct top-level field names read by `node`, in order of first appearance. */
export function collectFields(node: FilterNode): readonly string[] {
  const names = new Set<string>();
  const addOperand = (operand: Operand): void => {
    if (operand.kind === 'field') names.add(operand.name);
  };
  const visit = (current: FilterNode): void => {
    switch (current.kind) {
      case 'or':
      case 'and':
        for (const operand of current.operands) visit(operand);
        return;
      case 'not':
        visit(current.operand);
        return;
      case 'comparison':
      case 'string-test':
        addOperand(current.left);
        addOperand(current.right);
        return;
      case 'in':
      case 'matches':
        addOperand(current.operand);
        return;
      case 'constant':
        return;
    }
  };
  visit(node);
  return [...names];
}
