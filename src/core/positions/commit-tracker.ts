// CommitTracker: per partition, which offset is safe to commit while windows are still open.

/** A run of consecutive offsets [first, next) read together, and the latest event time in it. */
interface Block {
  readonly first: number;
  next: number;
  maxEventTimeMs: number;
  /** The latest event time of the partition's records before `first`. */
  readonly maxBeforeMs: number;
}

interface PartitionProgress {
  readonly blocks: Block[];
  /** Index of the oldest block still kept (blocks before it are spent). */
  head: number;
  /** The offset after the last record read (where reading would go on). */
  next: number;
  /** The latest event time of every record read so far (and before the resume offset). */
  maxSoFarMs: number;
}

/** One partition's progress as JSON-safe data: blocks are [first, next, maxEventTime, maxBefore] (null: none). */
export interface EncodedProgress {
  readonly partition: string | number;
  readonly next: number;
  readonly maxSoFarMs: number | null;
  readonly blocks: readonly (readonly [number, number, number | null, number | null])[];
}

const finiteOrNull = (ms: number): number | null => (Number.isFinite(ms) ? ms : null);
const orMinusInfinity = (ms: number | null): number => ms ?? Number.NEGATIVE_INFINITY;

/** Where to read again from, and the latest event time before it (to rebuild the watermark there). */
export interface SafePoint {
  readonly offset: number;
  readonly maxEventTimeBeforeMs: number;
}

/** Blocks kept per partition before neighbours are merged (merging only makes the answer earlier). */
const MAX_BLOCKS = 4096;

/**
 * Without a checkpoint of the window state, a restart rebuilds the open windows by reading their
 * input again. The committed offset must therefore be at or before the first record that may still
 * be in open state. Any record that is in open state has an event time at or after the oldest
 * retained time the engine reports, so a block whose latest event time is older than that can only
 * have fed windows already emitted (or been late); once the front blocks are all like that they are
 * spent for good, because closed windows never reopen.
 */
export class CommitTracker {
  private readonly partitions = new Map<string | number, PartitionProgress>();

  /**
   * Reading of `partition` starts (again) at `offset`: nothing before it needs to be read; the
   * latest event time of the records before it.
   */
  resumeAt(partition: string | number, offset: number, maxEventTimeBeforeMs: number): void {
    this.partitions.set(partition, { blocks: [], head: 0, next: offset, maxSoFarMs: maxEventTimeBeforeMs });
  }

  /** Records [first, next) of `partition` were processed; the latest event time among them. */
  record(partition: string | number, first: number, next: number, maxEventTimeMs: number): void {
    let progress = this.partitions.get(partition);
    if (progress === undefined) {
      progress = { blocks: [], head: 0, next: first, maxSoFarMs: Number.NEGATIVE_INFINITY };
      this.partitions.set(partition, progress);
    }
    progress.blocks.push({ first, next, maxEventTimeMs, maxBeforeMs: progress.maxSoFarMs });
    if (maxEventTimeMs > progress.maxSoFarMs) progress.maxSoFarMs = maxEventTimeMs;
    if (next > progress.next) progress.next = next;
    if (progress.blocks.length - progress.head > MAX_BLOCKS) mergeNeighbours(progress);
  }

  /** Forgets every partition (a new assignment). */
  clear(): void {
    this.partitions.clear();
  }

  /** The partitions with known progress. */
  partitionIds(): IterableIterator<string | number> {
    return this.partitions.keys();
  }

  /** The offset after the last record read, or null when the partition is unknown. */
  nextOffset(partition: string | number): number | null {
    return this.partitions.get(partition)?.next ?? null;
  }

  /**
   * The progress of every partition as JSON-safe data (a checkpoint keeps it, so that commits made
   * after a restore still point where a restart without the checkpoint must read from).
   */
  encode(): EncodedProgress[] {
    return [...this.partitions].map(([partition, p]) => ({
      partition,
      next: p.next,
      maxSoFarMs: finiteOrNull(p.maxSoFarMs),
      blocks: p.blocks.slice(p.head).map((b): [number, number, number | null, number | null] => [b.first, b.next, finiteOrNull(b.maxEventTimeMs), finiteOrNull(b.maxBeforeMs)]),
    }));
  }

  /** Replaces all progress with what encode() gave. */
  restore(encoded: readonly EncodedProgress[]): void {
    this.partitions.clear();
    for (const e of encoded) {
      this.partitions.set(e.partition, {
        blocks: e.blocks.map(([first, next, max, before]) => ({ first, next, maxEventTimeMs: orMinusInfinity(max), maxBeforeMs: orMinusInfinity(before) })),
        head: 0,
        next: e.next,
        maxSoFarMs: orMinusInfinity(e.maxSoFarMs),
      });
    }
  }

  /**
   * The offset to commit so that reading again from it rebuilds all state that is still open, given
   * the engine's oldest retained event time; null when the partition is unknown.
   */
  safePoint(partition: string | number, oldestRetainedTimeMs: number): SafePoint | null {
    const progress = this.partitions.get(partition);
    if (progress === undefined) return null;
    const { blocks } = progress;
    while (progress.head < blocks.length && (blocks[progress.head] as Block).maxEventTimeMs < oldestRetainedTimeMs) progress.head++;
    if (progress.head === blocks.length) {
      blocks.length = 0;
      progress.head = 0;
      return { offset: progress.next, maxEventTimeBeforeMs: progress.maxSoFarMs };
    }
    if (progress.head > 1024 && progress.head * 2 > blocks.length) {
      blocks.splice(0, progress.head);
      progress.head = 0;
    }
    const block = blocks[progress.head] as Block;
    return { offset: block.first, maxEventTimeBeforeMs: block.maxBeforeMs };
  }
}

/** Halves the number of kept blocks: each pair becomes one block with the later event time (and the first's time before). */
function mergeNeighbours(progress: PartitionProgress): void {
  const live = progress.blocks.slice(progress.head);
  const merged: Block[] = [];
  for (let i = 0; i < live.length; i += 2) {
    const a = live[i] as Block;
    const b = live[i + 1];
    if (b !== undefined) {
      a.next = b.next;
      if (b.maxEventTimeMs > a.maxEventTimeMs) a.maxEventTimeMs = b.maxEventTimeMs;
    }
    merged.push(a);
  }
  progress.blocks.length = 0;
  progress.blocks.push(...merged);
  progress.head = 0;
}
