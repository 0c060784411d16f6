// Behaviour rules: detections written as data and run by one engine (after CrowdSec's scenarios:
// filter, group by, distinct, window, threshold, cool-down). Each transaction becomes an event
// (who, which endpoint, what happened); a rule counts the events it selects per group within a
// sliding window (or the distinct values of one field) and fires a finding when the count reaches
// its threshold, then stays quiet for its cool-down. Groups always include the endpoint or the
// host, so each analyzer partition (by host) sees everything a rule needs.
import type { FindingObservation, Severity } from '../../store/findings.ts';
import { makeRoom } from '../bounded-map.ts';

/** What a rule sees of one transaction. */
export interface BehaviourEvent {
  at: number;
  transactionId: string;
  host: string;
  endpointId: string;
  method: string;
  template: string;
  status: number | null;
  /** Who called (actors.ts), e.g. `ip:203.0.113.7` or `sub:3f2a...`. */
  actor: string;
  /** Path parameter values by name. */
  params: Record<string, string>;
  /** A user name sent to a login-like endpoint (hashed), when there is one. */
  username: string | null;
  /** Classes of the endpoint: login, signup, otp, password-reset, checkout, admin. */
  flows: string[];
}

export type Field = 'actor' | 'endpointId' | 'host' | 'param' | 'username' | 'status';

export interface BehaviourRule {
  id: string;
  description: string;
  finding: { type: string; owaspCategory: string | null; severity: Severity };
  filter: {
    methods?: string[];
    /** Status classes or codes: `2xx`, `401`, `4xx`. */
    status?: string[];
    /** Any of these flows. */
    flows?: string[];
    /** The endpoint has at least one path parameter. */
    hasParam?: boolean;
  };
  groupBy: Array<'actor' | 'endpointId' | 'host'>;
  /** Count distinct values of this field instead of events (`param`: the path parameter values). */
  distinct?: Field;
  windowMs: number;
  threshold: number;
  cooldownMs: number;
}

/** The built-in rules, in the same language as user rules. */
export const BUILTIN_RULES: BehaviourRule[] = [
  {
    id: 'bola-object-walk',
    description: 'One actor reads many different objects of one endpoint in a short time (enumerating ids it was not given)',
    finding: { type: 'BOLA_OBJECT_ENUMERATION', owaspCategory: 'API1', severity: 'high' },
    filter: { methods: ['GET'], status: ['2xx'], hasParam: true },
    groupBy: ['actor', 'endpointId'],
    distinct: 'param',
    windowMs: 60_000,
    threshold: 50,
    cooldownMs: 600_000,
  },
  {
    id: 'brute-force-login',
    description: 'Bursts of failed authentications from one actor on a login endpoint',
    finding: { type: 'BRUTE_FORCE', owaspCategory: 'API2', severity: 'high' },
    filter: { flows: ['login'], status: ['401', '403'] },
    groupBy: ['actor', 'endpointId'],
    windowMs: 60_000,
    threshold: 10,
    cooldownMs: 600_000,
  },
  {
    id: 'credential-stuffing',
    description: 'One actor tries many different user names on a login endpoint',
    finding: { type: 'CREDENTIAL_STUFFING', owaspCategory: 'API2', severity: 'critical' },
    filter: { flows: ['login'] },
    groupBy: ['actor', 'endpointId'],
    distinct: 'username',
    windowMs: 300_000,
    threshold: 10,
    cooldownMs: 600_000,
  },
  {
    id: 'business-flow-abuse',
    description: 'One actor repeats a sensitive business flow (sign-up, OTP, password reset, checkout) far more than people do',
    finding: { type: 'BUSINESS_FLOW_ABUSE', owaspCategory: 'API6', severity: 'medium' },
    filter: { flows: ['signup', 'otp', 'password-reset', 'checkout'] },
    groupBy: ['actor', 'endpointId'],
    windowMs: 300_000,
    threshold: 20,
    cooldownMs: 900_000,
  },
  {
    id: 'business-flow-burst',
    description: 'Many actors hit a sensitive business flow together (a distributed campaign)',
    finding: { type: 'BUSINESS_FLOW_ABUSE', owaspCategory: 'API6', severity: 'high' },
    filter: { flows: ['signup', 'otp', 'password-reset'] },
    groupBy: ['endpointId'],
    distinct: 'actor',
    windowMs: 60_000,
    threshold: 50,
    cooldownMs: 900_000,
  },
];

