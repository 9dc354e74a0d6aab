// `npm run eval`: the inactivity family on every real home and the wearable fall detector on every fall dataset
// present in ../shared/data; tables on stdout (or --json), progress on stderr.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { RuleOverrides } from '../rules/params.js';
import {
  DEFAULT_HOMES_OPTIONS,
  evaluateHomes,
  formatFalseAlarms,
  formatHomesTable,
  type HomesResults,
} from './homes.js';
import { evaluateRobustness, formatRobustnessTable, PERTURBATIONS, FAILURE_PERTURBATIONS } from './homes-robustness.js';
import { evaluateWearables, formatWearableTable, type WearableResults } from './wearable.js';

function main(): void {
  const { values } = parseArgs({
    options: {
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
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      [
        'Usage: npm run eval -- [--only homes|wearable] [--json] [--data DIR] [--home ID ...] [--max-cuts N] [--rules JSON] [--details] [--plain-cut] [--repeat N]',
        '       npm run eval -- --robustness [--failures] [--plain-cut] [--perturbation ID ...] [--home ID ...] [--max-cuts N] [--json]',
        '',
        'Evaluates detection on the real recordings in ../shared/data (or --data DIR):',
        '  homes     the inactivity family on Kasteren A, B, C and CASAS: false alarms, collapse delay by place',
        '  wearable  the wearable fall detector on SisFall and MobiFall, split by subject, through a sensor model:',
        '            20-200 Hz behind an anti-alias filter, ranges down to ±2 g, regular, irregular and harsh timing',
        'Held-out rows are the results; see eval/README.md and docs/fall-detection.md for the splits.',
        '--plain-cut drops every event after a collapse and sends nothing (no PIR clearing, no pulsing mat released).',
        '--repeat N plays each home N times on end, whole days apart (a long deployment: the rules learn from every pass',
        '         before; the later passes are days they have seen). Homes only; the gap between passes is not counted.',
        '--details lists every false alarm of the homes (local time, kind, threshold, last room and device, mat).',
        `--robustness re-runs the homes under sensor faults (150 cuts per home unless --max-cuts): ${PERTURBATIONS.map((p) => p.id).join(', ')}.`,
        `--failures adds sensor failures (for tuning): ${FAILURE_PERTURBATIONS.map((p) => p.id).join(', ')}, and each device dropped alone (drop-one).`,
        '',
      ].join('\n'),
    );
    return;
  }
  const only = values.only;
  if (only !== undefined && only !== 'homes' && only !== 'wearable') {
    process.stderr.write(`eval: --only must be homes or wearable, not '${only}'\n`);
    process.exitCode = 2;
    return;
  }
  const repeat = values.repeat === undefined ? 1 : Number(values.repeat);
  if (!Number.isInteger(repeat) || repeat < 1 || repeat > 50) {
    process.stderr.write(`eval: --repeat must be a whole number from 1 to 50, not '${values.repeat ?? ''}'\n`);
    process.exitCode = 2;
    return;
  }
  if (repeat > 1 && (values.robustness || only === 'wearable')) {
    process.stderr.write('eval: --repeat applies to the homes alone (not --robustness, not --only wearable)\n');
    process.exitCode = 2;
    return;
  }
  const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const dataDir = values.data ?? path.resolve(projectRoot, '../shared/data');
  if (!fs.existsSync(dataDir)) {
    process.stderr.write(`eval: no data folder at ${dataDir} (see ../shared/data/README.md); nothing to evaluate\n`);
    process.exitCode = 1;
    return;
  }
  const progress = process.stderr.isTTY ? (m: string) => process.stderr.write(`\r\x1b[K${m}`) : undefined;
  if (values.robustness) {
    const rows = evaluateRobustness(dataDir, {
      maxCutsPerHome: values['max-cuts'] ? Number(values['max-cuts']) : 150,
      rules: values.rules ? (JSON.parse(values.rules) as RuleOverrides) : {},
      only: values.home,
      perturbations: values.perturbation,
      failures: values.failures,
      plainCut: values['plain-cut'],
      onProgress: progress,
    });
    if (progress) process.stderr.write('\r\x1b[K');
    if (rows.length === 0) {
      process.stderr.write(`eval: no home recording found under ${dataDir}\n`);
      process.exitCode = 1;
      return;
    }
    if (values.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    else process.stdout.write(formatRobustnessTable(rows));
    if (values.details && !values.json)
      for (const r of rows)
        if (r.result) {
          process.stdout.write(`\n[${r.perturbation}] `);
          process.stdout.write(
            formatFalseAlarms({ options: { ...DEFAULT_HOMES_OPTIONS }, tuningHomes: [], homes: [r.result] }),
          );
        }
    return;
  }
  let homes: HomesResults | undefined;
  if (only !== 'wearable') {
    homes = evaluateHomes(dataDir, {
      maxCutsPerHome: values['max-cuts'] ? Number(values['max-cuts']) : DEFAULT_HOMES_OPTIONS.maxCutsPerHome,
      rules: values.rules ? (JSON.parse(values.rules) as RuleOverrides) : {},
      only: values.home,
      plainCut: values['plain-cut'],
      repeat,
      onProgress: progress,
    });
    if (progress) process.stderr.write('\r\x1b[K');
  }
  let wearables: WearableResults | undefined;
  if (only !== 'homes') {
    wearables = evaluateWearables(dataDir, {
      onProgress: progress ? (what, done, total) => progress(`${what}: ${done}/${total} trials`) : undefined,
    });
    if (progress) process.stderr.write('\r\x1b[K');
  }
  if ((homes?.homes.length ?? 0) === 0 && (wearables?.rows.length ?? 0) === 0) {
    process.stderr.write(`eval: no home recording or fall dataset found under ${dataDir}\n`);
    process.exitCode = 1;
    return;
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ homes, wearables }, null, 2)}\n`);
    return;
  }
  if (homes && homes.homes.length > 0) process.stdout.write(formatHomesTable(homes));
  if (homes && values.details) process.stdout.write(`\n${formatFalseAlarms(homes)}`);
  if (wearables && wearables.rows.length > 0) {
    process.stdout.write(
      '\nWearable fall detection (held-out rows are the results; goals: sensitivity and specificity ≥ 95 %, < 0.1 false alarm per hour of walking)\n',
    );
    process.stdout.write(`${formatWearableTable(wearables, { details: values.details })}\n`);
  }
}

main();
