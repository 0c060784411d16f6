// Sensitive Data: where personal data, payment data and secrets flow through the APIs (per type, and
// per endpoint field: location and field path), and the custom types editor (an operator's own
// types, tried on recent traffic with a dry run before they are saved). Values are never shown:
// analysis masks them before anything is stored, and the dry run answers masked values only.
// Filters live in the address (?type=CREDIT_CARD&host=...&location=RESPONSE_BODY).
import { useEffect, useId, useMemo, useState, type FormEvent } from 'react';
import { api, type ApiError, type CustomType, type CustomTypeDefinition, type DryRun, type SensitiveField, type SensitiveLocation, type Severity } from '../api.ts';
import { ClearFilters } from '../components/ClearFilters.tsx';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { EmptyState, ErrorMessage, Spinner } from '../components/Feedback.tsx';
import { Field } from '../components/Field.tsx';
import { IconAction } from '../components/IconAction.tsx';
import { Card, PageHeader } from '../components/Page.tsx';
import { Table } from '../components/Table.tsx';
import { formatDateTime, formatNumber, formatRelative } from '../format.ts';
import { useNow, useResource, useSession } from '../hooks.ts';
import { Link, replaceQuery } from '../router.tsx';
import { SeverityBadge } from './Findings.tsx';
import { MethodBadge } from './Inventory.tsx';
import { TransactionDrawer, useOpenTransaction } from './TransactionDrawer.tsx';

// ------------------------------------------------------------------ vocabulary

export const LOCATIONS: Array<{ value: SensitiveLocation; label: string }> = [
  { value: 'REQUEST_BODY', label: 'Request body' },
  { value: 'RESPONSE_BODY', label: 'Response body' },
  { value: 'REQUEST_HEADERS', label: 'Request headers' },
  { value: 'RESPONSE_HEADERS', label: 'Response headers' },
  { value: 'REQUEST_QUERY', label: 'Query string' },
];
const LOCATION_LABEL = new Map<string, string>(LOCATIONS.map((l) => [l.value, l.label]));
export const locationText = (l: string) => LOCATION_LABEL.get(l) ?? l;

const CATEGORY_LABEL: Record<string, string> = {
  PCI: 'Payment cards',
  PII: 'Personal data',
  FINANCIAL: 'Financial',
  CREDENTIALS: 'Credentials and secrets',
  NETWORK: 'Network identifiers',
  CUSTOM: 'Custom',
};
const categoryText = (c: string) => CATEGORY_LABEL[c] ?? c.charAt(0) + c.slice(1).toLowerCase();

const MASKING = 'Tapline masks every detected value before anything is stored: each is replaced by a made-up value of the same shape (a card number keeps only its last four digits), so the transaction log, the store and these pages never hold the raw data.';

// ------------------------------------------------------------------ where it flows

interface Filters { type: string; host: string; location: string }
const EMPTY: Filters = { type: '', host: '', location: '' };

function readFilters(): Filters {
  const p = new URLSearchParams(location.search);
  return { type: p.get('type') ?? '', host: p.get('host') ?? '', location: p.get('location') ?? '' };
}

function writeFilters(f: Filters): void {
  replaceQuery(f);
}

function Tabs({ tab }: { tab: 'flows' | 'custom' }) {
  return (
    <nav className="tabs" aria-label="Sensitive Data">
      <Link to="/sensitive-data" className={tab === 'flows' ? 'tab active' : 'tab'} current="exact">Where it flows</Link>
      <Link to="/sensitive-data/custom-types" className={tab === 'custom' ? 'tab active' : 'tab'} current="exact">Custom types</Link>
    </nav>
  );
}

function WhatIsDetected({ builtIn }: { builtIn: Array<{ name: string; category: string }> | undefined }) {
  const byCategory = new Map<string, string[]>();
  for (const t of builtIn ?? []) byCategory.set(t.category, [...(byCategory.get(t.category) ?? []), t.name]);
  return (
    <>
      <p>Tapline looks for sensitive data in request and response bodies (JSON, forms, multipart, text), query strings and headers of the traffic your captures send. {MASKING}</p>
      {byCategory.size > 0 && (
        <ul className="sensitive-detected">
          {[...byCategory].map(([c, names]) => (
            <li key={c}><strong>{categoryText(c)}</strong>: <span className="mono">{names.join(', ')}</span></li>
          ))}
        </ul>
      )}
      <p>Add your own types (employee numbers, policy numbers, internal tokens) under <Link to="/sensitive-data/custom-types">Custom types</Link>.</p>
    </>
  );
}

