// Job health from GET /status, polled: rates in and out, the watermark and its lag behind the clock,
// source lag per partition, bad and late records (with the latest bad ones), the last checkpoint.

import type { StatusAnswer } from '@tally/api-types';
import { formatAge, formatBytes, formatInstant, formatNumber } from '../format.js';
import type { Api } from './api.js';
import { byId, el, fill } from './dom.js';

const POLL_MS = 2_000;
const BAD_RECORDS_SHOWN = 5;

export class HealthPanel {
  private version: number | null = null;

  constructor(
    private readonly api: Api,
    /** The definition version moved (a change by anyone): the windows are listed again. */
    private readonly onDefinitionVersion: (version: number) => void,
    private readonly onName: (name: string) => void,
  ) {}

  start(): void {
    const poll = async (): Promise<void> => {
      try {
        this.render(await this.api.get<StatusAnswer>('/status'));
      } catch {
        // The badge shows the lost connection; the next poll tries again.
      }
      window.setTimeout(() => void poll(), POLL_MS);
    };
    void poll();
  }

  private render(status: StatusAnswer): void {
    this.onName(status.name);
    if (this.version !== null && status.definitionVersion !== this.version) this.onDefinitionVersion(status.definitionVersion);
    this.version = status.definitionVersion;
    const now = Date.now();
    const lateByWindow = Object.entries(status.counts.lateByWindow).map(([w, n]) => `${w} ${formatNumber(n)}`).join(', ');
    const checkpoint = status.checkpoint;
    const figures: [string, string, string][] = [
      ['state', 'State', `${status.state}${status.paused ? ' (paused)' : ''}${status.readiness.ready ? ', ready' : `, not ready: ${status.readiness.reasons.join('; ')}`}`],
      ['rate-in', 'Events in', `${formatNumber(status.rates.recordsIn.m1, 1)}/s (5 min: ${formatNumber(status.rates.recordsIn.m5, 1)}/s)`],
      ['rate-out', 'Results out', `${formatNumber(status.rates.resultsOut.m1, 1)}/s (5 min: ${formatNumber(status.rates.resultsOut.m5, 1)}/s)`],
      ['watermark', 'Watermark (UTC)', formatInstant(status.watermarkMs)],
      ['watermark-lag', 'Watermark lag behind the clock', status.watermarkMs === null ? '–' : formatAge(now - status.watermarkMs)],
      ['records', 'Records', formatNumber(status.counts.records)],
      ['bad', 'Bad records', formatNumber(status.counts.badRecords)],
      ['late', 'Late records', `${formatNumber(status.counts.lateRecords)}${lateByWindow === '' ? '' : ` (${lateByWindow})`}`],
      ['filtered', 'Filtered out', formatNumber(status.counts.filteredOut)],
      ['open-windows', 'Open windows / keys', `${formatNumber(status.gauges.openWindows)} / ${formatNumber(status.gauges.keys)}`],
      [
        'checkpoint',
        'Last checkpoint',
        checkpoint === null ? 'no checkpoint store' : checkpoint.last === null ? 'none yet' : `${formatInstant(checkpoint.last.completedAtMs)} (${formatAge(now - checkpoint.last.completedAtMs)} ago), ${formatBytes(checkpoint.last.bytes)}`,
      ],
      ['version', 'Definition version', String(status.definitionVersion)],
    ];
    fill(byId('health-figures'), ...figures.map(([id, label, value]) => el('div', {}, el('dt', {}, label), el('dd', { 'data-figure': id }, value))));
    fill(
      byId('partitions').querySelector('tbody') as HTMLElement,
      ...status.source.partitions.map((p) =>
        el('tr', { 'data-partition': p.partition }, el('td', {}, String(p.partition)), el('td', { class: 'n' }, `${formatNumber(p.position)}`), el('td', { class: 'n' }, p.lag === null ? 'unknown' : `${formatNumber(p.lag)} ${p.unit}`)),
      ),
    );
    const bad = status.recentBadRecords.slice(-BAD_RECORDS_SHOWN).reverse();
    fill(
      byId('bad-records'),
      ...(bad.length === 0
        ? [el('li', {}, 'none')]
        : bad.map((r) => el('li', {}, el('strong', {}, r.reason), ` ${formatInstant(r.atMs)}: ${r.message} `, el('code', {}, r.raw.length > 120 ? `${r.raw.slice(0, 120)}…` : r.raw)))),
    );
  }
}
