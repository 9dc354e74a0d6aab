// `telecare bench`: measure latency, ingest, replay and memory against SPEC section 11.
import type { Command } from 'commander';

export function registerBenchCommand(program: Command): void {
  program
    .command('bench')
    .description('measure latency, ingest, replay and memory against SPEC section 11')
    .action(() => {
      process.stderr.write('telecare bench: not yet available in this version\n');
      process.exitCode = 1;
    });
}
