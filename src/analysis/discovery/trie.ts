// The per-host path trie and the inference over it.
//
// The raw trie stores what was seen: literal segments (bounded per node and per host) and, for
// values whose shape is a sure id (int, uuid, hex, object id, token, e-mail, ...) once a second
// distinct one appears at a position, a physically folded parameter child. Everything that needs
// sibling statistics (names, slugs, codes, constants) stays literal in the raw trie and is decided
// by `buildView`, a pure function of the raw trie, so a decision made on thin evidence is revised
// by later traffic instead of being baked in.

import { classify, paramType, splitSuffix, strength, type Shape } from './classify.ts';
import { paramName } from './naming.ts';

export interface EndStat {
  hits: number;
  /** Response-shape signature -> count (a few). */
  sigs: Map<string, number>;
}

export interface RawParam {
  suffix: string;
  rule: string;
  shapes: Map<Shape, number>;
  samples: string[];
  /** Distinct values with counts, capped; `distinct` keeps counting past the cap (approximately). */
  values: Map<string, number>;
  distinct: number;
}

export interface RawNode {
  id: number;
  hits: number;
  lits: Map<string, RawNode>;
  pars: Map<string, RawNode>;
  /** Present on parameter children (in `pars`). */
  param?: RawParam;
  ends: Map<string, EndStat>;
}

export const LIMITS = {
  /** Literal children per raw node; past it, new values go to a parameter child. */
  literalsPerNode: 256,
  /** Raw nodes per host; past it, new values go to a parameter child wherever possible. */
  nodesPerHost: 50_000,
  samples: 5,
  valuesPerParam: 256,
  sigsPerEnd: 4,
  /** A lone sure-id value seen this often with no sibling value is a constant (/api/18/...). */
  loneConstantHits: 8,
};

export function newNode(id: number): RawNode {
  return { id, hits: 0, lits: new Map(), pars: new Map(), ends: new Map() };
}

export interface TrieState {
  root: RawNode;
  nextId: number;
  nodes: number;
  /** Raw ids folded into another node -> that node. */
  moved: Map<number, number>;
}

export function newTrie(): TrieState {
  return { root: newNode(0), nextId: 1, nodes: 1, moved: new Map() };
}

function bump<K>(map: Map<K, number>, key: K, by = 1, cap = Infinity): void {
  const cur = map.get(key);
  if (cur !== undefined) map.set(key, cur + by);
  else if (map.size < cap) map.set(key, by);
}

function recordValue(p: RawParam, core: string, shape: Shape, by = 1): void {
  bump(p.shapes, shape, by);
  if (p.values.has(core)) bump(p.values, core, by);
  else {
    p.distinct++;
    if (p.values.size < LIMITS.valuesPerParam) p.values.set(core, by);
    if (p.samples.length < LIMITS.samples) p.samples.push(core);
  }
}

/** Merges raw node `from` into `into` (sums, unions children recursively). */
function mergeInto(t: TrieState, into: RawNode, from: RawNode): void {
  into.hits += from.hits;
  t.moved.set(from.id, into.id);
  t.nodes--;
  for (const [m, e] of from.ends) {
    const cur = into.ends.get(m);
    if (!cur) into.ends.set(m, e);
    else {
      cur.hits += e.hits;
      for (const [s, n] of e.sigs) bump(cur.sigs, s, n, LIMITS.sigsPerEnd);
    }
  }
  for (const [seg, child] of from.lits) {
    const cur = into.lits.get(seg);
    if (cur) mergeInto(t, cur, child);
    else into.lits.set(seg, child);
  }
  for (const [suffix, child] of from.pars) {
    const cur = into.pars.get(suffix);
    if (!cur) into.pars.set(suffix, child);
    else {
      const p = cur.param!;
      for (const [v, n] of child.param!.values) recordValue(p, v, classify(v), n);
      p.distinct += Math.max(0, child.param!.distinct - child.param!.values.size);
      mergeInto(t, cur, child);
    }
  }
}

function paramChild(t: TrieState, node: RawNode, suffix: string, rule: string): RawNode {
  let child = node.pars.get(suffix);
  if (!child) {
    child = newNode(t.nextId++);
    t.nodes++;
    child.param = { suffix, rule, shapes: new Map(), samples: [], values: new Map(), distinct: 0 };
    node.pars.set(suffix, child);
  }
  return child;
}

