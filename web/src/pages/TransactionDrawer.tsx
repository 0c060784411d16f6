// The side drawer with one stored transaction: summary, client-IP rule, headers, bodies, source.
import { useState } from 'react';
import { api, type Message, type StoredBody, type Transaction, type TransactionSummary } from '../api.ts';
import { Drawer } from '../components/Drawer.tsx';
import { ErrorMessage, Spinner } from '../components/Feedback.tsx';
import { Icon } from '../components/Icon.tsx';
import { Badge } from '../components/Page.tsx';
import { formatBytes, formatDateTime } from '../format.ts';
import { useResource } from '../hooks.ts';
import { StatusBadge } from './StatusBadge.tsx';

/**
 * Opening a stored transaction by id in the drawer: `opening` is the id being fetched, `error`
 * says why one could not be opened, `shown` is the one the drawer shows.
 */
export function useOpenTransaction() {
  const [shown, setShown] = useState<Transaction | null>(null);
  const [opening, setOpening] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const open = async (id: string) => {
    setError(null);
    setOpening(id);
    try {
      setShown(await api.transaction(id));
    } catch (err) {
      setError(`Transaction ${id}: ${(err as Error).message}`);
    } finally {
      setOpening(null);
    }
  };
  return { shown, setShown, opening, error, open };
}

export function explainClientIpRule(rule: string): string {
  if (rule === 'client-ip') return 'Taken from the request’s client-ip field, which the capture reported.';
  if (rule === 'connection-ip')
    return 'The capture sent no usable client-ip field and no client-IP header, so this is the TCP peer (request.connection.connection-ip); behind a proxy or load balancer it is that device’s address.';
  if (rule.startsWith('header:')) {
    const h = rule.slice(7);
    const lower = h.toLowerCase();
    const extra =
      lower === 'x-forwarded-for' || lower === 'forwarded'
        ? ' It is the right-most address that is not a trusted proxy (the left-most one when no trusted proxies are configured).'
        : '';
    return `The capture sent no usable client-ip field, so this comes from the ${h} request header.${extra}`;
  }
  return `Rule “${rule}”.`;
}