const FLOWS = ['login', 'signup', 'otp', 'password-reset', 'checkout', 'admin'];
const SEVERITY_LIST = ['info', 'low', 'medium', 'high', 'critical'];

/** A user rule as the API receives it, checked field by field (errors name the field and the fix). */
export function checkRule(raw: unknown): BehaviourRule {
  const r = (raw ?? {}) as Record<string, unknown>;
  const fail = (field: string, fix: string): never => {
    throw new Error(`${field}: ${fix}`);
  };
  if (typeof r.id !== 'string' || !/^[a-z0-9][a-z0-9-]{1,63}$/.test(r.id)) fail('id', 'lower case letters, digits and "-", 2 to 64 characters');
  if (BUILTIN_RULES.some((b) => b.id === r.id)) fail('id', `${String(r.id)} is a built-in rule; choose another id`);
  const f = (r.finding ?? {}) as Record<string, unknown>;
  if (typeof f.type !== 'string' || !/^[A-Z][A-Z0-9_]{1,63}$/.test(f.type)) fail('finding.type', 'upper snake case, e.g. SCRAPING');
  if (f.owaspCategory !== undefined && f.owaspCategory !== null && !(typeof f.owaspCategory === 'string' && /^API([1-9]|10)$/.test(f.owaspCategory))) fail('finding.owaspCategory', 'API1 to API10, or null');
  if (!SEVERITY_LIST.includes(String(f.severity))) fail('finding.severity', SEVERITY_LIST.join(', '));
  const filter = (r.filter ?? {}) as Record<string, unknown>;
  if (filter.methods !== undefined && !(Array.isArray(filter.methods) && filter.methods.every((m) => typeof m === 'string' && /^[A-Z]+$/.test(m)))) fail('filter.methods', 'a list of upper-case methods, e.g. ["GET"]');
  if (filter.status !== undefined && !(Array.isArray(filter.status) && filter.status.every((x) => typeof x === 'string' && /^[1-5](xx|\d\d)$/.test(x)))) fail('filter.status', 'a list of codes or classes, e.g. ["401", "4xx"]');
  if (filter.flows !== undefined && !(Array.isArray(filter.flows) && filter.flows.every((x) => FLOWS.includes(String(x))))) fail('filter.flows', `a list of ${FLOWS.join(', ')}`);
  if (filter.hasParam !== undefined && typeof filter.hasParam !== 'boolean') fail('filter.hasParam', 'true or false');
  const groupBy = r.groupBy;
  if (!Array.isArray(groupBy) || groupBy.length === 0 || !groupBy.every((g) => g === 'actor' || g === 'endpointId' || g === 'host')) fail('groupBy', 'a list of actor, endpointId, host');
  if (!(groupBy as string[]).includes('endpointId') && !(groupBy as string[]).includes('host')) fail('groupBy', 'include endpointId or host, so each analyzer partition sees the whole group');
  if (r.distinct !== undefined && !['actor', 'endpointId', 'host', 'param', 'username', 'status'].includes(String(r.distinct))) fail('distinct', 'one of actor, endpointId, host, param, username, status');
  const num = (field: string, min: number, max: number) => {
    const v = r[field];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(field, `a whole number from ${min} to ${max}`);
    return v as number;
  };
  return {
    id: r.id as string,
    description: typeof r.description === 'string' ? r.description.slice(0, 300) : (r.id as string),
    finding: { type: f.type as string, owaspCategory: (f.owaspCategory as string | null | undefined) ?? null, severity: f.severity as Severity },
    filter: filter as BehaviourRule['filter'],
    groupBy: groupBy as BehaviourRule['groupBy'],
    ...(r.distinct !== undefined ? { distinct: r.distinct as Field } : {}),
    windowMs: num('windowMs', 1000, 86_400_000),
    threshold: num('threshold', 2, 1_000_000),
    cooldownMs: num('cooldownMs', 0, 86_400_000),
  };
}

