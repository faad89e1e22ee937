// Evaluator tests: every operator and type rule of docs/filter.md against sample records.

import { describe, expect, it } from 'vitest';
import { EngineError } from '../errors.js';
import type { FilterNode } from './ast.js';
import { compileFilter, compilePredicate, isFilterEqual, isFilterOrdered } from './evaluate.js';

const click = {
  user_id: 42,
  page: '/shop/cart',
  action: 'click',
  url: 'https://x/?utm_source=a',
  value: 3.5,
  timestamp: 1700000000000,
  is_bot: false,
  referrer: null,
  tags: ['a', 'b'],
  geo: { country: 'NL' },
  'geo.country': 'NL',
};

/** Evaluates `source` against `record` (the sample click unless given). */
function check(source: string, record: Record<string, unknown> = click): boolean {
  return compileFilter(source).test(record);
}

describe('compileFilter', () => {
  it('returns the source, the AST, the fields read and a test function', () => {
    const filter = compileFilter("page startsWith '/shop' and (user_id in (1, 42) or `geo.country` == page)");
    expect(filter.source).toBe("page startsWith '/shop' and (user_id in (1, 42) or `geo.country` == page)");
    expect(filter.ast.kind).toBe('and');
    expect(filter.fields).toEqual(['page', 'user_id', 'geo.country']);
    expect(filter.test(click)).toBe(true);
    expect(filter.test({ ...click, page: '/home' })).toBe(false);
  });

  it('lists no fields for a constant filter', () => {
    expect(compileFilter('true').fields).toEqual([]);
    expect(compileFilter("'a' < 'b'").fields).toEqual([]);
  });

  it('throws FILTER_SYNTAX and FILTER_UNSAFE_REGEX as EngineError', () => {
    expect(() => compileFilter('page ==')).toThrow(EngineError);
    expect(() => compileFilter('page ==')).toThrow(expect.objectContaining({ code: 'FILTER_SYNTAX' }));
    expect(() => compileFilter("page matches '('")).toThrow(expect.objectContaining({ code: 'FILTER_UNSAFE_REGEX' }));
  });
});

describe('== and !=', () => {
  it('compares strings, numbers and booleans by value', () => {
    expect(check("page == '/shop/cart'")).toBe(true);
    expect(check("page == '/shop'")).toBe(false);
    expect(check('user_id == 42')).toBe(true);
    expect(check('value == 3.5')).toBe(true);
    expect(check('is_bot == false')).toBe(true);
    expect(check('is_bot != true')).toBe(true);
    expect(check("page != '/x'")).toBe(true);
    expect(check('user_id != 42')).toBe(false);
  });

  it('never coerces types', () => {
    expect(check("user_id == '42'")).toBe(false);
    expect(check("user_id != '42'")).toBe(true);
    expect(check('is_bot == 0')).toBe(false);
    expect(check("is_bot == ''")).toBe(false);
    expect(check('referrer == false')).toBe(false);
    expect(check('referrer == 0')).toBe(false);
    expect(check('1 == true')).toBe(false);
    expect(check("'42' == user_id")).toBe(false);
  });

  it('reads a missing field as null, and null equals only null', () => {
    expect(check('missing == null')).toBe(true);
    expect(check('referrer == null')).toBe(true);
    expect(check('missing == referrer')).toBe(true);
    expect(check('null == null')).toBe(true);
    expect(check('missing != null')).toBe(false);
    expect(check('page == null')).toBe(false);
    expect(check('page != null')).toBe(true);
    expect(check("missing != 'x'")).toBe(true);
    expect(check('a == null', { a: undefined })).toBe(true);
  });

  it('treats objects and arrays as equal to nothing, not even themselves', () => {
    expect(check('tags == tags')).toBe(false);
    expect(check('tags != tags')).toBe(true);
    expect(check('geo == null')).toBe(false);
    expect(check('geo != null')).toBe(true);
  });

  it('compares two fields, and a literal on the left', () => {
    expect(check('a == b', { a: 'x', b: 'x' })).toBe(true);
    expect(check('a == b', { a: 1, b: '1' })).toBe(false);
    expect(check('a != b', { a: 1, b: 2 })).toBe(true);
    expect(check("'/shop/cart' == page")).toBe(true);
    expect(check('42 != user_id')).toBe(false);
  });

  it('treats -0 as 0', () => {
    expect(check('a == 0', { a: -0 })).toBe(true);
    expect(check('a == -0', { a: 0 })).toBe(true);
  });
});

