#!/usr/bin/env node
// The `telecare` program: one subcommand per job; each area of the project registers its own.
import fs from 'node:fs';
import type { Command } from 'commander';

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
  export: async () => (await import('../replay/export.js')).registerExportCommand,
  report: async () => (await import('../analytics/command.js')).registerReportCommand,
  bench: async () => (await import('../bench/command.js')).registerBenchCommand,
  central: async () => (await import('../central/command.js')).registerCentralCommand,
  eval: async () => (await import('../eval/command.js')).registerEvalCommand,
};

/**
 * The subcommands to register for these arguments: the one named first, none for the version alone (Commander answers
 * it before any subcommand; loading them all cost about 1.5 s of a core: docs/testing.md, session 74), or all of them.
 */
function subcommandsFor(argv: readonly string[]): string[] {
  const first = argv[2];
  if (argv.length === 3 && (first === '--version' || first === '-V')) return [];
  return first !== undefined && Object.hasOwn(SUBCOMMANDS, first) ? [first] : Object.keys(SUBCOMMANDS);
}

/**
 * `telecare hub` with nothing after it (what `npm start` runs) starts the hub without Commander: the option parser,
 * its help texts and every subcommand's options are then not compiled and held by an idle hub (~0.7 MB of heap;
 * docs/performance.md, "Memory, 2026-12-01 (session 32)"). The same as Commander's action with no options: the
 * HUB_* variables and the defaults. Any option, `--help` or a mistake goes through Commander as before.
 */
function isBareHub(argv: readonly string[]): boolean {
  return argv.length === 3 && argv[2] === 'hub';
}

/** This program's package name and version (from `dist/bin/` or `bin/`, the project's package.json). */
function packageVersion(): string {
  for (const relative of ['../../package.json', '../package.json']) {
    try {
      const pkg = JSON.parse(fs.readFileSync(new URL(relative, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'telecare-hub' && pkg.version) return `${pkg.name} ${pkg.version}`;
    } catch {
      // not there: the other layout
    }
  }
  return 'telecare-hub (version unknown)';
}

/** Whether this error is a write to a pipe whose reader has gone (`| head` that has read its lines). */
function isClosedReader(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | null)?.code === 'EPIPE';
}

/**
 * `telecare hub --check-config | head -1` (or `--help`, `replay`, `report`, `simulate` into `head`) ended with Node's
 * unhandled `write EPIPE` stack once `head` had gone (review, session 73). For the whole program, once, rather than in
 * each command: the reader of standard output gone, the program ends at once and quietly, with the status already
 * set (a command that failed keeps its 1) or else 0, as `head` read what it wanted and nothing failed: every command
 * says its failures on stderr with a status of its own, and `--check-config` writes to stdout only for a valid file,
 * so a script's `set -o pipefail` sees the file's verdict, not the reader's choice. The hub's log is not written
 * here (hub/logger.ts writes to descriptor 1 itself and meets EPIPE on its own). Any other error is thrown as before.
 */
function endQuietlyWhenReaderGoes(): void {
  process.stdout.on('error', (err) => {
    if (!isClosedReader(err)) throw err;
    process.exit();
  });
}

async function main(argv: string[]): Promise<void> {
  endQuietlyWhenReaderGoes();
  if (isBareHub(argv)) {
    const { resolveSettings, runHubProcess } = await import('../hub/main.js');
    await runHubProcess(resolveSettings({}));
    return;
  }
  const { Command } = await import('commander');
  const program = new Command();
  program
    .name('telecare')
    .description('Telecare hub: sensor ingest, emergency and inactivity rules, alerts, prevention analytics')
    .version(packageVersion(), '-V, --version', 'print the version of this telecare hub')
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
