// Traffic from an OpenAPI 2/3 spec: several calls per operation with a long-tail (Zipf)
// distribution over operations, realistic path-parameter values (values.ts), JSON response
// bodies shaped like the spec's 2xx schema, in a deterministic shuffled order.

import type { Transaction } from '../../src/wire/transaction.ts';
import { specBasePath, specPathTemplate } from '../../src/analysis/discovery/template.ts';
import { hash, rng, shuffle, Zipf } from './random.ts';
import { ValueSource, type ParamSpec } from './values.ts';

export interface GeneratedCall {
  method: string;
  path: string;
  /** The spec's template for this call (base path included, names kept). */
  template: string;
}

export interface GeneratedSpec {
  name: string;
  host: string;
  operations: number;
  calls: GeneratedCall[];
  transactions: Transaction[];
}

export interface GenerateOptions {
  seed?: number;
  /** Calls every operation gets. */
  minCalls?: number;
  /** Extra calls per operation on average, spread over operations by Zipf(1.1). */
  extraPerOp?: number;
  /** Upper bound on calls per spec. */
  maxCalls?: number;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

type Doc = Record<string, any>;

function deref(doc: Doc, v: any, depth = 0): any {
  if (v && typeof v === 'object' && typeof v.$ref === 'string' && depth < 8) {
    const parts = v.$ref.replace(/^#\//, '').split('/').map((p: string) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    let cur: any = doc;
    for (const p of parts) cur = cur?.[p];
    return deref(doc, cur, depth + 1);
  }
  return v;
}

/** A small JSON body shaped like a schema (top-level keys matter for response similarity). */
function sample(doc: Doc, schema: any, depth = 0): unknown {
  const s = deref(doc, schema);
  if (!s || typeof s !== 'object' || depth > 2) return null;
  if (s.type === 'array' || s.items) return [sample(doc, s.items, depth + 1)];
  const props = { ...(s.properties ?? {}) };
  for (const part of s.allOf ?? []) Object.assign(props, deref(doc, part)?.properties ?? {});
  if (Object.keys(props).length > 0) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(props).slice(0, 24)) out[k] = depth < 1 ? sample(doc, v, depth + 1) : null;
    return out;
  }
  if (s.type === 'integer' || s.type === 'number') return 1;
  if (s.type === 'boolean') return true;
  if (s.type === 'string') return 'x';
  return {};
}

interface Operation {
  method: string;
  template: string;
  params: Map<string, ParamSpec>;
  status: number;
  body: Buffer | null;
}

function operations(doc: Doc): Operation[] {
  const base = specBasePath(doc);
  const out: Operation[] = [];
  for (const [key, rawItem] of Object.entries<any>(doc.paths ?? {})) {
    const item = deref(doc, rawItem);
    if (!item || typeof item !== 'object') continue;
    for (const m of Object.keys(item)) {
      if (!METHODS.includes(m.toLowerCase())) continue;
      const op = item[m] ?? {};
      const params = new Map<string, ParamSpec>();
      for (const raw of [...(item.parameters ?? []), ...(op.parameters ?? [])]) {
        const p = deref(doc, raw);
        if (!p || p.in !== 'path' || typeof p.name !== 'string') continue;
        const schema = deref(doc, p.schema) ?? {};
        params.set(p.name, {
          name: p.name,
          type: p.type ?? schema.type,
          format: p.format ?? schema.format,
          enum: p.enum ?? schema.enum,
        });
      }
      let template = specPathTemplate(base, key);
      // A parameter with one possible value is a constant.
      for (const [name, p] of params) {
        if (p.enum && p.enum.length === 1) {
          template = template.split(`{${name}}`).join(String(p.enum[0]));
          params.delete(name);
        }
      }
      const codes = Object.keys(op.responses ?? {}).filter((c) => /^2\d\d$/.test(c)).sort();
      const status = codes.length > 0 ? Number(codes[0]) : 200;
      const res = codes.length > 0 ? deref(doc, op.responses[codes[0]!]) : null;
      const schema = res?.schema ?? res?.content?.['application/json']?.schema;
      const body = schema ? Buffer.from(JSON.stringify(sample(doc, schema))) : null;
      out.push({ method: m.toUpperCase(), template, params, status, body });
    }
  }
  return out;
}

export function hostOf(doc: Doc, name: string): string {
  if (typeof doc.host === 'string' && doc.host) return doc.host.toLowerCase();
  const url = doc.servers?.[0]?.url;
  const m = typeof url === 'string' ? /^[a-z]+:\/\/([^/:]+)/i.exec(url) : null;
  return (m ? m[1]! : name.split('__')[0]!).toLowerCase();
}

function transaction(id: string, ts: number, host: string, op: Operation, path: string): Transaction {
  return {
    id,
    idGenerated: false,
    timestamp: ts,
    version: null,
    request: {
      method: op.method,
      uri: path,
      host,
      scheme: 'https',
      httpVersion: '1.1',
      clientIp: '203.0.113.7',
      clientIpRule: 'client-ip',
      connection: { connectionIp: '203.0.113.7', serverIp: '198.51.100.1' },
      headers: [['accept', 'application/json']],
      body: null,
    },
    response: {
      status: op.status,
      headers: op.body ? [['content-type', 'application/json']] : [],
      body: op.body ? { bytes: op.body, length: op.body.length, truncated: false } : null,
    },
    meta: {},
  };
}

export function generate(doc: Doc, name: string, opts: GenerateOptions = {}): GeneratedSpec {
  const seed = (opts.seed ?? 1) ^ hash(name);
  const r = rng(seed);
  const minCalls = opts.minCalls ?? 3;
  const ops = operations(doc);
  const extraPerOp = opts.extraPerOp ?? 15;
  const maxCalls = opts.maxCalls ?? 8000;
  const extra = Math.max(0, Math.min(ops.length * extraPerOp, maxCalls - ops.length * minCalls));
  const counts = ops.map(() => minCalls);
  if (ops.length > 0) {
    const rank = shuffle(r, ops.map((_, i) => i));
    const zipf = new Zipf(ops.length, 1.1);
    for (let i = 0; i < extra; i++) counts[rank[zipf.sample(r)]!]!++;
  }
  const sources = new Map<string, ValueSource>();
  const valueFor = (p: ParamSpec) => {
    const key = `${p.name}|${p.type ?? ''}|${p.format ?? ''}|${(p.enum ?? []).join(',')}`;
    let s = sources.get(key);
    if (!s) sources.set(key, (s = new ValueSource(name, p)));
    return s.next();
  };
  const order: number[] = [];
  counts.forEach((n, i) => {
    for (let k = 0; k < n; k++) order.push(i);
  });
  shuffle(r, order);
  const host = hostOf(doc, name);
  const calls: GeneratedCall[] = [];
  const transactions: Transaction[] = [];
  const t0 = Date.UTC(2026, 0, 1);
  order.forEach((i, n) => {
    const op = ops[i]!;
    const path = op.template.replace(/\{([^}]+)\}/g, (_, pname: string) =>
      encodeURIComponent(valueFor(op.params.get(pname) ?? { name: pname, type: 'string' })),
    );
    calls.push({ method: op.method, path, template: op.template });
    transactions.push(transaction(`${name}-${n}`, t0 + n * 1000, host, op, path));
  });
  return { name, host, operations: ops.length, calls, transactions };
}