/** A field path that wraps at its dots (accounts.*.cardNumber), not inside a name. */
function FieldPath({ path }: { path: string }) {
  const parts = path.split('.');
  return <span className="mono field-path">{parts.map((p, i) => <span key={i}>{p}{i < parts.length - 1 && <>.<wbr /></>}</span>)}</span>;
}

function Flows() {
  const now = useNow();
  const [filters, setFilters] = useState<Filters>(readFilters);
  const ids = { type: useId(), host: useId(), location: useId() };
  useEffect(() => writeFilters(filters), [filters]);
  const set = (patch: Partial<Filters>) => setFilters((f) => ({ ...f, ...patch }));
  // Every field once (a few per endpoint): cards, filters and table are computed from one answer.
  const data = useResource(() => api.sensitiveData(), [], 15000);
  const types = useResource(() => api.sensitiveTypes(), []);

  const all = data.data?.fields ?? [];
  const info = new Map((data.data?.types ?? []).map((t) => [t.name, t]));
  const hosts = useMemo(() => [...new Set(all.map((f) => f.host))].sort(), [all]);
  // The cards follow the host and location filters; the table follows all three.
  const scoped = all.filter((f) => (!filters.host || f.host === filters.host) && (!filters.location || f.location === filters.location));
  const cards = useMemo(() => {
    const by = new Map<string, { name: string; endpoints: Set<string>; fields: number; occurrences: number; lastSeen: string }>();
    for (const f of scoped) {
      const c = by.get(f.name) ?? { name: f.name, endpoints: new Set<string>(), fields: 0, occurrences: 0, lastSeen: f.lastSeen };
      c.endpoints.add(f.endpointId);
      c.fields++;
      c.occurrences += f.count;
      if (f.lastSeen > c.lastSeen) c.lastSeen = f.lastSeen;
      by.set(f.name, c);
    }
    return [...by.values()].sort((a, b) => b.occurrences - a.occurrences || a.name.localeCompare(b.name));
  }, [JSON.stringify(scoped)]);
  const rows = scoped.filter((f) => !filters.type || f.name === filters.type);
  const typeOptions = [...new Set([...(data.data?.types ?? []).map((t) => t.name), ...(filters.type ? [filters.type] : [])])].sort();
  const hostOptions = [...new Set([...hosts, ...(filters.host ? [filters.host] : [])])].sort();
  const filtered = Boolean(filters.type || filters.host || filters.location);

  if (data.loading) return <Spinner label="Loading sensitive data…" />;
  if (data.error && !data.data) return <ErrorMessage error={data.error} onRetry={data.reload} />;
  if (all.length === 0) {
    return (
      <div className="card">
        <EmptyState icon="lock" title="No sensitive data detected yet" action={<Link to="/integrations" className="button button-secondary">Set up an integration</Link>}>
          <WhatIsDetected builtIn={types.data?.builtIn} />
        </EmptyState>
      </div>
    );
  }

  return (
    <div className="stack">
      <p className="callout callout-info sensitive-masking" role="note"><span>{MASKING}</span></p>
      <div className="sensitive-cards" role="group" aria-label="Sensitive data types">
        {cards.map((c) => {
          const t = info.get(c.name);
          const pressed = filters.type === c.name;
          return (
            <button
              key={c.name}
              type="button"
              className={`sensitive-card${pressed ? ' active' : ''}`}
              aria-pressed={pressed}
              title={pressed ? 'Click to show every type.' : `Show only the fields carrying ${c.name}.`}
              onClick={() => set({ type: pressed ? '' : c.name })}
            >
              <span className="sensitive-card-head">
                <span className="sensitive-card-name mono">{c.name}</span>
                {t && <SeverityBadge severity={t.severity as Severity} />}
              </span>
              <span className="sensitive-card-category">{t ? categoryText(t.category) : '—'}</span>
              <span className="sensitive-card-numbers">
                <span><strong>{formatNumber(c.endpoints.size)}</strong> {c.endpoints.size === 1 ? 'endpoint' : 'endpoints'}</span>
                <span><strong>{formatNumber(c.fields)}</strong> {c.fields === 1 ? 'field' : 'fields'}</span>
                <span><strong>{formatNumber(c.occurrences)}</strong> seen</span>
              </span>
              <span className="sensitive-card-seen">Last seen <time dateTime={c.lastSeen} title={formatDateTime(c.lastSeen)}>{formatRelative(c.lastSeen, now)}</time></span>
            </button>
          );
        })}
        {cards.length === 0 && <p className="muted">No type under these filters.</p>}
      </div>

      <section className="card card-flush" aria-labelledby="sensitive-fields-heading">
        <div className="card-header">
          <div>
            <h2 id="sensitive-fields-heading" className="card-title">Fields</h2>
            <p className="card-subtitle">Each place a type was found: the endpoint, where in the call, and the field path (JSON path, parameter or header name).</p>
          </div>
        </div>
        <form className="filters sensitive-filters" role="search" aria-label="Filter sensitive data" onSubmit={(e) => e.preventDefault()}>
          <div className="filter">
            <label htmlFor={ids.type}>Type</label>
            <select id={ids.type} className="input" value={filters.type} onChange={(e) => set({ type: e.target.value })}>
              <option value="">Any type</option>
              {typeOptions.map((t) => <option key={t} value={t}>{t}</option>)}
            </select>
          </div>
          <div className="filter">
            <label htmlFor={ids.host}>Host</label>
            <select id={ids.host} className="input mono" value={filters.host} onChange={(e) => set({ host: e.target.value })}>
              <option value="">Any host</option>
              {hostOptions.map((h) => <option key={h} value={h}>{h}</option>)}
            </select>
          </div>
          <div className="filter">
            <label htmlFor={ids.location}>Location</label>
            <select id={ids.location} className="input" value={filters.location} onChange={(e) => set({ location: e.target.value })}>
              <option value="">Anywhere</option>
              {LOCATIONS.map((l) => <option key={l.value} value={l.value}>{l.label}</option>)}
            </select>
          </div>
          <ClearFilters shown={filtered} onClear={() => setFilters(EMPTY)} />
        </form>
        {data.error && <div className="card-notice"><ErrorMessage error={`Updates paused: ${data.error.message}`} /></div>}
        {rows.length === 0 ? (
          <EmptyState icon="inbox" title="No fields match these filters" action={<button type="button" className="button button-secondary" onClick={() => setFilters(EMPTY)}>Clear filters</button>}>
            Try another type, host or location.
          </EmptyState>
        ) : (
          <>
            <Table
              caption="Sensitive fields"
              className="sensitive-table"
              rows={rows}
              rowKey={(r: SensitiveField) => `${r.endpointId} ${r.name} ${r.location} ${r.field}`}
              columns={[
                { header: 'Type', nowrap: true, cell: (r) => <span className="chip chip-sensitive">{r.name}</span> },
                { header: 'Location', nowrap: true, cell: (r) => locationText(r.location) },
                { header: 'Field', className: 'sensitive-field-cell', cell: (r) => (r.field ? <FieldPath path={r.field} /> : <span className="muted" title="Found in a plain text body, not under a field">whole body</span>) },
                {
                  header: 'Endpoint',
                  className: 'cell-grow',
                  cell: (r) => (
                    <Link to={`/inventory/${encodeURIComponent(r.endpointId)}`} className="finding-endpoint" title={`${r.method} ${r.host}${r.pathTemplate} (open the endpoint)`}>
                      <MethodBadge method={r.method} />
                      <span className="finding-endpoint-text">
                        <span className="endpoint-link mono break">{r.pathTemplate}</span>
                        <span className="endpoint-host muted mono">{r.host}</span>
                      </span>
                    </Link>
                  ),
                },
                { header: 'Count', align: 'right', nowrap: true, cell: (r) => formatNumber(r.count) },
                { header: 'First Seen', nowrap: true, cell: (r) => <time dateTime={r.firstSeen} title={formatDateTime(r.firstSeen)}>{formatRelative(r.firstSeen, now)}</time> },
                { header: 'Last Seen', nowrap: true, cell: (r) => <time dateTime={r.lastSeen} title={formatDateTime(r.lastSeen)}>{formatRelative(r.lastSeen, now)}</time> },
              ]}
            />
            <div className="pager">
              <span role="status">{`${formatNumber(rows.length)} ${rows.length === 1 ? 'field' : 'fields'}${filtered ? ` (of ${formatNumber(all.length)})` : ''}`}</span>
            </div>
          </>
        )}
      </section>
    </div>
  );
}

