// KeyTable: interns group-by key tuples as small integer ids, so per-event state lookups use number keys.

import type { Partial } from '../aggregate/aggregate-plan.js';
import type { FieldValue } from '../event/click-event.js';

/** One distinct group as results show it: its id, its values by field, and their JSON text (built once). */
export interface GroupKey {
  readonly id: number;
  readonly key: Readonly<Record<string, FieldValue>>;
  readonly keyJson: string;
}

/** A group inside the engine: the group and the aggregator's per-key cache. */
export interface KeyEntry {
  readonly id: number;
  readonly group: GroupKey;
  /**
   * The slice this key last added to and its partial there: most events of a key land in the
   * same slice as its previous one, and this saves a map lookup per event (kept by the aggregator).
   */
  lastSlice: object | null;
  lastPartial: Partial | null;
  /**
   * Windows of this key that close at or before this time were emitted by an earlier run (see
   * WindowAggregator.resumePartitions); −Infinity when nothing is being replayed, and always while
   * the engine has no replay floors (it does not read this field then).
   */
  replayFloorMs: number;
}

type Level = Map<unknown, Level | KeyEntry>;

/** Non-negative integer ids below this are looked up in an array rather than a map. */
const SMALL_INT_LIMIT = 1 << 22;
/** The array of small integer ids starts with this many slots… */
const SMALL_INT_FIRST_SLOTS = 1 << 10;
/** …always may grow to this many… */
const SMALL_INT_DENSE_SLOTS = 1 << 16;
/** …and beyond, to this many slots per key held. */
const SLOTS_PER_KEY = 8;
type Record_ = Readonly<Record<string, FieldValue>>;

/**
 * Map keys compare with SameValueZero, so the string "42" and the number 42 are different groups,
 * as they are different JSON values. A missing field groups as null. Objects and arrays (rare as
 * keys) compare by their JSON text.
 */
/**
 * A record's own field: JSON objects inherit from Object.prototype, so `constructor` or `__proto__`
 * read through `record[f]` would find functions and prototypes that are not in the data.
 */
export function ownField(record: Record_, field: string): FieldValue | undefined {
  const v = record[field];
  if (typeof v !== 'object' && typeof v !== 'function') return v;
  return v !== null && !Object.hasOwn(record, field) ? undefined : v;
}

/** A non-negative integer below SMALL_INT_LIMIT (−0 counts as 0, as map keys compare it). */
function isSmallInt(value: FieldValue | undefined): value is number {
  return typeof value === 'number' && value >>> 0 === value && value < SMALL_INT_LIMIT;
}

function mapKey(value: FieldValue | undefined): unknown {
  if (value === undefined || value === null) return null;
  if (typeof value === 'object') return `\u0000json:${JSON.stringify(value)}`;
  return value;
}

/**
 * True when a key has every field of `match` with the same value, compared as grouping compares
 * them (42 is not "42"; arrays and objects by their JSON). An empty match matches every key. The
 * one rule of key filters: live windows, event streams and the results history use it.
 */
export function keyMatches(key: Record_, match: Record_): boolean {
  for (const f of Object.keys(match)) {
    if (!Object.hasOwn(key, f) || mapKey(ownField(key, f)) !== mapKey(ownField(match, f))) return false;
  }
  return true;
}

/** Nested maps, one level per group-by field, with the id at the leaf. */
export class KeyTable {
  readonly fields: readonly string[];
  /** The one group-by field of a one-field table, else null. */
  private readonly single: string | null;
  /** `{"field":` of a one-field table: its keys' JSON text starts so. */
  private readonly singlePrefix: string;
  private readonly root: Level = new Map();
  private readonly entries = new Map<number, KeyEntry>();
  /** Single-field tables: entries of small non-negative integer values, by value. */
  private readonly smallInts: (KeyEntry | undefined)[] = [];
  /** Single-field tables: how many small non-negative integer values are in the map (the array was too short for them). */
  private smallIntsInMap = 0;
  private nextId = 0;

