// `telecare simulate`: publish a simulated home or scheme over MQTT.
import type { Command } from 'commander';

export function registerSimulateCommand(program: Command): void {
  program
    .command('simulate')
    .description('publish a simulated home or scheme over MQTT')
    .action(() => {
      process.stderr.write('telecare simulate: not yet available in this version\n');
      process.exitCode = 1;
    });
}
