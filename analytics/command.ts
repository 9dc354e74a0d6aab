// `telecare report`: write the council prevention report from the hub's database (JSON or CSV).
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Command } from 'commander';
import { configPath, loadHubConfig } from '../hub/config.js';
import { hasTable } from '../hub/event-reads.js';
import { DateRangeError } from './activity.js';
import { preventionReport, reportTimezone, toCsv } from './report.js';
import { dayToIsoDate, isoDateToDay, ZoneClock } from '../rules/local-time.js';

interface ReportOptions {
  dataDir?: string;
  config?: string;
  from?: string;
  to?: string;
  format: string;
  out?: string;
}

/** Default period: the 30 local days ending yesterday. */
const DEFAULT_DAYS = 30;

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('write the council prevention report (aggregated counts only; nobody named or pseudonymised)')
    .option('--data-dir <dir>', 'hub data folder holding hub.db (default: $HUB_DATA_DIR or ./data)')
    .option('--config <file>', 'configuration file (default: $HUB_CONFIG or ./telecare.config.json)')
    .option('--from <date>', `first local date, YYYY-MM-DD (default: the ${DEFAULT_DAYS} days ending on --to)`)
    .option('--to <date>', 'last local date, YYYY-MM-DD (default: yesterday)')
    .option('--format <format>', 'json or csv', 'json')
    .option('--out <file>', 'write to this file instead of stdout')
    .addHelpText(
      'after',
      '\nCounts of 1 to 7 are shown as *, others rounded to the nearest 5; a total is its parts as shown added up (*\n' +
        'counted as 0); outcomes are null (withheld) where, with the kinds, they would give away a count shown as *;\n' +
        'a count that is part of the kinds or habits (urgent alerts, flags followed by an alert, residents with an\n' +
        'alert) is never shown above what they allow, and may then be up to 3 below the exact count.\n' +
        'A period of more than one calendar month is the sum of its months as shown (the first and last clipped to\n' +
        '--from and --to), each counted and rounded on its own, so overlapping periods tell nothing by difference.\n' +
        'The hub may be running: the report only reads, apart from creating the daily-features cache on\n' +
        'first use.',
    )
    .action((options: ReportOptions) => {
      try {
        runReport(options);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        process.stderr.write(`telecare report: ${message}\n`);
        process.exitCode = err instanceof DateRangeError || err instanceof UsageError ? 2 : 1;
      }
    });
}

class UsageError extends Error {}

/** Tables every hub database has from its first start (hub/store migrations), which the report reads. */
const HUB_TABLES = ['events', 'alerts', 'schema_migrations'];

function runReport(options: ReportOptions): void {
  if (options.format !== 'json' && options.format !== 'csv') {
    throw new UsageError(`--format: '${options.format}' is not json or csv`);
  }
  const dataDir = path.resolve(options.dataDir ?? (process.env.HUB_DATA_DIR || 'data'));
  const dbFile = path.join(dataDir, 'hub.db');
  if (!existsSync(dbFile)) {
    throw new UsageError(`no hub database at ${dbFile} (start the hub once, or give --data-dir)`);
  }
  const config = options.config
    ? loadHubConfig(path.resolve(options.config), { required: true })
    : loadHubConfig(configPath(), { required: Boolean(process.env.HUB_CONFIG) });

  const now = Date.now();
  const yesterday = new ZoneClock(reportTimezone(config)).dayNumber(now) - 1;
  const toDay = options.to === undefined ? yesterday : isoDateToDay(options.to);
  if (toDay === undefined) throw new DateRangeError(`--to: '${options.to}' is not a date YYYY-MM-DD`);
  if (options.from !== undefined && isoDateToDay(options.from) === undefined) {
    throw new DateRangeError(`--from: '${options.from}' is not a date YYYY-MM-DD`);
  }
  const to = dayToIsoDate(toDay);
  const from = options.from ?? dayToIsoDate(toDay - (DEFAULT_DAYS - 1));

  const db = new Database(dbFile, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    // Another program's SQLite file under the name would give a report of zeros, as if nothing had happened.
    const missing = HUB_TABLES.filter((t) => !hasTable(db, t));
    if (missing.length > 0) {
      throw new UsageError(
        `${dbFile} is not a hub database (no ${missing.join(' or ')} table): give the hub's --data-dir`,
      );
    }
    const report = preventionReport({ db, config, from, to, now });
    const text = options.format === 'csv' ? toCsv(report) : `${JSON.stringify(report, null, 2)}\n`;
    if (options.out) writeFileSync(path.resolve(options.out), text);
    else process.stdout.write(text);
  } finally {
    db.close();
  }
}
