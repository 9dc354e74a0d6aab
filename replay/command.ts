// `telecare replay`: replay recorded events through every rule on a simulated clock.
import type { Command } from 'commander';

export function registerReplayCommand(program: Command): void {
  program
    .command('replay')
    .description('replay recorded events through every rule on a simulated clock')
    .action(() => {
      process.stderr.write('telecare replay: not yet available in this version\n');
      process.exitCode = 1;
    });
}
