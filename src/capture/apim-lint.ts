// The lint layer of the APIM policy verification: reads a policy in APIM's raw format (not valid
// XML: expressions inside @( ... ) and @{ ... } are not escaped) and checks the structure and the
// rules the capture policy relies on. The compile layer (the C# expressions) and the execute layer
// (a gateway) come after it.
import { APIM_MAX_POLICY_BYTES, APIM_NAMED_VALUES } from './apim-policy.ts';

export interface LintFinding {
  rule: string;
  message: string;
  line: number;
}

export interface PolicyAttribute {
  name: string;
  value: string;
  /** The whole value is a policy expression (`@(...)` or `@{...}`). */
  expression: boolean;
  /** Its index in ParsedPolicy.expressions, when it is one. */
  expressionIndex?: number;
  line: number;
}

export interface PolicyElement {
  name: string;
  attributes: PolicyAttribute[];
  children: PolicyElement[];
  /** Text directly inside the element, expressions included, joined. */
  text: string;
  /** Indexes in ParsedPolicy.expressions of the expressions in that text. */
  textExpressions: number[];
  line: number;
}

export interface ParsedPolicy {
  roots: PolicyElement[];
  /** Every expression's source (`@(...)`/`@{...}`), with its line. */
  expressions: Array<{ code: string; line: number }>;
}

export class PolicyParseError extends Error {
  readonly line: number;
  constructor(message: string, line: number) {
    super(message);
    this.line = line;
  }
}

const CLOSE: Record<string, string> = { '(': ')', '{': '}', '[': ']' };

/**
 * The end (exclusive) of the expression opening at `start` (`@(` or `@{`), skipping C# strings,
 * chars and comments so `<`, `>`, `&`, quotes and brackets inside it are opaque.
 */
export function scanExpression(src: string, start: number, lineOf: (i: number) => number): number {
  const stack: string[] = [];
  let i = start;
  while (i < src.length) {
    const c = src[i]!;
    if (c === '(' || c === '{' || c === '[') {
      stack.push(CLOSE[c]!);
      i++;
    } else if (c === ')' || c === '}' || c === ']') {
      if (stack.pop() !== c) throw new PolicyParseError(`unbalanced "${c}" in expression`, lineOf(i));
      i++;
      if (stack.length === 0) return i;
    } else if (c === '"') {
      const verbatim = src[i - 1] === '@' || (src[i - 1] === '$' && src[i - 2] === '@') || (src[i - 1] === '@' && src[i - 2] === '$');
      i = skipString(src, i, verbatim, lineOf);
    } else if (c === "'") {
      i++;
      while (i < src.length && src[i] !== "'") i += src[i] === '\\' ? 2 : 1;
      i++;
    } else if (c === '/' && src[i + 1] === '/') {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      if (end === -1) throw new PolicyParseError('unterminated comment in expression', lineOf(i));
      i = end + 2;
    } else {
      i++;
    }
  }
  throw new PolicyParseError('unterminated expression', lineOf(start));
}

function skipString(src: string, i: number, verbatim: boolean, lineOf: (i: number) => number): number {
  const start = i;
  i++;
  while (i < src.length) {
    const c = src[i]!;
    if (verbatim) {
      if (c === '"' && src[i + 1] === '"') i += 2;
      else if (c === '"') return i + 1;
      else i++;
    } else {
      if (c === '\\') i += 2;
      else if (c === '"') return i + 1;
      else if (c === '\n') break;
      else i++;
    }
  }
  throw new PolicyParseError('unterminated string in expression', lineOf(start));
}

const NAME = /[A-Za-z_][\w.:-]*/y;

