// Epoch milliseconds: the one time unit of the engine.

/** Milliseconds since 1970-01-01T00:00:00Z. Event timestamps, window edges and watermarks use it. */
export type EpochMs = number;

/** Largest timestamp the engine accepts (the ECMAScript Date range, 8.64e15 ms, year 275760). */
export const MAX_EPOCH_MS = 8.64e15;

/** A watermark before any event: nothing is late yet. */
export const WATERMARK_START = Number.NEGATIVE_INFINITY;
/** The watermark at the end of a bounded input: every window closes. */
export const WATERMARK_END = Number.POSITIVE_INFINITY;

/** Floor division that is right for negative numerators too. */
export function floorTo(valueMs: number, stepMs: number, offsetMs = 0): number {
  return Math.floor((valueMs - offsetMs) / stepMs) * stepMs + offsetMs;
}

/** A time that may be ±Infinity (before any event, after the end) as JSON can carry it: null when not finite. */
export function finiteOrNull(ms: number): number | null {
  return Number.isFinite(ms) ? ms : null;
}

/** ISO-8601 text of an epoch instant in UTC (for output), or null when out of range. */
export function toIsoUtc(ms: EpochMs): string | null {
  if (!Number.isFinite(ms) || Math.abs(ms) > MAX_EPOCH_MS) return null;
  return new Date(ms).toISOString();
}
