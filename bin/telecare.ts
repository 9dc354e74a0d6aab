#!/usr/bin/env node
// The `telecare` program: one subcommand per job; each area of the project registers its own.
import { Command } from 'commander';
import { registerHubCommand } from '../hub/command.js';
import { registerBridgeCommand } from '../firmware-bridge/command.js';
import { registerSimulateCommand } from '../simulate/command.js';
import { registerReplayCommand } from '../replay/command.js';
import { registerReportCommand } from '../analytics/command.js';
import { registerBenchCommand } from '../bench/command.js';

const program = new Command();
program
  .name('telecare')
  .description('Telecare hub: sensor ingest, emergency and inactivity rules, alerts, prevention analytics')
  .showHelpAfterError()
  .enablePositionalOptions();

registerHubCommand(program);
registerBridgeCommand(program);
registerSimulateCommand(program);
registerReplayCommand(program);
registerReportCommand(program);
registerBenchCommand(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`telecare: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
