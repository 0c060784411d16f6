// Diagnostics > System Diagnostics: system numbers, ingestion health per client and source, Unknown Traffic.
import { api, type IngestionRate, type IngestionRow } from '../api.ts';
import { EmptyState, ErrorMessage, Spinner } from '../components/Feedback.tsx';
import { Card, PageHeader } from '../components/Page.tsx';
import { Sparkline } from '../components/Sparkline.tsx';
import { Stat } from '../components/Stat.tsx';
import { Table } from '../components/Table.tsx';
import { formatBytes, formatDateTime, formatDuration, formatNumber, formatRelative } from '../format.ts';
import { useNow, useResource } from '../hooks.ts';
import { UnknownTraffic } from './UnknownTraffic.tsx';

function SystemNumbers() {
  const system = useResource(() => api.system(), [], 5000);
  const s = system.data;
  return (
    <Card title="Server" subtitle="This Tapline installation, updated every 5 seconds.">
      {system.loading ? (
        <Spinner />
      ) : !s ? (
        <ErrorMessage error={system.error} onRetry={system.reload} />
      ) : (
        <dl className="stats">
          <Stat label="Tokens issued" value={formatNumber(s.tokensIssued)} hint="since the server started" />
          <Stat label="Analysis lag" value={formatNumber(s.analysisLag)} hint={s.analysisLag === 0 ? 'all caught up' : 'transactions waiting'} />
          <Stat label="Analyzed" value={formatNumber(s.analysisProcessed)} hint="transactions" />
          <Stat label="Clients" value={formatNumber(s.clients)} hint="configured" />
          <Stat label="Log pending" value={formatBytes(s.logPendingBytes)} hint="awaiting analysis" />
          <Stat label="Uptime" value={formatDuration(s.uptimeSeconds)} hint={`version ${s.version}`} />
        </dl>
      )}
    </Card>
  );
}

const rateKey = (clientId: string, sourceType: string) => `${clientId}\u0000${sourceType}`;

function IngestionHealth() {
  const report = useResource(() => api.ingestion().then((r) => r.items), [], 5000);
  const rates = useResource(() => api.ingestionRate(60).then((r) => r.items), [], 5000);
  const now = useNow();
  const rateOf = new Map<string, IngestionRate>((rates.data ?? []).map((r) => [rateKey(r.clientId, r.sourceType), r]));
  const rows = [...(report.data ?? [])].sort((a, b) => b.lastSeen.localeCompare(a.lastSeen));

  return (
    <Card title="Ingestion Health" subtitle="Accepted and rejected transactions per client and capture source." className="card-flush">
      {report.loading ? (
        <Spinner />
      ) : report.error && !report.data ? (
        <div className="card-notice"><ErrorMessage error={report.error} onRetry={report.reload} /></div>
      ) : rows.length === 0 ? (
        <EmptyState icon="pulse" title="Nothing received yet">
          When a gateway or sensor sends its first transaction, its accepted and rejected counts appear here, per client and source.
        </EmptyState>
      ) : (
        <Table
          caption="Ingestion health"
          rows={rows}
          rowKey={(r) => rateKey(r.clientId, r.sourceType)}
          columns={[
            { header: 'Client', nowrap: true, cell: (r: IngestionRow) => <span className="mono strong">{r.clientId}</span> },
            { header: 'Source', nowrap: true, cell: (r) => r.sourceType || <span className="muted">unknown</span> },
            { header: 'Accepted', align: 'right', nowrap: true, cell: (r) => formatNumber(r.accepted) },
            {
              header: 'Rejected',
              nowrap: true,
              cell: (r) => {
                const entries = Object.entries(r.rejected).sort((a, b) => b[1] - a[1]);
                if (entries.length === 0) return <span className="muted">0</span>;
                return (
                  <ul className="plain-list">
                    {entries.map(([code, count]) => (
                      <li key={code}><strong>{formatNumber(count)}</strong> <span className="mono code-name">{code}</span></li>
                    ))}
                  </ul>
                );
              },
            },
            {
              header: 'Last Error',
              cell: (r) =>
                r.lastError ? (
                  <div className="last-error">
                    <div>{r.lastError}</div>
                    {r.lastErrorAt && <time className="muted" dateTime={r.lastErrorAt} title={formatDateTime(r.lastErrorAt)}>{formatRelative(r.lastErrorAt, now)}</time>}
                  </div>
                ) : (
                  <span className="muted">None</span>
                ),
            },
            { header: 'Last Seen', nowrap: true, cell: (r) => <time dateTime={r.lastSeen} title={formatDateTime(r.lastSeen)}>{formatRelative(r.lastSeen, now)}</time> },
            {
              header: 'Rate (60 min)',
              nowrap: true,
              cell: (r) => {
                const rate = rateOf.get(rateKey(r.clientId, r.sourceType));
                return rate ? <Sparkline values={rate.perMinute} label={`Transactions per minute from ${r.clientId} (${r.sourceType}), last 60 minutes`} /> : <span className="muted">—</span>;
              },
            },
          ]}
        />
      )}
    </Card>
  );
}

export function SystemDiagnostics() {
  return (
    <>
      <PageHeader
        breadcrumb="Diagnostics"
        title="System Diagnostics"
        description="Check that captures reach Tapline: ingestion health per client, the state of analysis, and traffic of hosts not yet onboarded."
      />
      <div className="stack">
        <SystemNumbers />
        <IngestionHealth />
        <UnknownTraffic />
      </div>
    </>
  );
}