/** Endpoint classes from the method and the template's words. */
export function flowsOf(method: string, template: string): string[] {
  const t = template.toLowerCase();
  const flows: string[] = [];
  const post = method === 'POST' || method === 'PUT';
  if (post && /(^|\/)(login|log-in|signin|sign-in|sessions?|auth(enticate)?|token|oauth2?\/token)(\/|$)/.test(t)) flows.push('login');
  if (post && /(^|\/)(signup|sign-up|register|registration|users)(\/|$)/.test(t) && !/\{/.test(t.split('/').pop() ?? '')) flows.push('signup');
  if (/(^|\/)(otp|mfa|2fa|verify|verification|sms|one-time-?code)(\/|$)/.test(t)) flows.push('otp');
  if (/(password|passwd)[-_/]?(reset|forgot|recover)|forgot[-_]?password|reset[-_]?password/.test(t)) flows.push('password-reset');
  if (post && /(^|\/)(checkout|orders?|payments?|purchase|cart\/checkout)(\/|$)/.test(t) && !/\{[^}]*\}$/.test(t)) flows.push('checkout');
  if (/(^|\/)(admin|internal|manage|management|debug|actuator|ops)(\/|$)/.test(t)) flows.push('admin');
  return flows;
}

function statusMatches(status: number | null, wanted: string[]): boolean {
  if (status === null) return false;
  const s = String(status);
  return wanted.some((w) => (w.endsWith('xx') ? s[0] === w[0] : s === w));
}

function selects(rule: BehaviourRule, e: BehaviourEvent): boolean {
  const f = rule.filter;
  if (f.methods && !f.methods.includes(e.method)) return false;
  if (f.status && !statusMatches(e.status, f.status)) return false;
  if (f.flows && !f.flows.some((x) => e.flows.includes(x))) return false;
  if (f.hasParam && Object.keys(e.params).length === 0) return false;
  if (rule.distinct === 'username' && e.username === null) return false;
  return true;
}

function fieldValue(e: BehaviourEvent, field: Field): string | null {
  if (field === 'param') return Object.keys(e.params).length === 0 ? null : Object.values(e.params).join('/');
  if (field === 'status') return e.status === null ? null : String(e.status);
  return e[field];
}

/** Groups kept per rule at most (the least recently active are dropped first). */
const MAX_GROUPS = 50_000;
/** Distinct values or timestamps kept per group at most (a threshold never needs more). */
export const MAX_PER_GROUP = 10_000;

/**
 * One group's events within its rule's window, oldest first: their times and, for a distinct
 * rule, their values (a value counts once, from its latest event). Events leave the window by
 * moving an index over arrays. A Map walked from its front instead (drop the oldest entries, stop
 * at the first one in the window) went over every entry deleted since the Map last compacted, on
 * every event: most of the cost of a call from a client walking thousands of ids (bench/behaviour).
 */
export class SlidingWindow {
  private times: number[] = [];
  /** Distinct rules: the value of each event (empty for counting rules). */
  private values: string[] = [];
  /** The oldest event still in the window. */
  private first = 0;
  /** Events dropped from the front of the arrays (positions below are absolute: base + index). */
  private base = 0;
  /** Distinct rules: value -> position of its latest event, least recently seen first (null for counting rules). */
  readonly latest: Map<string, number> | null;

  constructor(distinct: boolean) {
    this.latest = distinct ? new Map() : null;
  }

  /** Events (or distinct values) in the window. */
  get size(): number {
    return this.latest !== null ? this.latest.size : this.times.length - this.first;
  }

  /** Adds an event at `at` and forgets those at or before `from`; returns the new size. */
  add(at: number, value: string | null, from: number): number {
    const latest = this.latest;
    if (latest !== null) {
      latest.delete(value!);
      latest.set(value!, this.base + this.times.length);
      this.values.push(value!);
    }
    this.times.push(at);
    while (this.first < this.times.length && (this.times[this.first]! <= from || this.size > MAX_PER_GROUP)) {
      if (latest !== null) {
        const v = this.values[this.first]!;
        if (latest.get(v) === this.base + this.first) latest.delete(v);
      }
      this.first++;
    }
    this.compact();
    return this.size;
  }

