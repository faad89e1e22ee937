// Public API tests: the index exports and the examples table of docs/filter.md.

import { describe, expect, it } from 'vitest';
import { EngineError } from '../errors.js';
import { compileFilter, parseFilter, type CompiledFilter, type FilterNode } from './index.js';

describe('filter public API', () => {
  it('parses and compiles the example from the docs', () => {
    const source = "page startsWith '/shop' and action in ('click', 'add_to_cart') and not url contains 'utm_'";
    const ast: FilterNode = parseFilter(source);
    const filter: CompiledFilter = compileFilter(source);
    expect(filter.ast).toEqual(ast);
    expect(filter.fields).toEqual(['page', 'action', 'url']);
    expect(filter.test({ user_id: 42, page: '/shop/cart', action: 'click', url: 'https://x/', timestamp: 1 })).toBe(true);
    expect(filter.test({ user_id: 42, page: '/shop/cart', action: 'click', url: 'https://x/?utm_source=a' })).toBe(false);
  });

  it('throws EngineError with a stable code', () => {
    expect(() => parseFilter('page ==')).toThrow(EngineError);
    expect(() => compileFilter("page matches '\\\\1'")).toThrow(expect.objectContaining({ code: 'FILTER_UNSAFE_REGEX' }));
  });
});

describe('docs/filter.md examples', () => {
  const event = {
    user_id: 42,
    page: '/shop/cart',
    action: 'click',
    url: 'https://x/?utm_source=a',
    value: 3.5,
    timestamp: 1700000000000,
  };

  it.each([
    ["page == '/shop/cart'", true],
    ['user_id == 42', true],
    ["user_id == '42'", false],
    ['value >= 3 and value < 4', true],
    ["page startsWith '/shop' && action != 'view'", true],
    ["url contains 'utm'", true],
    ["page endsWith '.html'", false],
    ["page matches '^/shop/[a-z]+$'", true],
    ["action in ('click', 'view')", true],
    ['user_id not in (1, 2, 3)', true],
    ['referrer == null', true],
    ['referrer != null', false],
    ["referrer < 'm'", false],
    ["not (referrer < 'm')", true],
    ["`geo.country` == 'NL'", false],
    ["'/shop/cart' == page", true],
    ["NOT (action == 'view' OR value > 10)", true],
    ['true', true],
  ] as const)('%s is %s', (source, expected) => {
    expect(compileFilter(source).test(event)).toBe(expected);
  });
});