// ------------------------------------------------------------------ custom types

const SEVERITY_OPTIONS: Array<Exclude<Severity, 'info'>> = ['critical', 'high', 'medium', 'low'];
const VALIDATORS: Array<{ value: '' | 'luhn' | 'mod97'; label: string }> = [
  { value: '', label: 'None' },
  { value: 'luhn', label: 'Luhn (card-style check digit)' },
  { value: 'mod97', label: 'Mod 97 (IBAN check digits)' },
];

interface Draft { name: string; category: string; severity: Exclude<Severity, 'info'>; pattern: string; fieldNames: string; validator: '' | 'luhn' | 'mod97' }
const NEW_DRAFT: Draft = { name: '', category: 'CUSTOM', severity: 'medium', pattern: '', fieldNames: '', validator: '' };

function definitionOf(d: Draft): CustomTypeDefinition {
  return {
    name: d.name.trim(),
    category: d.category.trim() || 'CUSTOM',
    severity: d.severity,
    pattern: d.pattern === '' ? null : d.pattern,
    fieldNames: d.fieldNames.split(',').map((s) => s.trim()).filter(Boolean),
    validator: d.validator || null,
  };
}

function DryRunResult({ result, onOpen, opening }: { result: DryRun; onOpen: (id: string) => void; opening: string | null }) {
  return (
    <section className="dry-run" aria-labelledby="dry-run-heading">
      <h3 id="dry-run-heading" className="dry-run-title">Dry run</h3>
      <p role="status" className="dry-run-summary">
        Scanned <strong>{formatNumber(result.scanned)}</strong> recent {result.scanned === 1 ? 'transaction' : 'transactions'}: <strong>{formatNumber(result.transactions)}</strong> matched
        {result.matches.length > 0 && <> ({formatNumber(result.matches.length)} {result.matches.length === 1 ? 'value' : 'values'} shown, masked)</>}.
      </p>
      {result.matches.length === 0 ? (
        <p className="muted">Nothing in the recent traffic matches this definition. Check the pattern (the whole value must match) and the field names.</p>
      ) : (
        <Table
          caption="Dry run matches"
          className="table-compact"
          rows={result.matches}
          rowKey={(m) => `${m.transactionId} ${m.location} ${m.field} ${m.masked}`}
          columns={[
            {
              header: 'Transaction',
              nowrap: true,
              cell: (m) => (
                <button type="button" className="button button-small button-subtle mono" aria-label={`Open transaction ${m.transactionId}`} disabled={opening !== null} onClick={() => onOpen(m.transactionId)}>
                  {opening === m.transactionId ? 'Opening…' : `${m.transactionId.slice(0, 8)}…`}
                </button>
              ),
            },
            { header: 'Request', className: 'cell-grow', cell: (m) => <span className="mono break"><strong>{m.method}</strong> {m.host ?? ''}{m.uri}</span> },
            { header: 'Location', nowrap: true, cell: (m) => locationText(m.location) },
            { header: 'Field', cell: (m) => <span className="mono break">{m.field || '—'}</span> },
            { header: 'Value (masked)', cell: (m) => <span className="mono break masked-value">{m.masked}</span> },
          ]}
        />
      )}
    </section>
  );
}

