// `npm run eval`: the inactivity family on every real home present in ../shared/data, one table on stdout (or --json).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { RuleOverrides } from '../rules/params.js';
import { DEFAULT_HOMES_OPTIONS, evaluateHomes, formatHomesTable } from './homes.js';

function main(): void {
  const { values } = parseArgs({
    options: {
      data: { type: 'string' },
      json: { type: 'boolean', default: false },
      'max-cuts': { type: 'string' },
      home: { type: 'string', multiple: true },
      rules: { type: 'string' },
    },
  });
  const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const dataDir = values.data ?? path.resolve(projectRoot, '../shared/data');
  if (!fs.existsSync(dataDir)) {
    process.stderr.write(`eval: no data folder at ${dataDir} (see ../shared/data/README.md); nothing to evaluate\n`);
    process.exitCode = 1;
    return;
  }
  const progress = process.stderr.isTTY ? (m: string) => process.stderr.write(`\r\x1b[K${m}`) : undefined;
  const results = evaluateHomes(dataDir, {
    maxCutsPerHome: values['max-cuts'] ? Number(values['max-cuts']) : DEFAULT_HOMES_OPTIONS.maxCutsPerHome,
    rules: values.rules ? (JSON.parse(values.rules) as RuleOverrides) : {},
    only: values.home,
    onProgress: progress,
  });
  if (progress) process.stderr.write('\r\x1b[K');
  if (results.homes.length === 0) {
    process.stderr.write(`eval: no home recording found under ${dataDir}\n`);
    process.exitCode = 1;
    return;
  }
  process.stdout.write(values.json ? `${JSON.stringify(results, null, 2)}\n` : formatHomesTable(results));
}

main();
