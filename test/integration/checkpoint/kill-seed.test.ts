// The kill tests' seed: fixed in CI, so that a failure there repeats; TALLY_KILL_SEED chooses another.

import { describe, expect, it } from 'vitest';
import { CI_KILL_SEED, killSeed } from './kill-support.js';

describe('killSeed', () => {
  it('is fixed when CI is set, and TALLY_KILL_SEED overrides it everywhere', () => {
    expect(killSeed({ CI: 'true' })).toBe(CI_KILL_SEED);
    expect(killSeed({ CI: '1' })).toBe(CI_KILL_SEED);
    expect(killSeed({ CI: 'true', TALLY_KILL_SEED: '4711' })).toBe(4711);
    expect(killSeed({ TALLY_KILL_SEED: '0' })).toBe(0);
    expect(() => killSeed({ TALLY_KILL_SEED: 'abc' })).toThrow(/TALLY_KILL_SEED must be a whole number/);
  });

  it('varies outside CI, to explore', () => {
    const seed = killSeed({});
    expect(Number.isSafeInteger(seed) && seed >= 0 && seed < 1_000_000).toBe(true);
    expect(killSeed({ CI: 'false' })).not.toBe(CI_KILL_SEED);
  });
});
