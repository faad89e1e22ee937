import { afterEach, describe, expect, it } from 'vitest';
import type { WindowResult } from '../../core/emit/outputs.js';
import { EngineError } from '../../core/errors.js';
import type { HistoryQuery, StoredResult } from '../../ports/results-history.js';
import { MINUTE, resultOf, T0, tempHistory, type TempHistory } from './test-support.js';

let temp: TempHistory | null = null;

async function open(options: Parameters<typeof tempHistory>[0] = {}): Promise<TempHistory> {
  temp = await tempHistory(options);
  return temp;
}

afterEach(async () => {
  await temp?.cleanup();
  temp = null;
});

/** start minute, then the key, e.g. "2:u1" */
const label = (r: StoredResult): string => `${(r.start - T0) / MINUTE}:${JSON.stringify(Object.values(r.key))}`;

/** Every page of a query, following cursors. */
function allPages(t: TempHistory, query: Omit<HistoryQuery, 'cursor'>): StoredResult[][] {
  const pages: StoredResult[][] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 1_000; i++) {
    const page = t.history.query(cursor === undefined ? query : { ...query, cursor });
    pages.push([...page.results]);
    if (page.nextCursor === null) return pages;
    cursor = page.nextCursor;
  }
  throw new Error('more than 1000 pages');
}

