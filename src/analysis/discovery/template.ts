// Path templates: parsing, matching a concrete path, comparing templates modulo parameter names.
// Used for uploaded specs, gateway route templates and pinned user rules.

export interface TemplatePart {
  /** Literal text before/after the parameter; for a literal segment, `param` is null. */
  prefix: string;
  param: string | null;
  suffix: string;
}

export interface ParsedTemplate {
  template: string;
  parts: TemplatePart[];
  /** Count of fully literal segments, for precedence (more literal wins). */
  literals: number;
}

/** Splits a path into segments (no leading/trailing empties; "/" -> []). */
export function segments(path: string): string[] {
  const out = path.split('/');
  if (out[0] === '') out.shift();
  if (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out;
}

export function joinSegments(segs: string[]): string {
  return '/' + segs.join('/');
}

/** Normalizes a template or path: one leading slash, no trailing slash (except "/"). */
export function normalizePath(path: string): string {
  return joinSegments(segments(path.replace(/\/{2,}/g, '/')));
}

export function parseTemplate(template: string): ParsedTemplate {
  const segs = segments(template);
  let literals = 0;
  const parts = segs.map((seg): TemplatePart => {
    const m = /^([^{]*)\{([^}]+)\}(.*)$/.exec(seg);
    if (!m) {
      literals++;
      return { prefix: seg, param: null, suffix: '' };
    }
    return { prefix: m[1]!, param: m[2]!, suffix: m[3]! };
  });
  return { template: joinSegments(segs), parts, literals };
}

/** Parameter values when `path`'s segments match the template, else null. */
export function matchTemplate(t: ParsedTemplate, pathSegs: string[]): Record<string, string> | null {
  if (pathSegs.length !== t.parts.length) return null;
  const values: Record<string, string> = {};
  for (let i = 0; i < pathSegs.length; i++) {
    const part = t.parts[i]!;
    const seg = pathSegs[i]!;
    if (part.param === null) {
      if (seg !== part.prefix) return null;
      continue;
    }
    if (seg.length <= part.prefix.length + part.suffix.length) return null;
    if (!seg.startsWith(part.prefix) || !seg.endsWith(part.suffix)) return null;
    values[part.param] = seg.slice(part.prefix.length, seg.length - part.suffix.length);
  }
  return values;
}

/** A template with parameter names erased: "/users/{userId}.json" -> "/users/{}.json". */
export function templateShape(template: string): string {
  return normalizePath(template).replace(/\{[^}]*\}/g, '{}');
}

/** Precedence: literal segments beat parameters, position by position from the left. */
function moreSpecific(a: ParsedTemplate, b: ParsedTemplate): number {
  for (let i = 0; i < Math.min(a.parts.length, b.parts.length); i++) {
    const pa = a.parts[i]!.param === null ? 0 : a.parts[i]!.prefix.length + a.parts[i]!.suffix.length > 0 ? 1 : 2;
    const pb = b.parts[i]!.param === null ? 0 : b.parts[i]!.prefix.length + b.parts[i]!.suffix.length > 0 ? 1 : 2;
    if (pa !== pb) return pa - pb;
  }
  return 0;
}

export interface TemplateMatch {
  template: string;
  values: Record<string, string>;
  /** Methods the template declares (empty: any). */
  methods: string[];
}

/** A set of templates matched by precedence; methods optional per template. */
export class TemplateSet {
  private readonly entries: { parsed: ParsedTemplate; methods: Set<string> }[] = [];
  private readonly byTemplate = new Map<string, { parsed: ParsedTemplate; methods: Set<string> }>();

  add(template: string, methods: Iterable<string> = []): void {
    const parsed = parseTemplate(template);
    let entry = this.byTemplate.get(parsed.template);
    if (!entry) {
      entry = { parsed, methods: new Set() };
      this.byTemplate.set(parsed.template, entry);
      this.entries.push(entry);
      this.entries.sort((a, b) => moreSpecific(a.parsed, b.parsed) || a.parsed.template.localeCompare(b.parsed.template));
    }
    for (const m of methods) entry.methods.add(m.toUpperCase());
  }

  get size(): number {
    return this.entries.length;
  }

  templates(): { template: string; methods: string[] }[] {
    return this.entries.map((e) => ({ template: e.parsed.template, methods: [...e.methods].sort() }));
  }

  /** Best match for the path; a template declaring the method wins over one that does not. */
  match(method: string, path: string): TemplateMatch | null {
    const segs = segments(path);
    let fallback: TemplateMatch | null = null;
    const m = method.toUpperCase();
    for (const e of this.entries) {
      const values = matchTemplate(e.parsed, segs);
      if (!values) continue;
      const hit = { template: e.parsed.template, values, methods: [...e.methods].sort() };
      if (e.methods.size === 0 || e.methods.has(m)) return hit;
      fallback ??= hit;
    }
    return fallback;
  }
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

/** The base path of an OpenAPI 2 (`basePath`) or 3 (`servers[0].url`) document. */
export function specBasePath(doc: Record<string, unknown>): string {
  if (typeof doc.basePath === 'string') return doc.basePath;
  const servers = doc.servers;
  if (Array.isArray(servers) && servers.length > 0) {
    const url = String((servers[0] as { url?: unknown }).url ?? '');
    const m = /^[a-z][a-z0-9+.-]*:\/\/[^/]*(\/.*)?$/i.exec(url);
    return m ? (m[1] ?? '') : url.startsWith('/') ? url : '';
  }
  return '';
}

/**
 * The full path template of an OpenAPI path key: base path + path, with the parts a URL path
 * never carries ("/#Action", "/?Operation=X": operations told apart by header or query) removed.
 */
export function specPathTemplate(base: string, key: string): string {
  const cut = key.search(/[?#]/);
  const path = cut === -1 ? key : key.slice(0, cut);
  return normalizePath(base.replace(/\/+$/, '') + '/' + path.replace(/^\/+/, ''));
}

/** Templates and methods of an OpenAPI 2/3 document, as a TemplateSet. */
export function templatesFromSpec(doc: Record<string, unknown>): TemplateSet {
  const set = new TemplateSet();
  const base = specBasePath(doc);
  const paths = (doc.paths ?? {}) as Record<string, Record<string, unknown>>;
  for (const [key, item] of Object.entries(paths)) {
    if (!item || typeof item !== 'object') continue;
    const methods = Object.keys(item).filter((k) => METHODS.includes(k.toLowerCase()));
    set.add(specPathTemplate(base, key), methods);
  }
  return set;
}
