// Config problems: one per mistake, with the field path; "did you mean" suggestions; the CONFIG_INVALID error.

import type { z } from 'zod';
import { EngineError } from '../core/errors.js';

/** Keys and indices from the root of a job definition, e.g. ['windows', 2, 'sliding', 'slide']. */
export type ConfigPath = readonly (string | number)[];

/** One mistake in a job definition. */
export interface ConfigProblem {
  readonly path: ConfigPath;
  readonly message: string;
  /** The key itself is wrong (an unknown key): positions point at the key, not at its value. */
  readonly isKey: boolean;
}

/** Where a problem is in a file: 1-based line and column. */
export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `windows[2].sliding.slide`; the empty path is ''. */
export function formatPath(path: ConfigPath): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (IDENTIFIER.test(part)) out += out === '' ? part : `.${part}`;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}

/** One line of a CONFIG_INVALID message: `job.yaml:12:5 windows[2].sliding.slide: …`. */
export function formatProblem(problem: ConfigProblem, fileName?: string, position?: SourcePosition): string {
  const path = formatPath(problem.path);
  let where = fileName ?? '';
  if (fileName !== undefined && position !== undefined) where += `:${position.line}:${position.column}`;
  const head = [where, path === '' ? '' : `${path}:`].filter((part) => part !== '').join(' ');
  return head === '' ? problem.message : `${head} ${problem.message}`;
}

/**
 * CONFIG_INVALID with every problem of a job definition: the message has one line per problem,
 * and `path` is the path of the first one.
 */
export class JobConfigError extends EngineError {
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[], lines: readonly string[], options: { readonly cause?: unknown } = {}) {
    const first = problems[0];
    super('CONFIG_INVALID', lines.join('\n'), {
      ...(first === undefined ? {} : { path: formatPath(first.path) }),
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    });
    this.name = 'JobConfigError';
    this.problems = problems;
  }
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  const at = (i: number, j: number): number => d[i * cols + j] as number;
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      d[i * cols + j] = best;
    }
  }
  return at(rows - 1, cols - 1);
}

/**
 * The candidate nearest to `word` within edit distance 2 (1 for words of up to 3 letters, so that
 * short words do not match everything), comparing without case first; null when none is near.
 */
export function closestMatch(word: string, candidates: readonly string[]): string | null {
  const lower = word.toLowerCase();
  const sameButCase = candidates.find((candidate) => candidate.toLowerCase() === lower);
  if (sameButCase !== undefined) return sameButCase;
  const limit = word.length <= 3 ? 1 : 2;
  let best: string | null = null;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** ` — did you mean 'x'?` or ''. */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const match = closestMatch(word, candidates);
  return match === null ? '' : ` — did you mean '${match}'?`;
}

/** The message for a key that the object does not know. */
export function unknownKeyMessage(key: string, knownKeys: readonly string[]): string {
  // Escaped, so that a key holding a line break cannot split the one-line message.
  const shown = JSON.stringify(key).slice(1, -1);
  const match = closestMatch(key, knownKeys);
  if (match !== null) return `unknown key '${shown}' — did you mean '${match}'?`;
  return `unknown key '${shown}' (known keys: ${knownKeys.join(', ')})`;
}

/**
 * Problems from zod issues. Every schema of the job file sets its own messages; an unrecognized-keys
 * issue carries one message line per key (see strictObject in schema.ts) and becomes one problem per key.
 * A union that failed inside one of its branches (a list element, a key of a mapping) reports that
 * branch's problems; one whose branches all rejected the value's type reports its own message.
 */
export function problemsFromIssues(issues: readonly z.core.$ZodIssue[], prefix: ConfigPath = []): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path.map((part) => (typeof part === 'number' ? part : String(part)))];
    if (issue.code === 'unrecognized_keys') {
      const lines = issue.message.split('\n');
      issue.keys.forEach((key, i) => {
        problems.push({ path: [...path, key], message: lines[i] ?? `unknown key '${key}'`, isKey: true });
      });
      continue;
    }
    if (issue.code === 'invalid_union') {
      const branch = issue.errors.find((branchIssues) => !branchIssues.every(isTypeMismatch));
      if (branch !== undefined) {
        problems.push(...problemsFromIssues(branch, path));
        continue;
      }
    }
    problems.push({ path, message: issue.message, isKey: false });
  }
  return problems;
}

/** The branch rejected the value itself (wrong type or literal), not something inside it. */
function isTypeMismatch(issue: z.core.$ZodIssue): boolean {
  return issue.path.length === 0 && (issue.code === 'invalid_type' || issue.code === 'invalid_value');
}
