// Integrations: how to point a capture at this installation (Azure APIM named values, the sensor, curl).
import { useState } from 'react';
import { api, type Client, type Integrations as IntegrationsData } from '../api.ts';
import { CopyButton } from '../components/CopyButton.tsx';
import { ErrorMessage, Spinner } from '../components/Feedback.tsx';
import { Icon } from '../components/Icon.tsx';
import { Card, PageHeader } from '../components/Page.tsx';
import { useResource, useSession } from '../hooks.ts';
import { Link } from '../router.tsx';

const SECRET_PLACEHOLDER = "<the client's secret>";
const ID_PLACEHOLDER = '<client id>';

function CodeBlock({ label, text }: { label: string; text: string }) {
  return (
    <div className="code-wrap">
      <pre className="code-block" tabIndex={0} aria-label={label}>{text}</pre>
      <div className="code-copy">
        <CopyButton text={text} label={`Copy ${label}`} />
      </div>
    </div>
  );
}

/** "https://edge.example/api-transaction" → "https://edge.example". */
export function edgeBase(ingressEndpoint: string): string {
  return ingressEndpoint.replace(/\/api[-_]transactions?\/?$/, '');
}

function namedValues(info: IntegrationsData, client: Client | undefined) {
  return [
    { name: 'ceq-client-id', value: client?.clientId ?? ID_PLACEHOLDER, note: 'The client name (its id).' },
    { name: 'ceq-client-secret', value: SECRET_PLACEHOLDER, note: 'Shown once when the client was created or its secret rotated. Store it as a secret named value.' },
    { name: 'ceq-token-endpoint', value: info.tokenEndpoint, note: 'Where the policy gets its access token.' },
    { name: 'ceq-ingress-endpoint', value: info.ingressEndpoint, note: 'Where the policy posts each transaction.' },
    {
      name: 'ceq-token-acquisition-timeout',
      value: client ? String(client.tokenLifespan) : '1800',
      note: 'Seconds the policy reuses a token: the client’s token lifespan.',
    },
  ];
}

function ApimCard({ info, client }: { info: IntegrationsData; client: Client | undefined }) {
  const rows = namedValues(info, client);
  return (
    <Card
      title={<><Icon name="cloud" /> Azure API Management</>}
      subtitle="Create these named values in your API Management instance (APIs > Named values). The capture policy reads exactly these names."
      className="card-flush"
    >
      <div className="table-wrap">
        <table className="table">
          <caption className="sr-only">Azure API Management named values</caption>
          <thead>
            <tr>
              <th scope="col">Named value</th>
              <th scope="col">Value</th>
              <th scope="col"><span className="sr-only">Copy</span></th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.name}>
                <th scope="row" className="mono named-value">{r.name}</th>
                <td>
                  <div className={r.value === SECRET_PLACEHOLDER ? 'mono muted' : 'mono break'}>{r.value}</div>
                  <div className="field-hint">{r.note}</div>
                </td>
                <td className="cell-copy"><CopyButton text={r.value} label={`Copy ${r.name}`} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="card-footer">
        {info.apimPolicyAvailable ? (
          <a className="button button-secondary" href="/api/v1/integrations/apim-policy" download="tapline-apim-policy.xml" aria-describedby="apim-policy-note">
            Download policy
          </a>
        ) : (
          <button type="button" className="button button-secondary" disabled aria-describedby="apim-policy-note">
            Download policy
          </button>
        )}
        <p id="apim-policy-note" className="muted">
          {info.apimPolicyAvailable
            ? 'The capture-and-forward policy for all APIs (APIM raw XML format). It reads the named values above; `tapline policy apim --help` has the options.'
            : 'The capture policy download arrives with Tapline’s capture feature. Until then, use these named values with the capture policy you already run.'}
        </p>
      </div>
    </Card>
  );
}

function sensorCommand(info: IntegrationsData, clientId: string): string {
  return [
    'tapline sensor \\',
    '  --listen 0.0.0.0:8081 \\',
    '  --upstream http://127.0.0.1:3000 \\',
    `  --edge ${edgeBase(info.ingressEndpoint)} \\`,
    `  --token-url ${info.tokenEndpoint} \\`,
    `  --client-id ${clientId} \\`,
    `  --client-secret "${SECRET_PLACEHOLDER}"`,
  ].join('\n');
}

