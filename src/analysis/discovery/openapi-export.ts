// The API as Tapline reconstructed it from traffic: an OpenAPI 3.1 document for a host or an
// application, with the endpoints' paths and methods, path parameters (typed from their
// evidence), query parameters seen, request and response schemas merged across samples, the
// status codes seen, and the security schemes the callers used. Pure: endpoint records in,
// document out.
import type { EndpointStats } from './endpoint-stats.ts';
import type { AuthScheme } from './auth-schemes.ts';
import { publicSchema, type JsonSchema } from './json-schema.ts';

export interface ExportEndpoint {
  host: string;
  method: string;
  pathTemplate: string;
  provenance: string;
  detail: Record<string, unknown>;
}

interface PathParam {
  name: string;
  type: string;
}

const PARAM_TYPES: Record<string, Record<string, string>> = {
  integer: { type: 'integer' },
  int: { type: 'integer' },
  number: { type: 'number' },
  uuid: { type: 'string', format: 'uuid' },
  date: { type: 'string', format: 'date' },
  email: { type: 'string', format: 'email' },
  boolean: { type: 'boolean' },
};

function paramSchema(type: string): Record<string, string> {
  return PARAM_TYPES[type.toLowerCase()] ?? { type: 'string' };
}

/** Security scheme name and definition for an auth scheme seen, or null for none. */
function securityScheme(a: AuthScheme): [string, Record<string, unknown>] | null {
  switch (a.scheme) {
    case 'none':
      return null;
    case 'basic':
      return ['basicAuth', { type: 'http', scheme: 'basic' }];
    case 'bearer':
      return a.format === 'jwt'
        ? [`bearerJwt${a.alg ? a.alg : ''}`, { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', ...(a.issuer || a.alg ? { description: `Seen: JWT${a.alg ? ` signed with ${a.alg}` : ''}${a.issuer ? ` issued by ${a.issuer}` : ''}` } : {}) }]
        : ['bearerToken', { type: 'http', scheme: 'bearer' }];
    case 'apiKey':
      return [`apiKey_${a.in}_${(a.name ?? 'key').replace(/[^A-Za-z0-9_.-]/g, '_')}`, { type: 'apiKey', in: a.in === 'query' ? 'query' : a.in === 'cookie' ? 'cookie' : 'header', name: a.name ?? 'api_key' }];
    case 'cookie':
      return [`cookie_${(a.name ?? 'session').replace(/[^A-Za-z0-9_.-]/g, '_')}`, { type: 'apiKey', in: 'cookie', name: a.name ?? 'session' }];
    default:
      return [`http_${a.scheme}`, { type: 'http', scheme: a.scheme }];
  }
}

const statusDescription = (status: string) => (status === 'none' ? 'No response' : `Status ${status} seen in traffic`);

/** The OpenAPI 3.1 document of `endpoints` (one host or one application's hosts). */
export function exportOpenApi(title: string, endpoints: ExportEndpoint[]): Record<string, unknown> {
  const hosts = [...new Set(endpoints.map((e) => e.host))].sort();
  const paths: Record<string, Record<string, unknown>> = {};
  const schemes: Record<string, Record<string, unknown>> = {};
  // Several hosts: paths are prefixed by nothing (servers list the hosts); a path that differs per
  // host keeps one entry per (path, method) with the first host's data.
  for (const e of [...endpoints].sort((a, b) => `${a.pathTemplate} ${a.method}`.localeCompare(`${b.pathTemplate} ${b.method}`))) {
    const d = e.detail as { params?: PathParam[]; stats?: EndpointStats };
    const method = e.method.toLowerCase();
    if (!['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'].includes(method)) continue;
    const item = (paths[e.pathTemplate] ??= {});
    if (item[method]) continue;
    const stats = d.stats;
    const names = [...e.pathTemplate.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
    const typed = new Map((d.params ?? []).map((p) => [p.name, p.type]));
    const parameters: Array<Record<string, unknown>> = names.map((name) => ({ name, in: 'path', required: true, schema: paramSchema(typed.get(name) ?? 'string') }));
    for (const [name, q] of Object.entries(stats?.query ?? {})) {
      parameters.push({ name, in: 'query', required: stats !== undefined && q.count === stats.calls, schema: paramSchema(q.type) });
    }
    const responses: Record<string, unknown> = {};
    for (const status of Object.keys(stats?.statuses ?? {}).sort()) {
      const code = /^[1-5]\d\d$/.test(status) ? status : 'default';
      const schema = stats?.responseSchemas?.[status];
      const type = Object.keys(stats?.responseTypes ?? {})[0] ?? 'application/json';
      responses[code] = { description: statusDescription(status), ...(schema ? { content: { [type]: { schema: publicSchema(schema) } } } : {}) };
    }
    if (Object.keys(responses).length === 0) responses.default = { description: 'No response seen' };
    const security: Array<Record<string, string[]>> = [];
    let anonymous = false;
    for (const { scheme } of Object.values(stats?.auth ?? {})) {
      const s = securityScheme(scheme);
      if (s === null) anonymous = true;
      else {
        schemes[s[0]] = s[1];
        if (!security.some((x) => s[0] in x)) security.push({ [s[0]]: [] });
      }
    }
    if (anonymous && security.length > 0) security.push({});
    const requestSchema: JsonSchema | null = stats?.requestSchema ?? null;
    const requestType = Object.keys(stats?.requestTypes ?? {})[0] ?? 'application/json';
    item[method] = {
      summary: `${e.method} ${e.pathTemplate}`,
      description: `Seen in traffic: ${stats?.calls ?? 0} calls${hosts.length > 1 ? ` to ${e.host}` : ''} (template from ${e.provenance}).`,
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(requestSchema ? { requestBody: { content: { [requestType]: { schema: publicSchema(requestSchema) } } } } : {}),
      responses,
      ...(security.length > 0 ? { security } : {}),
    };
  }
  return {
    openapi: '3.1.0',
    info: { title, version: new Date().toISOString().slice(0, 10), description: 'Reconstructed by Tapline from observed traffic.' },
    servers: hosts.map((h) => ({ url: `https://${h}` })),
    paths,
    ...(Object.keys(schemes).length > 0 ? { components: { securitySchemes: schemes } } : {}),
  };
}
