// `tapline bridge`: receives captures near the APIs, filters and masks them, and forwards them to
// the platform. Settings come from flags, then TAPLINE_BRIDGE_* variables; --config names the
// filters and masking file (YAML or JSON, re-read when it changes).
import { resolve } from 'node:path';
import { parseBaseUrl, UsageError, type ParsedArgs } from './args.ts';
import { out, type Command, type Env } from './common.ts';
import { parseListen } from './sensor.ts';
import type { BridgeOptions } from '../capture/bridge.ts';

const SETTINGS = ['listen', 'edge', 'token-url', 'client-id', 'client-secret', 'config', 'data', 'ingress-allow'] as const;
type Setting = (typeof SETTINGS)[number];
const envName = (s: Setting) => `TAPLINE_BRIDGE_${s.toUpperCase().replace(/-/g, '_')}`;

export function bridgeOptions(args: ParsedArgs, env: Env, command: string): BridgeOptions {
  const get = (s: Setting): string | undefined => args.string(s) ?? (env[envName(s)] || undefined);
  const need = (s: Setting): string => {
    const value = get(s);
    if (!value) throw new UsageError(`no ${s}: pass --${s} or set ${envName(s)}`, command);
    return value;
  };
  const listen = parseListen(need('listen'), command);
  const edge = parseBaseUrl(need('edge'), '--edge', command);
  return {
    ...listen,
    dataDir: resolve(get('data') ?? './bridge-data'),
    configFile: get('config'),
    ingressAllow: (get('ingress-allow') ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    forwarder: {
      edge,
      tokenUrl: parseBaseUrl(get('token-url') ?? `${edge}/auth/realms/tapline/protocol/openid-connect/token`, '--token-url', command),
      clientId: need('client-id'),
      clientSecret: need('client-secret'),
    },
  };
}

export const bridgeCommand: Command = {
  path: 'bridge',
  summary: 'receive captures near the APIs, filter and mask them, and forward them to the platform',
  description: [
    'Speaks the Edge API (/api-transaction, /api-transactions) with the platform\'s tokens, keeps',
    'what it accepts in its own durable log (--data), drops what the --config filters reject,',
    'masks sensitive values, and forwards the rest to --edge as the client --client-id. Nothing is',
    'lost while the platform is down or the bridge restarts. /healthz says whether it is delivering.',
    'Each flag can also come from TAPLINE_BRIDGE_<FLAG> (e.g. TAPLINE_BRIDGE_CLIENT_SECRET).',
  ].join('\n'),
  flags: [
    { name: 'listen', kind: 'string', value: 'HOST:PORT', help: 'where captures post transactions' },
    { name: 'edge', kind: 'string', value: 'URL', help: 'the platform\'s edge base URL' },
    { name: 'token-url', kind: 'string', value: 'URL', help: 'the platform\'s token endpoint (default <edge>/auth/realms/tapline/protocol/openid-connect/token)' },
    { name: 'client-id', kind: 'string', value: 'ID', help: 'the bridge\'s own client at the platform' },
    { name: 'client-secret', kind: 'string', value: 'SECRET', help: 'its secret (prefer TAPLINE_BRIDGE_CLIENT_SECRET: flags show up in `ps`)' },
    { name: 'config', kind: 'string', value: 'FILE', help: 'filters and masking (YAML or JSON; see the README)' },
    { name: 'data', kind: 'string', value: 'DIR', help: 'the bridge\'s log, spool and masking key (default ./bridge-data)' },
    { name: 'ingress-allow', kind: 'string', value: 'CIDRS', help: 'comma-separated CIDRs allowed to post (default: anyone with a token)' },
  ],
  async run({ args, env, command }) {
    const options = bridgeOptions(args, env, command);
    const { startBridge } = await import('../capture/bridge.ts');
    let bridge;
    try {
      bridge = await startBridge(options);
    } catch (err) {
      throw new UsageError((err as Error).message, command);
    }
    out(`tapline bridge listening on ${bridge.url}, forwarding to ${options.forwarder.edge}`);
    const shutdown = () => {
      void bridge.close().finally(() => process.exit(0));
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  },
};
