// Findings: the issues analysis found in the traffic (passive checks on each transaction, behaviour
// rules over time, the inventory), each with its OWASP API Security Top 10 (2023) category,
// severity, endpoint, actor and status. Filters live in the address (?category=API1&severity=high)
// so a filtered view can be shared, survives "back" and feeds the CSV export. Also the vocabulary
// the finding page and the endpoint page share: category names, severities, types in words.
import { useEffect, useId, useMemo, useState } from 'react';
import { api, type EndpointDetail, type Finding, type FindingFilter, type FindingStatus, type Severity } from '../api.ts';
import { ClearFilters } from '../components/ClearFilters.tsx';
import { EmptyState, ErrorMessage, Spinner } from '../components/Feedback.tsx';
import { Card, PageHeader } from '../components/Page.tsx';
import { Table } from '../components/Table.tsx';
import { formatDateTime, formatNumber, formatRelative } from '../format.ts';
import { useNow, useResource } from '../hooks.ts';
import { Link, navigate, replaceQuery } from '../router.tsx';
import { MethodBadge } from './Inventory.tsx';

// ------------------------------------------------------------------ vocabulary

/** The OWASP API Security Top 10 (2023), with what each category means in one line. */
export const OWASP: Record<string, { name: string; explain: string }> = {
  API1: { name: 'Broken Object Level Authorization', explain: 'A caller reaches objects (accounts, orders, users) by their ids without the API checking that the object is theirs.' },
  API2: { name: 'Broken Authentication', explain: 'Weak or misused authentication lets attackers guess, steal or forge credentials and act as someone else.' },
  API3: { name: 'Broken Object Property Level Authorization', explain: 'The API returns or accepts object properties the caller should not see or change (excessive data exposure, mass assignment).' },
  API4: { name: 'Unrestricted Resource Consumption', explain: 'Nothing limits how much a caller may ask for (page sizes, payloads, rates), so one caller can exhaust the service or its budget.' },
  API5: { name: 'Broken Function Level Authorization', explain: 'Administrative or privileged functions can be called by ordinary users.' },
  API6: { name: 'Unrestricted Access to Sensitive Business Flows', explain: 'A business flow (sign-up, purchase, one-time codes) can be automated at a scale that harms the business.' },
  API7: { name: 'Server Side Request Forgery', explain: 'The API fetches a URL the caller supplies, which can make it reach internal services or cloud metadata.' },
  API8: { name: 'Security Misconfiguration', explain: 'Missing hardening: verbose errors, version banners, permissive CORS, missing security headers, unencrypted transport.' },
  API9: { name: 'Improper Inventory Management', explain: 'Endpoints or hosts nobody documents or owns (shadow, zombie, unknown) keep receiving traffic.' },
  API10: { name: 'Unsafe Consumption of APIs', explain: 'The API trusts data from third-party APIs more than user input and uses it without validation.' },
};
export const CATEGORIES = Object.keys(OWASP);

export const SEVERITIES: Array<{ value: Severity; label: string }> = [
  { value: 'critical', label: 'Critical' },
  { value: 'high', label: 'High' },
  { value: 'medium', label: 'Medium' },
  { value: 'low', label: 'Low' },
  { value: 'info', label: 'Info' },
];

export const STATUSES: Array<{ value: FindingStatus; label: string; help: string }> = [
  { value: 'open', label: 'Open', help: 'New or seen again after it was resolved: nobody has dealt with it yet.' },
  { value: 'acknowledged', label: 'Acknowledged', help: 'Someone is on it (or accepted the risk); it stays acknowledged when it recurs.' },
  { value: 'resolved', label: 'Resolved', help: 'Fixed. It opens again if the traffic shows it again.' },
  { value: 'false_positive', label: 'False positive', help: 'Not a real issue; it stays closed when it recurs.' },
];
const STATUS_LABEL = new Map(STATUSES.map((s) => [s.value, s.label]));