describe('< <= > >=', () => {
  it('orders numbers', () => {
    expect(check('value < 4')).toBe(true);
    expect(check('value <= 3.5')).toBe(true);
    expect(check('value > 3.5')).toBe(false);
    expect(check('value >= 3.5')).toBe(true);
    expect(check('timestamp >= 1.7e12')).toBe(true);
    expect(check('value > -1')).toBe(true);
  });

  it('orders strings by UTF-16 code units', () => {
    expect(check("page > '/shop'")).toBe(true);
    expect(check("page < '/shop'")).toBe(false);
    expect(check("'B' < 'a'")).toBe(true);
    expect(check("'a' <= 'a'")).toBe(true);
    expect(check("'é' > 'z'")).toBe(true);
    expect(check("'10' < '9'")).toBe(true);
  });

  it('is false for any other pairing, so not (a < b) differs from a >= b', () => {
    expect(check("user_id < '50'")).toBe(false);
    expect(check("user_id >= '50'")).toBe(false);
    expect(check("not (user_id < '50')")).toBe(true);
    expect(check('missing < 5')).toBe(false);
    expect(check('missing >= 5')).toBe(false);
    expect(check('referrer < 5')).toBe(false);
    expect(check('is_bot < 1')).toBe(false);
    expect(check('tags > 0')).toBe(false);
    expect(check('a < b', { a: 1, b: '2' })).toBe(false);
    expect(check('a < b', { a: true, b: false })).toBe(false);
    expect(check('a <= b', { a: null, b: null })).toBe(false);
  });

  it('compares two fields, and flips correctly with a literal on the left', () => {
    expect(check('a < b', { a: 1, b: 2 })).toBe(true);
    expect(check('a > b', { a: 'b', b: 'a' })).toBe(true);
    expect(check('4 > value')).toBe(true);
    expect(check('3.5 >= value')).toBe(true);
    expect(check('3.5 > value')).toBe(false);
    expect(check('3 < value')).toBe(true);
    expect(check('3.5 <= value')).toBe(true);
    expect(check("'/shop' < page")).toBe(true);
  });

  it('is false for NaN', () => {
    expect(check('a < 1 or a >= 1 or a == a', { a: Number.NaN })).toBe(false);
  });
});

describe('in and not in', () => {
  it('tests membership with == semantics', () => {
    expect(check("action in ('click', 'view')")).toBe(true);
    expect(check("action in ('view')")).toBe(false);
    expect(check("user_id in ('42', 7)")).toBe(false);
    expect(check('user_id in (1, 42, 3)')).toBe(true);
    expect(check('missing in (null)')).toBe(true);
    expect(check('referrer in (1, null)')).toBe(true);
    expect(check('is_bot in (false)')).toBe(true);
    expect(check('is_bot in (0)')).toBe(false);
    expect(check('tags in (null, 1)')).toBe(false);
    expect(check("'x' in ('x')")).toBe(true);
  });

  it('negates with not in', () => {
    expect(check("action not in ('view', 'scroll')")).toBe(true);
    expect(check("action not in ('click')")).toBe(false);
    expect(check('missing not in (1, 2)')).toBe(true);
    expect(check('missing not in (null)')).toBe(false);
    expect(check('tags not in (null)')).toBe(true);
  });
});

describe('startsWith, contains, endsWith', () => {
  it('tests strings', () => {
    expect(check("page startsWith '/shop'")).toBe(true);
    expect(check("page startsWith 'shop'")).toBe(false);
    expect(check("url contains 'utm'")).toBe(true);
    expect(check("url contains 'gclid'")).toBe(false);
    expect(check("page endsWith '/cart'")).toBe(true);
    expect(check("page endsWith '.html'")).toBe(false);
    expect(check("page startsWith ''")).toBe(true);
    expect(check("'/shop/x' startsWith '/shop'")).toBe(true);
  });

  it('is case-sensitive', () => {
    expect(check("page contains 'CART'")).toBe(false);
  });

  it('is false when either side is not a string', () => {
    expect(check("user_id startsWith '4'")).toBe(false);
    expect(check("missing contains ''")).toBe(false);
    expect(check("referrer endsWith ''")).toBe(false);
    expect(check("tags contains 'a'")).toBe(false);
    expect(check('page contains user_id')).toBe(false);
    expect(check('page contains missing')).toBe(false);
    expect(check("not (user_id contains '4')")).toBe(true);
  });

  it('takes a field on the right', () => {
    expect(check('url contains ref', { url: 'https://a/?ref=x', ref: 'ref=x' })).toBe(true);
    expect(check('url startsWith prefix', { url: 'https://a/', prefix: 'http:' })).toBe(false);
    expect(check('url endsWith suffix', { url: 'https://a/', suffix: 'a/' })).toBe(true);
  });
});

