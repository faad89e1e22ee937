// Reads a window's results from the results history into a WindowTotals, newest first, a page at a time.

import type { ResultsPage } from '@tally/api-types';
import type { KeyFilter, WindowTotals } from '../window-totals.js';
import type { Api } from './api.js';

/** Results per page: the API's largest. */
const PAGE = 1_000;

export interface BackfillQuery {
  readonly from: number;
  readonly to?: number;
  readonly key?: KeyFilter;
  /** Pages at most: a window with very many keys is read only this far back (the oldest instance read may then be partial and is dropped). */
  readonly maxPages: number;
}

/** Query text for key filters: numbers as they are, text quoted only when it would read as a number or JSON. */
export function keyParameters(key: KeyFilter): string {
  return Object.entries(key)
    .map(([field, value]) => {
      const text = typeof value === 'string' && !/^(-?\d+(\.\d+)?([eE][-+]?\d+)?|true|false|null|".*")$/.test(value) ? value : JSON.stringify(value);
      return `&key.${encodeURIComponent(field)}=${encodeURIComponent(text)}`;
    })
    .join('');
}

/** Loads results into `totals`; resolves true when every result of the range was read. */
export async function backfill(api: Api, totals: WindowTotals, query: BackfillQuery): Promise<boolean> {
  const base = `/windows/${encodeURIComponent(totals.window)}/results?order=newest&limit=${PAGE}&from=${query.from}${query.to === undefined ? '' : `&to=${query.to}`}${keyParameters(query.key ?? {})}`;
  let cursor: string | null = null;
  for (let page = 0; page < query.maxPages; page++) {
    const answer: ResultsPage = await api.get<ResultsPage>(cursor === null ? base : `${base}&cursor=${encodeURIComponent(cursor)}`);
    const isLast = answer.nextCursor === null || answer.results.length === 0;
    // Stopping early: the oldest start read may have more keys on the next page; leave it out rather than show a part.
    const oldest = answer.results.at(-1)?.start;
    for (const result of answer.results) if (isLast || page < query.maxPages - 1 || result.start !== oldest) totals.add(result);
    if (isLast) return true;
    cursor = answer.nextCursor;
  }
  return false;
}