function prettyBody(body: StoredBody): { text: string; json: boolean } {
  if (body.encoding !== 'utf8') return { text: body.data, json: false };
  const looksJson = /json/i.test(body.contentType ?? '') || /^\s*[[{]/.test(body.data);
  if (looksJson && !body.truncated && !body.cut) {
    try {
      return { text: JSON.stringify(JSON.parse(body.data), null, 2), json: true };
    } catch {
      /* not JSON after all: show as text */
    }
  }
  return { text: body.data, json: false };
}

function BodyView({ body, label }: { body: StoredBody | null; label: string }) {
  if (!body) return <p className="muted">No body.</p>;
  if (body.length === 0 && body.data === '') return <p className="muted">Empty body.</p>;
  const { text, json } = prettyBody(body);
  const partial = body.truncated || body.cut;
  return (
    <div className="body-view">
      <div className="body-meta">
        <span className="mono">{body.contentType ?? 'no content type'}</span>
        <span>{formatBytes(body.length)}</span>
        {json && <Badge tone="info">JSON</Badge>}
        {body.encoding === 'base64' && <Badge>binary, shown as base64</Badge>}
        {partial && <Badge tone="warning">truncated</Badge>}
      </div>
      {partial && (
        <p className="body-note">
          {body.truncated && `The capture cut this body: it sent ${formatBytes(body.capturedBytes)} of ${formatBytes(body.length)}. `}
          {body.cut && 'Tapline kept only the first part of it for display.'}
        </p>
      )}
      <pre className="code-block" tabIndex={0} aria-label={`${label} body`}>{text}{partial ? '\n…' : ''}</pre>
    </div>
  );
}

function HeadersView({ message, label }: { message: Message; label: string }) {
  if (!message.headers?.length) return <p className="muted">No headers.</p>;
  return (
    <table className="table table-compact headers-table">
      <caption className="sr-only">{label} headers</caption>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Value</th>
        </tr>
      </thead>
      <tbody>
        {message.headers.map((h, i) => (
          <tr key={i}>
            <td className="mono header-name">{h.name}</td>
            <td className="mono header-value">
              {h.value}
              {h.redacted && (
                <span className="redacted" title="A credential: Tapline stores a fingerprint, never the value.">
                  <Icon name="lock" size={13} /> redacted
                </span>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function TransactionDetail({ t }: { t: Transaction }) {
  const conn = t.connection ?? { connectionIp: '—', serverIp: '—' };
  const source = t.source;
  const request = t.request ?? { headers: [], body: null };
  const response = t.response ?? { headers: [], body: null };
  const sensitive = t.sensitiveData ?? [];
  return (
    <>
      <section className="drawer-section" aria-labelledby="txn-summary">
        <h3 id="txn-summary">Summary</h3>
        <dl className="facts facts-grid">
          <dt>Status</dt>
          <dd><StatusBadge status={t.status} /></dd>
          <dt>Host</dt>
          <dd className="mono">{t.host ?? <span className="muted">none</span>}</dd>
          <dt>Protocol</dt>
          <dd>{(t.scheme ?? 'https').toUpperCase()}{t.httpVersion ? ` · HTTP/${t.httpVersion}` : ''}</dd>
          <dt>Received</dt>
          <dd>{formatDateTime(t.receivedAt)}</dd>
          <dt>Request start</dt>
          <dd>{formatDateTime(t.timestamp)}</dd>
          <dt>Client</dt>
          <dd className="mono">{t.clientId}</dd>
          <dt>Transaction id</dt>
          <dd className="mono break">{t.transactionId}</dd>
          {t.filterName && (
            <>
              <dt>Filter</dt>
              <dd>{t.filterName}</dd>
            </>
          )}
        </dl>
      </section>

      <section className="drawer-section" aria-labelledby="txn-client-ip">
        <h3 id="txn-client-ip">Client IP</h3>
        <p><span className="mono strong">{t.clientIp}</span> <Badge>{t.clientIpRule}</Badge></p>
        <p className="muted">{explainClientIpRule(t.clientIpRule)}</p>
        <p className="muted">
          Connection: <span className="mono">{conn.connectionIp}{conn.connectionPort ? `:${conn.connectionPort}` : ''}</span> →{' '}
          <span className="mono">{conn.serverIp}{conn.serverPort ? `:${conn.serverPort}` : ''}</span>
        </p>
      </section>

      <section className="drawer-section" aria-labelledby="txn-request">
        <h3 id="txn-request">Request</h3>
        <h4>Headers</h4>
        <HeadersView message={request} label="Request" />
        <h4>Body</h4>
        <BodyView body={request.body} label="Request" />
      </section>

      <section className="drawer-section" aria-labelledby="txn-response">
        <h3 id="txn-response">Response</h3>
        <h4>Headers</h4>
        <HeadersView message={response} label="Response" />
        <h4>Body</h4>
        <BodyView body={response.body} label="Response" />
      </section>

      <section className="drawer-section" aria-labelledby="txn-source">
        <h3 id="txn-source">Source</h3>
        {source ? (
          <dl className="facts facts-grid">
            <dt>Type</dt>
            <dd>{source.type ?? '—'}</dd>
            <dt>Version</dt>
            <dd>{source.version ?? '—'}</dd>
            <dt>Pool</dt>
            <dd className="mono">{source.poolId ?? '—'}</dd>
            <dt>Instance</dt>
            <dd className="mono">{source.instanceId ?? '—'}</dd>
          </dl>
        ) : (
          <p className="muted">The capture sent no source information (txn-meta-data.source_info).</p>
        )}
        {sensitive.length > 0 && (
          <>
            <h4>Sensitive data reported by the capture</h4>
            <ul className="plain-list">
              {sensitive.map((s, i) => (
                <li key={i}>
                  <Badge tone="warning">{s.name}</Badge> <span className="mono">{s.location}</span> {s.field && <span className="mono">{s.field}</span>}
                </li>
              ))}
            </ul>
          </>
        )}
        {t.dataExtractions && Object.keys(t.dataExtractions).length > 0 && (
          <>
            <h4>Data extractions</h4>
            <pre className="code-block">{JSON.stringify(t.dataExtractions, null, 2)}</pre>
          </>
        )}
      </section>
    </>
  );
}

interface TransactionDrawerProps {
  summary: TransactionSummary;
  onClose: () => void;
  /** Shown when the host can be onboarded (admins, transactions with a host). */
  onOnboard?: () => void;
}

export function TransactionDrawer({ summary, onClose, onOnboard }: TransactionDrawerProps) {
  const txn = useResource(() => api.transaction(summary.transactionId, summary.clientId), [summary.transactionId, summary.clientId]);
  return (
    <Drawer
      title={<><span className="method">{summary.method}</span> <span className="mono break">{summary.uri}</span></>}
      subtitle={<>{summary.host ?? 'no host'} · {formatDateTime(summary.receivedAt)}</>}
      onClose={onClose}
      actions={
        onOnboard && (
          <button type="button" className="button button-small button-primary" onClick={onOnboard}>
            Onboard host
          </button>
        )
      }
    >
      {txn.loading ? <Spinner label="Loading transaction…" /> : txn.error ? <ErrorMessage error={txn.error} onRetry={txn.reload} /> : txn.data && <TransactionDetail t={txn.data} />}
    </Drawer>
  );
}
