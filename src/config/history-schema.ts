// The job schema's history section: where emitted results are kept for querying, and for how long.

import { join } from 'node:path';
import { z } from 'zod';
import type { CheckpointSpec, HistorySpec } from './job-spec.js';
import { duration, expecting, fail, nonEmptyString, strictObject, wholeNumber } from './schema-kit.js';

const DAY_MS = 86_400_000;

export const HISTORY_DEFAULTS = {
  /** Used when the checkpoint store is not a local directory (or there is none). */
  path: './tally-history',
  /** The subdirectory of a local checkpoint store. */
  checkpointSubdirectory: 'history',
  retainMs: 7 * DAY_MS,
  maxResults: 10_000_000,
} as const;

/** The section as written; the default path needs the checkpoint section (see historySpecOf). */
export interface HistorySection {
  /** null: the default. */
  readonly path: string | null;
  readonly retainMs: number;
  readonly maxResults: number;
}

const PATH_WORDS = 'a local directory, e.g. ./state/history (or file://<dir>)';

/** A local directory: a plain path or file://<dir>; other URLs are refused (the store is an embedded database). */
const historyPath = nonEmptyString(PATH_WORDS).transform((text, ctx): string => {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1]?.toLowerCase();
  if (scheme === undefined) return text;
  if (scheme === 'file' && text.length > 'file://'.length) return text.slice('file://'.length);
  fail(ctx, `${JSON.stringify(text)} is not a local directory: the history is an embedded database on this machine's disk; expected ${PATH_WORDS}`);
  return z.NEVER;
});

const sectionObject = strictObject(
  {
    path: historyPath.optional(),
    retain: duration().optional(),
    maxResults: wholeNumber(1, 1_000_000_000, ' (window instances)').optional(),
  },
  'history: true or { path: <directory>, retain: <duration>, maxResults: <count> }',
);

export const historySchema = z
  .union([z.literal(true), sectionObject], expecting('true or a mapping { path: <directory>, retain: <duration>, maxResults: <count> }'))
  .transform((section, ctx): HistorySection => {
    const h = section === true ? {} : section;
    const retainMs = h.retain ?? HISTORY_DEFAULTS.retainMs;
    if (retainMs <= 0) fail(ctx, 'must be greater than 0: results are kept for this long after their window ends', ['retain']);
    return { path: h.path ?? null, retainMs, maxResults: h.maxResults ?? HISTORY_DEFAULTS.maxResults };
  });

/**
 * The history of a job: the section with its default path filled in, `<checkpoint dir>/history`
 * when checkpoints go to a local directory, else ./tally-history.
 */
export function historySpecOf(section: HistorySection, checkpoint: CheckpointSpec | null): HistorySpec {
  let path = section.path;
  if (path === null) {
    path = checkpoint !== null && checkpoint.store.startsWith('file://')
      ? join(checkpoint.store.slice('file://'.length), HISTORY_DEFAULTS.checkpointSubdirectory)
      : HISTORY_DEFAULTS.path;
  }
  return { path, retainMs: section.retainMs, maxResults: section.maxResults };
}
