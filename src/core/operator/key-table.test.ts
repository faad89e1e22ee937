import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyTable } from './key-table.js';

describe('KeyTable', () => {
  it('gives the same id to the same key and keeps JSON types apart ("42" is not 42)', () => {
    const t = new KeyTable(['user_id']);
    const a = t.intern({ user_id: 42 }).id;
    expect(t.intern({ user_id: 42, page: '/x' }).id).toBe(a);
    const b = t.intern({ user_id: '42' }).id;
    expect(b).not.toBe(a);
    expect([t.get(a).keyJson, t.get(b).keyJson]).toEqual(['{"user_id":42}', '{"user_id":"42"}']);
  });

  it('groups a missing field as null, and an empty keyBy as one group', () => {
    const t = new KeyTable(['country']);
    expect(t.intern({}).id).toBe(t.intern({ country: null }).id);
    expect(t.get(t.intern({}).id).key).toEqual({ country: null });
    const g = new KeyTable([]);
    expect(g.intern({ a: 1 }).id).toBe(g.intern({ b: 2 }).id);
    expect(g.get(g.intern({}).id).keyJson).toBe('{}');
  });

  it('keys on several fields and on objects by their JSON text', () => {
    const t = new KeyTable(['user_id', 'page']);
    const a = t.intern({ user_id: 1, page: '/a' }).id;
    expect(t.intern({ user_id: 1, page: '/b' }).id).not.toBe(a);
    expect(t.intern({ page: '/a', user_id: 1 }).id).toBe(a);
    const o = new KeyTable(['geo']);
    expect(o.intern({ geo: { c: 'FR' } }).id).toBe(o.intern({ geo: { c: 'FR' } }).id);
  });

  it('forgets keys not retained, and gives a forgotten key a fresh id when it comes back', () => {
    const t = new KeyTable(['user_id', 'page']);
    const a = t.intern({ user_id: 1, page: '/a' }).id;
    const b = t.intern({ user_id: 2, page: '/b' }).id;
    expect(t.retainOnly(new Set([b]))).toBe(1);
    expect(t.size).toBe(1);
    expect(t.intern({ user_id: 2, page: '/b' }).id).toBe(b);
    const again = t.intern({ user_id: 1, page: '/a' }).id;
    expect(again).not.toBe(a);
  });

  it('is rebuilt from its ids and keys', () => {
    const t = new KeyTable(['user_id']);
    const ids = [t.intern({ user_id: 5 }).id, t.intern({ user_id: 'x' }).id];
    const back = new KeyTable(['user_id']);
    for (const e of t.all()) back.restore(e.id, { ...e.group.key });
    back.restoreNextId(t.nextKeyId);
    expect([back.intern({ user_id: 5 }).id, back.intern({ user_id: 'x' }).id]).toEqual(ids);
    expect(back.intern({ user_id: 6 }).id).toBe(2);
  });

  it('reads only own fields of the record: constructor and __proto__ are data, not inherited', () => {
    const t = new KeyTable(['constructor']);
    expect(t.get(t.intern(JSON.parse('{"user_id":1}') as Record<string, never>).id).keyJson).toBe('{"constructor":null}');
    const p = new KeyTable(['__proto__']);
    const a = p.intern(JSON.parse('{"__proto__":"x"}') as Record<string, never>);
    expect(p.get(a.id).keyJson).toBe('{"__proto__":"x"}');
    expect(p.intern(JSON.parse('{}') as Record<string, never>).id).not.toBe(a.id);
    expect(Object.getPrototypeOf(p.get(a.id).key)).toBe(Object.prototype);
  });
});

