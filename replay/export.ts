// `telecare export`: the events a hub stored for some homes, as the NDJSON lines `telecare replay` reads. So a night
// that raised an alert can be replayed through every rule (with other rule parameters, or a newer hub's rules), and a
// home's record handed over, without reading SQLite by hand.
import { createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import Database from 'better-sqlite3';
import type { Database as Db } from 'better-sqlite3';
import type { Command } from 'commander';
import { configPath, loadHubConfig } from '../hub/config.js';
import type { HubConfig } from '../hub/config-types.js';
import { openPrivateFile } from '../hub/private-files.js';
import { hasEventsTable, homeEventsAsStored } from '../hub/event-reads.js';
import type { StoredEvent } from '../hub/store.js';
import { parseIsoMs } from '../rules/iso-time.js';
import { isoDateToDay, ZoneClock } from '../rules/local-time.js';
import { DAY_MS } from '../rules/time.js';

interface ExportOptions {
  home: string[];
  dataDir?: string;
  config?: string;
  from?: string;
  to?: string;
  out?: string;
}

/** Default period: the 7 days up to now. */
const DEFAULT_DAYS = 7;

export class ExportUsageError extends Error {}

/** One home's events to export: `fromMs <= ts < toMs`. */
export interface ExportRange {
  homeId: string;
  fromMs: number;
  toMs: number;
}

/**
 * `--from` / `--to` of one home: a local date (YYYY-MM-DD, the home's midnight; `--to` takes that whole day) or a time
 * (ISO 8601; without a zone, the home's local time), as `telecare replay` reads its lines' times.
 */
export function exportRange(
  homeId: string,
  zone: ZoneClock,
  from: string | undefined,
  to: string | undefined,
  now: number,
): ExportRange {
  const instant = (text: string, option: string, endOfDay: boolean): number => {
    const day = isoDateToDay(text);
    if (day !== undefined) return zone.instantOf(endOfDay ? day + 1 : day, 0);
    const ms = /^\d{4}-\d{2}-\d{2}T/.test(text) ? parseIsoMs(text, zone) : NaN;
    if (!Number.isFinite(ms)) {
      throw new ExportUsageError(
        `${option}: '${text}' is neither a date YYYY-MM-DD nor a time YYYY-MM-DDTHH:MM[:SS][zone]`,
      );
    }
    return ms;
  };
  const toMs = to === undefined ? now : instant(to, '--to', true);
  const fromMs = from === undefined ? toMs - DEFAULT_DAYS * DAY_MS : instant(from, '--from', false);
  if (fromMs >= toMs) throw new ExportUsageError(`--from (${from ?? 'default'}) is not before --to (${to ?? 'now'})`);
  return { homeId, fromMs, toMs };
}

/**
 * A stored event as a replay line: what the hub received, its `ts` as stored (the sensor's, unless implausible), room
 * and kind as stored, and `receivedAt` when it came before its `ts`.
 */
export function replayLine(event: StoredEvent): string {
  const line: Record<string, unknown> = {
    homeId: event.homeId,
    deviceId: event.deviceId,
    type: event.type,
    value: event.value,
    ts: new Date(event.ts).toISOString(),
  };
  if (event.room !== undefined) line.room = event.room;
  if (event.kind !== undefined) line.kind = event.kind;
  // Stamped ahead of the hub's clock: the hub's rules took it when it came, not at its stamp (replay does the same).
  if (event.receivedAt < event.ts) line.receivedAt = new Date(event.receivedAt).toISOString();
  return JSON.stringify(line);
}

/** When the hub's rules took a stored event: at its arrival if stamped ahead of it, else at its own time (as a rebuild). */
const rulesTime = (event: StoredEvent): number => Math.min(event.ts, event.receivedAt);

/**
 * Every stored event of the ranges' homes: each home's in the order the hub stored them (its rules' order live), the
 * homes' merged by when the rules took them (one time line, as replay wants), read page by page, one line at a time.
 * Returns the number of events per home.
 */
export function* exportedLines(db: Db, ranges: readonly ExportRange[]): Generator<string, Map<string, number>> {
  const counts = new Map(ranges.map((r) => [r.homeId, 0]));
  const heads = ranges.map((r) => {
    const events = homeEventsAsStored(db, r.homeId, r.fromMs, r.toMs);
    return { events, next: events.next() };
  });
  for (;;) {
    let first: (typeof heads)[number] | undefined;
    for (const head of heads) {
      if (head.next.done) continue;
      if (first === undefined || rulesTime(head.next.value) < rulesTime(first.next.value as StoredEvent)) first = head;
    }
    if (first === undefined) return counts;
    const event = first.next.value as StoredEvent;
    counts.set(event.homeId, (counts.get(event.homeId) ?? 0) + 1);
    yield replayLine(event);
    first.next = first.events.next();
  }
}

export function registerExportCommand(program: Command): void {
  program
    .command('export')
    .description("write the events the hub stored for some homes as NDJSON, the lines 'telecare replay' reads")
    .requiredOption('--home <id...>', 'home id (several: their events on one time line)')
    .option('--from <when>', `first local date YYYY-MM-DD, or a time (default: ${DEFAULT_DAYS} days before --to)`)
    .option('--to <when>', 'last local date YYYY-MM-DD (the whole day), or a time, not included (default: now)')
    .option('--data-dir <dir>', 'hub data folder holding hub.db (default: $HUB_DATA_DIR or ./data)')
    .option(
      '--config <file>',
      "configuration file, for the homes' time zones (default: $HUB_CONFIG or ./telecare.config.json)",
    )
    .option('--out <file>', 'write to this file instead of stdout')
    .addHelpText(
      'after',
      "\nDates and times without a zone are the home's local time (its zone in the configuration, else UTC). Each line\n" +
        "is an event the hub stored, in the order its rules took them, with its sensor's time (and receivedAt when the\n" +
        "sensor's clock ran ahead of the hub's: the rules took it then). Replay it with\n" +
        '  telecare export --home h1 --from 2026-12-01 --to 2026-12-01 | telecare replay --input - --config telecare.config.json\n' +
        'The lines hold what the sensors of a home said: personal data, to be kept and handed over as such. The hub may be\n' +
        'running: the export only reads.',
    )
    .action(async (options: ExportOptions) => {
      try {
        await runExport(options);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        process.stderr.write(`telecare export: ${message}\n`);
        process.exitCode = err instanceof ExportUsageError ? 2 : 1;
      }
    });
}

async function runExport(options: ExportOptions): Promise<void> {
  const dataDir = path.resolve(options.dataDir ?? (process.env.HUB_DATA_DIR || 'data'));
  const dbFile = path.join(dataDir, 'hub.db');
  if (!existsSync(dbFile)) throw new ExportUsageError(`no hub database at ${dbFile} (give the hub's --data-dir)`);
  const config: HubConfig = options.config
    ? loadHubConfig(path.resolve(options.config), { required: true })
    : loadHubConfig(configPath(), { required: Boolean(process.env.HUB_CONFIG) });
  const now = Date.now();
  const ranges = [...new Set(options.home)].map((homeId) => {
    const home = config.homes.find((h) => h.id === homeId);
    if (!home)
      process.stderr.write(`telecare export: home '${homeId}' is not in the configuration: its dates are UTC\n`);
    return exportRange(homeId, new ZoneClock(home?.timezone ?? 'UTC'), options.from, options.to, now);
  });

  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  let out: WriteStream | undefined;
  try {
    db.pragma('busy_timeout = 5000');
    if (!hasEventsTable(db)) throw new ExportUsageError(`${dbFile} is not a hub database (no events table)`);
    // Opened here, so that a folder that does not exist is said at once, as an error, not after reading. Personal data:
    // readable by its owner only, as hub.db.
    out = options.out ? createWriteStream('', { fd: openPrivateFile(path.resolve(options.out)) }) : undefined;
    const sink: NodeJS.WritableStream = out ?? process.stdout;
    const lines = exportedLines(db, ranges);
    let step = lines.next();
    while (!step.done) {
      // Back-pressure: a big export into a slow pipe (a replay) is not held in memory.
      if (!sink.write(`${step.value}\n`)) await once(sink, 'drain');
      step = lines.next();
    }
    for (const [homeId, count] of step.value) process.stderr.write(`telecare export: ${homeId}: ${count} events\n`);
  } finally {
    db.close();
    if (out) {
      out.end();
      await finished(out);
    }
  }
}
