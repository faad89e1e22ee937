// Top keys of the latest window instance in the history (GET /windows/{name}/top), and, when the job
// groups by several fields, the top values of each field (e.g. top users and top pages of a job
// grouped by [user_id, page]: that instance's results summed per value of the field).

import type { ResultJson, TopPage, WindowView } from '@tally/api-types';
import { formatInstant, formatNumber } from '../format.js';
import { combine, combinerOf, WindowTotals, type KeyCombiner } from '../window-totals.js';
import type { Api } from './api.js';
import { backfill } from './backfill.js';
import { byId, el, fill } from './dom.js';

const TOP_N = 10;
/** Pages of one instance read at most to rank single fields of a composite key. */
const MAX_FIELD_PAGES = 20;
/** Refresh at least this often (ms), besides when a newer instance shows up in the stream. */
const REFRESH_MS = 30_000;

export class TopPanel {
  private view: WindowView | null = null;
  private by = 'count';
  private shownStart: number | null = null;
  private timer: number | null = null;
  private isLoading = false;

  constructor(private readonly api: Api) {
    window.setInterval(() => void this.refresh(), REFRESH_MS);
  }

  show(view: WindowView, measure: string): void {
    this.view = view;
    this.by = measure === '' ? 'count' : measure;
    this.shownStart = null;
    void this.refresh();
  }

  /** Results streamed for the window: a start newer than the ranked instance means a newer closed instance. */
  onResults(results: readonly ResultJson[]): void {
    if (this.shownStart === null || !results.some((r) => r.start > (this.shownStart as number))) return;
    // Results of one instance come in a few chunks: rank once they are all stored.
    if (this.timer !== null) window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => {
      this.timer = null;
      void this.refresh();
    }, 1_000);
  }

  private async refresh(): Promise<void> {
    const view = this.view;
    if (view === null || this.isLoading) return;
    this.isLoading = true;
    try {
      const top = await this.api.get<TopPage>(`/windows/${encodeURIComponent(view.name)}/top?n=${TOP_N}&by=${encodeURIComponent(this.by)}`);
      if (view !== this.view) return;
      this.shownStart = top.start;
      await this.render(view, top);
    } catch (error) {
      byId('top-window').textContent = `Cannot read the top keys: ${(error as Error).message}`;
    } finally {
      this.isLoading = false;
    }
  }

  private async render(view: WindowView, top: TopPage): Promise<void> {
    const fields = Object.keys(top.results[0]?.key ?? {});
    const tables = [rankTable(`Top keys by ${top.by}`, fields, top.results.map((r) => ({ key: r.key, value: r[top.by] as number | null })), 'top-keys')];
    const combiner = combinerOf(top.by);
    let note = '';
    if (fields.length > 1 && top.start !== null && combiner !== null) {
      // One field of a composite key: combine the instance's results per value of that field.
      const instance = new WindowTotals(view.name, 1);
      const isComplete = await backfill(this.api, instance, { from: top.start, to: top.start + 1, maxPages: MAX_FIELD_PAGES });
      if (view !== this.view) return;
      const how = combiner === 'sum' ? 'summed' : combiner === 'max' ? 'the largest' : 'the smallest';
      for (const field of fields) tables.push(rankTable(`Top ${plural(field)} by ${top.by} (${how} over their keys)`, [field], rankField(instance, field, top.by, combiner), `top-${field}`));
      if (!isComplete) note = ` The instance has many keys: the tables of single fields rank what ${MAX_FIELD_PAGES} pages of its results hold.`;
    }
    // Everything at once, so that the instance named and the tables always belong together.
    byId('top-title').textContent = fields.length === 0 ? 'Top keys' : `Top ${listText(fields.map(plural))}`;
    byId('top-window').dataset.start = top.start === null ? '' : String(top.start);
    byId('top-window').textContent =
      top.start === null ? `No ${view.name} results in the history yet.` : `${view.name} window ${formatInstant(top.start)} – ${formatInstant(top.end)}, by ${top.by}.${note}`;
    fill(byId('top-tables'), ...tables);
  }
}

/** `users`, `users and pages`, `users, pages and actions`. */
function listText(words: readonly string[]): string {
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} and ${words.at(-1) as string}`;
}

function plural(field: string): string {
  const word = field.replace(/_id$/, '').replace(/_/g, ' ');
  return word.endsWith('s') ? word : `${word}s`;
}

interface Ranked {
  readonly key: Readonly<Record<string, unknown>>;
  readonly value: number | null;
}

/**
 * Combines `by` per value of one key field over an instance's results (sums counts and sums; see
 * combinerOf); the largest TOP_N, largest first, equal values in the order of the value's JSON text.
 */
function rankField(instance: WindowTotals, field: string, by: string, combiner: KeyCombiner): Ranked[] {
  const totals = new Map<string, { value: unknown; total: number | null }>();
  for (const result of instance.results()) {
    const v = result[by];
    if (typeof v !== 'number' || !Number.isFinite(v)) continue;
    const text = JSON.stringify(result.key[field]);
    const entry = totals.get(text) ?? { value: result.key[field], total: null };
    entry.total = combine(combiner, entry.total, v);
    totals.set(text, entry);
  }
  return [...totals.entries()]
    .sort(([aText, a], [bText, b]) => (b.total ?? 0) - (a.total ?? 0) || (aText < bText ? -1 : aText > bText ? 1 : 0))
    .slice(0, TOP_N)
    .map(([, e]) => ({ key: { [field]: e.value }, value: e.total }));
}

function rankTable(caption: string, fields: readonly string[], rows: readonly Ranked[], id: string): HTMLTableElement {
  return el(
    'table',
    { class: 'numbers', id },
    el('caption', {}, caption),
    el('thead', {}, el('tr', {}, el('th', { scope: 'col', class: 'n' }, '#'), ...fields.map((f) => el('th', { scope: 'col' }, f)), el('th', { scope: 'col', class: 'n' }, 'value'))),
    el(
      'tbody',
      {},
      ...rows.map((row, i) =>
        el(
          'tr',
          { 'data-key': JSON.stringify(row.key), 'data-value': row.value ?? '' },
          el('td', { class: 'n' }, String(i + 1)),
          ...fields.map((f) => el('td', {}, String(row.key[f]))),
          el('td', { class: 'n' }, formatNumber(row.value)),
        ),
      ),
    ),
  );
}
