// The table of `tapline` commands, in the order `tapline --help` lists them.
import { APP_COMMANDS } from './apps.ts';
import { SPEC_COMMANDS } from './specs.ts';
import { bridgeCommand } from './bridge.ts';
import { devClusterCommand } from './dev-cluster.ts';
import { CLIENT_COMMANDS } from './clients.ts';
import { out, readVersion, type Command } from './common.ts';
import { KEY_COMMANDS } from './keys.ts';
import { sendCommand } from './send.ts';
import { sensorCommand } from './sensor.ts';
import { policyCommand } from './policy.ts';

const serve: Command = {
  path: 'serve',
  summary: 'start the all-in-one server (`tapline serve --help` lists its flags)',
  passthrough: true,
  async run({ argv }) {
    // Loaded on demand: the server pulls in Fastify, SQLite and the analyzers, which the other
    // commands do not need to start quickly.
    const { runServe } = await import('./serve.ts');
    await runServe(argv);
  },
};

const version: Command = {
  path: 'version',
  summary: 'print the version',
  async run() {
    out(readVersion());
  },
};

export const COMMANDS: readonly Command[] = [serve, ...CLIENT_COMMANDS, ...APP_COMMANDS, ...SPEC_COMMANDS, ...KEY_COMMANDS, sendCommand, sensorCommand, bridgeCommand, devClusterCommand, policyCommand, version];
