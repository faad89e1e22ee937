// The Parquet part encoder: the window results of one part file as one Parquet file (hyparquet-writer).
//
// Loaded only by jobs that write Parquet: the writer library is not needed at every start.

import { ByteWriter, ParquetWriter, type ColumnSource, type SchemaElement } from 'hyparquet-writer';
import type { WindowResult } from '../../core/emit/outputs.js';
import type { FieldValue } from '../../core/event/click-event.js';
import type { PartEncoder, PartEncoding } from './part-encoders.js';

/** Rows per row group: large enough for good compression, small enough for readers to skip groups by their statistics. */
const ROW_GROUP_ROWS = 100_000;

const TIMESTAMP_MS_UTC: Omit<SchemaElement, 'name'> = {
  type: 'INT64',
  converted_type: 'TIMESTAMP_MILLIS',
  logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' },
  repetition_type: 'REQUIRED',
};
const STRING: Omit<SchemaElement, 'name'> = { type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' };
const NULLABLE_STRING: Omit<SchemaElement, 'name'> = { ...STRING, repetition_type: 'OPTIONAL' };
const NULLABLE_DOUBLE: Omit<SchemaElement, 'name'> = { type: 'DOUBLE', repetition_type: 'OPTIONAL' };
const NULLABLE_BOOLEAN: Omit<SchemaElement, 'name'> = { type: 'BOOLEAN', repetition_type: 'OPTIONAL' };

/**
 * Parquet files with one row per result and the columns, in this order:
 * `window` and `window_kind` (UTF8 strings), `start` and `end` (INT64 timestamps in milliseconds,
 * adjusted to UTC), `key_<field>` for each key field, each aggregation output as a nullable DOUBLE
 * (null where NDJSON has null: empty or not finite), `revision` (INT32), `final` (BOOLEAN) and
 * `window_index` (nullable INT64, count windows only). A key column is DOUBLE when every value of it
 * in the file is a number, BOOLEAN when every value is a boolean, and else a UTF8 string (strings
 * as they are, other values as their JSON text); nulls (a missing field) are nulls in every type.
 * Files are snappy-compressed, with column statistics.
 */
export function parquetEncoding(keyFields: readonly string[], outputNames: readonly string[]): PartEncoding {
  return { format: 'parquet', create: () => new ParquetPartEncoder(keyFields, outputNames) };
}

class ParquetPartEncoder implements PartEncoder {
  rows = 0;
  bytes = 0;
  private readonly window: string[] = [];
  private readonly windowKind: string[] = [];
  private readonly start: number[] = [];
  private readonly end: number[] = [];
  private readonly keys: FieldValue[][];
  /** A column per output name, the job's first: windows with aggregations of their own add theirs (null in other rows). */
  private readonly values = new Map<string, (number | null)[]>();
  private readonly revision: number[] = [];
  private readonly isFinal: boolean[] = [];
  private readonly windowIndex: (number | null)[] = [];

  constructor(
    private readonly keyFields: readonly string[],
    outputNames: readonly string[],
  ) {
    this.keys = keyFields.map(() => []);
    for (const name of outputNames) this.values.set(name, []);
  }

  add(r: WindowResult): void {
    this.window.push(r.window);
    this.windowKind.push(r.windowKind);
    this.start.push(r.start);
    this.end.push(r.end);
    let bytes = 29 + r.window.length + r.windowKind.length + 8 * r.values.length;
    for (let i = 0; i < this.keyFields.length; i++) {
      const field = this.keyFields[i] as string;
      const value = Object.hasOwn(r.key.key, field) ? (r.key.key[field] ?? null) : null;
      (this.keys[i] as FieldValue[]).push(value);
      bytes += typeof value === 'string' ? value.length : 8;
    }
    for (let i = 0; i < r.names.length; i++) {
      const name = r.names[i] as string;
      let column = this.values.get(name);
      if (column === undefined) {
        column = new Array<number | null>(this.rows).fill(null);
        this.values.set(name, column);
      }
      const v = r.values[i];
      column.push(v === null || v === undefined || !Number.isFinite(v) ? null : v);
    }
    // Columns this result has no value for.
    for (const column of this.values.values()) if (column.length === this.rows) column.push(null);
    this.revision.push(r.revision);
    this.isFinal.push(r.isFinal);
    this.windowIndex.push(r.windowIndex);
    this.rows++;
    this.bytes += bytes;
  }

  async finish(): Promise<Uint8Array[]> {
    const columns: { element: SchemaElement; data: ColumnSource['data'] }[] = [
      { element: { name: 'window', ...STRING }, data: this.window },
      { element: { name: 'window_kind', ...STRING }, data: this.windowKind },
      { element: { name: 'start', ...TIMESTAMP_MS_UTC }, data: this.start.map(BigInt) },
      { element: { name: 'end', ...TIMESTAMP_MS_UTC }, data: this.end.map(BigInt) },
      ...this.keyFields.map((field, i) => keyColumn(`key_${field}`, this.keys[i] as FieldValue[])),
      ...[...this.values].map(([name, data]) => ({ element: { name, ...NULLABLE_DOUBLE }, data })),
      { element: { name: 'revision', type: 'INT32', repetition_type: 'REQUIRED' }, data: this.revision },
      { element: { name: 'final', type: 'BOOLEAN', repetition_type: 'REQUIRED' }, data: this.isFinal },
      { element: { name: 'window_index', type: 'INT64', repetition_type: 'OPTIONAL' }, data: this.windowIndex.map((j) => (j === null ? null : BigInt(j))) },
    ];
    const writer = new ByteWriter();
    const parquet = new ParquetWriter({ writer, schema: [{ name: 'root', num_children: columns.length }, ...columns.map((c) => c.element)] });
    await parquet.write({ columnData: columns.map((c) => ({ name: c.element.name, data: c.data })), rowGroupSize: ROW_GROUP_ROWS });
    await parquet.finish();
    return [writer.getBytes()];
  }
}

/** A key column: DOUBLE if every non-null value is a number, BOOLEAN if every one is a boolean, else UTF8 text. */
function keyColumn(name: string, values: readonly FieldValue[]): { element: SchemaElement; data: ColumnSource['data'] } {
  let kind: 'none' | 'number' | 'boolean' | 'string' = 'none';
  for (const v of values) {
    if (v === null) continue;
    const k = typeof v === 'number' ? 'number' : typeof v === 'boolean' ? 'boolean' : 'string';
    if (kind === 'none') kind = k;
    else if (kind !== k) {
      kind = 'string';
      break;
    }
  }
  if (kind === 'number') return { element: { name, ...NULLABLE_DOUBLE }, data: values as (number | null)[] };
  if (kind === 'boolean') return { element: { name, ...NULLABLE_BOOLEAN }, data: values as (boolean | null)[] };
  return { element: { name, ...NULLABLE_STRING }, data: values.map((v) => (v === null || typeof v === 'string' ? v : JSON.stringify(v))) };
}
