// The window form's values, read from a window as GET /windows lists it, and turned into what the
// control API takes: the job-file form of a window for POST /windows, or a JSON merge patch of it
// for PATCH /windows/{name} holding only what changed.

import type { WindowView } from '@tally/api-types';
import { formatDuration } from './format.js';

/** Kinds the form edits; count and global windows cannot be added or changed while the job runs. */
export const EDITABLE_KINDS = ['tumbling', 'sliding', 'calendar', 'session'] as const;
export type EditableKind = (typeof EDITABLE_KINDS)[number];

/** The form's fields as text, as a person types them (durations as `5m`, aggregations as `count, sum(value)`). */
export interface WindowFormValues {
  readonly name: string;
  readonly kind: EditableKind;
  readonly size: string;
  readonly slide: string;
  readonly offset: string;
  readonly unit: string;
  readonly timeZone: string;
  readonly gap: string;
  /** Comma-separated, e.g. `count, sum(value)`; empty: the job's aggregations. */
  readonly aggregations: string;
  /** A filter expression; empty: none of its own. */
  readonly filter: string;
}

export const EMPTY_FORM: WindowFormValues = { name: '', kind: 'tumbling', size: '', slide: '', offset: '', unit: 'day', timeZone: '', gap: '', aggregations: '', filter: '' };

export function isEditableKind(kind: string): kind is EditableKind {
  return (EDITABLE_KINDS as readonly string[]).includes(kind);
}

const msText = (value: unknown): string => (typeof value === 'number' ? formatDuration(value) : '');

/** A window's own aggregations and filter, where GET /windows shows them (on the view or in its spec). */
function ownSetting(view: WindowView, field: 'aggregations' | 'filter'): unknown {
  const onView = (view as Readonly<Record<string, unknown>>)[field];
  return onView !== undefined ? onView : view.spec[field];
}

/**
 * A window's own aggregation as the job file spells it: GET /windows lists them as `{ fn, field }`
 * (`{ fn: 'max', field: 'value' }` is `max(value)`, a field of null is `count`); text is kept as it is.
 */
export function aggregationText(aggregation: unknown): string {
  if (typeof aggregation === 'string') return aggregation;
  if (typeof aggregation === 'object' && aggregation !== null && typeof (aggregation as { fn?: unknown }).fn === 'string') {
    const { fn, field } = aggregation as { fn: string; field?: unknown };
    return typeof field === 'string' ? `${fn}(${field})` : fn;
  }
  return String(aggregation);
}

/** A window's own aggregations (`['count', 'max(value)']`) and filter; null where it has none of its own. */
export function ownDefinition(view: WindowView): { readonly aggregations: string[] | null; readonly filter: string | null } {
  const aggregations = ownSetting(view, 'aggregations');
  const filter = ownSetting(view, 'filter');
  return { aggregations: Array.isArray(aggregations) ? aggregations.map(aggregationText) : null, filter: typeof filter === 'string' ? filter : null };
}

/** The form filled in from a listed window; null for kinds the form cannot edit. */
export function formFromView(view: WindowView): WindowFormValues | null {
  if (!isEditableKind(view.kind)) return null;
  const { spec } = view;
  const { aggregations, filter } = ownDefinition(view);
  return {
    ...EMPTY_FORM,
    name: view.name,
    kind: view.kind,
    size: msText(spec.sizeMs),
    slide: msText(spec.slideMs),
    // An offset of 0 is no offset: leave the field empty so that the patch does not add one.
    offset: spec.offsetMs === 0 ? '' : msText(spec.offsetMs),
    unit: typeof spec.unit === 'string' ? spec.unit : EMPTY_FORM.unit,
    timeZone: typeof spec.timeZone === 'string' ? spec.timeZone : '',
    gap: msText(spec.gapMs),
    aggregations: aggregations === null ? '' : aggregations.join(', '),
    filter: filter ?? '',
  };
}

/**
 * `count, sum(value), max(value)` as a list; commas inside parentheses stay in their item (an
 * aggregation's arguments may have them).
 */
export function parseAggregations(text: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of text) {
    if (char === '(') depth++;
    if (char === ')') depth = Math.max(0, depth - 1);
    if ((char === ',' || char === '\n') && depth === 0) {
      items.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  items.push(current);
  return items.map((item) => item.trim()).filter((item) => item !== '');
}

type JsonObject = Record<string, unknown>;

/** The kind's part of the job-file form: `{ tumbling: '5m' }`, `{ sliding: { size, slide } }`, … */
function kindPart(values: WindowFormValues): JsonObject {
  switch (values.kind) {
    case 'tumbling':
      return { tumbling: values.size.trim() };
    case 'sliding':
      return { sliding: { size: values.size.trim(), slide: values.slide.trim() } };
    case 'calendar':
      return { calendar: values.timeZone.trim() === '' ? { unit: values.unit } : { unit: values.unit, timeZone: values.timeZone.trim() } };
    case 'session':
      return { session: { gap: values.gap.trim() } };
  }
}

const hasOffset = (kind: EditableKind): boolean => kind === 'tumbling' || kind === 'sliding';

/** The body of POST /windows: the window in the job file's form. */
export function windowInput(values: WindowFormValues): JsonObject {
  const input: JsonObject = { name: values.name.trim(), ...kindPart(values) };
  if (hasOffset(values.kind) && values.offset.trim() !== '') input.offset = values.offset.trim();
  const aggregations = parseAggregations(values.aggregations);
  if (aggregations.length > 0) input.aggregations = aggregations;
  if (values.filter.trim() !== '') input.filter = values.filter.trim();
  return input;
}

/**
 * The body of PATCH /windows/{name}: a JSON merge patch (RFC 7396) of the window's job-file form
 * from `current` to `next`, with only what changed; null when nothing did. A new kind replaces the
 * old one; an emptied offset, aggregations or filter is null (removed).
 */
export function windowPatch(current: WindowFormValues, next: WindowFormValues): JsonObject | null {
  const patch: JsonObject = {};
  const before = kindPart(current);
  const after = kindPart(next);
  if (current.kind !== next.kind) {
    Object.assign(patch, after);
  } else {
    const was = before[next.kind];
    const now = after[next.kind];
    if (typeof now === 'string' || typeof was === 'string') {
      if (now !== was) patch[next.kind] = now;
    } else {
      const changed: JsonObject = {};
      const wasFields = was as JsonObject;
      for (const [field, value] of Object.entries(now as JsonObject)) if (wasFields[field] !== value) changed[field] = value;
      // A time zone emptied: back to the default (UTC).
      if (next.kind === 'calendar' && 'timeZone' in wasFields && !('timeZone' in (now as JsonObject))) changed.timeZone = null;
      if (Object.keys(changed).length > 0) patch[next.kind] = changed;
    }
  }
  const offset = hasOffset(next.kind) ? next.offset.trim() : '';
  if (offset !== current.offset.trim()) patch.offset = offset === '' ? null : offset;
  const aggregations = parseAggregations(next.aggregations);
  if (aggregations.join('\u0000') !== parseAggregations(current.aggregations).join('\u0000')) patch.aggregations = aggregations.length === 0 ? null : aggregations;
  if (next.filter.trim() !== current.filter.trim()) patch.filter = next.filter.trim() === '' ? null : next.filter.trim();
  return Object.keys(patch).length === 0 ? null : patch;
}
