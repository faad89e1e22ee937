// ClickEvent and the result of parsing one raw record.

import type { BadRecordReason } from '../errors.js';
import type { EpochMs } from '../time/epoch.js';

/** A field value as decoded from JSON. */
export type FieldValue = string | number | boolean | null | readonly FieldValue[] | { readonly [k: string]: FieldValue };

/** One valid click. `fields` is the whole decoded object (user_id, page, timestamp and the rest). */
export interface ClickEvent {
  readonly kind: 'event';
  /** The event time, from `timestamp`, as epoch milliseconds (whole, >= 0). */
  readonly eventTimeMs: EpochMs;
  readonly fields: Readonly<Record<string, FieldValue>>;
}

/** A record that could not become an event. The runtime adds the raw text and source position. */
export interface BadRecord {
  readonly kind: 'bad';
  readonly reason: BadRecordReason;
  /** A human-readable explanation, e.g. which field and what was found. */
  readonly message: string;
}

export type ParsedRecord = ClickEvent | BadRecord;
