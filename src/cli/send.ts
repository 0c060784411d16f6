// `tapline send`: what a capture does, by hand. Gets a token with client credentials, then posts
// a file's transactions (or realistic samples) to the edge. Operators use it to check a client and
// the path to the edge before wiring a gateway (edge-api.md sections 1 to 3).
import { randomInt, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { parseBaseUrl, UsageError, type ParsedArgs } from './args.ts';
import { DEFAULT_URL, out, readVersion, type Command, type Env } from './common.ts';
import { printJson } from './format.ts';
import { requestJson, ServerError } from './http.ts';

/** Keeps a sample batch well under the edge's default 10,000,000-byte request limit. */
const MAX_COUNT = 10_000;

export interface SendOptions {
  clientId: string;
  clientSecret: string;
  edge: string;
  tokenUrl: string;
  file: string | undefined;
  count: number | undefined;
}

/** Checks and completes the flags; everything that can be wrong before any request is found here. */
export function sendOptions(args: ParsedArgs, env: Env, command: string): SendOptions {
  const clientId = args.string('client-id') ?? env.TAPLINE_CLIENT_ID;
  if (!clientId) throw new UsageError('no client id: pass --client-id or set TAPLINE_CLIENT_ID (create a client with `tapline clients create NAME`)', command);
  const clientSecret = args.string('client-secret') ?? env.TAPLINE_CLIENT_SECRET;
  if (!clientSecret) throw new UsageError('no client secret: set TAPLINE_CLIENT_SECRET or pass --client-secret (lost it? `tapline clients rotate NAME`)', command);
  if (args.has('file') && args.has('count')) throw new UsageError('--count makes sample transactions; it cannot be combined with --file', command);
  if (args.has('realm') && args.has('token-url')) throw new UsageError('pass --realm or --token-url, not both: the token URL already names its realm', command);
  const edgeFlag = args.string('edge');
  const edge =
    edgeFlag !== undefined ? parseBaseUrl(edgeFlag, '--edge', command)
    : env.TAPLINE_URL ? parseBaseUrl(env.TAPLINE_URL, 'TAPLINE_URL', command)
    : DEFAULT_URL;
  const realm = args.string('realm') ?? 'tapline';
  if (!/^[A-Za-z0-9._-]+$/.test(realm) || realm === '.' || realm === '..') {
    throw new UsageError(`--realm must be letters, digits, ".", "_" or "-", got "${realm}"`, command);
  }
  const tokenUrlFlag = args.string('token-url');
  const tokenUrl = tokenUrlFlag !== undefined ? parseBaseUrl(tokenUrlFlag, '--token-url', command) : `${edge}/auth/realms/${realm}/protocol/openid-connect/token`;
  return { clientId, clientSecret, edge, tokenUrl, file: args.string('file'), count: args.integer('count') };
}

/** A request for the edge: the endpoint and the JSON text to post. */
export interface Payload {
  path: '/api-transaction' | '/api-transactions';
  body: string;
  count: number;
}

/** Picks the endpoint for a file's JSON: one object, a bare array, or `{"data": [...]}`. */
export function payloadFromJson(value: unknown, text: string, source: string, command: string | null = null): Payload {
  if (Array.isArray(value)) return { path: '/api-transactions', body: text, count: value.length };
  if (value !== null && typeof value === 'object') {
    const data = (value as { data?: unknown }).data;
    if (Array.isArray(data)) return { path: '/api-transactions', body: text, count: data.length };
    return { path: '/api-transaction', body: text, count: 1 };
  }
  throw new UsageError(`${source} must hold one transaction object, an array of them, or {"data": [...]}`, command);
}

/** One call to GET /v1/hello as a gateway would capture it, in the Edge format. */
export function sampleTransaction(version: string, now = Date.now()): Record<string, unknown> {
  const responseBody = JSON.stringify({ message: 'hello from tapline send', at: new Date(now).toISOString() });
  const clientIp = `203.0.113.${randomInt(1, 255)}`; // TEST-NET-3: never a real caller
  return {
    timestamp: (now / 1000).toFixed(3),
    version: '1.0',
    'transaction-id': randomUUID(),
    request: {
      'client-ip': clientIp,
      'http-scheme': 'https',
      'http-version': '1.1',
      'http-method': 'GET',
      'uri-query-fragment': '/v1/hello?from=tapline-send',
      host: 'api.example.com',
      connection: { 'connection-ip': clientIp, 'connection-port': randomInt(32768, 61000), 'server-ip': '10.0.1.9', 'server-port': 443 },
      headers: edgeHeaders([
        ['host', 'api.example.com'],
        ['user-agent', `tapline-send/${version}`],
        ['accept', 'application/json'],
      ]),
    },
    response: {
      'status-code': '200',
      headers: edgeHeaders([
        ['content-type', 'application/json'],
        ['content-length', String(Buffer.byteLength(responseBody))],
      ]),
      body: { length: Buffer.byteLength(responseBody), data: Buffer.from(responseBody).toString('base64') },
    },
    'txn-meta-data': { source_info: { version, type: 'tapline-send', instance_id: hostname() } },
  };
}

/** Headers as the Edge format carries them: `"name:<base64 of value>"`. */
function edgeHeaders(headers: Array<[string, string]>): string[] {
  return headers.map(([name, value]) => `${name}:${Buffer.from(value).toString('base64')}`);
}

/** No --count: one sample to the single endpoint. --count N: N samples as one batch. */
export function samplePayload(count: number | undefined, version: string): Payload {
  if (count === undefined) return { path: '/api-transaction', body: JSON.stringify(sampleTransaction(version)), count: 1 };
  const data = Array.from({ length: count }, () => sampleTransaction(version));
  return { path: '/api-transactions', body: JSON.stringify({ data }), count };
}

/** Reads --file (`-` for stdin); unreadable or non-JSON input is the caller's to fix: exit 1. */
async function filePayload(file: string, command: string): Promise<Payload> {
  const source = file === '-' ? 'stdin' : file;
  let text: string;
  try {
    text = file === '-' ? await readStdin() : await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${source}: ${(error as Error).message}`, command);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${source} is not JSON: ${(error as Error).message}`, command);
  }
  return payloadFromJson(value, text, source, command);
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Client credentials in the form body, as the existing plugins send them. */
async function fetchToken(options: SendOptions): Promise<string> {
  const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: options.clientId, client_secret: options.clientSecret });
  const answer = await requestJson(options.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: form.toString(),
    who: 'the token service',
    hints: {
      401: 'check --client-id and --client-secret, or TAPLINE_CLIENT_ID and TAPLINE_CLIENT_SECRET',
      404: 'check --realm or --token-url',
    },
  });
  const token = (answer as { access_token?: unknown } | null)?.access_token;
  if (typeof token !== 'string' || token === '') {
    throw new ServerError(`the token service at ${options.tokenUrl} answered without an access_token: check --token-url`, null);
  }
  return token;
}

