// Argument parsing for the `tapline` command, hand-written so the CLI starts without loading any
// dependency. Everything here is pure (no I/O, no process access) so it is unit tested directly.

/** A mistake in how the command was called: exit status 1, message and usage on stderr. */
export class UsageError extends Error {
  /** The command whose usage applies (`clients create`), or null for the top level. */
  readonly command: string | null;
  constructor(message: string, command: string | null = null) {
    super(message);
    this.command = command;
  }
}

export type FlagKind = 'string' | 'integer' | 'boolean';

export interface FlagSpec {
  /** Without the leading dashes: `token-lifespan`. */
  name: string;
  kind: FlagKind;
  /** Placeholder shown in help for the value: `N`, `URL`. */
  value?: string;
  /** May be given more than once (`--host a --host b`); its values are collected in order. */
  repeat?: boolean;
  /** Bounds for integer flags, checked here so the message names the flag. */
  min?: number;
  max?: number;
  help: string;
}

export interface PositionalSpec {
  name: string;
  help: string;
}

export interface CommandSpec {
  /** Words after `tapline`: `clients create`. */
  path: string;
  summary: string;
  /** Longer text for `--help`, after the usage line. */
  description?: string;
  /** All required, in order. */
  positionals?: PositionalSpec[];
  flags?: FlagSpec[];
  /** Hand the arguments over untouched: the command parses its own (`serve`). */
  passthrough?: boolean;
}

type FlagValue = string | number | boolean | string[];

export class ParsedArgs {
  readonly positionals: string[];
  /** `--help` or `-h` was given: show the command's help and ignore everything else. */
  readonly help: boolean;
  private readonly values: Map<string, FlagValue>;

  constructor(positionals: string[], values: Map<string, FlagValue>, help = false) {
    this.positionals = positionals;
    this.values = values;
    this.help = help;
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  string(name: string): string | undefined {
    const v = this.values.get(name);
    return typeof v === 'string' ? v : undefined;
  }

  integer(name: string): number | undefined {
    const v = this.values.get(name);
    return typeof v === 'number' ? v : undefined;
  }

  boolean(name: string): boolean {
    return this.values.get(name) === true;
  }

  list(name: string): string[] {
    const v = this.values.get(name);
    return Array.isArray(v) ? v : [];
  }
}

const HELP_FLAGS = new Set(['--help', '-h']);

/** Parses a command's arguments (everything after the command words) against its spec. */
export function parseArgs(argv: string[], spec: CommandSpec): ParsedArgs {
  const end = argv.indexOf('--');
  const flagZone = end === -1 ? argv : argv.slice(0, end);
  // Help wins over everything else, so `clients create --help` works without a NAME.
  if (flagZone.some((a) => HELP_FLAGS.has(a))) return new ParsedArgs([], new Map(), true);

  const flags = new Map((spec.flags ?? []).map((f) => [f.name, f]));
  const values = new Map<string, FlagValue>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (i === end) {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const { name, inline } = splitFlag(arg);
    const flag = arg.startsWith('--') ? flags.get(name) : undefined;
    if (!flag) throw new UsageError(`unknown flag ${arg.split('=')[0]}`, spec.path);
    let raw: string | undefined = inline;
    if (flag.kind !== 'boolean' && raw === undefined) {
      raw = argv[i + 1];
      // A value may begin with one dash (secrets can), but not with two: that is the next flag.
      if (raw === undefined || raw.startsWith('--')) {
        const hint = raw === undefined ? '' : `; write --${name}=${flag.value ?? 'VALUE'} if the value starts with --`;
        throw new UsageError(`--${name} needs a value${flag.value ? ` (${flag.value})` : ''}${hint}`, spec.path);
      }
      i++;
    }
    store(values, flag, convert(flag, raw, spec.path), spec.path);
  }
  checkPositionals(positionals, spec);
  return new ParsedArgs(positionals, values);
}

function splitFlag(arg: string): { name: string; inline: string | undefined } {
  const body = arg.replace(/^--?/, '');
  // Only the long form exists (besides -h); `-x` reaches here just to be reported as unknown.
  const eq = body.indexOf('=');
  return eq === -1 ? { name: body, inline: undefined } : { name: body.slice(0, eq), inline: body.slice(eq + 1) };
}

function convert(flag: FlagSpec, raw: string | undefined, command: string): FlagValue {
  if (flag.kind === 'boolean') {
    if (raw !== undefined) throw new UsageError(`--${flag.name} takes no value`, command);
    return true;
  }
  if (flag.kind === 'string') return raw!;
  return parseInteger(raw!, `--${flag.name}`, flag.min, flag.max, command);
}

function store(values: Map<string, FlagValue>, flag: FlagSpec, value: FlagValue, command: string): void {
  if (flag.repeat) {
    const list = (values.get(flag.name) as string[] | undefined) ?? [];
    values.set(flag.name, [...list, String(value)]);
    return;
  }
  // Refuse rather than silently keep one of two values: a script with both is probably wrong.
  if (values.has(flag.name)) throw new UsageError(`--${flag.name} is given more than once`, command);
  values.set(flag.name, value);
}

function checkPositionals(positionals: string[], spec: CommandSpec): void {
  const expected = spec.positionals ?? [];
  if (positionals.length < expected.length) {
    throw new UsageError(`missing ${expected[positionals.length]!.name}`, spec.path);
  }
  if (positionals.length > expected.length) {
    throw new UsageError(`unexpected argument "${positionals[expected.length]}"`, spec.path);
  }
}

/** A whole number within bounds; `what` names the flag in the message. */
export function parseInteger(raw: string, what: string, min?: number, max?: number, command: string | null = null): number {
  if (!/^\d+$/.test(raw.trim())) throw new UsageError(`${what} must be a whole number, got "${raw}"`, command);
  const n = Number(raw.trim());
  if (min !== undefined && n < min) throw new UsageError(`${what} must be at least ${min}, got ${n}`, command);
  if (max !== undefined && n > max) throw new UsageError(`${what} must be at most ${max}, got ${n}`, command);
  return n;
}

/** `on`/`off` (and the usual synonyms) for toggles such as `--traffic-ingestion`. */
export function parseOnOff(raw: string, what: string, command: string | null = null): boolean {
  const v = raw.trim().toLowerCase();
  if (['on', 'true', 'yes', '1'].includes(v)) return true;
  if (['off', 'false', 'no', '0'].includes(v)) return false;
  throw new UsageError(`${what} must be on or off, got "${raw}"`, command);
}

/** A server base URL without its trailing slash, so paths can be appended. */
export function parseBaseUrl(raw: string, what: string, command: string | null = null): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`${what} must be a URL such as http://127.0.0.1:8080, got "${raw}"`, command);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`${what} must be an http:// or https:// URL, got "${raw}"`, command);
  }
  if (url.search || url.hash) throw new UsageError(`${what} must not have a query or fragment, got "${raw}"`, command);
  return url.href.replace(/\/+$/, '');
}

