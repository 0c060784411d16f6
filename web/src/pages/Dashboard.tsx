// Dashboard: traffic over time, top hosts and endpoints, status mix, ingestion errors, for a chosen period.
import { useMemo, useState } from 'react';
import { api, type Dashboard as DashboardData, type StatusClass } from '../api.ts';
import { EmptyState, ErrorMessage, Spinner } from '../components/Feedback.tsx';
import { Card, PageHeader } from '../components/Page.tsx';
import { Table } from '../components/Table.tsx';
import { TrafficChart } from '../components/TrafficChart.tsx';
import { formatDateTime, formatNumber, formatRelative } from '../format.ts';
import { useNow, useResource } from '../hooks.ts';
import { Link } from '../router.tsx';

const RANGES = [
  { label: '1 h', hours: 1, name: 'last hour' },
  { label: '6 h', hours: 6, name: 'last 6 hours' },
  { label: '24 h', hours: 24, name: 'last 24 hours' },
  { label: '7 d', hours: 24 * 7, name: 'last 7 days' },
] as const;

const STATUS: Array<{ key: StatusClass; label: string }> = [
  { key: '2xx', label: '2xx success' },
  { key: '3xx', label: '3xx redirect' },
  { key: '4xx', label: '4xx client error' },
  { key: '5xx', label: '5xx server error' },
  { key: 'none', label: 'No response' },
];

function RangePicker({ hours, onChange }: { hours: number; onChange: (h: number) => void }) {
  return (
    <div className="segmented" role="group" aria-label="Time range">
      {RANGES.map((r) => (
        <button key={r.label} type="button" aria-pressed={hours === r.hours} title={r.name} className={hours === r.hours ? 'active' : undefined} onClick={() => onChange(r.hours)}>
          {r.label}
        </button>
      ))}
    </div>
  );
}

