// describeJob: what a JobSpec means, in words, as `tally validate` prints it.

import { formatAggregation, outputName, type AggregationSpec } from '../core/aggregate/aggregation-spec.js';
import type { WindowSpec } from '../core/windows/window-spec.js';
import type { JobSpec, SideOutputSpec, SinkSpec, SourceSpec } from './job-spec.js';
import { formatCount, spellDuration } from './text.js';

const MIB = 1_048_576;
const KIB = 1_024;

/**
 * The meaning of a job, one fact per line: source, key, filter, every window with its exact
 * edges and how many windows each event falls into, aggregations with their result fields, the
 * watermark and lateness rule, emit mode and outputs. Deterministic: no clock, no locale.
 */
export function describeJob(spec: JobSpec): string {
  const lines: string[] = [];
  lines.push(`job           ${spec.name}`);
  lines.push(`source        ${describeSource(spec.source)}`);
  lines.push(`key           ${spec.keyBy.length === 0 ? 'none: every event is in one group' : spec.keyBy.join(', ')}`);
  lines.push(`filter        ${spec.filter === null ? 'none: every event is kept' : `${spec.filter}  (events for which it is false are dropped)`}`);

  lines.push('windows');
  const nameWidth = Math.max(...spec.windows.map((window) => window.name.length));
  for (const window of spec.windows) {
    lines.push(`  ${window.name.padEnd(nameWidth)}  ${describeWindow(window)}`);
    // A window's own settings, under it: they differ from what the job's lines below say.
    const pad = ' '.repeat(nameWidth + 4);
    if (window.filter !== undefined) lines.push(`${pad}only events that also pass its own filter: ${window.filter}`);
    if (window.aggregations !== undefined) lines.push(`${pad}its own aggregations: ${window.aggregations.map((a) => `${formatAggregation(a)} → ${outputName(a)}`).join(', ')}`);
  }

  lines.push('aggregations');
  const spellings = spec.aggregations.map(formatAggregation);
  const spellingWidth = Math.max(...spellings.map((text) => text.length));
  spec.aggregations.forEach((aggregation, i) => {
    lines.push(`  ${(spellings[i] as string).padEnd(spellingWidth)}  → ${outputName(aggregation)}: ${describeAggregation(aggregation)}`);
  });
  if (spec.aggregations.some((aggregation) => aggregation.field !== null)) {
    lines.push('  (a field that is missing, not a number or not finite is skipped by that aggregation only)');
  }

  lines.push('time');
  lines.push(...describeTime(spec).map((line) => `  ${line}`));

  lines.push(`emit          ${describeEmit(spec)}`);

  lines.push('outputs');
  lines.push(`  results       ${describeSink(spec.sink)}`);
  lines.push(`  dead letters  ${describeSideOutput(spec.deadLetter)}  (bad records, with their reason and source position)`);
  lines.push(`  late records  ${describeSideOutput(spec.lateOutput)}`);
  lines.push(`records       at most ${describeBytes(spec.maxRecordBytes)} each; a longer record is a bad record (TOO_LARGE)`);
  const c = spec.checkpoint;
  lines.push(
    c === null
      ? 'checkpoints   none: a restarted job starts from the beginning'
      : `checkpoints   every ${spellDuration(c.intervalMs)} to ${c.store}, keeping the last ${c.retain}; a restart goes on from the newest good one, and file outputs show only what a stored checkpoint covers`,
  );
  const h = spec.history;
  lines.push(
    h === null
      ? 'history       none: emitted results are not kept for querying'
      : `history       results kept in ${h.path} for ${spellDuration(h.retainMs)} after their window ends (at most ${formatCount(h.maxResults)} window instances), the latest revision of each`,
  );
  lines.push(`api           ${describeApi(spec.api)}`);
  return lines.join('\n');
}

