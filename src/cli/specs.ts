// `tapline specs ...`: OpenAPI documents of an application (admin-api.md, Inventory). Uploading
// a spec is what turns an application's endpoints from unknown into documented, shadow, zombie
// or orphan.
import { readFileSync } from 'node:fs';
import { UsageError } from './args.ts';
import { adminTarget, CONNECTION_FLAGS, itemsOf, out, segment, SERVER_FLAGS, type Command } from './common.ts';
import { cell, formatTable, formatTime, printJson } from './format.ts';
import { adminRequest } from './http.ts';

const upload: Command = {
  path: 'specs upload',
  summary: 'upload an OpenAPI 2.0, 3.0 or 3.1 document (JSON or YAML) for an application',
  positionals: [{ name: 'FILE', help: 'the OpenAPI document, .json, .yaml or .yml' }],
  flags: [{ name: 'app', kind: 'string', value: 'ID', help: 'the application id (see `tapline apps list`)' }, ...SERVER_FLAGS],
  async run({ args, env, command }) {
    const applicationId = args.string('app');
    if (!applicationId) throw new UsageError('pass --app ID: the application the spec documents', command);
    const file = args.positionals[0]!;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, command);
    }
    const spec = (await adminRequest(adminTarget(args, env, command), 'POST', '/api/v1/specs', { applicationId, spec: text })) as Record<string, unknown>;
    if (args.boolean('json')) return printJson(spec);
    out(`Uploaded "${cell(spec.title)}" version ${cell(spec.version)} (OpenAPI ${cell(spec.openapiVersion)}, ${cell(spec.operations)} operations, ${cell(spec.deprecated)} deprecated) as spec ${cell(spec.id)}.`);
  },
};

const list: Command = {
  path: 'specs list',
  summary: 'list uploaded specs, newest first',
  flags: [{ name: 'app', kind: 'string', value: 'ID', help: 'only the specs of this application' }, ...SERVER_FLAGS],
  async run({ args, env, command }) {
    const app = args.string('app');
    const query = app ? `?applicationId=${encodeURIComponent(app)}` : '';
    const answer = await adminRequest(adminTarget(args, env, command), 'GET', `/api/v1/specs${query}`);
    if (args.boolean('json')) return printJson(answer);
    const specs = itemsOf(answer);
    if (specs.length === 0) return out('No specs yet: upload one with `tapline specs upload --app ID FILE`.');
    const rows = specs.map((s) => [cell(s.id), cell(s.applicationId), cell(s.title), cell(s.version), cell(s.openapiVersion), cell(s.operations), formatTime(s.uploadedAt)]);
    out(formatTable(['ID', 'APPLICATION', 'TITLE', 'VERSION', 'OPENAPI', 'OPERATIONS', 'UPLOADED'], rows));
  },
};

const remove: Command = {
  path: 'specs delete',
  summary: 'delete one uploaded spec version',
  positionals: [{ name: 'ID', help: 'the spec id (see `tapline specs list`)' }],
  flags: CONNECTION_FLAGS,
  async run({ args, env, command }) {
    await adminRequest(adminTarget(args, env, command), 'DELETE', `/api/v1/specs/${segment(args.positionals[0]!, 'spec id', command)}`);
    out(`Deleted spec ${args.positionals[0]}.`);
  },
};

export const SPEC_COMMANDS: Command[] = [upload, list, remove];