  constructor(fields: readonly string[]) {
    this.fields = fields;
    this.single = fields.length === 1 ? (fields[0] as string) : null;
    this.singlePrefix = this.single === null ? '' : `{${JSON.stringify(this.single)}:`;
  }

  /** The record's group, created on first sight. */
  intern(record: Record_): KeyEntry {
    const single = this.single;
    if (single !== null) {
      // The common case, one group-by field: an array index for small integer ids, else one map lookup.
      const v = ownField(record, single);
      if (typeof v === 'number') {
        if (v >>> 0 === v && v < this.smallInts.length) {
          const entry = this.smallInts[v];
          if (entry !== undefined) return entry;
        }
        const entry = this.root.get(v) as KeyEntry | undefined;
        if (entry !== undefined) return entry;
      } else {
        const entry = this.root.get(v === undefined ? null : typeof v === 'object' ? mapKey(v) : v) as KeyEntry | undefined;
        if (entry !== undefined) return entry;
      }
    }
    const level = this.leafLevel(record);
    const fields = this.fields;
    const k = fields.length === 0 ? null : mapKey(ownField(record, fields[fields.length - 1] as string));
    const found = level.get(k) as KeyEntry | undefined;
    if (found !== undefined) return found;
    const key: Record<string, FieldValue> = {};
    // defineProperty: a field named __proto__ must become a field, not the key's prototype.
    for (const f of fields) {
      const value = ownField(record, f) ?? null;
      if (f === '__proto__') Object.defineProperty(key, f, { value, enumerable: true, writable: true, configurable: true });
      else key[f] = value;
    }
    const entry = this.link(this.nextId++, key);
    return entry;
  }

  /** Adds an entry under its key values. */
  private link(id: number, key: Record<string, FieldValue>): KeyEntry {
    const entry: KeyEntry = { id, group: { id, key, keyJson: this.keyJsonOf(key) }, lastSlice: null, lastPartial: null, replayFloorMs: Number.NEGATIVE_INFINITY };
    this.entries.set(id, entry);
    const fields = this.fields;
    const last = fields.length === 0 ? null : ownField(key, fields[fields.length - 1] as string);
    // Small integer ids of a one-field table live in an array: a million users are a million map entries fewer.
    if (this.single !== null && isSmallInt(last)) {
      if (this.fitsSmallInts(last)) this.smallInts[last] = entry;
      else {
        this.root.set(last, entry);
        this.smallIntsInMap++;
      }
    } else this.leafLevel(key).set(mapKey(last), entry);
    return entry;
  }

  /**
   * True when `value` gets a slot in the array of small integer ids, grown for it if needed. The
   * array grows by powers of two (a sparse array would fall back to a slow dictionary) while it
   * stays within a few slots per key: ids spread thinly over a large range go to the map instead,
   * so memory follows the number of keys. Ids that went to the map while the array was shorter
   * move into it when it grows past them.
   */
  private fitsSmallInts(value: number): boolean {
    const slots = this.smallInts;
    if (value < slots.length) return true;
    let length = Math.max(SMALL_INT_FIRST_SLOTS, 2 * slots.length);
    while (length <= value) length *= 2;
    if (length > Math.max(SMALL_INT_DENSE_SLOTS, SLOTS_PER_KEY * (this.entries.size + 1))) return false;
    while (slots.length < length) slots.push(undefined);
    if (this.smallIntsInMap > 0) {
      for (const [k, entry] of this.root) {
        if (typeof k === 'number' && isSmallInt(k) && k < length) {
          slots[k] = entry as KeyEntry;
          this.root.delete(k);
          this.smallIntsInMap--;
        }
      }
    }
    return true;
  }

