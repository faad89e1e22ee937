// The LMDB results history against a brute-force model: what queries, pages, top and since return.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resultOf, T0, MINUTE, tempHistory } from '../../src/adapters/history/test-support.js';
import type { WindowResult } from '../../src/core/emit/outputs.js';
import type { FieldValue } from '../../src/core/event/click-event.js';
import type { HistoryQuery, StoredResult } from '../../src/ports/results-history.js';

type Key = Readonly<Record<string, FieldValue>>;

/** One stored window instance of the model. */
interface ModelRow {
  readonly window: string;
  readonly start: number;
  readonly windowIndex: number | null;
  readonly key: Key;
  readonly end: number;
  readonly revision: number;
  readonly isFinal: boolean;
  readonly values: Readonly<Record<string, number | null>>;
}

const identity = (r: { window: string; start: number; windowIndex: number | null; key: Key }): string =>
  JSON.stringify([r.window, r.start, r.windowIndex, Object.entries(r.key)]);

const content = (r: ModelRow | StoredResult): string => JSON.stringify([identity(r), r.end, r.revision, r.isFinal, r.values]);

/** The whole history kept in a map, every rule spelled out the slow way. */
class Model {
  readonly rows = new Map<string, ModelRow>();

  apply(results: readonly WindowResult[]): void {
    for (const r of results) {
      const finite = (v: number | null | undefined): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
      const row: ModelRow = {
        window: r.window,
        start: r.start,
        windowIndex: r.windowIndex,
        key: r.key.key,
        end: r.end,
        revision: r.revision,
        isFinal: r.isFinal,
        values: { count: finite(r.values[0]), sum_value: finite(r.values[1]) },
      };
      const old = this.rows.get(identity(row));
      if (old !== undefined) {
        if (old.isFinal && !row.isFinal) continue;
        if (old.isFinal === row.isFinal && row.revision < old.revision) continue;
      }
      this.rows.set(identity(row), row);
    }
  }

  matching(q: Omit<HistoryQuery, 'limit' | 'order' | 'cursor'>): ModelRow[] {
    return [...this.rows.values()].filter(
      (r) =>
        r.window === q.window &&
        (q.from === undefined || r.start >= q.from) &&
        (q.to === undefined || r.start < q.to) &&
        Object.entries(q.key ?? {}).every(([f, v]) => Object.hasOwn(r.key, f) && JSON.stringify(r.key[f]) === JSON.stringify(v)),
    );
  }
}

const KEYS: Key[] = [{ user_id: 1 }, { user_id: '1' }, { user_id: 2 }, { user_id: 1, page: 'x' }, { user_id: 1, page: null }, { user_id: true, page: 'x' }, { page: 1 }];
const FILTERS: (Key | undefined)[] = [undefined, {}, { user_id: 1 }, { user_id: '1' }, { user_id: 1, page: 'x' }, { page: null }, { page: 'x', user_id: true }, { page: 1 }];

const result = fc
  .record({
    window: fc.constantFrom('a', 'b'),
    minute: fc.integer({ min: 0, max: 5 }),
    length: fc.integer({ min: 1, max: 3 }),
    windowIndex: fc.constantFrom(null, null, 0, 1),
    key: fc.constantFrom(...KEYS),
    count: fc.option(fc.integer({ min: 0, max: 4 }), { nil: null }),
    sum: fc.constantFrom(0, 1.5, -2, Number.NaN),
    revision: fc.integer({ min: 0, max: 3 }),
    isFinal: fc.boolean(),
  })
  .map((r) =>
    resultOf({
      window: r.window,
      start: T0 + r.minute * MINUTE,
      end: T0 + (r.minute + r.length) * MINUTE,
      key: r.key,
      windowIndex: r.windowIndex,
      values: [r.count, r.sum],
      revision: r.revision,
      isFinal: r.isFinal,
    }),
  );

const query = fc.record({
  window: fc.constantFrom('a', 'b'),
  key: fc.constantFrom(...FILTERS),
  from: fc.option(fc.integer({ min: 0, max: 6 }).map((m) => T0 + m * MINUTE), { nil: undefined }),
  to: fc.option(fc.integer({ min: 0, max: 6 }).map((m) => T0 + m * MINUTE), { nil: undefined }),
  order: fc.constantFrom('newest' as const, 'oldest' as const),
  limit: fc.integer({ min: 1, max: 4 }),
});