/** Records one path (segments) ending with `method`; returns the terminal raw node. */
export function insert(t: TrieState, segs: string[], method: string, sig: string | undefined): RawNode {
  let node = t.root;
  node.hits++;
  for (const seg of segs) {
    node = step(t, node, seg);
    node.hits++;
  }
  let end = node.ends.get(method);
  if (!end) {
    end = { hits: 0, sigs: new Map() };
    node.ends.set(method, end);
  }
  end.hits++;
  if (sig !== undefined) bump(end.sigs, sig, 1, LIMITS.sigsPerEnd);
  return node;
}

function step(t: TrieState, node: RawNode, seg: string): RawNode {
  const lit = node.lits.get(seg);
  if (lit) return lit;
  const [core, suffix] = splitSuffix(seg);
  const shape = classify(core);
  const sure = strength(shape) === 'strong';
  if (sure) {
    let par = node.pars.get(suffix);
    if (!par) {
      // A second distinct sure-id value at this position: fold the first one in.
      for (const [other, child] of node.lits) {
        const [oc, os] = splitSuffix(other);
        if (os !== suffix || strength(classify(oc)) !== 'strong') continue;
        par = paramChild(t, node, suffix, `shape:${shape}`);
        node.lits.delete(other);
        const keepId = child.id;
        recordValue(par.param!, oc, classify(oc), child.hits);
        mergeInto(t, par, child);
        // The earlier node's id names the folded position (stable endpoint keys).
        if (keepId < par.id) {
          t.moved.delete(keepId);
          t.moved.set(par.id, keepId);
          par.id = keepId;
        }
        break;
      }
    }
    if (par) {
      recordValue(par.param!, core, shape);
      return par;
    }
  }
  if (node.lits.size >= LIMITS.literalsPerNode || t.nodes >= LIMITS.nodesPerHost) {
    const par = paramChild(t, node, suffix, node.lits.size >= LIMITS.literalsPerNode ? 'cardinality-cap' : 'budget');
    recordValue(par.param!, core, shape);
    return par;
  }
  const child = newNode(t.nextId++);
  t.nodes++;
  node.lits.set(seg, child);
  return child;
}

/** The raw node for a path, following folds, without recording anything (null if unseen). */
export function find(t: TrieState, segs: string[]): RawNode | null {
  let node = t.root;
  for (const seg of segs) {
    const lit = node.lits.get(seg);
    if (lit) {
      node = lit;
      continue;
    }
    const [, suffix] = splitSuffix(seg);
    const par = node.pars.get(suffix);
    if (!par) return null;
    node = par;
  }
  return node;
}

// ---------------------------------------------------------------- the view (inference)

export interface ParamEvidence {
  rule: string;
  samples: string[];
  distinct: number;
}

export interface InferredParam {
  name: string;
  /** Segment index in the template (0-based). */
  position: number;
  type: string;
  evidence: ParamEvidence;
}

export interface VNode {
  /** Smallest raw id among the members: stable as traffic grows. */
  id: number;
  label: string;
  parent: VNode | null;
  depth: number;
  param: InferredParam | null;
  members: RawNode[];
  children: VNode[];
  /** Literal children by segment. */
  lits: Map<string, VNode>;
  /** For parameter nodes: the constant text around the value ("page-" / ".atom"). */
  affix: { prefix: string; suffix: string } | null;
  ends: Map<string, EndStat>;
}

interface LitStat {
  seg: string;
  core: string;
  suffix: string;
  shape: Shape;
  hits: number;
  raws: RawNode[];
}

/**
 * What a position "looks like" from below: methods and response shapes ending there, and its
 * children (frequent literal children by name, rare ones and parameters generically).
 */
function endSignature(raws: RawNode[]): Set<string> {
  const out = new Set<string>();
  for (const r of raws) {
    for (const [m, e] of r.ends) {
      if (e.sigs.size === 0) out.add(m);
      for (const s of e.sigs.keys()) out.add(`${m} ${s}`);
    }
    for (const k of r.lits.keys()) out.add(`/${k}`);
    for (const k of r.pars.keys()) out.add(`/{}${k}`);
  }
  return out;
}

const OPEN_SINGLETONS = 0.2;

