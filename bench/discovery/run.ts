// node bench/discovery/run.ts [--spec a,b] [--seed N] [--extra N] [--min N] [--errors N]
// Scores path-template inference (and two baselines) on traffic generated from every spec in
// ../shared/fixtures/openapi; writes JSON to bench/results/.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, listSpecs, overall, runSpec, METHODS, type SpecResult } from './harness.ts';

function arg(name: string, env: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : process.env[env];
}
const num = (name: string, env: string, d: number) => {
  const v = arg(name, env);
  const n = v === undefined || v === '' ? d : Number(v);
  if (!Number.isFinite(n) || n < 0) {
    console.error(`bench: --${name} / ${env} must be a number >= 0`);
    process.exit(1);
  }
  return n;
};

const filter = arg('spec', 'BENCH_SPECS');
const opts = { seed: num('seed', 'BENCH_SEED', 1), extraPerOp: num('extra', 'BENCH_EXTRA', 15), minCalls: num('min', 'BENCH_MIN_CALLS', 3) };
const showErrors = num('errors', 'BENCH_ERRORS', 0);
const resultsDir = process.env.BENCH_RESULTS_DIR ?? new URL('../results/', import.meta.url).pathname;

const started = performance.now();
const files = listSpecs(undefined, filter);
if (files.length === 0) {
  console.error(`bench: no spec in ${FIXTURES} matches "${filter ?? ''}"`);
  process.exit(1);
}
const results: SpecResult[] = [];
for (const file of files) results.push(runSpec(file, opts, undefined, showErrors));
const all = overall(results);

const pct = (x: number) => (100 * x).toFixed(1).padStart(5);
const methods = Object.keys(METHODS);
console.log(`\nPath-template inference, ${results.length} specs (seed ${opts.seed}, ${opts.minCalls}+${opts.extraPerOp}/op calls)\n`);
console.log('spec'.padEnd(52) + ' ops  true ' + methods.map((m) => `| ${m.padEnd(15)} P     R     F1   over under `).join(''));
for (const r of results) {
  const t = r.scores.tapline!;
  console.log(
    r.spec.slice(0, 51).padEnd(52) + String(r.operations).padStart(4) + String(t.trueEndpoints).padStart(6) + ' ' +
      methods.map((m) => {
        const s = r.scores[m]!;
        return `| ${''.padEnd(15)}${pct(s.precision)} ${pct(s.recall)} ${pct(s.f1)} ${String(s.overMerge).padStart(4)} ${String(s.underMerge).padStart(5)} `;
      }).join(''),
  );
  if (showErrors > 0 && r.errors) for (const e of r.errors.tapline ?? []) console.log(`    ${e.calls}x ${e.inferred}   (true ${e.truth})`);
}
console.log('\nOverall (micro: counts summed over specs; macro: mean of per-spec F1)');
for (const m of methods) {
  const s = all[m]!;
  console.log(
    `  ${m.padEnd(16)} P ${pct(s.precision)}  R ${pct(s.recall)}  F1 ${pct(s.f1)}  macro-F1 ${pct(s.macroF1)}  over-merge ${s.overMerge}  under-merge ${s.underMerge}  (true ${s.trueEndpoints}, inferred ${s.inferredEndpoints}, calls ${s.calls})`,
  );
}
const st = all.tapline!.stats;
console.log(`\nTapline template changes while streaming: ${st.refined ?? 0} refined (identity kept), ${st.merged ?? 0} merged into another endpoint, ${st.split ?? 0} split back out`);
const best = Math.max(all['baseline-shape']!.f1, all['baseline-prefix']!.f1);
const ours = all.tapline!.f1;
const met = ours >= 0.95 && ours - best >= 0.15;
console.log(`\nGoal (F1 >= 95.0 and >= 15 points above the better baseline, ${pct(best)}): ${met ? 'met' : 'NOT met'} (${pct(ours)}, +${((ours - best) * 100).toFixed(1)} points)`);
console.log(`(${((performance.now() - started) / 1000).toFixed(1)} s)`);

mkdirSync(resultsDir, { recursive: true });
const out = join(resultsDir, `discovery-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(out, JSON.stringify({ bench: 'discovery', options: opts, filter: filter ?? null, overall: all, goalMet: met, specs: results }, null, 2));
console.log(`results: ${out}`);
