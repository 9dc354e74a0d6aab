// `telecare hub`: run the hub (embedded MQTT broker, rules, alerts, dashboard).
import type { Command } from 'commander';

export function registerHubCommand(program: Command): void {
  program
    .command('hub')
    .description('run the hub (embedded MQTT broker, rules, alerts, dashboard)')
    .action(() => {
      process.stderr.write('telecare hub: not yet available in this version\n');
      process.exitCode = 1;
    });
}
