// One actor: its bot score with the reasons in words, its profile per host (calls, errors,
// authentication failures, user agents, timing, top endpoints linking to the inventory), a
// timeline from first to last seen with its findings in order, and the findings themselves.
import type { ReactNode } from 'react';
import { api, type ActorDetail, type ActorHost } from '../api.ts';
import { EmptyState, ErrorMessage, Spinner } from '../components/Feedback.tsx';
import { Card } from '../components/Page.tsx';
import { Stat } from '../components/Stat.tsx';
import { formatDateTime, formatDuration, formatNumber, formatRelative } from '../format.ts';
import { useNow, useResource } from '../hooks.ts';
import { Link } from '../router.tsx';
import { BOT_THRESHOLD, errorRatio, explainReason, kindLine, kindText, ScoreBar, scoreClass } from './Actors.tsx';
import { ACTOR_HELP, actorText, CategoryLabel, EndpointRef, FindingStatusBadge, SeverityBadge, typeLabel, useEndpoints } from './Findings.tsx';

/** A gap between calls: milliseconds below a second, else a duration. */
const gap = (ms: number) => (ms < 1000 ? `${Math.round(ms)} ms` : formatDuration(ms / 1000));

/** "automation:python-requests" → "Automation library (python-requests)". */
function agentText(cls: string): string {
  if (cls.startsWith('automation:')) return `Automation library (${cls.slice(11)})`;
  return { browser: 'Browser', headless: 'Headless browser', missing: 'No user agent', other: 'Other (apps, unknown)' }[cls] ?? cls;
}

function Bars({ label, entries, render }: { label: string; entries: Array<[string, number]>; render: (key: string) => ReactNode }) {
  const max = Math.max(1, ...entries.map(([, n]) => n));
  return (
    <ul className="actor-bars" aria-label={label}>
      {entries.map(([k, n]) => (
        <li key={k} className="actor-bar">
          <span className="actor-bar-label">{render(k)}</span>
          <span className="bar-track" aria-hidden="true"><span className="bar-fill actor-bar-fill" style={{ width: `${(n / max) * 100}%` }} /></span>
          <span className="bar-value">{formatNumber(n)}</span>
        </li>
      ))}
    </ul>
  );
}

function HostProfile({ h }: { h: ActorHost }) {
  const now = useNow();
  const s = h.stats ?? {};
  const endpoints = Object.entries(s.endpoints ?? {}).sort((a, b) => b[1] - a[1]);
  const top = endpoints.slice(0, 10);
  const resolved = useEndpoints(top.map(([id]) => id));
  const agents = Object.entries(s.userAgents ?? {}).sort((a, b) => b[1] - a[1]);
  const gaps = s.gaps;
  const sd = gaps && gaps.n >= 2 ? Math.sqrt(gaps.m2 / (gaps.n - 1)) : null;
  const flags = Object.entries(s.flags ?? {}).filter(([, n]) => n > 0);
  return (
    <Card
      title={<span className="mono">{h.host}</span>}
      subtitle={<>Seen from {formatDateTime(h.firstSeen)} to {formatDateTime(h.lastSeen)} ({formatRelative(h.lastSeen, now)}).</>}
      actions={<ScoreBar score={h.botScore} />}
      className="actor-host"
    >
      <dl className="stats actor-host-stats">
        <Stat label="Calls" value={formatNumber(h.calls)} />
        <Stat label="Errors" value={errorRatio(h)} hint={`${formatNumber(h.errors)} answered 4xx or 5xx`} />
        <Stat label="Auth failures" value={formatNumber(s.authFailures ?? 0)} hint="401 or 403 answers" />
        <Stat label="Endpoints" value={formatNumber(endpoints.length + ((s.otherEndpoints ?? 0) > 0 ? 1 : 0))} hint={(s.otherEndpoints ?? 0) > 0 ? `and ${formatNumber(s.otherEndpoints!)} calls to others` : 'distinct endpoints called'} />
        <Stat label="Gap between calls" value={gaps && gaps.n > 0 ? gap(gaps.mean) : '—'} hint={sd !== null ? `mean, ± ${gap(sd)} (${formatNumber(gaps!.n)} gaps)` : 'needs more calls'} />
      </dl>
      <div className="grid-2 actor-host-grid">
        <div>
          <h3 className="actor-section-title">User agents</h3>
          {agents.length === 0 ? <p className="muted">None recorded.</p> : <Bars label={`User agents on ${h.host}`} entries={agents} render={(k) => agentText(k)} />}
          {flags.length > 0 && (
            <>
              <h3 className="actor-section-title">Behaviour flags</h3>
              <ul className="chips chips-tight">{flags.map(([t, n]) => <li key={t} className="chip chip-warning">{typeLabel(t)} ×{n}</li>)}</ul>
            </>
          )}
        </div>
        <div>
          <h3 className="actor-section-title">Top endpoints</h3>
          {top.length === 0 ? (
            <p className="muted">None recorded.</p>
          ) : (
            <Bars label={`Top endpoints on ${h.host}`} entries={top} render={(id) => <EndpointRef id={id} endpoint={resolved.get(id)} inline />} />
          )}
          {endpoints.length > top.length && <p className="muted">{formatNumber(endpoints.length - top.length)} more endpoints.</p>}
        </div>
      </div>
    </Card>
  );
}

