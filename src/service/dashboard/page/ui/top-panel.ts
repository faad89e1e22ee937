// Top keys of the latest window instance in the history (GET /windows/{name}/top), and, when the job
// groups by several fields, the top values of each field (summed over that instance's results).

import type { ResultJson, TopPage, WindowView } from '@tally/api-types';
import { formatInstant, formatNumber } from '../format.js';
import { isSummable, WindowTotals } from '../window-totals.js';
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
    byId('top-title').textContent = fields.length === 1 ? `Top ${plural(fields[0] as string)}` : 'Top keys';
    byId('top-window').dataset.start = top.start === null ? '' : String(top.start);
    byId('top-window').textContent =
      top.start === null ? `No ${view.name} results in the history yet.` : `${view.name} window ${formatInstant(top.start)} – ${formatInstant(top.end)}, by ${top.by}`;
    const tables = [rankTable(`Top keys by ${top.by}`, fields, top.results.map((r) => ({ key: r.key, value: r[top.by] as number | null })), 'top-keys')];
    if (fields.length > 1 && top.start !== null && isSummable(top.by)) {
      // One field of a composite key: sum the instance's results per value of that field.
      const instance = new WindowTotals(view.name, 1);
      await backfill(this.api, instance, { from: top.start, to: top.start + 1, maxPages: MAX_FIELD_PAGES });
      for (const field of fields) tables.push(rankTable(`Top ${plural(field)} by ${top.by}`, [field], rankField(instance, field, top.by), `top-${field}`));
    }
    fill(byId('top-tables'), ...tables);
  }
}

function plural(field: string): string {
  const word = field.replace(/_id$/, '').replace(/_/g, ' ');
  return word.endsWith('s') ? word : `${word}s`;
}

interface Ranked {
  readonly key: Readonly<Record<string, unknown>>;
  readonly value: number | null;
}

/** Sums `by` per value of one key field over an instance's results; the largest TOP_N, largest first. */
function rankField(instance: WindowTotals, field: string, by: string): Ranked[] {
  const sums = new Map<string, { value: unknown; sum: number }>();
  for (const result of instance.results()) {
    const v = result[by];
    if (typeof v !== 'number') continue;
    const text = JSON.stringify(result.key[field]);
    const entry = sums.get(text) ?? { value: result.key[field], sum: 0 };
    entry.sum += v;
    sums.set(text, entry);
  }
  return [...sums.values()]
    .sort((a, b) => b.sum - a.sum)
    .slice(0, TOP_N)
    .map((e) => ({ key: { [field]: e.value }, value: e.sum }));
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