/** The values look like an open set: many, and mostly seen once. */
function openSet(members: LitStat[], minDistinct: number): boolean {
  if (members.length < minDistinct) return false;
  // Values seen once keep appearing as long as the set is open (Good-Turing): a closed set of
  // names gets every member repeated, a parameter keeps producing new values.
  const once = members.filter((m) => m.hits === 1).length;
  return once >= Math.max(minDistinct === 2 ? 1 : 2, OPEN_SINGLETONS * members.length);
}

const PREFIXED = /^([A-Za-z]+[-_])(\d+)$/;

interface Group {
  /** The constant part: a suffix (".json"), or a prefix and suffix ("page-{}.atom"). */
  suffix: string;
  pars: RawNode[];
  lits: LitStat[];
}

function minId(raws: RawNode[]): number {
  let min = Infinity;
  for (const r of raws) if (r.id < min) min = r.id;
  return min;
}

/**
 * Walks the view along concrete segments: literal children first, then a parameter child whose
 * constant text fits. Returns the deepest node reached and how many segments it consumed.
 */
export function walkView(view: VNode, segs: string[]): { node: VNode; consumed: number } {
  let node = view;
  let i = 0;
  for (; i < segs.length; i++) {
    const seg = segs[i]!;
    const lit = node.lits.get(seg);
    if (lit) {
      node = lit;
      continue;
    }
    let next: VNode | null = null;
    for (const c of node.children) {
      const a = c.affix;
      if (a && seg.length > a.prefix.length + a.suffix.length && seg.startsWith(a.prefix) && seg.endsWith(a.suffix)) {
        // Prefer the parameter whose constant text is longest ("{}.json" over "{}").
        if (!next || a.prefix.length + a.suffix.length > next.affix!.prefix.length + next.affix!.suffix.length) next = c;
      }
    }
    if (!next) break;
    node = next;
  }
  return { node, consumed: i };
}

/** Builds the inferred template tree from raw nodes at one position (pure). */
export function buildView(root: RawNode): { view: VNode; byRaw: Map<number, VNode> } {
  const byRaw = new Map<number, VNode>();
  const view = build([root], '', null, 0, null, new Set(), byRaw);
  return { view, byRaw };
}