function Timeline({ a }: { a: ActorDetail }) {
  const start = Date.parse(a.firstSeen);
  const end = Date.parse(a.lastSeen);
  const span = Math.max(1, end - start);
  const events = [...a.findings].sort((x, y) => Date.parse(x.lastSeen) - Date.parse(y.lastSeen));
  const at = (iso: string) => `${Math.min(100, Math.max(0, ((Date.parse(iso) - start) / span) * 100))}%`;
  return (
    <Card title="Timeline" subtitle={<>From first to last seen ({formatDuration((end - start) / 1000)}), with the findings raised against this actor at the time they were last seen.</>}>
      <div className="timeline-track" aria-hidden="true">
        <span className="timeline-line" />
        {events.map((f) => <span key={f.id} className={`timeline-dot sev-${f.severity}`} style={{ left: at(f.lastSeen) }} title={`${typeLabel(f.type)}: ${formatDateTime(f.lastSeen)}`} />)}
      </div>
      <ol className="timeline" aria-label="Timeline">
        <li className="timeline-item">
          <time dateTime={a.firstSeen}>{formatDateTime(a.firstSeen)}</time>
          <span>First seen</span>
        </li>
        {events.map((f) => (
          <li key={f.id} className="timeline-item">
            <time dateTime={f.lastSeen}>{formatDateTime(f.lastSeen)}</time>
            <span>
              <SeverityBadge severity={f.severity} /> <Link to={`/findings/${encodeURIComponent(f.id)}`} className="finding-link">{typeLabel(f.type)}</Link>{' '}
              <span className="muted">(last seen; ×{formatNumber(f.count)})</span>
            </span>
          </li>
        ))}
        <li className="timeline-item">
          <time dateTime={a.lastSeen}>{formatDateTime(a.lastSeen)}</time>
          <span>Last seen · {formatNumber(a.calls)} calls in all</span>
        </li>
      </ol>
    </Card>
  );
}

