// The bridge's configuration file (YAML or JSON): traffic filters and masking scopes.
//
//   filters:
//     - { name: health-checks, action: ignore, uri: "/health*" }
//     - { name: partner-api, action: allow, host: "partner.example.com" }
//     - { name: no-internal, action: exclude, uri: "re:^/internal/" }
//     - { name: shop, action: include, host: "*.shop.example", method: [GET, POST] }
//   masking:
//     - { host: "*", uri: "*" }                           # mask everything detected (the default)
//     - { host: "api.example.com", uri: "/public/*", enabled: false }
//
// Filter precedence: ignore and allow rules first (in file order; the first that matches decides),
// then exclude, then include. With include rules present, traffic no include rule matches is
// dropped; without them, it passes. The rule that let a transaction through is recorded in
// txn-meta-data.filter_info.filter_name.
import { parse as parseYaml } from 'yaml';

export type FilterAction = 'ignore' | 'allow' | 'exclude' | 'include';
const ACTIONS: readonly FilterAction[] = ['ignore', 'allow', 'exclude', 'include'];

export interface FilterRule {
  name: string;
  action: FilterAction;
  host: string;
  uri: string;
  methods: string[] | null;
}

export interface MaskScope {
  host: string;
  uri: string;
  methods: string[] | null;
  enabled: boolean;
  /** Only these types (default: all detected). */
  types: string[] | null;
}

export interface BridgeConfig {
  filters: FilterRule[];
  masking: MaskScope[];
}

export const DEFAULT_CONFIG: BridgeConfig = { filters: [], masking: [{ host: '*', uri: '*', methods: null, enabled: true, types: null }] };

/** A glob (`*` any run, `?` one character) or `re:<regular expression>`, as a matcher. */
export function matcher(pattern: string, where: string): (value: string) => boolean {
  if (pattern.startsWith('re:')) {
    let re: RegExp;
    try {
      re = new RegExp(pattern.slice(3));
    } catch (err) {
      throw new Error(`${where}: "${pattern}" is not a valid regular expression: ${(err as Error).message}`);
    }
    return (v) => re.test(v);
  }
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return (v) => re.test(v);
}

function methodsOf(raw: unknown, where: string): string[] | null {
  if (raw === undefined || raw === null || raw === '*') return null;
  const list = Array.isArray(raw) ? raw : [raw];
  if (!list.every((m) => typeof m === 'string' && /^[A-Za-z]+$/.test(m))) throw new Error(`${where}.method must be a method name or a list of them`);
  return list.map((m) => (m as string).toUpperCase());
}

function text(raw: unknown, where: string, fallback: string): string {
  if (raw === undefined) return fallback;
  if (typeof raw !== 'string' || raw === '') throw new Error(`${where} must be a non-empty string`);
  return raw;
}

