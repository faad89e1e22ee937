// The heat strip: the last 24 hours by hour, from the job's one-hour tumbling window (its results
// summed over keys), kept current by that window's event stream.

import type { WindowView } from '@tally/api-types';
import { formatNumber } from '../format.js';
import { HEAT_HOURS, heatBuckets, hourWindowOf, HOUR_MS } from '../heat-strip.js';
import { WindowTotals } from '../window-totals.js';
import type { Api } from './api.js';
import { backfill } from './backfill.js';
import type { ConnectionBadge } from './connection.js';
import { byId, el, fill } from './dom.js';
import { ResultStream } from './event-stream.js';

/** Pages read at most for 24 hours of the hourly window. */
const MAX_PAGES = 100;

const hourText = (ms: number): string => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

export class HeatPanel {
  private view: WindowView | null = null;
  private totals: WindowTotals | null = null;
  private stream: ResultStream | null = null;
  /** Whether the windows were listed once (so that a job without an hourly window gets the note at first). */
  private hasWindows = false;

  constructor(
    private readonly api: Api,
    private readonly connection: ConnectionBadge,
  ) {
    // The strip moves on with the clock even when no result arrives.
    window.setInterval(() => this.render(), 60_000);
  }

  setWindows(windows: readonly WindowView[]): void {
    const view = hourWindowOf(windows);
    if (this.hasWindows && view?.name === this.view?.name && view?.version === this.view?.version) return;
    this.hasWindows = true;
    this.stream?.close();
    this.stream = null;
    this.view = view;
    if (view === null) {
      this.totals = null;
      byId('heat-note').textContent = 'The strip needs a tumbling window of one hour: add one below (e.g. name hourly, tumbling, length 1h).';
      fill(byId('heat-strip'));
      fill(byId('heat-axis'));
      return;
    }
    const totals = new WindowTotals(view.name, HEAT_HOURS * 2);
    this.totals = totals;
    this.stream = new ResultStream(this.api, view.name, this.connection, {
      onResults: (results) => {
        for (const r of results) totals.add(r);
        this.render();
      },
      onGap: () => void this.load(),
    });
    void this.load();
  }

  private async load(): Promise<void> {
    const totals = this.totals;
    if (totals === null) return;
    const from = Math.floor(Date.now() / HOUR_MS) * HOUR_MS - (HEAT_HOURS - 1) * HOUR_MS;
    try {
      await backfill(this.api, totals, { from, maxPages: MAX_PAGES });
    } catch (error) {
      byId('heat-note').textContent = `Cannot read the results: ${(error as Error).message}`;
    }
    this.render();
  }

  private render(): void {
    const view = this.view;
    const totals = this.totals;
    if (view === null || totals === null) return;
    const measure = 'count';
    const buckets = heatBuckets(totals.series(measure), Date.now());
    byId('heat-note').textContent = `Clicks (${measure}, all keys) per hour from the ${view.name} window; the current hour is open (striped).`;
    const cells = buckets.map((b, i) => {
      const isOpen = i === buckets.length - 1 && b.value === null;
      const label = `${hourText(b.startMs)}–${hourText(b.startMs + HOUR_MS)}: ${isOpen ? 'open' : `${formatNumber(b.value ?? 0)} clicks`}`;
      return el('li', { class: `heat-${b.level}${isOpen ? ' open' : ''}`, title: label, 'aria-label': label, 'data-start': b.startMs, 'data-value': b.value ?? '' });
    });
    fill(byId('heat-strip'), ...cells);
    fill(byId('heat-axis'), ...buckets.filter((_, i) => i % 3 === 0).map((b) => el('span', {}, hourText(b.startMs))));
  }
}
