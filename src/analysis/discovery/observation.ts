// From the canonical Transaction to a discovery Observation (pure).

import { headerValue, pathOf, type Transaction } from '../../wire/transaction.ts';
import type { Observation } from './discovery.ts';

/** data_extractions keys that carry the gateway's route template (url_template: the APIM policy). */
const ROUTE_KEYS = ['url_template', 'route_template', 'routeTemplate', 'route', 'urlTemplate', 'operationTemplate'];
const MAX_KEYS = 32;

/** Top-level shape of a JSON response body: "2xx {a,b,c}" / "2xx [{a,b}]"; undefined if not JSON. */
export function responseShape(status: number | null, contentType: string | undefined, bytes: Buffer | undefined): string | undefined {
  const cls = status === null ? 'none' : `${Math.floor(status / 100)}xx`;
  if (!bytes || bytes.length === 0) return `${cls} empty`;
  if (contentType && !/json/i.test(contentType)) return `${cls} ${contentType.split(';')[0]!.trim().toLowerCase()}`;
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch {
    return `${cls} text`;
  }
  const keys = (o: unknown) =>
    o && typeof o === 'object' && !Array.isArray(o) ? `{${Object.keys(o).sort().slice(0, MAX_KEYS).join(',')}}` : typeof o;
  return Array.isArray(doc) ? `${cls} [${doc.length > 0 ? keys(doc[0]) : ''}]` : `${cls} ${keys(doc)}`;
}

export function observationFromTransaction(txn: Transaction): Observation {
  const req = txn.request;
  const res = txn.response;
  const obs: Observation = {
    host: (req.host ?? req.connection.serverIp).toLowerCase(),
    method: req.method.toUpperCase(),
    path: pathOf(req.uri),
    status: res.status,
  };
  const shape = responseShape(res.status, headerValue(res.headers, 'content-type'), res.body?.truncated ? undefined : res.body?.bytes);
  if (shape !== undefined) obs.responseShape = shape;
  const ex = txn.meta.dataExtractions;
  if (ex) {
    for (const k of ROUTE_KEYS) {
      const v = ex[k];
      if (typeof v === 'string' && v.startsWith('/')) {
        obs.route = withApiPrefix(obs.path, v);
        break;
      }
    }
  }
  return obs;
}

/**
 * A gateway's operation template is often relative to the API's base path (APIM: the API suffix
 * `/shop` plus the operation `/items/{itemId}`): the path's leading segments are put in front of a
 * shorter template, and discovery uses it only if the result matches the path.
 */
function withApiPrefix(path: string, route: string): string {
  const p = path.split('/').filter(Boolean);
  const r = route.split('/').filter(Boolean);
  return r.length < p.length ? `/${[...p.slice(0, p.length - r.length), ...r].join('/')}` : route;
}