/** Parses the raw policy text into elements. Throws PolicyParseError. */
export function parsePolicy(src: string): ParsedPolicy {
  const lineStarts = [0];
  for (let k = 0; k < src.length; k++) if (src[k] === '\n') lineStarts.push(k + 1);
  const lineOf = (pos: number) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  const expressions: ParsedPolicy['expressions'] = [];
  const roots: PolicyElement[] = [];
  const stack: PolicyElement[] = [];
  const isExpressionStart = (k: number) => src[k] === '@' && (src[k + 1] === '(' || src[k + 1] === '{');
  const readName = (k: number): string => {
    NAME.lastIndex = k;
    const m = NAME.exec(src);
    if (!m) throw new PolicyParseError('expected a name', lineOf(k));
    return m[0];
  };
  let i = 0;
  while (i < src.length) {
    if (src.startsWith('<!--', i)) {
      const end = src.indexOf('-->', i + 4);
      if (end === -1) throw new PolicyParseError('unterminated comment', lineOf(i));
      i = end + 3;
    } else if (src.startsWith('<?', i)) {
      const end = src.indexOf('?>', i + 2);
      if (end === -1) throw new PolicyParseError('unterminated declaration', lineOf(i));
      i = end + 2;
    } else if (src.startsWith('<![CDATA[', i)) {
      const end = src.indexOf(']]>', i);
      if (end === -1) throw new PolicyParseError('unterminated CDATA', lineOf(i));
      if (stack.length) stack[stack.length - 1]!.text += src.slice(i + 9, end);
      i = end + 3;
    } else if (src.startsWith('</', i)) {
      const name = readName(i + 2);
      const open = stack.pop();
      if (!open) throw new PolicyParseError(`closing </${name}> without an opening tag`, lineOf(i));
      if (open.name !== name) throw new PolicyParseError(`</${name}> closes <${open.name}> (line ${open.line})`, lineOf(i));
      const end = src.indexOf('>', i);
      if (end === -1 || src.slice(i + 2 + name.length, end).trim() !== '') throw new PolicyParseError(`malformed </${name}>`, lineOf(i));
      i = end + 1;
    } else if (src[i] === '<') {
      const name = readName(i + 1);
      const element: PolicyElement = { name, attributes: [], children: [], text: '', textExpressions: [], line: lineOf(i) };
      i += 1 + name.length;
      let selfClosing = false;
      for (;;) {
        while (/\s/.test(src[i] ?? '')) i++;
        if (i >= src.length) throw new PolicyParseError(`unterminated <${name}>`, element.line);
        if (src.startsWith('/>', i)) {
          selfClosing = true;
          i += 2;
          break;
        }
        if (src[i] === '>') {
          i++;
          break;
        }
        const attrLine = lineOf(i);
        const attr = readName(i);
        i += attr.length;
        while (/\s/.test(src[i] ?? '')) i++;
        if (src[i] !== '=') throw new PolicyParseError(`attribute ${attr} of <${name}> has no value`, attrLine);
        i++;
        while (/\s/.test(src[i] ?? '')) i++;
        const quote = src[i];
        if (quote !== '"' && quote !== "'") throw new PolicyParseError(`attribute ${attr} of <${name}> is not quoted`, attrLine);
        i++;
        let value: string;
        let expression = false;
        let expressionIndex: number | undefined;
        if (isExpressionStart(i)) {
          expressionIndex = expressions.length;
          const end = scanExpression(src, i + 1, lineOf);
          value = src.slice(i, end);
          expressions.push({ code: value, line: lineOf(i) });
          expression = true;
          i = end;
          if (src[i] !== quote) throw new PolicyParseError(`attribute ${attr} of <${name}>: text after the expression`, attrLine);
        } else {
          const end = src.indexOf(quote, i);
          if (end === -1) throw new PolicyParseError(`attribute ${attr} of <${name}> is not closed`, attrLine);
          value = src.slice(i, end);
          i = end;
        }
        i++;
        if (element.attributes.some((a) => a.name === attr)) throw new PolicyParseError(`attribute ${attr} repeated on <${name}>`, attrLine);
        element.attributes.push({ name: attr, value, expression, ...(expressionIndex === undefined ? {} : { expressionIndex }), line: attrLine });
      }
      if (stack.length) stack[stack.length - 1]!.children.push(element);
      else roots.push(element);
      if (!selfClosing) stack.push(element);
    } else {
      // Text: runs to the next tag, but an expression is skipped whole.
      const start = i;
      while (i < src.length && src[i] !== '<') {
        if (isExpressionStart(i)) {
          const end = scanExpression(src, i + 1, lineOf);
          stack[stack.length - 1]?.textExpressions.push(expressions.length);
          expressions.push({ code: src.slice(i, end), line: lineOf(i) });
          i = end;
        } else i++;
      }
      const text = src.slice(start, i);
      if (stack.length) stack[stack.length - 1]!.text += text;
      else if (text.trim() !== '') throw new PolicyParseError('text outside the root element', lineOf(start));
    }
  }
  if (stack.length) throw new PolicyParseError(`<${stack[stack.length - 1]!.name}> is not closed`, stack[stack.length - 1]!.line);
  return { roots, expressions };
}

