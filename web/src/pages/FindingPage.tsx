// One finding: what it is (severity, OWASP category with what the category means, type, status),
// why it fired (its evidence, rendered as facts, lists and excerpts), where and who (endpoint,
// actor), the transactions behind it (each opens in the transaction drawer), and for admins the
// status actions (acknowledge, resolve, false positive, reopen) with an optional reason.
import { Fragment, useState, type ReactNode } from 'react';
import { api, type ApiError, type FindingDetail, type FindingStatus, type Transaction } from '../api.ts';
import { Dialog, SaveCancel } from '../components/Dialog.tsx';
import { EmptyState, ErrorMessage, Spinner } from '../components/Feedback.tsx';
import { Field } from '../components/Field.tsx';
import { Card } from '../components/Page.tsx';
import { formatDateTime, formatDuration, formatNumber, formatRelative } from '../format.ts';
import { useAction, useNow, useResource, useSession } from '../hooks.ts';
import { Link } from '../router.tsx';
import { ACTOR_HELP, actorText, CategoryLabel, EndpointRef, FindingStatusBadge, OWASP, SeverityBadge, STATUSES, TYPES, typeLabel, useEndpoints } from './Findings.tsx';
import { StatusBadge } from './StatusBadge.tsx';
import { TransactionDrawer, useOpenTransaction } from './TransactionDrawer.tsx';

// ------------------------------------------------------------------ evidence

/** Words for the evidence keys the analyzers write; others are split from camelCase. */
const KEY_LABELS: Record<string, string> = {
  rule: 'Rule',
  count: 'Seen',
  threshold: 'Threshold',
  windowSeconds: 'Within',
  sampleValues: 'Sample values',
  recentTransactions: 'Recent transactions',
  parameters: 'Parameters',
  parameter: 'Parameter',
  credentialHeaders: 'Credential headers',
  scheme: 'Scheme',
  header: 'JWT header',
  claims: 'JWT claims present',
  alg: 'Algorithm',
  secret: 'Secret (masked)',
  lifetimeSeconds: 'Lifetime',
  kind: 'Kind',
  status: 'Response status',
  excerpt: 'Excerpt',
  headers: 'Headers',
  missing: 'Missing headers',
  reason: 'Reason',
  value: 'Value (masked)',
  field: 'Field',
  bytes: 'Size',
  state: 'Inventory state',
  specVersion: 'Spec version',
  operation: 'Spec operation',
  host: 'Host',
  origin: 'Origin',
};

function keyLabel(key: string): string {
  if (KEY_LABELS[key]) return KEY_LABELS[key];
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' ').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const isPrimitive = (v: unknown): v is string | number | boolean => ['string', 'number', 'boolean'].includes(typeof v);

function EvidenceValue({ name, value, onOpen }: { name: string; value: unknown; onOpen: (id: string) => void }): ReactNode {
  if (value === null || value === undefined || value === '') return <span className="muted">—</span>;
  if (name === 'recentTransactions' && Array.isArray(value)) {
    return (
      <ul className="chips chips-tight">
        {value.map((id, i) => (
          <li key={i}>
            <button type="button" className="chip chip-button mono" title="Open this transaction" onClick={() => onOpen(String(id))}>{String(id).slice(0, 8)}…</button>
          </li>
        ))}
      </ul>
    );
  }
  if ((name === 'windowSeconds' || name === 'lifetimeSeconds') && typeof value === 'number') return <>{formatDuration(value)}</>;
  if (name === 'bytes' && typeof value === 'number') return <>{formatNumber(value)} bytes</>;
  if (typeof value === 'number') return <>{formatNumber(value)}</>;
  if (typeof value === 'boolean') return <>{value ? 'yes' : 'no'}</>;
  if (typeof value === 'string') {
    if (name === 'excerpt' || value.includes('\n') || value.length > 80) return <pre className="code-block evidence-code" tabIndex={0} aria-label={keyLabel(name)}>{value}</pre>;
    return <span className="mono break">{value}</span>;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return <span className="muted">none</span>;
    if (value.every(isPrimitive)) {
      return <ul className="chips chips-tight evidence-chips">{value.map((v, i) => <li key={i} className="chip mono">{String(v)}</li>)}</ul>;
    }
    return <pre className="code-block evidence-code" tabIndex={0} aria-label={keyLabel(name)}>{JSON.stringify(value, null, 2)}</pre>;
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length > 0 && entries.length <= 8 && entries.every(([, v]) => v === null || isPrimitive(v))) {
      return (
        <dl className="facts facts-grid evidence-nested">
          {entries.map(([k, v]) => (
            <Fragment key={k}>
              <dt className="mono">{k}</dt>
              <dd className="mono break">{v === null ? '—' : String(v)}</dd>
            </Fragment>
          ))}
        </dl>
      );
    }
    return <pre className="code-block evidence-code" tabIndex={0} aria-label={keyLabel(name)}>{JSON.stringify(value, null, 2)}</pre>;
  }
  return <span className="mono">{String(value)}</span>;
}