function postToEdge(options: SendOptions, payload: Payload, token: string): Promise<unknown> {
  return requestJson(`${options.edge}${payload.path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
    body: payload.body,
    who: 'the edge',
    hints: {
      401: 'the edge does not accept tokens from this token service: check --edge and --token-url',
      404: 'check --edge: it must be the base URL of a Tapline edge',
    },
  });
}

/** The batch endpoint answers 200 even when some items were rejected: say so on stderr. */
function warnAboutRejected(answer: unknown, payload: Payload): void {
  const rejected = (answer as { rejected?: unknown } | null)?.rejected;
  if (Array.isArray(rejected) && rejected.length > 0) {
    process.stderr.write(`tapline: the edge rejected ${rejected.length} of ${payload.count} transactions (details above)\n`);
  }
}

export const sendCommand: Command = {
  path: 'send',
  summary: 'send a test transaction to the edge with client credentials',
  description: [
    'Gets an access token with client credentials, then posts transactions to the edge, as a capture',
    'does. Without --file it sends a sample call (GET https://api.example.com/v1/hello), which then',
    "shows under Unknown Traffic until an application claims api.example.com. Prints the edge's answer.",
    '',
    'The client id and secret can also come from TAPLINE_CLIENT_ID and TAPLINE_CLIENT_SECRET.',
  ].join('\n'),
  flags: [
    { name: 'client-id', kind: 'string', value: 'ID', help: 'the client id (its name); default $TAPLINE_CLIENT_ID' },
    { name: 'client-secret', kind: 'string', value: 'SECRET', help: 'its secret; default $TAPLINE_CLIENT_SECRET (prefer it: flags show up in `ps`)' },
    { name: 'edge', kind: 'string', value: 'URL', help: `the edge base URL (default $TAPLINE_URL, else ${DEFAULT_URL})` },
    { name: 'token-url', kind: 'string', value: 'URL', help: 'the token endpoint (default <edge>/auth/realms/<realm>/protocol/openid-connect/token)' },
    { name: 'realm', kind: 'string', value: 'REALM', help: 'the realm in the default token URL (default tapline)' },
    { name: 'file', kind: 'string', value: 'FILE', help: 'send this JSON instead: one transaction, an array, or {"data": [...]}; - reads stdin' },
    { name: 'count', kind: 'integer', value: 'N', min: 1, max: MAX_COUNT, help: 'send N sample transactions as one batch' },
  ],
  async run({ args, env, command }) {
    const options = sendOptions(args, env, command);
    // Read the input first, so a bad file fails before any request.
    const payload = options.file !== undefined ? await filePayload(options.file, command) : samplePayload(options.count, readVersion());
    const token = await fetchToken(options);
    const answer = await postToEdge(options, payload, token);
    if (answer === null) return out('(the edge answered with an empty body)');
    printJson(answer);
    warnAboutRejected(answer, payload);
  },
};
