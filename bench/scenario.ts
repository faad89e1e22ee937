// Runs one benchmark scenario in this process and prints one JSON line: events, ms, CPU ms, peak RSS.

import { createReadStream, readFileSync } from 'node:fs';
import { splitLines } from '../src/adapters/sources/ndjson-lines.js';
import { FileSource } from '../src/adapters/sources/file.js';
import { NdjsonStreamSink } from '../src/adapters/sinks/ndjson-stream.js';
import { ResultFormatter } from '../src/core/emit/format-result.js';
import type { WindowResult } from '../src/core/emit/outputs.js';
import { JobRunner } from '../src/runtime/job-runner.js';
import type { Sink } from '../src/ports/sink.js';
import { systemClock } from '../src/ports/clock.js';
import { silentLogger } from '../src/ports/logger.js';
import { NaiveWindowEngine } from './naive-engine.js';
import { SCENARIOS } from './scenarios.js';

class CountingSink<T> implements Sink<T> {
  readonly description = 'count';
  count = 0;
  async write(items: readonly T[]): Promise<void> {
    this.count += items.length;
  }
  async close(): Promise<void> {}
}

async function parseOnly(path: string): Promise<number> {
  let events = 0;
  for await (const batch of splitLines(createReadStream(path, { highWaterMark: 1 << 20 }))) {
    for (const line of batch.lines) {
      if (line.length === 0) continue;
      try {
        JSON.parse(line);
        events++;
      } catch {
        // malformed lines are part of the log
      }
    }
  }
  return events;
}

/**
 * CPU time of this thread (the main one) in ms, from Linux's schedstat (ns on the CPU); null
 * elsewhere. Unlike process.cpuUsage() it leaves out the GC's helper threads and the thread pool.
 */
function mainThreadCpuMs(): number | null {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const [name, path, outPath] = process.argv.slice(2) as [string, string, string];
  const scenario = SCENARIOS.find((s) => s.name === name);
  if (scenario === undefined) throw new Error(`unknown scenario ${name}`);
  const started = process.hrtime.bigint();
  const cpuBefore = process.cpuUsage();
  const mainCpuBefore = mainThreadCpuMs();
  let records = 0;
  let results = 0;
  if (scenario.spec === null) {
    records = await parseOnly(path);
  } else {
    const spec = scenario.spec;
    const formatter = new ResultFormatter(false);
    const sink = NdjsonStreamSink.toFile<WindowResult>(outPath, (r) => formatter.format(r));
    const runner = new JobRunner(
      spec,
      // feedCapacity 1: as `tally run` sets it for a job without the REST API (nothing reads the feed).
      { name, maxRecordBytes: 1 << 20, updateIntervalMs: 1000, progressIntervalMs: 1e12, feedCapacity: 1 },
      { source: new FileSource(path), results: sink, deadLetters: new CountingSink(), lateRecords: new CountingSink(), clock: systemClock, logger: silentLogger },
      scenario.engine === 'naive' ? () => new NaiveWindowEngine(spec) : undefined,
    );
    const status = await runner.run();
    records = status.records;
    results = status.engine.results;
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const cpu = process.cpuUsage(cpuBefore);
  // Every thread of the process (main, GC helpers, file I/O), over the same span as ms.
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const mainCpuAfter = mainThreadCpuMs();
  const mainCpuMs = mainCpuBefore === null || mainCpuAfter === null ? null : mainCpuAfter - mainCpuBefore;
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify({ name, records, results, ms, cpuMs, mainCpuMs, maxRssMb })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
