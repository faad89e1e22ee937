// Job files: YAML or JSON text → JobSpec, with every problem reported as `file:line:column path: message`.

import { readFile } from 'node:fs/promises';
import { isMap, isNode, isScalar, isSeq, isAlias, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { EngineError } from '../core/errors.js';
import type { JobSpec } from './job-spec.js';
import { formatProblem, JobConfigError, type ConfigPath, type ConfigProblem, type SourcePosition } from './problems.js';
import { validateJob } from './schema.js';

/** Aliases expanded when turning YAML into values; more is refused (a "billion laughs" file). */
const MAX_ALIAS_COUNT = 100;

interface LocatedProblem {
  readonly problem: ConfigProblem;
  readonly offset: number | null;
  readonly position: SourcePosition | undefined;
}

/**
 * Parses and validates a job file. `fileName` names the file in messages and picks the syntax:
 * `*.json` is read with JSON.parse (exact JSON errors), anything else as YAML 1.2 (JSON included).
 * Throws JobConfigError (code CONFIG_INVALID) whose message lists every problem, one per line,
 * in file order: `job.yaml:12:5 windows[2].sliding.slide: slide (2h) must not exceed size (1h): …`.
 */
export function parseJobText(text: string, fileName: string): JobSpec {
  const source = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (source.trim() === '') {
    const problem = { path: [], message: 'the file is empty; a job needs at least name, source and windows', isKey: false };
    throw configError([{ problem, offset: 0, position: { line: 1, column: 1 } }], fileName);
  }
  const input = fileName.toLowerCase().endsWith('.json') ? readJson(source, fileName, doc) : readYaml(source, fileName, doc, lineCounter);
  const result = validateJob(input);
  if (result.ok) return result.spec;
  const located = result.problems.map((problem): LocatedProblem => {
    const node = findNode(doc, problem.path, problem.isKey);
    const offset = node?.range?.[0] ?? null;
    const position = offset === null ? undefined : toPosition(lineCounter, offset);
    return { problem, offset, position };
  });
  throw configError(located, fileName);
}

/** Reads and validates a job file (see parseJobText); an unreadable file is CONFIG_INVALID too. */
export async function readJobFile(path: string): Promise<JobSpec> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new EngineError('CONFIG_INVALID', `${path}: cannot read the job file: ${reason}`, { cause: error });
  }
  return parseJobText(text, path);
}

/** Problems in file order (those without a position last, in schema order). */
function configError(located: readonly LocatedProblem[], fileName: string): JobConfigError {
  const sorted = [...located].sort((a, b) => (a.offset ?? Number.MAX_SAFE_INTEGER) - (b.offset ?? Number.MAX_SAFE_INTEGER));
  return new JobConfigError(
    sorted.map((entry) => entry.problem),
    sorted.map((entry) => formatProblem(entry.problem, fileName, entry.position)),
  );
}

function toPosition(lineCounter: LineCounter, offset: number): SourcePosition {
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}

function readYaml(text: string, fileName: string, doc: Document, lineCounter: LineCounter): unknown {
  if (doc.errors.length > 0) {
    throw configError(
      doc.errors.map((error) => ({
        problem: { path: [], message: yamlErrorMessage(text, error.code, error.message, error.pos[0]), isKey: false },
        offset: error.pos[0],
        position: toPosition(lineCounter, error.pos[0]),
      })),
      fileName,
    );
  }
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw configError([{ problem: { path: [], message: `YAML: ${reason}`, isKey: false }, offset: null, position: undefined }], fileName);
  }
}

function yamlErrorMessage(text: string, code: string, message: string, offset: number): string {
  if (code === 'DUPLICATE_KEY') {
    const key = /^("(?:[^"\\]|\\.)*"|'[^']*'|[^:,\n{}[\]]+)/.exec(text.slice(offset))?.[1]?.trim();
    return key === undefined ? 'duplicate key: each key may appear once in a mapping' : `duplicate key ${key}: each key may appear once in a mapping`;
  }
  return `YAML syntax error: ${message.replace(/\s+/g, ' ').trim()}`;
}

