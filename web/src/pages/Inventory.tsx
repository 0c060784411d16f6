// The API inventory: every endpoint seen in traffic (and every documented operation nobody calls),
// with its inventory state, provenance, traffic, auth schemes and sensitive data. Filters live in
// the address (?state=shadow&host=...) so a filtered view can be shared and survives "back".
import { useEffect, useId, useMemo, useState } from 'react';
import { api, type Application, type EndpointFilter, type EndpointItem, type EndpointSort, type InventoryState, type Provenance } from '../api.ts';
import { ClearFilters } from '../components/ClearFilters.tsx';
import { EmptyState, ErrorMessage, Spinner } from '../components/Feedback.tsx';
import { Badge, PageHeader } from '../components/Page.tsx';
import { Table } from '../components/Table.tsx';
import { formatDateTime, formatNumber, formatRelative } from '../format.ts';
import { useNow, useResource, useSession } from '../hooks.ts';
import { Link, navigate, replaceQuery } from '../router.tsx';
import { SpecsDrawer } from './Specs.tsx';

export const STATES: Array<{ state: InventoryState; label: string; help: string }> = [
  { state: 'documented', label: 'Documented', help: 'In the newest uploaded spec and seen in traffic.' },
  { state: 'shadow', label: 'Shadow', help: 'Seen in traffic of a host whose application has a spec, but in no version of that spec.' },
  { state: 'zombie', label: 'Zombie', help: 'Deprecated in the newest spec, or only in an older spec version, yet still called.' },
  { state: 'orphan', label: 'Orphan', help: 'In the newest spec, but not called within the last 30 days.' },
  { state: 'unknown', label: 'Unknown', help: 'No spec covers the host yet: upload an OpenAPI document for its application.' },
];
const STATE_INFO = new Map(STATES.map((s) => [s.state, s]));

export function StateBadge({ state, title }: { state: InventoryState; title?: string }) {
  return (
    <span className={`badge state-badge state-${state}`} title={title ?? STATE_INFO.get(state)?.help}>
      <span className="state-dot" aria-hidden="true" />
      {state}
    </span>
  );
}

export function MethodBadge({ method }: { method: string }) {
  const m = method.toUpperCase();
  const known = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(m) ? m.toLowerCase() : 'other';
  return <span className={`method-badge method-${known}`}>{m}</span>;
}

const PROVENANCE: Record<Provenance, string> = {
  spec: 'The path template comes from an uploaded OpenAPI document.',
  gateway: 'The path template is the gateway’s route.',
  inferred: 'Tapline inferred the path template from the traffic (see the endpoint’s parameter evidence).',
};

export function ProvenanceBadge({ provenance }: { provenance: Provenance }) {
  return <Badge tone={provenance === 'spec' ? 'info' : 'neutral'} title={PROVENANCE[provenance]}>{provenance}</Badge>;
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];
const AUTH = [
  { value: 'none', label: 'None (no credentials)' },
  { value: 'basic', label: 'Basic' },
  { value: 'bearer', label: 'Bearer token' },
  { value: 'apiKey', label: 'API key' },
  { value: 'cookie', label: 'Cookie' },
];
const SORTS: Array<{ value: EndpointSort; label: string }> = [
  { value: 'calls', label: 'Most calls' },
  { value: 'lastSeen', label: 'Last seen' },
  { value: 'path', label: 'Host and path' },
];
const PAGE = 50;

type Filters = Required<Pick<EndpointFilter, 'applicationId' | 'host' | 'method' | 'auth' | 'sensitive' | 'q'>> & { state: InventoryState | ''; sort: EndpointSort; offset: number };
const EMPTY: Filters = { applicationId: '', host: '', state: '', method: '', auth: '', sensitive: '', q: '', sort: 'calls', offset: 0 };

function readFilters(): Filters {
  const p = new URLSearchParams(location.search);
  const state = p.get('state') ?? '';
  const sort = p.get('sort') ?? 'calls';
  const offset = Number(p.get('offset') ?? 0);
  return {
    applicationId: p.get('applicationId') ?? '',
    host: p.get('host') ?? '',
    state: STATE_INFO.has(state as InventoryState) ? (state as InventoryState) : '',
    method: p.get('method') ?? '',
    auth: p.get('auth') ?? '',
    sensitive: p.get('sensitive') ?? '',
    q: p.get('q') ?? '',
    sort: SORTS.some((s) => s.value === sort) ? (sort as EndpointSort) : 'calls',
    offset: Number.isInteger(offset) && offset > 0 ? offset : 0,
  };
}

function writeFilters(f: Filters): void {
  replaceQuery(f, { sort: 'calls' });
}