function build(
  raws: RawNode[], label: string, parent: VNode | null, depth: number, param: InferredParam | null,
  taken: Set<string>, byRaw: Map<number, VNode>,
): VNode {
  const v: VNode = {
    id: minId(raws), label, parent, depth, param, members: raws, children: [], lits: new Map(), affix: null, ends: new Map(),
  };
  for (const r of raws) {
    byRaw.set(r.id, v);
    for (const [m, e] of r.ends) {
      const cur = v.ends.get(m);
      if (!cur) v.ends.set(m, { hits: e.hits, sigs: new Map(e.sigs) });
      else {
        cur.hits += e.hits;
        for (const [s, n] of e.sigs) bump(cur.sigs, s, n);
      }
    }
  }
  // Gather children across members.
  const lits = new Map<string, RawNode[]>();
  const groups = new Map<string, Group>();
  const group = (suffix: string): Group => {
    let g = groups.get(suffix);
    if (!g) groups.set(suffix, (g = { suffix, pars: [], lits: [] }));
    return g;
  };
  for (const r of raws) {
    for (const [seg, child] of r.lits) {
      const list = lits.get(seg);
      if (list) list.push(child);
      else lits.set(seg, [child]);
    }
    for (const [suffix, child] of r.pars) group(suffix).pars.push(child);
  }
  // Constant prefixes ("page-3.atom" -> "page-{}.atom") count when two values share one.
  const prefixed = new Map<string, number>();
  const prefixOf = (core: string) => PREFIXED.exec(core);
  for (const seg of lits.keys()) {
    const [core, suffix] = splitSuffix(seg);
    const m = prefixOf(core);
    if (m) bump(prefixed, `${m[1]}{}${suffix}`);
  }
  for (const [seg, list] of lits) {
    const [whole, suffix] = splitSuffix(seg);
    const m = prefixOf(whole);
    const usePrefix = m !== null && prefixed.get(`${m[1]}{}${suffix}`)! >= 2;
    const core = usePrefix ? m[2]! : whole;
    const affix = usePrefix ? `${m[1]}{}${suffix}` : suffix;
    group(affix).lits.push({ seg, core, suffix: affix, shape: classify(core), hits: list.reduce((a, r) => a + r.hits, 0), raws: list });
  }
  const parentLabel = param === null && label !== '' ? label : null;
  const atCap = raws.some((r) => r.lits.size >= LIMITS.literalsPerNode);
  const folded: { g: Group; members: LitStat[]; rule: string }[] = [];
  const statics: LitStat[] = [];
  for (const g of [...groups.values()].sort((a, b) => (a.suffix < b.suffix ? -1 : a.suffix > b.suffix ? 1 : 0))) {
    const { fold, keep, rule } = decide(g, atCap);
    if (g.pars.length > 0 || fold.length > 0) folded.push({ g, members: fold, rule });
    statics.push(...keep);
  }
  statics.sort((a, b) => (a.seg < b.seg ? -1 : a.seg > b.seg ? 1 : 0));
  for (const s of statics) {
    const child = build(s.raws, s.seg, v, depth + 1, null, taken, byRaw);
    v.children.push(child);
    v.lits.set(s.seg, child);
  }
  for (const { g, members, rule } of folded) {
    const shapes = new Map<Shape, number>();
    const samples: string[] = [];
    let distinct = 0;
    for (const p of g.pars) {
      for (const [s, n] of p.param!.shapes) bump(shapes, s, n);
      for (const s of p.param!.samples) if (samples.length < LIMITS.samples && !samples.includes(s)) samples.push(s);
      distinct += p.param!.distinct;
    }
    for (const m of members) {
      bump(shapes, m.shape, m.hits);
      if (samples.length < LIMITS.samples && !samples.includes(m.core)) samples.push(m.core);
      distinct++;
    }
    const type = paramType(shapes.keys());
    const names = new Set(taken);
    const name = paramName(parentLabel, type, names);
    const ip: InferredParam = { name, position: depth, type, evidence: { rule, samples, distinct } };
    const childRaws = [...g.pars, ...members.flatMap((m) => m.raws)];
    const label = g.suffix.includes('{}') ? g.suffix.replace('{}', `{${name}}`) : `{${name}}${g.suffix}`;
    const child = build(childRaws, label, v, depth + 1, ip, names, byRaw);
    const at = g.suffix.indexOf('{}');
    child.affix = at === -1 ? { prefix: '', suffix: g.suffix } : { prefix: g.suffix.slice(0, at), suffix: g.suffix.slice(at + 2) };
    v.children.push(child);
  }
  return v;
}

/** Short codes: letters, language/country/currency codes, "f4". */
const CODE_LIKE = /^([A-Za-z0-9]{1,3}|[A-Z]{2,4}|[a-z]{2}[-_][A-Za-z]{2})$/;

/**
 * A test of "this value looks unlike its siblings": most of what it shows (methods, response
 * shapes, child names) no other sibling (or parameter child, weighted as two) shows.
 */
function unlikeSiblings(members: LitStat[], pars: RawNode[], reference: LitStat[] = []): (w: LitStat) => boolean {
  // With a parameter already there, compare with it (its values and parameter children);
  // otherwise with the other candidate values.
  if (reference.length > 0 || pars.length > 0) {
    const ref = new Set<string>();
    for (const r of reference) for (const x of endSignature(r.raws)) ref.add(x);
    for (const x of endSignature(pars)) ref.add(x);
    return (w) => {
      const sig = endSignature(w.raws);
      let shared = 0;
      for (const x of sig) if (ref.has(x)) shared++;
      return shared * 2 < sig.size;
    };
  }
  const sigOf = new Map<LitStat, Set<string>>();
  const seen = new Map<string, number>();
  for (const o of members) {
    const sig = endSignature(o.raws);
    sigOf.set(o, sig);
    for (const x of sig) bump(seen, x);
  }
  return (w) => {
    const sig = sigOf.get(w)!;
    let shared = 0;
    for (const x of sig) if (seen.get(x)! >= 2) shared++;
    return shared * 2 < sig.size;
  };
}

