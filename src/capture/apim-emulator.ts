// The execute layer of the APIM policy verification harness: a gateway that runs a policy the
// way Azure API Management does, over real HTTP. Clients call it; it runs inbound, backend
// (forward-request to a real backend), outbound, and on-error when something fails, and answers
// with whatever response the policy left. The C# expressions run compiled (Mono), in a host
// process that keeps each call's context (apim-model/Runtime.cs); this file walks the policy and
// does the I/O: the cache with its TTL, send-request, send-one-way-request, forward-request.
//
// What it follows (Microsoft's policy reference): named values are substituted into the policy
// text before it compiles; sections run inbound, backend, outbound, with on-error after any
// error (remaining policies skipped, context.LastError set, the caller gets a 500 unless on-error
// answers otherwise); an exception in an expression is such an error; `<base />` in the backend
// section of the top scope forwards the request; set-variable stores only basic types;
// cache-lookup-value leaves the variable unset on a miss (unless default-value); send-request
// with ignore-error stores null on failure; send-one-way-request does not wait for the answer;
// return-response ends the pipeline (outbound does not run); a body read without
// preserveContent is gone for whoever reads it next, the backend and the client included.
// Policies it does not implement make it fail loudly rather than skip them.
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expressionsSource, MCS, MONO, NEWTONSOFT } from './apim-compile.ts';
import { parsePolicy, type PolicyElement } from './apim-lint.ts';

const MODEL = fileURLToPath(new URL('./apim-model/Context.cs', import.meta.url));
const RUNTIME = fileURLToPath(new URL('./apim-model/Runtime.cs', import.meta.url));

export interface ApimOperation {
  method: string;
  /** APIM's URL template, e.g. `/items/{id}`. */
  urlTemplate: string;
  name?: string;
}

export interface ApimEmulatorOptions {
  /** The policy in APIM's raw format, with `{{named value}}` references. */
  policy: string;
  namedValues: Record<string, string>;
  /** The API's backend (its service URL); the caller's path and query are appended. */
  backend: string;
  api?: { id?: string; name: string; path?: string };
  /** The API's operations: the one whose template matches gives context.Operation. */
  operations?: ApimOperation[];
  deployment?: { serviceName: string; region: string };
  /** The cache's clock in ms (tests move it forward to expire entries). Default Date.now. */
  now?: () => number;
}

type Pair = [string, string];

interface HttpAnswer {
  status: number;
  reason: string;
  headers: Pair[];
  body: Buffer;
}

/** An error in the pipeline, as APIM reports it in context.LastError. */
export class PolicyFault extends Error {
  readonly source: string;
  readonly reason: string;
  section = '';
  constructor(source: string, reason: string, message: string) {
    super(message);
    this.source = source;
    this.reason = reason;
  }
}

/** Ends the pipeline: return-response answered the call. */
class ReturnedResponse extends Error {}

export interface OutboundCall {
  policy: 'send-request' | 'send-one-way-request';
  url: string;
  method: string;
  status?: number;
  error?: string;
}

export interface CallRecord {
  requestId: string;
  method: string;
  path: string;
  status: number;
  /** Errors the pipeline met (each sent it to on-error), and errors in on-error itself. */
  faults: PolicyFault[];
}

