import { afterEach, describe, expect, it } from 'vitest';
import type { WindowResult } from '../../core/emit/outputs.js';
import type { HistoryPage, HistoryQuery, HistoryStats, PruneReport, ResultsHistory, StoredResult, TopQuery } from '../../ports/results-history.js';
import { isCommittable, type CommittableSink, type SinkCommit } from '../../ports/sink.js';
import { MemorySink } from '../sinks/memory.js';
import { CommittableHistorySink, HistorySink, withHistory } from './history-sink.js';
import { ManualClock, MINUTE, resultOf, T0, tempHistory, type TempHistory } from './test-support.js';

let temp: TempHistory | null = null;

afterEach(async () => {
  await temp?.cleanup();
  temp = null;
});

const batchAt = (minute: number, users = 3): WindowResult[] =>
  Array.from({ length: users }, (_, u) => resultOf({ start: T0 + minute * MINUTE, key: { user_id: u } }));

/** A committable sink that logs its calls (into `calls`, which a test may share with a GatedHistory to see the order of both). */
class LoggingCommittableSink implements CommittableSink<WindowResult> {
  readonly description = 'committable';
  readonly items: WindowResult[] = [];
  constructor(readonly calls: string[] = []) {}
  async write(items: readonly WindowResult[]): Promise<void> {
    this.calls.push(`write ${items.length}`);
    this.items.push(...items);
  }
  async close(): Promise<void> {
    this.calls.push('close');
  }
  async recover(commit: SinkCommit | null, nextCheckpointId: number): Promise<void> {
    this.calls.push(`recover ${JSON.stringify(commit)} ${nextCheckpointId}`);
  }
  async prepareCommit(checkpointId: number): Promise<SinkCommit> {
    this.calls.push(`prepare ${checkpointId}`);
    return { id: checkpointId };
  }
  async commit(commit: SinkCommit): Promise<void> {
    this.calls.push(`commit ${JSON.stringify(commit)}`);
  }
}

/** A history whose appends finish only when the test says so, logging what is asked of it (into `calls`, which may be shared). */
class GatedHistory implements ResultsHistory {
  readonly description = 'gated history';
  constructor(readonly calls: string[] = []) {}
  readonly gates: { results: readonly WindowResult[]; open: () => void; fail: (e: Error) => void }[] = [];
  isClosed = false;
  append(results: readonly WindowResult[]): Promise<void> {
    this.calls.push(`append ${results.length}`);
    return new Promise((resolve, reject) => {
      this.gates.push({ results, open: resolve, fail: reject });
    });
  }
  async flush(): Promise<void> {
    this.calls.push('flush');
  }
  checkQuery(): string | null {
    return null;
  }
  query(_q: HistoryQuery): HistoryPage {
    return { results: [], nextCursor: null };
  }
  top(_q: TopQuery): readonly StoredResult[] {
    return [];
  }
  since(): readonly StoredResult[] {
    return [];
  }
  async prune(nowMs: number): Promise<PruneReport> {
    this.calls.push(`prune ${nowMs}`);
    return { removed: 0, cutoffMs: null };
  }
  stats(): HistoryStats {
    return { count: 0, bytes: 0, oldestEndMs: null, newestEndMs: null, lastSequence: 0 };
  }
  async close(): Promise<void> {
    this.isClosed = true;
  }
}

const settled = async <T>(p: Promise<T>): Promise<boolean> => {
  let done = false;
  void p.then(
    () => (done = true),
    () => (done = true),
  );
  for (let i = 0; i < 20; i++) await Promise.resolve();
  return done;
};

