// What the CLI's commands share: the Command shape, the flags every server command takes, and
// where the server is and which admin token to send.
import { readFileSync } from 'node:fs';
import { parseBaseUrl, UsageError, type CommandSpec, type FlagSpec, type ParsedArgs } from './args.ts';
import type { AdminTarget } from './http.ts';

export type Env = Record<string, string | undefined>;

export interface CommandContext {
  args: ParsedArgs;
  /** The arguments after the command words, untouched (for passthrough commands). */
  argv: string[];
  env: Env;
  /** The command's path (`clients create`), for usage errors. */
  command: string;
}

export interface Command extends CommandSpec {
  run(context: CommandContext): Promise<void>;
}

export const DEFAULT_URL = 'http://127.0.0.1:8080';

export const URL_FLAG: FlagSpec = {
  name: 'url',
  kind: 'string',
  value: 'URL',
  help: `the Tapline server (default $TAPLINE_URL, else ${DEFAULT_URL})`,
};

export const TOKEN_FLAG: FlagSpec = {
  name: 'token',
  kind: 'string',
  value: 'TOKEN',
  help: 'admin token (default $TAPLINE_ADMIN_TOKEN; prefer the variable: flags show up in `ps`)',
};

export const JSON_FLAG: FlagSpec = { name: 'json', kind: 'boolean', help: "print the server's JSON answer as is" };

/** Where the server is and how to get in. */
export const CONNECTION_FLAGS: FlagSpec[] = [URL_FLAG, TOKEN_FLAG];

/** The flags of a command that calls the admin API and prints its answer. */
export const SERVER_FLAGS: FlagSpec[] = [JSON_FLAG, ...CONNECTION_FLAGS];

/** The server URL: --url, then $TAPLINE_URL, then the default. */
export function serverUrl(args: ParsedArgs, env: Env, command: string): string {
  const flag = args.string('url');
  if (flag !== undefined) return parseBaseUrl(flag, '--url', command);
  if (env.TAPLINE_URL) return parseBaseUrl(env.TAPLINE_URL, 'TAPLINE_URL', command);
  return DEFAULT_URL;
}

/** Where the admin API is and the token for it; a missing token is a usage error. */
export function adminTarget(args: ParsedArgs, env: Env, command: string): AdminTarget {
  const token = (args.string('token') ?? env.TAPLINE_ADMIN_TOKEN ?? '').trim();
  if (token === '') {
    throw new UsageError('TAPLINE_ADMIN_TOKEN is not set: export the admin token printed at first start, or pass --token', command);
  }
  return { baseUrl: serverUrl(args, env, command), token };
}

let version: string | undefined;

/** The version in package.json, found relative to this file so it works from any directory. */
export function readVersion(): string {
  if (version === undefined) {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    version = typeof pkg.version === 'string' ? pkg.version : 'unknown';
  }
  return version;
}

/** A value for a URL path segment (client names may hold `.`; ids are opaque). */
export function segment(value: string, what: string, command: string): string {
  // URL parsers resolve `.` and `..` segments (even percent-encoded), so they cannot name a resource.
  if (value === '.' || value === '..') throw new UsageError(`${what} "${value}" cannot be used in a URL path`, command);
  return encodeURIComponent(value);
}

export function out(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** Lists of the admin API come as `{"items": [...]}`. */
export function itemsOf(answer: unknown): Array<Record<string, unknown>> {
  const items = (answer as { items?: unknown } | null)?.items;
  return Array.isArray(items) ? (items as Array<Record<string, unknown>>) : [];
}
