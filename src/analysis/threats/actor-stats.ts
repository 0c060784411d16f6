// Per-actor traffic profile (one per actor and host, so each analyzer partition owns its rows)
// and the bot score computed from it: 0 to 100 with the reasons behind it. Signals: the user
// agent (missing, automation libraries, headless browsers), timing regularity, error and
// authentication-failure ratios, endpoint spray (many endpoints, few calls each), sustained rate,
// and behaviour findings against the actor. A single-page app (a browser calling a few templates
// often) and a steady server-to-server client stay below the bot threshold.
import { headerValue, type Transaction } from '../../wire/transaction.ts';
import type { Actor } from './actors.ts';

export interface ActorStats {
  actor: string;
  host: string;
  kind: Actor['kind'];
  label: string;
  firstSeen: number;
  lastSeen: number;
  calls: number;
  errors: number;
  authFailures: number;
  /** Endpoint id -> calls (at most ENDPOINTS_KEPT, then only counted as `otherEndpoints`). */
  endpoints: Record<string, number>;
  otherEndpoints: number;
  /** User-agent class (browser, automation:<name>, headless, missing, other) -> calls. */
  userAgents: Record<string, number>;
  /** Welford's running mean and sum of squares of the gaps between calls (ms). */
  gaps: { n: number; mean: number; m2: number };
  /** Behaviour findings raised against this actor, by type. */
  flags: Record<string, number>;
  /** Calls to admin-like endpoints (flow "admin"). */
  adminCalls: number;
}

export interface BotVerdict {
  score: number;
  reasons: string[];
}

const ENDPOINTS_KEPT = 200;
export const BOT_THRESHOLD = 70;

const AUTOMATION = /\b(curl|wget|python-requests|python-urllib|aiohttp|httpx|go-http-client|okhttp|java\/|apache-httpclient|libwww-perl|scrapy|node-fetch|axios|undici|postmanruntime|insomnia|httpie|powershell|ruby|guzzlehttp|dart|rest-client|nikto|sqlmap|nmap|masscan|zgrab|nuclei|gobuster|ffuf|dirbuster|wpscan)\b/i;
const HEADLESS = /headlesschrome|phantomjs|selenium|puppeteer|playwright|webdriver|electron\/.*headless/i;
const BROWSER = /mozilla\/5\.0 .*(chrome|firefox|safari|edg)\//i;

export function userAgentClass(ua: string | undefined): string {
  if (!ua || ua.trim() === '') return 'missing';
  if (HEADLESS.test(ua)) return 'headless';
  const auto = AUTOMATION.exec(ua);
  if (auto) return `automation:${auto[1]!.toLowerCase()}`;
  if (BROWSER.test(ua)) return 'browser';
  return 'other';
}

export function newActorStats(actor: Actor, host: string): ActorStats {
  return { actor: actor.id, host, kind: actor.kind, label: actor.label, firstSeen: 0, lastSeen: 0, calls: 0, errors: 0, authFailures: 0, endpoints: {}, otherEndpoints: 0, userAgents: {}, gaps: { n: 0, mean: 0, m2: 0 }, flags: {}, adminCalls: 0 };
}

export function observeActor(s: ActorStats, t: Transaction, endpointId: string, at: number, admin = false): void {
  if (admin) s.adminCalls = (s.adminCalls ?? 0) + 1;
  if (s.calls > 0 && at >= s.lastSeen) {
    const gap = at - s.lastSeen;
    const g = s.gaps;
    g.n++;
    const delta = gap - g.mean;
    g.mean += delta / g.n;
    g.m2 += delta * (gap - g.mean);
  }
  s.firstSeen = s.calls === 0 ? at : Math.min(s.firstSeen, at);
  s.lastSeen = Math.max(s.lastSeen, at);
  s.calls++;
  const status = t.response.status ?? 0;
  if (status >= 400) s.errors++;
  if (status === 401 || status === 403) s.authFailures++;
  if (s.endpoints[endpointId] !== undefined) s.endpoints[endpointId]++;
  else if (Object.keys(s.endpoints).length < ENDPOINTS_KEPT) s.endpoints[endpointId] = 1;
  else s.otherEndpoints++;
  const ua = userAgentClass(headerValue(t.request.headers, 'user-agent'));
  if (s.userAgents[ua] !== undefined || Object.keys(s.userAgents).length < 10) s.userAgents[ua] = (s.userAgents[ua] ?? 0) + 1;
}

/** The dominant user-agent class. */
function mainAgent(s: ActorStats): string {
  return Object.entries(s.userAgents).sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'missing';
}

export function botScore(s: ActorStats): BotVerdict {
  const reasons: string[] = [];
  let score = 0;
  const add = (points: number, reason: string) => {
    score += points;
    reasons.push(`+${points} ${reason}`);
  };
  const agent = mainAgent(s);
  const endpointCount = Object.keys(s.endpoints).length + (s.otherEndpoints > 0 ? 1 : 0);
  if (agent === 'headless') add(50, 'headless browser user agent');
  else if (agent.startsWith('automation:')) add(30, `automation library user agent (${agent.slice(11)})`);
  else if (agent === 'missing') add(25, 'no user agent');
  if (Object.keys(s.userAgents).length >= 4 && s.calls >= 20) add(15, `${Object.keys(s.userAgents).length} different user agents from one identity`);
  if (s.gaps.n >= 20) {
    const sd = Math.sqrt(s.gaps.m2 / (s.gaps.n - 1));
    if (s.gaps.mean > 0 && sd / s.gaps.mean < 0.1) add(20, `machine-regular timing (every ${Math.round(s.gaps.mean)} ms ± ${Math.round(sd)})`);
  }
  if (s.calls >= 20 && s.errors / s.calls >= 0.5) add(15, `${Math.round((s.errors / s.calls) * 100)}% of calls fail`);
  if (s.authFailures >= 10) add(15, `${s.authFailures} authentication failures`);
  if (endpointCount >= 30 && s.calls / endpointCount <= 3) add(25, `endpoint spray: ${endpointCount} endpoints, ${(s.calls / endpointCount).toFixed(1)} calls each`);
  const minutes = Math.max(1, (s.lastSeen - s.firstSeen) / 60_000);
  const perMinute = s.calls / minutes;
  // Browsers calling a few templates often are single-page apps, not bots.
  const spa = agent === 'browser' && endpointCount <= 10;
  if (s.calls >= 200 && perMinute >= 300 && !spa) add(10, `sustained ${Math.round(perMinute)} calls per minute`);
  const flagged = Object.entries(s.flags).filter(([, n]) => n > 0).map(([type]) => type);
  if (flagged.length > 0) add(40, `behaviour findings: ${flagged.join(', ')}`);
  return { score: Math.min(100, score), reasons };
}

/**
 * API5: an actor that otherwise calls ordinary endpoints succeeds on an admin-like one (at least 10
 * calls before, at most one in ten of them admin-like). Call after observeActor for that call.
 */
export function unusualAdminAccess(s: ActorStats, status: number | null): string | null {
  if (status === null || status < 200 || status >= 300) return null;
  const before = s.calls - 1;
  const adminBefore = (s.adminCalls ?? 0) - 1;
  if (before < 10 || adminBefore / before > 0.1) return null;
  return `${adminBefore} admin-like calls among its ${before} earlier calls`;
}
