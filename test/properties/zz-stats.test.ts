import fc from 'fast-check';
import { it } from 'vitest';
import { referenceRun } from '../reference/reference-model.js';
import { scenarioArb } from './arbitraries.js';
it('stats', () => {
  const samples = fc.sample(scenarioArb(), { seed: 42, numRuns: 200 });
  const c: Record<string, number> = {};
  const inc = (k: string) => { c[k] = (c[k] ?? 0) + 1; };
  for (const s of samples) {
    const r = referenceRun(s.spec, s.events, { filter: s.filter, flushAfter: s.flushAfter });
    if (r.late.length) inc('has late');
    inc('events ' + Math.floor(s.events.length / 10) * 10);
    for (const w of s.spec.windows) inc('kind ' + w.kind);
    const kinds = new Set(r.results.map((x) => x.windowKind));
    for (const k of kinds) inc('results of ' + k);
    if (r.results.some((x) => !x.isFinal)) inc('update revisions');
    if (r.results.some((x) => x.windowKind === 'session' && (x.values[0] as number) > 1)) inc('multi-event session');
    if (r.results.some((x) => x.windowKind === 'global' && x.revision > 1)) inc('global rev>1');
    inc('results ' + Math.min(5, Math.floor(Math.log2(1 + r.results.length))));
  }
  console.log(c);
});
