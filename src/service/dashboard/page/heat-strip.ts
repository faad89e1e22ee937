// The heat strip: clicks of the last 24 hours, hour by hour, from a window one hour long.

import type { WindowView } from '@tally/api-types';
import type { SeriesPoint } from './window-totals.js';

export const HOUR_MS = 3_600_000;
export const HEAT_HOURS = 24;
/** Shades of the strip: level 0 is an hour without clicks, HEAT_LEVELS the busiest hour. */
export const HEAT_LEVELS = 5;

/**
 * The window the strip reads: a tumbling window of exactly one hour on the hour (offset 0), so
 * each of its instances is one bucket. Null when the job has none (the page says how to add one).
 */
export function hourWindowOf(windows: readonly WindowView[]): WindowView | null {
  return windows.find((w) => w.kind === 'tumbling' && w.spec.sizeMs === HOUR_MS && (w.spec.offsetMs ?? 0) === 0) ?? null;
}

export interface HeatBucket {
  readonly startMs: number;
  /** The hour's total; null when its window has no result (not closed yet, or no data). */
  readonly value: number | null;
  /** 0 … HEAT_LEVELS, for the shade; 0 also for null. */
  readonly level: number;
}

/**
 * The HEAT_HOURS hours up to and including the one `nowMs` is in, oldest first, each with the
 * total of the instance starting at that hour.
 */
export function heatBuckets(points: readonly SeriesPoint[], nowMs: number): HeatBucket[] {
  const currentHour = Math.floor(nowMs / HOUR_MS) * HOUR_MS;
  const byStart = new Map(points.map((p) => [p.start, p.value]));
  const values = Array.from({ length: HEAT_HOURS }, (_, i) => {
    const startMs = currentHour - (HEAT_HOURS - 1 - i) * HOUR_MS;
    return { startMs, value: byStart.get(startMs) ?? null };
  });
  const max = Math.max(0, ...values.map((b) => b.value ?? 0));
  return values.map((b) => ({ ...b, level: heatLevel(b.value, max) }));
}

/** The shade of a value: 0 for none or 0, else 1 … HEAT_LEVELS in proportion to the busiest hour. */
export function heatLevel(value: number | null, max: number): number {
  if (value === null || value <= 0 || max <= 0) return 0;
  return Math.max(1, Math.ceil((value / max) * HEAT_LEVELS));
}