function curlCommands(info: IntegrationsData, clientId: string): { token: string; send: string } {
  const token = [
    `TOKEN=$(curl -s -X POST '${info.tokenEndpoint}' \\`,
    `  -d grant_type=client_credentials \\`,
    `  -d client_id='${clientId}' \\`,
    `  --data-urlencode "client_secret=${SECRET_PLACEHOLDER}" \\`,
    `  | sed -E 's/.*"access_token":"([^"]+)".*/\\1/')`,
  ].join('\n');
  const transaction = {
    request: {
      'http-method': 'GET',
      'uri-query-fragment': '/hello?from=curl',
      host: 'api.example.com',
      'client-ip': '203.0.113.7',
      connection: { 'connection-ip': '203.0.113.7', 'server-ip': '10.0.0.1' },
      headers: ['user-agent:Y3VybA=='],
    },
    response: { 'status-code': '200', headers: [] },
    'txn-meta-data': { source_info: { type: 'curl' } },
  };
  const send = [
    `curl -s -X POST '${info.ingressEndpoint}' \\`,
    `  -H "Authorization: Bearer $TOKEN" \\`,
    `  -H 'Content-Type: application/json' \\`,
    `  -d '${JSON.stringify(transaction, null, 2).replace(/\n/g, '\n  ')}'`,
  ].join('\n');
  return { token, send };
}

export function Integrations() {
  const { isAdmin } = useSession();
  const info = useResource(() => api.integrations(), []);
  const clients = useResource(() => api.clients().then((r) => r.items), []);
  const [clientId, setClientId] = useState('');
  const list = clients.data ?? [];
  const client = list.find((c) => c.clientId === clientId) ?? list[0];
  const id = client?.clientId ?? ID_PLACEHOLDER;

  return (
    <>
      <PageHeader title="Integrations" description="Send API traffic from your gateways to Tapline. Every snippet below is filled in with this installation’s addresses." />
      {info.loading ? (
        <Spinner label="Loading integration details…" />
      ) : !info.data ? (
        <ErrorMessage error={info.error} onRetry={info.reload} />
      ) : (
        <div className="stack">
          <Card title="Client" subtitle="Captures authenticate with a client. Pick the one this gateway or sensor will use.">
            {clients.loading ? (
              <Spinner />
            ) : clients.error ? (
              <ErrorMessage error={clients.error} onRetry={clients.reload} />
            ) : list.length === 0 ? (
              <div className="callout callout-info">
                <Icon name="info" />
                <span>
                  There is no client yet.{' '}
                  {isAdmin ? <Link to="/settings/user-management/clients">Add a client</Link> : 'Ask an administrator to add one'} under General
                  Settings &gt; User Management; its secret is shown once, when you create it.
                </span>
              </div>
            ) : (
              <div className="field field-inline">
                <label htmlFor="integration-client" className="field-label">Client</label>
                <select id="integration-client" className="input input-medium" value={client?.clientId ?? ''} onChange={(e) => setClientId(e.target.value)}>
                  {list.map((c) => (
                    <option key={c.clientId} value={c.clientId}>
                      {c.name}{c.trafficIngestion ? '' : ' (Traffic Ingestion off)'}
                    </option>
                  ))}
                </select>
                {client && !client.trafficIngestion && <span className="badge badge-warning">Traffic Ingestion is off for this client</span>}
              </div>
            )}
          </Card>

          <ApimCard info={info.data} client={client} />

          <Card title={<><Icon name="terminal" /> Tapline sensor</>} subtitle="A capturing reverse proxy: put it in front of an API and it forwards every call upstream and a copy to Tapline.">
            <CodeBlock label="sensor command" text={sensorCommand(info.data, id)} />
            <p className="muted">
              <code>--listen</code> is where your clients connect; <code>--upstream</code> is the API the sensor forwards to.
            </p>
          </Card>

          <Card title={<><Icon name="terminal" /> curl</>} subtitle="Check the setup by hand: get a token, then post one transaction. Tapline answers {&quot;status&quot;:&quot;OK&quot;} and the call appears under Diagnostics > System Diagnostics > Unknown Traffic.">
            <h3 className="step-title">1. Get a token</h3>
            <CodeBlock label="token request" text={curlCommands(info.data, id).token} />
            <h3 className="step-title">2. Send a transaction</h3>
            <CodeBlock label="transaction request" text={curlCommands(info.data, id).send} />
          </Card>

          <Card title="Endpoints" subtitle="For other integrations and OpenID Connect clients." className="card-flush">
            <div className="table-wrap">
              <table className="table">
                <caption className="sr-only">Endpoints</caption>
                <tbody>
                  {[
                    ['Token endpoint', info.data.tokenEndpoint],
                    ['Ingress (one transaction)', info.data.ingressEndpoint],
                    ['Ingress (batch)', info.data.batchEndpoint],
                    ['JWKS', info.data.jwksUri],
                    ['OpenID discovery', info.data.discoveryUrl],
                    ['Realm', info.data.realm],
                  ].map(([label, value]) => (
                    <tr key={label}>
                      <th scope="row">{label}</th>
                      <td className="mono break">{value}</td>
                      <td className="cell-copy"><CopyButton text={value!} label={`Copy ${label}`} /></td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </Card>
        </div>
      )}
    </>
  );
}
