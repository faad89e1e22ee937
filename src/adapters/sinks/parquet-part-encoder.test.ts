import { DuckDBInstance } from '@duckdb/node-api';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WindowResult } from '../../core/emit/outputs.js';
import type { FieldValue } from '../../core/event/click-event.js';
import { parquetEncoding } from './parquet-part-encoder.js';

const T0 = Date.UTC(2026, 10, 23, 14, 0);
const NAMES = ['count', 'sum_value'];

function result(key: Record<string, FieldValue>, values: (number | null)[], over: Partial<WindowResult> = {}): WindowResult {
  return {
    kind: 'result', window: 'per_minute', windowKind: 'tumbling', start: T0, end: T0 + 60_000,
    key: { id: 0, key, keyJson: JSON.stringify(key) }, names: NAMES.slice(0, values.length), values, revision: 0, isFinal: true, windowIndex: null, ...over,
  };
}

let dir = '';
let duck: DuckDBInstance;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tally-parquet-'));
  duck = await DuckDBInstance.create(':memory:');
});
afterAll(async () => {
  duck.closeSync();
  await rm(dir, { recursive: true, force: true });
});

/** Rows of a query, values as JSON (timestamps and BIGINTs as text). */
async function query(sql: string): Promise<Record<string, unknown>[]> {
  const connection = await duck.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJson();
  } finally {
    connection.closeSync();
  }
}

let files = 0;
async function parquetFileOf(keyFields: string[], outputs: string[], results: WindowResult[]): Promise<string> {
  const encoder = parquetEncoding(keyFields, outputs).create();
  for (const r of results) encoder.add(r);
  expect(encoder.rows).toBe(results.length);
  const path = join(dir, `part-${files++}.parquet`);
  await writeFile(path, Buffer.concat(await encoder.finish()));
  return path;
}

