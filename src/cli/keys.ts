// `tapline keys ...`: the token signing keys. The newest signs; older ones keep verifying until
// the tokens they signed have expired, so rotating never breaks a capture mid-flight.
import { adminTarget, itemsOf, out, SERVER_FLAGS, type Command } from './common.ts';
import { cell, formatTable, formatTime, printJson } from './format.ts';
import { adminRequest } from './http.ts';

function keysTable(keys: Array<Record<string, unknown>>): string {
  const rows = keys.map((k) => [cell(k.kid), cell(k.alg), k.active === true ? 'yes' : 'no', formatTime(k.verifyUntil)]);
  return formatTable(['KID', 'ALG', 'ACTIVE', 'VERIFIES UNTIL'], rows);
}

const rotate: Command = {
  path: 'keys rotate',
  summary: 'make a new token signing key; the old ones verify until their tokens expire',
  flags: SERVER_FLAGS,
  async run({ args, env, command }) {
    const answer = (await adminRequest(adminTarget(args, env, command), 'POST', '/api/v1/keys/rotate')) as Record<string, unknown>;
    if (args.boolean('json')) return printJson(answer);
    out(`Signing key ${cell(answer.kid)} now signs new tokens.\n`);
    // The key list comes as `keys` (as first specified) or `items` (as the list endpoint names it).
    out(keysTable(itemsOf({ items: answer.keys ?? answer.items })));
  },
};

const list: Command = {
  path: 'keys list',
  summary: 'list the token signing keys',
  flags: SERVER_FLAGS,
  async run({ args, env, command }) {
    const answer = await adminRequest(adminTarget(args, env, command), 'GET', '/api/v1/keys');
    if (args.boolean('json')) return printJson(answer);
    out(keysTable(itemsOf(answer)));
  },
};

export const KEY_COMMANDS: Command[] = [rotate, list];
