import { describe, expect, it } from 'vitest';
import { closestMatch, editDistance, formatPath, formatProblem, JobConfigError, unknownKeyMessage } from './problems.js';

describe('formatPath', () => {
  it('writes keys with dots and indices in brackets', () => {
    expect(formatPath(['windows', 2, 'sliding', 'slide'])).toBe('windows[2].sliding.slide');
    expect(formatPath([])).toBe('');
    expect(formatPath(['a b', 0])).toBe('["a b"][0]');
    expect(formatPath(['time', 'max-lag'])).toBe('time["max-lag"]');
  });
});

describe('formatProblem', () => {
  const problem = { path: ['windows', 0, 'tumbling'], message: 'size must be greater than 0', isKey: false };

  it('puts file:line:column before the path when known', () => {
    expect(formatProblem(problem, 'job.yaml', { line: 12, column: 5 })).toBe('job.yaml:12:5 windows[0].tumbling: size must be greater than 0');
    expect(formatProblem(problem, 'job.yaml')).toBe('job.yaml windows[0].tumbling: size must be greater than 0');
    expect(formatProblem(problem)).toBe('windows[0].tumbling: size must be greater than 0');
    expect(formatProblem({ path: [], message: 'the file is empty', isKey: false }, 'job.yaml', { line: 1, column: 1 })).toBe('job.yaml:1:1 the file is empty');
  });
});

describe('editDistance and closestMatch', () => {
  it('counts insertions, deletions, substitutions and swaps', () => {
    expect(editDistance('windos', 'windows')).toBe(1);
    expect(editDistance('allowedLatness', 'allowedLateness')).toBe(1);
    expect(editDistance('gpa', 'gap')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('suggests within distance 2, or 1 for words of up to 3 letters, ignoring case first', () => {
    const keys = ['name', 'source', 'keyBy', 'filter', 'windows', 'emit', 'sink'];
    expect(closestMatch('windos', keys)).toBe('windows');
    expect(closestMatch('KEYBY', keys)).toBe('keyBy');
    expect(closestMatch('sorce', keys)).toBe('source');
    expect(closestMatch('fltr', keys)).toBe('filter');
    expect(closestMatch('snk', keys)).toBe('sink');
    expect(closestMatch('abc', keys)).toBeNull();
    expect(closestMatch('colour', keys)).toBeNull();
  });
});

describe('unknownKeyMessage', () => {
  it('suggests a near key or lists the known ones, on one line', () => {
    expect(unknownKeyMessage('windos', ['name', 'windows'])).toBe("unknown key 'windos' — did you mean 'windows'?");
    expect(unknownKeyMessage('colour', ['name', 'windows'])).toBe("unknown key 'colour' (known keys: name, windows)");
    expect(unknownKeyMessage('a\nb', ['name'])).toBe("unknown key 'a\\nb' (known keys: name)");
  });
});

describe('JobConfigError', () => {
  it('is CONFIG_INVALID with the first problem path and every line', () => {
    const problems = [
      { path: ['name'], message: 'x', isKey: false },
      { path: ['windows', 1], message: 'y', isKey: false },
    ];
    const error = new JobConfigError(problems, ['name: x', 'windows[1]: y']);
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', path: 'name', message: 'name: x\nwindows[1]: y', retriable: false });
    expect(error.problems).toBe(problems);
  });
});
