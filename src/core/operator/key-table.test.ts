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
