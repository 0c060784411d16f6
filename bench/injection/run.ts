// Injection detector bench: recall on the attack fixtures (per file, per kind) and on path traversal
// and command injection payloads written for this bench; the share of benign values flagged
// (benign-false_positives.txt and a generated corpus of realistic API values, per source); and
// speed, as a ratio to a baseline measured in the same run.
//   node bench/injection/run.ts [--benign 20000] [--seed 42] [--rounds 5] [--misses 10]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { detectInjection, type InjectionKind, type InjectionMatch } from '../../src/analysis/threats/injection.ts';
import { setting } from '../lib.ts';
import { benign, COMMAND, fixtureNegatives, fixturePositives, keywordSoup, TRAVERSAL, type Negative, type Positive } from './corpus.ts';


export interface Tally {
  total: number;
  hit: number;
  /** detected with the expected kind */
  rightKind: number;
  rate: number;
}
const tally = (): Tally => ({ total: 0, hit: 0, rightKind: 0, rate: 0 });
const finish = (t: Tally) => ((t.rate = t.total ? t.hit / t.total : 0), t);

export interface AccuracyResult {
  recall: { overall: Tally; fixtures: Tally; perFile: Record<string, Tally>; perKind: Record<string, Tally> };
  falsePositives: { overall: Tally; perSource: Record<string, Tally>; fixtureFile: Tally; generated: Tally };
  /** the keyword-soup stress set (not part of the goal; reported apart) */
  stress?: Tally;
  misses: { source: string; value: string }[];
  flagged: { source: string; value: string; match: InjectionMatch }[];
}

export function allPositives(): Positive[] {
  return [
    ...fixturePositives(),
    ...TRAVERSAL.map((value) => ({ source: 'own-path_traversal', kind: 'PATH_TRAVERSAL' as InjectionKind, value })),
    ...COMMAND.map((value) => ({ source: 'own-command_injection', kind: 'COMMAND_INJECTION' as InjectionKind, value })),
  ];
}

export function allNegatives(benignCount: number, seed: number): Negative[] {
  return [...fixtureNegatives().map((value) => ({ source: 'benign-false_positives.txt', value, location: 'query' as const })), ...benign(benignCount, seed)];
}

/** Positives are scanned without a location (fixture lines are mostly URL-encoded query values). */
export function accuracy(positives: Positive[], negatives: Negative[], keep = 10): AccuracyResult {
  const perFile: Record<string, Tally> = {};
  const perKind: Record<string, Tally> = {};
  const overall = tally();
  const fixtures = tally();
  const misses: AccuracyResult['misses'] = [];
  for (const p of positives) {
    const m = detectInjection(p.value);
    for (const t of [(perFile[p.source] ??= tally()), (perKind[p.kind] ??= tally()), overall, ...(p.source.startsWith('own-') ? [] : [fixtures])]) {
      t.total++;
      if (m) t.hit++;
      if (m && m.kind === p.kind) t.rightKind++;
    }
    if (!m && misses.length < keep * 50) misses.push({ source: p.source, value: p.value });
  }
  const perSource: Record<string, Tally> = {};
  const fpOverall = tally();
  const fixtureFile = tally();
  const generated = tally();
  const flagged: AccuracyResult['flagged'] = [];
  for (const n of negatives) {
    const m = detectInjection(n.value, { location: n.location });
    for (const t of [(perSource[n.source] ??= tally()), fpOverall, n.source === 'benign-false_positives.txt' ? fixtureFile : generated]) {
      t.total++;
      if (m) t.hit++;
    }
    if (m && flagged.length < keep * 50) flagged.push({ source: n.source, value: n.value, match: m });
  }
  for (const t of [overall, fixtures, fpOverall, fixtureFile, generated, ...Object.values(perFile), ...Object.values(perKind), ...Object.values(perSource)]) finish(t);
  return { recall: { overall, fixtures, perFile, perKind }, falsePositives: { overall: fpOverall, perSource, fixtureFile, generated }, misses, flagged };
}

export interface SpeedResult {
  values: number;
  rounds: number;
  detectorMs: number;
  baselineMs: number;
  valuesPerSecond: number;
  baselineValuesPerSecond: number;
  /** detector CPU time / baseline CPU time over the same values */
  costRatio: number;
}

const cpuMs = (t0: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(t0);
  return (d.user + d.system) / 1000;
};
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;

const NAIVE = /union\s+select|<script|\.\.\/|;\s*cat\s|'\s*or\s+1=1/i;
function baseline(values: string[]): number {
  let hits = 0;
  for (const v of values) {
    let d = v;
    try {
      d = decodeURIComponent(v.replace(/\+/g, ' '));
    } catch {
      // malformed: keep as is
    }
    if (NAIVE.test(d)) hits++;
  }
  return hits;
}
function detector(values: string[]): number {
  let hits = 0;
  for (const v of values) if (detectInjection(v)) hits++;
  return hits;
}

/**
 * The detector vs the baseline (decodeURIComponent + one simple regex) over the same values in the
 * same process, alternating which runs first; CPU time (process.cpuUsage), medians of the rounds.
 */
