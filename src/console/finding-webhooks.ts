// Webhooks for new findings: each finding recorded for the first time is posted as JSON to the
// configured URL, signed with HMAC-SHA256 over "<timestamp>.<body>" (header X-Tapline-Signature:
// t=<unix seconds>,v1=<hex>), so the receiver can check it came from this Tapline and is fresh.
// Deliveries are retried with backoff; the position (when the newest delivered one was recorded) is
// kept in the store, so a restart neither repeats nor skips findings.
import { createHmac } from 'node:crypto';
import type { Store } from '../store/store.ts';
import type { FindingRecord } from '../store/findings.ts';

const POSITION_KEY = 'findings_webhook_position';
const POLL_MS = 2_000;
const MAX_ATTEMPTS = 5;

export function signature(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

export interface WebhookOptions {
  url: string;
  secret: string;
  /** Console base URL, for links in the payload. */
  consoleUrl: () => string;
  onError: (err: Error) => void;
}

/** Findings Tapline recorded after the stored position, oldest first. */
async function newFindings(store: Store, after: number): Promise<FindingRecord[]> {
  const out: FindingRecord[] = [];
  for (let offset = 0; offset < 50_000; offset += 1000) {
    const page = await store.listFindings({ limit: 1000, offset });
    out.push(...page.items.filter((f) => f.createdAt > after));
    if (page.items.length < 1000) break;
  }
  return out.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
}

async function deliver(o: WebhookOptions, f: FindingRecord): Promise<void> {
  const body = JSON.stringify({
    event: 'finding.new',
    finding: {
      id: f.id, type: f.type, owaspCategory: f.owaspCategory, severity: f.severity, endpointId: f.endpointId, actor: f.actor, subject: f.subject,
      summary: f.summary, firstSeen: new Date(f.firstSeen).toISOString(), transactionIds: f.detail.transactionIds, link: `${o.consoleUrl()}/findings/${f.id}`,
    },
  });
  for (let attempt = 1; ; attempt++) {
    const timestamp = Math.floor(Date.now() / 1000);
    try {
      const res = await fetch(o.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-tapline-event': 'finding.new', 'x-tapline-signature': `t=${timestamp},v1=${signature(o.secret, timestamp, body)}` },
        body,
        signal: AbortSignal.timeout(10_000),
      });
      await res.arrayBuffer();
      if (res.ok) return;
      if (res.status < 500 && res.status !== 429) throw new Error(`the webhook answered ${res.status}; not retried`);
    } catch (err) {
      if (attempt >= MAX_ATTEMPTS || /not retried/.test((err as Error).message)) throw err;
    }
    if (attempt >= MAX_ATTEMPTS) throw new Error(`the webhook failed ${attempt} times`);
    await new Promise((r) => setTimeout(r, Math.min(30_000, 500 * 2 ** attempt)));
  }
}

/** Polls for new findings and posts them; returns a stop function. */
export function startFindingWebhooks(store: Store, o: WebhookOptions): () => Promise<void> {
  let stopped = false;
  // First start: only findings recorded from now on (not the whole history).
  const startedAt = Date.now();
  let running: Promise<void> = store.getSetting(POSITION_KEY).then(async (stored) => {
    if (stored === null) await store.setSetting(POSITION_KEY, String(startedAt));
  });
  const tick = async () => {
    let position = Number((await store.getSetting(POSITION_KEY)) ?? startedAt);
    for (const f of await newFindings(store, position)) {
      if (stopped) return;
      try {
        await deliver(o, f);
      } catch (err) {
        o.onError(new Error(`finding webhook for ${f.id}: ${(err as Error).message}`));
      }
      position = Math.max(position, f.createdAt);
      await store.setSetting(POSITION_KEY, String(position));
    }
  };
  const timer = setInterval(() => {
    running = running.then(() => (stopped ? undefined : tick())).catch((err: Error) => o.onError(err));
  }, POLL_MS);
  timer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}