describe('HistorySink', () => {
  it('passes results on and keeps them in the history', async () => {
    temp = await tempHistory();
    const inner = new MemorySink<WindowResult>();
    const sink = withHistory(inner, temp.history, { closesHistory: false });
    await sink.write(batchAt(0));
    await sink.write(batchAt(1));
    await sink.flush();
    expect(inner.items).toHaveLength(6);
    expect(temp.history.stats()).toMatchObject({ count: 6, lastSequence: 6 });
    expect(isCommittable(sink)).toBe(false);
    expect(sink.description).toMatch(/^memory, and results history /);
    await sink.close();
    expect(inner.isClosed).toBe(true);
    // closesHistory: false leaves it open for readers.
    expect(temp.history.query({ window: 'per_minute', order: 'oldest', limit: 1 }).results).toHaveLength(1);
  });

  it('keeps the two-phase commit of a committable sink, and has the history on disk before each prepareCommit', async () => {
    // One log for both, so that the order of history calls and inner-sink calls shows.
    const log: string[] = [];
    const inner = new LoggingCommittableSink(log);
    const history = new GatedHistory(log);
    const sink = withHistory(inner, history);
    expect(sink).toBeInstanceOf(CommittableHistorySink);
    expect(isCommittable(sink)).toBe(true);
    const committable = sink as CommittableHistorySink;
    await committable.recover({ id: 3 }, 4);
    await sink.write(batchAt(0));
    const prepared = committable.prepareCommit(4);
    // The checkpoint waits for the history's append …
    expect(await settled(prepared)).toBe(false);
    (history.gates[0] as { open: () => void }).open();
    expect(await prepared).toEqual({ id: 4 });
    await committable.commit({ id: 4 });
    // … and for its flush, before the inner sink prepares.
    expect(log.filter((c) => !c.startsWith('prune'))).toEqual(['recover {"id":3} 4', 'append 3', 'write 3', 'flush', 'prepare 4', 'commit {"id":4}']);
    await sink.close();
    expect(history.isClosed).toBe(true);
  });

  it('goes on writing while the history commits, and waits once too many results are pending', async () => {
    const inner = new MemorySink<WindowResult>();
    const history = new GatedHistory();
    const sink = new HistorySink(inner, history, { maxPendingResults: 5 });
    expect(await settled(sink.write(batchAt(0)))).toBe(true);
    const second = sink.write(batchAt(1));
    // 6 pending > 5: the write waits for its append.
    expect(await settled(second)).toBe(false);
    expect(inner.items).toHaveLength(6);
    (history.gates[0] as { open: () => void }).open();
    expect(await settled(second)).toBe(false);
    (history.gates[1] as { open: () => void }).open();
    await second;
    expect(await settled(sink.write(batchAt(2)))).toBe(true);
  });

  it('fails the next write, flush and close when the history fails', async () => {
    const inner = new MemorySink<WindowResult>();
    const history = new GatedHistory();
    const sink = new HistorySink(inner, history);
    await sink.write(batchAt(0));
    (history.gates[0] as { fail: (e: Error) => void }).fail(new Error('disk full'));
    await expect(sink.write(batchAt(1))).rejects.toThrow('disk full');
    await expect(sink.flush()).rejects.toThrow('disk full');
    await expect(sink.close()).rejects.toThrow('disk full');
    expect(inner.isClosed).toBe(true);
    expect(history.isClosed).toBe(true);
  });

  it('prunes with the first write and then once per interval of processing time', async () => {
    const clock = new ManualClock(T0);
    const history = new GatedHistory();
    const sink = new HistorySink(new MemorySink<WindowResult>(), history, { clock, pruneIntervalMs: 10 * MINUTE });
    await sink.write(batchAt(0));
    clock.nowMs += 9 * MINUTE;
    await sink.write([]);
    clock.nowMs += MINUTE;
    await sink.write(batchAt(1));
    expect(history.calls.filter((c) => c.startsWith('prune'))).toEqual([`prune ${T0}`, `prune ${T0 + 10 * MINUTE}`]);
  });

  it('stores results again identically after a crash: the replayed ones change nothing', async () => {
    temp = await tempHistory();
    // Run 1 writes minutes 0–2; the last checkpoint covered minute 0; it crashes without closing.
    const first = withHistory(new MemorySink<WindowResult>(), temp.history, { closesHistory: false });
    for (const m of [0, 1, 2]) await first.write(batchAt(m));
    await first.flush();
    const before = temp.history.since(0, 100);
    const history = await temp.reopen();
    // Run 2 restores minute 0's checkpoint: it computes minutes 1 and 2 again, then minute 3.
    const second = withHistory(new MemorySink<WindowResult>(), history, { closesHistory: false });
    for (const m of [1, 2, 3]) await second.write(batchAt(m));
    await second.flush();
    const after = history.since(0, 100);
    expect(after.slice(0, 9)).toEqual(before);
    expect(after.map((r) => r.sequence)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
  });
});