export function speed(values: string[], rounds: number): SpeedResult {
  detector(values.slice(0, 2000));
  baseline(values.slice(0, 2000));
  // the baseline is much cheaper: it runs REPS times per round (and is divided back) so both
  // measurements last long enough to be stable
  const REPS = 10;
  const baselineRep = (v: string[]) => {
    let h = 0;
    for (let k = 0; k < REPS; k++) h += baseline(v);
    return h;
  };
  const d: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const runs: [number[], (v: string[]) => number][] = r % 2 === 0 ? [[d, detector], [b, baselineRep]] : [[b, baselineRep], [d, detector]];
    for (const [acc, fn] of runs) {
      const t0 = process.cpuUsage();
      fn(values);
      acc.push(cpuMs(t0));
    }
  }
  const detectorMs = median(d);
  const baselineMs = Math.max(median(b) / REPS, 0.001);
  return {
    values: values.length, rounds, detectorMs, baselineMs,
    valuesPerSecond: Math.round(values.length / (detectorMs / 1000)),
    baselineValuesPerSecond: Math.round(values.length / (baselineMs / 1000)),
    costRatio: Math.round((detectorMs / baselineMs) * 100) / 100,
  };
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

/** Share of the keyword-soup stress set flagged. */
export function stress(count: number, seed: number): Tally {
  const t = tally();
  for (const v of keywordSoup(count, seed)) {
    t.total++;
    if (detectInjection(v)) t.hit++;
  }
  return finish(t);
}

export function table(a: AccuracyResult, s?: SpeedResult): string {
  const lines: string[] = [];
  lines.push('| positives (file) | lines | detected | recall | right kind |', '| --- | ---: | ---: | ---: | ---: |');
  for (const [f, t] of Object.entries(a.recall.perFile)) lines.push(`| ${f} | ${t.total} | ${t.hit} | ${pct(t.rate)} | ${t.rightKind} |`);
  lines.push(`| **attack fixtures (sqli-*, xss-*)** | **${a.recall.fixtures.total}** | **${a.recall.fixtures.hit}** | **${pct(a.recall.fixtures.rate)}** | ${a.recall.fixtures.rightKind} |`);
  lines.push(`| all positives | ${a.recall.overall.total} | ${a.recall.overall.hit} | ${pct(a.recall.overall.rate)} | ${a.recall.overall.rightKind} |`);
  lines.push('', '| kind | payloads | detected | recall | right kind |', '| --- | ---: | ---: | ---: | ---: |');
  for (const [k, t] of Object.entries(a.recall.perKind)) lines.push(`| ${k} | ${t.total} | ${t.hit} | ${pct(t.rate)} | ${t.rightKind} |`);
  lines.push('', '| negatives (source) | values | flagged | false-positive rate |', '| --- | ---: | ---: | ---: |');
  lines.push(`| benign-false_positives.txt | ${a.falsePositives.fixtureFile.total} | ${a.falsePositives.fixtureFile.hit} | ${pct(a.falsePositives.fixtureFile.rate)} |`);
  lines.push(`| **generated benign corpus** | **${a.falsePositives.generated.total}** | **${a.falsePositives.generated.hit}** | **${pct(a.falsePositives.generated.rate)}** |`);
  for (const [src, t] of Object.entries(a.falsePositives.perSource)) if (src !== 'benign-false_positives.txt') lines.push(`| &nbsp;&nbsp;generated: ${src} | ${t.total} | ${t.hit} | ${pct(t.rate)} |`);
  lines.push(`| all negatives | ${a.falsePositives.overall.total} | ${a.falsePositives.overall.hit} | ${pct(a.falsePositives.overall.rate)} |`);
  if (a.stress) lines.push(`| *stress, not realistic: random SQL-keyword soup* | ${a.stress.total} | ${a.stress.hit} | ${pct(a.stress.rate)} |`);
  if (s) {
    lines.push('', '| speed (same run, CPU time, median of rounds) | values | values/s | cost ratio |', '| --- | ---: | ---: | ---: |');
    lines.push(`| baseline: decodeURIComponent + one regex | ${s.values} | ${s.baselineValuesPerSecond.toLocaleString('en-US')} | 1 |`);
    lines.push(`| detectInjection | ${s.values} | ${s.valuesPerSecond.toLocaleString('en-US')} | ${s.costRatio} |`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const benignCount = setting('benign', 'BENCH_BENIGN', 20_000);
  const seed = setting('seed', 'BENCH_SEED', 42);
  const rounds = setting('rounds', 'BENCH_ROUNDS', 5);
  const show = setting('misses', 'BENCH_MISSES', 10);
  const positives = allPositives();
  const negatives = allNegatives(benignCount, seed);
  const a = accuracy(positives, negatives, show);
  a.stress = stress(setting('stress', 'BENCH_STRESS', 10_000), seed);
  const values = [...positives.map((p) => p.value), ...negatives.map((n) => n.value)];
  const s = speed(values, Math.max(1, rounds));
  console.log(table(a, s));
  if (show > 0) {
    console.log(`\nmissed positives (first ${show} of ${a.recall.overall.total - a.recall.overall.hit}):`);
    for (const m of a.misses.slice(0, show)) console.log(`  [${m.source}] ${m.value.slice(0, 160)}`);
    console.log(`\nflagged negatives (first ${show} of ${a.falsePositives.overall.hit}):`);
    for (const f of a.flagged.slice(0, show)) console.log(`  [${f.source}] ${f.value.slice(0, 120)}  => ${f.match.kind} ${f.match.score} ${f.match.reasons[0]}`);
  }
  const dir = process.env.BENCH_RESULTS_DIR ?? join(new URL('../results/', import.meta.url).pathname);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `injection-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), benignCount, seed, recall: a.recall, falsePositives: a.falsePositives, stress: a.stress, speed: s, misses: a.misses, flagged: a.flagged.slice(0, 200) }, null, 2));
  console.log(`\nwritten ${file}`);
  const ok = a.recall.fixtures.rate >= 0.95 && a.falsePositives.fixtureFile.rate <= 0.01 && a.falsePositives.generated.rate <= 0.01;
  console.log(ok ? 'goals met: recall >= 0.95 on the attack fixtures, <= 1% of benign values flagged' : 'goals NOT met');
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