/** What each finding type is, in words, and why it matters. */
export const TYPES: Record<string, { label: string; explain: string }> = {
  CREDENTIALS_IN_URL: { label: 'Credentials in URL', explain: 'A password, token or key was sent in the query string, where proxies, logs and browser history keep it.' },
  CREDENTIALS_OVER_HTTP: { label: 'Credentials over plain HTTP', explain: 'Credentials travelled unencrypted: anyone on the network path can read them.' },
  JWT_ALG_NONE: { label: 'Unsigned JWT (alg none)', explain: 'A JWT declared alg "none": if the API accepts it, anyone can forge tokens.' },
  JWT_WITHOUT_EXPIRY: { label: 'JWT without expiry', explain: 'A JWT had no "exp" claim, so a stolen token works forever.' },
  JWT_LONG_LIFETIME: { label: 'Long-lived JWT', explain: 'A JWT was valid for more than a week, so a stolen token works for a long time.' },
  JWT_WEAK_SECRET: { label: 'JWT signed with a weak secret', explain: 'The JWT’s HMAC secret is in a dictionary of common secrets: anyone can forge tokens with it.' },
  LARGE_PAGE_SIZE: { label: 'Very large page size', explain: 'A caller asked for a page of 1,000 items or more; without a cap the API can be made to do unbounded work.' },
  OVERSIZED_RESPONSE: { label: 'Oversized response', explain: 'A single response was larger than 10 MB.' },
  SSRF_ATTEMPT: { label: 'SSRF attempt', explain: 'A parameter carried a URL pointing at an internal address, cloud metadata or an unusual scheme.' },
  VERBOSE_ERROR: { label: 'Verbose error', explain: 'An error response contained a stack trace or database error, which tells attackers about the code behind the API.' },
  SERVER_VERSION_DISCLOSURE: { label: 'Server version disclosed', explain: 'Response headers name the server software and its version, which helps attackers pick known vulnerabilities.' },
  PERMISSIVE_CORS: { label: 'Permissive CORS', explain: 'CORS lets other web sites call the API with the user’s credentials.' },
  MISSING_SECURITY_HEADERS: { label: 'Missing security headers', explain: 'Successful responses lacked headers browsers rely on (X-Content-Type-Options, HSTS, CSP or X-Frame-Options).' },
  PLAIN_HTTP: { label: 'Plain HTTP', explain: 'The API was called over unencrypted HTTP.' },
  BOLA_OBJECT_ENUMERATION: { label: 'Object id enumeration', explain: 'One actor read many different objects of one endpoint in a short time: the pattern of walking ids it was not given.' },
  BRUTE_FORCE: { label: 'Brute-force login', explain: 'One actor failed to authenticate many times in a short time on a login endpoint.' },
  CREDENTIAL_STUFFING: { label: 'Credential stuffing', explain: 'One actor tried many different user names on a login endpoint, as with lists of leaked credentials.' },
  BUSINESS_FLOW_ABUSE: { label: 'Business flow abuse', explain: 'A sensitive business flow (sign-up, one-time codes, password reset, checkout) was repeated far more than people do.' },
  SHADOW_ENDPOINT: { label: 'Shadow endpoint', explain: 'The endpoint takes traffic but is in no version of its application’s spec.' },
  ZOMBIE_ENDPOINT: { label: 'Zombie endpoint', explain: 'The endpoint is deprecated in the spec, or only in an older spec version, yet it still takes traffic.' },
  UNKNOWN_HOST: { label: 'Unknown host', explain: 'Traffic reached a host that belongs to no application: nobody has onboarded it.' },
};

const ACRONYMS = new Set(['SQL', 'NOSQL', 'XSS', 'XXE', 'JWT', 'HTTP', 'HTTPS', 'URL', 'API', 'SSRF', 'CORS', 'LDAP', 'OS', 'PII', 'CSRF', 'TLS', 'IP', 'ID', 'OTP']);

