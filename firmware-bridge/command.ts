// `telecare bridge`: bridge a serial radio receiver to the hub MQTT broker.
import type { Command } from 'commander';

export function registerBridgeCommand(program: Command): void {
  program
    .command('bridge')
    .description('bridge a serial radio receiver to the hub MQTT broker')
    .action(() => {
      process.stderr.write('telecare bridge: not yet available in this version\n');
      process.exitCode = 1;
    });
}
