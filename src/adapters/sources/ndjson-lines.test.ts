import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitLines, type LineBatch } from './ndjson-lines.js';

async function collect(chunks: (string | Buffer)[], max?: number): Promise<LineBatch[]> {
  const out: LineBatch[] = [];
  async function* source() {
    yield* chunks;
  }
  for await (const b of splitLines(source(), max)) out.push(b);
  return out;
}

const allLines = (batches: LineBatch[]): string[] => batches.flatMap((b) => b.lines);

describe('splitLines', () => {
  it('joins lines cut across chunks and numbers them', async () => {
    const batches = await collect(['a\nb', 'c\nd\n', 'e']);
    expect(allLines(batches)).toEqual(['a', 'bc', 'd', 'e']);
    expect(batches.map((b) => b.firstLine)).toEqual([1, 2, 4]);
    expect(batches[batches.length - 1]?.endByteOffset).toBe(8);
  });

  it('does not split a multi-byte character cut between chunks', async () => {
    const bytes = Buffer.from('é€\n');
    expect(allLines(await collect([bytes.subarray(0, 1), bytes.subarray(1, 4), bytes.subarray(4)]))).toEqual(['é€']);
  });

  it('keeps only a prefix of an over-long line and goes on with the next lines', async () => {
    const long = 'x'.repeat(50);
    const batches = await collect(['ok1\n', long.slice(0, 20), long.slice(20, 45), `${long.slice(45)}\nok2\n`], 10);
    const lines = allLines(batches);
    expect(lines).toEqual(['ok1', 'x'.repeat(11), 'ok2']);
    expect(batches[batches.length - 1]?.endByteOffset).toBe(4 + 50 + 1 + 4);
    // Line numbers still count the long line as one.
    const numbered = batches.flatMap((b) => b.lines.map((l, i) => [l, b.firstLine + i]));
    expect(numbered).toEqual([['ok1', 1], ['x'.repeat(11), 2], ['ok2', 3]]);
  });

  it('bounds an over-long line that ends the input without a newline', async () => {
    const batches = await collect(['a\n', 'y'.repeat(30), 'y'.repeat(30)], 8);
    expect(allLines(batches)).toEqual(['a', 'y'.repeat(9)]);
    expect(batches[batches.length - 1]?.endByteOffset).toBe(62);
  });

  it('bounds an over-long line found in the tail of a chunk', async () => {
    const batches = await collect([`a\n${'z'.repeat(30)}`, 'z\nb\n'], 8);
    expect(allLines(batches)).toEqual(['a', 'z'.repeat(9), 'b']);
    expect(batches[batches.length - 1]?.endByteOffset).toBe(36);
  });

  it('resumes at any batch end exactly: the same numbered lines follow, over-long lines included', async () => {
    const line = fc.oneof(fc.string({ maxLength: 6 }), fc.string({ minLength: 10, maxLength: 40 }), fc.constant('é€'));
    await fc.assert(
      fc.asyncProperty(fc.array(line, { maxLength: 30 }), fc.boolean(), fc.array(fc.integer({ min: 1, max: 17 }), { minLength: 1, maxLength: 8 }), async (lines, endsWithNewline, cuts) => {
        const bytes = Buffer.from(lines.join('\n') + (endsWithNewline ? '\n' : ''));
        const chunked = (from: number): Buffer[] => {
          const out: Buffer[] = [];
          for (let at = from, i = 0; at < bytes.length; i++) {
            const n = cuts[i % cuts.length] as number;
            out.push(bytes.subarray(at, at + n));
            at += n;
          }
          return out;
        };
        // An over-long line is cut to its first 9 bytes only when it spans chunks (else whole): either
        // way the parser calls it TOO_LARGE, so compare such lines by that prefix.
        const shown = (l: string): string => (Buffer.byteLength(l) > 8 ? `TOO_LARGE:${Buffer.from(l).subarray(0, 9).toString('hex')}` : l);
        const numbered = (batches: LineBatch[]): [string, number][] => batches.flatMap((b) => b.lines.map((l, i): [string, number] => [shown(l), b.firstLine + i]));
        const whole = await collect(chunked(0), 8);
        for (let b = 0; b < whole.length; b++) {
          const batch = whole[b] as LineBatch;
          const resumed: LineBatch[] = [];
          async function* rest() {
            yield* chunked(batch.endByteOffset);
          }
          for await (const x of splitLines(rest(), 8, { line: batch.firstLine + batch.lines.length, byteOffset: batch.endByteOffset })) resumed.push(x);
          expect(numbered(resumed)).toEqual(numbered(whole.slice(b + 1)));
        }
      }),
      { numRuns: 300 },
    );
  });
});
