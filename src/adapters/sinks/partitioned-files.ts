// PartitionedFilesSink: window results as rolled part files under Hive-style partitions in a store, published with checkpoints.

import { randomBytes } from 'node:crypto';
import { ResultFormatter } from '../../core/emit/format-result.js';
import type { WindowResult } from '../../core/emit/outputs.js';
import { EngineError } from '../../core/errors.js';
import type { CheckpointStore } from '../../ports/checkpoint-store.js';
import type { CommittableSink, SinkCommit } from '../../ports/sink.js';
import { ndjsonEncoding, type PartEncoder, type PartEncoding } from './part-encoders.js';
import { checkpointIdOfPart, isStagedKey, partitionOf, partKeyOf, STAGED_PREFIX, stagedKeyOf, type PartFormat } from './partition-layout.js';

/** One part file a checkpoint publishes: where its bytes are staged and the name they get. */
interface PartRecord {
  readonly staged: string;
  readonly key: string;
  readonly bytes: number;
  readonly rows: number;
}

/** What a checkpoint records (JSON): every part it publishes, in the order they were written. */
interface PartitionedCommit {
  readonly kind: 'partitioned-files';
  /** The store's description: a record belongs to one output location. */
  readonly store: string;
  readonly checkpointId: number;
  readonly parts: readonly PartRecord[];
}

/** A part rolled since the last prepare: staged, its final name given at prepareCommit. */
interface StagedPart {
  /** Order of writing within the run. */
  readonly seq: number;
  readonly staged: string;
  readonly partition: string;
  readonly bytes: number;
  readonly rows: number;
}

export interface PartitionedFilesOptions {
  readonly encoding: PartEncoding;
  /** A part is rolled (closed and staged) once it holds this many bytes (as PartEncoder.bytes counts them). */
  readonly rollSizeBytes: number;
}

/** Store operations run at once while staging, publishing and cleaning up. */
const CONCURRENCY = 8;
const HOUR_MS = 3_600_000;

/**
 * Results go to one open part per partition (`window=<name>/dt=<day>/hour=<hh>` of the window's
 * start, UTC). A part that reaches the roll size is encoded and put under `_pending/` right away
 * (staged); prepareCommit(id) stages the open parts too, names every part staged since the last
 * prepare `part-<id>-<n>` and records the list with the checkpoint. commit() copies each staged
 * part to its name (an atomic put) and then deletes the staged copy: repeating it, or finishing it
 * after a crash, ends in the same files. recover() publishes what the restored checkpoint recorded
 * and deletes every staged part and every part of a later checkpoint: readers of the partitions see
 * only whole files of stored checkpoints, each result once.
 *
 * The sink owns the store: close() closes it. Results not yet staged are held in memory (at most
 * about the roll size per open partition); they need no durability, as a restart computes them again.
 */
export class PartitionedFilesSink implements CommittableSink<WindowResult> {
  readonly description: string;
  private readonly format: PartFormat;
  /** Null until recover(); new for every recover, so staged names never repeat. */
  private runId: string | null = null;
  private seq = 0;
  private readonly open = new Map<string, PartEncoder>();
  private staged: StagedPart[] = [];
  /** Parts prepared and not yet known to be published, in order (a failed checkpoint's are carried to the next). */
  private unpublished: PartRecord[] = [];
  private readonly partitions = new Map<string, string>();

  constructor(
    private readonly store: CheckpointStore,
    private readonly options: PartitionedFilesOptions,
  ) {
    this.format = options.encoding.format;
    this.description = `partitioned ${this.format} files in ${store.description} (committed with checkpoints)`;
    if (!(options.rollSizeBytes > 0)) throw new EngineError('INVARIANT_BROKEN', `${this.description}: rollSizeBytes must be > 0`);
  }