function Editor({ onSaved }: { onSaved: (t: CustomType) => void }) {
  const [draft, setDraft] = useState<Draft>(NEW_DRAFT);
  const [busy, setBusy] = useState<'dry' | 'save' | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [result, setResult] = useState<DryRun | null>(null);
  const txn = useOpenTransaction();
  const set = (patch: Partial<Draft>) => {
    setDraft((d) => ({ ...d, ...patch }));
    setError(null);
  };
  const nameProblem = draft.name && !/^[A-Z][A-Z0-9_]{1,63}$/.test(draft.name.trim()) ? 'Upper snake case, 2 to 64 characters: letters A–Z, digits and _, starting with a letter (e.g. EMPLOYEE_ID).' : null;

  const run = async (kind: 'dry' | 'save') => {
    setBusy(kind);
    setError(null);
    try {
      if (kind === 'dry') {
        setResult(await api.dryRunSensitiveType(definitionOf(draft)));
      } else {
        const saved = await api.createSensitiveType(definitionOf(draft));
        setDraft(NEW_DRAFT);
        setResult(null);
        onSaved(saved);
      }
    } catch (err) {
      setError(err as ApiError);
      if (kind === 'dry') setResult(null);
    } finally {
      setBusy(null);
    }
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run('save');
  };
  const ready = draft.name.trim() !== '' && (draft.pattern !== '' || draft.fieldNames.trim() !== '');

  return (
    <Card title="New Custom Type" subtitle="A value matches when it sits under one of the field names (if given), matches the whole pattern (if given) and passes the check digit (if chosen). Try it on recent traffic with a dry run before you save it; saved types apply to traffic analysed from then on, which is masked and reported like the built-in types.">
      <form className="form custom-type-form" aria-label="Custom type" onSubmit={submit}>
        <div className="custom-type-grid">
          <Field label="Name" hint="Upper snake case, e.g. EMPLOYEE_ID." error={nameProblem}>
            <input className="input mono" value={draft.name} spellCheck={false} autoComplete="off" placeholder="EMPLOYEE_ID" onChange={(e) => set({ name: e.target.value.toUpperCase().replace(/[\s-]/g, '_') })} />
          </Field>
          <Field label="Category" hint="Groups types in reports (CUSTOM unless you say otherwise).">
            <input className="input mono" value={draft.category} maxLength={40} spellCheck={false} onChange={(e) => set({ category: e.target.value })} />
          </Field>
          <Field label="Severity">
            <select className="input" value={draft.severity} onChange={(e) => set({ severity: e.target.value as Draft['severity'] })}>
              {SEVERITY_OPTIONS.map((s) => <option key={s} value={s}>{s.charAt(0).toUpperCase() + s.slice(1)}</option>)}
            </select>
          </Field>
          <Field label="Validator" hint="A checksum the value must pass.">
            <select className="input" value={draft.validator} onChange={(e) => set({ validator: e.target.value as Draft['validator'] })}>
              {VALIDATORS.map((v) => <option key={v.value} value={v.value}>{v.label}</option>)}
            </select>
          </Field>
        </div>
        <Field label="Pattern" optional hint={<>A JavaScript regular expression the <em>whole</em> value must match, e.g. <code className="mono">E-\d{'{6}'}</code>. Nested repetition such as <code className="mono">(a+)+</code> and backreferences are refused (they can take exponential time).</>}>
          <input className="input mono" value={draft.pattern} maxLength={300} spellCheck={false} autoComplete="off" placeholder={'E-\\d{6}'} onChange={(e) => set({ pattern: e.target.value })} />
        </Field>
        <Field label="Field names" optional hint="A comma-separated list: the value must sit under one of them (compared without case, _ or -), e.g. employee, employeeId, staff_no.">
          <input className="input mono" value={draft.fieldNames} spellCheck={false} autoComplete="off" placeholder="employee, employeeId" onChange={(e) => set({ fieldNames: e.target.value })} />
        </Field>
        {error && <ErrorMessage error={error} />}
        <div className="custom-type-actions">
          <button type="button" className="button button-secondary" disabled={!ready || busy !== null || Boolean(nameProblem)} onClick={() => void run('dry')}>
            {busy === 'dry' ? 'Running…' : 'Dry run'}
          </button>
          <button type="submit" className="button button-primary" disabled={!ready || busy !== null || Boolean(nameProblem)}>
            {busy === 'save' ? 'Saving…' : 'Save'}
          </button>
          {!ready && <span className="muted">Give a name, and a pattern or field names (or both).</span>}
        </div>
      </form>
      {result && <DryRunResult result={result} onOpen={(id) => void txn.open(id)} opening={txn.opening} />}
      {txn.error && <ErrorMessage error={txn.error} />}
      {txn.shown && <TransactionDrawer summary={txn.shown} onClose={() => txn.setShown(null)} />}
    </Card>
  );
}

