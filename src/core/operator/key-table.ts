// KeyTable: interns group-by key tuples as small integer ids, so per-event state lookups use number keys.

import type { FieldValue } from '../event/click-event.js';

/** One distinct group: its id, its values by field (for output), and their JSON text (built once). */
export interface KeyEntry {
  readonly id: number;
  readonly key: Readonly<Record<string, FieldValue>>;
  readonly keyJson: string;
}

type Level = Map<unknown, Level | number>;
type Record_ = Readonly<Record<string, FieldValue>>;

/**
 * Map keys compare with SameValueZero, so the string "42" and the number 42 are different groups,
 * as they are different JSON values. A missing field groups as null. Objects and arrays (rare as
 * keys) compare by their JSON text.
 */
function mapKey(value: FieldValue | undefined): unknown {
  if (value === undefined || value === null) return null;
  if (typeof value === 'object') return `\u0000json:${JSON.stringify(value)}`;
  return value;
}

/** Nested maps, one level per group-by field, with the id at the leaf. */
export class KeyTable {
  readonly fields: readonly string[];
  private readonly root: Level = new Map();
  private readonly entries = new Map<number, KeyEntry>();
  private nextId = 0;

  constructor(fields: readonly string[]) {
    this.fields = fields;
  }

  /** The id of the record's group, creating it on first sight. */
  intern(record: Record_): number {
    if (this.fields.length === 1) {
      // The common case (one group-by field, a scalar value): one map lookup, no helper calls.
      const v = record[this.fields[0] as string];
      const id = this.root.get(v === undefined ? null : typeof v === 'object' ? mapKey(v) : v) as number | undefined;
      if (id !== undefined) return id;
    }
    const level = this.leafLevel(record);
    const k = this.fields.length === 0 ? null : mapKey(record[this.fields[this.fields.length - 1] as string]);
    const id = level.get(k) as number | undefined;
    if (id !== undefined) return id;
    const key: Record<string, FieldValue> = {};
    for (const f of this.fields) key[f] = record[f] ?? null;
    const created = this.nextId++;
    this.entries.set(created, { id: created, key, keyJson: JSON.stringify(key) });
    level.set(k, created);
    return created;
  }

  private leafLevel(record: Record_): Level {
    let level = this.root;
    const fields = this.fields;
    for (let i = 0; i < fields.length - 1; i++) {
      const k = mapKey(record[fields[i] as string]);
      let next = level.get(k) as Level | undefined;
      if (next === undefined) {
        next = new Map();
        level.set(k, next);
      }
      level = next;
    }
    return level;
  }

  get(id: number): KeyEntry {
    const entry = this.entries.get(id);
    if (entry === undefined) throw new Error(`unknown key id ${id}`);
    return entry;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Forgets every key not in `live`, so that keys with no state left do not pile up. Returns how many. */
  retainOnly(live: ReadonlySet<number>): number {
    let removed = 0;
    for (const [id, entry] of this.entries) {
      if (live.has(id)) continue;
      this.entries.delete(id);
      this.unlink(entry.key);
      removed++;
    }
    return removed;
  }

  private unlink(key: Record_): void {
    const fields = this.fields;
    const path: Level[] = [this.root];
    for (let i = 0; i < fields.length - 1; i++) {
      const next = (path[i] as Level).get(mapKey(key[fields[i] as string])) as Level | undefined;
      if (next === undefined) return;
      path.push(next);
    }
    const leaf = path[path.length - 1] as Level;
    leaf.delete(fields.length === 0 ? null : mapKey(key[fields[fields.length - 1] as string]));
    for (let i = path.length - 1; i > 0 && (path[i] as Level).size === 0; i--) {
      (path[i - 1] as Level).delete(mapKey(key[fields[i - 1] as string]));
    }
  }

  /** The table as plain data, for snapshots. */
  encode(): { nextId: number; keys: [number, Record<string, FieldValue>][] } {
    return { nextId: this.nextId, keys: [...this.entries.values()].map((e) => [e.id, e.key as Record<string, FieldValue>]) };
  }

  static decode(fields: readonly string[], encoded: ReturnType<KeyTable['encode']>): KeyTable {
    const table = new KeyTable(fields);
    for (const [id, key] of encoded.keys) {
      const level = table.leafLevel(key);
      level.set(fields.length === 0 ? null : mapKey(key[fields[fields.length - 1] as string]), id);
      table.entries.set(id, { id, key, keyJson: JSON.stringify(key) });
    }
    table.nextId = encoded.nextId;
    return table;
  }
}
