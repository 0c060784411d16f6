// `tapline sensor`: runs the capturing reverse proxy in front of an API and forwards what it sees
// to an edge. Settings come from flags, then TAPLINE_SENSOR_* variables, then a JSON --config file.
import { readFileSync } from 'node:fs';
import { parseBaseUrl, UsageError, type ParsedArgs } from './args.ts';
import { out, readVersion, type Command, type Env } from './common.ts';
import type { SensorOptions } from '../capture/sensor.ts';

const SETTINGS = ['listen', 'upstream', 'edge', 'token-url', 'client-id', 'client-secret', 'max-body-bytes', 'spool', 'capture', 'status-listen'] as const;
type Setting = (typeof SETTINGS)[number];

const envName = (s: Setting) => `TAPLINE_SENSOR_${s.toUpperCase().replace(/-/g, '_')}`;

function readConfig(file: string | undefined, command: string): Record<string, unknown> {
  if (file === undefined) return {};
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('must hold a JSON object');
    return value as Record<string, unknown>;
  } catch (error) {
    throw new UsageError(`--config ${file}: ${(error as Error).message}`, command);
  }
}

/** HOST:PORT, [IPv6]:PORT or just PORT (on 127.0.0.1). */
export function parseListen(raw: string, command: string | null = null, flag = '--listen'): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(raw) ?? /^()()(\d+)$/.exec(raw);
  const port = Number(match?.[3]);
  if (!match || !Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`${flag} must be HOST:PORT, got "${raw}"`, command);
  return { host: match[1] || match[2] || '127.0.0.1', port };
}

export function sensorOptions(args: ParsedArgs, env: Env, command: string): SensorOptions {
  const config = readConfig(args.string('config') ?? env.TAPLINE_SENSOR_CONFIG, command);
  const get = (s: Setting): string | undefined => {
    const fromConfig = config[s] ?? config[s.replace(/-(\w)/g, (_, c: string) => c.toUpperCase())];
    const value = s === 'max-body-bytes' ? args.integer(s)?.toString() : args.string(s);
    return value ?? env[envName(s)] ?? (fromConfig === undefined ? undefined : String(fromConfig));
  };
  const need = (s: Setting): string => {
    const value = get(s);
    if (!value) throw new UsageError(`no ${s}: pass --${s}, set ${envName(s)} or put "${s}" in --config`, command);
    return value;
  };
  // Asked for in the order the usage line lists them.
  const listen = parseListen(need('listen'), command);
  const upstream = parseBaseUrl(need('upstream'), '--upstream', command);
  const edge = parseBaseUrl(need('edge'), '--edge', command);
  const capture = get('capture') ?? 'on';
  if (capture !== 'on' && capture !== 'off') throw new UsageError('--capture must be "on" or "off"', command);
  const maxBody = Number(get('max-body-bytes') ?? 32768);
  if (!Number.isInteger(maxBody) || maxBody < 0) throw new UsageError('--max-body-bytes must be a whole number >= 0', command);
  const statusListen = get('status-listen');
  return {
    ...listen,
    upstream,
    maxBodyBytes: maxBody,
    capture: capture === 'on',
    ...(statusListen !== undefined && { statusListen: parseListen(statusListen, command, '--status-listen') }),
    version: readVersion(),
    forwarder: {
      edge,
      tokenUrl: parseBaseUrl(get('token-url') ?? `${edge}/auth/realms/tapline/protocol/openid-connect/token`, '--token-url', command),
      clientId: need('client-id'),
      clientSecret: need('client-secret'),
      spoolDir: get('spool'),
    },
  };
}

export const sensorCommand: Command = {
  path: 'sensor',
  summary: 'run a capturing reverse proxy in front of an API, forwarding its traffic to the edge',
  description: [
    'Proxies every request to --upstream unchanged and sends a copy of each call (bodies up to',
    '--max-body-bytes) to the edge. With --spool, what the edge cannot take yet waits on disk.',
    'Each flag can also come from TAPLINE_SENSOR_<FLAG> (e.g. TAPLINE_SENSOR_CLIENT_SECRET) or a',
    'JSON --config file with the same keys.',
  ].join('\n'),
  flags: [
    { name: 'listen', kind: 'string', value: 'HOST:PORT', help: 'where to accept calls' },
    { name: 'upstream', kind: 'string', value: 'URL', help: 'the API to proxy to' },
    { name: 'edge', kind: 'string', value: 'URL', help: 'the edge base URL' },
    { name: 'token-url', kind: 'string', value: 'URL', help: 'the token endpoint (default <edge>/auth/realms/tapline/protocol/openid-connect/token)' },
    { name: 'client-id', kind: 'string', value: 'ID', help: 'the client id' },
    { name: 'client-secret', kind: 'string', value: 'SECRET', help: 'its secret (prefer TAPLINE_SENSOR_CLIENT_SECRET: flags show up in `ps`)' },
    { name: 'max-body-bytes', kind: 'integer', value: 'N', min: 0, help: 'bytes of each body to capture (default 32768)' },
    { name: 'spool', kind: 'string', value: 'DIR', help: 'disk spool for what the edge cannot take yet' },
    { name: 'capture', kind: 'string', value: 'on|off', help: 'off: proxy only, capture nothing (a baseline for measurements; default on)' },
    { name: 'status-listen', kind: 'string', value: 'HOST:PORT', help: 'serve /healthz, /readyz (503 when not delivering) and /metrics here' },
    { name: 'config', kind: 'string', value: 'FILE', help: 'a JSON file with the settings above' },
  ],
  async run({ args, env, command }) {
    const options = sensorOptions(args, env, command);
    const { startSensor } = await import('../capture/sensor.ts');
    const sensor = await startSensor(options);
    out(`tapline sensor listening on ${sensor.url}, proxying to ${options.upstream}${sensor.statusUrl ? `; status on ${sensor.statusUrl}` : ''}`);
    const shutdown = () => {
      void sensor.close().finally(() => process.exit(0));
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  },
};