  /** JSON.stringify(key), without walking the object for one field. */
  private keyJsonOf(key: Record<string, FieldValue>): string {
    const single = this.single;
    if (single === null) return JSON.stringify(key);
    const v = Object.hasOwn(key, single) ? key[single] : undefined;
    if (v === undefined) return JSON.stringify(key);
    return `${this.singlePrefix}${typeof v === 'number' && Number.isFinite(v) ? String(v) : JSON.stringify(v)}}`;
  }

  private leafLevel(record: Record_): Level {
    let level = this.root;
    const fields = this.fields;
    for (let i = 0; i < fields.length - 1; i++) {
      const k = mapKey(ownField(record, fields[i] as string));
      let next = level.get(k) as Level | undefined;
      if (next === undefined) {
        next = new Map();
        level.set(k, next);
      }
      level = next;
    }
    return level;
  }

  /** The entry of exactly these key values, without creating it. */
  lookup(record: Record_): KeyEntry | undefined {
    let level = this.root;
    const fields = this.fields;
    if (fields.length === 1) {
      const v = ownField(record, fields[0] as string);
      const entry = isSmallInt(v) ? this.smallInts[v] : undefined;
      if (entry !== undefined) return entry;
    }
    for (let i = 0; i < fields.length - 1; i++) {
      const next = level.get(mapKey(ownField(record, fields[i] as string))) as Level | undefined;
      if (next === undefined) return undefined;
      level = next;
    }
    return level.get(fields.length === 0 ? null : mapKey(ownField(record, fields[fields.length - 1] as string))) as KeyEntry | undefined;
  }

  /** True when `match` names every group-by field, so that it picks one group at most. */
  isExact(match: Record_): boolean {
    return this.fields.every((f) => Object.hasOwn(match, f)) && Object.keys(match).length === this.fields.length;
  }

  /** The group with this id (for results). */
  get(id: number): GroupKey {
    const entry = this.entries.get(id);
    if (entry === undefined) throw new Error(`unknown key id ${id}`);
    return entry.group;
  }

  find(id: number): KeyEntry | undefined {
    return this.entries.get(id);
  }

  get size(): number {
    return this.entries.size;
  }

  /** The id the next new key gets (ids are never reused, so snapshots keep it). */
  get nextKeyId(): number {
    return this.nextId;
  }

  /** Every entry, in creation order. */
  all(): IterableIterator<KeyEntry> {
    return this.entries.values();
  }

  /** Forgets every key not in `live`, so that keys with no state left do not pile up. Returns how many. */
  retainOnly(live: ReadonlySet<number>): number {
    let removed = 0;
    for (const [id, entry] of this.entries) {
      if (live.has(id)) continue;
      this.entries.delete(id);
      this.unlink(entry.group.key);
      removed++;
    }
    return removed;
  }

  private unlink(key: Record_): void {
    const fields = this.fields;
    const path: Level[] = [this.root];
    for (let i = 0; i < fields.length - 1; i++) {
      const next = (path[i] as Level).get(mapKey(ownField(key, fields[i] as string))) as Level | undefined;
      if (next === undefined) return;
      path.push(next);
    }
    const leaf = path[path.length - 1] as Level;
    const last = fields.length === 0 ? null : ownField(key, fields[fields.length - 1] as string);
    if (fields.length === 1 && isSmallInt(last) && this.smallInts[last] !== undefined) this.smallInts[last] = undefined;
    else if (leaf.delete(mapKey(last)) && fields.length === 1 && isSmallInt(last)) this.smallIntsInMap--;
    for (let i = path.length - 1; i > 0 && (path[i] as Level).size === 0; i--) {
      (path[i - 1] as Level).delete(mapKey(ownField(key, fields[i - 1] as string)));
    }
  }

  /** Adds a key with its id (restoring a snapshot). */
  restore(id: number, key: Record<string, FieldValue>): KeyEntry {
    return this.link(id, key);
  }

  /** Sets the id of the next new key (restoring a snapshot: ids are never reused). */
  restoreNextId(nextId: number): void {
    this.nextId = nextId;
  }

}
