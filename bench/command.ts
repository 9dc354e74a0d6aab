// `telecare bench`: measure latency, ingest, replay and memory against SPEC section 11, in one run, on this machine.
// First: the measuring client's mqtt-packet (loaded by `mqtt`) gets the hub's quiet debug loggers (hub/mqtt-debug.ts),
// so the client reading alerts, the hub's and the bare brokers' alike, does not allocate per packet for nothing.
import '../hub/mqtt-debug.js';
import { Command, InvalidArgumentError } from 'commander';
import { createProgress } from '../simulate/progress.js';
import { installCleanup, killEverything } from './children.js';
import { exitCodeFor, renderTable, toJson, verdict } from './figures.js';
import { PHASES, runBench, type PhaseName } from './run.js';

interface BenchFlags {
  quick: boolean;
  check: boolean;
  json: boolean;
  only?: PhaseName[];
  soakMinutes?: number;
  presses?: number;
}

function parseMinutes(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`"${v}" is not a positive number of minutes`);
  return n;
}

/** Presses per latency run: a whole number 10 to 100,000 (a p99 of fewer than 10 is only their largest). */
function parsePresses(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 10 || n > 100_000)
    throw new InvalidArgumentError(`"${v}" is not a whole number of presses from 10 to 100000`);
  return n;
}

function parsePhases(v: string): PhaseName[] {
  const names = v.split(',').map((s) => s.trim());
  for (const n of names) {
    if (!(PHASES as readonly string[]).includes(n))
      throw new InvalidArgumentError(`unknown part "${n}" (one of: ${PHASES.join(', ')})`);
  }
  return names as PhaseName[];
}

export function registerBenchCommand(program: Command): void {
  program
    .command('bench')
    .description('measure latency, ingest, replay and memory against SPEC section 11, in one run, on this machine')
    .option('--quick', 'fewer presses and shorter runs (under a minute)', false)
    .option(
      '--check',
      'smallest sizes that still run every part and measure every figure (8 s soak, 2 s ingest, 7-day replay, ' +
        '2 s idle waits): only to check that the bench runs (the test suite); figures not comparable to SPEC 11',
      false,
    )
    .option('--json', 'print the figures as JSON instead of a table', false)
    .option('--only <parts>', `run only these parts, comma-separated: ${PHASES.join(', ')}`, parsePhases)
    .option(
      '--soak-minutes <n>',
      'length of the soak phase at 200 events/s (default 2, quick 1/3; 120 for the two-hour figure)',
      parseMinutes,
    )
    .option(
      '--presses <n>',
      'presses in each latency run (default 2000, quick 150); fewer only to check that every part runs (the test suite)',
      parsePresses,
    )
    .addHelpText(
      'after',
      `
Spawns real processes (node dist/bin/telecare.js hub, telecare simulate as load, a bare aedes
broker and a Mosquitto as the baselines, a pass-through relay in Node as the floor under any hub
written in Node) on free ports with temporary data folders, and kills them all at the end.
Each figure is shown with its target and PASS or MISS; "n/a (reason)" when it could not be measured.
Exit code 1 when a target is missed (figures not measured do not count), 0 otherwise.
With --check the JSON says "check": true: the figures only show that every part runs, not
that SPEC 11 is met (PASS there means nothing; the exit code still follows them).`,
    )
    .action(async (flags: BenchFlags) => {
      installCleanup();
      const progress = createProgress('bench', 100);
      try {
        const result = await runBench({
          quick: flags.quick,
          check: flags.check,
          only: flags.only,
          soakMinutes: flags.soakMinutes,
          presses: flags.presses,
          onProgress: (step, total, note) => progress.update(Math.round((step / total) * 100), note),
        });
        progress.stop();
        if (flags.json) {
          process.stdout.write(`${JSON.stringify({ ...result, figures: toJson(result.figures) }, null, 2)}\n`);
        } else {
          const m = result.machine;
          process.stdout.write(
            `telecare bench${result.quick ? ' --quick' : ''}${result.check ? ' --check' : ''}: ${m.cpus} × ${m.cpuModel}, ${m.memoryMb} MB, Node ${m.node}, ` +
              `${result.startedAt}, ${result.durationS.toFixed(0)} s\n\n${renderTable(result.figures)}\n`,
          );
          const missed = result.figures.filter((f) => verdict(f) === 'MISS').length;
          const na = result.figures.filter((f) => verdict(f) === 'n/a').length;
          process.stdout.write(`\n${missed} target(s) missed, ${na} figure(s) not measured\n`);
          if (result.check)
            process.stdout.write('--check: sizes only to see every part run; these figures do not show SPEC 11 met\n');
        }
        process.exitCode = exitCodeFor(result.figures);
      } finally {
        progress.stop();
        killEverything();
      }
    });
}
