// The records of the dead-letter and late outputs, and their NDJSON text.

import type { BadRecordReason } from '../core/errors.js';
import type { SourcePosition } from '../ports/source.js';

/** A record that could not become an event: kept with its raw text, position and reason. */
export interface DeadLetter {
  readonly reason: BadRecordReason;
  readonly message: string;
  readonly raw: string;
  readonly position: SourcePosition;
}

/** An event too late for some window definitions: kept with its raw text and position. */
export interface LateOutputRecord {
  readonly windows: readonly string[];
  readonly eventTimeMs: number;
  readonly watermarkMs: number;
  readonly raw: string;
  readonly position: SourcePosition;
}

/** Raw text longer than this is cut in the side outputs (the reason still says how long it was). */
const MAX_RAW_CHARS = 64 * 1024;

function rawText(raw: string): string {
  return raw.length > MAX_RAW_CHARS ? `${raw.slice(0, MAX_RAW_CHARS)}…[${raw.length} chars]` : raw;
}

export function formatDeadLetter(d: DeadLetter): string {
  return JSON.stringify({ type: 'bad_record', reason: d.reason, message: d.message, position: d.position, raw: rawText(d.raw) });
}

export function formatLateRecord(l: LateOutputRecord): string {
  return JSON.stringify({
    type: 'late_record',
    windows: l.windows,
    event_time: l.eventTimeMs,
    watermark: l.watermarkMs,
    position: l.position,
    raw: rawText(l.raw),
  });
}
