import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { IO_ERROR_CODES } from '../ports/io-errors.js';
import { BAD_RECORD_REASONS, CORE_ERROR_CODES, EngineError } from './errors.js';

const ERROR_CODES = { ...CORE_ERROR_CODES, ...IO_ERROR_CODES };

const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
const documented = (section: string): string[] => {
  const part = doc.split('## ')[section === 'errors' ? 1 : 2] as string;
  return [...part.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1] as string);
};

describe('error codes', () => {
  it('documents every error code of the core and the adapters, and no other', () => {
    expect(documented('errors').sort()).toEqual(Object.keys(ERROR_CODES).sort());
  });

  it('documents every bad-record reason and no other', () => {
    expect(documented('reasons').sort()).toEqual(Object.keys(BAD_RECORD_REASONS).sort());
  });

  it('uses only documented codes in thrown errors of the source tree', async () => {
    const { readdirSync } = await import('node:fs');
    const files = (readdirSync(new URL('../', import.meta.url), { recursive: true }) as string[]).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
    const used = new Set<string>();
    for (const f of files) {
      const text = readFileSync(new URL(`../${f}`, import.meta.url), 'utf8');
      for (const m of text.matchAll(/new (?:EngineError|JobConfigError)\(\s*'([A-Z_]+)'/g)) used.add(m[1] as string);
    }
    for (const code of used) expect(Object.keys(ERROR_CODES)).toContain(code);
  });

  it('keeps code, retriable flag and cause on EngineError', () => {
    const cause = new Error('disk');
    const e = new EngineError('CONFIG_INVALID', 'bad', { retriable: true, cause, path: 'windows[0]' });
    expect([e.code, e.retriable, e.cause, e.path, e.message]).toEqual(['CONFIG_INVALID', true, cause, 'windows[0]', 'bad']);
  });
});
