import { describe, expect, it } from 'vitest';
import { KeyTable } from './key-table.js';

describe('KeyTable', () => {
  it('gives the same id to the same key and keeps JSON types apart ("42" is not 42)', () => {
    const t = new KeyTable(['user_id']);
    const a = t.intern({ user_id: 42 });
    expect(t.intern({ user_id: 42, page: '/x' })).toBe(a);
    const b = t.intern({ user_id: '42' });
    expect(b).not.toBe(a);
    expect([t.get(a).keyJson, t.get(b).keyJson]).toEqual(['{"user_id":42}', '{"user_id":"42"}']);
  });

  it('groups a missing field as null, and an empty keyBy as one group', () => {
    const t = new KeyTable(['country']);
    expect(t.intern({})).toBe(t.intern({ country: null }));
    expect(t.get(t.intern({})).key).toEqual({ country: null });
    const g = new KeyTable([]);
    expect(g.intern({ a: 1 })).toBe(g.intern({ b: 2 }));
    expect(g.get(g.intern({})).keyJson).toBe('{}');
  });

  it('keys on several fields and on objects by their JSON text', () => {
    const t = new KeyTable(['user_id', 'page']);
    const a = t.intern({ user_id: 1, page: '/a' });
    expect(t.intern({ user_id: 1, page: '/b' })).not.toBe(a);
    expect(t.intern({ page: '/a', user_id: 1 })).toBe(a);
    const o = new KeyTable(['geo']);
    expect(o.intern({ geo: { c: 'FR' } })).toBe(o.intern({ geo: { c: 'FR' } }));
  });

  it('forgets keys not retained, and gives a forgotten key a fresh id when it comes back', () => {
    const t = new KeyTable(['user_id', 'page']);
    const a = t.intern({ user_id: 1, page: '/a' });
    const b = t.intern({ user_id: 2, page: '/b' });
    expect(t.retainOnly(new Set([b]))).toBe(1);
    expect(t.size).toBe(1);
    expect(t.intern({ user_id: 2, page: '/b' })).toBe(b);
    const again = t.intern({ user_id: 1, page: '/a' });
    expect(again).not.toBe(a);
  });

  it('round-trips through its encoding', () => {
    const t = new KeyTable(['user_id']);
    const ids = [t.intern({ user_id: 5 }), t.intern({ user_id: 'x' })];
    const back = KeyTable.decode(['user_id'], JSON.parse(JSON.stringify(t.encode())));
    expect([back.intern({ user_id: 5 }), back.intern({ user_id: 'x' })]).toEqual(ids);
    expect(back.intern({ user_id: 6 })).toBe(2);
  });
});