/** `SQL_INJECTION_ATTEMPT` → "SQL injection attempt" (known types have their own words). */
export function typeLabel(type: string): string {
  const known = TYPES[type];
  if (known) return known.label;
  const words = type.split(/[_\s]+/).filter(Boolean).map((w, i) => (ACRONYMS.has(w.toUpperCase()) ? w.toUpperCase() : i === 0 ? w.charAt(0).toUpperCase() + w.slice(1).toLowerCase() : w.toLowerCase()));
  return words.join(' ') || type;
}

export function SeverityBadge({ severity }: { severity: Severity }) {
  const label = SEVERITIES.find((s) => s.value === severity)?.label ?? severity;
  return (
    <span className={`badge severity-badge sev-${severity}`} title={`Severity: ${label}`}>
      <span className="sev-dot" aria-hidden="true" />
      {label}
    </span>
  );
}

/** "API1" with its name; `long` also writes the name out (else it is the tooltip). */
export function CategoryLabel({ category, long = false }: { category: string | null; long?: boolean }) {
  if (!category) return <span className="muted" title="Not an OWASP API Top 10 category">—</span>;
  const info = OWASP[category];
  return (
    <span className="owasp" title={info ? `${category} ${info.name}: ${info.explain}` : category}>
      <span className="owasp-code">{category}</span>
      {info && long && <span className="owasp-name">{info.name}</span>}
    </span>
  );
}

export function FindingStatusBadge({ status }: { status: FindingStatus }) {
  return <span className={`badge finding-status status-${status}`} title={STATUSES.find((s) => s.value === status)?.help}>{STATUS_LABEL.get(status) ?? status}</span>;
}

/** `ip:203.0.113.7` → "IP 203.0.113.7"; fingerprints keep their kind. */
export function actorText(actor: string | null): string {
  if (!actor) return '—';
  const i = actor.indexOf(':');
  const kind = i > 0 ? actor.slice(0, i) : '';
  const rest = actor.slice(i + 1);
  switch (kind) {
    case 'ip': return `IP ${rest}`;
    case 'sub': return `JWT subject ${rest}`;
    case 'user': return `Basic user ${rest}`;
    case 'key': return `API key ${rest}`;
    case 'session': return `Session ${rest}`;
    default: return actor;
  }
}

export const ACTOR_HELP = 'Who called: the JWT subject, Basic user, API key or session cookie (as keyed fingerprints, never the secret), else the client IP.';

// ------------------------------------------------------------------ endpoints of findings

/** Endpoint details by id, shared by every page of the session (a finding only carries the id). */
const endpointCache = new Map<string, Promise<EndpointDetail | null>>();
function loadEndpoint(id: string): Promise<EndpointDetail | null> {
  let p = endpointCache.get(id);
  if (!p) {
    p = api.endpoint(id).catch(() => {
      endpointCache.delete(id);
      return null;
    });
    endpointCache.set(id, p);
  }
  return p;
}

/** Endpoint of each id: undefined while loading, null when it is not in the inventory any more. */
export function useEndpoints(ids: Array<string | null>): Map<string, EndpointDetail | null> {
  const wanted = [...new Set(ids.filter((x): x is string => Boolean(x)))].sort();
  const key = wanted.join('\n');
  const [found, setFound] = useState<Map<string, EndpointDetail | null>>(new Map());
  useEffect(() => {
    let live = true;
    for (const id of wanted) {
      void loadEndpoint(id).then((e) => {
        if (live) setFound((m) => (m.get(id) === e ? m : new Map(m).set(id, e)));
      });
    }
    return () => {
      live = false;
    };
  }, [key]);
  return found;
}

export function endpointText(e: EndpointDetail): string {
  return `${e.method} ${e.host}${e.pathTemplate}`;
}