export type Resolution<T extends CommandSpec> =
  | { kind: 'command'; command: T; rest: string[] }
  /** `tapline clients` or `tapline clients --help`: list that group's commands. */
  | { kind: 'group'; group: string; help: boolean }
  /** `tapline`, `tapline --help`, `tapline help`. */
  | { kind: 'overview'; help: boolean };

/** Finds the command named by the leading words of argv (`clients create`), longest match first. */
export function resolveCommand<T extends CommandSpec>(argv: string[], commands: readonly T[]): Resolution<T> {
  const [first, second] = argv;
  if (first === undefined) return { kind: 'overview', help: false };
  if (HELP_FLAGS.has(first) || first === 'help') return resolveHelp(argv.slice(1), commands);
  const byPath = new Map(commands.map((c) => [c.path, c]));
  const two = second === undefined ? undefined : byPath.get(`${first} ${second}`);
  if (two) return { kind: 'command', command: two, rest: argv.slice(2) };
  const one = byPath.get(first === '--version' ? 'version' : first);
  if (one) return { kind: 'command', command: one, rest: argv.slice(1) };
  if (commands.some((c) => c.path.startsWith(`${first} `))) {
    if (second === undefined) return { kind: 'group', group: first, help: false };
    if (HELP_FLAGS.has(second)) return { kind: 'group', group: first, help: true };
    throw new UsageError(`unknown command "${first} ${second}"`, first);
  }
  if (first.startsWith('-')) throw new UsageError(`unknown flag ${first}: flags go after the command`);
  throw new UsageError(`unknown command "${first}"`);
}

/** `tapline help clients create` is the same as `tapline clients create --help`. */
function resolveHelp<T extends CommandSpec>(words: string[], commands: readonly T[]): Resolution<T> {
  if (words.length === 0) return { kind: 'overview', help: true };
  const resolved = resolveCommand(words, commands);
  if (resolved.kind === 'command') return { ...resolved, rest: ['--help'] };
  return resolved.kind === 'group' ? { ...resolved, help: true } : resolved;
}

/** One line: `tapline clients create NAME [flags]`. */
export function usageLine(spec: CommandSpec): string {
  const positionals = (spec.positionals ?? []).map((p) => ` ${p.name}`).join('');
  const flags = spec.passthrough || (spec.flags ?? []).length > 0 ? ' [flags]' : '';
  return `tapline ${spec.path}${positionals}${flags}`;
}

/** The text of `tapline <command> --help`. */
export function formatCommandHelp(spec: CommandSpec): string {
  const about = spec.description ?? `${spec.summary.charAt(0).toUpperCase()}${spec.summary.slice(1)}.`;
  const lines = [`Usage: ${usageLine(spec)}`, '', about];
  if (spec.positionals?.length) {
    lines.push('', 'Arguments:', ...columns(spec.positionals.map((p) => [p.name, p.help])));
  }
  const flags = (spec.flags ?? []).map((f) => [flagLabel(f), f.help]);
  flags.push(['-h, --help', 'show this help']);
  lines.push('', 'Flags:', ...columns(flags));
  return `${lines.join('\n')}\n`;
}

/** The list of commands, for `tapline --help` (group = null) or `tapline clients --help`. */
export function formatCommandList(commands: readonly CommandSpec[], group: string | null): string {
  const shown = group === null ? commands : commands.filter((c) => c.path.startsWith(`${group} `));
  return columns(shown.map((c) => [c.path, c.summary])).join('\n');
}

function flagLabel(f: FlagSpec): string {
  const value = f.kind === 'boolean' ? '' : ` ${f.value ?? (f.kind === 'integer' ? 'N' : 'VALUE')}`;
  return `--${f.name}${value}${f.repeat ? ' ...' : ''}`;
}

function columns(rows: string[][]): string[] {
  const width = Math.max(...rows.map((r) => r[0]!.length));
  return rows.map(([left, right]) => `  ${left!.padEnd(width)}   ${right}`);
}
