// Window definitions: one discriminated union for every window kind the engine knows.

import type { AggregationSpec } from '../aggregate/aggregation-spec.js';
import type { EpochMs } from '../time/epoch.js';

export type CalendarUnit = 'day' | 'week' | 'month';

interface NamedWindow {
  /** Unique within a job; it is the `window` field of every result. */
  readonly name: string;
  /** The window's own aggregations; absent: the job's. */
  readonly aggregations?: readonly AggregationSpec[];
  /** A filter expression of the window's own, applied after the job's filter; absent: none. */
  readonly filter?: string;
}

/** Windows [k·size + offset, (k+1)·size + offset), aligned to the Unix epoch in UTC. */
export interface TumblingWindowSpec extends NamedWindow {
  readonly kind: 'tumbling';
  readonly sizeMs: number;
  readonly offsetMs: number;
}

/** Windows [k·slide + offset, k·slide + offset + size) that contain the event. */
export interface SlidingWindowSpec extends NamedWindow {
  readonly kind: 'sliding';
  readonly sizeMs: number;
  readonly slideMs: number;
  readonly offsetMs: number;
}

/** Local calendar periods in an IANA zone: days (midnight to midnight), ISO weeks (Monday), months. */
export interface CalendarWindowSpec extends NamedWindow {
  readonly kind: 'calendar';
  readonly unit: CalendarUnit;
  readonly timeZone: string;
}

/** Per key: events closer than `gapMs` share a session [first, last + gap). */
export interface SessionWindowSpec extends NamedWindow {
  readonly kind: 'session';
  readonly gapMs: number;
}

/** Per key, in arrival order: window j holds arrivals [j·slide, j·slide + size). slide = size is tumbling. */
export interface CountWindowSpec extends NamedWindow {
  readonly kind: 'count';
  readonly size: number;
  readonly slide: number;
}

/** Running totals per key: reported cumulatively at every `everyMs` tick of event time. */
export interface GlobalWindowSpec extends NamedWindow {
  readonly kind: 'global';
  readonly everyMs: number;
}

export type WindowSpec =
  | TumblingWindowSpec
  | SlidingWindowSpec
  | CalendarWindowSpec
  | SessionWindowSpec
  | CountWindowSpec
  | GlobalWindowSpec;

/** A half-open time range [start, end). */
export interface TimeRange {
  readonly start: EpochMs;
  readonly end: EpochMs;
}