/** Parses and checks the file; errors name the entry and field. */
export function parseBridgeConfig(source: string, file = 'bridge config'): BridgeConfig {
  let doc: unknown;
  try {
    doc = source.trim().startsWith('{') ? JSON.parse(source) : parseYaml(source);
  } catch (err) {
    throw new Error(`${file}: not valid YAML or JSON: ${(err as Error).message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) return DEFAULT_CONFIG;
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new Error(`${file}: expected a mapping with "filters" and/or "masking"`);
  const d = doc as Record<string, unknown>;
  for (const key of Object.keys(d)) if (key !== 'filters' && key !== 'masking') throw new Error(`${file}: unknown key "${key}" (expected filters, masking)`);
  const filters = (Array.isArray(d.filters) ? d.filters : d.filters === undefined ? [] : null);
  if (filters === null) throw new Error(`${file}: filters must be a list`);
  const names = new Set<string>();
  const rules = filters.map((raw, i): FilterRule => {
    const where = `${file}: filters[${i}]`;
    if (!raw || typeof raw !== 'object') throw new Error(`${where} must be a mapping`);
    const r = raw as Record<string, unknown>;
    const action = String(r.action ?? '').toLowerCase() as FilterAction;
    if (!ACTIONS.includes(action)) throw new Error(`${where}.action must be one of ${ACTIONS.join(', ')} (got ${JSON.stringify(r.action)})`);
    const name = text(r.name, `${where}.name`, `${action}-${i}`);
    if (names.has(name)) throw new Error(`${where}.name "${name}" is used twice`);
    names.add(name);
    const rule = { name, action, host: text(r.host, `${where}.host`, '*'), uri: text(r.uri, `${where}.uri`, '*'), methods: methodsOf(r.method ?? r.methods, where) };
    matcher(rule.host, `${where}.host`);
    matcher(rule.uri, `${where}.uri`);
    return rule;
  });
  const masking = d.masking === undefined ? DEFAULT_CONFIG.masking : Array.isArray(d.masking) ? d.masking.map((raw, i): MaskScope => {
    const where = `${file}: masking[${i}]`;
    if (!raw || typeof raw !== 'object') throw new Error(`${where} must be a mapping`);
    const r = raw as Record<string, unknown>;
    if (r.enabled !== undefined && typeof r.enabled !== 'boolean') throw new Error(`${where}.enabled must be true or false`);
    if (r.types !== undefined && !(Array.isArray(r.types) && r.types.every((t) => typeof t === 'string'))) throw new Error(`${where}.types must be a list of type names such as CREDIT_CARD`);
    const scope = { host: text(r.host, `${where}.host`, '*'), uri: text(r.uri, `${where}.uri`, '*'), methods: methodsOf(r.method ?? r.methods, where), enabled: r.enabled !== false, types: (r.types as string[] | undefined) ?? null };
    matcher(scope.host, `${where}.host`);
    matcher(scope.uri, `${where}.uri`);
    return scope;
  }) : null;
  if (masking === null) throw new Error(`${file}: masking must be a list`);
  return { filters: rules, masking };
}

interface Target {
  host: string;
  uri: string;
  method: string;
}

/** Compiled filters: decide(t) says whether a transaction goes on, and which rule decided. */
export class TrafficFilter {
  private readonly rules: Array<FilterRule & { test: (t: Target) => boolean }>;
  private readonly hasInclude: boolean;

  constructor(rules: FilterRule[]) {
    this.rules = rules.map((r) => {
      const host = matcher(r.host, r.name);
      const uri = matcher(r.uri, r.name);
      return { ...r, test: (t: Target) => host(t.host) && uri(t.uri) && (r.methods === null || r.methods.includes(t.method.toUpperCase())) };
    });
    this.hasInclude = rules.some((r) => r.action === 'include');
  }

  decide(t: Target): { pass: boolean; rule: string | null } {
    for (const phase of [['ignore', 'allow'], ['exclude'], ['include']] as const) {
      const hit = this.rules.find((r) => (phase as readonly string[]).includes(r.action) && r.test(t));
      if (hit) return { pass: hit.action === 'allow' || hit.action === 'include', rule: hit.name };
    }
    return { pass: !this.hasInclude, rule: null };
  }
}

/** Compiled masking scopes: scopeFor(t) is the masking that applies, the last matching scope winning (null: do not mask). */
export class MaskingScopes {
  private readonly scopes: Array<MaskScope & { test: (t: Target) => boolean }>;

  constructor(scopes: MaskScope[]) {
    this.scopes = scopes.map((s) => {
      const host = matcher(s.host, 'masking');
      const uri = matcher(s.uri, 'masking');
      return { ...s, test: (t: Target) => host(t.host) && uri(t.uri) && (s.methods === null || s.methods.includes(t.method.toUpperCase())) };
    });
  }

  scopeFor(t: Target): MaskScope | null {
    let chosen: MaskScope | null = null;
    for (const s of this.scopes) if (s.test(t)) chosen = s;
    return chosen && chosen.enabled ? chosen : null;
  }
}
