// Actors: who calls the APIs (a JWT subject, Basic user, API key or session as keyed fingerprints,
// else the client IP), each with a bot score from 0 to 100 and the signals behind it. Filters live
// in the address (?minScore=70&host=...&sort=calls) so a view can be shared and survives "back".
// Also the vocabulary the actor page uses: the score bar and the reasons in words.
import { useEffect, useId, useState } from 'react';
import { api, type ActorItem, type ActorSort } from '../api.ts';
import { ClearFilters } from '../components/ClearFilters.tsx';
import { EmptyState, ErrorMessage, Spinner } from '../components/Feedback.tsx';
import { PageHeader } from '../components/Page.tsx';
import { Table } from '../components/Table.tsx';
import { formatDateTime, formatNumber, formatRelative } from '../format.ts';
import { useNow, useResource } from '../hooks.ts';
import { Link, navigate, replaceQuery } from '../router.tsx';
import { actorText, typeLabel } from './Findings.tsx';

/** analysis/threats/actor-stats.ts BOT_THRESHOLD: at or above it an actor counts as a bot. */
export const BOT_THRESHOLD = 70;

export const actorPath = (actor: string) => `/actors/${encodeURIComponent(actor)}`;

const KIND_LABEL: Record<string, string> = { ip: 'Client IP', subject: 'JWT subject', user: 'Basic user', apiKey: 'API key', session: 'Session' };
export const kindText = (kind: string) => KIND_LABEL[kind] ?? kind;

/** "Client IP (client-ip)", "JWT subject (issuer …)": the kind, with the label when it says more. */
export function kindLine(kind: string, label: string): string {
  const k = kindText(kind);
  if (!label) return k;
  if (label.toLowerCase().startsWith(k.toLowerCase())) return k + label.slice(k.length);
  return `${k} · ${label}`;
}

export function scoreClass(score: number): 'bot' | 'suspect' | 'human' {
  return score >= BOT_THRESHOLD ? 'bot' : score >= 40 ? 'suspect' : 'human';
}

/** The score as a bar and a number; "bot" at or above the threshold. */
export function ScoreBar({ score, large = false }: { score: number; large?: boolean }) {
  const cls = scoreClass(score);
  const label = cls === 'bot' ? 'bot' : cls === 'suspect' ? 'suspect' : 'likely human';
  return (
    <span className={`score score-${cls}${large ? ' score-large' : ''}`} title={`Bot score ${score} of 100 (${BOT_THRESHOLD} or more counts as a bot)`}>
      <span className="score-track" aria-hidden="true"><span className="score-fill" style={{ width: `${Math.max(2, Math.min(100, score))}%` }} /></span>
      <span className="score-value">{score}</span>
      <span className="score-label">{label}</span>
    </span>
  );
}

/** One reason of a score ("+30 automation library user agent (python-requests)") in words. */
export function explainReason(reason: string): { points: number | null; text: string; help: string } {
  const m = /^\+(\d+)\s+(.*)$/.exec(reason);
  const points = m ? Number(m[1]) : null;
  let text = m ? m[2]! : reason;
  let help = '';
  if (/^headless browser/.test(text)) help = 'The user agent is a headless browser (Headless Chrome, Puppeteer, Selenium, Playwright): browsing driven by a script.';
  else if (/^automation library/.test(text)) help = 'The user agent is an HTTP library or command-line tool, not a browser or an app.';
  else if (/^no user agent/.test(text)) help = 'The calls carried no User-Agent header; browsers and most apps send one.';
  else if (/different user agents/.test(text)) help = 'One identity switched between user agents, as rotating scrapers do.';
  else if (/^machine-regular timing/.test(text)) help = 'The gaps between calls barely vary: people do not click on a metronome.';
  else if (/of calls fail$/.test(text)) help = 'At least half of the calls were answered with an error (4xx or 5xx).';
  else if (/authentication failures$/.test(text)) help = 'Many 401 or 403 answers: guessing or replaying credentials.';
  else if (/^endpoint spray/.test(text)) help = 'Many different endpoints with few calls each: crawling or probing rather than using an app.';
  else if (/^sustained/.test(text)) help = 'A high call rate held for minutes.';
  else if (/^behaviour findings: /.test(text)) {
    const types = text.slice('behaviour findings: '.length).split(/,\s*/);
    text = `behaviour findings: ${types.map(typeLabel).join(', ')}`;
    help = 'Behaviour rules raised findings against this actor.';
  }
  return { points, text: text.charAt(0).toUpperCase() + text.slice(1), help };
}