describe('matches', () => {
  it('searches anywhere in the string unless anchored', () => {
    expect(check("page matches 'cart'")).toBe(true);
    expect(check("page matches '^cart'")).toBe(false);
    expect(check("page matches '^/shop/[a-z]+$'")).toBe(true);
    expect(check("page matches '^/p/[0-9]+$'", { page: '/p/123' })).toBe(true);
    expect(check("page matches '^/p/[0-9]+$'", { page: '/p/123/x' })).toBe(false);
  });

  it('uses RE2 syntax, including flags and classes written with a doubled backslash', () => {
    expect(check("page matches '(?i)^/SHOP'")).toBe(true);
    expect(check("page matches '^/p/\\\\d+$'", { page: '/p/9' })).toBe(true);
    expect(check("name matches '^\\\\pL+$'", { name: 'Zoë' })).toBe(true);
  });

  it('is false when the operand is not a string', () => {
    expect(check("user_id matches '42'")).toBe(false);
    expect(check("missing matches ''")).toBe(false);
    expect(check("tags matches 'a'")).toBe(false);
  });

  it('finishes fast on input that backtracks catastrophically in RegExp, with the right answer', () => {
    const filter = compileFilter("page matches '^(a+)+$'");
    const startMs = performance.now();
    expect(filter.test({ page: `${'a'.repeat(38)}!` })).toBe(false);
    expect(filter.test({ page: `${'a'.repeat(50_000)}!` })).toBe(false);
    expect(filter.test({ page: 'aaaa' })).toBe(true);
    expect(performance.now() - startMs).toBeLessThan(2000);
  });

  it('rejects a bad pattern in a hand-built AST with FILTER_UNSAFE_REGEX', () => {
    const node: FilterNode = { kind: 'matches', operand: { kind: 'field', name: 'page' }, pattern: '(' };
    expect(() => compilePredicate(node)).toThrow(expect.objectContaining({ code: 'FILTER_UNSAFE_REGEX' }));
  });
});

describe('and, or, not', () => {
  it('follows boolean logic', () => {
    expect(check("action == 'click' and user_id == 42")).toBe(true);
    expect(check("action == 'click' and user_id == 1")).toBe(false);
    expect(check("action == 'view' or user_id == 42")).toBe(true);
    expect(check("action == 'view' or user_id == 1")).toBe(false);
    expect(check("not action == 'view'")).toBe(true);
    expect(check("! action == 'click'")).toBe(false);
    expect(check('not not true')).toBe(true);
    expect(check('true and false')).toBe(false);
    expect(check('false || true')).toBe(true);
  });

  it('binds not tighter than and, and and tighter than or', () => {
    expect(check('true or false and false')).toBe(true);
    expect(check('(true or false) and false')).toBe(false);
    expect(check('not false and false')).toBe(false);
    expect(check('not (false and false)')).toBe(true);
  });

  it('evaluates chains of any length', () => {
    const values = Array.from({ length: 7 }, (_, i) => i);
    for (const count of [2, 3, 4, 7]) {
      const or = values.slice(0, count).map((i) => `a == ${i}`).join(' or ');
      const and = values.slice(0, count).map((i) => `a != ${i}`).join(' and ');
      for (let a = 0; a < 8; a++) {
        expect(check(or, { a })).toBe(a < count);
        expect(check(and, { a })).toBe(a >= count);
      }
    }
  });

  it('stops at the first operand that decides the result', () => {
    let reads = 0;
    const record = new Proxy<Record<string, unknown>>(
      { a: 1, b: 2 },
      {
        get(target, key) {
          reads++;
          return Reflect.get(target, key);
        },
      },
    );
    expect(check('a == 1 or b == 2', record)).toBe(true);
    expect(reads).toBe(1);
    reads = 0;
    expect(check('a == 2 and b == 2', record)).toBe(false);
    expect(reads).toBe(1);
  });
});

describe('field access', () => {
  it('reads names that exist on every object only as own properties', () => {
    expect(check('constructor == null', {})).toBe(true);
    expect(check('toString == null', {})).toBe(true);
    expect(check('`__proto__` == null', {})).toBe(true);
    expect(check('`hasOwnProperty` == null', {})).toBe(true);
    expect(check("constructor == 'x'", { constructor: 'x' })).toBe(true);
    expect(check("`__proto__` == 'p'", JSON.parse('{"__proto__": "p"}') as Record<string, unknown>)).toBe(true);
    expect(check('constructor in (null)', {})).toBe(true);
    expect(check("toString startsWith 'f'", {})).toBe(false);
  });

  it('reads backquoted names as one key, not a path', () => {
    expect(check("`geo.country` == 'NL'")).toBe(true);
    expect(check("`geo.country` == 'NL'", { geo: { country: 'NL' } })).toBe(false);
  });

  it('keeps field names case-sensitive while keywords are not', () => {
    expect(check("Page == '/shop/cart'")).toBe(false);
    expect(check("page == '/shop/cart' AND Action == null")).toBe(true);
  });
});

describe('isFilterEqual and isFilterOrdered', () => {
  it('implement the language rules for any two values', () => {
    expect(isFilterEqual(undefined, null)).toBe(true);
    expect(isFilterEqual(1, 1)).toBe(true);
    expect(isFilterEqual(1, '1')).toBe(false);
    const object = {};
    expect(isFilterEqual(object, object)).toBe(false);
    expect(isFilterOrdered('<', 1, 2)).toBe(true);
    expect(isFilterOrdered('<', '1', 2)).toBe(false);
    expect(isFilterOrdered('>=', 'b', 'a')).toBe(true);
  });
});
