// One endpoint of the inventory: its state with the evidence behind it, traffic statistics,
// status codes, parameters (with the evidence that made them parameters), auth schemes, the JSON
// schemas learnt from traffic, sample transactions and the templates it had before; and the
// corrections to discovery of its host (merge, split, rename a parameter, ignore a path), which
// admins add and delete here and which apply to traffic analysed from then on.
import { useState, type ReactNode } from 'react';
import { api, type ApiError, type Application, type AuthScheme, type DiscoveryRule, type DiscoveryRuleKind, type DiscoveryRuleSpec, type Distribution, type EndpointDetail } from '../api.ts';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { Dialog, SaveCancel } from '../components/Dialog.tsx';
import { EmptyState, ErrorMessage, Spinner } from '../components/Feedback.tsx';
import { Field } from '../components/Field.tsx';
import { IconAction } from '../components/IconAction.tsx';
import { Card } from '../components/Page.tsx';
import { Stat } from '../components/Stat.tsx';
import { formatBytes, formatDateTime, formatNumber, formatRelative } from '../format.ts';
import { useAction, useNow, useResource, useSession } from '../hooks.ts';
import { Link } from '../router.tsx';
import { EndpointFindings } from './Findings.tsx';
import { MethodBadge, ProvenanceBadge, StateBadge } from './Inventory.tsx';
import { SpecsDrawer } from './Specs.tsx';
import { TransactionDrawer, useOpenTransaction } from './TransactionDrawer.tsx';