function ActorView({ a }: { a: ActorDetail }) {
  const now = useNow();
  const cls = scoreClass(a.botScore);
  const reasons = a.reasons.map(explainReason);
  const hosts = [...a.perHost].sort((x, y) => y.calls - x.calls);
  return (
    <>
      <header className="page-header">
        <div>
          <div className="breadcrumb"><Link to="/actors">Actors</Link> <span aria-hidden="true">/</span> {kindText(a.kind)}</div>
          <h1 className="mono break">{actorText(a.actor)}</h1>
          <p className="page-description" title={ACTOR_HELP}>{kindLine(a.kind, a.label)} · <span className="mono">{a.actor}</span></p>
        </div>
      </header>
      <div className="stack">
        <section className={`card actor-score actor-score-${cls}`} aria-labelledby="actor-score-heading">
          <div className="actor-score-head">
            <div>
              <h2 id="actor-score-heading" className="card-title">Bot Score</h2>
              <p className="card-subtitle">
                {cls === 'bot'
                  ? `A bot: the score is ${BOT_THRESHOLD} or more.`
                  : cls === 'suspect'
                    ? `Some automation signals, below the bot threshold of ${BOT_THRESHOLD}.`
                    : `Looks like a person or a well-behaved client (the bot threshold is ${BOT_THRESHOLD}).`}
                {a.perHost.length > 1 && ' The highest score of its hosts, with that host’s reasons.'}
              </p>
            </div>
            <ScoreBar score={a.botScore} large />
          </div>
          {reasons.length === 0 ? (
            <p className="muted">No bot signals: the score is 0.</p>
          ) : (
            <ul className="actor-reasons" aria-label="Reasons">
              {reasons.map((r, i) => (
                <li key={i}>
                  {r.points !== null && <span className="reason-points">+{r.points}</span>}
                  <span>
                    <strong>{r.text}</strong>
                    {r.help && <span className="reason-help">{r.help}</span>}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </section>

        <dl className="stats stats-cards">
          <Stat label="Calls" value={formatNumber(a.calls)} />
          <Stat label="Errors" value={errorRatio(a)} hint={`${formatNumber(a.errors)} answered 4xx or 5xx`} />
          <Stat label="Hosts" value={formatNumber(a.hosts.length)} hint={a.hosts.join(', ')} />
          <Stat label="First seen" value={formatRelative(a.firstSeen, now)} hint={formatDateTime(a.firstSeen)} />
          <Stat label="Last seen" value={formatRelative(a.lastSeen, now)} hint={formatDateTime(a.lastSeen)} />
        </dl>

        <Card title="Findings" subtitle="Security issues raised against this actor, newest first." className="card-flush">
          {a.findings.length === 0 ? (
            <p className="card-pad muted">No findings against this actor.</p>
          ) : (
            <ul className="endpoint-findings-list actor-findings" aria-label="Findings of this actor">
              {[...a.findings].sort((x, y) => Date.parse(y.lastSeen) - Date.parse(x.lastSeen)).map((f) => (
                <li key={f.id}>
                  <SeverityBadge severity={f.severity} />
                  <CategoryLabel category={f.owaspCategory} long />
                  <span className="endpoint-finding-text">
                    <Link to={`/findings/${encodeURIComponent(f.id)}`} className="finding-link">{typeLabel(f.type)}</Link>
                    <span className="finding-summary">{f.summary}</span>
                  </span>
                  <span className="actor-finding-side">
                    <FindingStatusBadge status={f.status} />
                    <span className="muted nowrap">×{formatNumber(f.count)} · <time dateTime={f.lastSeen} title={formatDateTime(f.lastSeen)}>{formatRelative(f.lastSeen, now)}</time></span>
                  </span>
                </li>
              ))}
            </ul>
          )}
        </Card>

        <Timeline a={a} />

        <h2 className="section-title actor-hosts-title">Profile per host</h2>
        {hosts.map((h) => <HostProfile key={h.host} h={h} />)}
      </div>
    </>
  );
}

export function ActorPage({ id }: { id: string }) {
  const actor = useResource(() => api.actor(id), [id], 30000);
  if (actor.loading) return <Spinner label="Loading actor…" />;
  if (actor.error && !actor.data) {
    if ((actor.error as { status?: number }).status === 404) {
      return (
        <div className="card">
          <EmptyState icon="inbox" title="No such actor" action={<Link to="/actors" className="button button-secondary">Back to the actors</Link>}>
            No actor has this id. Its profile may have been removed with old data, or the link is mistyped.
          </EmptyState>
        </div>
      );
    }
    return <ErrorMessage error={actor.error} onRetry={actor.reload} />;
  }
  return <ActorView a={actor.data!} />;
}
