// HTTP for the CLI, over the global fetch. Every failure becomes a ServerError whose message is one
// line a person can act on: exit status 2.

/** The server refused (HTTP 4xx/5xx) or could not be reached (status null). */
export class ServerError extends Error {
  readonly status: number | null;
  constructor(message: string, status: number | null) {
    super(message);
    this.status = status;
  }
}

/** Long enough for a big batch on a slow link, short enough that a script never hangs forever. */
const TIMEOUT_MS = 60_000;

export interface RequestOptions {
  method: string;
  headers?: Record<string, string>;
  body?: string;
  /** Who answers, for messages: `the server`, `the token service`, `the edge`. */
  who: string;
  /** Appended to the message of a refusal with that status (401, 404): what to check. */
  hints?: Partial<Record<number, string>>;
}

/** Sends a request and returns the JSON answer (null for an empty one, such as a 204). */
export async function requestJson(url: string, options: RequestOptions): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: options.method,
      headers: options.headers,
      body: options.body,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    throw new ServerError(`could not reach ${options.who} at ${new URL(url).origin}: ${describeFetchError(error)}`, null);
  }
  const text = await readText(response, options.who);
  const body = parseJson(text);
  if (!response.ok) {
    const hint = options.hints?.[response.status] ? ` (${options.hints[response.status]})` : '';
    throw new ServerError(`${options.who} refused: ${describeRefusal(response, body, text)}${hint}`, response.status);
  }
  if (text.trim() === '') return null;
  if (body === undefined) {
    throw new ServerError(`${options.who} at ${url} answered ${response.status} with something that is not JSON: is the URL right?`, response.status);
  }
  return body;
}

async function readText(response: Response, who: string): Promise<string> {
  try {
    return await response.text();
  } catch (error) {
    throw new ServerError(`${who} closed the connection mid-answer: ${describeFetchError(error)}`, null);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * `409 Conflict: a client named "x" already exists`. Understands the three error shapes Tapline
 * answers with: the admin API's `{error, message}`, the edge's `{status, error, message}` and the
 * token service's OAuth `{error, error_description}`.
 */
export function describeRefusal(response: { status: number; statusText: string }, body: unknown, text: string): string {
  const record = body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const code = typeof record.error === 'string' ? record.error : response.statusText;
  const message =
    typeof record.message === 'string' ? record.message
    : typeof record.error_description === 'string' ? record.error_description
    : body === undefined ? oneLine(text) : '';
  const head = `${response.status}${code ? ` ${code}` : ''}`;
  // An uploaded spec's validation problems, one per line.
  const problems = Array.isArray(record.problems)
    ? (record.problems as Array<{ path?: unknown; message?: unknown }>).map((p) => `\n  ${String(p.path) || '/'}: ${String(p.message)}`).join('')
    : '';
  return message ? `${head}: ${message}${problems}` : head;
}

/** A proxy's HTML error page, cut to something that fits on one line. */
function oneLine(text: string): string {
  const flat = text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
  return flat.length > 160 ? `${flat.slice(0, 157)}...` : flat;
}

/** Turns fetch's generic "fetch failed" into the reason underneath (refused, not found, timeout). */
export function describeFetchError(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `no answer within ${TIMEOUT_MS / 1000} s`;
  }
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  if (code === 'ECONNREFUSED') return 'connection refused (is the server running? is the URL right?)';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host name not found (check the URL)';
  if (code === 'ECONNRESET') return 'the connection was reset';
  if (code?.startsWith('ERR_TLS') || code?.includes('CERT')) return `TLS failed (${code})`;
  if (typeof cause?.message === 'string' && cause.message) return cause.message;
  return error instanceof Error ? error.message : String(error);
}

/** Where the admin API is and how to authenticate to it. */
export interface AdminTarget {
  baseUrl: string;
  token: string;
}

/** Calls `/api/v1` with the admin token. `path` starts with `/api/v1/`. */
export function adminRequest(target: AdminTarget, method: string, path: string, body?: unknown): Promise<unknown> {
  const headers: Record<string, string> = { authorization: `Bearer ${target.token}`, accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  return requestJson(`${target.baseUrl}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    who: 'the server',
  });
}
