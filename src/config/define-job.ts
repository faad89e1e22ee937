// defineJob: the typed TypeScript form of a job file, validated by the same schema as YAML and JSON files.

import type { z } from 'zod';
import type { JobSpec } from './job-spec.js';
import { formatProblem, JobConfigError } from './problems.js';
import { validateJob, type jobSchema } from './schema.js';

/**
 * What a job file may contain, as a TypeScript type: the keys, spellings and defaults of
 * docs/job-file.md (durations as `'5s'` or milliseconds, aggregations as `'sum(value)'` …).
 */
export type JobInput = z.input<typeof jobSchema>;

/**
 * Validates a job written in code and returns its JobSpec with defaults filled in. Throws
 * JobConfigError (code CONFIG_INVALID) listing every problem, one per line, as
 * `windows[2].sliding.slide: slide (2h) must not exceed size (1h): …`; `path` is the first problem's path.
 */
export function defineJob(input: JobInput): JobSpec {
  const result = validateJob(input);
  if (result.ok) return result.spec;
  throw new JobConfigError(
    result.problems,
    result.problems.map((problem) => formatProblem(problem)),
  );
}