interface CacheEntry {
  type: string | null;
  value: unknown;
  expires: number;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer', 'content-length']);
const ERROR_BODY = (requestId: string) => Buffer.from(JSON.stringify({ statusCode: 500, message: 'Internal server error', activityId: requestId }));
const decodeEntities = (s: string) =>
  s.replace(/&(lt|gt|quot|apos|amp);/g, (_, e: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[e]!);

/** Substitutes `{{name}}` as APIM does before compiling; an unknown name is an error. */
export function substituteNamedValues(policy: string, values: Record<string, string>): string {
  return policy.replace(/\{\{([A-Za-z0-9._-]+)\}\}/g, (_, name: string) => {
    if (!(name in values)) throw new Error(`the policy uses the named value {{${name}}}, which is not defined`);
    return values[name]!;
  });
}

/** One HTTP exchange over a real socket, headers kept as sent. */
function exchange(url: string, method: string, headers: Pair[], body: Buffer, timeoutMs: number): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    // Raw header pairs make node:http add nothing, Host included: the target's host goes first.
    const outgoing: Pair[] = [['Host', new URL(url).host], ...headers.filter(([n]) => !HOP_BY_HOP.has(n.toLowerCase()) && n.toLowerCase() !== 'host')];
    if (body.length > 0 || !['GET', 'HEAD', 'DELETE', 'OPTIONS'].includes(method)) outgoing.push(['Content-Length', String(body.length)]);
    const req = httpRequest(url, { method, headers: outgoing.flat(), timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const pairs: Pair[] = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) pairs.push([res.rawHeaders[i]!, res.rawHeaders[i + 1]!]);
        resolve({ status: res.statusCode ?? 0, reason: res.statusMessage ?? '', headers: pairs, body: Buffer.concat(chunks) });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

const run = promisify(execFile);

/** The policy's expressions compiled into the runtime host (an exe for Mono) in `dir`. */
async function buildHost(policy: string, dir: string): Promise<string> {
  const source = join(dir, 'expressions.cs');
  const exe = join(dir, 'policy-host.exe');
  writeFileSync(source, expressionsSource(policy).source);
  const args = ['-langversion:7', '-target:exe', '-nologo', `-r:${NEWTONSOFT}`, '-r:System.Core.dll', '-r:System.Xml.Linq.dll', `-out:${exe}`, MODEL, RUNTIME, source];
  await run(MCS, args).catch((err: { stdout?: string; stderr?: string }) => {
    throw new Error(`the policy's expressions do not compile:\n${`${err.stdout ?? ''}${err.stderr ?? ''}`.trim()}`);
  });
  return exe;
}

/** The Mono process that holds the calls' contexts and runs the compiled expressions. */
class ExpressionHost {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting: Array<{ resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void }> = [];
  private stderr = '';

  constructor(exe: string) {
    this.child = spawn(MONO, [exe], { env: { ...process.env, MONO_PATH: dirname(NEWTONSOFT) } });
    this.child.stderr.on('data', (c: Buffer) => (this.stderr = (this.stderr + c.toString()).slice(-4000)));
    createInterface({ input: this.child.stdout }).on('line', (line) => this.waiting.shift()?.resolve(JSON.parse(line) as Record<string, unknown>));
    this.child.on('exit', (code) => {
      for (const w of this.waiting.splice(0)) w.reject(new Error(`the expression host exited (${code}): ${this.stderr}`));
    });
  }

  /** Sends one command; answers come back in order. A host-side fault is a bug here: thrown. */
  async send(message: Record<string, unknown>): Promise<Record<string, unknown>> {
    const answer = await new Promise<Record<string, unknown>>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.child.stdin.write(`${JSON.stringify(message)}\n`);
    });
    if (typeof answer.fault === 'string') throw new Error(`expression host: ${answer.fault} (command ${String(message.op)})`);
    return answer;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null) return resolve();
      this.child.once('exit', () => resolve());
      this.child.stdin.end();
    });
  }
}

interface Value {
  type: string | null;
  value: unknown;
}

/** One API call going through the pipeline. */
class Call {
  readonly id: string;
  readonly requestId = randomUUID();
  readonly host: ExpressionHost;
  section = 'inbound';

  constructor(id: string, host: ExpressionHost) {
    this.id = id;
    this.host = host;
  }

  send(op: string, fields: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    return this.host.send({ op, call: this.id, ...fields });
  }

  /** Runs expression `index`; an exception in it is a pipeline error of `policy`. */
  async evaluate(index: number, policy: string, assign?: string): Promise<Value> {
    const answer = await this.send('eval', { expression: index, ...(assign ? { assign } : {}) });
    const error = answer.error as { type: string; message: string } | undefined;
    if (error) {
      const reason = error.type === 'PolicyConfiguration' ? 'PolicyConfiguration' : 'ExpressionValueEvaluationFailure';
      throw new PolicyFault(policy, reason, `Expression evaluation failed. ${error.type}: ${error.message}`);
    }
    return { type: answer.type as string | null, value: answer.value };
  }
}

export class ApimEmulator {
  readonly calls: CallRecord[] = [];
  readonly outbound: OutboundCall[] = [];
  url = '';
  private readonly options: ApimEmulatorOptions;
  private readonly sections: Map<string, PolicyElement[]>;
  private readonly cache = new Map<string, CacheEntry>();
  private readonly pending = new Set<Promise<void>>();
  private readonly now: () => number;
  private host!: ExpressionHost;
  private server!: Server;
  private dir = '';
  private nextCall = 0;

  private constructor(options: ApimEmulatorOptions, sections: Map<string, PolicyElement[]>) {
    this.options = options;
    this.sections = sections;
    this.now = options.now ?? Date.now;
  }