/** Which literal children at one position (same constant affix) are values of a parameter. */
function decide(g: Group, atCap: boolean): { fold: LitStat[]; keep: LitStat[]; rule: string } {
  const strong = g.lits.filter((l) => strength(l.shape) === 'strong');
  const medium = g.lits.filter((l) => strength(l.shape) === 'medium');
  const weak = g.lits.filter((l) => strength(l.shape) === 'weak');
  const constant = g.lits.filter((l) => strength(l.shape) === 'constant');
  let rule = g.pars.length > 0 ? g.pars[0]!.param!.rule : '';
  const fold: LitStat[] = [];
  const keep: LitStat[] = [...constant];
  const undecided: LitStat[] = [];

  // Sure ids: a parameter unless one lone value keeps coming back alone (a constant like /api/18).
  const loneConstant = g.pars.length === 0 && strong.length === 1 && strong[0]!.hits >= LIMITS.loneConstantHits;
  if (loneConstant) keep.push(...strong);
  else if (strong.length > 0) {
    fold.push(...strong);
    rule ||= `shape:${strong[0]!.shape}`;
  }
  const hasParam = fold.length > 0 || g.pars.length > 0;

  // Medium shapes (dates, names with digits, domains): two distinct, mostly rare values suffice.
  if (hasParam || (medium.length >= 2 && openSet(medium, 2))) {
    fold.push(...medium);
    if (medium.length > 0) rule ||= `shape:${medium[0]!.shape}`;
  } else undecided.push(...medium);

  // Weak shapes (words, slugs, codes): statistics of the sibling values. An open set (many
  // values, mostly seen once) is a parameter, except frequent values that look unlike their
  // siblings (/users/me next to /users/{userId}); next to a parameter, rare values that look
  // like their siblings join it.
  // More distinct values than a node keeps (an overflow parameter child) is open by itself.
  const overflow = atCap || g.pars.some((p) => p.param!.rule === 'cardinality-cap');
  const open = overflow || openSet(weak, 3) || (fold.length > 0 && openSet([...weak, ...fold], 3));
  if (open || fold.length > 0) {
    const unlike = unlikeSiblings(weak, g.pars, fold);
    for (const w of weak) {
      const rare = w.hits <= 2;
      const isStatic = open ? !rare && unlike(w) : !(rare && !unlike(w));
      if (isStatic) undecided.push(w);
      else fold.push(w);
    }
    if (weak.some((w) => fold.includes(w))) rule ||= open ? 'cardinality' : 'sibling-of-param';
  } else undecided.push(...weak);

  // A closed set of short codes (letters, language or country codes) that all look alike.
  const codes = undecided.filter((u) => CODE_LIKE.test(u.core));
  if (codes.length >= 3) {
    const unlike = unlikeSiblings(codes, g.pars);
    if (codes.every((c) => !unlike(c))) {
      fold.push(...codes);
      rule ||= 'closed-set';
    }
  }
  for (const u of undecided) if (!fold.includes(u)) keep.push(u);
  return { fold, keep, rule: rule || 'cardinality' };
}

// ---------------------------------------------------------------- serialization

export interface NodeJSON {
  i: number;
  h: number;
  l?: [string, NodeJSON][];
  p?: [string, NodeJSON][];
  a?: { s: string; r: string; sh: [string, number][]; sa: string[]; v: [string, number][]; d: number };
  e?: [string, number, [string, number][]][];
}

export function nodeToJSON(n: RawNode): NodeJSON {
  const out: NodeJSON = { i: n.id, h: n.hits };
  if (n.lits.size) out.l = [...n.lits].map(([k, c]) => [k, nodeToJSON(c)]);
  if (n.pars.size) out.p = [...n.pars].map(([k, c]) => [k, nodeToJSON(c)]);
  if (n.param) {
    const p = n.param;
    out.a = { s: p.suffix, r: p.rule, sh: [...p.shapes], sa: p.samples, v: [...p.values], d: p.distinct };
  }
  if (n.ends.size) out.e = [...n.ends].map(([m, e]) => [m, e.hits, [...e.sigs]]);
  return out;
}

export function nodeFromJSON(j: NodeJSON): RawNode {
  const n = newNode(j.i);
  n.hits = j.h;
  for (const [k, c] of j.l ?? []) n.lits.set(k, nodeFromJSON(c));
  for (const [k, c] of j.p ?? []) n.pars.set(k, nodeFromJSON(c));
  if (j.a) {
    n.param = {
      suffix: j.a.s, rule: j.a.r, shapes: new Map(j.a.sh as [Shape, number][]), samples: j.a.sa,
      values: new Map(j.a.v), distinct: j.a.d,
    };
  }
  for (const [m, h, sigs] of j.e ?? []) n.ends.set(m, { hits: h, sigs: new Map(sigs) });
  return n;
}
