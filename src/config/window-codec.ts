// The job-file form of one window, both ways: what the runtime uses to add and change windows while a job runs.

import { formatAggregation } from '../core/aggregate/aggregation-spec.js';
import { EngineError } from '../core/errors.js';
import { formatDuration } from '../core/time/duration.js';
import type { WindowSpec } from '../core/windows/window-spec.js';
import type { WindowCodec } from '../runtime/job-control.js';
import { formatPath } from './problems.js';
import { parseWindowInput } from './schema.js';

/** Validates like a job file's `windows` entry; every problem is in the message, the first one's field is the path. */
function parse(input: unknown): WindowSpec {
  const parsed = parseWindowInput(input);
  if (parsed.ok) return parsed.spec;
  const first = parsed.problems[0];
  const message = parsed.problems.map((p) => (p.path.length === 0 ? p.message : `${formatPath(p.path)}: ${p.message}`)).join('; ');
  throw new EngineError('CONFIG_INVALID_WINDOW', message, first === undefined || first.path.length === 0 ? {} : { path: formatPath(first.path) });
}

function toInput(spec: WindowSpec): Record<string, unknown> {
  return {
    ...kindInput(spec),
    ...(spec.aggregations === undefined ? {} : { aggregations: spec.aggregations.map(formatAggregation) }),
    ...(spec.filter === undefined ? {} : { filter: spec.filter }),
  };
}

function kindInput(spec: WindowSpec): Record<string, unknown> {
  const d = formatDuration;
  switch (spec.kind) {
    case 'tumbling': return { name: spec.name, tumbling: d(spec.sizeMs), ...(spec.offsetMs === 0 ? {} : { offset: d(spec.offsetMs) }) };
    case 'sliding': return { name: spec.name, sliding: { size: d(spec.sizeMs), slide: d(spec.slideMs) }, ...(spec.offsetMs === 0 ? {} : { offset: d(spec.offsetMs) }) };
    case 'calendar': return { name: spec.name, calendar: { unit: spec.unit, timeZone: spec.timeZone } };
    case 'session': return { name: spec.name, session: { gap: d(spec.gapMs) } };
    case 'count': return { name: spec.name, count: { size: spec.size, slide: spec.slide } };
    case 'global': return { name: spec.name, global: { every: d(spec.everyMs) } };
  }
}

export const configWindowCodec: WindowCodec = { parse, toInput };
