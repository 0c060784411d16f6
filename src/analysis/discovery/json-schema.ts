// JSON Schema (2020-12, as OpenAPI 3.1 uses it) inferred from sample bodies and merged across
// samples, so an endpoint's request and response schemas grow with its traffic. Bounded: deep or
// wide documents are cut (a cut part becomes `{}`, "any"), so one odd body cannot blow up the
// stored schema. Values never enter a schema: only types, formats, property names and whether a
// property was always present.

export interface JsonSchema {
  type?: string | string[];
  format?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  /** Tapline's count of samples merged into this node (lets `required` be judged). */
  'x-samples'?: number;
}

export const SCHEMA_LIMITS = { depth: 8, properties: 200 } as const;

const FORMATS: Array<[string, RegExp]> = [
  ['date-time', /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/],
  ['date', /^\d{4}-\d{2}-\d{2}$/],
  ['uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i],
  ['email', /^[^\s@]{1,64}@[^\s@]{1,255}\.[a-z]{2,63}$/i],
  ['uri', /^https?:\/\/[^\s]{1,2000}$/],
  ['ipv4', /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/],
];

function stringFormat(s: string): string | undefined {
  if (s.length > 2048) return undefined;
  for (const [name, re] of FORMATS) if (re.test(s)) return name;
  return undefined;
}

/** The schema of one JSON value. */
export function inferSchema(value: unknown, depth = 0): JsonSchema {
  if (depth > SCHEMA_LIMITS.depth) return { 'x-samples': 1 };
  if (value === null) return { type: 'null', 'x-samples': 1 };
  if (Array.isArray(value)) {
    let items: JsonSchema | undefined;
    // Every element counts: a list of objects with varying optional fields merges into one.
    for (const v of value) items = items ? mergeSchemas(items, inferSchema(v, depth + 1)) : inferSchema(v, depth + 1);
    return items ? { type: 'array', items, 'x-samples': 1 } : { type: 'array', 'x-samples': 1 };
  }
  switch (typeof value) {
    case 'string': {
      const format = stringFormat(value);
      return format ? { type: 'string', format, 'x-samples': 1 } : { type: 'string', 'x-samples': 1 };
    }
    case 'number':
      return { type: Number.isInteger(value) ? 'integer' : 'number', 'x-samples': 1 };
    case 'boolean':
      return { type: 'boolean', 'x-samples': 1 };
    case 'object': {
      const properties: Record<string, JsonSchema> = {};
      const keys = Object.keys(value as object).slice(0, SCHEMA_LIMITS.properties);
      for (const k of keys) properties[k] = inferSchema((value as Record<string, unknown>)[k], depth + 1);
      return { type: 'object', properties, required: keys.slice().sort(), 'x-samples': 1 };
    }
    default:
      return { 'x-samples': 1 };
  }
}

function typesOf(s: JsonSchema): string[] {
  return s.type === undefined ? [] : Array.isArray(s.type) ? s.type : [s.type];
}

/** Union of types; integer and number together are number. */
function mergeTypes(a: string[], b: string[]): string[] {
  const set = new Set([...a, ...b]);
  if (set.has('number')) set.delete('integer');
  return [...set].sort();
}

/** The schema that describes the samples of both. */
export function mergeSchemas(a: JsonSchema, b: JsonSchema): JsonSchema {
  const samples = (a['x-samples'] ?? 1) + (b['x-samples'] ?? 1);
  // `{}` (any) absorbs everything: a cut part stays cut.
  if (a.type === undefined || b.type === undefined) return { 'x-samples': samples };
  const types = mergeTypes(typesOf(a), typesOf(b));
  const out: JsonSchema = { type: types.length === 1 ? types[0]! : types };
  // A format survives when both sides agree, or when the other side is only ever null (a
  // nullable date stays a date).
  const onlyNull = (s: JsonSchema) => s.type === 'null';
  const format = a.format === b.format ? a.format : onlyNull(a) ? b.format : onlyNull(b) ? a.format : undefined;
  if (format !== undefined) out.format = format;
  if (a.properties || b.properties) {
    const props: Record<string, JsonSchema> = {};
    const pa = a.properties ?? {};
    const pb = b.properties ?? {};
    for (const k of new Set([...Object.keys(pa), ...Object.keys(pb)])) {
      if (Object.keys(props).length >= SCHEMA_LIMITS.properties) break;
      props[k] = pa[k] && pb[k] ? mergeSchemas(pa[k], pb[k]) : (pa[k] ?? pb[k])!;
    }
    out.properties = props;
    // Required only when present in every object sample of both sides.
    const ra = a.properties ? new Set(a.required ?? []) : null;
    const rb = b.properties ? new Set(b.required ?? []) : null;
    out.required = [...(ra ?? rb ?? new Set<string>())].filter((k) => (ra ? ra.has(k) : true) && (rb ? rb.has(k) : true)).sort();
  }
  if (a.items || b.items) out.items = a.items && b.items ? mergeSchemas(a.items, b.items) : (a.items ?? b.items)!;
  out['x-samples'] = samples;
  return out;
}

/** The schema without Tapline's bookkeeping, for an OpenAPI document. */
export function publicSchema(s: JsonSchema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (s.type !== undefined) out.type = s.type;
  if (s.format !== undefined) out.format = s.format;
  if (s.properties) out.properties = Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, publicSchema(v)]));
  if (s.required && s.required.length > 0) out.required = s.required;
  if (s.items) out.items = publicSchema(s.items);
  return out;
}