/** A behaviour rule's evidence in one sentence: what was counted against what limit. */
function ruleSentence(ev: Record<string, unknown>): string | null {
  const { count, threshold, windowSeconds } = ev as { count?: unknown; threshold?: unknown; windowSeconds?: unknown };
  if (typeof count !== 'number' || typeof threshold !== 'number') return null;
  const within = typeof windowSeconds === 'number' ? ` within ${formatDuration(windowSeconds)}` : '';
  return `Counted ${formatNumber(count)}${within}; the rule fires at ${formatNumber(threshold)}.`;
}

function EvidenceItem({ ev, index, total, onOpen }: { ev: Record<string, unknown>; index: number; total: number; onOpen: (id: string) => void }) {
  const sentence = ruleSentence(ev);
  // The sentence says what was counted against what limit: those keys need no rows of their own.
  const entries = Object.entries(ev).filter(([k]) => !sentence || !['count', 'threshold', 'windowSeconds'].includes(k));
  return (
    <li className="evidence-item">
      <div className="evidence-item-title">
        Observation {total - index} of {total}{index === 0 && total > 1 ? ' (newest)' : ''}
      </div>
      {sentence && <p className="evidence-sentence">{sentence}</p>}
      {entries.length === 0 ? (
        <p className="muted">No details recorded.</p>
      ) : (
        <dl className="facts facts-grid evidence-facts">
          {entries.map(([k, v]) => (
            <Fragment key={k}>
              <dt>{keyLabel(k)}</dt>
              <dd><EvidenceValue name={k} value={v} onOpen={onOpen} /></dd>
            </Fragment>
          ))}
        </dl>
      )}
    </li>
  );
}

// ------------------------------------------------------------------ transactions

