// Helpers for the partitioned-output tests: reading part files back with DuckDB, and the reference run's numbers.

import { DuckDBInstance } from '@duckdb/node-api';
import { readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { expect } from 'vitest';
import { readNdjson } from '../cli-support.js';

/** One result's numbers, as both outputs must hold them. */
export interface ResultRow {
  readonly window: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly page: string;
  readonly count: number;
  readonly sumValue: number | null;
  readonly maxValue: number | null;
  /** max(duration_ms): only the window with aggregations of its own has it; null in the others' rows. */
  readonly maxDurationMs: number | null;
}

export const rowId = (r: Pick<ResultRow, 'window' | 'startMs' | 'page'>): string => `${r.window}|${r.startMs}|${r.page}`;

/**
 * The single-file NDJSON output of a job keyed by page with count, sum(value) and max(value), and a
 * window with aggregations of its own (count, max(duration_ms)). An output a line does not have is null.
 */
export function referenceRows(path: string): Map<string, ResultRow> {
  const rows = new Map<string, ResultRow>();
  for (const line of readNdjson(path)) {
    const row: ResultRow = {
      window: line.window as string,
      startMs: line.start as number,
      endMs: line.end as number,
      page: (line.key as { page: string }).page,
      count: line.count as number,
      sumValue: (line.sum_value as number | null | undefined) ?? null,
      maxValue: (line.max_value as number | null | undefined) ?? null,
      maxDurationMs: (line.max_duration_ms as number | null | undefined) ?? null,
    };
    expect(rows.has(rowId(row)), `the reference has ${rowId(row)} twice`).toBe(false);
    rows.set(rowId(row), row);
  }
  return rows;
}

/** A row as DuckDB reads it from the part files, with its Hive partition columns and file name. */
export interface ParquetRow extends ResultRow {
  readonly dt: string;
  readonly hour: number;
  readonly file: string;
}

/**
 * Every row of `<dir>/**\/*.parquet`, read by DuckDB with Hive partitioning and `union_by_name`
 * (files of different windows have different output columns).
 */
export async function readPartitionedParquet(dir: string): Promise<ParquetRow[]> {
  const duck = await DuckDBInstance.create(':memory:');
  const connection = await duck.connect();
  try {
    const reader = await connection.runAndReadAll(
      `SELECT "window", epoch_ms("start") AS start_ms, epoch_ms("end") AS end_ms, key_page, "count", sum_value, max_value, max_duration_ms, ` +
        `CAST(dt AS VARCHAR) AS dt, hour, filename ` +
        `FROM read_parquet('${dir.replaceAll("'", "''")}/**/*.parquet', hive_partitioning = true, union_by_name = true, filename = true)`,
    );
    return reader.getRowObjectsJson().map((r) => ({
      window: r.window as string,
      startMs: Number(r.start_ms),
      endMs: Number(r.end_ms),
      page: r.key_page as string,
      count: r.count as number,
      sumValue: r.sum_value as number | null,
      maxValue: r.max_value as number | null,
      maxDurationMs: r.max_duration_ms as number | null,
      dt: r.dt as string,
      hour: Number(r.hour),
      file: relative(dir, r.filename as string).split(sep).join('/'),
    }));
  } finally {
    connection.closeSync();
    duck.closeSync();
  }
}

/**
 * The part files hold the reference's results, each once, with equal numbers; each row sits in the
 * partition of its window and the UTC day and hour of its start, in a part named by a checkpoint.
 */
export function expectSameResults(rows: readonly ParquetRow[], reference: ReadonlyMap<string, ResultRow>): void {
  const seen = new Set<string>();
  const wrong: string[] = [];
  for (const row of rows) {
    const id = rowId(row);
    if (seen.has(id)) wrong.push(`${id} twice`);
    seen.add(id);
    const want = reference.get(id);
    if (want === undefined) wrong.push(`${id} is not in the reference`);
    else if (row.count !== want.count || row.sumValue !== want.sumValue || row.maxValue !== want.maxValue || row.maxDurationMs !== want.maxDurationMs || row.endMs !== want.endMs) {
      const numbers = (r: ResultRow): string => JSON.stringify([r.count, r.sumValue, r.maxValue, r.maxDurationMs, r.endMs]);
      wrong.push(`${id}: ${numbers(row)} ≠ ${numbers(want)}`);
    }
    const iso = new Date(row.startMs).toISOString();
    if (row.dt !== iso.slice(0, 10) || row.hour !== Number(iso.slice(11, 13))) wrong.push(`${id} is in dt=${row.dt}/hour=${row.hour}`);
    const partition = `window=${row.window}/dt=${row.dt}/hour=${String(row.hour).padStart(2, '0')}/`;
    if (!row.file.startsWith(partition) || !/\/part-\d{10}-\d{5}\.parquet$/.test(row.file)) wrong.push(`${id} is in the file ${row.file}`);
  }
  for (const id of reference.keys()) if (!seen.has(id)) wrong.push(`${id} is missing`);
  expect(wrong.slice(0, 20), `${wrong.length} differences`).toEqual([]);
  expect(rows.length).toBe(reference.size);
}

/** Totals per window: results, summed count and summed sum(value), for a readable overview. */
export function totalsByWindow(rows: Iterable<Pick<ResultRow, 'window' | 'count' | 'sumValue'>>): Record<string, { results: number; count: number; sum: number }> {
  const totals: Record<string, { results: number; count: number; sum: number }> = {};
  for (const r of rows) {
    const t = (totals[r.window] ??= { results: 0, count: 0, sum: 0 });
    t.results++;
    t.count += r.count;
    t.sum += r.sumValue ?? 0;
  }
  for (const t of Object.values(totals)) t.sum = Math.round(t.sum * 100) / 100;
  return totals;
}

/** Every file under `dir`, as '/'-separated paths relative to it. */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();
}

/** The rows of one DuckDB query, as JSON objects (for schema checks: DESCRIBE, parquet_schema). */
export async function duckRows(sql: string): Promise<Record<string, unknown>[]> {
  const duck = await DuckDBInstance.create(':memory:');
  const connection = await duck.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
    duck.closeSync();
  }
}