export const SECTIONS = ['inbound', 'backend', 'outbound', 'on-error'] as const;

/** Policies that may appear in a section (or in when/otherwise). */
export const APIM_POLICIES = new Set([
  'base', 'authentication-basic', 'authentication-certificate', 'authentication-managed-identity', 'cache-lookup',
  'cache-lookup-value', 'cache-remove-value', 'cache-store', 'cache-store-value', 'check-header', 'choose', 'cors',
  'emit-metric', 'find-and-replace', 'forward-request', 'get-authorization-context', 'include-fragment', 'ip-filter',
  'json-to-xml', 'jsonp', 'limit-concurrency', 'log-to-eventhub', 'mock-response', 'proxy', 'publish-to-dapr',
  'quota', 'quota-by-key', 'rate-limit', 'rate-limit-by-key', 'redirect-content-urls', 'retry', 'return-response',
  'rewrite-uri', 'send-one-way-request', 'send-request', 'set-backend-service', 'set-body', 'set-header',
  'set-method', 'set-query-parameter', 'set-status', 'set-variable', 'trace', 'validate-content',
  'validate-headers', 'validate-jwt', 'validate-azure-ad-token', 'validate-parameters', 'validate-status-code',
  'validate-client-certificate', 'wait', 'xml-to-json', 'xsl-transform',
]);

/** Elements whose children are fixed; `*` means any policy. */
const CHILDREN: Record<string, ReadonlySet<string> | '*'> = {
  choose: new Set(['when', 'otherwise']),
  when: '*',
  otherwise: '*',
  retry: '*',
  wait: '*',
  'send-request': new Set(['set-url', 'set-method', 'set-header', 'set-body', 'authentication-certificate', 'authentication-managed-identity', 'proxy']),
  'send-one-way-request': new Set(['set-url', 'set-method', 'set-header', 'set-body', 'authentication-certificate', 'authentication-managed-identity', 'proxy']),
  'return-response': new Set(['set-status', 'set-header', 'set-body']),
  'set-header': new Set(['value']),
  'set-query-parameter': new Set(['value']),
  'set-variable': new Set(),
  'cache-lookup-value': new Set(),
  'cache-store-value': new Set(),
  base: new Set(),
};

interface AttributeRule {
  required?: boolean;
  /** Policy expressions are not accepted. */
  literal?: boolean;
  values?: readonly string[];
}