function StatusMix({ mix }: { mix: DashboardData['statusMix'] }) {
  const total = STATUS.reduce((n, s) => n + (mix[s.key] ?? 0), 0);
  return (
    <ul className="bars">
      {STATUS.map((s) => {
        const n = mix[s.key] ?? 0;
        const pct = total ? (n / total) * 100 : 0;
        return (
          <li key={s.key} className="bar-row">
            <span className="bar-label">{s.label}</span>
            <span className="bar-track" aria-hidden="true">
              <span className={`bar-fill status-${s.key}`} style={{ width: `${pct}%` }} />
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

function FirstSteps() {
  return (
    <div className="card">
      <EmptyState icon="cloud" title="No traffic in this period" action={<Link to="/integrations" className="button button-primary">Set up an integration</Link>}>
        <p>To send the first transaction to Tapline:</p>
        <ol className="steps">
          <li>
            <Link to="/settings/user-management/clients">Add a client</Link> under General Settings &gt; User Management and copy its secret.
          </li>
          <li>Configure a capture with it: the Azure API Management policy, the Tapline sensor, or a direct <code>curl</code> (see Integrations).</li>
          <li>Call any API through your gateway. The call appears within seconds under Diagnostics &gt; System Diagnostics &gt; Unknown Traffic, then here.</li>
        </ol>
      </EmptyState>
    </div>
  );
}

function IngestionErrors({ items }: { items: DashboardData['ingestionErrors'] }) {
  const now = useNow();
  if (items.length === 0) return <p className="muted card-pad">No rejected transactions in this period.</p>;
  return (
    <ul className="error-list">
      {items.map((e) => (
        <li key={`${e.clientId}\u0000${e.sourceType}\u0000${e.code}`}>
          <div className="error-list-head">
            <span className="mono strong">{e.code}</span>
            <span className="badge badge-danger">{formatNumber(e.count)}</span>
            <span className="muted">
              {e.clientId} · {e.sourceType || 'unknown source'} · <time dateTime={e.lastSeen} title={formatDateTime(e.lastSeen)}>{formatRelative(e.lastSeen, now)}</time>
            </span>
          </div>
          {e.lastMessage && <div className="error-list-message">{e.lastMessage}</div>}
        </li>
      ))}
    </ul>
  );
}

export function Dashboard() {
  const [hours, setHours] = useState<number>(24);
  const data = useResource(
    () => {
      const to = new Date();
      return api.dashboard(new Date(to.getTime() - hours * 3600_000), to);
    },
    [hours],
    30000,
  );
  const d = data.data;
  const series = useMemo(() => {
    const traffic = d?.traffic ?? [];
    return {
      times: traffic.map((p) => Date.parse(p.t) / 1000),
      calls: traffic.map((p) => p.calls),
      errors: traffic.map((p) => p.errors),
    };
  }, [d]);
  const totalCalls = series.calls.reduce((a, b) => a + b, 0);
  const totalErrors = series.errors.reduce((a, b) => a + b, 0);
  const range = RANGES.find((r) => r.hours === hours)!;

  return (
    <>
      <PageHeader title="Dashboard" description={`API traffic received by Tapline in the ${range.name}.`} actions={<RangePicker hours={hours} onChange={setHours} />} />
      {data.loading ? (
        <Spinner label="Loading the dashboard…" />
      ) : !d ? (
        <ErrorMessage error={data.error} onRetry={data.reload} />
      ) : (
        <div className="stack">
          {data.error && <ErrorMessage error={`Could not refresh: ${data.error.message}`} onRetry={data.reload} />}
          {totalCalls === 0 ? (
            <FirstSteps />
          ) : (
            <>
              <dl className="stats stats-cards">
                <div className="stat">
                  <dt className="stat-label">Calls</dt>
                  <dd className="stat-value">{formatNumber(totalCalls)}</dd>
                </div>
                <div className="stat">
                  <dt className="stat-label">Errors</dt>
                  <dd className="stat-value">{formatNumber(totalErrors)}</dd>
                </div>
                <div className="stat">
                  <dt className="stat-label">Error rate</dt>
                  <dd className="stat-value">{((totalErrors / totalCalls) * 100).toFixed(1)}%</dd>
                </div>
              </dl>
              <Card title="Traffic" subtitle={`Calls and errors (4xx, 5xx, no response) per ${d.bucketSeconds >= 3600 ? `${d.bucketSeconds / 3600} h` : `${Math.round(d.bucketSeconds / 60)} min`}.`}>
                <figure className="chart-figure">
                  <TrafficChart times={series.times} calls={series.calls} errors={series.errors} />
                  <figcaption className="sr-only">
                    {formatNumber(totalCalls)} calls and {formatNumber(totalErrors)} errors in the {range.name}.
                  </figcaption>
                </figure>
              </Card>
              <div className="grid-2">
                <Card title="Top Hosts" className="card-flush">
                  <Table
                    caption="Top hosts"
                    rows={d.topHosts}
                    rowKey={(h) => h.host}
                    columns={[
                      { header: 'Host', cell: (h) => <span className="mono">{h.host || '(no host)'}</span> },
                      { header: 'Calls', align: 'right', cell: (h) => formatNumber(h.calls) },
                    ]}
                  />
                </Card>
                <Card title="Status Codes">
                  <StatusMix mix={d.statusMix} />
                </Card>
              </div>
              <Card title="Top Endpoints" className="card-flush">
                <Table
                  caption="Top endpoints"
                  rows={d.topEndpoints}
                  rowKey={(e) => `${e.host} ${e.method} ${e.path}`}
                  columns={[
                    { header: 'Method', nowrap: true, cell: (e) => <span className="method">{e.method}</span>, width: '10%' },
                    { header: 'Path', className: 'cell-grow', cell: (e) => <span className="mono uri">{e.path}</span> },
                    { header: 'Host', nowrap: true, cell: (e) => <span className="mono">{e.host}</span> },
                    { header: 'Calls', align: 'right', nowrap: true, cell: (e) => formatNumber(e.calls) },
                  ]}
                />
              </Card>
            </>
          )}
          <Card title="Ingestion Errors" subtitle="Transactions the edge rejected in this period, by client, source and reason." className="card-flush">
            <IngestionErrors items={d.ingestionErrors} />
          </Card>
        </div>
      )}
    </>
  );
}
