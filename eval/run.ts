// `npm run eval`: the inactivity family on every real home and the wearable fall detector on every fall dataset
// present in ../shared/data; tables on stdout (or --json), progress on stderr.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ConfigError, jsonMistake, parseHubConfig } from '../hub/config.js';
import type { RuleOverrides } from '../rules/params.js';
import {
  DEFAULT_HOMES_OPTIONS,
  evaluateHomes,
  formatFalseAlarms,
  formatHomesTable,
  type HomesResults,
} from './homes.js';
import {
  DEFAULT_ROBUSTNESS_SEED,
  evaluateRobustness,
  formatRobustnessTable,
  PERTURBATIONS,
  FAILURE_PERTURBATIONS,
  SEEDED_PERTURBATIONS,
} from './homes-robustness.js';
import { findHomes, homeIdForFolder } from './homes-data.js';
import { evaluateWearables, formatWearableTable, type WearableResults } from './wearable.js';

const OPTIONS = {
  data: { type: 'string' },
  json: { type: 'boolean', default: false },
  'max-cuts': { type: 'string' },
  home: { type: 'string', multiple: true },
  rules: { type: 'string' },
  only: { type: 'string' },
  details: { type: 'boolean', default: false },
  robustness: { type: 'boolean', default: false },
  failures: { type: 'boolean', default: false },
  perturbation: { type: 'string', multiple: true },
  'plain-cut': { type: 'boolean', default: false },
  repeat: { type: 'string' },
  seed: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** A mistake on the command line: said on stderr, exit code 2, nothing read. */
class UsageError extends Error {}

/** `--rules`: a home's `rules` object as the hub's configuration takes it, refused with the configuration's words. */
function parseRules(text: string | undefined): RuleOverrides {
  if (text === undefined) return {};
  let rules: unknown;
  try {
    rules = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--rules is not JSON: ${jsonMistake((err as Error).message, text)}`);
  }
  try {
    const config = parseHubConfig({ homes: [{ id: 'eval', rules }] }, '--rules');
    return config.homes[0]?.rules ?? {};
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw new UsageError(err.message.replaceAll('homes[0].rules', 'rules'));
  }
}

function wholeNumber(name: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) {
    throw new UsageError(`--${name} must be a whole number from ${String(min)} to ${String(max)}, not '${text}'`);
  }
  return n;
}

/**
 * `npm run eval -- ARGS` and `telecare eval ARGS`. Returns the exit code: 0 done, 1 nothing to evaluate, 2 a mistake
 * on the command line (said before any data is read).
 */
export function runEval(args: readonly string[]): number {
  try {
    return evaluate(args);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`eval: ${err.message}\n(npm run eval -- --help says what it takes)\n`);
    return 2;
  }
}

function evaluate(args: readonly string[]): number {
  let values: ReturnType<typeof parseArgs<{ args: string[]; options: typeof OPTIONS }>>['values'];
  try {
    ({ values } = parseArgs({ args: [...args], options: OPTIONS }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) {
    process.stdout.write(
      [
        'Usage: npm run eval -- [--only homes|wearable] [--json] [--data DIR] [--home ID ...] [--max-cuts N] [--rules JSON] [--details] [--plain-cut] [--repeat N]',
        '       npm run eval -- --robustness [--failures] [--plain-cut] [--perturbation ID ...] [--home ID ...] [--max-cuts N] [--seed N] [--json]',
        '',
        'Evaluates detection on the real recordings in ../shared/data (or --data DIR):',
        '  homes     the inactivity family on Kasteren A, B, C and CASAS: false alarms, collapse delay by place',
        '  wearable  the wearable fall detector on SisFall and MobiFall, split by subject, through a sensor model:',
        '            20-200 Hz behind an anti-alias filter, ranges down to ±2 g, regular, irregular and harsh timing',
        'Held-out rows are the results; see eval/README.md and docs/fall-detection.md for the splits.',
        '--plain-cut drops every event after a collapse and sends nothing (no PIR clearing, no pulsing mat released).',
        '--repeat N plays each home N times on end, whole days apart (a long deployment: the rules learn from every pass',
        '         before; the later passes are days they have seen). Homes only; the gap between passes is not counted.',
        '--details lists every false alarm of the homes (UTC time, kind, threshold, last room and device, mat, cold start or',
        '          after, and what the annotation says the resident was doing when the silence began and at the alarm).',
        `--robustness re-runs the homes under sensor faults (150 cuts per home unless --max-cuts): ${PERTURBATIONS.map((p) => p.id).join(', ')}.`,
        `--seed N (with --robustness) draws the seeded rows (${SEEDED_PERTURBATIONS.join(', ')}) with seed N instead of ${String(DEFAULT_ROBUSTNESS_SEED)}:`,
        '         another layout of half-sensors, other events dropped...; the half-sensors-sN rows of --failures keep their own.',
        `--failures adds sensor failures (for tuning): ${FAILURE_PERTURBATIONS.map((p) => p.id).join(', ')}, and each device dropped alone (drop-one).`,
        'The same runs as `telecare eval ...` (after npm run build).',
        'Exit code: 0 done, 1 nothing to evaluate (no data folder, no such home), 2 a mistake in the options.',
        '',
      ].join('\n'),
    );
    return 0;
  }
  const only = values.only;
  if (only !== undefined && only !== 'homes' && only !== 'wearable') {
    throw new UsageError(`--only must be homes or wearable, not '${only}'`);
  }
  const repeat = wholeNumber('repeat', values.repeat, 1, 50) ?? 1;
  if (repeat > 1 && (values.robustness || only === 'wearable')) {
    throw new UsageError('--repeat applies to the homes alone (not --robustness, not --only wearable)');
  }
  const maxCuts = wholeNumber('max-cuts', values['max-cuts'], 1, 100_000);
  const seed = wholeNumber('seed', values.seed, 0, 2 ** 31 - 1);
  if (seed !== undefined && !values.robustness) throw new UsageError('--seed applies to --robustness alone');
  const rules = parseRules(values.rules);
  const knownPerturbations = new Set([...PERTURBATIONS, ...FAILURE_PERTURBATIONS].map((p) => p.id));
  const failureIds = new Set(FAILURE_PERTURBATIONS.map((p) => p.id));
  for (const id of values.perturbation ?? []) {
    if (!knownPerturbations.has(id) && id !== 'drop-one' && !id.startsWith('drop-one:')) {
      throw new UsageError(`no perturbation '${id}'; there are ${[...knownPerturbations, 'drop-one'].join(', ')}`);
    }
  }
  // A sensor failure asked for by name is run (it is one of the --failures rows).
  const failures =
    values.failures || (values.perturbation ?? []).some((id) => failureIds.has(id) || id.startsWith('drop-one'));
  const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const dataDir = values.data ?? path.resolve(projectRoot, '../shared/data');
  if (!fs.existsSync(dataDir) || !fs.statSync(dataDir).isDirectory()) {
    process.stderr.write(`eval: no data folder at ${dataDir} (see ../shared/data/README.md); nothing to evaluate\n`);
    return 1;
  }
  if (values.home && (values.robustness || only !== 'wearable')) {
    const passedOver: { folder: string; why: string }[] = [];
    const present = findHomes(dataDir, (s) => passedOver.push(s)).map((h) => h.id);
    const absent = values.home.filter((id) => !present.includes(id));
    if (absent.length > 0) {
      // A folder of that id that is there but cannot be evaluated says why (a wrong timezone.txt...).
      const why = passedOver
        .filter((s) => absent.includes(homeIdForFolder(s.folder)))
        .map((s) => `eval: ${s.folder} is not a home this can evaluate: ${s.why}\n`);
      process.stderr.write(
        why.join('') +
          `eval: no home ${absent.map((id) => `'${id}'`).join(', ')} under ${dataDir}; ` +
          (present.length > 0 ? `the homes there: ${present.join(', ')}\n` : 'no home recording is there\n'),
      );
      return 1;
    }
  }
  const progress = process.stderr.isTTY ? (m: string) => process.stderr.write(`\r\x1b[K${m}`) : undefined;
  // What was not evaluated is said, with why, and the rest evaluated (session 67): never a stack trace, never silence.
  const onSkip = (s: { folder: string; why: string; rows?: number }): void => {
    const what = s.rows === undefined ? `skipped ${s.folder}` : `${s.folder}: ${s.rows} row(s) left out`;
    process.stderr.write(`${progress ? '\r\x1b[K' : ''}eval: ${what}: ${s.why}\n`);
  };
  if (values.robustness) {
    const rows = evaluateRobustness(dataDir, {
      maxCutsPerHome: maxCuts ?? 150,
      rules,
      only: values.home,
      perturbations: values.perturbation,
      failures,
      seed,
      plainCut: values['plain-cut'],
      onProgress: progress,
      onSkip,
    });
    if (progress) process.stderr.write('\r\x1b[K');
    if (rows.length === 0) {
      process.stderr.write(`eval: no home recording found under ${dataDir}\n`);
      return 1;
    }
    if (values.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    else process.stdout.write(formatRobustnessTable(rows, seed));
    if (values.details && !values.json)
      for (const r of rows)
        if (r.result) {
          process.stdout.write(`\n[${r.perturbation}] `);
          process.stdout.write(
            formatFalseAlarms({ options: { ...DEFAULT_HOMES_OPTIONS }, tuningHomes: [], homes: [r.result] }),
          );
        }
    return 0;
  }
  let homes: HomesResults | undefined;
  if (only !== 'wearable') {
    homes = evaluateHomes(dataDir, {
      maxCutsPerHome: maxCuts ?? DEFAULT_HOMES_OPTIONS.maxCutsPerHome,
      rules,
      only: values.home,
      plainCut: values['plain-cut'],
      repeat,
      onProgress: progress,
      onSkip,
    });
    if (progress) process.stderr.write('\r\x1b[K');
  }
  let wearables: WearableResults | undefined;
  if (only !== 'homes') {
    wearables = evaluateWearables(dataDir, {
      onProgress: progress ? (what, done, total) => progress(`${what}: ${done}/${total} trials`) : undefined,
      onSkip: (file, why) => onSkip({ folder: path.relative(dataDir, file), why }),
    });
    if (progress) process.stderr.write('\r\x1b[K');
  }
  if ((homes?.homes.length ?? 0) === 0 && (wearables?.rows.length ?? 0) === 0) {
    process.stderr.write(`eval: no home recording or fall dataset found under ${dataDir}\n`);
    return 1;
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ homes, wearables }, null, 2)}\n`);
    return 0;
  }
  if (homes && homes.homes.length > 0) process.stdout.write(formatHomesTable(homes));
  if (homes && values.details) process.stdout.write(`\n${formatFalseAlarms(homes)}`);
  if (wearables && wearables.rows.length > 0) {
    process.stdout.write(
      '\nWearable fall detection (held-out rows are the results; goals: sensitivity and specificity ≥ 95 %, < 0.1 false alarm per hour of walking)\n',
    );
    process.stdout.write(`${formatWearableTable(wearables, { details: values.details })}\n`);
  }
  return 0;
}

// Run as `node dist/eval/run.js` (`npm run eval`); `telecare eval` imports runEval.
if (process.argv[1] && import.meta.url === pathToFileURL(fs.realpathSync(process.argv[1])).href) {
  process.exitCode = runEval(process.argv.slice(2));
}