/** Attribute rules of the policies the capture uses; attributes not listed are unknown. */
const ATTRIBUTES: Record<string, Record<string, AttributeRule>> = {
  base: {},
  choose: {},
  otherwise: {},
  when: { condition: { required: true } },
  'set-variable': { name: { required: true, literal: true }, value: { required: true } },
  'cache-lookup-value': {
    key: { required: true },
    'variable-name': { required: true, literal: true },
    'default-value': {},
    'caching-type': { literal: true, values: ['internal', 'external', 'prefer-external'] },
  },
  'cache-store-value': {
    key: { required: true },
    value: { required: true },
    duration: { required: true },
    'caching-type': { literal: true, values: ['internal', 'external', 'prefer-external'] },
  },
  // Microsoft's reference accepts expressions in response-variable-name; this lint does not (a
  // house rule: a computed variable name cannot be checked against the later reads).
  'send-request': {
    mode: { values: ['new', 'copy'] },
    'response-variable-name': { required: true, literal: true },
    timeout: {},
    'ignore-error': { literal: true, values: ['true', 'false'] },
  },
  'send-one-way-request': { mode: { values: ['new', 'copy'] }, timeout: {} },
  'set-header': { name: { required: true }, 'exists-action': { values: ['override', 'skip', 'append', 'delete'] } },
  'set-url': {},
  'set-method': {},
  'set-body': { template: { literal: true, values: ['liquid', 'none'] }, 'xsi-nil': { values: ['blank', 'null'] }, 'parse-date': {} },
  value: {},
  trace: { source: { required: true, literal: true }, severity: { literal: true, values: ['verbose', 'information', 'error'] } },
  'return-response': { 'response-variable-name': { literal: true } },
  'set-status': { code: {}, reason: {} },
};