const ms = (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(v >= 10_000 ? 0 : 1)} s` : `${Math.round(v)} ms`);
const bytes = (v: number) => formatBytes(Math.round(v));

function DistributionStat({ label, d, format, empty, p99, body }: { label: string; d: Distribution | null; format: (v: number) => string; empty: string; p99?: boolean; body?: boolean }) {
  if (!d) return <Stat label={label} value="—" hint={empty} />;
  if (body && d.max === 0) return <Stat label={label} value={format(0)} hint={`No body in ${formatNumber(d.count)} ${d.count === 1 ? 'call' : 'calls'}`} />;
  return (
    <Stat
      label={`${label} (p50)`}
      value={format(d.p50)}
      hint={<>p95 {format(d.p95)}{p99 && <> · p99 {format(d.p99)}</>} · {formatNumber(d.count)} {d.count === 1 ? 'call' : 'calls'}</>}
    />
  );
}

const statusClass = (code: string) => (/^[2-5]\d\d$/.test(code) ? `${code[0]}xx` : 'none');

function StatusBars({ statuses }: { statuses: Record<string, number> }) {
  const entries = Object.entries(statuses).sort(([a], [b]) => a.localeCompare(b));
  const total = entries.reduce((n, [, c]) => n + c, 0);
  if (total === 0) return <p className="muted">No responses recorded.</p>;
  return (
    <ul className="bars" aria-label="Responses by status code">
      {entries.map(([code, n]) => {
        const pct = (n / total) * 100;
        return (
          <li key={code} className="bar-row bar-row-compact">
            <span className="bar-label mono">{code === 'none' ? 'no response' : code}</span>
            <span className="bar-track" aria-hidden="true">
              <span className={`bar-fill status-${statusClass(code)}`} style={{ width: `${Math.max(pct, 1)}%` }} />
            </span>
            <span className="bar-value">
              {formatNumber(n)} <span className="muted">({pct.toFixed(pct > 0 && pct < 1 ? 1 : 0)}%)</span>
            </span>
          </li>
        );
      })}
    </ul>
  );
}

function ContentTypes({ label, types }: { label: string; types: Record<string, number> }) {
  const entries = Object.entries(types).sort((a, b) => b[1] - a[1]);
  return (
    <>
      <dt>{label}</dt>
      <dd>
        {entries.length ? (
          <ul className="chips chips-tight">
            {entries.map(([t, n]) => <li key={t} className="chip mono" title={`${formatNumber(n)} calls`}>{t} <span className="muted">×{formatNumber(n)}</span></li>)}
          </ul>
        ) : (
          <span className="muted">none seen</span>
        )}
      </dd>
    </>
  );
}

function describeAuth(a: AuthScheme): string {
  const parts: string[] = [];
  if (a.format) parts.push(a.format === 'jwt' ? 'JWT' : 'opaque token');
  if (a.alg) parts.push(`alg ${a.alg}`);
  if (a.issuer) parts.push(`issuer ${a.issuer}`);
  if (a.in) parts.push(`in ${a.in}${a.name ? ` “${a.name}”` : ''}`);
  else if (a.name) parts.push(`“${a.name}”`);
  return parts.join(', ');
}

function SchemaBlock({ title, schema, open }: { title: string; schema: unknown; open: boolean }) {
  return (
    <details className="schema" open={open}>
      <summary>{title}</summary>
      <pre className="code-block" tabIndex={0} aria-label={`${title} JSON schema`}>{JSON.stringify(schema, null, 2)}</pre>
    </details>
  );
}

function Samples({ ids }: { ids: string[] }) {
  const txn = useOpenTransaction();
  if (ids.length === 0) return <p className="muted">No sample transactions kept for this endpoint.</p>;
  return (
    <>
      <ul className="sample-list">
        {[...ids].reverse().map((id) => (
          <li key={id}>
            <button type="button" className="button button-small button-subtle mono" aria-label={`Open transaction ${id}`} disabled={txn.opening !== null} onClick={() => void txn.open(id)}>
              {txn.opening === id ? 'Opening…' : id}
            </button>
          </li>
        ))}
      </ul>
      <ErrorMessage error={txn.error} />
      {txn.shown && <TransactionDrawer summary={txn.shown} onClose={() => txn.setShown(null)} />}
    </>
  );
}

// ------------------------------------------------------------ corrections (discovery rules)

const RULE_KINDS: Record<DiscoveryRuleKind, { label: string; short: string; title: string; help: string }> = {
  merge: { label: 'Merge', short: 'Merge', title: 'Merge paths', help: 'Collapse every path the template matches into one endpoint (e.g. /users/alice and /users/bob into /users/{username}).' },
  split: { label: 'Split', short: 'Split', title: 'Split off a path', help: 'Keep a more specific template apart from the one that would take it (e.g. /users/me beside /users/{userId}).' },
  rename: { label: 'Rename parameter', short: 'Rename', title: 'Rename parameter', help: 'Give a path parameter of this endpoint a better name.' },
  ignore: { label: 'Ignore path', short: 'Ignore', title: 'Ignore path', help: 'Drop matching requests: they are no longer counted in the inventory.' },
};
const RULE_ORDER: DiscoveryRuleKind[] = ['merge', 'split', 'rename', 'ignore'];
const RULE_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];
/** The server's pattern for parameter names (RuleSchema in inventory-routes.ts). */
const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const FROM_NOW_ON = 'It applies to traffic analysed from now on (within a few seconds), not to calls already counted.';

/** The parameter names of a template, in order: "/users/{userId}/orders/{id}" → ["userId", "id"]. */
const templateParams = (template: string) => [...template.matchAll(/\{([^{}]+)\}/g)].map((m) => m[1]!);

function templateProblem(template: string, needParam: boolean): string | null {
  const t = template.trim();
  if (!t) return 'Enter a path template.';
  if (!t.startsWith('/')) return 'A template starts with “/”, e.g. /users/{userId}.';
  if (/\s/.test(t)) return 'A template has no spaces.';
  if ((t.match(/\{/g) ?? []).length !== (t.match(/\}/g) ?? []).length || /\{\}/.test(t)) return 'Every parameter needs a name between braces, e.g. {userId}.';
  if (needParam && !t.includes('{')) return 'Put a parameter such as {id} where the paths differ, e.g. /users/{username}.';
  return null;
}

/** What a rule does, in a few words (the notice after adding or deleting it). */
function describeRule(r: DiscoveryRuleSpec): string {
  const method = r.method ? ` (${r.method} only)` : '';
  switch (r.kind) {
    case 'merge': return `merge into ${r.template}${method}`;
    case 'split': return `split off ${r.template}${method}`;
    case 'rename': return `rename {${r.from}} to {${r.to}} in ${r.template}`;
    default: return `ignore ${r.pattern}${method}`;
  }
}

/** "user:admin@127.0.0.1" → "admin"; "admin-token@…" → "admin token". */
function actorName(createdBy: string): string {
  const who = createdBy.replace(/@[^@]*$/, '');
  if (who.startsWith('user:')) return who.slice(5);
  return who === 'admin-token' ? 'admin token' : who;
}

function MethodSelect({ value, onChange }: { value: string; onChange: (m: string) => void }) {
  return (
    <Field label="Method" optional hint="Leave at “Any method” to apply the rule to every method.">
      <select className="input input-medium" value={value} onChange={(ev) => onChange(ev.target.value)}>
        <option value="">Any method</option>
        {RULE_METHODS.map((m) => <option key={m} value={m}>{m}</option>)}
      </select>
    </Field>
  );
}

function CorrectionDialog({ kind, e, onClose, onAdded }: { kind: DiscoveryRuleKind; e: EndpointDetail; onClose: () => void; onAdded: (r: DiscoveryRule) => void }) {
  const params = templateParams(e.pathTemplate);
  const [template, setTemplate] = useState(e.pathTemplate);
  const [method, setMethod] = useState('');
  const [from, setFrom] = useState(params[0] ?? '');
  const [to, setTo] = useState('');
  const [below, setBelow] = useState(false);
  const [touched, setTouched] = useState(false);
  const { busy, error, run } = useAction<ApiError>();
  const info = RULE_KINDS[kind];

  const base = template.trim();
  const pattern = below && !base.endsWith('/**') ? `${base.replace(/\/+$/, '')}/**` : base;
  const templateError = kind === 'rename' ? null : templateProblem(kind === 'ignore' ? base.replace(/\/\*\*$/, '') || '/' : base, kind === 'merge');
  const toError = kind !== 'rename' ? null
    : !to.trim() ? (touched ? 'Enter the new name.' : null)
    : !PARAM_NAME.test(to.trim()) ? 'Use letters, digits, “_”, “.” and “-”, starting with a letter or “_” (e.g. accountId).'
    : to.trim() === from ? 'The new name is the name it has now.'
    : params.includes(to.trim()) ? `The template already has a parameter {${to.trim()}}.`
    : null;
  const fromError = kind === 'rename' && params.length === 0 ? 'This endpoint’s template has no path parameters.' : null;

  const submit = async () => {
    setTouched(true);
    if (templateError || toError || fromError || (kind === 'rename' && !to.trim())) return;
    const m = method ? { method } : {};
    const rule: DiscoveryRuleSpec =
      kind === 'rename' ? { kind, template: e.pathTemplate, from, to: to.trim() }
      : kind === 'ignore' ? { kind, pattern, ...m }
      : { kind, template: base, ...m };
    await run(async () => onAdded(await api.createDiscoveryRule(e.host, rule)));
  };

  return (
    <Dialog
      title={info.title}
      description={<>{info.help} The rule is for <span className="mono strong">{e.host}</span> and applies to traffic analysed from now on, not to calls already counted.</>}
      onClose={onClose}
      onSubmit={submit}
      footer={<SaveCancel busy={busy} onCancel={onClose} label={kind === 'rename' ? 'Rename' : kind === 'ignore' ? 'Ignore' : info.label} disabled={Boolean(fromError)} />}
    >
      {kind === 'rename' ? (
        <>
          <p className="dialog-intro">
            Template <span className="mono strong">{e.pathTemplate}</span>
          </p>
          <Field label="Parameter" error={fromError}>
            <select className="input input-medium mono" value={from} disabled={params.length === 0} onChange={(ev) => setFrom(ev.target.value)}>
              {params.map((p) => <option key={p} value={p}>{`{${p}}`}</option>)}
            </select>
          </Field>
          <Field label="New name" error={toError} hint={to.trim() && !toError && e.pathTemplate.includes(`{${from}}`) ? <>The template becomes <span className="mono">{e.pathTemplate.replace(`{${from}}`, `{${to.trim()}}`)}</span>.</> : 'Letters, digits, “_”, “.” and “-”, e.g. accountId.'}>
            <input className="input input-medium mono" value={to} spellCheck={false} autoComplete="off" data-autofocus onChange={(ev) => setTo(ev.target.value)} />
          </Field>
        </>
      ) : kind === 'ignore' ? (
        <>
          <Field label="Path pattern" error={touched || base !== e.pathTemplate ? templateError : null} hint="A path or template of this host, e.g. /health or /users/{userId}.">
            <input className="input mono" value={template} spellCheck={false} autoComplete="off" data-autofocus onChange={(ev) => setTemplate(ev.target.value)} />
          </Field>
          <label className="checkbox">
            <input type="checkbox" checked={below} onChange={(ev) => setBelow(ev.target.checked)} />
            <span>and everything below it</span>
          </label>
          <p className="field-hint correction-preview">
            Ignores <span className="mono strong">{pattern || '—'}</span>
            {below ? <> (the path itself and every path under it)</> : <> (exactly this path)</>}.
          </p>
          <MethodSelect value={method} onChange={setMethod} />
        </>
      ) : (
        <>
          <Field
            label="Template"
            error={touched || base !== e.pathTemplate ? templateError : null}
            hint={kind === 'merge'
              ? <>Write <span className="mono">{'{name}'}</span> where the paths differ, e.g. <span className="mono">/users/{'{username}'}</span>.</>
              : <>The specific path to keep apart, e.g. <span className="mono">/users/me</span> beside <span className="mono">/users/{'{userId}'}</span>.</>}
          >
            <input className="input mono" value={template} spellCheck={false} autoComplete="off" data-autofocus onChange={(ev) => setTemplate(ev.target.value)} />
          </Field>
          <MethodSelect value={method} onChange={setMethod} />
        </>
      )}
      <ErrorMessage error={error} />
    </Dialog>
  );
}

function Corrections({ e }: { e: EndpointDetail }) {
  const { isAdmin } = useSession();
  const now = useNow();
  const rules = useResource(() => api.discoveryRules(e.host).then((r) => r.items), [e.host], 30000);
  const [open, setOpen] = useState<DiscoveryRuleKind | null>(null);
  const [deleting, setDeleting] = useState<DiscoveryRule | null>(null);
  const [notice, setNotice] = useState<ReactNode>(null);
  // An orphan of a spec whose application lists only wildcard hosts has no single host to correct.
  const usable = e.host !== '' && !e.host.includes('*');
  const list = rules.data ?? [];

  const added = (r: DiscoveryRule) => {
    setOpen(null);
    setNotice(<><strong>Added: {describeRule(r.rule)}.</strong> {FROM_NOW_ON} Endpoints already in the inventory keep their calls.</>);
    rules.setData((cur) => [...(cur ?? []).filter((x) => x.id !== r.id), r]);
    void rules.reload();
  };

  return (
    <Card
      title={<>Corrections for <span className="mono">{e.host || 'this host'}</span></>}
      subtitle="Rules that correct how discovery groups this host’s traffic into endpoints. They apply to traffic analysed after they are added, in the order listed."
      className="card-flush corrections-card"
    >
      <div className="card-pad corrections-top">
        {isAdmin ? (
          usable ? (
            <div className="corrections" role="group" aria-label="Correction actions">
              {RULE_ORDER.map((k) => (
                <button key={k} type="button" className="button button-secondary" title={RULE_KINDS[k].help} onClick={() => { setNotice(null); setOpen(k); }}>
                  {RULE_KINDS[k].label}
                </button>
              ))}
            </div>
          ) : (
            <p className="muted">This operation’s application has only wildcard hosts: add corrections from an endpoint seen in traffic.</p>
          )
        ) : (
          <p className="muted">An administrator can add and delete corrections.</p>
        )}
        {notice && <div className="callout callout-success corrections-notice" role="status"><span>{notice}</span></div>}
      </div>
      {rules.loading ? (
        <div className="card-pad"><Spinner label="Loading corrections…" /></div>
      ) : rules.error && !rules.data ? (
        <div className="card-pad"><ErrorMessage error={rules.error} onRetry={rules.reload} /></div>
      ) : list.length === 0 ? (
        <p className="card-pad muted corrections-empty">No corrections for this host yet: its endpoints are inferred from traffic{e.applicationId ? ' and its spec' : ''}.</p>
      ) : (
        <div className="table-wrap">
          <table className="table corrections-table">
            <caption className="sr-only">{`Corrections for ${e.host}`}</caption>
            <thead>
              <tr>
                <th scope="col">Kind</th>
                <th scope="col">Template or pattern</th>
                <th scope="col">Method</th>
                <th scope="col">Parameter</th>
                <th scope="col">Created by</th>
                <th scope="col">Created</th>
                {isAdmin && <th scope="col"><span className="sr-only">Actions</span></th>}
              </tr>
            </thead>
            <tbody>
              {list.map((r) => {
                const where = r.rule.kind === 'ignore' ? r.rule.pattern : r.rule.template;
                return (
                  <tr key={r.id} className={where === e.pathTemplate ? 'row-current' : undefined} title={where === e.pathTemplate ? 'Written for this endpoint’s template' : undefined}>
                    <td className="nowrap"><span className={`rule-kind rule-${r.rule.kind}`}>{RULE_KINDS[r.rule.kind]?.short ?? r.rule.kind}</span></td>
                    <td className="mono break">{where}</td>
                    <td className="mono nowrap">{r.rule.kind === 'rename' ? <span className="muted">—</span> : r.rule.method ?? <span className="muted">any</span>}</td>
                    <td className="mono nowrap">{r.rule.kind === 'rename' ? <>{`{${r.rule.from}}`} → {`{${r.rule.to}}`}</> : <span className="muted">—</span>}</td>
                    <td className="nowrap" title={r.createdBy}>{actorName(r.createdBy)}</td>
                    <td className="nowrap"><time dateTime={r.createdAt} title={formatDateTime(r.createdAt)}>{formatRelative(r.createdAt, now)}</time></td>
                    {isAdmin && (
                      <td style={{ textAlign: 'right' }}>
                        <IconAction icon="trash" danger label={`Delete ${describeRule(r.rule)}`} onClick={() => setDeleting(r)} />
                      </td>
                    )}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {open && <CorrectionDialog kind={open} e={e} onClose={() => setOpen(null)} onAdded={added} />}
      {deleting && (
        <ConfirmDialog
          title="Delete this correction?"
          confirmLabel="Delete"
          danger
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            await api.deleteDiscoveryRule(deleting.id);
            setDeleting(null);
            setNotice(<><strong>Deleted: {describeRule(deleting.rule)}.</strong> Traffic analysed from now on is grouped without it; endpoints it produced keep their calls.</>);
            rules.setData((cur) => cur?.filter((x) => x.id !== deleting.id));
            void rules.reload();
          }}
        >
          Delete the rule <strong className="mono">{describeRule(deleting.rule)}</strong> for {deleting.host}, added by {actorName(deleting.createdBy)} {formatRelative(deleting.createdAt, now)}?
          Traffic analysed from now on is grouped without it.
        </ConfirmDialog>
      )}
    </Card>
  );
}

function EndpointView({ e, app }: { e: EndpointDetail; app: Application | null }) {
  const { isAdmin } = useSession();
  const now = useNow();
  const [specsOpen, setSpecsOpen] = useState(false);
  const ev = e.stateEvidence;
  const responseSchemas = Object.entries(e.responseSchemas).sort(([a], [b]) => a.localeCompare(b));
  const schemaCount = responseSchemas.length + (e.requestSchema ? 1 : 0);
  const noTraffic = e.calls === 0;

  return (
    <>
      <header className="page-header endpoint-header">
        <div className="endpoint-title">
          <div className="breadcrumb">
            <Link to="/inventory">Inventory</Link> <span aria-hidden="true">/</span> <span className="mono">{e.host}</span>
          </div>
          <h1>
            <MethodBadge method={e.method} /> <span className="mono endpoint-path">{e.pathTemplate}</span>
          </h1>
          <div className="endpoint-meta">
            <StateBadge state={e.state} title={`${ev.reason.charAt(0).toUpperCase()}${ev.reason.slice(1)}.`} />
            <ProvenanceBadge provenance={e.provenance} />
            <span className="mono">{e.host}</span>
            {app && <span>Application <strong>{app.name}</strong></span>}
            {ev.specVersion && <span>Spec version <span className="mono strong">{ev.specVersion}</span></span>}
          </div>
        </div>
        {app && (
          <div className="page-actions">
            <button type="button" className="button button-secondary" onClick={() => setSpecsOpen(true)}>API specs</button>
          </div>
        )}
      </header>

      <div className="stack">
        <section className={`callout state-evidence state-${e.state}`} aria-labelledby="state-evidence">
          <div>
            <h2 id="state-evidence" className="state-evidence-title">
              Why <StateBadge state={e.state} />
            </h2>
            <p className="state-reason">{ev.reason.charAt(0).toUpperCase() + ev.reason.slice(1)}.</p>
            {ev.operation && (
              <p className="muted">
                Spec operation: <span className="mono">{ev.operation.method} {ev.operation.path}</span>
                {ev.operation.operationId && <> (<span className="mono">{ev.operation.operationId}</span>)</>}
                {ev.operation.deprecated && <> · <strong>deprecated</strong></>}
                {ev.specVersion && <> · version {ev.specVersion}</>}
              </p>
            )}
            {e.state === 'unknown' && (
              <p className="muted">
                {app ? <>No spec has been uploaded for {app.name}: upload its OpenAPI document to decide this endpoint’s state.</> : <>The host belongs to no application. Onboard it (Diagnostics &gt; System Diagnostics) and upload a spec for that application.</>}
              </p>
            )}
          </div>
        </section>

        <dl className="stats stats-cards">
          <Stat label="Calls" value={formatNumber(e.calls)} hint={noTraffic ? 'None within the last 30 days' : undefined} />
          <Stat label="First seen" value={e.firstSeen ? formatRelative(e.firstSeen, now) : 'Never'} hint={e.firstSeen ? formatDateTime(e.firstSeen) : undefined} />
          <Stat label="Last seen" value={e.lastSeen ? formatRelative(e.lastSeen, now) : 'Never'} hint={e.lastSeen ? formatDateTime(e.lastSeen) : undefined} />
          <DistributionStat label="Latency" d={e.latencyMs} format={ms} p99 empty="Not reported by the capture" />
          <DistributionStat label="Request size" d={e.requestBytes} format={bytes} empty="No requests yet" body />
          <DistributionStat label="Response size" d={e.responseBytes} format={bytes} empty="No responses yet" body />
        </dl>

        <EndpointFindings endpointId={e.id} />

        <div className="grid-2">
          <Card title="Status Codes" subtitle="Responses since the endpoint was first seen.">
            <StatusBars statuses={e.statuses} />
          </Card>
          <Card title="Auth and Content">
            <dl className="facts facts-grid endpoint-facts">
              <dt>Auth schemes</dt>
              <dd>
                {e.auth.length ? (
                  <ul className="plain-list auth-list">
                    {[...e.auth].sort((a, b) => b.count - a.count).map((a, i) => (
                      <li key={i}>
                        <span className={a.scheme.scheme === 'none' ? 'chip chip-warning' : 'chip'}>{a.scheme.scheme}</span>{' '}
                        {describeAuth(a.scheme) && <span className="muted">{describeAuth(a.scheme)}</span>}{' '}
                        <span className="muted">×{formatNumber(a.count)}</span>
                      </li>
                    ))}
                  </ul>
                ) : (
                  <span className="muted">none seen</span>
                )}
              </dd>
              <dt>Sensitive data</dt>
              <dd>
                {e.sensitiveTypes.length ? (
                  <ul className="chips chips-tight">{e.sensitiveTypes.map((s) => <li key={s} className="chip chip-sensitive">{s}</li>)}</ul>
                ) : (
                  <span className="muted">none detected</span>
                )}
              </dd>
              <ContentTypes label="Request types" types={e.requestContentTypes} />
              <ContentTypes label="Response types" types={e.responseContentTypes} />
            </dl>
          </Card>
        </div>

        <Card title="Path Parameters" subtitle="Path segments that vary, and why Tapline treats them as parameters." className="card-flush">
          {e.pathParameters.length === 0 ? (
            <p className="card-pad muted">No path parameters: every segment is literal.</p>
          ) : (
            <div className="table-wrap">
              <table className="table">
                <caption className="sr-only">Path parameters</caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Position</th>
                    <th scope="col">Type</th>
                    <th scope="col">Rule</th>
                    <th scope="col">Sample values</th>
                    <th scope="col" style={{ textAlign: 'right' }}>Distinct values</th>
                  </tr>
                </thead>
                <tbody>
                  {e.pathParameters.map((p) => (
                    <tr key={`${p.position}-${p.name}`}>
                      <th scope="row" className="mono">{`{${p.name}}`}</th>
                      <td>{p.position}</td>
                      <td className="mono">{p.type}</td>
                      <td className="mono">{p.evidence.rule}</td>
                      <td>
                        {p.evidence.samples.length ? (
                          <ul className="chips chips-tight">{p.evidence.samples.map((s, i) => <li key={i} className="chip mono">{s}</li>)}</ul>
                        ) : (
                          <span className="muted">—</span>
                        )}
                      </td>
                      <td style={{ textAlign: 'right' }}>{formatNumber(p.evidence.distinct)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </Card>

        <Corrections e={e} />

        <Card title="Query Parameters" subtitle="Names seen in the query string, with the widest type of their values." className="card-flush">
          {e.queryParameters.length === 0 ? (
            <p className="card-pad muted">No query parameters seen.</p>
          ) : (
            <div className="table-wrap">
              <table className="table">
                <caption className="sr-only">Query parameters</caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Type</th>
                    <th scope="col" style={{ textAlign: 'right' }}>Calls with it</th>
                  </tr>
                </thead>
                <tbody>
                  {e.queryParameters.map((q) => (
                    <tr key={q.name}>
                      <th scope="row" className="mono">{q.name}</th>
                      <td className="mono">{q.type}</td>
                      <td style={{ textAlign: 'right' }}>{formatNumber(q.count)}{e.calls > 0 && <span className="muted"> ({Math.round((q.count / e.calls) * 100)}%)</span>}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </Card>

        <Card title="Schemas" subtitle="JSON Schemas merged from the request and response bodies seen in traffic.">
          {schemaCount === 0 ? (
            <p className="muted">No JSON bodies seen yet.</p>
          ) : (
            <div className="schemas">
              {e.requestSchema != null && <SchemaBlock title="Request body" schema={e.requestSchema} open={schemaCount <= 2} />}
              {responseSchemas.map(([status, schema], i) => (
                <SchemaBlock key={status} title={`Response ${status}`} schema={schema} open={schemaCount <= 2 || i === 0} />
              ))}
            </div>
          )}
        </Card>

        <div className="grid-2">
          <Card title="Sample Transactions" subtitle="The latest calls kept as examples, newest first.">
            <Samples ids={e.sampleTransactionIds} />
          </Card>
          <Card title="History" subtitle="Templates this endpoint had before discovery refined or merged it.">
            {e.history.length === 0 ? (
              <p className="muted">No earlier templates.</p>
            ) : (
              <table className="table table-compact">
                <caption className="sr-only">Earlier templates</caption>
                <thead>
                  <tr>
                    <th scope="col">Template</th>
                    <th scope="col">Change</th>
                    <th scope="col">Until</th>
                  </tr>
                </thead>
                <tbody>
                  {[...e.history].reverse().map((h, i) => (
                    <tr key={i}>
                      <td className="mono break">{h.template}</td>
                      <td>{h.event}</td>
                      <td className="nowrap">{formatDateTime(new Date(h.until).toISOString())}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </Card>
        </div>

      </div>

      {specsOpen && app && <SpecsDrawer app={app} canEdit={isAdmin} onClose={() => setSpecsOpen(false)} />}
    </>
  );
}

export function EndpointPage({ id }: { id: string }) {
  const endpoint = useResource(() => api.endpoint(id), [id], 30000);
  const apps = useResource(() => api.applications().then((r) => r.items), []);
  if (endpoint.loading) return <Spinner label="Loading endpoint…" />;
  if (endpoint.error && !endpoint.data) {
    if ((endpoint.error as { status?: number }).status === 404) {
      return (
        <div className="card">
          <EmptyState icon="inbox" title="No such endpoint" action={<Link to="/inventory" className="button button-secondary">Back to the inventory</Link>}>
            This endpoint is not in the inventory any more: discovery may have merged it into another template, or its spec version was deleted.
          </EmptyState>
        </div>
      );
    }
    return <ErrorMessage error={endpoint.error} onRetry={endpoint.reload} />;
  }
  const e = endpoint.data!;
  const app = (apps.data ?? []).find((a) => a.id === e.applicationId) ?? null;
  return <EndpointView e={e} app={app} />;
}
