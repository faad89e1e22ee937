// The charts: a window's results over time, summed over all keys and for one chosen key, fed by the
// results history at first and by the window's event stream from then on; with their numbers in a table.

import type { ResultJson, WindowView } from '@tally/api-types';
import { formatDuration, formatInstant, formatNumber } from '../format.js';
import { chartableOutputs, combinerOf, toChartData, WindowTotals, type KeyFilter, type SeriesPoint } from '../window-totals.js';
import type { Api } from './api.js';
import { backfill } from './backfill.js';
import type { ConnectionBadge } from './connection.js';
import { byId, el, fill } from './dom.js';
import { ResultStream } from './event-stream.js';

/** Instances a chart shows (an hour of a per-minute window). */
const POINTS = 60;
/** Results pages read at most per chart when it opens. */
const MAX_PAGES = 40;
/** Rows of the numbers table. */
const TABLE_ROWS = 10;
/** Kinds whose instances line up on one time axis for all keys. */
const CHARTED_KINDS = new Set(['tumbling', 'sliding', 'calendar']);

/** How long apart a window's instances start (ms): its slide, its length, or a calendar unit's usual length. */
export function stepOf(view: WindowView): number {
  const { spec } = view;
  if (typeof spec.slideMs === 'number') return spec.slideMs;
  if (typeof spec.sizeMs === 'number') return spec.sizeMs;
  return spec.unit === 'month' ? 31 * 86_400_000 : spec.unit === 'week' ? 7 * 86_400_000 : 86_400_000;
}

export interface ChartsListener {
  /** The chart's window changed (the top keys follow it). */
  onWindow(view: WindowView, measure: string): void;
  /** A result arrived for the charted window. */
  onResults(results: readonly ResultJson[]): void;
}

export class ChartsPanel {
  private windows: WindowView[] = [];
  private view: WindowView | null = null;
  private all: WindowTotals | null = null;
  private forKey: WindowTotals | null = null;
  private key: KeyFilter = {};
  private keyFields: string[] = [];
  private stream: ResultStream | null = null;
  private charts = new Map<string, uPlot>();
  private renderTimer: number | null = null;
  private readonly windowSelect = byId<HTMLSelectElement>('chart-window');
  private readonly measureSelect = byId<HTMLSelectElement>('chart-measure');

  constructor(
    private readonly api: Api,
    private readonly connection: ConnectionBadge,
    private readonly listener: ChartsListener,
  ) {
    this.windowSelect.addEventListener('change', () => this.choose(this.windowSelect.value));
    this.measureSelect.addEventListener('change', () => {
      this.render();
      if (this.view !== null) this.listener.onWindow(this.view, this.measure());
    });
    new ResizeObserver(() => this.resize()).observe(byId('chart-all'));
  }

  /** The windows the job runs (again after a change): keeps the chosen one unless it is gone or changed. */
  setWindows(windows: readonly WindowView[]): void {
    this.windows = windows.filter((w) => CHARTED_KINDS.has(w.kind));
    const current = this.view === null ? undefined : this.windows.find((w) => w.name === this.view?.name);
    fill(this.windowSelect, ...this.windows.map((w) => el('option', { value: w.name, selected: w.name === current?.name }, w.name)));
    if (current === undefined) {
      const preferred = this.windows.find((w) => w.name === 'per_minute') ?? this.windows[0];
      if (preferred !== undefined) this.choose(preferred.name);
    } else if (current.version !== this.view?.version) {
      // A new definition: keep what was read (results of both definitions are real), read again for the
      // new spacing; the measures follow its outputs.
      this.view = current;
      if (this.updateMeasures()) this.listener.onWindow(current, this.measure());
      void this.load();
    }
  }

  /** The output charted: the selected one, else `count`, else the window's first chartable output. */
  measure(): string {
    return this.measureSelect.value || 'count';
  }