const SORTS: Array<{ value: ActorSort; label: string }> = [
  { value: 'score', label: 'Bot score' },
  { value: 'calls', label: 'Calls' },
  { value: 'lastSeen', label: 'Last seen' },
];
const MIN_SCORES = [
  { value: '', label: 'Any score' },
  { value: '40', label: '40 or more (suspect)' },
  { value: String(BOT_THRESHOLD), label: `${BOT_THRESHOLD} or more (bots)` },
  { value: '90', label: '90 or more' },
];
const PAGE = 50;

interface Filters { host: string; minScore: string; sort: ActorSort; offset: number }
const EMPTY: Filters = { host: '', minScore: '', sort: 'score', offset: 0 };

function readFilters(): Filters {
  const p = new URLSearchParams(location.search);
  const sort = p.get('sort');
  const offset = Number(p.get('offset'));
  return {
    host: p.get('host') ?? '',
    minScore: /^\d{1,3}$/.test(p.get('minScore') ?? '') ? p.get('minScore')! : '',
    sort: SORTS.some((s) => s.value === sort) ? (sort as ActorSort) : 'score',
    offset: Number.isInteger(offset) && offset > 0 ? offset : 0,
  };
}

function writeFilters(f: Filters): void {
  replaceQuery(f, { sort: 'score' });
}

export function errorRatio(a: { calls: number; errors: number }): string {
  if (a.calls === 0) return '—';
  const r = (a.errors / a.calls) * 100;
  return `${r > 0 && r < 1 ? '<1' : Math.round(r)}%`;
}

