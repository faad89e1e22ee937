// LmdbResultsHistory: the results history in an LMDB environment under the state directory (see docs/history.md).

import { open, type Database, type RootDatabase } from 'lmdb';
import type { WindowResult } from '../../core/emit/outputs.js';
import type { FieldValue } from '../../core/event/click-event.js';
import { EngineError } from '../../core/errors.js';
import { keyMatches, type GroupKey } from '../../core/operator/key-table.js';
import type { WindowSpec } from '../../core/windows/window-spec.js';
import { systemClock, type Clock } from '../../ports/clock.js';
import {
  MAX_HISTORY_PAGE,
  type HistoryPage,
  type HistoryQuery,
  type HistoryStats,
  type PruneReport,
  type ResultsHistory,
  type StoredResult,
  type TopQuery,
} from '../../ports/results-history.js';
import { decodeCursor, encodeCursor, type QueryPath } from './cursor.js';
import { decodeElement, elementEnd, encodeTuple, keyElement, TupleWriter } from './tuple-key.js';

export interface LmdbHistoryOptions {
  /** The directory of the LMDB environment (created when missing). */
  readonly path: string;
  /** Results whose end is more than this before the reference time are removed by prune(). */
  readonly retainMs: number;
  /** At most this many window instances; prune() removes the ones that end first beyond it. Null: no count limit. */
  readonly maxResults?: number | null;
  /** Processing time for storedAtMs. Default: the system clock. */
  readonly clock?: Clock;
  /** Rows a query page may look at before it returns (fewer than `limit` results, with a cursor). Default 50,000. */
  readonly maxScanPerPage?: number;
}

/** The value of a row (msgpack, with shared record structures, so field names are not repeated per row). */
interface Row {
  /** sequence */
  readonly q: number;
  /** storedAtMs */
  readonly t: number;
  readonly k: WindowSpec['kind'];
  /** end */
  readonly e: number;
  /** revision */
  readonly r: number;
  /** isFinal */
  readonly f: boolean;
  readonly key: Readonly<Record<string, FieldValue>>;
  readonly v: Readonly<Record<string, number | null>>;
}

/** A result on its way in: its encoded keys and the row to store. */
interface Incoming {
  /** rows key: window, start, windowIndex, key segment (also the value of its sequences entry, so never reused) */
  readonly id: Buffer;
  readonly window: string;
  readonly start: number;
  readonly windowIndex: number | null;
  readonly segment: KeySegment;
  readonly row: Omit<Row, 'q' | 't'>;
}

/** The encoded (signature, key values…) part of the keys of one group, and what it was built from. */
interface KeySegment {
  readonly bytes: Buffer;
  readonly signature: string;
  readonly fields: readonly string[];
  /** Windows whose known field lists already have this segment's (cached GroupKey segments only). */
  readonly notedIn: Set<string>;
}

const EMPTY = Buffer.alloc(0);
/** Key of msgpackr's shared structures in the rows database (above every row key: rows start with 0x05). */
const STRUCTURES_KEY = Buffer.from([0xff, 0x00]);
const SEQUENCE_META = 'sequence';
const FIELDS_META = 'fields';
/** A key segment longer than this is replaced by one digest of all the key values (LMDB keys are at most 1978 bytes). */
const MAX_SEGMENT_BYTES = 1_500;
const PRUNE_CHUNK = 20_000;
/**
 * Results per transaction. Each new result can dirty a page of the keys index, and LMDB holds at
 * most 128k dirty pages in one transaction (MDB_TXN_FULL beyond).
 */
const MAX_RESULTS_PER_TRANSACTION = 50_000;

interface AppendTask {
  readonly kind: 'append';
  readonly results: readonly WindowResult[];
  readonly resolve: (value: undefined) => void;
  readonly reject: (error: unknown) => void;
}