function CustomTypes() {
  const { isAdmin } = useSession();
  const now = useNow();
  const types = useResource(() => api.sensitiveTypes(), []);
  const [removing, setRemoving] = useState<CustomType | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  if (types.loading) return <Spinner label="Loading sensitive data types…" />;
  if (types.error && !types.data) return <ErrorMessage error={types.error} onRetry={types.reload} />;
  const custom = [...types.data!.custom].sort((a, b) => a.name.localeCompare(b.name));
  const builtIn = types.data!.builtIn;

  return (
    <div className="stack">
      {notice && <div className="callout callout-success" role="status"><span>{notice}</span></div>}
      <Card title="Custom Types" subtitle="Your own sensitive data types, found, masked and reported like the built-in ones in traffic analysed after they were saved." className="card-flush">
        {custom.length === 0 ? (
          <p className="card-pad muted">No custom types yet.{isAdmin ? ' Define one below, try it with a dry run, then save it.' : ' An admin can add them.'}</p>
        ) : (
          <Table
            caption="Custom types"
            rows={custom}
            rowKey={(t) => t.id}
            columns={[
              { header: 'Name', nowrap: true, cell: (t) => <span className="chip chip-sensitive">{t.name}</span> },
              { header: 'Category', nowrap: true, cell: (t) => <span className="mono">{t.category}</span> },
              { header: 'Severity', nowrap: true, cell: (t) => <SeverityBadge severity={t.severity} /> },
              { header: 'Pattern', cell: (t) => (t.pattern ? <code className="mono break">{t.pattern}</code> : <span className="muted">any value</span>) },
              { header: 'Field names', cell: (t) => (t.fieldNames.length ? <span className="mono break">{t.fieldNames.join(', ')}</span> : <span className="muted">any field</span>) },
              { header: 'Validator', nowrap: true, cell: (t) => (t.validator ? VALIDATORS.find((v) => v.value === t.validator)?.label.split(' ')[0] ?? t.validator : <span className="muted">none</span>) },
              { header: 'Added', nowrap: true, cell: (t) => <span title={`${formatDateTime(t.createdAt)} by ${t.createdBy}`}>{formatRelative(t.createdAt, now)}</span> },
              isAdmin && { header: '', srHeader: 'Actions', align: 'right', cell: (t) => <IconAction icon="trash" label={`Delete ${t.name}`} danger onClick={() => setRemoving(t)} /> },
            ]}
          />
        )}
      </Card>

      {isAdmin && (
        <Editor
          onSaved={(t) => {
            setNotice(`${t.name} saved. Traffic analysed from now on is scanned for it.`);
            types.setData((cur) => (cur ? { ...cur, custom: [...cur.custom.filter((c) => c.id !== t.id), t] } : cur));
            void types.reload();
          }}
        />
      )}

      <section className="card" aria-labelledby="builtin-heading">
        <details className="builtin-types">
          <summary>
            <h2 id="builtin-heading" className="card-title">Built-in Types ({builtIn.length})</h2>
            <span className="card-subtitle">Detected with checksums and field-name context, always on.</span>
          </summary>
          <Table
            caption="Built-in types"
            className="table-compact"
            rows={builtIn}
            rowKey={(t) => t.name}
            columns={[
              { header: 'Name', nowrap: true, cell: (t) => <span className="mono">{t.name}</span> },
              { header: 'Category', cell: (t) => categoryText(t.category) },
              { header: 'Severity', nowrap: true, cell: (t) => <SeverityBadge severity={t.severity} /> },
            ]}
          />
        </details>
      </section>

      {removing && (
        <ConfirmDialog
          title={`Delete ${removing.name}?`}
          confirmLabel="Delete"
          danger
          onClose={() => setRemoving(null)}
          onConfirm={async () => {
            await api.deleteSensitiveType(removing.id);
            setNotice(`${removing.name} deleted. Traffic analysed from now on is no longer scanned for it; fields already reported stay in the inventory.`);
            setRemoving(null);
            await types.reload();
          }}
        >
          Traffic analysed from now on is no longer scanned for <strong className="mono">{removing.name}</strong>. Values already masked stay masked.
        </ConfirmDialog>
      )}
    </div>
  );
}

// ------------------------------------------------------------------ the page

export function SensitiveData({ tab }: { tab: 'flows' | 'custom' }) {
  return (
    <>
      <PageHeader
        title="Sensitive Data"
        description="Personal data, payment data and secrets in your API traffic: which types, on which endpoints, in which fields. Values are masked before they are stored."
      />
      <Tabs tab={tab} />
      <div className="tab-panel">{tab === 'flows' ? <Flows /> : <CustomTypes />}</div>
    </>
  );
}
