// `telecare report`: write the council prevention report.
import type { Command } from 'commander';

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('write the council prevention report')
    .action(() => {
      process.stderr.write('telecare report: not yet available in this version\n');
      process.exitCode = 1;
    });
}
