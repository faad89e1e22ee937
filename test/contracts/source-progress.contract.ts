// The Source.progress() contract for bounded sources: one suite, run against file, stdin, generator and memory (Kafka: test/integration/kafka).

import { describe, expect, expectTypeOf, it } from 'vitest';
import type { PartitionProgress, Source } from '../../src/ports/source.js';
import type { SourcePartitionStatus } from '../../src/runtime/job-control.js';

export interface ProgressUnderTest {
  /** A bounded source over a fixed input (nothing is appended while it is read). */
  readonly source: Source;
  /** The unit it counts in, and the position once its whole input is processed. */
  readonly unit: PartitionProgress['unit'];
  readonly endPosition: number;
  /** False when the source cannot tell how much input is left (stdin): lag is always null. */
  readonly knowsLag: boolean;
  /** Removes what the test created. */
  cleanup(): Promise<void>;
}

export function describeSourceProgressContract(name: string, open: () => Promise<ProgressUnderTest>): void {
  describe(`Source progress contract: ${name}`, () => {
    it('reports the runtime status shape', () => {
      expectTypeOf<PartitionProgress>().toEqualTypeOf<SourcePartitionStatus>();
    });

    it('moves the position forward batch by batch and keeps position + lag at the input size, lag 0 at the end', async () => {
      const subject = await open();
      try {
        const { source, unit, endPosition, knowsLag } = subject;
        const before = source.progress?.() ?? [];
        expect(before.every((p) => p.unit === unit)).toBe(true);
        let last = -1;
        let batches = 0;
        for await (const batch of source.batches()) {
          if ('kind' in batch) continue;
          batches++;
          const progress = source.progress?.() ?? [];
          // One entry, named as the batches name the partition.
          expect(progress.map((p) => p.partition)).toEqual([batch.partition]);
          const [p] = progress as [PartitionProgress];
          expect(p.unit).toBe(unit);
          expect(p.position).not.toBeNull();
          expect(p.position as number).toBeGreaterThanOrEqual(last);
          last = p.position as number;
          if (knowsLag) expect((p.position as number) + (p.lag as number)).toBe(endPosition);
          else expect(p.lag).toBeNull();
        }
        expect(batches).toBeGreaterThan(1);
        const [end] = source.progress?.() ?? [];
        expect(end).toMatchObject({ position: endPosition, lag: knowsLag ? 0 : null, unit });
        // Cheap and side-effect free: asking again changes nothing.
        expect(source.progress?.()).toEqual(source.progress?.());
      } finally {
        await subject.cleanup();
      }
    });
  });
}
