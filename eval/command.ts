// `telecare eval ...`: the same evaluation as `npm run eval -- ...` (eval/run.ts), its options passed through as given.
import type { Command } from 'commander';

export function registerEvalCommand(program: Command): void {
  program
    .command('eval')
    .description(
      'evaluate detection on the real recordings in ../shared/data (or --data DIR): false alarms and collapse delays of the homes, wearable falls (--help lists its options)',
    )
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .passThroughOptions()
    .argument('[options...]', 'npm run eval options (--only, --data, --home, --details, --robustness, --help...)')
    .action(async (options: string[]) => {
      const { runEval } = await import('./run.js');
      process.exitCode = runEval(options);
    });
}
