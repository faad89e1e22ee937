// Crash on purpose: snapshot at random points, go through JSON, restore, carry on; the output must not change.

import fc from 'fast-check';
import { describe, it } from 'vitest';
import type { EngineOutput } from '../../src/core/emit/outputs.js';
import { routingOf, scenarioArb } from './arbitraries.js';
import { actionsOf, describeScenario, runEngine } from './engine-harness.js';

/** What an output carries for its consumers: the key as its JSON text, not the engine's key entry. */
function visible(output: EngineOutput): unknown {
  return output.kind === 'result' ? { ...output, key: output.key.keyJson } : output;
}

const RUN = { seed: Number(process.env.PROPERTY_SEED ?? 42), numRuns: Number(process.env.PROPERTY_RUNS ?? 200) };

describe('crash and resume', () => {
  it('restoring a binary snapshot at any point gives exactly the output of an uninterrupted run, in the same order', () => {
    fc.assert(
      fc.property(scenarioArb(), (s) => {
        const actionCount = actionsOf(s.events.length, routingOf(s)).length;
        const restartBefore = new Set(s.restartPoints.map((p) => p % actionCount));
        const straight = runEngine(s.spec, s.events, routingOf(s));
        const resumed = runEngine(s.spec, s.events, { ...routingOf(s), restartBefore });
        for (let i = 0; i < straight.length; i++) {
          const a = JSON.stringify(straight[i]?.outputs.map(visible));
          const b = JSON.stringify(resumed[i]?.outputs.map(visible));
          if (a !== b) {
            throw new Error(
              `step ${i} (${straight[i]?.kind} ${straight[i]?.index}) differs after restarts before ${JSON.stringify([...restartBefore])}:\n` +
                `uninterrupted ${a}\nresumed       ${b}\n--- scenario\n${describeScenario(s)}`,
            );
          }
        }
      }),
      RUN,
    );
  });

  it('forgetting keys with no state left, at any point, changes no output', () => {
    fc.assert(
      fc.property(scenarioArb(), fc.array(fc.nat({ max: 200 }), { minLength: 1, maxLength: 6 }), (s, sweeps) => {
        const actionCount = actionsOf(s.events.length, routingOf(s)).length;
        const sweepBefore = new Set(sweeps.map((p) => p % actionCount));
        const straight = runEngine(s.spec, s.events, routingOf(s));
        const swept = runEngine(s.spec, s.events, { ...routingOf(s), sweepBefore });
        for (let i = 0; i < straight.length; i++) {
          // A key that comes back gets a new id, and ids order ties between keys: compare each
          // step as a multiset (the contract leaves the order of keys open).
          const a = (straight[i]?.outputs ?? []).map((o) => JSON.stringify(visible(o))).sort();
          const b = (swept[i]?.outputs ?? []).map((o) => JSON.stringify(visible(o))).sort();
          if (JSON.stringify(a) !== JSON.stringify(b)) {
            throw new Error(
              `step ${i} (${straight[i]?.kind} ${straight[i]?.index}) differs after sweeps before ${JSON.stringify([...sweepBefore])}:\n` +
                `unswept ${JSON.stringify(a)}\nswept   ${JSON.stringify(b)}\n--- scenario\n${describeScenario(s)}`,
            );
          }
        }
      }),
      RUN,
    );
  });
});