/** Batches appended one after the other, or several at once (they then share a transaction). */
const batches = fc.array(fc.tuple(fc.array(result, { minLength: 1, maxLength: 8 }), fc.boolean()), { minLength: 1, maxLength: 5 });

function withoutUndefined<T extends object>(q: T): T {
  return Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined)) as T;
}

describe('results history against a brute-force model', () => {
  it('returns every matching window instance once, in start order, over all pages; top and since agree', async () => {
    await fc.assert(
      fc.asyncProperty(batches, fc.array(query, { minLength: 1, maxLength: 6 }), fc.array(result, { maxLength: 4 }), async (writes, queries, between) => {
        const t = await tempHistory();
        try {
          const model = new Model();
          let concurrent: Promise<void>[] = [];
          for (const [batch, waits] of writes) {
            model.apply(batch);
            concurrent.push(t.history.append(batch));
            if (waits) {
              await Promise.all(concurrent);
              concurrent = [];
            }
          }
          await Promise.all(concurrent);

          for (const raw of queries) {
            const q = withoutUndefined(raw) as Omit<HistoryQuery, 'cursor'>;
            const expected = model.matching(q);
            // One walk with nothing appended meanwhile: exactly the model's rows, in order.
            const seen: StoredResult[] = [];
            let page = t.history.query(q);
            for (let pages = 1; ; pages++) {
              // A cursor that does not move on would page forever.
              expect(pages).toBeLessThanOrEqual(expected.length + 1);
              expect(page.results.length).toBeLessThanOrEqual(q.limit);
              seen.push(...page.results);
              if (page.nextCursor === null) break;
              expect(t.history.checkQuery({ ...q, cursor: page.nextCursor })).toBeNull();
              page = t.history.query({ ...q, cursor: page.nextCursor });
            }
            expect(seen.map(content).sort()).toEqual(expected.map(content).sort());
            const starts = seen.map((r) => r.start);
            expect(starts).toEqual([...starts].sort((x, y) => (q.order === 'oldest' ? x - y : y - x)));
            // The other order is the same sequence backwards.
            const reverse = t.history.query({ ...q, order: q.order === 'oldest' ? 'newest' : 'oldest', limit: 10_000 }).results;
            expect(reverse.map(identity)).toEqual(seen.map(identity).reverse());
          }

          // A walk with appends between its pages sees no instance twice and skips none that was there before.
          const q = withoutUndefined(queries[0] as HistoryQuery);
          const before = new Set(model.matching(q).map(identity));
          const walked: string[] = [];
          let page = t.history.query(q);
          let next = 0;
          for (let pages = 1; ; pages++) {
            expect(pages).toBeLessThanOrEqual(model.rows.size + 1);
            walked.push(...page.results.map(identity));
            if (page.nextCursor === null) break;
            if (next < between.length) {
              const add = [between[next++] as WindowResult];
              model.apply(add);
              await t.history.append(add);
            }
            page = t.history.query({ ...q, cursor: page.nextCursor });
          }
          expect(new Set(walked).size).toBe(walked.length);
          for (const id of before) expect(walked).toContain(id);
          const matchingNow = new Set(model.matching(q).map(identity));
          for (const id of walked) expect(matchingNow.has(id)).toBe(true);

          // since(0) lists every stored instance by rising sequence number.
          const all = t.history.since(0, 100_000);
          expect(all.map(content).sort()).toEqual([...model.rows.values()].map(content).sort());
          const sequences = all.map((r) => r.sequence);
          expect(sequences).toEqual([...new Set(sequences)].sort((x, y) => x - y));

          // top: the largest counts of each window instance, largest first, each key once (with
          // its largest count, when instances of one key share a start by their window index).
          for (const window of ['a', 'b']) {
            for (let m = 0; m <= 5; m++) {
              const start = T0 + m * MINUTE;
              const largest = new Map<string, number>();
              for (const r of model.matching({ window, from: start, to: start + 1 })) {
                const c = r.values.count;
                if (c === null || c === undefined) continue;
                const k = JSON.stringify(Object.entries(r.key));
                largest.set(k, Math.max(c, largest.get(k) ?? Number.NEGATIVE_INFINITY));
              }
              const counts = [...largest.values()].sort((x, y) => y - x);
              const top = t.history.top({ window, start, by: 'count', n: 3 });
              expect(top.map((r) => r.values.count)).toEqual(counts.slice(0, 3));
            }
          }
        } finally {
          await t.cleanup();
        }
      }),
      { seed: 20261123, numRuns: 60 },
    );
  });
});
