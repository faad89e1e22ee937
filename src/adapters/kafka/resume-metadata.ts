// The text a commit stores beside a Kafka offset: what a restart needs to read again without repeats.

import type { ResumePoint } from '../../ports/source.js';

const FORMAT = 1;

/** Kafka brokers keep up to 4096 bytes of metadata per committed offset by default; this stays far below. */
export function encodeResumePoint(point: ResumePoint): string {
  return JSON.stringify({
    tally: FORMAT,
    completeUpTo: point.completeUpToMs,
    maxEventTimeBefore: point.maxEventTimeBeforeMs,
    processedUpTo: point.processedUpTo,
    job: point.job,
  });
}

const isTimeOrNull = (v: unknown): v is number | null => v === null || (typeof v === 'number' && Number.isFinite(v));

/** The resume point in committed metadata, or null when the commit was not made by Tally (or is unreadable). */
export function decodeResumePoint(metadata: string | null | undefined): ResumePoint | null {
  if (metadata === null || metadata === undefined || metadata === '') return null;
  let value: unknown;
  try {
    value = JSON.parse(metadata);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  if (v.tally !== FORMAT || !isTimeOrNull(v.completeUpTo) || !isTimeOrNull(v.maxEventTimeBefore)) return null;
  if (typeof v.processedUpTo !== 'number' || !Number.isSafeInteger(v.processedUpTo) || v.processedUpTo < 0 || typeof v.job !== 'string') return null;
  return { completeUpToMs: v.completeUpTo, maxEventTimeBeforeMs: v.maxEventTimeBefore, processedUpTo: v.processedUpTo, job: v.job };
}