function Transactions({ ids, onOpen, opening }: { ids: string[]; onOpen: (t: Transaction) => void; opening: string | null }) {
  const now = useNow();
  // The transactions in full (a few dozen at most): method, path and status make the list readable.
  const txns = useResource(
    () => Promise.all(ids.map((id) => api.transaction(id).then((t) => ({ id, t }), () => ({ id, t: null as Transaction | null })))),
    [ids.join(',')],
  );
  if (ids.length === 0) return <p className="card-pad muted">No transactions were kept for this finding (it comes from the inventory rather than from single calls).</p>;
  const byId = new Map((txns.data ?? []).map((x) => [x.id, x.t]));
  // Newest first: by the time Tapline received them once loaded, else newest last as listed.
  const at = (id: string) => {
    const t = byId.get(id);
    return t ? Date.parse(t.receivedAt) : Number.NEGATIVE_INFINITY;
  };
  const newestFirst = [...ids].reverse().sort((a, b) => (at(b) === at(a) ? 0 : at(b) > at(a) ? 1 : -1));
  return (
    <div className="table-wrap">
      <table className="table finding-transactions">
        <caption className="sr-only">Transactions behind this finding</caption>
        <thead>
          <tr>
            <th scope="col">Transaction</th>
            <th scope="col">Request</th>
            <th scope="col">Status</th>
            <th scope="col">Client IP</th>
            <th scope="col">Received</th>
          </tr>
        </thead>
        <tbody>
          {newestFirst.map((id) => {
            const t = byId.get(id);
            return (
              <tr key={id}>
                <td className="nowrap">
                  {t === null ? (
                    <span className="mono muted" title="Pruned: transactions are kept for a limited time">{id.slice(0, 8)}… (no longer stored)</span>
                  ) : (
                    <button type="button" className="button button-small button-subtle mono" aria-label={`Open transaction ${id}`} disabled={!t || opening !== null} onClick={() => t && onOpen(t)}>
                      {opening === id ? 'Opening…' : `${id.slice(0, 8)}…`}
                    </button>
                  )}
                </td>
                <td className="mono break">{t ? <><strong>{t.method}</strong> {t.uri}</> : t === undefined && txns.loading ? '…' : <span className="muted">—</span>}</td>
                <td className="nowrap">{t ? <StatusBadge status={t.status} /> : null}</td>
                <td className="mono nowrap">{t?.clientIp ?? ''}</td>
                <td className="nowrap">{t ? <time dateTime={t.receivedAt} title={formatDateTime(t.receivedAt)}>{formatRelative(t.receivedAt, now)}</time> : null}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

// ------------------------------------------------------------------ status actions

const ACTIONS: Array<{ to: FindingStatus; label: string; title: string; from: FindingStatus[]; placeholder: string }> = [
  { to: 'acknowledged', label: 'Acknowledge', title: 'Acknowledge this finding', from: ['open'], placeholder: 'e.g. ticket SEC-42, owner: payments team' },
  { to: 'resolved', label: 'Resolve', title: 'Resolve this finding', from: ['open', 'acknowledged'], placeholder: 'e.g. fixed in release 2.4.1' },
  { to: 'false_positive', label: 'Mark false positive', title: 'Mark as false positive', from: ['open', 'acknowledged'], placeholder: 'e.g. test traffic from the QA environment' },
  { to: 'open', label: 'Reopen', title: 'Reopen this finding', from: ['acknowledged', 'resolved', 'false_positive'], placeholder: 'e.g. the fix was rolled back' },
];

const AFTER: Record<FindingStatus, string> = {
  open: 'It is open again.',
  acknowledged: 'It stays acknowledged if the traffic shows it again.',
  resolved: 'If the traffic shows it again, it opens again.',
  false_positive: 'It stays closed if the traffic shows it again.',
};

function StatusDialog({ f, action, onClose, onDone }: { f: FindingDetail; action: (typeof ACTIONS)[number]; onClose: () => void; onDone: (f: FindingDetail) => void }) {
  const [reason, setReason] = useState('');
  const { busy, error, run } = useAction<ApiError>();
  const submit = () => run(async () => {
    const updated = await api.setFindingStatus(f.id, action.to, reason.trim() || undefined);
    onDone({ ...f, ...updated });
  });
  return (
    <Dialog
      title={action.title}
      description={<>{typeLabel(f.type)}: {AFTER[action.to]}</>}
      onClose={onClose}
      onSubmit={submit}
      size="small"
      footer={<SaveCancel busy={busy} onCancel={onClose} label={action.label} />}
    >
      <Field label="Reason" optional hint="Shown on the finding with your name, and kept in the audit log.">
        <textarea className="input" rows={3} maxLength={2000} placeholder={action.placeholder} value={reason} data-autofocus onChange={(e) => setReason(e.target.value)} />
      </Field>
      <ErrorMessage error={error} />
    </Dialog>
  );
}

/** "user:admin@127.0.0.1" → "admin"; "admin-token@…" → "admin token"; "tapline" → "Tapline". */
function byWhom(by: string): string {
  const who = by.replace(/@[^@]*$/, '');
  if (who.startsWith('user:')) return who.slice(5);
  if (who === 'tapline') return 'Tapline';
  return who === 'admin-token' ? 'the admin token' : who;
}

// ------------------------------------------------------------------ the page

function FindingView({ f, onChanged }: { f: FindingDetail; onChanged: (f: FindingDetail) => void }) {
  const { isAdmin } = useSession();
  const now = useNow();
  const [action, setAction] = useState<(typeof ACTIONS)[number] | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const txn = useOpenTransaction();
  const endpoints = useEndpoints([f.endpointId]);
  const endpoint = f.endpointId ? endpoints.get(f.endpointId) : null;
  const category = f.owaspCategory ? OWASP[f.owaspCategory] : undefined;
  const type = TYPES[f.type];
  const evidence = [...f.evidence].reverse();
  // The finding's transactions, and those behaviour rules list in their evidence (the calls that
  // made up the count), once each.
  const recent = f.evidence.flatMap((ev) => (Array.isArray(ev.recentTransactions) ? ev.recentTransactions.map(String) : []));
  const transactionIds = [...new Set([...recent, ...f.transactionIds].reverse())].reverse().slice(-30);
  const available = ACTIONS.filter((a) => a.from.includes(f.status));

  return (
    <>
      <header className="page-header finding-header">
        <div>
          <div className="breadcrumb">
            <Link to="/findings">Findings</Link> <span aria-hidden="true">/</span> {f.owaspCategory ?? 'Other'}
          </div>
          <h1>{typeLabel(f.type)}</h1>
          <div className="endpoint-meta finding-meta">
            <SeverityBadge severity={f.severity} />
            <FindingStatusBadge status={f.status} />
            <CategoryLabel category={f.owaspCategory} long />
            <span className="mono muted" title="The finding type">{f.type}</span>
          </div>
        </div>
        {isAdmin && available.length > 0 && (
          <div className="page-actions" role="group" aria-label="Finding actions">
            {available.map((a) => (
              <button key={a.to} type="button" className={a.to === 'acknowledged' ? 'button button-primary' : 'button button-secondary'} onClick={() => setAction(a)}>
                {a.label}
              </button>
            ))}
          </div>
        )}
      </header>

      <div className="stack">
        {notice && (
          <div className="callout callout-success" role="status">
            <span>{notice}</span>
          </div>
        )}

        <section className="callout finding-why" aria-labelledby="finding-why">
          <div>
            <h2 id="finding-why" className="state-evidence-title">What Tapline saw</h2>
            <p className="finding-summary-lead">{f.summary}</p>
            {type && <p>{type.explain}</p>}
            {category ? (
              <p className="muted">
                <strong>{f.owaspCategory} {category.name}</strong> (OWASP API Security Top 10, 2023): {category.explain}
              </p>
            ) : (
              <p className="muted">This finding has no OWASP API Top 10 category.</p>
            )}
          </div>
        </section>

        {f.status !== 'open' || f.statusBy ? (
          <section className={`callout finding-status-note status-${f.status}`} aria-label="Status">
            <span>
              <FindingStatusBadge status={f.status} />{' '}
              {f.statusBy ? <>set by <strong>{byWhom(f.statusBy)}</strong></> : null}
              {f.statusAt && <> <time dateTime={f.statusAt} title={formatDateTime(f.statusAt)}>{formatRelative(f.statusAt, now)}</time></>}
              {f.statusReason ? <>: <q className="finding-reason">{f.statusReason}</q></> : <span className="muted"> (no reason given)</span>}
            </span>
          </section>
        ) : null}

        <dl className="stats stats-cards">
          <div className="stat">
            <dt className="stat-label">Count</dt>
            <dd className="stat-value">{formatNumber(f.count)}</dd>
            <dd className="stat-hint">{f.count === 1 ? 'Seen once' : 'Times it was seen'}</dd>
          </div>
          <div className="stat">
            <dt className="stat-label">First seen</dt>
            <dd className="stat-value">{formatRelative(f.firstSeen, now)}</dd>
            <dd className="stat-hint">{formatDateTime(f.firstSeen)}</dd>
          </div>
          <div className="stat">
            <dt className="stat-label">Last seen</dt>
            <dd className="stat-value">{formatRelative(f.lastSeen, now)}</dd>
            <dd className="stat-hint">{formatDateTime(f.lastSeen)}</dd>
          </div>
        </dl>

        <Card title="Where and Who">
          <dl className="facts facts-grid">
            <dt>Endpoint</dt>
            <dd><EndpointRef id={f.endpointId} endpoint={endpoint} /></dd>
            <dt>Actor</dt>
            <dd>{f.actor ? <span className="mono" title={ACTOR_HELP}>{actorText(f.actor)}</span> : <span className="muted">Not about one caller</span>}</dd>
            {f.subject && (
              <>
                <dt>Subject</dt>
                <dd className="mono break" title="What inside the endpoint (a header, parameter or field), or the rule that fired">{f.subject}</dd>
              </>
            )}
            <dt>Finding id</dt>
            <dd className="mono">{f.id}</dd>
          </dl>
        </Card>

        <Card title="Why It Fired" subtitle="The evidence analysis kept (masked: never a credential or a raw sensitive value), newest first.">
          {evidence.length === 0 ? (
            <p className="muted">No evidence was kept.</p>
          ) : (
            <ol className="evidence-list">
              {evidence.map((ev, i) => <EvidenceItem key={i} ev={ev} index={i} total={evidence.length} onOpen={(id) => void txn.open(id)} />)}
            </ol>
          )}
        </Card>

        <Card title="Transactions" subtitle="The calls behind this finding, newest first: the ones it was seen in and, for behaviour rules, the calls that made up the count. Open one to see its request and response." className="card-flush">
          <Transactions ids={transactionIds} opening={txn.opening} onOpen={txn.setShown} />
          {txn.error && <div className="card-notice"><ErrorMessage error={txn.error} /></div>}
        </Card>
      </div>

      {action && (
        <StatusDialog
          f={f}
          action={action}
          onClose={() => setAction(null)}
          onDone={(next) => {
            setAction(null);
            setNotice(`${STATUSES.find((s) => s.value === next.status)?.label ?? next.status}. ${AFTER[next.status]}`);
            onChanged(next);
          }}
        />
      )}
      {txn.shown && <TransactionDrawer summary={txn.shown} onClose={() => txn.setShown(null)} />}
    </>
  );
}

export function FindingPage({ id }: { id: string }) {
  const finding = useResource(() => api.finding(id), [id], 30000);
  if (finding.loading) return <Spinner label="Loading finding…" />;
  if (finding.error && !finding.data) {
    if ((finding.error as { status?: number }).status === 404) {
      return (
        <div className="card">
          <EmptyState icon="inbox" title="No such finding" action={<Link to="/findings" className="button button-secondary">Back to the findings</Link>}>
            No finding has this id. It may have been removed with its data, or the link is mistyped.
          </EmptyState>
        </div>
      );
    }
    return <ErrorMessage error={finding.error} onRetry={finding.reload} />;
  }
  return <FindingView f={finding.data!} onChanged={(next) => finding.setData(() => next)} />;
}
