// Where partitioned result files live in a store: Hive-style partition paths, part names, staged names.

/** The formats a partitioned sink writes, by file extension. */
export type PartFormat = 'ndjson' | 'parquet';

/** Staged parts live under this prefix; Hive, Spark, Trino and DuckDB's hive partitioning skip names starting with '_'. */
export const STAGED_PREFIX = '_pending/';

/** Staged names end with this, so that a recursive glob for `*.parquet` (DuckDB's does descend into `_pending`) never matches one. */
const STAGED_SUFFIX = '.staged';

const HOUR_MS = 3_600_000;

/**
 * `window=<name>/dt=<yyyy-mm-dd>/hour=<hh>` of the hour, in UTC, that holds `startMs` (a window's
 * start). Window names are [A-Za-z_][A-Za-z0-9_]*, so they need no escaping.
 */
export function partitionOf(window: string, startMs: number): string {
  const hourStart = Math.floor(startMs / HOUR_MS) * HOUR_MS;
  const date = new Date(hourStart);
  const year = date.getUTCFullYear();
  const yyyy = year < 0 ? `-${String(-year).padStart(4, '0')}` : String(year).padStart(4, '0');
  return `window=${window}/dt=${yyyy}-${two(date.getUTCMonth() + 1)}-${two(date.getUTCDate())}/hour=${two(date.getUTCHours())}`;
}

/**
 * `<partition>/part-<checkpointId>-<n>.<format>`: part n (0, 1, …) of the partition published by
 * checkpoint `checkpointId`. Ids are zero-padded so that names sort in the order they were written.
 */
export function partKeyOf(partition: string, checkpointId: number, n: number, format: PartFormat): string {
  return `${partition}/part-${String(checkpointId).padStart(10, '0')}-${String(n).padStart(5, '0')}.${format}`;
}

const PART_KEY = /^window=[A-Za-z_][A-Za-z0-9_]*\/dt=-?\d{4,}-\d\d-\d\d\/hour=\d\d\/part-(\d{10,})-(\d{5,})\.(ndjson|parquet)$/;

/** The checkpoint id in a published part's key, or null when the key is not one (anything else in the store is left alone). */
export function checkpointIdOfPart(key: string): number | null {
  const match = PART_KEY.exec(key);
  return match === null ? null : Number(match[1]);
}

/**
 * `_pending/<runId>/<seq>.<format>.staged`: a part written since the last checkpoint, or prepared and
 * not yet published. `runId` is new for every recover(), so a name is never used twice, and a
 * checkpoint's record can never point at bytes another run wrote under the same name.
 */
export function stagedKeyOf(runId: string, seq: number, format: PartFormat): string {
  return `${STAGED_PREFIX}${runId}/${String(seq).padStart(8, '0')}.${format}${STAGED_SUFFIX}`;
}

const STAGED_KEY = /^_pending\/[A-Za-z0-9]+\/\d{8,}\.(ndjson|parquet)\.staged$/;

export function isStagedKey(key: string): boolean {
  return STAGED_KEY.test(key);
}

function two(n: number): string {
  return String(n).padStart(2, '0');
}