describe('Parquet parts', () => {
  it('have the documented columns and types, in order', async () => {
    const path = await parquetFileOf(['user_id', 'page'], ['count', 'sum_value'], [result({ user_id: 7, page: '/a' }, [3, 4.5])]);
    const columns = await query(`DESCRIBE SELECT * FROM read_parquet('${path}')`);
    expect(columns.map((c) => [c.column_name, c.column_type])).toEqual([
      ['window', 'VARCHAR'],
      ['window_kind', 'VARCHAR'],
      ['start', 'TIMESTAMP WITH TIME ZONE'],
      ['end', 'TIMESTAMP WITH TIME ZONE'],
      ['key_user_id', 'DOUBLE'],
      ['key_page', 'VARCHAR'],
      ['count', 'DOUBLE'],
      ['sum_value', 'DOUBLE'],
      ['revision', 'INTEGER'],
      ['final', 'BOOLEAN'],
      ['window_index', 'BIGINT'],
    ]);
  });

  it('hold the values of the results: UTC millisecond times, nulls for empty or overflowed aggregates', async () => {
    const results = [
      result({ user_id: 'u1' }, [3, 4.5]),
      result({ user_id: 'u2' }, [1, null], { start: T0 + 60_000, end: T0 + 120_000, revision: 2, isFinal: false }),
      result({ user_id: null }, [Number.POSITIVE_INFINITY, Number.NaN], { windowKind: 'count', windowIndex: 12 }),
    ];
    const path = await parquetFileOf(['user_id'], ['count', 'sum_value'], results);
    const rows = await query(
      `SELECT "window", window_kind, epoch_ms("start") AS s, epoch_ms("end") AS e, strftime("start" AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%S') AS start_utc, ` +
        `key_user_id, "count", sum_value, revision, final, window_index FROM read_parquet('${path}')`,
    );
    expect(rows).toEqual([
      { window: 'per_minute', window_kind: 'tumbling', s: String(T0), e: String(T0 + 60_000), start_utc: '2026-11-23 14:00:00', key_user_id: 'u1', count: 3, sum_value: 4.5, revision: 0, final: true, window_index: null },
      { window: 'per_minute', window_kind: 'tumbling', s: String(T0 + 60_000), e: String(T0 + 120_000), start_utc: '2026-11-23 14:01:00', key_user_id: 'u2', count: 1, sum_value: null, revision: 2, final: false, window_index: null },
      { window: 'per_minute', window_kind: 'count', s: String(T0), e: String(T0 + 60_000), start_utc: '2026-11-23 14:00:00', key_user_id: null, count: null, sum_value: null, revision: 0, final: true, window_index: '12' },
    ]);
  });

  it('type a key column by its values: numbers DOUBLE, booleans BOOLEAN, anything mixed or structured UTF8 text', async () => {
    const results = [
      result({ n: 1, b: true, mixed: 42, obj: { a: 1 } }, [1]),
      result({ n: 2.5, b: null, mixed: 'x', obj: null }, [1]),
      result({ n: null, b: false, mixed: true, obj: 'plain' }, [1]),
    ];
    const path = await parquetFileOf(['n', 'b', 'mixed', 'obj'], ['count'], results);
    const columns = await query(`DESCRIBE SELECT key_n, key_b, key_mixed, key_obj FROM read_parquet('${path}')`);
    expect(columns.map((c) => c.column_type)).toEqual(['DOUBLE', 'BOOLEAN', 'VARCHAR', 'VARCHAR']);
    const rows = await query(`SELECT key_n, key_b, key_mixed, key_obj FROM read_parquet('${path}')`);
    expect(rows).toEqual([
      { key_n: 1, key_b: true, key_mixed: '42', key_obj: '{"a":1}' },
      { key_n: 2.5, key_b: null, key_mixed: 'x', key_obj: null },
      { key_n: null, key_b: false, key_mixed: 'true', key_obj: 'plain' },
    ]);
  });

  it('add a column for the outputs of a window with aggregations of its own, null in the other rows', async () => {
    const results = [
      result({ user_id: 'u1' }, [3, 4.5]),
      result({ user_id: 'u1' }, [2, 9], { window: 'shop', names: ['count', 'max_duration_ms'] }),
      result({ user_id: 'u2' }, [1, 2]),
    ];
    const path = await parquetFileOf(['user_id'], ['count', 'sum_value'], results);
    const rows = await query(`SELECT "window", key_user_id, "count", sum_value, max_duration_ms FROM read_parquet('${path}')`);
    expect(rows).toEqual([
      { window: 'per_minute', key_user_id: 'u1', count: 3, sum_value: 4.5, max_duration_ms: null },
      { window: 'shop', key_user_id: 'u1', count: 2, sum_value: null, max_duration_ms: 9 },
      { window: 'per_minute', key_user_id: 'u2', count: 1, sum_value: 2, max_duration_ms: null },
    ]);
  });

  it('of a window added while running with new aggregations have its columns, which a glob reads only with union_by_name', async () => {
    // Files in one directory: one written before the window was added, one after (its outputs are not
    // among the job's output names the encoder was made with).
    const globDir = join(dir, 'added-window');
    await mkdir(globDir);
    const write = async (name: string, results: WindowResult[]): Promise<void> => {
      const encoder = parquetEncoding(['user_id'], ['count', 'sum_value']).create();
      for (const r of results) encoder.add(r);
      await writeFile(join(globDir, name), Buffer.concat(await encoder.finish()));
    };
    await write('a.parquet', [result({ user_id: 'u1' }, [3, 4.5])]);
    await write('b.parquet', [result({ user_id: 'u2' }, [1, 2]), result({ user_id: 'u2' }, [7], { window: 'added', names: ['stdev_value'] })]);
    const glob = `'${globDir}/*.parquet'`;
    // DuckDB takes the first file's columns without union_by_name: stdev_value is not there.
    const firstOnly = await query(`SELECT * FROM read_parquet(${glob}) ORDER BY key_user_id, "window"`);
    expect(firstOnly.every((r) => !Object.hasOwn(r, 'stdev_value'))).toBe(true);
    const united = await query(`SELECT "window", key_user_id, "count", sum_value, stdev_value FROM read_parquet(${glob}, union_by_name = true) ORDER BY key_user_id, "window"`);
    expect(united).toEqual([
      { window: 'per_minute', key_user_id: 'u1', count: 3, sum_value: 4.5, stdev_value: null },
      { window: 'added', key_user_id: 'u2', count: null, sum_value: null, stdev_value: 7 },
      { window: 'per_minute', key_user_id: 'u2', count: 1, sum_value: 2, stdev_value: null },
    ]);
  });

  it('estimate their size from the values, for rolling', () => {
    const encoder = parquetEncoding(['user_id'], ['count']).create();
    encoder.add(result({ user_id: 'abcd' }, [1]));
    // 29 fixed bytes (times, revision, final, index) + 'per_minute' + 'tumbling' + one double + 'abcd'.
    expect(encoder.bytes).toBe(29 + 10 + 8 + 8 + 4);
  });
});