interface WorkTask {
  readonly kind: 'work';
  readonly run: () => Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

type Task = AppendTask | WorkTask;

function rankOf(isFinal: boolean, revision: number): number {
  // Final ranks above every revision that is not final; revisions are small whole numbers.
  return (isFinal ? 2 ** 40 : 0) + revision;
}

function sameValues(a: Readonly<Record<string, number | null>>, b: Readonly<Record<string, number | null>>): boolean {
  const names = Object.keys(a);
  if (names.length !== Object.keys(b).length) return false;
  for (const name of names) if (a[name] !== b[name] || !Object.hasOwn(b, name)) return false;
  return true;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A full disk, an I/O error or a full map may pass; LMDB reports errno values as numbers (ENOSPC 28, EIO 5, EAGAIN 11). */
function isRetriable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOSPC' || code === 'EAGAIN' || code === 'EIO' || code === 28 || code === 5 || code === 11 || code === -30792; /* MDB_MAP_FULL */
}

/** Results history in LMDB. Create with `LmdbResultsHistory.open`. */
export class LmdbResultsHistory implements ResultsHistory {
  readonly description: string;
  private readonly env: RootDatabase;
  /** window, start, windowIndex, key segment → Row. Time-range queries and top scan it. */
  private readonly rows: Database<Row, Buffer>;
  /** sequence → rows key. SSE resume and retention follow it. */
  private readonly sequences: Database<Buffer, Buffer>;
  /** window, key segment, start, windowIndex → nothing. Queries for one key walk it. */
  private readonly keys: Database<Buffer, Buffer>;
  /** end, sequence → nothing. Retention removes from its low end. */
  private readonly ends: Database<Buffer, Buffer>;
  private readonly meta: Database<unknown, string>;
  private readonly clock: Clock;
  private readonly retainMs: number;
  private readonly maxResults: number | null;
  private readonly maxScanPerPage: number;
  private lastSequence: number;
  /** Per window: the key field lists its rows have, by signature (JSON of the list). */
  private readonly knownFields = new Map<string, Map<string, readonly string[]>>();
  private readonly segments = new WeakMap<GroupKey, KeySegment>();
  private readonly windowPrefixes = new Map<string, Buffer>();
  /**
   * Per window, a start at or after that of every row it has (rows are never given a larger start
   * behind this map's back): a result starting later is new, and needs no look-up.
   */
  private readonly newestStarts = new Map<string, number>();
  private readonly writer = new TupleWriter();
  /** Appends and prunes waiting to run, in order; appends next to each other share a transaction. */
  private readonly queue: Task[] = [];
  private isDraining = false;
  /** Settles when the queue is empty. */
  private idle: Promise<void> = Promise.resolve();
  private markIdle: () => void = () => undefined;
  private isClosed = false;

  private constructor(options: LmdbHistoryOptions) {
    this.description = `results history ${options.path}`;
    this.clock = options.clock ?? systemClock;
    this.retainMs = options.retainMs;
    this.maxResults = options.maxResults ?? null;
    this.maxScanPerPage = options.maxScanPerPage ?? 50_000;
    try {
      this.env = open({ path: options.path, maxDbs: 8 });
      this.rows = this.env.openDB<Row, Buffer>({ name: 'rows', keyEncoding: 'binary', encoding: 'msgpack', sharedStructuresKey: STRUCTURES_KEY });
      this.sequences = this.env.openDB<Buffer, Buffer>({ name: 'sequences', keyEncoding: 'binary', encoding: 'binary' });
      this.keys = this.env.openDB<Buffer, Buffer>({ name: 'keys', keyEncoding: 'binary', encoding: 'binary' });
      this.ends = this.env.openDB<Buffer, Buffer>({ name: 'ends', keyEncoding: 'binary', encoding: 'binary' });
      this.meta = this.env.openDB<unknown, string>({ name: 'meta', encoding: 'msgpack' });
      this.lastSequence = (this.meta.get(SEQUENCE_META) as number | undefined) ?? 0;
      const fields = (this.meta.get(FIELDS_META) as Record<string, string[][]> | undefined) ?? {};
      for (const [window, lists] of Object.entries(fields)) {
        this.knownFields.set(window, new Map(lists.map((list) => [JSON.stringify(list), list])));
        // Rows are written in the transaction that records their window's field list: every window with rows is here.
        const prefix = this.windowPrefix(window);
        for (const key of this.rows.getKeys({ start: this.writer.reset().raw(prefix).upperBound().take(), end: prefix, reverse: true, limit: 1 })) {
          this.newestStarts.set(window, decodeElement(key, prefix.length) as number);
        }
      }
    } catch (error) {
      throw this.failure('open', error);
    }
  }

