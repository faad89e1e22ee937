// Builders for the results history's tests: window results, a manual clock and histories in temporary directories.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WindowResult } from '../../core/emit/outputs.js';
import type { FieldValue } from '../../core/event/click-event.js';
import type { GroupKey } from '../../core/operator/key-table.js';
import type { WindowSpec } from '../../core/windows/window-spec.js';
import type { Clock } from '../../ports/clock.js';
import { LmdbResultsHistory, type LmdbHistoryOptions } from './lmdb-history.js';

export const OUTPUT_NAMES = ['count', 'sum_value'] as const;
export const MINUTE = 60_000;
/** 2026-11-23T00:00:00Z */
export const T0 = Date.UTC(2026, 10, 23);

export interface ResultFields {
  readonly window?: string;
  readonly windowKind?: WindowSpec['kind'];
  readonly start: number;
  readonly end?: number;
  readonly key: Readonly<Record<string, FieldValue>>;
  /** By `names`: count, sum_value unless told otherwise. */
  readonly values?: readonly (number | null)[];
  /** The window's output names (a window with aggregations of its own has its own); default OUTPUT_NAMES. */
  readonly names?: readonly string[];
  readonly revision?: number;
  readonly isFinal?: boolean;
  readonly windowIndex?: number | null;
}

let nextGroupId = 0;

/** A window result as the engine emits it (a one-minute tumbling window unless told otherwise). */
export function resultOf(f: ResultFields): WindowResult {
  const group: GroupKey = { id: nextGroupId++, key: f.key, keyJson: JSON.stringify(f.key) };
  return {
    kind: 'result',
    window: f.window ?? 'per_minute',
    windowKind: f.windowKind ?? 'tumbling',
    start: f.start,
    end: f.end ?? f.start + MINUTE,
    key: group,
    names: f.names ?? OUTPUT_NAMES,
    values: f.values ?? [1, 1],
    revision: f.revision ?? 0,
    isFinal: f.isFinal ?? true,
    windowIndex: f.windowIndex ?? null,
  };
}

export class ManualClock implements Clock {
  constructor(public nowMs: number = T0) {}
  now(): number {
    return this.nowMs;
  }
}

export interface TempHistory {
  readonly dir: string;
  readonly clock: ManualClock;
  history: LmdbResultsHistory;
  /** Closes and opens the history again on the same directory. */
  reopen(): Promise<LmdbResultsHistory>;
  cleanup(): Promise<void>;
}

/** A history in a fresh temporary directory; `cleanup` closes it and removes the directory. */
export async function tempHistory(options: Partial<LmdbHistoryOptions> = {}): Promise<TempHistory> {
  const dir = await mkdtemp(join(tmpdir(), 'tally-history-'));
  const clock = new ManualClock();
  const open = (): LmdbResultsHistory =>
    LmdbResultsHistory.open({ path: join(dir, 'history'), retainMs: 7 * 24 * 60 * MINUTE, clock, ...options });
  const temp: TempHistory = {
    dir,
    clock,
    history: open(),
    async reopen() {
      await temp.history.close();
      temp.history = open();
      return temp.history;
    },
    async cleanup() {
      await temp.history.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return temp;
}