/** The endpoint of a finding, linking to its page: stacked (path over host) or on one line. */
export function EndpointRef({ id, endpoint, inline = false }: { id: string | null; endpoint: EndpointDetail | null | undefined; inline?: boolean }) {
  if (!id) return <span className="muted" title="This finding is about a host or a caller, not one endpoint">{inline ? 'No single endpoint' : '—'}</span>;
  if (endpoint === undefined) return <span className="muted mono">…</span>;
  if (endpoint === null) return <span className="muted" title={`Endpoint ${id}`}>Endpoint no longer in the inventory</span>;
  if (inline) {
    return (
      <Link to={`/inventory/${encodeURIComponent(id)}`} className="finding-endpoint finding-endpoint-inline" title={`${endpointText(endpoint)} (open the endpoint)`}>
        <MethodBadge method={endpoint.method} />
        <span className="mono finding-endpoint-line"><span className="muted">{endpoint.host}</span><span className="endpoint-link">{endpoint.pathTemplate}</span></span>
      </Link>
    );
  }
  return (
    <Link to={`/inventory/${encodeURIComponent(id)}`} className="finding-endpoint" title={`${endpointText(endpoint)} (open the endpoint)`}>
      <MethodBadge method={endpoint.method} />
      <span className="finding-endpoint-text">
        <span className="mono endpoint-link">{endpoint.pathTemplate}</span>
        <span className="mono muted endpoint-host">{endpoint.host}</span>
      </span>
    </Link>
  );
}

// ------------------------------------------------------------------ the list

const PAGE = 50;

type Filters = { category: string; severity: Severity | ''; status: FindingStatus | 'any'; type: string; endpointId: string; offset: number };
const EMPTY: Filters = { category: '', severity: '', status: 'open', type: '', endpointId: '', offset: 0 };

function readFilters(): Filters {
  const p = new URLSearchParams(location.search);
  const severity = p.get('severity') ?? '';
  const status = p.get('status') ?? 'open';
  const offset = Number(p.get('offset') ?? 0);
  return {
    category: CATEGORIES.includes(p.get('category') ?? '') ? p.get('category')! : '',
    severity: SEVERITIES.some((s) => s.value === severity) ? (severity as Severity) : '',
    status: status === 'any' || STATUSES.some((s) => s.value === status) ? (status as FindingStatus | 'any') : 'open',
    type: p.get('type') ?? '',
    endpointId: p.get('endpointId') ?? '',
    offset: Number.isInteger(offset) && offset > 0 ? offset : 0,
  };
}

function writeFilters(f: Filters): void {
  replaceQuery(f, { status: 'open' });
}

function toQuery(f: Filters, extra: FindingFilter = {}): FindingFilter {
  const q: FindingFilter = { limit: PAGE, offset: f.offset };
  if (f.category) q.category = f.category;
  if (f.severity) q.severity = f.severity;
  if (f.status !== 'any') q.status = f.status;
  if (f.type) q.type = f.type;
  if (f.endpointId) q.endpointId = f.endpointId;
  return { ...q, ...extra };
}

function SeverityChips({ counts, active, onPick }: { counts: Record<Severity, number> | undefined; active: Severity | ''; onPick: (s: Severity | '') => void }) {
  return (
    <div className="state-chips" role="group" aria-label="Findings by severity">
      {SEVERITIES.map((s) => {
        const pressed = active === s.value;
        return (
          <button
            key={s.value}
            type="button"
            className={`state-chip sev-chip sev-${s.value}${pressed ? ' active' : ''}`}
            aria-pressed={pressed}
            title={pressed ? 'Click to show every severity.' : `Show only ${s.label.toLowerCase()} findings.`}
            onClick={() => onPick(pressed ? '' : s.value)}
          >
            <span className="sev-dot" aria-hidden="true" />
            <span className="state-chip-label">{s.label}</span>
            <span className="state-chip-count">{counts ? formatNumber(counts[s.value]) : '…'}</span>
          </button>
        );
      })}
    </div>
  );
}

function WhereFindingsComeFrom() {
  return (
    <>
      <p>Tapline raises findings while it analyses the traffic your captures send, from three sources:</p>
      <ul className="findings-sources">
        <li><strong>Checks on each call</strong>: credentials in URLs or over plain HTTP, weak JWTs, huge page sizes, SSRF-looking URLs, stack traces in errors, version banners, permissive CORS, missing security headers.</li>
        <li><strong>Behaviour over time</strong>: one caller walking object ids (BOLA), brute-force logins, credential stuffing, abuse of sign-up, OTP, password-reset or checkout flows.</li>
        <li><strong>The inventory</strong>: shadow and zombie endpoints that take traffic, hosts no application owns.</li>
      </ul>
    </>
  );
}

