// Test pieces shared by the checkpoint suites: a store wrapper, a crashing file source, a stepping clock.

import { FileSource } from '../../src/adapters/sources/file.js';
import type { CheckpointStore, StoredObject } from '../../src/ports/checkpoint-store.js';
import type { Clock } from '../../src/ports/clock.js';
import type { RawBatch, ResumePosition, Source } from '../../src/ports/source.js';

/** Passes every operation to `inner`; tests override the ones they make fail, slow or recorded. */
export class ForwardingStore implements CheckpointStore {
  readonly description: string;

  constructor(readonly inner: CheckpointStore, description = inner.description) {
    this.description = description;
  }

  put(key: string, chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<void> {
    return this.inner.put(key, chunks);
  }

  get(key: string): Promise<Uint8Array | null> {
    return this.inner.get(key);
  }

  list(prefix: string): Promise<StoredObject[]> {
    return this.inner.list(prefix);
  }

  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }
}

/** Reads the file in small chunks (many batches), and throws (a crash) once `crashAfter` batches were handed out. */
export class CrashingSource implements Source {
  readonly isBounded = true;
  readonly description: string;
  private readonly inner: FileSource;

  constructor(
    path: string,
    private readonly crashAfter: number,
    options: { readonly chunkBytes: number; readonly onCrash?: () => void },
  ) {
    this.inner = new FileSource(path, Number.POSITIVE_INFINITY, options.chunkBytes);
    this.description = this.inner.description;
    this.onCrash = options.onCrash ?? (() => {});
  }

  private readonly onCrash: () => void;

  resumeFrom(position: ResumePosition): Promise<void> {
    return this.inner.resumeFrom(position);
  }

  async *batches(): AsyncGenerator<RawBatch> {
    let n = 0;
    for await (const batch of this.inner.batches()) {
      if (n++ === this.crashAfter) {
        this.onCrash();
        throw new Error('crash');
      }
      yield batch;
    }
  }

  stop(): void {
    this.inner.stop();
  }
}

/** A processing-time clock that moves 50 ms per reading: checkpoints (and update flushes) come every few batches. */
export function steppingClock(startMs = 0): Clock {
  let now = startMs;
  return { now: () => (now += 50) };
}