  async recover(commit: SinkCommit | null, nextCheckpointId: number): Promise<void> {
    this.open.clear();
    this.staged = [];
    this.unpublished = [];
    const record = commit === null ? null : this.parse(commit);
    if (record !== null) await this.publish(record);
    const kept = new Set(record?.parts.map((p) => p.key));
    const listed = [...(await this.store.list(STAGED_PREFIX)), ...(await this.store.list('window='))];
    // Staged parts are of checkpoints after the restored one (its own are published above), and
    // parts named by a later checkpoint were published by a run that is now being computed again.
    const doomed = listed
      .map((o) => o.key)
      .filter((key) => isStagedKey(key) || (!kept.has(key) && (checkpointIdOfPart(key) ?? 0) >= nextCheckpointId));
    await forEachLimited(doomed, CONCURRENCY, (key) => this.store.delete(key));
    this.runId = randomBytes(6).toString('hex');
    this.seq = 0;
  }

  async write(items: readonly WindowResult[]): Promise<void> {
    if (this.runId === null) throw new EngineError('INVARIANT_BROKEN', `${this.description}: written before recover()`);
    for (const result of items) {
      const partition = this.partitionFor(result);
      let part = this.open.get(partition);
      if (part === undefined) {
        part = this.options.encoding.create();
        this.open.set(partition, part);
      }
      part.add(result);
      if (part.bytes >= this.options.rollSizeBytes) {
        this.open.delete(partition);
        await this.stage(partition, part, this.seq++);
      }
    }
  }

  async prepareCommit(checkpointId: number): Promise<SinkCommit> {
    if (this.runId === null) throw new EngineError('INVARIANT_BROKEN', `${this.description}: prepared before recover()`);
    const closing = [...this.open].map(([partition, part]) => ({ partition, part, seq: this.seq++ }));
    this.open.clear();
    await forEachLimited(closing, CONCURRENCY, (c) => this.stage(c.partition, c.part, c.seq));
    // Staged in parallel: order by sequence number so that the names follow the order of writing.
    const batch = this.staged.sort((a, b) => a.seq - b.seq);
    this.staged = [];
    const counts = new Map<string, number>();
    for (const part of batch) {
      const n = counts.get(part.partition) ?? 0;
      counts.set(part.partition, n + 1);
      this.unpublished.push({ staged: part.staged, key: partKeyOf(part.partition, checkpointId, n, this.format), bytes: part.bytes, rows: part.rows });
    }
    const commit: PartitionedCommit = { kind: 'partitioned-files', store: this.store.description, checkpointId, parts: [...this.unpublished] };
    return commit as unknown as SinkCommit;
  }

  async commit(commit: SinkCommit): Promise<void> {
    const record = this.parse(commit);
    await this.publish(record);
    // Parts of later prepares (not in this record) stay for the next commit.
    const done = new Set(record.parts.map((p) => p.key));
    this.unpublished = this.unpublished.filter((p) => !done.has(p.key));
  }

  /** Drops results not yet staged (a restart computes them again) and closes the store. */
  async close(): Promise<void> {
    this.open.clear();
    this.runId = null;
    await this.store.close?.();
  }

  private async stage(partition: string, part: PartEncoder, seq: number): Promise<void> {
    const chunks = await part.finish();
    const bytes = chunks.reduce((n, c) => n + c.length, 0);
    const staged = stagedKeyOf(this.runId as string, seq, this.format);
    await this.store.put(staged, chunks);
    this.staged.push({ seq, staged, partition, bytes, rows: part.rows });
  }

