// What discovery needs from an uploaded OpenAPI document (2.0, 3.0 or 3.1, already parsed and
// validated): its hosts, and every operation as (method, full path template) with whether it is
// deprecated, its parameters and its documented status codes. Pure: the document in, plain data
// out, so it runs anywhere an analyzer runs.

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

export interface SpecParameter {
  name: string;
  in: string;
  required: boolean;
  type: string | null;
}

export interface SpecOperation {
  /** Upper case. */
  method: string;
  /** The server's or basePath's path prefix joined with the path key, e.g. `/v1/users/{userId}`. */
  path: string;
  operationId: string | null;
  deprecated: boolean;
  parameters: SpecParameter[];
  /** Documented response codes (`200`, `4XX`, `default`). */
  responses: string[];
}

export interface SpecSummary {
  /** `2.0`, `3.0.3`, `3.1.0`, ... */
  openapiVersion: string;
  title: string;
  version: string;
  /** Hosts the document names (OpenAPI 2 `host`, OpenAPI 3 absolute `servers`), lower case. */
  hosts: string[];
  operations: SpecOperation[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Follows a local `$ref` (`#/components/parameters/x`), once per level, never in a loop. */
function deref(doc: Obj, value: unknown, seen = new Set<string>()): unknown {
  if (!isObj(value) || typeof value.$ref !== 'string') return value;
  const ref = value.$ref;
  if (!ref.startsWith('#/') || seen.has(ref)) return value;
  seen.add(ref);
  let target: unknown = doc;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    target = isObj(target) ? target[key] : undefined;
  }
  return deref(doc, target, seen);
}

/** `/a/` + `/b` = `/a/b`; empty prefixes and trailing slashes handled. */
export function joinPath(prefix: string, path: string): string {
  const p = prefix.replace(/\/+$/, '');
  const joined = `${p}/${path.replace(/^\/+/, '')}`;
  return joined.length > 1 ? joined.replace(/\/+$/, '') || '/' : '/';
}

/** Server URL with its variables replaced by their defaults. */
function serverUrl(server: Obj): string {
  let url = typeof server.url === 'string' ? server.url : '';
  const vars = isObj(server.variables) ? server.variables : {};
  url = url.replace(/\{([^}]+)\}/g, (m, name: string) => {
    const v = vars[name];
    return isObj(v) && typeof v.default === 'string' ? v.default : m;
  });
  return url;
}

function hostsAndPrefixes(doc: Obj): { hosts: string[]; prefixes: string[] } {
  if (typeof doc.swagger === 'string') {
    const host = typeof doc.host === 'string' ? doc.host.toLowerCase() : null;
    return { hosts: host ? [host] : [], prefixes: [typeof doc.basePath === 'string' ? doc.basePath : '/'] };
  }
  const servers = Array.isArray(doc.servers) ? doc.servers.filter(isObj) : [];
  const hosts = new Set<string>();
  const prefixes = new Set<string>();
  for (const s of servers) {
    const url = serverUrl(s);
    const absolute = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url);
    if (absolute) {
      try {
        const u = new URL(url);
        hosts.add(u.host.toLowerCase());
        prefixes.add(decodeURI(u.pathname));
        continue;
      } catch {
        // A URL with variables left in it: keep its path only.
      }
    }
    prefixes.add(url.startsWith('/') ? url.split('?')[0]! : '/');
  }
  if (prefixes.size === 0) prefixes.add('/');
  return { hosts: [...hosts], prefixes: [...prefixes] };
}

function parameters(doc: Obj, list: unknown): SpecParameter[] {
  if (!Array.isArray(list)) return [];
  const out: SpecParameter[] = [];
  for (const raw of list) {
    const p = deref(doc, raw);
    if (!isObj(p) || typeof p.name !== 'string' || typeof p.in !== 'string') continue;
    const schema = isObj(p.schema) ? (deref(doc, p.schema) as Obj) : p;
    const type = typeof schema?.type === 'string' ? schema.type : Array.isArray(schema?.type) ? String(schema.type[0]) : null;
    out.push({ name: p.name, in: p.in, required: p.required === true || p.in === 'path', type });
  }
  return out;
}

/** The operations and hosts of a valid OpenAPI document. */
export function summarizeSpec(doc: Obj): SpecSummary {
  const info = isObj(doc.info) ? doc.info : {};
  const openapiVersion = typeof doc.swagger === 'string' ? doc.swagger : String(doc.openapi ?? '');
  const { hosts, prefixes } = hostsAndPrefixes(doc);
  const operations: SpecOperation[] = [];
  const seen = new Set<string>();
  const paths = isObj(doc.paths) ? doc.paths : {};
  for (const [key, rawItem] of Object.entries(paths)) {
    const item = deref(doc, rawItem);
    if (!isObj(item) || !key.startsWith('/')) continue;
    for (const method of HTTP_METHODS) {
      const op = item[method];
      if (!isObj(op)) continue;
      // Operation parameters override path-level ones with the same name and location.
      const merged = new Map<string, SpecParameter>();
      for (const p of [...parameters(doc, item.parameters), ...parameters(doc, op.parameters)]) merged.set(`${p.in}:${p.name}`, p);
      for (const prefix of prefixes) {
        const path = joinPath(prefix, key);
        const id = `${method} ${path}`;
        if (seen.has(id)) continue;
        seen.add(id);
        operations.push({
          method: method.toUpperCase(),
          path,
          operationId: typeof op.operationId === 'string' ? op.operationId : null,
          deprecated: op.deprecated === true,
          parameters: [...merged.values()],
          responses: isObj(op.responses) ? Object.keys(op.responses) : [],
        });
      }
    }
  }
  return {
    openapiVersion,
    title: typeof info.title === 'string' ? info.title : '',
    version: typeof info.version === 'string' ? info.version : '',
    hosts,
    operations,
  };
}
