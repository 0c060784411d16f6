// The one canonical, in-memory form of a captured API transaction.
// Everything outside wire/ works with this type: headers and bodies are decoded,
// and nothing here is base64.

export type Header = [name: string, value: string];

export interface Body {
  /** The captured bytes (possibly cut by the capture). */
  bytes: Buffer;
  /** Size of the original body in bytes, as the capture declared it (>= bytes.length). */
  length: number;
  /** The capture cut this body (cq-body-truncated header, or length larger than the data). */
  truncated: boolean;
}

/** Which step of the client-IP rule (edge-api.md section 4) gave `clientIp`. */
export type ClientIpRule = 'client-ip' | `header:${string}` | 'connection-ip';

export interface Connection {
  connectionIp: string;
  serverIp: string;
  connectionPort?: number;
  serverPort?: number;
  transactionDepth?: number;
}

export interface RequestPart {
  method: string;
  /** Path with query and fragment, as captured. */
  uri: string;
  host: string | null;
  scheme: string;
  httpVersion: string | null;
  clientIp: string;
  clientIpRule: ClientIpRule;
  connection: Connection;
  headers: Header[];
  body: Body | null;
}

export interface ResponsePart {
  /** null when the upstream never answered (status-code ""). */
  status: number | null;
  headers: Header[];
  body: Body | null;
}

export interface SdpLocation {
  name: string;
  type: string;
  location: string;
  field: string;
  start: number;
  end: number;
}

export interface TxnMetaData {
  sourceInfo?: { version?: string; type?: string; poolId?: string; instanceId?: string };
  filterInfo?: { filterName?: string };
  sdpInfo?: { skipped?: boolean; found?: number; transformed?: number; locations?: SdpLocation[] };
  dataExtractions?: Record<string, unknown>;
}

export interface Transaction {
  id: string;
  /** True when the capture sent no transaction-id and the edge made one. */
  idGenerated: boolean;
  /** Request start, milliseconds since the Unix epoch. */
  timestamp: number;
  version: string | null;
  request: RequestPart;
  response: ResponsePart;
  meta: TxnMetaData;
}

export const TRUNCATION_HEADER = 'cq-body-truncated';

/** First value of a header (case-insensitive), or undefined. */
export function headerValue(headers: Header[], name: string): string | undefined {
  const wanted = name.toLowerCase();
  // Called many times per transaction: compare lengths before lowering a name.
  for (let i = 0; i < headers.length; i++) {
    const n = headers[i]![0];
    if (n.length === wanted.length && (n === wanted || n.toLowerCase() === wanted)) return headers[i]![1];
  }
  return undefined;
}

/** Path without query and fragment. */
export function pathOf(uri: string): string {
  const end = uri.search(/[?#]/);
  return end === -1 ? uri : uri.slice(0, end);
}