  /** Opens (or creates) the history in `options.path`. */
  static open(options: LmdbHistoryOptions): LmdbResultsHistory {
    return new LmdbResultsHistory(options);
  }

  private failure(operation: string, error: unknown): EngineError {
    if (error instanceof EngineError) return error;
    const message = error instanceof Error ? error.message : String(error);
    return new EngineError('SINK_FAILED', `${this.description}: ${operation} failed: ${message}`, { retriable: isRetriable(error), cause: error });
  }

  private enqueue<T>(task: (resolve: (value: T) => void, reject: (error: unknown) => void) => Task): Promise<T> {
    if (this.isClosed) return Promise.reject(new EngineError('INVARIANT_BROKEN', `${this.description} is closed`));
    const promise = new Promise<T>((resolve, reject) => {
      this.queue.push(task(resolve, reject));
    });
    if (!this.isDraining) {
      this.isDraining = true;
      this.idle = new Promise((resolve) => {
        this.markIdle = resolve;
      });
      void this.drain();
    }
    return promise;
  }

  /**
   * Runs the queue. Appends that wait together are written together (a group commit): while one
   * transaction commits, the next batches gather, so a fast job pays for fewer, larger commits.
   */
  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const head = this.queue[0] as Task;
      if (head.kind === 'work') {
        this.queue.shift();
        try {
          head.resolve(await head.run());
        } catch (error) {
          head.reject(error);
        }
        continue;
      }
      const group: AppendTask[] = [];
      let size = 0;
      while (this.queue[0]?.kind === 'append' && (group.length === 0 || size + this.queue[0].results.length <= MAX_RESULTS_PER_TRANSACTION)) {
        const task = this.queue.shift() as AppendTask;
        group.push(task);
        size += task.results.length;
      }
      try {
        await this.write(group.map((t) => t.results));
        for (const t of group) t.resolve(undefined);
      } catch (error) {
        for (const t of group) t.reject(error);
      }
    }
    this.isDraining = false;
    this.markIdle();
  }

  // ------------------------------------------------------------------------------------------
  // Keys

  private windowPrefix(window: string): Buffer {
    let prefix = this.windowPrefixes.get(window);
    if (prefix === undefined) {
      prefix = encodeTuple([window]);
      // Bounded: queries name windows the client chooses, which may be any name.
      if (this.windowPrefixes.size >= 1_024) this.windowPrefixes.clear();
      this.windowPrefixes.set(window, prefix);
    }
    return prefix;
  }

  /** The (signature, values…) elements of a key with these fields, in this order. */
  private segmentOf(fields: readonly string[], key: Readonly<Record<string, FieldValue>>): KeySegment {
    const signature = JSON.stringify(fields);
    const w = this.writer.reset().element(keyElement(signature));
    for (const f of fields) w.element(keyElement(Object.hasOwn(key, f) ? key[f] : null));
    let bytes = w.take();
    if (bytes.length > MAX_SEGMENT_BYTES) {
      bytes = this.writer.reset().element(keyElement(signature)).element(keyElement(fields.map((f) => key[f] ?? null))).take();
    }
    return { bytes, signature, fields, notedIn: new Set() };
  }

  private groupSegment(group: GroupKey): KeySegment {
    // The engine hands out one GroupKey object per key: encode it once.
    let segment = this.segments.get(group);
    if (segment === undefined) {
      segment = this.segmentOf(Object.keys(group.key), group.key);
      this.segments.set(group, segment);
    }
    return segment;
  }

  private prepare(result: WindowResult): Incoming {
    const values: Record<string, number | null> = {};
    const names = result.names;
    if (result.values.length !== names.length) {
      throw new EngineError('INVARIANT_BROKEN', `${this.description}: a result of window ${result.window} has ${result.values.length} values for ${names.length} output names`);
    }
    for (let i = 0; i < names.length; i++) {
      const v = result.values[i];
      values[names[i] as string] = typeof v === 'number' && Number.isFinite(v) ? v : null;
    }
    const segment = this.groupSegment(result.key);
    const id = this.writer.reset().raw(this.windowPrefix(result.window)).number(result.start).element(result.windowIndex).raw(segment.bytes).take();
    return {
      id,
      window: result.window,
      start: result.start,
      windowIndex: result.windowIndex,
      segment,
      row: { k: result.windowKind, e: result.end, r: result.revision, f: result.isFinal, key: result.key.key, v: values },
    };
  }

  /** LMDB copies keys when a put or remove is called (values it reads later): keys can be views of the writer. */
  private sequenceKey(sequence: number): Buffer {
    return this.writer.reset().number(sequence).view();
  }

  private endKey(end: number, sequence: number): Buffer {
    return this.writer.reset().number(end).number(sequence).view();
  }

  /** Window, start and window index of a rows key, and where its key segment begins. */
  private readId(id: Uint8Array): { window: string; start: number; windowIndex: number | null; segmentAt: number } {
    const windowEnd = elementEnd(id, 0);
    const startEnd = elementEnd(id, windowEnd);
    const indexEnd = elementEnd(id, startEnd);
    return {
      window: decodeElement(id, 0) as string,
      start: decodeElement(id, windowEnd) as number,
      windowIndex: decodeElement(id, startEnd) as number | null,
      segmentAt: indexEnd,
    };
  }

  /** The keys-index key of a rows key: the same elements, start and window index moved after the key. */
  private byKeyOf(id: Uint8Array): Buffer {
    const windowEnd = elementEnd(id, 0);
    const indexEnd = elementEnd(id, elementEnd(id, windowEnd));
    return this.writer.reset().raw(id.subarray(0, windowEnd)).raw(id.subarray(indexEnd)).raw(id.subarray(windowEnd, indexEnd)).take();
  }

  private toStored(id: Uint8Array, row: Row): StoredResult {
    const { window, start, windowIndex } = this.readId(id);
    return {
      sequence: row.q,
      storedAtMs: row.t,
      window,
      windowKind: row.k,
      start,
      end: row.e,
      key: row.key,
      values: row.v,
      revision: row.r,
      isFinal: row.f,
      windowIndex,
    };
  }

  // ------------------------------------------------------------------------------------------
  // Writing

  append(results: readonly WindowResult[]): Promise<void> {
    if (results.length === 0) return Promise.resolve();
    // A very large batch is written in parts: one LMDB transaction can hold only so many changed pages.
    const parts: Promise<void>[] = [];
    for (let at = 0; at < results.length; at += MAX_RESULTS_PER_TRANSACTION) {
      const part = at === 0 && results.length <= MAX_RESULTS_PER_TRANSACTION ? results : results.slice(at, at + MAX_RESULTS_PER_TRANSACTION);
      parts.push(this.enqueue<void>((resolve, reject) => ({ kind: 'append', results: part, resolve, reject })));
    }
    return parts.length === 1 ? (parts[0] as Promise<void>) : Promise.all(parts).then(() => undefined);
  }

  private async write(batches: readonly (readonly WindowResult[])[]): Promise<void> {
    // The same window instance can come twice (two revisions): keep the higher one.
    const incoming = new Map<string, Incoming>();
    for (const batch of batches) for (const result of batch) {
      const next = this.prepare(result);
      const id = next.id.toString('latin1');
      const previous = incoming.get(id);
      if (previous !== undefined) {
        if (rankOf(next.row.f, next.row.r) < rankOf(previous.row.f, previous.row.r)) continue;
        incoming.delete(id);
      }
      incoming.set(id, next);
    }
    const storedAtMs = this.clock.now();
    let sequence = this.lastSequence;
    let fieldsChanged = false;
    const raised = new Map<string, number>();
    let written: Promise<boolean>;
    try {
      // Reads see what the previous append committed (appends run one after the other); the
      // writes of this batch are one transaction, applied by LMDB's write thread.
      written = this.env.batch(() => {
        for (const next of incoming.values()) {
          // A start after every stored one of its window is a new window instance: nothing to look up.
          const old = next.start > (this.newestStarts.get(next.window) ?? Number.NEGATIVE_INFINITY) ? undefined : this.rows.get(next.id);
          if (old !== undefined) {
            const rankDifference = rankOf(next.row.f, next.row.r) - rankOf(old.f, old.r);
            if (rankDifference < 0) continue;
            if (rankDifference === 0 && old.e === next.row.e && old.k === next.row.k && sameValues(old.v, next.row.v)) continue;
            void this.sequences.remove(this.sequenceKey(old.q));
            void this.ends.remove(this.endKey(old.e, old.q));
          } else {
            const byKey = this.writer.reset().raw(this.windowPrefix(next.window)).raw(next.segment.bytes).number(next.start).element(next.windowIndex).view();
            void this.keys.put(byKey, EMPTY);
          }
          sequence++;
          void this.rows.put(next.id, { q: sequence, t: storedAtMs, ...next.row });
          void this.sequences.put(this.sequenceKey(sequence), next.id);
          void this.ends.put(this.endKey(next.row.e, sequence), EMPTY);
          if (!(next.start <= (raised.get(next.window) ?? Number.NEGATIVE_INFINITY))) raised.set(next.window, next.start);
          if (!next.segment.notedIn.has(next.window)) {
            next.segment.notedIn.add(next.window);
            fieldsChanged = this.noteFields(next.window, next.segment.signature, next.segment.fields) || fieldsChanged;
          }
        }
        // Raised only now: the instances of this batch are all different, so each compares with the rows before it.
        for (const [window, start] of raised) if (!(start <= (this.newestStarts.get(window) ?? Number.NEGATIVE_INFINITY))) this.newestStarts.set(window, start);
        if (sequence !== this.lastSequence) void this.meta.put(SEQUENCE_META, sequence);
        if (fieldsChanged) void this.meta.put(FIELDS_META, this.fieldsRecord());
      });
    } catch (error) {
      throw this.failure('append', error);
    }
    // Numbers handed out are never handed out again, even if the commit fails.
    this.lastSequence = sequence;
    try {
      await written;
    } catch (error) {
      throw this.failure('append', error);
    }
  }

  private noteFields(window: string, signature: string, fields: readonly string[]): boolean {
    let lists = this.knownFields.get(window);
    if (lists === undefined) {
      lists = new Map();
      this.knownFields.set(window, lists);
    }
    if (lists.has(signature)) return false;
    lists.set(signature, fields);
    return true;
  }

  private fieldsRecord(): Record<string, (readonly string[])[]> {
    const record: Record<string, (readonly string[])[]> = {};
    for (const [window, lists] of this.knownFields) record[window] = [...lists.values()];
    return record;
  }

  async flush(): Promise<void> {
    // What was queued before this call (appends, at most one prune chunk), not a prune queued after it.
    if (this.isClosed) await this.idle;
    else await this.work(() => undefined);
    try {
      await this.env.flushed;
    } catch (error) {
      throw this.failure('flush', error);
    }
  }

  // ------------------------------------------------------------------------------------------
  // Queries

  checkQuery(query: HistoryQuery): string | null {
    if (typeof query.window !== 'string' || query.window === '') return 'window must be a window name';
    if (query.order !== 'newest' && query.order !== 'oldest') return `order must be newest or oldest, not ${JSON.stringify(query.order)}`;
    if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > MAX_HISTORY_PAGE) return `limit must be a whole number from 1 to ${MAX_HISTORY_PAGE}`;
    for (const bound of ['from', 'to'] as const) {
      const v = query[bound];
      if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v))) return `${bound} must be a time in epoch milliseconds`;
    }
    if (query.key !== undefined && !isPlainObject(query.key)) return 'key must map field names to values';
    if (query.cursor !== undefined) {
      const cursor = decodeCursor(query, query.cursor);
      if (typeof cursor === 'string') return cursor;
      const plan = this.plan(query, cursor.path);
      if (plan === null || !cursor.after.subarray(0, plan.prefix.length).equals(plan.prefix)) return 'cursor belongs to another query';
    }
    return null;
  }

  /**
   * How to walk the store for a query: one key's rows (keys index) when the filter names every
   * field of exactly that key, and no other key of the window has all the fields named;
   * otherwise the window's rows by start, filtered.
   */
  private plan(query: HistoryQuery, path?: QueryPath): { path: QueryPath; prefix: Buffer } | null {
    const windowPrefix = this.windowPrefix(query.window);
    const filter = query.key;
    const named = filter === undefined ? [] : Object.keys(filter);
    if (path !== 'by-time' && filter !== undefined && named.length > 0) {
      const lists = [...(this.knownFields.get(query.window)?.values() ?? [])];
      const covering = lists.filter((list) => named.every((f) => list.includes(f)));
      const isExact = (list: readonly string[] | undefined): boolean => list !== undefined && list.length === named.length;
      // A walk that began on the keys index goes on there, even if keys with more fields came meanwhile.
      const exact = path === 'by-key' ? covering.find(isExact) : covering.length === 1 && isExact(covering[0]) ? covering[0] : undefined;
      if (exact !== undefined) {
        const segment = this.segmentOf(exact, filter);
        return { path: 'by-key', prefix: this.writer.reset().raw(windowPrefix).raw(segment.bytes).take() };
      }
      if (path === 'by-key') return null;
    }
    return { path: 'by-time', prefix: windowPrefix };
  }

  query(query: HistoryQuery): HistoryPage {
    const problem = this.checkQuery(query);
    if (problem !== null) throw new EngineError('INVARIANT_BROKEN', `history query not checked before it ran: ${problem}`);
    const cursor = query.cursor === undefined ? null : decodeCursor(query, query.cursor);
    const after = cursor === null || typeof cursor === 'string' ? null : cursor;
    const plan = this.plan(query, after?.path) as { path: QueryPath; prefix: Buffer };
    const lower = query.from === undefined ? plan.prefix : this.writer.reset().raw(plan.prefix).number(query.from).take();
    const upper = query.to === undefined ? this.writer.reset().raw(plan.prefix).upperBound().take() : this.writer.reset().raw(plan.prefix).number(query.to).take();
    if (Buffer.compare(lower, upper) >= 0) return { results: [], nextCursor: null };
    const isNewest = query.order === 'newest';
    // No stored key equals a bound exactly (bounds stop before the window index), so inclusive or not does not matter.
    const range = {
      start: after?.after ?? (isNewest ? upper : lower),
      end: isNewest ? lower : upper,
      reverse: isNewest,
      exclusiveStart: after !== null,
    };
    const results: StoredResult[] = [];
    let last: Buffer | null = null;
    let hasMore = false;
    let scanned = 0;
    const take = (position: Buffer, id: Uint8Array, row: Row | undefined): boolean => {
      if (row !== undefined && keyMatches(row.key, query.key ?? {})) {
        if (results.length === query.limit) {
          hasMore = true;
          return false;
        }
        results.push(this.toStored(id, row));
      }
      last = position;
      if (++scanned >= this.maxScanPerPage) {
        hasMore = true;
        return false;
      }
      return true;
    };
    try {
      if (plan.path === 'by-key') {
        const windowPrefix = this.windowPrefix(query.window);
        const segment = plan.prefix.subarray(windowPrefix.length);
        for (const position of this.keys.getKeys(range)) {
          // keys key = window, segment, start, index → rows key = window, start, index, segment.
          const id = this.writer.reset().raw(windowPrefix).raw(position.subarray(plan.prefix.length)).raw(segment).take();
          if (!take(Buffer.from(position), id, this.rows.get(id))) break;
        }
      } else {
        for (const { key, value } of this.rows.getRange(range)) {
          if (!take(Buffer.from(key), key, value)) break;
        }
      }
    } catch (error) {
      throw this.failure('query', error);
    }
    return { results, nextCursor: hasMore && last !== null ? encodeCursor(query, plan.path, last) : null };
  }

  top(query: TopQuery): readonly StoredResult[] {
    if (!Number.isInteger(query.n) || query.n < 1 || query.n > MAX_HISTORY_PAGE) {
      throw new EngineError('INVARIANT_BROKEN', `top needs n from 1 to ${MAX_HISTORY_PAGE}, got ${query.n}`);
    }
    const prefix = this.writer.reset().raw(this.windowPrefix(query.window)).number(query.start).take();
    const end = this.writer.reset().raw(prefix).upperBound().take();
    // Sorted by value, largest first; rows come in key order, so an equal value goes after the ones already in.
    // One row per key: count windows of one key can share a start (instances told apart by their
    // index), and a key is listed once, with its largest value.
    const best: { value: number; id: Uint8Array; row: Row; segment: string }[] = [];
    try {
      for (const { key, value: row } of this.rows.getRange({ start: prefix, end })) {
        const value = row.v[query.by];
        if (typeof value !== 'number') continue;
        if (best.length === query.n && value <= (best[best.length - 1] as { value: number }).value) continue;
        const id = Buffer.from(key);
        const segment = id.toString('latin1', this.readId(id).segmentAt);
        const same = best.findIndex((b) => b.segment === segment);
        if (same !== -1) {
          if ((best[same] as { value: number }).value >= value) continue;
          best.splice(same, 1);
        }
        let lo = 0;
        let hi = best.length;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if ((best[mid] as { value: number }).value >= value) lo = mid + 1;
          else hi = mid;
        }
        best.splice(lo, 0, { value, id, row, segment });
        if (best.length > query.n) best.pop();
      }
    } catch (error) {
      throw this.failure('top', error);
    }
    return best.map((b) => this.toStored(b.id, b.row));
  }

  since(sequence: number, limit: number): readonly StoredResult[] {
    const out: StoredResult[] = [];
    if (!(limit >= 1)) return out;
    try {
      for (const { key, value } of this.sequences.getRange({ start: this.sequenceKey(sequence), exclusiveStart: true })) {
        const id = Buffer.from(value);
        const row = this.rows.get(id);
        // A row is written in the same transaction as its sequence entry; a missing one would be a torn store.
        if (row === undefined || row.q !== decodeElement(key, 0)) continue;
        out.push(this.toStored(id, row));
        if (out.length >= limit) break;
      }
    } catch (error) {
      throw this.failure('since', error);
    }
    return out;
  }

  // ------------------------------------------------------------------------------------------
  // Retention

  /**
   * Removes results past retention one chunk (PRUNE_CHUNK rows, one transaction) per turn of the
   * queue: appends queued meanwhile run between chunks, and a flush waits for one chunk at most,
   * however much there is to remove. Stops early, quietly, when the history is closed.
   */
  async prune(nowMs: number): Promise<PruneReport> {
    const cutoffMs = await this.work(() => this.cutoffFor(nowMs));
    let removed = 0;
    for (;;) {
      if (this.isClosed) break;
      const chunk = await this.work(() => this.pruneChunk(cutoffMs));
      if (chunk === null) break;
      removed += chunk;
    }
    return { removed, cutoffMs };
  }

  private work<T>(run: () => Promise<T> | T): Promise<T> {
    return this.enqueue<T>((resolve, reject) => ({ kind: 'work', run: async () => run(), resolve: resolve as (v: unknown) => void, reject }));
  }

  /** Results ending at or before this are past retention (null: none, the history is empty). */
  private cutoffFor(nowMs: number): number | null {
    const newest = this.newestFiniteEnd();
    // Event time, not the wall clock, when results are older than now (a replay of last month's
    // clicks): the reference is the newest result's end, so a backfill keeps its last `retain`.
    return newest === null ? null : Math.min(nowMs, newest) - this.retainMs;
  }

  /** Removes one chunk past the cutoff or beyond maxResults; null when there is nothing left to remove. */
  private async pruneChunk(cutoffMs: number | null): Promise<number | null> {
    if (cutoffMs !== null) {
      const chunk = [...this.ends.getKeys({ end: encodeTuple([cutoffMs]), limit: PRUNE_CHUNK })].map((k) => Buffer.from(k));
      if (chunk.length > 0) return this.removeByEnd(chunk);
    }
    const excess = this.maxResults === null ? 0 : this.count() - this.maxResults;
    if (excess <= 0) return null;
    const chunk = [...this.ends.getKeys({ limit: Math.min(excess, PRUNE_CHUNK) })].map((k) => Buffer.from(k));
    return chunk.length === 0 ? null : this.removeByEnd(chunk);
  }

  private newestFiniteEnd(): number | null {
    for (const key of this.ends.getKeys({ reverse: true })) {
      const end = decodeElement(key, 0) as number;
      if (Number.isFinite(end)) return end;
    }
    return null;
  }

  /** Removes the rows of these ends-index keys, with all their index entries, in one transaction. */
  private async removeByEnd(endKeys: readonly Buffer[]): Promise<number> {
    let removed = 0;
    try {
      await this.env.batch(() => {
        for (const endKey of endKeys) {
          const sequenceKey = endKey.subarray(elementEnd(endKey, 0));
          const stored = this.sequences.get(sequenceKey);
          void this.ends.remove(endKey);
          if (stored === undefined) continue;
          const id = Buffer.from(stored);
          void this.sequences.remove(sequenceKey);
          const row = this.rows.get(id);
          if (row === undefined || row.q !== decodeElement(sequenceKey, 0)) continue;
          void this.rows.remove(id);
          void this.keys.remove(this.byKeyOf(id));
          removed++;
        }
      });
    } catch (error) {
      throw this.failure('prune', error);
    }
    return removed;
  }

  // ------------------------------------------------------------------------------------------

  private count(): number {
    const entries = (this.rows.getStats() as { entryCount: number }).entryCount;
    return this.rows.doesExist(STRUCTURES_KEY) ? entries - 1 : entries;
  }

  stats(): HistoryStats {
    let bytes = 0;
    for (const db of [this.rows, this.sequences, this.keys, this.ends, this.meta]) {
      const s = db.getStats() as { pageSize: number; treeBranchPageCount: number; treeLeafPageCount: number; overflowPages: number };
      bytes += (s.treeBranchPageCount + s.treeLeafPageCount + s.overflowPages) * s.pageSize;
    }
    const first = [...this.ends.getKeys({ limit: 1 })][0];
    const last = [...this.ends.getKeys({ limit: 1, reverse: true })][0];
    return {
      count: this.count(),
      bytes,
      oldestEndMs: first === undefined ? null : (decodeElement(first, 0) as number),
      newestEndMs: last === undefined ? null : (decodeElement(last, 0) as number),
      lastSequence: this.lastSequence,
    };
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    await this.idle;
    try {
      await this.env.close();
    } catch (error) {
      throw this.failure('close', error);
    }
  }
}