  private choose(name: string): void {
    const view = this.windows.find((w) => w.name === name);
    if (view === undefined) return;
    this.windowSelect.value = name;
    this.view = view;
    this.all = new WindowTotals(name, POINTS * 4);
    this.forKey = Object.keys(this.key).length === 0 ? null : new WindowTotals(name, POINTS * 4, this.key);
    this.updateMeasures();
    this.stream?.close();
    // The stream first: results emitted while the history is read are then not missed (repeats are ignored).
    this.stream = new ResultStream(this.api, name, this.connection, {
      onResults: (results) => this.take(results),
      onGap: () => void this.load(),
    });
    this.listener.onWindow(view, this.measure());
    void this.load();
  }

  private async load(): Promise<void> {
    const view = this.view;
    const all = this.all;
    if (view === null || all === null) return;
    const from = Date.now() - POINTS * stepOf(view) - stepOf(view);
    try {
      const isComplete = await backfill(this.api, all, { from, maxPages: MAX_PAGES });
      // The key inputs from the history at once, rather than from the first streamed result (a minute away for per_minute).
      const first = all.results()[0];
      if (this.keyFields.length === 0 && first !== undefined) this.learnKeyFields(Object.keys(first.key));
      byId('chart-note').textContent = isComplete ? this.exactNote() : `${this.exactNote()} The window has many keys: the chart shows what ${MAX_PAGES} pages of results hold.`;
      if (this.forKey !== null) await backfill(this.api, this.forKey, { from, key: this.key, maxPages: MAX_PAGES });
    } catch (error) {
      byId('chart-note').textContent = `Cannot read the results: ${(error as Error).message}`;
    }
    this.render();
  }

  private exactNote(): string {
    const view = this.view;
    if (view === null || view.exactFromMs === null) return '';
    return `${view.name} was last changed in version ${view.version}: results from ${formatInstant(view.exactFromMs)} on are exactly those of its current definition.`;
  }

  private take(results: readonly ResultJson[]): void {
    let isChanged = false;
    for (const result of results) {
      if (this.all?.add(result) === true) isChanged = true;
      if (this.forKey?.add(result) === true) isChanged = true;
      if (this.keyFields.length === 0) this.learnKeyFields(Object.keys(result.key));
    }
    this.listener.onResults(results);
    if (isChanged) this.scheduleRender();
  }

  /** The key inputs, one per group-by field, learnt from the first result read or streamed (GET /windows does not list them). */
  private learnKeyFields(fields: string[]): void {
    if (fields.length === 0) return;
    this.keyFields = fields;
    const inputs = fields.map((field) => {
      const input = el('input', { name: `key.${field}`, 'data-field': field, placeholder: 'any', autocomplete: 'off', spellcheck: 'false', inputmode: field.endsWith('_id') ? 'numeric' : null });
      input.addEventListener('change', () => this.setKey());
      return el('label', {}, `Key ${field}`, input);
    });
    fill(byId('key-fields'), ...inputs);
  }

  private setKey(): void {
    const key: Record<string, string | number> = {};
    for (const input of byId('key-fields').querySelectorAll<HTMLInputElement>('input[data-field]')) {
      const text = input.value.trim();
      if (text === '') continue;
      // A number typed is the number (as in the results); quotes make it text.
      key[input.dataset.field as string] = /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text.replace(/^"(.*)"$/, '$1');
    }
    this.key = key;
    const view = this.view;
    this.forKey = Object.keys(key).length === 0 || view === null ? null : new WindowTotals(view.name, POINTS * 4, key);
    this.render();
    if (this.forKey !== null && view !== null) {
      void backfill(this.api, this.forKey, { from: Date.now() - (POINTS + 1) * stepOf(view), key, maxPages: MAX_PAGES }).then(() => this.render(), () => undefined);
    }
  }

  private scheduleRender(): void {
    this.renderTimer ??= window.setTimeout(() => {
      this.renderTimer = null;
      this.render();
    }, 250);
  }