function checkElement(el: PolicyElement, allowed: ReadonlySet<string> | '*', findings: LintFinding[]): void {
  const known = allowed === '*' ? APIM_POLICIES.has(el.name) : allowed.has(el.name);
  if (!known) {
    findings.push({ rule: 'unknown-element', message: `<${el.name}> is not an API Management policy allowed here`, line: el.line });
    return;
  }
  const rules = ATTRIBUTES[el.name];
  if (rules) {
    for (const attr of el.attributes) {
      const rule = rules[attr.name];
      if (!rule) {
        findings.push({ rule: 'attribute', message: `<${el.name}> has no attribute ${attr.name}`, line: attr.line });
        continue;
      }
      if (attr.expression && rule.literal) {
        findings.push({ rule: 'expression-not-allowed', message: `${attr.name} of <${el.name}> does not accept a policy expression`, line: attr.line });
      } else if (!attr.expression && rule.values && !rule.values.includes(attr.value)) {
        findings.push({ rule: 'attribute', message: `${attr.name} of <${el.name}> must be one of ${rule.values.join(', ')}, got "${attr.value}"`, line: attr.line });
      }
    }
    for (const [name, rule] of Object.entries(rules)) {
      if (rule.required && !el.attributes.some((a) => a.name === name)) {
        findings.push({ rule: 'attribute', message: `<${el.name}> needs the attribute ${name}`, line: el.line });
      }
    }
  }
  const childNames = el.children.map((c) => c.name);
  if (el.name === 'choose' && (!childNames.includes('when') || childNames.indexOf('otherwise') !== -1 && childNames.indexOf('otherwise') !== childNames.length - 1)) {
    findings.push({ rule: 'children', message: '<choose> needs at least one <when>, and <otherwise> only last', line: el.line });
  }
  if ((el.name === 'send-request' || el.name === 'send-one-way-request') && el.attributes.find((a) => a.name === 'mode')?.value !== 'copy') {
    for (const needed of ['set-url', 'set-method']) {
      if (!childNames.includes(needed)) findings.push({ rule: 'children', message: `<${el.name} mode="new"> needs <${needed}>`, line: el.line });
    }
  }
  if (el.name === 'set-method' && /@[({]/.test(el.text)) {
    findings.push({ rule: 'expression-not-allowed', message: '<set-method> does not accept a policy expression', line: el.line });
  }
  const children = CHILDREN[el.name];
  if (children === undefined) return; // a policy whose content this lint does not model
  for (const child of el.children) checkElement(child, children, findings);
}

/** The most send-one-way-request one pass through these elements can run. */
function oneWayCount(elements: PolicyElement[]): number {
  let total = 0;
  for (const el of elements) {
    if (el.name === 'send-one-way-request') total += 1;
    else if (el.name === 'choose') total += Math.max(0, ...el.children.map((branch) => oneWayCount(branch.children)));
    else total += oneWayCount(el.children);
  }
  return total;
}

/** Checks a raw policy; an empty list means it passed. */
export function lintApimPolicy(src: string): LintFinding[] {
  const findings: LintFinding[] = [];
  const size = Buffer.byteLength(src, 'utf8');
  if (size > APIM_MAX_POLICY_BYTES) {
    findings.push({ rule: 'size', message: `the policy is ${size} bytes; the Consumption tier accepts at most ${APIM_MAX_POLICY_BYTES}`, line: 1 });
  }

  let parsed: ParsedPolicy;
  try {
    parsed = parsePolicy(src);
  } catch (e) {
    if (!(e instanceof PolicyParseError)) throw e;
    findings.push({ rule: 'parse', message: e.message, line: e.line });
    return findings;
  }

  // Named values: only the five, and all five.
  const used = new Set<string>();
  const lines = src.split('\n');
  lines.forEach((text, index) => {
    for (const m of text.matchAll(/\{\{([^{}\s]+)\}\}/g)) {
      const name = m[1]!;
      used.add(name);
      if (!(APIM_NAMED_VALUES as readonly string[]).includes(name)) {
        findings.push({ rule: 'named-value', message: `{{${name}}} is not one of the named values ${APIM_NAMED_VALUES.join(', ')}`, line: index + 1 });
      }
    }
  });
  for (const name of APIM_NAMED_VALUES) {
    if (!used.has(name)) findings.push({ rule: 'named-value', message: `the named value {{${name}}} is never used`, line: 1 });
  }

  // Body reads must leave the body for the backend and the client.
  for (const { code, line } of parsed.expressions) {
    const offsets = code.split('\n');
    const re = /Body\s*\.\s*As\s*<[^>]*>\s*\(([^)]*)\)/g;
    for (const m of code.matchAll(re)) {
      if (!/preserveContent\s*:\s*true/.test(m[1]!)) {
        const at = code.slice(0, m.index).split('\n').length - 1;
        findings.push({ rule: 'preserve-content', message: `${m[0]} reads the body without preserveContent: true`, line: line + Math.min(at, offsets.length - 1) });
      }
    }
  }

  // Root and sections.
  const root = parsed.roots[0];
  if (parsed.roots.length !== 1 || root?.name !== 'policies') {
    findings.push({ rule: 'root', message: 'the document must have one root element, <policies>', line: root?.line ?? 1 });
    return findings;
  }
  if (root.attributes.length) findings.push({ rule: 'attribute', message: '<policies> takes no attributes', line: root.line });
  const names = root.children.map((c) => c.name);
  if (names.join(',') !== SECTIONS.join(',')) {
    findings.push({ rule: 'sections', message: `<policies> must hold ${SECTIONS.join(', ')} in this order, once each; found ${names.join(', ') || 'nothing'}`, line: root.line });
  }
  for (const section of root.children) {
    if (!(SECTIONS as readonly string[]).includes(section.name)) continue;
    if (!section.children.some((c) => c.name === 'base')) {
      findings.push({ rule: 'base', message: `<${section.name}> has no <base />: policies of the enclosing scopes would not run`, line: section.line });
    }
    for (const child of section.children) checkElement(child, '*', findings);
    if (section.name === 'outbound' || section.name === 'on-error') {
      const n = oneWayCount(section.children);
      if (n !== 1) {
        findings.push({
          rule: 'one-way-request',
          message: n === 0 ? `<${section.name}> never sends the transaction (no send-one-way-request)` : `<${section.name}> can run ${n} send-one-way-request on one path; the transaction must be sent once`,
          line: section.line,
        });
      }
    }
  }
  return findings;
}