describe('LmdbResultsHistory', () => {
  it('stores results with a sequence number, the emission time and named values', async () => {
    const t = await open();
    t.clock.nowMs = T0 + 5 * MINUTE;
    await t.history.append([
      resultOf({ start: T0, key: { user_id: 42 }, values: [3, 10.5] }),
      resultOf({ start: T0, key: { user_id: 7 }, values: [1, null] }),
    ]);
    const page = t.history.query({ window: 'per_minute', key: { user_id: 42 }, order: 'oldest', limit: 10 });
    expect(page).toEqual({
      results: [
        {
          sequence: 1,
          storedAtMs: T0 + 5 * MINUTE,
          window: 'per_minute',
          windowKind: 'tumbling',
          start: T0,
          end: T0 + MINUTE,
          key: { user_id: 42 },
          values: { count: 3, sum_value: 10.5 },
          revision: 0,
          isFinal: true,
          windowIndex: null,
        },
      ],
      nextCursor: null,
    });
    expect(t.history.query({ window: 'per_minute', key: { user_id: 7 }, order: 'oldest', limit: 10 }).results[0]).toMatchObject({
      sequence: 2,
      values: { count: 1, sum_value: null },
    });
    expect(t.history.query({ window: 'other', order: 'oldest', limit: 10 })).toEqual({ results: [], nextCursor: null });
  });

  it('orders by window start, newest or oldest first, and keeps results of one start in one fixed order', async () => {
    const t = await open();
    const batch: WindowResult[] = [];
    for (const minute of [2, 0, 1]) for (const user of ['b', 'a', 'c']) batch.push(resultOf({ start: T0 + minute * MINUTE, key: { user_id: user } }));
    await t.history.append(batch);
    const oldest = t.history.query({ window: 'per_minute', order: 'oldest', limit: 100 }).results.map(label);
    const newest = t.history.query({ window: 'per_minute', order: 'newest', limit: 100 }).results.map(label);
    expect(oldest).toEqual(['0:["a"]', '0:["b"]', '0:["c"]', '1:["a"]', '1:["b"]', '1:["c"]', '2:["a"]', '2:["b"]', '2:["c"]']);
    expect(newest).toEqual([...oldest].reverse());
  });

  it('selects window starts from `from` (inclusive) to `to` (exclusive)', async () => {
    const t = await open();
    await t.history.append([0, 1, 2, 3, 4].map((m) => resultOf({ start: T0 + m * MINUTE, key: { user_id: 1 } })));
    const starts = (q: Partial<HistoryQuery>): number[] =>
      t.history.query({ window: 'per_minute', order: 'oldest', limit: 100, ...q }).results.map((r) => (r.start - T0) / MINUTE);
    expect(starts({ from: T0 + MINUTE, to: T0 + 3 * MINUTE })).toEqual([1, 2]);
    expect(starts({ from: T0 + MINUTE + 1 })).toEqual([2, 3, 4]);
    expect(starts({ to: T0 + MINUTE })).toEqual([0]);
    expect(starts({ from: T0 + 3 * MINUTE, to: T0 + MINUTE })).toEqual([]);
    // The same range through the keys index.
    expect(starts({ key: { user_id: 1 }, from: T0 + MINUTE, to: T0 + 3 * MINUTE, order: 'newest' })).toEqual([2, 1]);
  });

  it('filters on several key fields with exact types: 42 is not "42", null matches a missing field', async () => {
    const t = await open();
    const keys = [
      { user_id: 42, page: '/home' },
      { user_id: '42', page: '/home' },
      { user_id: 42, page: '/cart' },
      { user_id: 42, page: null },
      { user_id: true, page: '/home' },
      { user_id: 4.2, page: '/home' },
      { user_id: { org: 1 }, page: '/home' },
    ];
    await t.history.append(keys.flatMap((key) => [0, 1].map((m) => resultOf({ start: T0 + m * MINUTE, key }))));
    const find = (key: HistoryQuery['key']): string[] =>
      t.history.query({ window: 'per_minute', key, order: 'oldest', limit: 100 }).results.map((r) => `${(r.start - T0) / MINUTE}:${JSON.stringify(r.key)}`);
    // Every field named: the keys index.
    expect(find({ user_id: 42, page: '/home' })).toEqual(['0:{"user_id":42,"page":"/home"}', '1:{"user_id":42,"page":"/home"}']);
    expect(find({ page: '/home', user_id: '42' })).toEqual(['0:{"user_id":"42","page":"/home"}', '1:{"user_id":"42","page":"/home"}']);
    expect(find({ user_id: 42, page: null })).toEqual(['0:{"user_id":42,"page":null}', '1:{"user_id":42,"page":null}']);
    expect(find({ user_id: { org: 1 }, page: '/home' })).toHaveLength(2);
    expect(find({ user_id: 42, page: '/nowhere' })).toEqual([]);
    // Some fields named: the window's rows, filtered.
    expect(find({ user_id: 42 })).toEqual([
      '0:{"user_id":42,"page":null}',
      '0:{"user_id":42,"page":"/cart"}',
      '0:{"user_id":42,"page":"/home"}',
      '1:{"user_id":42,"page":null}',
      '1:{"user_id":42,"page":"/cart"}',
      '1:{"user_id":42,"page":"/home"}',
    ]);
    expect(find({ user_id: '42' })).toHaveLength(2);
    expect(find({ user_id: true })).toHaveLength(2);
    expect(find({ page: '/home' })).toHaveLength(10);
    // A field the keys do not have matches nothing; an empty filter matches everything.
    expect(find({ country: 'DE' })).toEqual([]);
    expect(find({ user_id: 42, page: '/home', country: 'DE' })).toEqual([]);
    expect(find({})).toHaveLength(14);
  });

  it('finds keys with long strings and nested values exactly, and keeps keys of other field lists apart', async () => {
    const t = await open();
    const long = `/search?q=${'x'.repeat(3_000)}`;
    await t.history.append([
      resultOf({ start: T0, key: { user_id: 1, page: long } }),
      resultOf({ start: T0, key: { user_id: 1, page: `${long}!` } }),
      resultOf({ start: T0, key: { user_id: 1 } }),
      resultOf({ start: T0, key: { page: 1 } }),
    ]);
    const find = (key: HistoryQuery['key']): unknown[] => t.history.query({ window: 'per_minute', key, order: 'oldest', limit: 10 }).results.map((r) => r.key);
    expect(find({ user_id: 1, page: long })).toEqual([{ user_id: 1, page: long }]);
    expect(find({ user_id: 1 })).toEqual(expect.arrayContaining([{ user_id: 1 }, { user_id: 1, page: long }, { user_id: 1, page: `${long}!` }]));
    expect(find({ user_id: 1 })).toHaveLength(3);
    expect(find({ page: 1 })).toEqual([{ page: 1 }]);
  });

  it('pages with cursors that stay valid while results are appended: none twice, none that was there skipped', async () => {
    const t = await open();
    await t.history.append([0, 2, 4, 6, 8].flatMap((m) => ['a', 'b'].map((u) => resultOf({ start: T0 + m * MINUTE, key: { user_id: u } }))));
    for (const order of ['newest', 'oldest'] as const) {
      for (const key of [undefined, { user_id: 'a' }]) {
        const before = t.history.query({ window: 'per_minute', order, key, limit: 1_000 }).results.map(label);
        const seen: string[] = [];
        let page = t.history.query({ window: 'per_minute', order, key, limit: 3 });
        seen.push(...page.results.map(label));
        let round = 0;
        while (page.nextCursor !== null) {
          // New windows before, between and after what was read, and a new revision of a row already read.
          round++;
          await t.history.append([
            resultOf({ start: T0 + (1 + round * 2) * MINUTE, key: { user_id: 'a' }, values: [round, round] }),
            resultOf({ start: T0 - round * MINUTE, key: { user_id: 'b' } }),
            resultOf({ start: T0 + 100 * MINUTE + round, key: { user_id: 'a' } }),
          ]);
          page = t.history.query({ window: 'per_minute', order, key, limit: 3, cursor: page.nextCursor });
          seen.push(...page.results.map(label));
        }
        expect(new Set(seen).size).toBe(seen.length);
        for (const l of before) expect(seen).toContain(l);
        const starts = seen.map((l) => Number(l.split(':')[0]));
        expect(starts).toEqual([...starts].sort((x, y) => (order === 'oldest' ? x - y : y - x)));
      }
    }
  });

  it('goes on with a walk of one key after keys with more fields appear in its window', async () => {
    const t = await open();
    await t.history.append([0, 1, 2].map((m) => resultOf({ start: T0 + m * MINUTE, key: { user_id: 1 } })));
    const query: HistoryQuery = { window: 'per_minute', key: { user_id: 1 }, order: 'oldest', limit: 1 };
    const first = t.history.query(query);
    // A redefined job groups by user and page now: { user_id: 1 } no longer names a whole key.
    await t.history.append([resultOf({ start: T0 + 5 * MINUTE, key: { user_id: 1, page: 'p' } })]);
    const cursor = first.nextCursor as string;
    expect(t.history.checkQuery({ ...query, cursor })).toBeNull();
    const rest = allPages(t, { ...query }).flat().map(label);
    expect(rest).toEqual(['0:[1]', '1:[1]', '2:[1]', '5:[1,"p"]']);
    const continued = t.history.query({ ...query, cursor, limit: 10 }).results.map(label);
    expect(continued).toEqual(['1:[1]', '2:[1]']);
  });

  it('ends a query exactly at its last result and gives no cursor past it', async () => {
    const t = await open();
    await t.history.append([0, 1, 2, 3].map((m) => resultOf({ start: T0 + m * MINUTE, key: { user_id: 1 } })));
    for (const key of [undefined, { user_id: 1 }]) {
      const pages = allPages(t, { window: 'per_minute', key, order: 'newest', limit: 2 });
      expect(pages.map((p) => p.map(label))).toEqual([['3:[1]', '2:[1]'], ['1:[1]', '0:[1]']]);
    }
  });

  it('returns fewer results than the limit, with a cursor, when a filter has to look at too many rows', async () => {
    const t = await open({ maxScanPerPage: 4 });
    await t.history.append([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((m) => resultOf({ start: T0 + m * MINUTE, key: { user_id: m % 5 === 0 ? 'x' : 'y', page: 'p' } })));
    const pages = allPages(t, { window: 'per_minute', key: { user_id: 'x' }, order: 'oldest', limit: 10 });
    expect(pages.length).toBeGreaterThan(1);
    expect(pages.flat().map(label)).toEqual(['0:["x","p"]', '5:["x","p"]']);
  });

  it('checks queries: a damaged cursor, one of another query, bad limits and bounds', async () => {
    const t = await open();
    await t.history.append([0, 1, 2].map((m) => resultOf({ start: T0 + m * MINUTE, key: { user_id: 1 } })));
    const base: HistoryQuery = { window: 'per_minute', order: 'oldest', limit: 1 };
    const cursor = t.history.query(base).nextCursor as string;
    expect(t.history.checkQuery({ ...base, cursor })).toBeNull();
    expect(t.history.checkQuery({ ...base, limit: 5, cursor })).toBeNull();
    expect(t.history.checkQuery({ ...base, order: 'newest', cursor })).toMatch(/cursor belongs to another query/);
    expect(t.history.checkQuery({ ...base, key: { user_id: 1 }, cursor })).toMatch(/cursor belongs to another query/);
    expect(t.history.checkQuery({ ...base, window: 'other', cursor })).toMatch(/cursor belongs to another query/);
    expect(t.history.checkQuery({ ...base, cursor: `${cursor.slice(0, 3)}` })).toMatch(/not one this history gave out/);
    expect(t.history.checkQuery({ ...base, cursor: 'not a cursor!' })).toMatch(/not one this history gave out/);
    expect(t.history.checkQuery({ ...base, limit: 0 })).toMatch(/limit must be a whole number from 1 to 10000/);
    expect(t.history.checkQuery({ ...base, limit: 1.5 })).toMatch(/limit/);
    expect(t.history.checkQuery({ ...base, from: Number.NaN })).toMatch(/from must be a time/);
    expect(t.history.checkQuery({ ...base, order: 'sideways' as 'newest' })).toMatch(/order must be newest or oldest/);
    expect(() => t.history.query({ ...base, order: 'newest', cursor })).toThrow(EngineError);
    // The key-index cursor of one key does not continue the query of another key.
    const keyCursor = t.history.query({ ...base, key: { user_id: 1 } }).nextCursor as string;
    expect(t.history.checkQuery({ ...base, key: { user_id: 2 }, cursor: keyCursor })).toMatch(/another query/);
  });

  it('keeps the latest revision of each window instance and key: final above not final, then the higher revision', async () => {
    const t = await open();
    const at = (revision: number, isFinal: boolean, count: number): WindowResult =>
      resultOf({ start: T0, key: { user_id: 1 }, values: [count, count], revision, isFinal });
    const stored = (): StoredResult => t.history.query({ window: 'per_minute', order: 'oldest', limit: 10 }).results[0] as StoredResult;
    await t.history.append([at(0, false, 1)]);
    await t.history.append([at(1, false, 2)]);
    expect(stored()).toMatchObject({ revision: 1, isFinal: false, values: { count: 2 }, sequence: 2 });
    // An older revision (a restarted job replaying from its checkpoint) does not go back in time.
    await t.history.append([at(0, false, 1)]);
    expect(stored()).toMatchObject({ revision: 1, sequence: 2 });
    // The final result wins even with a lower revision number (a replay emits fewer revisions).
    await t.history.append([at(1, true, 3)]);
    expect(stored()).toMatchObject({ revision: 1, isFinal: true, values: { count: 3 }, sequence: 3 });
    await t.history.append([at(5, false, 9)]);
    expect(stored()).toMatchObject({ isFinal: true, values: { count: 3 } });
    // Two revisions in one batch: the higher one is kept, whichever comes first.
    await t.history.append([
      resultOf({ start: T0 + MINUTE, key: { user_id: 1 }, revision: 3, isFinal: false, values: [30, 30] }),
      resultOf({ start: T0 + MINUTE, key: { user_id: 1 }, revision: 2, isFinal: false, values: [20, 20] }),
    ]);
    expect(t.history.query({ window: 'per_minute', from: T0 + MINUTE, order: 'oldest', limit: 10 }).results.map((r) => r.revision)).toEqual([3]);
    expect(t.history.stats().count).toBe(2);
  });

  it('stores a re-emitted identical result once: no new row, no new sequence number', async () => {
    const t = await open();
    const batch = [0, 1].flatMap((m) => [1, 2].map((u) => resultOf({ start: T0 + m * MINUTE, key: { user_id: u }, values: [u, Number.NaN] })));
    await t.history.append(batch);
    const before = t.history.query({ window: 'per_minute', order: 'oldest', limit: 10 }).results;
    t.clock.nowMs += MINUTE;
    // The same results again, as a restarted job computes them (new GroupKey objects, same values).
    await t.history.append(batch.map((r) => resultOf({ start: r.start, key: { ...r.key.key }, values: [...r.values] })));
    await t.history.append(batch);
    expect(t.history.query({ window: 'per_minute', order: 'oldest', limit: 10 }).results).toEqual(before);
    expect(t.history.stats()).toMatchObject({ count: 4, lastSequence: 4 });
    expect(t.history.since(0, 100).map((r) => r.sequence)).toEqual([1, 2, 3, 4]);
  });

  it('replaces a result of the same revision whose values changed, under a new sequence number', async () => {
    const t = await open();
    await t.history.append([resultOf({ start: T0, key: { user_id: 1 }, revision: 2, isFinal: false, values: [5, 5] })]);
    t.clock.nowMs = T0 + 9 * MINUTE;
    await t.history.append([resultOf({ start: T0, key: { user_id: 1 }, revision: 2, isFinal: false, values: [6, 6] })]);
    expect(t.history.query({ window: 'per_minute', order: 'oldest', limit: 10 }).results).toEqual([
      expect.objectContaining({ values: { count: 6, sum_value: 6 }, sequence: 2, storedAtMs: T0 + 9 * MINUTE }),
    ]);
    // A session that grew keeps its start and gets its new end.
    await t.history.append([resultOf({ windowKind: 'session', start: T0, end: T0 + 5 * MINUTE, key: { user_id: 1 }, revision: 3, isFinal: false, values: [6, 6] })]);
    expect(t.history.query({ window: 'per_minute', order: 'oldest', limit: 10 }).results[0]).toMatchObject({ end: T0 + 5 * MINUTE, windowKind: 'session', sequence: 3 });
    expect(t.history.stats()).toMatchObject({ count: 1, newestEndMs: T0 + 5 * MINUTE, oldestEndMs: T0 + 5 * MINUTE });
  });

  it('keeps count windows with the same start apart by their window index', async () => {
    const t = await open();
    await t.history.append([
      resultOf({ window: 'every_3', windowKind: 'count', start: T0, end: T0 + 1, key: { user_id: 1 }, windowIndex: 1, values: [3, 3] }),
      resultOf({ window: 'every_3', windowKind: 'count', start: T0, end: T0 + 1, key: { user_id: 1 }, windowIndex: 0, values: [3, 3] }),
    ]);
    for (const key of [undefined, { user_id: 1 }]) {
      expect(t.history.query({ window: 'every_3', key, order: 'oldest', limit: 10 }).results.map((r) => r.windowIndex)).toEqual([0, 1]);
      expect(t.history.query({ window: 'every_3', key, order: 'newest', limit: 10 }).results.map((r) => r.windowIndex)).toEqual([1, 0]);
    }
  });

  it('ranks the top keys of a window instance: largest first, ties in key order, null values left out', async () => {
    const t = await open();
    const counts: [string | number, number | null][] = [['d', 5], ['a', 9], [3, 5], ['c', 5], ['b', null], ['e', 1], [1, 9]];
    await t.history.append([
      ...counts.map(([user, count]) => resultOf({ start: T0, key: { user_id: user }, values: [count, count === null ? null : -count] })),
      resultOf({ start: T0 + MINUTE, key: { user_id: 'z' }, values: [100, 0] }),
    ]);
    const top = (by: string, n: number): string[] => t.history.top({ window: 'per_minute', start: T0, by, n }).map((r) => `${JSON.stringify(r.key.user_id)}=${r.values[by]}`);
    expect(top('count', 10)).toEqual(['1=9', '"a"=9', '3=5', '"c"=5', '"d"=5', '"e"=1']);
    expect(top('count', 4)).toEqual(['1=9', '"a"=9', '3=5', '"c"=5']);
    expect(top('count', 1)).toEqual(['1=9']);
    expect(top('sum_value', 2)).toEqual(['"e"=-1', '3=-5']);
    expect(top('no_such_output', 3)).toEqual([]);
    expect(t.history.top({ window: 'per_minute', start: T0 + 2 * MINUTE, by: 'count', n: 3 })).toEqual([]);
    expect(() => t.history.top({ window: 'per_minute', start: T0, by: 'count', n: 0 })).toThrow(EngineError);
  });

  it('lists a key once in the top keys, with its largest value, when count windows of it share a start', async () => {
    const t = await open();
    const count = (user: number, windowIndex: number, n: number): WindowResult =>
      resultOf({ window: 'every_3', windowKind: 'count', start: T0, end: T0 + 1, key: { user_id: user }, windowIndex, values: [n, n] });
    await t.history.append([count(1, 0, 3), count(1, 1, 7), count(1, 2, 5), count(2, 0, 6), count(3, 4, 4), count(3, 5, 8)]);
    const top = (n: number): string[] => t.history.top({ window: 'every_3', start: T0, by: 'count', n }).map((r) => `${r.key.user_id as number}#${r.windowIndex}=${r.values.count}`);
    expect(top(10)).toEqual(['3#5=8', '1#1=7', '2#0=6']);
    expect(top(2)).toEqual(['3#5=8', '1#1=7']);
    expect(top(1)).toEqual(['3#5=8']);
  });

  it('stores each window with its own output names: a window with aggregations of its own next to the job\'s', async () => {
    const t = await open();
    const SHOP = ['count', 'max_duration_ms'];
    await t.history.append([
      resultOf({ start: T0, key: { user_id: 1 }, values: [3, 10.5] }),
      resultOf({ window: 'shop', start: T0, end: T0 + 5 * MINUTE, key: { user_id: 1 }, names: SHOP, values: [2, 830] }),
      resultOf({ window: 'shop', start: T0, end: T0 + 5 * MINUTE, key: { user_id: 2 }, names: SHOP, values: [1, Number.POSITIVE_INFINITY] }),
    ]);
    const valuesOf = (window: string): unknown[] => t.history.query({ window, order: 'oldest', limit: 10 }).results.map((r) => r.values);
    expect(valuesOf('per_minute')).toEqual([{ count: 3, sum_value: 10.5 }]);
    // Only the window's own names, not the job's: no sum_value in a shop row.
    expect(valuesOf('shop')).toEqual([
      { count: 2, max_duration_ms: 830 },
      { count: 1, max_duration_ms: null },
    ]);
    // The same through the keys index and the sequence walk.
    expect(t.history.query({ window: 'shop', key: { user_id: 1 }, order: 'newest', limit: 10 }).results[0]?.values).toEqual({ count: 2, max_duration_ms: 830 });
    expect(t.history.since(0, 10).map((r) => Object.keys(r.values))).toEqual([['count', 'sum_value'], ['count', 'max_duration_ms'], ['count', 'max_duration_ms']]);
    // And after a reopen.
    await t.reopen();
    expect(valuesOf('shop')[0]).toEqual({ count: 2, max_duration_ms: 830 });
  });

  it('ranks the top keys by an output only a window of its own aggregations has', async () => {
    const t = await open();
    const SHOP = ['count', 'max_duration_ms'];
    const durations: [number, number | null][] = [[1, 120], [2, 4_000], [3, null], [4, 900], [5, 4_000]];
    await t.history.append([
      ...durations.map(([user, ms]) => resultOf({ window: 'shop', start: T0, key: { user_id: user }, names: SHOP, values: [10 - user, ms] })),
      resultOf({ start: T0, key: { user_id: 9 }, values: [100, 100] }),
    ]);
    const top = (window: string, by: string, n: number): string[] => t.history.top({ window, start: T0, by, n }).map((r) => `${r.key.user_id as number}=${r.values[by]}`);
    expect(top('shop', 'max_duration_ms', 3)).toEqual(['2=4000', '5=4000', '4=900']);
    expect(top('shop', 'max_duration_ms', 10)).toEqual(['2=4000', '5=4000', '4=900', '1=120']);
    expect(top('shop', 'count', 2)).toEqual(['1=9', '2=8']);
    // The job's outputs are not the shop window's, and the shop window's are not the job's.
    expect(top('shop', 'sum_value', 3)).toEqual([]);
    expect(top('per_minute', 'max_duration_ms', 3)).toEqual([]);
    expect(top('per_minute', 'count', 3)).toEqual(['9=100']);
  });

  it('replaces a window instance re-emitted with other output names (a reconfigured window), also when the numbers are the same', async () => {
    const t = await open();
    await t.history.append([resultOf({ start: T0, key: { user_id: 1 }, values: [4, 4] }), resultOf({ start: T0, key: { user_id: 2 }, values: [7, 1.5] })]);
    t.clock.nowMs = T0 + 3 * MINUTE;
    // The window now has aggregations of its own: same instance, same revision, other names.
    await t.history.append([resultOf({ start: T0, key: { user_id: 1 }, names: ['count', 'max_duration_ms'], values: [4, 4] })]);
    const rows = t.history.query({ window: 'per_minute', order: 'oldest', limit: 10 }).results;
    expect(rows).toEqual([
      expect.objectContaining({ key: { user_id: 1 }, values: { count: 4, max_duration_ms: 4 }, sequence: 3, storedAtMs: T0 + 3 * MINUTE }),
      expect.objectContaining({ key: { user_id: 2 }, values: { count: 7, sum_value: 1.5 }, sequence: 2 }),
    ]);
    expect(t.history.stats()).toMatchObject({ count: 2, lastSequence: 3 });
    // One output fewer is a change too.
    await t.history.append([resultOf({ start: T0, key: { user_id: 2 }, names: ['count'], values: [7] })]);
    expect(t.history.query({ window: 'per_minute', key: { user_id: 2 }, order: 'oldest', limit: 10 }).results).toEqual([
      expect.objectContaining({ values: { count: 7 }, sequence: 4 }),
    ]);
    // The same names in another order with the same values by name is the same result: nothing stored.
    await t.history.append([resultOf({ start: T0, key: { user_id: 1 }, names: ['max_duration_ms', 'count'], values: [4, 4] })]);
    await t.history.append([resultOf({ start: T0, key: { user_id: 2 }, names: ['count'], values: [7] })]);
    expect(t.history.stats()).toMatchObject({ count: 2, lastSequence: 4 });
    expect(t.history.since(0, 10).map((r) => `${r.sequence}:${JSON.stringify(r.values)}`)).toEqual(['3:{"count":4,"max_duration_ms":4}', '4:{"count":7}']);
  });

  it('streams results after a sequence number in order (SSE resume), a replaced result under its new number', async () => {
    const t = await open();
    await t.history.append([1, 2, 3].map((u) => resultOf({ start: T0, key: { user_id: u }, revision: 0, isFinal: false })));
    await t.history.append([resultOf({ start: T0, key: { user_id: 1 }, revision: 1, isFinal: true })]);
    expect(t.history.since(0, 100).map((r) => `${r.sequence}:${r.key.user_id as number}`)).toEqual(['2:2', '3:3', '4:1']);
    expect(t.history.since(2, 100).map((r) => r.sequence)).toEqual([3, 4]);
    expect(t.history.since(2, 1).map((r) => r.sequence)).toEqual([3]);
    expect(t.history.since(4, 100)).toEqual([]);
    expect(t.history.since(0, 0)).toEqual([]);
    expect(t.history.since(-5, 100)).toHaveLength(3);
  });

  it('prunes results that ended more than `retain` before now, or before the newest end for an older replay', async () => {
    const t = await open({ retainMs: 10 * MINUTE });
    // Ends at minutes 1…30; a global report never reported (end −∞) and one that never ends (+∞).
    await t.history.append([
      ...Array.from({ length: 30 }, (_, m) => resultOf({ start: T0 + m * MINUTE, key: { user_id: 1 } })),
      resultOf({ window: 'total', windowKind: 'global', start: 0, end: Number.NEGATIVE_INFINITY, key: { user_id: 1 } }),
      resultOf({ window: 'total', windowKind: 'global', start: 0, end: Number.POSITIVE_INFINITY, key: { user_id: 2 } }),
    ]);
    // Now is long after the data: the newest end (minute 30) is the reference, cutoff minute 20.
    expect(await t.history.prune(T0 + 1_000 * MINUTE)).toEqual({ removed: 20, cutoffMs: T0 + 20 * MINUTE });
    expect(t.history.stats()).toMatchObject({ count: 12, oldestEndMs: T0 + 20 * MINUTE, newestEndMs: Number.POSITIVE_INFINITY });
    // Now before the newest end (update-mode results of windows still open): now is the reference.
    await t.history.append(Array.from({ length: 30 }, (_, m) => resultOf({ start: T0 + (30 + m) * MINUTE, key: { user_id: 1 }, isFinal: false })));
    expect(await t.history.prune(T0 + 45 * MINUTE)).toEqual({ removed: 15, cutoffMs: T0 + 35 * MINUTE });
    const left = t.history.query({ window: 'per_minute', order: 'oldest', limit: 100 }).results;
    expect(left.map((r) => (r.end - T0) / MINUTE)).toEqual(Array.from({ length: 26 }, (_, i) => 35 + i));
    // Every index forgot the removed rows.
    expect(t.history.query({ window: 'per_minute', key: { user_id: 1 }, order: 'oldest', limit: 100 }).results).toEqual(left);
    expect(t.history.since(0, 100)).toEqual([...left, ...t.history.query({ window: 'total', order: 'oldest', limit: 10 }).results].sort((a, b) => a.sequence - b.sequence));
    expect(t.history.since(0, 100)).toHaveLength(27);
    expect(await t.history.prune(T0 + 45 * MINUTE)).toMatchObject({ removed: 0 });
    // Appending after a prune goes on with higher sequence numbers.
    await t.history.append([resultOf({ start: T0 + 90 * MINUTE, key: { user_id: 1 } })]);
    expect(t.history.since(62, 10).map((r) => r.sequence)).toEqual([63]);
  });

  it('prunes a chunk at a time: appends and a flush queued during a long prune do not wait for all of it', async () => {
    const t = await open({ retainMs: MINUTE });
    // 45,000 results past retention: three chunks of at most 20,000.
    const old = Array.from({ length: 45_000 }, (_, i) => resultOf({ start: T0 + Math.floor(i / 1_000) * MINUTE, key: { user_id: i % 1_000 } }));
    await t.history.append(old);
    const order: string[] = [];
    const pruned = t.history.prune(T0 + 1_000 * MINUTE).then((report) => order.push(`pruned ${report.removed}`));
    // Queued after the prune's first chunk.
    await Promise.resolve();
    const appended = t.history.append([resultOf({ start: T0 + 500 * MINUTE, key: { user_id: 1 } })]).then(() => order.push('appended'));
    const flushed = t.history.flush().then(() => order.push('flushed'));
    await Promise.all([pruned, appended, flushed]);
    // Cutoff: the newest end then (minute 45) − 1 minute; ends before minute 44 go (43 minutes of 1,000).
    expect(order).toEqual(['appended', 'flushed', 'pruned 43000']);
    expect(t.history.stats().count).toBe(2_001);
  });

  it('prunes the results that end first beyond maxResults', async () => {
    const t = await open({ maxResults: 5 });
    await t.history.append(Array.from({ length: 12 }, (_, m) => resultOf({ start: T0 + m * MINUTE, key: { user_id: m % 2 } })));
    expect(await t.history.prune(T0)).toMatchObject({ removed: 7 });
    expect(t.history.query({ window: 'per_minute', order: 'oldest', limit: 100 }).results.map((r) => (r.start - T0) / MINUTE)).toEqual([7, 8, 9, 10, 11]);
    expect(t.history.stats().count).toBe(5);
  });

  it('keeps everything across close and reopen: rows, sequence numbers, key field lists', async () => {
    const t = await open();
    await t.history.append([0, 1].map((m) => resultOf({ start: T0 + m * MINUTE, key: { user_id: 5, page: 'p' }, values: [m, m] })));
    const before = t.history.query({ window: 'per_minute', order: 'oldest', limit: 10 }).results;
    const reopened = await t.reopen();
    expect(reopened.query({ window: 'per_minute', order: 'oldest', limit: 10 }).results).toEqual(before);
    // The key field lists came back: a full-key query uses the keys index and finds the rows.
    expect(reopened.query({ window: 'per_minute', key: { page: 'p', user_id: 5 }, order: 'newest', limit: 10 }).results.map((r) => r.start)).toEqual([T0 + MINUTE, T0]);
    await reopened.append([resultOf({ start: T0 + 2 * MINUTE, key: { user_id: 5, page: 'p' } })]);
    expect(reopened.since(2, 10).map((r) => r.sequence)).toEqual([3]);
    expect(reopened.stats()).toMatchObject({ count: 3, lastSequence: 3 });
  });

  it('reports its size', async () => {
    const t = await open();
    expect(t.history.stats()).toEqual({ count: 0, bytes: expect.any(Number), oldestEndMs: null, newestEndMs: null, lastSequence: 0 });
    const empty = t.history.stats().bytes;
    await t.history.append(Array.from({ length: 2_000 }, (_, i) => resultOf({ start: T0 + (i % 20) * MINUTE, key: { user_id: i } })));
    const s = t.history.stats();
    expect(s).toMatchObject({ count: 2_000, oldestEndMs: T0 + MINUTE, newestEndMs: T0 + 20 * MINUTE, lastSequence: 2_000 });
    expect(s.bytes).toBeGreaterThan(empty + 2_000 * 50);
  });

  it('writes a batch larger than one transaction, and batches appended without waiting together', async () => {
    const t = await open();
    const big = Array.from({ length: 60_000 }, (_, i) => resultOf({ start: T0 + (i % 3) * MINUTE, key: { user_id: i } }));
    const small = Array.from({ length: 10 }, (_, i) => resultOf({ start: T0 + 9 * MINUTE, key: { user_id: i } }));
    await Promise.all([t.history.append(big), t.history.append(small), t.history.append(small)]);
    expect(t.history.stats()).toMatchObject({ count: 60_010, lastSequence: 60_010 });
    expect(t.history.since(60_000, 100).map((r) => r.start)).toEqual(Array(10).fill(T0 + 9 * MINUTE));
    await t.history.flush();
  });

  it('refuses appends after close and fails loudly on a result with the wrong number of values', async () => {
    const t = await open();
    await expect(t.history.append([resultOf({ start: T0, key: { user_id: 1 }, values: [1] })])).rejects.toThrow(/has 1 values for 2 output names/);
    await t.history.close();
    await expect(t.history.append([resultOf({ start: T0, key: { user_id: 1 } })])).rejects.toThrow(/closed/);
    temp = null;
    await t.cleanup();
  });
});