  private render(): void {
    const view = this.view;
    if (view === null || this.all === null) return;
    this.updateMeasures();
    const measure = this.measure();
    const all = this.all.series(measure).slice(-POINTS);
    const forKey = this.forKey?.series(measure).slice(-POINTS) ?? [];
    const keyText = Object.entries(this.key).map(([f, v]) => `${f} = ${JSON.stringify(v)}`).join(', ');
    // A key with some fields left out stands for all keys with the given ones: say how they are combined.
    const otherFields = this.keyFields.filter((field) => !(field in this.key));
    const combined = combinerOf(measure) === 'sum' ? 'summed' : combinerOf(measure) === 'max' ? 'largest' : 'smallest';
    const overText = otherFields.length === 0 ? '' : `, ${combined} over ${otherFields.join(' and ')}`;
    byId('chart-all-caption').textContent = `${measure} per ${view.name} window, all keys${latestText(all)}`;
    byId('chart-key-caption').textContent = keyText === '' ? 'Choose a key above to chart it alone' : `${measure} per ${view.name} window, key ${keyText}${overText}${latestText(forKey)}`;
    this.plot('chart-all', all, measure, 'var(--accent)');
    this.plot('chart-key', forKey, measure, 'var(--accent-2)');
    this.table(all, forKey);
  }

  /**
   * The measure choices: the window's outputs as GET /windows lists them that make a figure of all
   * keys (counts, sums, maxima, minima). True when the chosen measure changed with them.
   */
  private updateMeasures(): boolean {
    const outputs = chartableOutputs(this.view?.outputs ?? this.all?.outputNames() ?? []);
    const current = this.measureSelect.value;
    const listed = [...this.measureSelect.options].map((o) => o.value);
    if (outputs.join() === listed.join()) return false;
    fill(this.measureSelect, ...outputs.map((o) => el('option', { value: o, selected: o === current }, o)));
    if (!outputs.includes(current)) this.measureSelect.value = outputs.includes('count') ? 'count' : (outputs[0] ?? '');
    return this.measureSelect.value !== current;
  }

  private plot(id: string, points: readonly SeriesPoint[], measure: string, color: string): void {
    const target = byId(id);
    const data = toChartData(points);
    target.dataset.points = String(points.length);
    target.dataset.latest = points.length === 0 ? '' : String(points.at(-1)?.value ?? '');
    target.setAttribute('aria-label', `${target.getAttribute('aria-label')?.split(':')[0] ?? 'chart'}: ${points.length} windows`);
    let chart = this.charts.get(id);
    if (chart === undefined) {
      const stroke = getComputedStyle(document.documentElement).getPropertyValue(color.slice(4, -1)).trim() || '#2563c9';
      chart = new uPlot(
        {
          width: Math.max(200, target.clientWidth),
          height: 220,
          legend: { show: true },
          scales: { x: { time: true } },
          series: [{ label: 'window start' }, { label: measure, stroke, width: 2, fill: `${stroke}22`, points: { show: points.length < 40 } }],
          axes: [{}, { size: 60 }],
        },
        data,
        target,
      );
      this.charts.set(id, chart);
    } else {
      chart.setData(data);
    }
  }

  private resize(): void {
    for (const [id, chart] of this.charts) chart.setSize({ width: Math.max(200, byId(id).clientWidth), height: 220 });
  }

  private table(all: readonly SeriesPoint[], forKey: readonly SeriesPoint[]): void {
    const keyed = new Map(forKey.map((p) => [p.start, p.value]));
    const rows = all
      .slice(-TABLE_ROWS)
      .reverse()
      .map((p) => {
        const keyValue = keyed.get(p.start);
        return el(
          'tr',
          { 'data-start': p.start, 'data-end': p.end, 'data-value': p.value ?? '', 'data-key-value': keyValue ?? '' },
          el('td', {}, formatInstant(p.start)),
          el('td', {}, formatDuration(p.end - p.start)),
          el('td', { class: 'n' }, formatNumber(p.value)),
          el('td', { class: 'n' }, keyValue === undefined ? '–' : formatNumber(keyValue)),
        );
      });
    fill(byId('chart-table').querySelector('tbody') as HTMLElement, ...rows);
  }
}

function latestText(points: readonly SeriesPoint[]): string {
  const latest = points.at(-1);
  return latest === undefined ? ' (no results yet)' : `; latest ${formatInstant(latest.start)}: ${formatNumber(latest.value)}`;
}