export function Findings() {
  const now = useNow();
  const [filters, setFilters] = useState<Filters>(readFilters);
  const ids = { category: useId(), severity: useId(), status: useId(), type: useId(), endpoint: useId() };
  useEffect(() => writeFilters(filters), [filters]);
  const set = (patch: Partial<Filters>) => setFilters((f) => ({ ...f, offset: 0, ...patch }));

  const key = JSON.stringify(filters);
  const list = useResource(() => api.findings(toQuery(filters)), [key], 15000);
  // Counts per severity under every filter but severity (five one-row answers).
  const counts = useResource(async () => {
    const base = toQuery({ ...filters, severity: '', offset: 0 }, { limit: 1 });
    const totals = await Promise.all(SEVERITIES.map((s) => api.findings({ ...base, severity: s.value }).then((r) => r.total)));
    return Object.fromEntries(SEVERITIES.map((s, i) => [s.value, totals[i]!])) as Record<Severity, number>;
  }, [filters.category, filters.status, filters.type, filters.endpointId], 15000);

  // The options of the type and endpoint filters: every value seen so far in this visit.
  const [seenTypes, setSeenTypes] = useState<string[]>([]);
  const [seenEndpoints, setSeenEndpoints] = useState<string[]>([]);
  useEffect(() => {
    const items = list.data?.items ?? [];
    setSeenTypes((cur) => {
      const next = [...new Set([...cur, ...items.map((f) => f.type)])];
      return next.length === cur.length ? cur : next;
    });
    setSeenEndpoints((cur) => {
      const next = [...new Set([...cur, ...items.flatMap((f) => (f.endpointId ? [f.endpointId] : []))])];
      return next.length === cur.length ? cur : next;
    });
  }, [list.data]);

  useEffect(() => {
    if (list.data && list.data.items.length === 0 && filters.offset > 0) setFilters((f) => ({ ...f, offset: 0 }));
  }, [list.data, filters.offset]);

  const rows = list.data?.items ?? [];
  const total = list.data?.total ?? 0;
  const endpoints = useEndpoints([...rows.map((r) => r.endpointId), ...seenEndpoints, filters.endpointId || null]);
  const typeOptions = useMemo(() => [...new Set([...Object.keys(TYPES), ...seenTypes, ...(filters.type ? [filters.type] : [])])].sort((a, b) => typeLabel(a).localeCompare(typeLabel(b))), [seenTypes, filters.type]);
  const endpointOptions = [...new Set([...seenEndpoints, ...(filters.endpointId ? [filters.endpointId] : [])])]
    .map((id) => ({ id, label: endpoints.get(id) ? endpointText(endpoints.get(id)!) : endpoints.get(id) === null ? `${id} (no longer in the inventory)` : id }))
    .sort((a, b) => a.label.localeCompare(b.label));
  const filtered = Boolean(filters.category || filters.severity || filters.status !== 'open' || filters.type || filters.endpointId);
  const clear = () => setFilters(EMPTY);
  const open = (f: Finding) => navigate(`/findings/${encodeURIComponent(f.id)}`);
  const csv = api.findingsCsvUrl(toQuery(filters));
  // With no open findings, whether there are closed ones decides between "none open" and "none yet".
  const onlyOpen = filters.status === 'open' && !filters.category && !filters.severity && !filters.type && !filters.endpointId;
  const noneOpen = onlyOpen && list.data?.total === 0;
  const closed = useResource(() => (noneOpen ? api.findings({ limit: 1 }).then((r) => r.total) : Promise.resolve(0)), [noneOpen]);

  return (
    <>
      <PageHeader
        title="Findings"
        description="Security issues found in your API traffic, each with its OWASP API Top 10 (2023) category, the evidence behind it and the calls that caused it."
        actions={
          <a className="button button-secondary" href={csv} download="tapline-findings.csv" title="Every finding under the current filters, as CSV (up to 10,000 rows)">
            Export CSV
          </a>
        }
      />

      <SeverityChips counts={counts.data} active={filters.severity} onPick={(severity) => set({ severity })} />

      <section className="card card-flush" aria-labelledby="findings-heading">
        <h2 id="findings-heading" className="sr-only">Findings</h2>
        <form className="filters findings-filters" role="search" aria-label="Filter findings" onSubmit={(e) => e.preventDefault()}>
          <div className="filter">
            <label htmlFor={ids.category}>OWASP category</label>
            <select id={ids.category} className="input" value={filters.category} onChange={(e) => set({ category: e.target.value })}>
              <option value="">Any category</option>
              {CATEGORIES.map((c) => <option key={c} value={c}>{c} {OWASP[c]!.name}</option>)}
            </select>
          </div>
          <div className="filter">
            <label htmlFor={ids.severity}>Severity</label>
            <select id={ids.severity} className="input" value={filters.severity} onChange={(e) => set({ severity: e.target.value as Severity | '' })}>
              <option value="">Any severity</option>
              {SEVERITIES.map((s) => <option key={s.value} value={s.value}>{s.label}</option>)}
            </select>
          </div>
          <div className="filter">
            <label htmlFor={ids.status}>Status</label>
            <select id={ids.status} className="input" value={filters.status} onChange={(e) => set({ status: e.target.value as FindingStatus | 'any' })}>
              {STATUSES.map((s) => <option key={s.value} value={s.value}>{s.label}</option>)}
              <option value="any">Any status</option>
            </select>
          </div>
          <div className="filter">
            <label htmlFor={ids.type}>Type</label>
            <select id={ids.type} className="input" value={filters.type} onChange={(e) => set({ type: e.target.value })}>
              <option value="">Any type</option>
              {typeOptions.map((t) => <option key={t} value={t}>{typeLabel(t)}</option>)}
            </select>
          </div>
          <div className="filter filter-endpoint">
            <label htmlFor={ids.endpoint}>Endpoint</label>
            <select id={ids.endpoint} className="input mono" value={filters.endpointId} onChange={(e) => set({ endpointId: e.target.value })}>
              <option value="">Any endpoint</option>
              {endpointOptions.map((o) => <option key={o.id} value={o.id}>{o.label}</option>)}
            </select>
          </div>
          <ClearFilters shown={filtered} onClear={clear} />
        </form>

        {list.loading ? (
          <Spinner label="Loading findings…" />
        ) : list.error && !list.data ? (
          <div className="card-notice"><ErrorMessage error={list.error} onRetry={list.reload} /></div>
        ) : rows.length === 0 ? (
          filtered || (noneOpen && (closed.data ?? 0) > 0) ? (
            <EmptyState
              icon="inbox"
              title={onlyOpen ? 'No open findings' : 'No findings match these filters'}
              action={<button type="button" className="button button-secondary" onClick={() => setFilters({ ...EMPTY, status: 'any' })}>Show every finding</button>}
            >
              {filters.status === 'open' ? 'Findings someone acknowledged, resolved or marked as false positives are not shown while the status filter is “Open”.' : 'Try another category, severity, type or status, or clear the filters.'}
            </EmptyState>
          ) : (
            <EmptyState icon="alert" title="No findings yet" action={<Link to="/integrations" className="button button-secondary">Set up an integration</Link>}>
              <WhereFindingsComeFrom />
              <p>Findings appear here a few seconds after the traffic that shows them reaches Tapline.</p>
            </EmptyState>
          )
        ) : (
          <>
            {list.error && <div className="card-notice"><ErrorMessage error={`Updates paused: ${list.error.message}`} /></div>}
            <Table
              caption="Findings"
              className="table-clickable findings-table"
              rows={rows}
              rowKey={(r) => r.id}
              onActivate={open}
              rowLabel={(r) => `${r.severity} ${typeLabel(r.type)}${r.owaspCategory ? `, ${r.owaspCategory}` : ''}, ${r.status.replace('_', ' ')}`}
              columns={[
                { header: 'Severity', nowrap: true, cell: (r) => <SeverityBadge severity={r.severity} /> },
                {
                  header: 'Category',
                  className: 'cell-category',
                  cell: (r) => <CategoryLabel category={r.owaspCategory} long />,
                },
                {
                  header: 'Finding',
                  className: 'cell-grow',
                  cell: (r) => (
                    <>
                      <Link to={`/findings/${encodeURIComponent(r.id)}`} className="finding-link">{typeLabel(r.type)}</Link>
                      <span className="finding-summary">{r.summary}</span>
                      <span className="finding-where">
                        <EndpointRef id={r.endpointId} endpoint={r.endpointId ? endpoints.get(r.endpointId) : null} inline />
                        {r.actor && <span className="finding-actor" title={ACTOR_HELP}><span className="muted">Actor</span> <span className="mono">{actorText(r.actor)}</span></span>}
                      </span>
                    </>
                  ),
                },
                { header: 'Count', align: 'right', nowrap: true, cell: (r) => formatNumber(r.count) },
                { header: 'Last Seen', nowrap: true, cell: (r) => <time dateTime={r.lastSeen} title={formatDateTime(r.lastSeen)}>{formatRelative(r.lastSeen, now)}</time> },
                { header: 'Status', nowrap: true, cell: (r) => <FindingStatusBadge status={r.status} /> },
              ]}
            />
            <div className="pager">
              <span role="status">
                {`${formatNumber(filters.offset + 1)}–${formatNumber(filters.offset + rows.length)} of ${formatNumber(total)} ${total === 1 ? 'finding' : 'findings'}`}
              </span>
              <div className="pager-buttons">
                <button type="button" className="button button-small button-secondary" disabled={filters.offset === 0} onClick={() => setFilters((f) => ({ ...f, offset: Math.max(0, f.offset - PAGE) }))}>
                  Previous
                </button>
                <button type="button" className="button button-small button-secondary" disabled={filters.offset + rows.length >= total} onClick={() => setFilters((f) => ({ ...f, offset: f.offset + PAGE }))}>
                  Next
                </button>
              </div>
            </div>
          </>
        )}
      </section>
    </>
  );
}