describe('KeyTable with one group-by field', () => {
  // Values as JSON decodes them: ids small and large, negative and fractional numbers, strings
  // with escapes and non-ASCII text, null, missing (undefined), booleans, arrays and objects.
  const value = fc.oneof(
    fc.integer({ min: 0, max: 300 }),
    fc.integer({ min: 0, max: 5_000_000 }),
    fc.constantFrom(-0, -1, 0.5, 1e21, Number.MAX_SAFE_INTEGER, 2 ** 22, 2 ** 22 - 1, 65_535, 65_536),
    fc.string({ unit: 'grapheme', maxLength: 6 }),
    fc.constantFrom('42', '', '"', '\\', '\u0000', '\ud800', 'é'),
    fc.constantFrom(null, undefined, true, false),
    fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 2 }),
    fc.record({ c: fc.constantFrom('FR', 'DE') }),
  );
  const opsArb = fc.array(
    fc.oneof(
      fc.record({ op: fc.constant('intern' as const), value }),
      fc.record({ op: fc.constant('lookup' as const), value }),
      fc.record({ op: fc.constant('forget' as const), keep: fc.integer({ min: 0, max: 3 }) }),
    ),
    { maxLength: 200 },
  );

  /** How grouping compares values: SameValueZero, objects by their JSON text, a missing field as null. */
  const groupOf = (v: unknown): unknown => (v === undefined || v === null ? null : typeof v === 'object' ? `json:${JSON.stringify(v)}` : v);

  it('gives every distinct value one id, finds it again, forgets and re-creates it as a plain map of values would', () => {
    fc.assert(
      fc.property(fc.constantFrom('user_id', '__proto__', 'constructor'), opsArb, (field, ops) => {
        const table = new KeyTable([field]);
        const model = new Map<unknown, number>();
        const record = (v: unknown): Record<string, never> => {
          const r: Record<string, unknown> = {};
          if (v !== undefined) Object.defineProperty(r, field, { value: v, enumerable: true, writable: true, configurable: true });
          return r as Record<string, never>;
        };
        for (const step of ops) {
          if (step.op === 'forget') {
            // Keep every key whose id is a multiple of keep + 1.
            const live = new Set([...model.values()].filter((id) => id % (step.keep + 1) === 0));
            table.retainOnly(live);
            for (const [g, id] of model) if (!live.has(id)) model.delete(g);
            continue;
          }
          const g = groupOf(step.value);
          if (step.op === 'lookup') {
            expect(table.lookup(record(step.value))?.id).toBe(model.get(g));
            continue;
          }
          const entry = table.intern(record(step.value));
          const known = model.get(g);
          if (known === undefined) {
            expect([...model.values()]).not.toContain(entry.id);
            model.set(g, entry.id);
          } else expect(entry.id).toBe(known);
          expect(table.get(entry.id)).toBe(entry.group);
        }
        expect(table.size).toBe(model.size);
      }),
      { seed: 20261124, numRuns: 300 },
    );
  });

  it('writes each key as JSON.stringify of its values', () => {
    fc.assert(
      fc.property(fc.constantFrom('user_id', '__proto__', 'a"b', 'é'), value, (field, v) => {
        const table = new KeyTable([field]);
        const record = JSON.parse(v === undefined ? '{}' : `{${JSON.stringify(field)}:${JSON.stringify(v)}}`) as Record<string, never>;
        const group = table.intern(record).group;
        expect(group.keyJson).toBe(JSON.stringify(group.key));
        const back = new KeyTable([field]);
        expect(back.restore(7, { ...group.key }).group.keyJson).toBe(group.keyJson);
      }),
      { seed: 20261124, numRuns: 500 },
    );
  });

  it('keeps ids spread thinly over a large range apart from the dense array, and finds them all', () => {
    const table = new KeyTable(['user_id']);
    const ids = [0, 3, 65_535, 65_536, 1_000_000, 4_194_303, 4_194_304, 70_000];
    const entries = ids.map((id) => table.intern({ user_id: id }));
    expect(new Set(entries.map((e) => e.id)).size).toBe(ids.length);
    ids.forEach((id, i) => {
      expect(table.intern({ user_id: id })).toBe(entries[i]);
      expect(table.lookup({ user_id: id })).toBe(entries[i]);
      expect(table.intern({ user_id: String(id) })).not.toBe(entries[i]);
    });
    // Many keys let the array grow past ids that went to the map earlier: both are still found.
    for (let id = 0; id < 20_000; id++) table.intern({ user_id: id * 4 });
    ids.forEach((id, i) => expect(table.intern({ user_id: id })).toBe(entries[i]));
    const before = table.size;
    expect(table.retainOnly(new Set([(entries[4] as { id: number }).id]))).toBe(before - 1);
    expect(table.lookup({ user_id: 1_000_000 })).toBe(entries[4]);
    expect(table.lookup({ user_id: 0 })).toBeUndefined();
    expect(table.lookup({ user_id: 65_536 })).toBeUndefined();
  });
});
