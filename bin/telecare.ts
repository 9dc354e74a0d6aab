#!/usr/bin/env node
// The `telecare` program: one subcommand per job; each area of the project registers its own.
import { Command } from 'commander';

type Register = (program: Command) => void;

/**
 * Each subcommand's module is loaded only when that subcommand runs: a hub does not carry the bench, the simulator,
 * the replay or the serial bridge (and their dependencies: mqtt.js, serialport, cli-progress), about 2 MB of heap
 * and their compiled code. Help and unknown names load them all, so the listing and the suggestions stay complete.
 */
const SUBCOMMANDS: Record<string, () => Promise<Register>> = {
  hub: async () => (await import('../hub/command.js')).registerHubCommand,
  bridge: async () => (await import('../firmware-bridge/command.js')).registerBridgeCommand,
  simulate: async () => (await import('../simulate/command.js')).registerSimulateCommand,
  replay: async () => (await import('../replay/command.js')).registerReplayCommand,
  report: async () => (await import('../analytics/command.js')).registerReportCommand,
  bench: async () => (await import('../bench/command.js')).registerBenchCommand,
  central: async () => (await import('../central/command.js')).registerCentralCommand,
};

/** The subcommands to register for these arguments: the one named first, or all of them. */
function subcommandsFor(argv: readonly string[]): string[] {
  const first = argv[2];
  return first !== undefined && Object.hasOwn(SUBCOMMANDS, first) ? [first] : Object.keys(SUBCOMMANDS);
}

async function main(argv: string[]): Promise<void> {
  const program = new Command();
  program
    .name('telecare')
    .description('Telecare hub: sensor ingest, emergency and inactivity rules, alerts, prevention analytics')
    .showHelpAfterError()
    .enablePositionalOptions();
  for (const name of subcommandsFor(argv)) {
    const load = SUBCOMMANDS[name];
    if (load) (await load())(program);
  }
  await program.parseAsync(argv);
}

main(process.argv).catch((err: unknown) => {
  process.stderr.write(`telecare: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