// ------------------------------------------------------------------ the endpoint page's card

/** The open findings of one endpoint (for the endpoint page). */
export function EndpointFindings({ endpointId }: { endpointId: string }) {
  const list = useResource(() => api.findings({ endpointId, status: 'open', limit: 20 }), [endpointId], 30000);
  const all = `/findings?endpointId=${encodeURIComponent(endpointId)}&status=any`;
  const total = list.data?.total ?? 0;
  return (
    <Card
      title="Findings"
      subtitle="Open security issues found in this endpoint’s traffic."
      className="card-flush endpoint-findings"
      actions={<Link to={all} className="button button-small button-secondary">All findings of this endpoint</Link>}
    >
      {list.loading ? (
        <Spinner label="Loading findings…" />
      ) : list.error && !list.data ? (
        <div className="card-notice"><ErrorMessage error={list.error} onRetry={list.reload} /></div>
      ) : total === 0 ? (
        <p className="card-pad muted">No open findings for this endpoint.</p>
      ) : (
        <>
          <ul className="endpoint-findings-list" aria-label="Open findings of this endpoint">
            {list.data!.items.map((f) => (
              <li key={f.id}>
                <SeverityBadge severity={f.severity} />
                <CategoryLabel category={f.owaspCategory} long />
                <span className="endpoint-finding-text">
                  <Link to={`/findings/${encodeURIComponent(f.id)}`} className="finding-link">{typeLabel(f.type)}</Link>
                  <span className="finding-summary">{f.summary}</span>
                </span>
                <span className="muted nowrap">×{formatNumber(f.count)}</span>
              </li>
            ))}
          </ul>
          {total > list.data!.items.length && <p className="card-pad muted">{formatNumber(total - list.data!.items.length)} more: see all findings of this endpoint.</p>}
        </>
      )}
    </Card>
  );
}