/** Where `tally run` serves the REST API, and who may change the job (never the token itself). */
function describeApi(api: JobSpec['api']): string {
  if (api === null) return 'none: `tally run` serves no REST API';
  const host = api.host.includes(':') ? `[${api.host}]` : api.host;
  const control =
    api.token !== null
      ? 'control endpoints need the bearer token of the job file'
      : api.openControl
        ? 'control endpoints open to anyone who can connect (openControl), unless TALLY_API_TOKEN is set'
        : 'control endpoints need the bearer token in TALLY_API_TOKEN, and are disabled without it';
  const reads = api.requireTokenForReads ? '; reads need the token too' : '';
  return `REST API on http://${host}:${api.port} (docs/api.md): ${control}${reads}; the event stream keeps the last ${formatCount(api.streamBuffer)} results`;
}

/** One window kind in words, with its edges, e.g. `sliding: windows [k·1m, k·1m + 1h) — 60 windows per event`. */
export function describeWindow(window: WindowSpec): string {
  switch (window.kind) {
    case 'tumbling': {
      const size = spellDuration(window.sizeMs);
      const offset = window.offsetMs === 0 ? '' : ` + ${spellDuration(window.offsetMs)}`;
      return `tumbling: windows [k·${size}${offset}, (k+1)·${size}${offset}) — 1 window per event`;
    }
    case 'sliding': {
      const slide = spellDuration(window.slideMs);
      const start = `k·${slide}${window.offsetMs === 0 ? '' : ` + ${spellDuration(window.offsetMs)}`}`;
      return `sliding: windows [${start}, ${start} + ${spellDuration(window.sizeMs)}) — ${windowsPerEvent(window.sizeMs, window.slideMs)}`;
    }
    case 'calendar': {
      const zone = window.timeZone;
      const isUtc = zone.toUpperCase() === 'UTC';
      switch (window.unit) {
        case 'day':
          return `calendar: local days in ${zone}, [00:00, next day 00:00) — 1 window per event${isUtc ? '' : ' (23 h or 25 h on days the clocks change)'}`;
        case 'week':
          return `calendar: ISO weeks in ${zone}, [Monday 00:00, next Monday 00:00) — 1 window per event`;
        case 'month':
          return `calendar: months in ${zone}, [1st 00:00, next 1st 00:00) — 1 window per event`;
      }
      break;
    }
    case 'session': {
      const gap = spellDuration(window.gapMs);
      return `session: per key, events less than ${gap} apart share a session [first event, last event + ${gap}) — 1 window per event`;
    }
    case 'count': {
      const slide = formatCount(window.slide);
      return `count: per key in arrival order, window j holds arrivals [j·${slide}, j·${slide} + ${formatCount(window.size)}), emitted when full — ${windowsPerEvent(window.size, window.slide)}`;
    }
    case 'global': {
      const every = spellDuration(window.everyMs);
      return `global: running totals per key over all events so far, reported at every tick k·${every} the watermark passes, as [0, k·${every})`;
    }
  }
}

/** `60 windows per event`, or `3 or 4 windows per event` when the slide does not divide the size. */
function windowsPerEvent(size: number, slide: number): string {
  const low = Math.floor(size / slide);
  if (low * slide === size) return `${formatCount(low)} ${low === 1 ? 'window' : 'windows'} per event`;
  return `${formatCount(low)} or ${formatCount(low + 1)} windows per event`;
}

function describeAggregation(aggregation: AggregationSpec): string {
  const field = aggregation.field;
  switch (aggregation.fn) {
    case 'count':
      return field === null ? 'number of events' : `number of events whose ${field} is a finite number`;
    case 'sum':
      return `sum of ${field}`;
    case 'mean':
      return `mean of ${field}`;
    case 'min':
      return `smallest ${field}`;
    case 'max':
      return `largest ${field}`;
    case 'variance':
      return `sample variance (n − 1) of ${field}`;
    case 'stdev':
      return `sample standard deviation (n − 1) of ${field}`;
  }
}

