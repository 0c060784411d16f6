// Entry point of the `tapline` command (bin/tapline.js imports this file).
// Exit status: 0 success, 1 usage error, 2 the server refused or could not be reached.
import { formatCommandHelp, formatCommandList, parseArgs, ParsedArgs, resolveCommand, usageLine, UsageError } from './args.ts';
import { COMMANDS } from './commands.ts';
import { DEFAULT_URL, readVersion, type Command } from './common.ts';
import { ServerError } from './http.ts';

function overview(): string {
  return [
    `Tapline ${readVersion()}: ingest API traffic, discover APIs, find sensitive data and OWASP API Top 10 risks.`,
    '',
    'Usage: tapline <command> [flags]',
    '',
    'Commands:',
    formatCommandList(COMMANDS, null),
    '',
    'Run `tapline <command> --help` for its flags.',
    `Commands that call a server take --url (default $TAPLINE_URL, else ${DEFAULT_URL}) and send the`,
    'admin token from $TAPLINE_ADMIN_TOKEN (or --token). Listings take --json for the raw JSON.',
    'Exit status: 0 success, 1 usage error, 2 the server refused or could not be reached.',
    '',
  ].join('\n');
}

function groupHelp(group: string): string {
  return `Usage: tapline ${group} <command> [flags]\n\nCommands:\n${formatCommandList(COMMANDS, group)}\n`;
}

/** Runs the command line and returns the exit status. */
async function main(argv: string[]): Promise<number> {
  const resolved = resolveCommand(argv, COMMANDS);
  // Asked-for help goes to stdout (status 0); help shown because something was missing is a usage error.
  if (resolved.kind === 'overview') return show(overview(), resolved.help);
  if (resolved.kind === 'group') return show(groupHelp(resolved.group), resolved.help);
  return runCommand(resolved.command, resolved.rest);
}

function show(text: string, asked: boolean): number {
  (asked ? process.stdout : process.stderr).write(text);
  return asked ? 0 : 1;
}

async function runCommand(command: Command, rest: string[]): Promise<number> {
  const context = { argv: rest, env: process.env, command: command.path };
  if (command.passthrough) {
    await command.run({ ...context, args: new ParsedArgs(rest, new Map()) });
    return 0;
  }
  const args = parseArgs(rest, command);
  if (args.help) return show(formatCommandHelp(command), true);
  await command.run({ ...context, args });
  return 0;
}

function report(error: unknown): number {
  if (error instanceof UsageError) {
    const command = COMMANDS.find((c) => c.path === error.command);
    const usage =
      command ? `Usage: ${usageLine(command)}\nRun \`tapline ${command.path} --help\` for details.`
      : error.command ? `Run \`tapline ${error.command} --help\` for its commands.`
      : 'Run `tapline --help` for the commands.';
    process.stderr.write(`tapline: ${error.message}\n${usage}\n`);
    return 1;
  }
  if (error instanceof ServerError) {
    process.stderr.write(`tapline: ${error.message}\n`);
    return 2;
  }
  // Not expected (a bug, or the server failing to start): the message, and the stack when debugging.
  const detail = error instanceof Error ? (process.env.TAPLINE_DEBUG ? error.stack : error.message) : String(error);
  process.stderr.write(`tapline: ${detail}\n`);
  return 1;
}

// `tapline clients list | head` closes the pipe early: that is not an error worth a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

// exitCode rather than exit(): pending output is flushed, and `serve` keeps running after main returns.
process.exitCode = await main(process.argv.slice(2)).catch(report);