  /**
   * Copies each staged part to its name, then deletes the staged copy. A part whose staged copy is
   * gone was published before (by this record or an earlier one): its file must be there, whole.
   */
  private async publish(record: PartitionedCommit): Promise<void> {
    await forEachLimited(record.parts, CONCURRENCY, async (part) => {
      const data = await this.store.get(part.staged);
      if (data !== null) {
        if (data.length !== part.bytes) {
          throw new EngineError('CHECKPOINT_MISMATCH', `${this.description}: staged part ${part.staged} holds ${data.length} bytes, checkpoint ${record.checkpointId} recorded ${part.bytes}`);
        }
        // A crash after the copy and before the delete leaves both: the part is there, whole, and
        // writing it again would (on WebHDFS, which replaces by delete then rename) hide it a moment.
        const published = (await this.store.list(part.key)).find((o) => o.key === part.key);
        if (published?.size !== part.bytes) await this.store.put(part.key, [data]);
        await this.store.delete(part.staged);
        return;
      }
      const published = (await this.store.list(part.key)).find((o) => o.key === part.key);
      if (published?.size !== part.bytes) {
        throw new EngineError(
          'CHECKPOINT_MISMATCH',
          `${this.description}: part ${part.key} of checkpoint ${record.checkpointId} is neither staged (${part.staged}) nor published with its ${part.bytes} bytes${published === undefined ? '' : ` (found ${published.size})`}: were files deleted or replaced?`,
        );
      }
    });
  }

  private parse(commit: SinkCommit): PartitionedCommit {
    const c = commit as unknown as Partial<PartitionedCommit>;
    const isPart = (p: unknown): p is PartRecord => {
      const part = p as Partial<PartRecord> | null;
      return (
        typeof part === 'object' && part !== null && typeof part.staged === 'string' && isStagedKey(part.staged) && typeof part.key === 'string' &&
        checkpointIdOfPart(part.key) !== null && Number.isSafeInteger(part.bytes) && Number.isSafeInteger(part.rows)
      );
    };
    if (c.kind !== 'partitioned-files' || !Number.isSafeInteger(c.checkpointId) || !Array.isArray(c.parts) || !c.parts.every(isPart)) {
      throw new EngineError('CHECKPOINT_MISMATCH', `${this.description}: the checkpoint's record of its results output is not one of partitioned files (was the sink changed?)`);
    }
    if (c.store !== this.store.description) {
      throw new EngineError(
        'CHECKPOINT_MISMATCH',
        `${this.description}: the checkpoint's results were written to ${String(c.store)}; put the sink back there, or delete the checkpoints to start afresh in the new place`,
      );
    }
    return c as PartitionedCommit;
  }

  private partitionFor(result: WindowResult): string {
    const hour = Math.floor(result.start / HOUR_MS);
    const cacheKey = `${result.window}\u0000${hour}`;
    let partition = this.partitions.get(cacheKey);
    if (partition === undefined) {
      if (this.partitions.size >= 4096) this.partitions.clear();
      partition = partitionOf(result.window, result.start);
      this.partitions.set(cacheKey, partition);
    }
    return partition;
  }
}

/** What the composition root knows of the job, for building the sink. */
export interface PartitionedSinkSettings {
  readonly format: PartFormat;
  readonly rollSizeBytes: number;
  /** The job's key fields: Parquet has a column `key_<field>` for each. */
  readonly keyFields: readonly string[];
  /** AggregatePlan.outputNames. */
  readonly outputNames: readonly string[];
  /** NDJSON lines carry revision and final in update mode, as the single-file sink writes them. */
  readonly isUpdateMode: boolean;
}

/** A partitioned results sink into `store` (which it owns from now on). */
export async function buildPartitionedSink(store: CheckpointStore, settings: PartitionedSinkSettings): Promise<PartitionedFilesSink> {
  let encoding: PartEncoding;
  if (settings.format === 'parquet') {
    // Loaded on demand: most jobs never write Parquet.
    const { parquetEncoding } = await import('./parquet-part-encoder.js');
    encoding = parquetEncoding(settings.keyFields, settings.outputNames);
  } else {
    const formatter = new ResultFormatter(settings.isUpdateMode);
    encoding = ndjsonEncoding((r) => formatter.format(r));
  }
  return new PartitionedFilesSink(store, { encoding, rollSizeBytes: settings.rollSizeBytes });
}

/** Runs `run` on the items, at most `limit` at a time; after a failure starts no more, and rejects with it once the running ones settle. */
async function forEachLimited<T>(items: readonly T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | null = null;
  const worker = async (): Promise<void> => {
    while (next < items.length && failure === null) {
      const item = items[next++] as T;
      try {
        await run(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== null) throw (failure as { error: unknown }).error;
}