/** The query for the API: empty fields left out. */
function toQuery(f: Filters, extra: EndpointFilter = {}): EndpointFilter {
  const q: EndpointFilter = { sort: f.sort, limit: PAGE, offset: f.offset };
  if (f.applicationId) q.applicationId = f.applicationId;
  if (f.host.trim()) q.host = f.host.trim().toLowerCase();
  if (f.state) q.state = f.state;
  if (f.method) q.method = f.method;
  if (f.auth) q.auth = f.auth;
  if (f.sensitive) q.sensitive = f.sensitive;
  if (f.q.trim()) q.q = f.q.trim();
  return { ...q, ...extra };
}

/** A text value that follows the input at once but reaches the filters after a pause in typing. */
function useDebounced<T>(value: T, ms = 300): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

function StateChips({ counts, active, onPick }: { counts: Record<InventoryState, number> | undefined; active: InventoryState | ''; onPick: (s: InventoryState | '') => void }) {
  return (
    <div className="state-chips" role="group" aria-label="Endpoints by state">
      {STATES.map((s) => {
        const pressed = active === s.state;
        return (
          <button
            key={s.state}
            type="button"
            className={`state-chip state-${s.state}${pressed ? ' active' : ''}`}
            aria-pressed={pressed}
            title={`${s.help} ${pressed ? 'Click to show every state.' : 'Click to show only these.'}`}
            onClick={() => onPick(pressed ? '' : s.state)}
          >
            <span className="state-dot" aria-hidden="true" />
            <span className="state-chip-label">{s.label}</span>
            <span className="state-chip-count">{counts ? formatNumber(counts[s.state]) : '…'}</span>
          </button>
        );
      })}
    </div>
  );
}

