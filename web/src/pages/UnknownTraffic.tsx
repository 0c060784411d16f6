// The Unknown Traffic pane: recent transactions of hosts no application claims, polled every second
// (a call shows up within about a second of reaching Tapline).
import { useRef, useState } from 'react';
import { api, type TransactionSummary } from '../api.ts';
import { EmptyState, ErrorMessage, Spinner } from '../components/Feedback.tsx';
import { Table } from '../components/Table.tsx';
import { formatDateTime, formatTime } from '../format.ts';
import { hostMatches } from '../hosts.ts';
import { useResource, useSession } from '../hooks.ts';
import { Link } from '../router.tsx';
import { OnboardHostDialog } from './OnboardHostDialog.tsx';
import { StatusBadge } from './StatusBadge.tsx';
import { TransactionDrawer } from './TransactionDrawer.tsx';

const POLL_MS = 1000;
const FRESH_MS = 2500;
const rowId = (r: TransactionSummary) => `${r.clientId}\u0000${r.transactionId}`;

export function UnknownTraffic() {
  const { isAdmin } = useSession();
  const traffic = useResource(() => api.unknownTraffic(100).then((r) => r.items), [], POLL_MS);
  const [selected, setSelected] = useState<TransactionSummary | null>(null);
  const [onboarding, setOnboarding] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  // Rows that arrive after the first load are highlighted for a moment (first-seen time per row;
  // the rows of the first load count as old).
  const firstSeen = useRef<Map<string, number> | null>(null);
  const rows = traffic.data ?? [];
  if (traffic.data) {
    const now = Date.now();
    if (!firstSeen.current) firstSeen.current = new Map(rows.map((r) => [rowId(r), 0]));
    else for (const r of rows) if (!firstSeen.current.has(rowId(r))) firstSeen.current.set(rowId(r), now);
  }
  const isFresh = (r: TransactionSummary) => Date.now() - (firstSeen.current?.get(rowId(r)) ?? 0) < FRESH_MS;

  const onboarded = (pattern: string) => {
    setOnboarding(null);
    setSelected(null);
    traffic.setData((cur) => cur?.filter((r) => r.host === null || !hostMatches(pattern, r.host)));
    setNotice(`${pattern} is now part of an application; its traffic no longer appears here.`);
    void traffic.reload();
  };

  return (
    <section className="card card-flush" aria-labelledby="unknown-traffic-heading">
      <div className="card-header">
        <div>
          <h2 id="unknown-traffic-heading" className="card-title">Unknown Traffic</h2>
          <p className="card-subtitle">
            Recent transactions of hosts that belong to no application, newest first. Updated every second.
          </p>
        </div>
        <span className="live" aria-hidden="true"><span className="live-dot" /> Live</span>
      </div>
      {notice && <div className="card-notice"><div className="callout callout-success" role="status">{notice}</div></div>}
      {traffic.loading ? (
        <Spinner label="Loading unknown traffic…" />
      ) : traffic.error && !traffic.data ? (
        <div className="card-notice"><ErrorMessage error={traffic.error} onRetry={traffic.reload} /></div>
      ) : rows.length === 0 ? (
        <EmptyState icon="globe" title="Nothing to onboard right now" action={<Link to="/integrations" className="button button-secondary">Set up an integration</Link>}>
          Every host seen so far belongs to an application, or no traffic has arrived yet. To check a new integration, call any API
          through your gateway: the call shows up here within seconds.
        </EmptyState>
      ) : (
        <>
          {traffic.error && <div className="card-notice"><ErrorMessage error={`Live updates paused: ${traffic.error.message}`} /></div>}
          <Table
            caption="Unknown Traffic"
            className="table-clickable"
            rows={rows}
            rowKey={rowId}
            rowClassName={(r) => (isFresh(r) ? 'fresh' : undefined)}
            onActivate={setSelected}
            rowLabel={(r) => `${r.method} ${r.uri}${r.host ? ` on ${r.host}` : ''}, open details`}
            columns={[
              {
                header: 'Time',
                nowrap: true,
                cell: (r) => (
                  <time dateTime={r.receivedAt} title={formatDateTime(r.receivedAt)}>
                    {formatTime(r.receivedAt)}
                  </time>
                ),
              },
              { header: 'Method', nowrap: true, cell: (r) => <span className="method">{r.method}</span> },
              { header: 'URI', className: 'cell-grow', cell: (r) => <span className="mono uri" title={r.uri}>{r.uri}</span> },
              { header: 'Host', nowrap: true, cell: (r) => (r.host ? <span className="mono truncate" title={r.host}>{r.host}</span> : <span className="muted">none</span>) },
              { header: 'Status', nowrap: true, cell: (r) => <StatusBadge status={r.status} /> },
              { header: 'Client IP', nowrap: true, cell: (r) => <span className="mono" title={r.clientIpRule}>{r.clientIp}</span> },
              isAdmin && {
                header: '',
                srHeader: 'Actions',
                align: 'right',
                nowrap: true,
                cell: (r) =>
                  r.host ? (
                    <button type="button" className="button button-small button-subtle" onClick={() => setOnboarding(r.host)}>
                      Onboard host
                    </button>
                  ) : null,
              },
            ]}
          />
        </>
      )}
      {selected && (
        <TransactionDrawer
          summary={selected}
          onClose={() => setSelected(null)}
          onOnboard={isAdmin && selected.host ? () => setOnboarding(selected.host) : undefined}
        />
      )}
      {onboarding && <OnboardHostDialog host={onboarding} onClose={() => setOnboarding(null)} onDone={onboarded} />}
    </section>
  );
}