  private compact(): void {
    // What left the window, once it is half of the arrays (constant time per event on average).
    if (this.first > 64 && this.first * 2 > this.times.length) {
      this.times = this.times.slice(this.first);
      this.values = this.values.slice(this.first);
      this.base += this.first;
      this.first = 0;
    }
    // A caller repeating the same values leaves older events of each value behind: past four
    // times the bound, keep only each value's latest event.
    const latest = this.latest;
    if (latest !== null && this.times.length > 4 * MAX_PER_GROUP) {
      const times: number[] = [];
      const values: string[] = [];
      for (let i = this.first; i < this.times.length; i++) {
        const v = this.values[i]!;
        if (latest.get(v) !== this.base + i) continue;
        latest.set(v, times.length); // an existing key keeps its place in the Map's order
        times.push(this.times[i]!);
        values.push(v);
      }
      this.times = times;
      this.values = values;
      this.base = 0;
      this.first = 0;
    }
  }
}

/** The events of one group (rule and key) within the window, and what its findings need. */
class Group extends SlidingWindow {
  quietUntil = 0;
  /** The newest events' transaction ids, for the finding's evidence. */
  transactions: string[] = [];
}

export class BehaviourEngine {
  private readonly rules: BehaviourRule[];
  private readonly groups = new Map<string, Map<string, Group>>();

  constructor(rules: BehaviourRule[] = BUILTIN_RULES) {
    this.rules = rules;
    for (const r of rules) this.groups.set(r.id, new Map());
  }

  /** Feeds one event; returns the findings it completes. */
  observe(e: BehaviourEvent): FindingObservation[] {
    const out: FindingObservation[] = [];
    for (const rule of this.rules) {
      if (!selects(rule, e)) continue;
      const key = rule.groupBy.map((g) => e[g]).join('\n');
      const groups = this.groups.get(rule.id)!;
      let g = groups.get(key);
      if (!g) {
        makeRoom(groups, MAX_GROUPS);
        g = new Group(rule.distinct !== undefined);
      } else groups.delete(key); // re-inserted below: the map's order is least recently active first
      groups.set(key, g);
      const from = e.at - rule.windowMs;
      const value = rule.distinct ? fieldValue(e, rule.distinct) : null;
      if (rule.distinct && value === null) continue;
      const count = g.add(e.at, value, from);
      g.transactions.push(e.transactionId);
      if (g.transactions.length > 10) g.transactions.shift();
      if (count >= rule.threshold && e.at >= g.quietUntil) {
        g.quietUntil = e.at + rule.cooldownMs;
        out.push(this.finding(rule, e, count, g));
      }
    }
    return out;
  }

  private finding(rule: BehaviourRule, e: BehaviourEvent, count: number, g: Group): FindingObservation {
    const what = rule.distinct ? `${count} distinct ${rule.distinct === 'param' ? 'object ids' : `${rule.distinct}s`}` : `${count} matching calls`;
    return {
      type: rule.finding.type,
      owaspCategory: rule.finding.owaspCategory,
      severity: rule.finding.severity,
      endpointId: e.endpointId,
      actor: rule.groupBy.includes('actor') ? e.actor : null,
      subject: rule.id,
      summary: `${rule.description}: ${what} on ${e.method} ${e.host}${e.template} within ${Math.round(rule.windowMs / 1000)} s (threshold ${rule.threshold})`,
      evidence: {
        rule: rule.id,
        count,
        threshold: rule.threshold,
        windowSeconds: rule.windowMs / 1000,
        ...(rule.distinct && rule.distinct !== 'username' ? { sampleValues: [...(g.latest?.keys() ?? [])].slice(-5) } : {}),
        recentTransactions: [...g.transactions],
      },
      transactionId: e.transactionId,
      transactionIds: [...g.transactions],
      at: e.at,
    };
  }
}
