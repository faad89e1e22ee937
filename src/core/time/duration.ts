// Duration strings of job files: 90000ms, 5s, 1m, 1h, 1d, 1w (and combinations such as 1h30m).

import { EngineError } from '../errors.js';

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const PART = /(\d+)(ms|s|m|h|d|w)/y;

/**
 * Parses a duration such as `5s`, `1h30m` or `90000ms` into milliseconds. A bare non-negative
 * integer is read as milliseconds. Throws CONFIG_INVALID_DURATION naming `path` otherwise.
 */
export function parseDuration(text: string | number, path = 'duration'): number {
  if (typeof text === 'number') {
    if (Number.isSafeInteger(text) && text >= 0) return text;
    throw new EngineError('CONFIG_INVALID_DURATION', `${path}: ${text} is not a whole, non-negative number of milliseconds`, { path });
  }
  const source = text.trim();
  if (/^\d+$/.test(source)) return parseDuration(Number(source), path);
  let total = 0;
  PART.lastIndex = 0;
  let matched = 0;
  while (PART.lastIndex < source.length) {
    const at = PART.lastIndex;
    const part = PART.exec(source);
    if (part === null || part.index !== at) {
      throw new EngineError(
        'CONFIG_INVALID_DURATION',
        `${path}: "${text}" is not a duration (use a number with a unit: ms, s, m, h, d, w, e.g. 90000ms, 5s, 1h30m)`,
        { path },
      );
    }
    total += Number(part[1]) * (UNIT_MS[part[2] as string] as number);
    matched += 1;
  }
  if (matched === 0 || !Number.isSafeInteger(total)) {
    throw new EngineError('CONFIG_INVALID_DURATION', `${path}: "${text}" is not a duration`, { path });
  }
  return total;
}

/** Shortest exact spelling of a duration, e.g. 5400000 → "1h30m". */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0ms';
  let rest = ms;
  let out = '';
  for (const unit of ['w', 'd', 'h', 'm', 's', 'ms']) {
    const size = UNIT_MS[unit] as number;
    const whole = Math.floor(rest / size);
    if (whole > 0) {
      out += `${whole}${unit}`;
      rest -= whole * size;
    }
  }
  return out;
}
