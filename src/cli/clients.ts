// `tapline clients ...`: the credentials captures use (admin-api.md, Clients).
import { parseOnOff, UsageError, type FlagSpec, type ParsedArgs } from './args.ts';
import { adminTarget, CONNECTION_FLAGS, itemsOf, out, segment, SERVER_FLAGS, type Command } from './common.ts';
import { cell, formatTable, formatTime, onOff, printJson } from './format.ts';
import { adminRequest } from './http.ts';

const NAME = { name: 'NAME', help: 'the client name, which is also its client id (1 to 64 letters, digits, ".", "_", "-")' };

const LIFESPAN_FLAG: FlagSpec = {
  name: 'token-lifespan',
  kind: 'integer',
  value: 'SECONDS',
  min: 1,
  help: 'how long its access tokens last (server default 1800; the server enforces its range)',
};

type Client = Record<string, unknown>;

function clientPath(args: ParsedArgs, command: string): string {
  return `/api/v1/clients/${segment(args.positionals[0]!, 'client name', command)}`;
}

function describeSettings(c: Client): string {
  return `traffic ingestion ${onOff(c.trafficIngestion)}, token lifespan ${cell(c.tokenLifespan)} s`;
}

const create: Command = {
  path: 'clients create',
  summary: 'create an API client and show its secret (only this once)',
  positionals: [NAME],
  flags: [
    { name: 'no-traffic-ingestion', kind: 'boolean', help: 'create it with Traffic Ingestion off: it gets no tokens until turned on' },
    LIFESPAN_FLAG,
    ...SERVER_FLAGS,
  ],
  async run({ args, env, command }) {
    const body: Record<string, unknown> = { name: args.positionals[0], trafficIngestion: !args.boolean('no-traffic-ingestion') };
    const lifespan = args.integer('token-lifespan');
    if (lifespan !== undefined) body.tokenLifespan = lifespan;
    const client = (await adminRequest(adminTarget(args, env, command), 'POST', '/api/v1/clients', body)) as Client;
    if (args.boolean('json')) return printJson(client);
    out(
      [
        `Created client "${cell(client.name ?? body.name)}" (${describeSettings(client)}).`,
        '',
        `  Client ID:      ${cell(client.clientId ?? body.name)}`,
        `  Client secret:  ${cell(client.secret)}`,
        '',
        'The secret is shown only this once: store it now. If it is lost, issue a new one with',
        `\`tapline clients rotate ${cell(client.clientId ?? body.name)}\`.`,
      ].join('\n'),
    );
  },
};

const list: Command = {
  path: 'clients list',
  summary: 'list the API clients',
  flags: SERVER_FLAGS,
  async run({ args, env, command }) {
    const answer = await adminRequest(adminTarget(args, env, command), 'GET', '/api/v1/clients');
    if (args.boolean('json')) return printJson(answer);
    const clients = itemsOf(answer);
    if (clients.length === 0) return out('No clients yet: create one with `tapline clients create NAME`.');
    const rows = clients.map((c) => [
      cell(c.name ?? c.clientId),
      onOff(c.trafficIngestion),
      `${cell(c.tokenLifespan)} s`,
      formatTime(c.createdAt),
      formatTime(c.lastTokenAt),
      formatTime(c.lastTransactionAt),
    ]);
    out(formatTable(['NAME', 'INGESTION', 'LIFESPAN', 'CREATED', 'LAST TOKEN', 'LAST TRANSACTION'], rows));
  },
};

const update: Command = {
  path: 'clients update',
  summary: "change a client's Traffic Ingestion toggle or token lifespan",
  positionals: [NAME],
  flags: [
    { name: 'traffic-ingestion', kind: 'string', value: 'on|off', help: 'off: its tokens stop working within a second and it gets no new ones' },
    LIFESPAN_FLAG,
    ...SERVER_FLAGS,
  ],
  async run({ args, env, command }) {
    const patch: Record<string, unknown> = {};
    const ingestion = args.string('traffic-ingestion');
    if (ingestion !== undefined) patch.trafficIngestion = parseOnOff(ingestion, '--traffic-ingestion', command);
    const lifespan = args.integer('token-lifespan');
    if (lifespan !== undefined) patch.tokenLifespan = lifespan;
    if (Object.keys(patch).length === 0) {
      throw new UsageError('nothing to change: pass --traffic-ingestion on|off and/or --token-lifespan SECONDS', command);
    }
    const target = adminTarget(args, env, command);
    const client = (await adminRequest(target, 'PATCH', clientPath(args, command), patch)) as Client | null;
    if (args.boolean('json')) return printJson(client);
    out(`Updated client "${args.positionals[0]}" (${describeSettings({ ...patch, ...client })}).`);
  },
};

const rotate: Command = {
  path: 'clients rotate',
  summary: "replace a client's secret and show the new one (only this once)",
  positionals: [NAME],
  flags: SERVER_FLAGS,
  async run({ args, env, command }) {
    const target = adminTarget(args, env, command);
    const answer = (await adminRequest(target, 'POST', `${clientPath(args, command)}/secret`)) as Client;
    if (args.boolean('json')) return printJson(answer);
    out(
      [
        `New secret for client "${args.positionals[0]}":`,
        '',
        `  ${cell(answer.secret)}`,
        '',
        'It is shown only this once. The old secret gets no new tokens; tokens already issued',
        'stay valid until they expire. Update the capture (e.g. the ceq-client-secret named value).',
      ].join('\n'),
    );
  },
};

const remove: Command = {
  path: 'clients delete',
  summary: 'delete a client: its tokens stop working within a second',
  positionals: [NAME],
  flags: CONNECTION_FLAGS, // it answers 204: nothing to print as JSON
  async run({ args, env, command }) {
    await adminRequest(adminTarget(args, env, command), 'DELETE', clientPath(args, command));
    out(`Deleted client "${args.positionals[0]}".`);
  },
};

export const CLIENT_COMMANDS: Command[] = [create, list, update, rotate, remove];
