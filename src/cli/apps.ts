// `tapline apps ...`: applications, the hosts an operator has onboarded. Traffic of a host no
// application claims is Unknown Traffic (admin-api.md, Applications).
import { UsageError, type FlagSpec, type ParsedArgs } from './args.ts';
import { adminTarget, CONNECTION_FLAGS, itemsOf, out, segment, SERVER_FLAGS, type Command } from './common.ts';
import { cell, formatTable, formatTime, printJson } from './format.ts';
import { adminRequest } from './http.ts';

const ID = { name: 'ID', help: 'the application id (see `tapline apps list`)' };

type Application = Record<string, unknown>;

function appPath(args: ParsedArgs, command: string): string {
  return `/api/v1/applications/${segment(args.positionals[0]!, 'application id', command)}`;
}

function describe(app: Application): string {
  return `"${cell(app.name)}" (id ${cell(app.id)}), hosts: ${cell(app.hosts)}`;
}

const create: Command = {
  path: 'apps create',
  summary: 'onboard an application: the hosts whose traffic belongs to it',
  positionals: [{ name: 'NAME', help: 'a name for people, e.g. shop' }],
  flags: [
    { name: 'host', kind: 'string', value: 'HOST', repeat: true, help: 'a host it serves, e.g. api.shop.example or *.shop.example (at least one)' },
    ...SERVER_FLAGS,
  ],
  async run({ args, env, command }) {
    const hosts = args.list('host');
    if (hosts.length === 0) throw new UsageError('pass at least one --host HOST', command);
    const body = { name: args.positionals[0], hosts };
    const app = (await adminRequest(adminTarget(args, env, command), 'POST', '/api/v1/applications', body)) as Application;
    if (args.boolean('json')) return printJson(app);
    out(`Created application ${describe({ ...body, ...app })}.`);
  },
};

const list: Command = {
  path: 'apps list',
  summary: 'list the applications and their hosts',
  flags: SERVER_FLAGS,
  async run({ args, env, command }) {
    const answer = await adminRequest(adminTarget(args, env, command), 'GET', '/api/v1/applications');
    if (args.boolean('json')) return printJson(answer);
    const apps = itemsOf(answer);
    if (apps.length === 0) return out('No applications yet: create one with `tapline apps create NAME --host HOST`.');
    const rows = apps.map((a) => [cell(a.id), cell(a.name), cell(a.hosts), formatTime(a.createdAt), formatTime(a.updatedAt)]);
    out(formatTable(['ID', 'NAME', 'HOSTS', 'CREATED', 'UPDATED'], rows));
  },
};

const HOST_REPLACE_FLAG: FlagSpec = {
  name: 'host',
  kind: 'string',
  value: 'HOST',
  repeat: true,
  help: 'the new host list: replaces all current hosts, so repeat it for each host to keep',
};

const update: Command = {
  path: 'apps update',
  summary: "rename an application or replace its hosts",
  positionals: [ID],
  flags: [{ name: 'name', kind: 'string', value: 'NAME', help: 'the new name' }, HOST_REPLACE_FLAG, ...SERVER_FLAGS],
  async run({ args, env, command }) {
    const patch: Record<string, unknown> = {};
    if (args.has('name')) patch.name = args.string('name');
    if (args.has('host')) patch.hosts = args.list('host');
    if (Object.keys(patch).length === 0) throw new UsageError('nothing to change: pass --name NAME and/or --host HOST ...', command);
    const target = adminTarget(args, env, command);
    const app = (await adminRequest(target, 'PATCH', appPath(args, command), patch)) as Application | null;
    if (args.boolean('json')) return printJson(app);
    out(`Updated application ${describe({ id: args.positionals[0], ...patch, ...app })}.`);
  },
};

const remove: Command = {
  path: 'apps delete',
  summary: 'delete an application: its hosts become Unknown Traffic again',
  positionals: [ID],
  flags: CONNECTION_FLAGS, // it answers 204: nothing to print as JSON
  async run({ args, env, command }) {
    await adminRequest(adminTarget(args, env, command), 'DELETE', appPath(args, command));
    out(`Deleted application ${args.positionals[0]}.`);
  },
};

export const APP_COMMANDS: Command[] = [create, list, update, remove];
