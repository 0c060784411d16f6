// `tapline policy apim`: writes the Azure API Management capture-and-forward policy (edge-api.md
// section 5) and, when written to a file, the Azure CLI commands that install it.
import { writeFile } from 'node:fs/promises';
import { UsageError, type ParsedArgs } from './args.ts';
import { out, readVersion, type Command } from './common.ts';
import { apimAzCommands, DEFAULT_MAX_BODY_BYTES, generateApimPolicy, type ApimPolicyOptions, type ApimScope } from '../capture/apim-policy.ts';

/** The generator's options from the flags; bad values are usage errors. */
export function policyOptions(args: ParsedArgs, command: string): ApimPolicyOptions {
  const scope = args.string('scope') ?? 'all-apis';
  if (scope !== 'all-apis' && scope !== 'api') throw new UsageError(`--scope must be all-apis or api, got "${scope}"`, command);
  return {
    scope: scope as ApimScope,
    maxBodyBytes: args.integer('max-body-bytes') ?? DEFAULT_MAX_BODY_BYTES,
    samplePercent: args.integer('sample-percent') ?? 100,
    version: readVersion(),
  };
}

export const policyCommand: Command = {
  path: 'policy apim',
  summary: 'write the Azure API Management capture policy',
  description: [
    'Writes the capture-and-forward policy for Azure API Management in its raw format (apply it with',
    'format "rawxml"). It reads five named values: ceq-client-id, ceq-client-secret (a secret),',
    'ceq-token-endpoint, ceq-ingress-endpoint and ceq-token-acquisition-timeout.',
    '',
    'Without --out the policy goes to stdout and nothing else is printed. With --out the policy is',
    'written to FILE and the Azure CLI commands that create the named values and apply it are printed.',
  ].join('\n'),
  flags: [
    { name: 'scope', kind: 'string', value: 'SCOPE', help: 'all-apis (the service policy, default) or api (one API)' },
    { name: 'max-body-bytes', kind: 'integer', value: 'N', min: 0, max: 4 * 1024 * 1024, help: `bodies declared longer are not read (default ${DEFAULT_MAX_BODY_BYTES})` },
    { name: 'sample-percent', kind: 'integer', value: 'P', min: 1, max: 100, help: 'capture this share of calls, 1 to 100 (default 100)' },
    { name: 'out', kind: 'string', value: 'FILE', help: 'write the policy to FILE and print the install commands' },
  ],
  async run({ args, command }) {
    await runPolicy(args, command, out);
  },
};

/** The command's work, with its output going to `print` (one call per piece of text). */
export async function runPolicy(args: ParsedArgs, command: string, print: (text: string) => void): Promise<void> {
  const options = policyOptions(args, command);
  const policy = generateApimPolicy(options);
  const file = args.string('out');
  if (file === undefined || file === '-') {
    print(policy);
    return;
  }
  await writeFile(file, policy);
  print(`Wrote the policy to ${file} (${Buffer.byteLength(policy)} bytes).\n`);
  print(apimAzCommands(file, options));
}