function readJson(text: string, fileName: string, doc: Document): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error))
      .replace(/\s+/g, ' ')
      .replace(/ in JSON at position \d+( \(line \d+ column \d+\))?/, '')
      // V8 quotes the text around the error; the position says where, and the quote can be long.
      .replace(/,\s*(?:\.\.\.)?".*\s+is not valid JSON$/, '')
      .trim();
    const offset = jsonErrorOffset(text);
    const position = offset === null ? undefined : positionIn(text, offset);
    throw configError([{ problem: { path: [], message: `JSON syntax error: ${reason}`, isKey: false }, offset, position }], fileName);
  }
  // JSON.parse keeps the last of two equal keys without a word; a job file with one is a mistake.
  const duplicates = doc.errors.filter((error) => error.code === 'DUPLICATE_KEY');
  if (duplicates.length > 0) {
    throw configError(
      duplicates.map((error) => ({
        problem: { path: [], message: yamlErrorMessage(text, error.code, error.message, error.pos[0]), isKey: false },
        offset: error.pos[0],
        position: positionIn(text, error.pos[0]),
      })),
      fileName,
    );
  }
  return value;
}

/** 1-based line and column of a UTF-16 offset. */
function positionIn(text: string, offset: number): SourcePosition {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line += 1;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * The offset of the first JSON syntax error (Node 20's JSON.parse does not always say), or null
 * when this scanner finds none. It follows RFC 8259 and only runs on text JSON.parse rejected.
 */
export function jsonErrorOffset(text: string): number | null {
  let i = 0;
  const stop = (): never => {
    throw new JsonStop(i);
  };
  const skipSpace = (): void => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const expect = (char: string): void => {
    if (text[i] !== char) stop();
    i++;
  };
  const parseString = (): void => {
    expect('"');
    for (;;) {
      if (i >= text.length) stop();
      const c = text.charCodeAt(i);
      if (c === 34) {
        i++;
        return;
      }
      if (c < 0x20) stop();
      if (c === 92) {
        i++;
        const escape = text[i];
        if (escape === 'u') {
          for (let k = 1; k <= 4; k++) {
            if (!/[0-9A-Fa-f]/.test(text[i + k] ?? '')) {
              i += k;
              stop();
            }
          }
          i += 5;
        } else if (escape !== undefined && '"\\/bfnrt'.includes(escape)) i++;
        else stop();
      } else i++;
    }
  };
  const parseNumber = (): void => {
    if (text[i] === '-') i++;
    if (text[i] === '0') i++;
    else if (/[1-9]/.test(text[i] ?? '')) while (/[0-9]/.test(text[i] ?? '')) i++;
    else stop();
    if (text[i] === '.') {
      i++;
      if (!/[0-9]/.test(text[i] ?? '')) stop();
      while (/[0-9]/.test(text[i] ?? '')) i++;
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      if (!/[0-9]/.test(text[i] ?? '')) stop();
      while (/[0-9]/.test(text[i] ?? '')) i++;
    }
  };
  const parseWord = (word: string): void => {
    for (const char of word) expect(char);
  };
  const parseValue = (): void => {
    skipSpace();
    const c = text[i];
    if (c === '{') {
      i++;
      skipSpace();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        skipSpace();
        parseString();
        skipSpace();
        expect(':');
        parseValue();
        skipSpace();
        if (text[i] === ',') i++;
        else {
          expect('}');
          return;
        }
      }
    } else if (c === '[') {
      i++;
      skipSpace();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        parseValue();
        skipSpace();
        if (text[i] === ',') i++;
        else {
          expect(']');
          return;
        }
      }
    } else if (c === '"') parseString();
    else if (c === 't') parseWord('true');
    else if (c === 'f') parseWord('false');
    else if (c === 'n') parseWord('null');
    else parseNumber();
  };
  try {
    parseValue();
    skipSpace();
    if (i < text.length) stop();
    return null;
  } catch (error) {
    if (error instanceof JsonStop) return error.offset;
    throw error;
  }
}

class JsonStop {
  constructor(readonly offset: number) {}
}

/**
 * The node a problem is about: the value at `path` (the key itself for an unknown key), or the
 * nearest node on the way there when the path ends early (a missing key points at its mapping).
 */
function findNode(doc: Document, path: ConfigPath, isKey: boolean): Node | null {
  let node: unknown = doc.contents;
  let found: Node | null = isNode(node) ? node : null;
  for (let i = 0; i < path.length; i++) {
    if (isAlias(node)) node = node.resolve(doc);
    const part = path[i];
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(part));
      if (pair === undefined) break;
      const isLast = i === path.length - 1;
      if ((isLast && isKey) || !isNode(pair.value)) return isNode(pair.key) ? pair.key : found;
      node = pair.value;
    } else if (isSeq(node) && typeof part === 'number') {
      node = node.items[part];
      if (!isNode(node)) break;
    } else break;
    found = node as Node;
  }
  return found;
}