function describeTime(spec: JobSpec): string[] {
  const { maxOutOfOrdernessMs, allowedLatenessMs, idleTimeoutMs } = spec.time;
  const watermark = maxOutOfOrdernessMs === 0 ? 'max event time' : `max event time − ${spellDuration(maxOutOfOrdernessMs)}`;
  const closeAt = allowedLatenessMs === 0 ? 'e' : `e + ${spellDuration(allowedLatenessMs)}`;
  const kinds = new Set(spec.windows.map((window) => window.kind));
  const lines = [
    `watermark = ${watermark}, per source partition; the job's watermark is the smallest over partitions that are not idle`,
    `a window [s, e) closes once ${watermark} ≥ ${closeAt}`,
  ];
  if (kinds.has('session')) lines.push('a session [first event, last event + gap) closes by the same rule, with e = last event + gap');
  if (['tumbling', 'sliding', 'calendar', 'session'].some((kind) => kinds.has(kind as WindowSpec['kind']))) {
    lines.push(
      `an event joins each of its windows that is still open; it is a late record, written to the late output (${describeSideOutput(spec.lateOutput)}), when a tumbling, sliding, calendar or session window definition has no open window for it`,
    );
  }
  if (kinds.has('count') || kinds.has('global')) lines.push('count and global windows never make an event late');
  lines.push(`a source partition with no event for ${spellDuration(idleTimeoutMs)} stops holding the watermark back`);
  return lines;
}

function describeEmit(spec: JobSpec): string {
  if (spec.emit === 'final') return 'final: one result per window and key, when the window closes (at the end of a bounded input every window closes)';
  const interval = spellDuration(spec.updateIntervalMs);
  return `update: every ${interval} of processing time, each open window and key that changed is emitted again with a rising revision; when the window closes its last revision is emitted with final: true`;
}

function describeSource(source: SourceSpec): string {
  switch (source.type) {
    case 'file':
      return `file ${source.path} (NDJSON: one event per line)`;
    case 'stdin':
      return 'standard input (NDJSON: one event per line)';
    case 'generator': {
      const start =
        source.backfillMs !== undefined
          ? `${spellDuration(source.backfillMs)} before the clock's time at start (a backfill, produced as fast as possible until it catches up)`
          : source.startTimeMs !== null
          ? new Date(source.startTimeMs).toISOString()
          : source.realtime
            ? "the clock's time at start"
            : "the generator's default start time";
      const stop = source.maxEvents === null ? 'never stops' : `stops after ${formatCount(source.maxEvents)} events`;
      const pace = source.realtime ? 'paced in real time' : 'as fast as possible';
      return (
        `generator: ${formatCount(source.eventsPerSecond)} events per second of event time, ` +
        `${formatCount(source.users)} users, ${formatCount(source.pages)} pages, seed ${source.seed}, ` +
        `first event at ${start}, ${stop}, ${pace}`
      );
    }
    case 'kafka': {
      const end = source.stopAtEnd ? 'reads up to the end offsets seen at start, then closes every window and finishes' : 'runs until stopped';
      return (
        `kafka topic ${source.topic} on ${source.brokers.join(', ')} (JSON messages), consumer group ${source.groupId}, ` +
        `a new group starts from the ${source.startFrom} offsets, ${end}; positions committed every ${spellDuration(source.commitIntervalMs)}`
      );
    }
  }
}

function describeSink(sink: SinkSpec): string {
  switch (sink.type) {
    case 'stdout':
      return 'standard output (NDJSON)';
    case 'file':
      if (sink.partitioned !== true) return `file ${sink.path} (NDJSON)`;
      return (
        `partitioned ${sink.format === 'parquet' ? 'Parquet' : 'NDJSON'} files in ${sink.path}, ` +
        `window=<name>/dt=<yyyy-mm-dd>/hour=<hh> of each window's start in UTC, a new part file every ${describeBytes(sink.rollSizeBytes)}; ` +
        'published with each stored checkpoint'
      );
    case 'kafka':
      return `kafka topic ${sink.topic} on ${sink.brokers.join(', ')} (JSON, keyed by window, start and key, so a compacted topic keeps the latest revision)`;
  }
}

function describeSideOutput(output: SideOutputSpec): string {
  switch (output.type) {
    case 'stdout':
      return 'standard output';
    case 'stderr':
      return 'standard error';
    case 'file':
      return `file ${output.path}`;
    case 'kafka':
      return `kafka topic ${output.topic} on ${output.brokers.join(', ')}`;
  }
}

function describeBytes(bytes: number): string {
  if (bytes % MIB === 0) return `${bytes / MIB} MiB`;
  if (bytes % KIB === 0) return `${bytes / KIB} KiB`;
  return `${formatCount(bytes)} bytes`;
}