export function Actors() {
  const now = useNow();
  const [filters, setFilters] = useState<Filters>(readFilters);
  const ids = { host: useId(), minScore: useId(), sort: useId() };
  useEffect(() => writeFilters(filters), [filters]);
  const set = (patch: Partial<Filters>) => setFilters((f) => ({ ...f, offset: 0, ...patch }));
  const key = JSON.stringify(filters);
  const list = useResource(
    () => api.actors({ host: filters.host || undefined, minScore: filters.minScore ? Number(filters.minScore) : undefined, sort: filters.sort, limit: PAGE, offset: filters.offset }),
    [key],
    15000,
  );
  // The host options: every host seen so far in this visit.
  const [seenHosts, setSeenHosts] = useState<string[]>([]);
  useEffect(() => {
    const hosts = (list.data?.items ?? []).flatMap((a) => a.hosts);
    setSeenHosts((cur) => {
      const next = [...new Set([...cur, ...hosts])].sort();
      return next.length === cur.length ? cur : next;
    });
  }, [list.data]);
  useEffect(() => {
    if (list.data && list.data.items.length === 0 && filters.offset > 0) setFilters((f) => ({ ...f, offset: 0 }));
  }, [list.data, filters.offset]);

  const rows = list.data?.items ?? [];
  const total = list.data?.total ?? 0;
  const filtered = Boolean(filters.host || filters.minScore);
  const hostOptions = [...new Set([...seenHosts, ...(filters.host ? [filters.host] : [])])].sort();
  const open = (a: ActorItem) => navigate(actorPath(a.actor));

  return (
    <>
      <PageHeader
        title="Actors"
        description={<>Who calls your APIs: token subjects, API keys, Basic users and sessions (as fingerprints, never the secret), else client IPs. Each has a bot score from 0 to 100; {BOT_THRESHOLD} or more counts as a bot.</>}
      />
      <section className="card card-flush" aria-labelledby="actors-heading">
        <h2 id="actors-heading" className="sr-only">Actors</h2>
        <form className="filters actors-filters" role="search" aria-label="Filter actors" onSubmit={(e) => e.preventDefault()}>
          <div className="filter">
            <label htmlFor={ids.minScore}>Bot score</label>
            <select id={ids.minScore} className="input" value={filters.minScore} onChange={(e) => set({ minScore: e.target.value })}>
              {MIN_SCORES.map((s) => <option key={s.value} value={s.value}>{s.label}</option>)}
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
            <label htmlFor={ids.sort}>Sort by</label>
            <select id={ids.sort} className="input" value={filters.sort} onChange={(e) => set({ sort: e.target.value as ActorSort })}>
              {SORTS.map((s) => <option key={s.value} value={s.value}>{s.label}</option>)}
            </select>
          </div>
          <ClearFilters shown={filtered} onClear={() => setFilters({ ...EMPTY, sort: filters.sort })} />
        </form>

        {list.loading ? (
          <Spinner label="Loading actors…" />
        ) : list.error && !list.data ? (
          <div className="card-notice"><ErrorMessage error={list.error} onRetry={list.reload} /></div>
        ) : rows.length === 0 ? (
          filtered ? (
            <EmptyState icon="inbox" title="No actors match these filters" action={<button type="button" className="button button-secondary" onClick={() => setFilters(EMPTY)}>Show every actor</button>}>
              Try a lower score or another host.
            </EmptyState>
          ) : (
            <EmptyState icon="users" title="No actors yet" action={<Link to="/integrations" className="button button-secondary">Set up an integration</Link>}>
              <p>Actors appear a few seconds after their traffic reaches Tapline. Each is scored on its user agent, the regularity of its timing, its error and authentication-failure ratios, how many endpoints it touches, its rate, and the behaviour findings raised against it.</p>
            </EmptyState>
          )
        ) : (
          <>
            {list.error && <div className="card-notice"><ErrorMessage error={`Updates paused: ${list.error.message}`} /></div>}
            <Table
              caption="Actors"
              className="table-clickable actors-table"
              rows={rows}
              rowKey={(a) => a.actor}
              onActivate={open}
              rowLabel={(a) => `${actorText(a.actor)}, bot score ${a.botScore}`}
              columns={[
                { header: 'Bot Score', nowrap: true, cell: (a) => <ScoreBar score={a.botScore} /> },
                {
                  header: 'Actor',
                  className: 'cell-grow',
                  cell: (a) => (
                    <>
                      <Link to={actorPath(a.actor)} className="actor-link mono break">{actorText(a.actor)}</Link>
                      <span className="actor-label muted">{kindLine(a.kind, a.label)}</span>
                      {a.reasons.length > 0 && (
                        <ul className="actor-reasons-inline" aria-label="Reasons">
                          {a.reasons.slice(0, 3).map((r) => <li key={r}>{explainReason(r).text}</li>)}
                          {a.reasons.length > 3 && <li className="muted">+{a.reasons.length - 3} more</li>}
                        </ul>
                      )}
                    </>
                  ),
                },
                { header: 'Hosts', cell: (a) => <ul className="chips chips-tight">{a.hosts.map((h) => <li key={h} className="chip mono">{h}</li>)}</ul> },
                { header: 'Calls', align: 'right', nowrap: true, cell: (a) => formatNumber(a.calls) },
                { header: 'Errors', align: 'right', nowrap: true, cell: (a) => <span title={`${formatNumber(a.errors)} of ${formatNumber(a.calls)} calls answered 4xx or 5xx`}>{errorRatio(a)}</span> },
                { header: 'Last Seen', nowrap: true, cell: (a) => <time dateTime={a.lastSeen} title={formatDateTime(a.lastSeen)}>{formatRelative(a.lastSeen, now)}</time> },
              ]}
            />
            <div className="pager">
              <span role="status">{`${formatNumber(filters.offset + 1)}–${formatNumber(filters.offset + rows.length)} of ${formatNumber(total)} ${total === 1 ? 'actor' : 'actors'}`}</span>
              <div className="pager-buttons">
                <button type="button" className="button button-small button-secondary" disabled={filters.offset === 0} onClick={() => setFilters((f) => ({ ...f, offset: Math.max(0, f.offset - PAGE) }))}>Previous</button>
                <button type="button" className="button button-small button-secondary" disabled={filters.offset + rows.length >= total} onClick={() => setFilters((f) => ({ ...f, offset: f.offset + PAGE }))}>Next</button>
              </div>
            </div>
          </>
        )}
      </section>
    </>
  );
}