export function Inventory() {
  const { isAdmin } = useSession();
  const now = useNow();
  const [filters, setFilters] = useState<Filters>(readFilters);
  // Text inputs: shown as typed, applied after a pause.
  const [hostText, setHostText] = useState(filters.host);
  const [qText, setQText] = useState(filters.q);
  const host = useDebounced(hostText);
  const q = useDebounced(qText);
  const [specsFor, setSpecsFor] = useState<Application | null>(null);
  const ids = { app: useId(), host: useId(), state: useId(), method: useId(), auth: useId(), sensitive: useId(), q: useId(), sort: useId(), hosts: useId() };

  useEffect(() => {
    setFilters((f) => (f.host === host && f.q === q ? f : { ...f, host, q, offset: 0 }));
  }, [host, q]);
  useEffect(() => writeFilters(filters), [filters]);

  const set = (patch: Partial<Filters>) => setFilters((f) => ({ ...f, offset: 0, ...patch }));
  const apps = useResource(() => api.applications().then((r) => r.items), []);
  const specs = useResource(() => api.specs().then((r) => r.items), []);
  const key = JSON.stringify(filters);
  // The answer carries the counts per state (under every filter but state) and the facets; it
  // remembers the host and sensitive filters it was asked with (see the facets below).
  const list = useResource(() => {
    const asked = { host: toQuery(filters).host ?? '', sensitive: filters.sensitive };
    return api.endpoints(toQuery(filters)).then((r) => ({ ...r, asked }));
  }, [key], 15000);
  const counts = list.data?.counts;
  // The facets are computed under every filter, their own included: the hosts of an answer to
  // host=X are just X. So the options come from the newest answer asked without that filter.
  const [facetHosts, setFacetHosts] = useState<string[]>([]);
  const [facetSensitive, setFacetSensitive] = useState<string[]>([]);
  useEffect(() => {
    if (!list.data) return;
    if (!list.data.asked.host) setFacetHosts(list.data.facets.hosts);
    if (!list.data.asked.sensitive) setFacetSensitive(list.data.facets.sensitiveTypes);
  }, [list.data]);

  // A page past the end (endpoints went away): back to the first page.
  useEffect(() => {
    if (list.data && list.data.items.length === 0 && filters.offset > 0) setFilters((f) => ({ ...f, offset: 0 }));
  }, [list.data, filters.offset]);

  const appList = useMemo(() => [...(apps.data ?? [])].sort((a, b) => a.name.localeCompare(b.name)), [apps.data]);
  const appName = new Map(appList.map((a) => [a.id, a.name]));
  const specCount = new Map<string, number>();
  for (const s of specs.data ?? []) specCount.set(s.applicationId, (specCount.get(s.applicationId) ?? 0) + 1);
  const selectedApp = appList.find((a) => a.id === filters.applicationId) ?? null;

  const rows = list.data?.items ?? [];
  const total = list.data?.total ?? 0;
  const filtered = Boolean(filters.applicationId || filters.host || filters.state || filters.method || filters.auth || filters.sensitive || filters.q || hostText || qText);
  const knownHosts = [...new Set([...facetHosts, ...rows.map((r) => r.host), ...appList.flatMap((a) => a.hosts.filter((h) => !h.includes('*')))])].filter(Boolean).sort();
  const sensitiveOptions = [...new Set([...facetSensitive, ...(filters.sensitive && filters.sensitive !== 'any' ? [filters.sensitive] : [])])].sort();
  const allUnknown = counts && !filtered && total > 0 && counts.unknown === total;
  const clear = () => {
    setHostText('');
    setQText('');
    setFilters({ ...EMPTY, sort: filters.sort });
  };
  const open = (e: EndpointItem) => navigate(`/inventory/${encodeURIComponent(e.id)}`);
  const reloadAll = () => {
    void list.reload();
    void specs.reload();
  };

  return (
    <>
      <PageHeader
        title="Inventory"
        description="Every endpoint Tapline has seen in your API traffic, and every documented operation nobody calls, with its state against your OpenAPI specs."
        actions={
          selectedApp && (
            <button type="button" className="button button-secondary" onClick={() => setSpecsFor(selectedApp)}>
              Specs of {selectedApp.name} ({specCount.get(selectedApp.id) ?? 0})
            </button>
          )
        }
      />

      <StateChips counts={counts} active={filters.state} onPick={(state) => set({ state })} />

      {allUnknown && (
        <div className="callout callout-info inventory-callout" role="note">
          <span>
            <strong>No spec covers these hosts yet,</strong> so every endpoint is <StateBadge state="unknown" />. Upload an OpenAPI 2.0, 3.0 or 3.1
            document for an application (Applications &gt; API specs, or pick the application here) and Tapline tells you which endpoints are
            documented, shadow, zombie or orphan.
          </span>
          <Link to="/applications" className="button button-small button-secondary">Go to Applications</Link>
        </div>
      )}

      <section className="card card-flush" aria-labelledby="inventory-heading">
        <h2 id="inventory-heading" className="sr-only">Endpoints</h2>
        <form className="filters" role="search" aria-label="Filter endpoints" onSubmit={(e) => e.preventDefault()}>
          <div className="filter">
            <label htmlFor={ids.app}>Application</label>
            <select id={ids.app} className="input" value={filters.applicationId} onChange={(e) => set({ applicationId: e.target.value })}>
              <option value="">All applications</option>
              {appList.map((a) => <option key={a.id} value={a.id}>{a.name}</option>)}
            </select>
          </div>
          <div className="filter">
            <label htmlFor={ids.host}>Host</label>
            <input id={ids.host} className="input mono" list={ids.hosts} placeholder="api.example.com" value={hostText} spellCheck={false} onChange={(e) => setHostText(e.target.value)} />
            <datalist id={ids.hosts}>{knownHosts.map((h) => <option key={h} value={h} />)}</datalist>
          </div>
          <div className="filter">
            <label htmlFor={ids.state}>State</label>
            <select id={ids.state} className="input" value={filters.state} onChange={(e) => set({ state: e.target.value as InventoryState | '' })}>
              <option value="">Any state</option>
              {STATES.map((s) => <option key={s.state} value={s.state}>{s.label}</option>)}
            </select>
          </div>
          <div className="filter">
            <label htmlFor={ids.method}>Method</label>
            <select id={ids.method} className="input" value={filters.method} onChange={(e) => set({ method: e.target.value })}>
              <option value="">Any</option>
              {METHODS.map((m) => <option key={m} value={m}>{m}</option>)}
            </select>
          </div>
          <div className="filter">
            <label htmlFor={ids.auth}>Auth</label>
            <select id={ids.auth} className="input" value={filters.auth} onChange={(e) => set({ auth: e.target.value })}>
              <option value="">Any auth</option>
              {AUTH.map((a) => <option key={a.value} value={a.value}>{a.label}</option>)}
            </select>
          </div>
          <div className="filter">
            <label htmlFor={ids.sensitive}>Sensitive data</label>
            <select id={ids.sensitive} className="input" value={filters.sensitive} onChange={(e) => set({ sensitive: e.target.value })}>
              <option value="">Any or none</option>
              <option value="any">Any sensitive type</option>
              {sensitiveOptions.map((s) => <option key={s} value={s}>{s}</option>)}
              {sensitiveOptions.length === 0 && list.data && <option disabled value="-">No sensitive data detected yet</option>}
            </select>
          </div>
          <div className="filter filter-grow">
            <label htmlFor={ids.q}>Path contains</label>
            <input id={ids.q} className="input mono" type="search" placeholder="/users" value={qText} spellCheck={false} onChange={(e) => setQText(e.target.value)} />
          </div>
          <div className="filter">
            <label htmlFor={ids.sort}>Sort by</label>
            <select id={ids.sort} className="input" value={filters.sort} onChange={(e) => set({ sort: e.target.value as EndpointSort })}>
              {SORTS.map((s) => <option key={s.value} value={s.value}>{s.label}</option>)}
            </select>
          </div>
          <ClearFilters shown={filtered} onClear={clear} />
        </form>

        {list.loading ? (
          <Spinner label="Loading endpoints…" />
        ) : list.error && !list.data ? (
          <div className="card-notice"><ErrorMessage error={list.error} onRetry={list.reload} /></div>
        ) : rows.length === 0 ? (
          filtered ? (
            <EmptyState icon="inbox" title="No endpoints match these filters" action={<button type="button" className="button button-secondary" onClick={clear}>Clear filters</button>}>
              {filters.state === 'orphan'
                ? 'Orphans are operations of an uploaded spec that nobody called in the last 30 days; none right now.'
                : filters.state && filters.state !== 'unknown' && (specs.data?.length ?? 0) === 0
                  ? <>No spec has been uploaded yet, so every endpoint is <strong>unknown</strong>. Upload an OpenAPI document for an application to see documented, shadow, zombie and orphan endpoints.</>
                  : 'Try another state, host or path, or clear the filters.'}
            </EmptyState>
          ) : (
            <EmptyState icon="globe" title="No endpoints yet" action={<Link to="/integrations" className="button button-secondary">Set up an integration</Link>}>
              <p>
                Endpoints appear here a few seconds after traffic reaches Tapline: connect a gateway or a capture under <strong>Integrations</strong>,
                then call your API through it.
              </p>
              <p>
                Until an OpenAPI spec is uploaded for an application, its endpoints are <strong>unknown</strong>. Upload one from
                Applications &gt; API specs to see which endpoints are documented, shadow, zombie or orphan.
              </p>
            </EmptyState>
          )
        ) : (
          <>
            {list.error && <div className="card-notice"><ErrorMessage error={`Updates paused: ${list.error.message}`} /></div>}
            <Table
              caption="Endpoints"
              className="table-clickable inventory-table"
              rows={rows}
              rowKey={(r) => r.id}
              onActivate={open}
              rowLabel={(r) => `${r.method} ${r.pathTemplate} on ${r.host}, ${r.state}`}
              columns={[
                { header: 'Method', nowrap: true, cell: (r) => <MethodBadge method={r.method} /> },
                {
                  header: 'Path',
                  className: 'cell-grow',
                  cell: (r) => (
                    <>
                      <Link to={`/inventory/${encodeURIComponent(r.id)}`} className="mono ellipsis endpoint-link" title={r.pathTemplate}>{r.pathTemplate}</Link>
                      <span className="mono muted ellipsis endpoint-host" title={r.host}>{r.host}{r.applicationId && appName.get(r.applicationId) ? ` · ${appName.get(r.applicationId)}` : ''}</span>
                    </>
                  ),
                },
                { header: 'State', nowrap: true, cell: (r) => <StateBadge state={r.state} /> },
                { header: 'Provenance', nowrap: true, cell: (r) => <ProvenanceBadge provenance={r.provenance} /> },
                { header: 'Calls', align: 'right', nowrap: true, cell: (r) => formatNumber(r.calls) },
                {
                  header: 'Last Seen',
                  nowrap: true,
                  cell: (r) => (r.lastSeen ? <time dateTime={r.lastSeen} title={formatDateTime(r.lastSeen)}>{formatRelative(r.lastSeen, now)}</time> : <span className="muted">Never</span>),
                },
                {
                  header: 'Auth',
                  cell: (r) => (r.authSchemes.length ? <ul className="chips chips-tight">{r.authSchemes.map((a) => <li key={a} className={a === 'none' ? 'chip chip-warning' : 'chip'}>{a}</li>)}</ul> : <span className="muted">—</span>),
                },
                {
                  header: 'Sensitive',
                  cell: (r) => (r.sensitiveTypes.length ? <ul className="chips chips-tight">{r.sensitiveTypes.map((s) => <li key={s} className="chip chip-sensitive">{s}</li>)}</ul> : <span className="muted">—</span>),
                },
              ]}
            />
            <div className="pager">
              <span role="status">
                {total === 0 ? 'No endpoints' : `${formatNumber(filters.offset + 1)}–${formatNumber(filters.offset + rows.length)} of ${formatNumber(total)} endpoints`}
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

      {specsFor && <SpecsDrawer app={specsFor} canEdit={isAdmin} onClose={() => setSpecsFor(null)} onChanged={reloadAll} />}
    </>
  );
}