  /** Substitutes the named values, compiles the expressions, starts the host and listens on 127.0.0.1. */
  static async start(options: ApimEmulatorOptions): Promise<ApimEmulator> {
    const policy = substituteNamedValues(options.policy, options.namedValues);
    const root = parsePolicy(policy).roots.find((r) => r.name === 'policies');
    if (!root) throw new Error('the policy has no <policies> root');
    const sections = new Map(root.children.map((s) => [s.name, s.children]));
    const emulator = new ApimEmulator(options, sections);
    emulator.dir = mkdtempSync(join(tmpdir(), 'tapline-apim-emulator-'));
    try {
      emulator.host = new ExpressionHost(await buildHost(policy, emulator.dir));
    } catch (err) {
      rmSync(emulator.dir, { recursive: true, force: true });
      throw err;
    }
    emulator.server = createServer((req, res) => void emulator.handle(req, res));
    await new Promise<void>((resolve) => emulator.server.listen(0, '127.0.0.1', resolve));
    emulator.url = `http://127.0.0.1:${(emulator.server.address() as AddressInfo).port}`;
    return emulator;
  }

  /** Resolves when every send-one-way-request started so far has finished (or failed). */
  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    await this.settle();
    await this.host.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private operation(method: string, path: string): { id: string; name: string; urlTemplate: string } {
    for (const op of this.options.operations ?? []) {
      const pattern = new RegExp(`^${op.urlTemplate.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}|\{[^}]+\}/g, '[^/]+')}$`);
      if (op.method.toUpperCase() === method && pattern.test(path)) return { id: op.name ?? op.urlTemplate, name: op.name ?? `${method} ${op.urlTemplate}`, urlTemplate: op.urlTemplate };
    }
    return { id: '', name: '', urlTemplate: '' };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const call = new Call(String(this.nextCall++), this.host);
    const headers: Pair[] = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i]!, req.rawHeaders[i + 1]!]);
    const path = (req.url ?? '/').split('?')[0]!;
    const record: CallRecord = { requestId: call.requestId, method: req.method ?? 'GET', path, status: 0, faults: [] };
    this.calls.push(record);
    try {
      await call.send('begin', {
        requestId: call.requestId,
        timestamp: Date.now(),
        request: { method: record.method, url: `http://${req.headers.host ?? '127.0.0.1'}${req.url ?? '/'}`, ip: req.socket.remoteAddress ?? '', headers, body: Buffer.concat(chunks).toString('base64') },
        api: { id: this.options.api?.id ?? 'api', name: this.options.api?.name ?? 'api', path: this.options.api?.path ?? '' },
        operation: this.operation(record.method, path),
        deployment: this.options.deployment ?? { serviceName: 'tapline-emulator', region: 'local' },
      });
      await this.pipeline(call, record);
      const answer = (await call.send('response')).response as { status: number; reason: string; headers: Pair[]; body: string } | null;
      const body = Buffer.from(answer?.body ?? '', 'base64');
      record.status = answer?.status ?? 500;
      const out = (answer?.headers ?? []).filter(([n]) => !HOP_BY_HOP.has(n.toLowerCase()));
      out.push(['Content-Length', String(body.length)]);
      res.writeHead(record.status, answer?.reason || undefined, out.flat());
      res.end(body);
    } catch (err) {
      // A bug in the emulator itself, not in the policy: make it visible.
      record.status = 599;
      record.faults.push(new PolicyFault('emulator', 'EmulatorFailure', (err as Error).message));
      res.writeHead(599, { 'content-type': 'text/plain' });
      res.end(`APIM emulator failure: ${(err as Error).message}`);
    } finally {
      await call.send('end').catch(() => undefined);
    }
  }

  private async pipeline(call: Call, record: CallRecord): Promise<void> {
    try {
      for (const section of ['inbound', 'backend', 'outbound']) {
        call.section = section;
        await this.runAll(call, this.sections.get(section) ?? []);
      }
    } catch (err) {
      if (err instanceof ReturnedResponse) return;
      if (!(err instanceof PolicyFault)) throw err;
      err.section = call.section;
      record.faults.push(err);
      await call.send('setLastError', { error: { source: err.source, reason: err.reason, message: err.message, section: err.section } });
      await call.send('setResponse', { response: { status: 500, reason: 'Internal Server Error', headers: [['Content-Type', 'application/json']], body: ERROR_BODY(call.requestId).toString('base64') } });
      call.section = 'on-error';
      try {
        await this.runAll(call, this.sections.get('on-error') ?? []);
      } catch (inner) {
        if (inner instanceof ReturnedResponse) return;
        if (!(inner instanceof PolicyFault)) throw inner;
        inner.section = 'on-error';
        record.faults.push(inner);
      }
    }
  }

  private async runAll(call: Call, policies: PolicyElement[]): Promise<void> {
    for (const policy of policies) await this.runPolicy(call, policy);
  }

  /** An attribute's value: the expression's result, or the literal text. */
  private async attribute(call: Call, el: PolicyElement, name: string): Promise<Value | undefined> {
    const attr = el.attributes.find((a) => a.name === name);
    if (!attr) return undefined;
    if (attr.expressionIndex !== undefined) return call.evaluate(attr.expressionIndex, el.name);
    return { type: 'System.String', value: decodeEntities(attr.value) };
  }

  private literal(el: PolicyElement, name: string): string | undefined {
    const attr = el.attributes.find((a) => a.name === name);
    return attr === undefined ? undefined : decodeEntities(attr.value);
  }

  /** An element's text: the expression's result, or the literal text (trimmed). */
  private async text(call: Call, el: PolicyElement, policy: string): Promise<string> {
    const text = el.text.trim();
    if (el.textExpressions.length === 0) return decodeEntities(text);
    if (el.textExpressions.length > 1 || !/^@[({][\s\S]*[)}]$/.test(text)) {
      throw new PolicyFault(policy, 'PolicyConfiguration', `<${el.name}> (line ${el.line}) mixes an expression with other text`);
    }
    const { value } = await call.evaluate(el.textExpressions[0]!, policy);
    return value === null || value === undefined ? '' : String(value);
  }

  private async runPolicy(call: Call, el: PolicyElement): Promise<void> {
    switch (el.name) {
      case 'base':
        // At the top scope there is nothing to inherit, except the backend's default: forward.
        if (call.section === 'backend') await this.forward(call, el);
        return;
      case 'forward-request':
        return this.forward(call, el);
      case 'set-variable': {
        const name = this.literal(el, 'name')!;
        const attr = el.attributes.find((a) => a.name === 'value');
        if (attr?.expressionIndex !== undefined) await call.evaluate(attr.expressionIndex, 'set-variable', name);
        else await call.send('setVariable', { name, type: 'System.String', value: decodeEntities(attr?.value ?? '') });
        return;
      }
      case 'choose':
        for (const branch of el.children) {
          if (branch.name === 'otherwise') return this.runAll(call, branch.children);
          const condition = await this.attribute(call, branch, 'condition');
          if (condition?.type !== 'System.Boolean') {
            throw new PolicyFault('choose', 'ExpressionValueEvaluationFailure', `the condition of <when> (line ${branch.line}) is not a Boolean`);
          }
          if (condition.value === true) return this.runAll(call, branch.children);
        }
        return;
      case 'cache-lookup-value': {
        const key = String((await this.attribute(call, el, 'key'))?.value);
        const variable = this.literal(el, 'variable-name')!;
        const entry = this.cache.get(key);
        if (entry && entry.expires > this.now()) await call.send('setVariable', { name: variable, type: entry.type, value: entry.value });
        else {
          if (entry) this.cache.delete(key);
          const fallback = await this.attribute(call, el, 'default-value');
          if (fallback) await call.send('setVariable', { name: variable, type: fallback.type, value: fallback.value });
        }
        return;
      }
      case 'cache-store-value': {
        const key = String((await this.attribute(call, el, 'key'))?.value);
        const value = (await this.attribute(call, el, 'value'))!;
        const duration = Number((await this.attribute(call, el, 'duration'))?.value);
        if (!Number.isFinite(duration) || duration < 0) throw new PolicyFault('cache-store-value', 'PolicyConfiguration', `duration must be a number of seconds, got ${duration}`);
        this.cache.set(key, { type: value.type, value: value.value, expires: this.now() + duration * 1000 });
        return;
      }
      case 'cache-remove-value':
        this.cache.delete(String((await this.attribute(call, el, 'key'))?.value));
        return;
      case 'send-request':
      case 'send-one-way-request':
        return this.sendRequest(call, el);
      case 'set-header':
        return this.setHeader(call, el, call.section === 'inbound' ? 'setRequestHeader' : 'setResponseHeader');
      case 'set-body': {
        const body = Buffer.from(await this.text(call, el, 'set-body')).toString('base64');
        await call.send(call.section === 'inbound' ? 'setRequestBody' : 'setResponseBody', { body });
        return;
      }
      case 'set-status':
        await call.send('setStatus', { status: Number((await this.attribute(call, el, 'code'))?.value), reason: (await this.attribute(call, el, 'reason'))?.value ?? '' });
        return;
      case 'return-response':
        await call.send('setResponse', { response: { status: 200, reason: 'OK', headers: [], body: '' } });
        for (const child of el.children) {
          call.section = 'outbound';
          await this.runPolicy(call, child);
        }
        throw new ReturnedResponse();
      case 'trace':
        return;
      default:
        throw new Error(`the APIM emulator does not implement <${el.name}> (line ${el.line})`);
    }
  }

  private async headerValues(call: Call, el: PolicyElement, policy: string): Promise<string[]> {
    const values: string[] = [];
    for (const v of el.children.filter((c) => c.name === 'value')) values.push(await this.text(call, v, policy));
    return values;
  }

  private async setHeader(call: Call, el: PolicyElement, op: 'setRequestHeader' | 'setResponseHeader'): Promise<void> {
    const name = String((await this.attribute(call, el, 'name'))?.value);
    const action = this.literal(el, 'exists-action') ?? 'override';
    const values = action === 'delete' ? [] : await this.headerValues(call, el, 'set-header');
    const current = ((await call.send(op === 'setRequestHeader' ? 'request' : 'response')) as { headers?: Pair[]; response?: { headers: Pair[] } });
    const existing = (current.headers ?? current.response?.headers ?? []).filter(([n]) => n.toLowerCase() === name.toLowerCase()).map(([, v]) => v);
    if (action === 'skip' && existing.length > 0) return;
    await call.send(op, { name, values: action === 'append' ? [...existing, ...values] : values });
  }

  /** send-request / send-one-way-request with mode="new". */
  private async sendRequest(call: Call, el: PolicyElement): Promise<void> {
    const oneWay = el.name === 'send-one-way-request';
    const mode = (await this.attribute(call, el, 'mode'))?.value ?? 'new';
    if (mode !== 'new') throw new Error(`the APIM emulator implements ${el.name} mode="new" only (line ${el.line})`);
    const timeout = Number((await this.attribute(call, el, 'timeout'))?.value ?? 60);
    const setUrl = el.children.find((c) => c.name === 'set-url');
    if (!setUrl) throw new PolicyFault(el.name, 'PolicyConfiguration', `<${el.name}> (line ${el.line}) has no <set-url>`);
    const url = await this.text(call, setUrl, el.name);
    const setMethod = el.children.find((c) => c.name === 'set-method');
    const method = setMethod ? setMethod.text.trim() : 'GET';
    const headers: Pair[] = [];
    for (const h of el.children.filter((c) => c.name === 'set-header')) {
      const name = String((await this.attribute(call, h, 'name'))?.value);
      for (const v of await this.headerValues(call, h, el.name)) headers.push([name, v]);
    }
    const setBody = el.children.find((c) => c.name === 'set-body');
    const body = Buffer.from(setBody ? await this.text(call, setBody, el.name) : '');
    const record: OutboundCall = { policy: el.name as OutboundCall['policy'], url, method };
    this.outbound.push(record);
    const sent = exchange(url, method, headers, body, timeout * 1000).then(
      (answer) => {
        record.status = answer.status;
        return answer;
      },
      (err: Error) => {
        record.error = err.message;
        return null;
      },
    );
    if (oneWay) {
      const done = sent.then(() => undefined);
      this.pending.add(done);
      void done.finally(() => this.pending.delete(done));
      return;
    }
    const answer = await sent;
    const variable = String((await this.attribute(call, el, 'response-variable-name'))?.value);
    if (answer === null && this.literal(el, 'ignore-error') !== 'true') {
      throw new PolicyFault('send-request', 'RequestFailure', `send-request to ${url} failed: ${record.error}`);
    }
    await call.send('setResponseVariable', {
      name: variable,
      response: answer && { status: answer.status, reason: answer.reason, headers: answer.headers, body: answer.body.toString('base64') },
    });
  }

  /** forward-request: the current request (as the policy left it) to the backend. */
  private async forward(call: Call, el: PolicyElement): Promise<void> {
    const current = (await call.send('request')) as { method: string; url: string; headers: Pair[]; body: string };
    const incoming = new URL(current.url);
    const prefix = this.options.api?.path ? `/${this.options.api.path.replace(/^\/|\/$/g, '')}` : '';
    const path = prefix && incoming.pathname.startsWith(prefix) ? incoming.pathname.slice(prefix.length) : incoming.pathname;
    const target = `${this.options.backend.replace(/\/$/, '')}${path}${incoming.search}`;
    const timeout = Number((await this.attribute(call, el, 'timeout'))?.value ?? 300);
    let answer: HttpAnswer;
    try {
      answer = await exchange(target, current.method, current.headers, Buffer.from(current.body, 'base64'), timeout * 1000);
    } catch (err) {
      throw new PolicyFault('forward-request', 'BackendConnectionFailure', `Error occured while calling backend service: ${(err as Error).message}`);
    }
    await call.send('setResponse', { response: { status: answer.status, reason: answer.reason, headers: answer.headers, body: answer.body.toString('base64') } });
  }
}
