// `telecare replay`: replay recorded events through every rule on a simulated clock (SPEC 8).
import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { once } from 'node:events';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { parseHubConfig, readConfigJson, timeZoneOption } from '../hub/config.js';
import { openPrivateFile } from '../hub/private-files.js';
import { parseIsoMs } from '../rules/iso-time.js';
import { ZoneClock } from '../rules/local-time.js';
import type { HomeConfig } from '../rules/types.js';
import { DEVICE_KINDS } from '../rules/vocabulary.js';
import { casasLineParser } from './casas.js';
import { Replayer } from './replay.js';
import { replayStream } from './stream.js';

interface ReplayCliOptions {
  input: string;
  config?: string;
  format: string;
  tz: string;
  drain: string;
  prealerts?: boolean;
  features?: string;
  home: string;
  startedAt: string;
}

/**
 * `--started-at`: when the hub started watching the configured homes (`RulesEngine.watch`): `first-event` (the
 * default: a hub started as the recording begins, as the evaluation replays its homes), an ISO 8601 time or epoch
 * milliseconds (the hub's real start), or `none` (homes watched from their first report only).
 */
export function parseStartedAt(text: string): number | 'first-event' | undefined {
  if (text === 'first-event') return 'first-event';
  if (text === 'none') return undefined;
  const ms = /^\d+$/.test(text) ? Number(text) : parseIsoMs(text);
  if (!Number.isFinite(ms))
    throw new Error(`--started-at must be first-event, none, an ISO 8601 time or epoch ms, not "${text}"`);
  return ms;
}

/**
 * Homes from a hub configuration (`{ homes: [...] }`), a list of homes, or one home, read and validated by the hub's
 * own loader (the same file starts a hub or fails with the same message naming the field); a home without a
 * timezone takes `defaultTimezone`, other gaps the hub's defaults.
 */
export function loadReplayHomes(file: string, defaultTimezone: string): HomeConfig[] {
  const parsed = readConfigJson(file);
  const hubShaped =
    parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) && 'homes' in parsed
      ? (parsed as Record<string, unknown>)
      : { homes: Array.isArray(parsed) ? parsed : [parsed] };
  const homes = Array.isArray(hubShaped.homes)
    ? hubShaped.homes.map((h: unknown) =>
        h !== null && typeof h === 'object' && !('timezone' in h) ? { ...h, timezone: defaultTimezone } : h,
      )
    : hubShaped.homes;
  return [...parseHubConfig({ ...hubShaped, homes }, file).homes];
}

/**
 * The `--features` file, opened (emptied) before the replay: a path that cannot be written fails at once, not after
 * the whole input was replayed, and the input itself is refused (it was overwritten with the features).
 */
function openFeaturesFile(file: string, input: string): number {
  const written = fs.statSync(file, { throwIfNoEntry: false });
  const read = input === '-' || written === undefined ? undefined : fs.statSync(input, { throwIfNoEntry: false });
  if (written !== undefined && read !== undefined && written.dev === read.dev && written.ino === read.ino) {
    throw new Error(`--features ${file} is the --input file: it would be overwritten`);
  }
  try {
    // A home's daily features (rising time, bathroom visits...) are personal data: readable by their owner only.
    return openPrivateFile(file);
  } catch (err) {
    throw new Error(`--features ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err });
  }
}

async function write(out: NodeJS.WritableStream, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}

/** `--input` names a recording this can read: said by the option's name, not as a bare EISDIR or ENOENT. */
function checkInput(input: string): void {
  if (input === '-') return;
  const stat = fs.statSync(input, { throwIfNoEntry: false });
  if (stat === undefined) throw new Error(`--input ${input}: no such file`);
  if (stat.isDirectory()) {
    throw new Error(
      `--input ${input} is a folder: give the recording's file (one JSON event per line, or a CASAS home's text ` +
        'file with --format casas), or "-" for stdin',
    );
  }
}

async function runReplay(o: ReplayCliOptions): Promise<void> {
  const drainHours = Number(o.drain);
  if (!Number.isFinite(drainHours) || drainHours < 0)
    throw new Error(`--drain must be a number of hours, not "${o.drain}"`);
  if (o.format !== 'ndjson' && o.format !== 'casas')
    throw new Error(`--format must be ndjson or casas, not "${o.format}"`);
  checkInput(o.input);
  const startedAt = parseStartedAt(o.startedAt);
  const { warning } = timeZoneOption(o.tz, '--tz');
  if (warning !== undefined) process.stderr.write(`replay: warning: ${warning}\n`);
  const zone = new ZoneClock(o.tz);
  const homes = o.config ? loadReplayHomes(o.config, o.tz) : [];
  const featuresFd = o.features === undefined ? undefined : openFeaturesFile(o.features, o.input);
  try {
    await replayInto(o, { drainHours, startedAt, zone, homes, featuresFd });
  } finally {
    if (featuresFd !== undefined) fs.closeSync(featuresFd);
  }
}

async function replayInto(
  o: ReplayCliOptions,
  setup: {
    drainHours: number;
    startedAt: number | 'first-event' | undefined;
    zone: ZoneClock;
    homes: HomeConfig[];
    featuresFd: number | undefined;
  },
): Promise<void> {
  const { drainHours, startedAt, zone, homes, featuresFd } = setup;

  // Alerts are few: buffer them and write in batches so stdout never slows the replay down.
  let pending = '';
  const replayer = new Replayer({
    homes,
    defaultTimezone: o.tz,
    drainHours,
    startedAt,
    features: featuresFd !== undefined,
    // The hub's daily routine review raises alerts too (SPEC 7's routine-change flags): every alert, as live.
    routineReview: true,
    onAlert: (alert) => {
      pending += `${JSON.stringify(alert)}\n`;
    },
    onPrealert: o.prealerts
      ? (p) => {
          pending += `${JSON.stringify(p)}\n`;
        }
      : undefined,
  });

  const input: Readable = o.input === '-' ? process.stdin : fs.createReadStream(o.input, { highWaterMark: 1 << 20 });
  const totalBytes = o.input === '-' ? 0 : fs.statSync(o.input).size;
  const bar =
    process.stderr.isTTY && totalBytes > 0
      ? new cliProgress.SingleBar(
          { stream: process.stderr, format: 'replay [{bar}] {percentage}% | {eta_formatted} left', hideCursor: true },
          cliProgress.Presets.shades_classic,
        )
      : undefined;
  bar?.start(totalBytes, 0);

  const skipped = await replayStream(input, replayer, {
    parseLine: o.format === 'casas' ? casasLineParser(o.home, zone) : undefined,
    onProgress: (bytes) => {
      bar?.update(bytes);
      if (pending.length > 65_536) {
        process.stdout.write(pending);
        pending = '';
      }
    },
  });
  const stats = replayer.finish();
  bar?.update(totalBytes);
  bar?.stop();
  await write(process.stdout, pending);

  if (featuresFd !== undefined) {
    const lines = replayer
      .dailyFeatures()
      .map((f) => JSON.stringify(f))
      .join('\n');
    fs.writeFileSync(featuresFd, lines.length > 0 ? `${lines}\n` : '');
  }
  const kinds = Object.entries(stats.alertsByKind)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  const reasons = Object.entries(stats.droppedByReason)
    .map(([r, n]) => `${r} ${n}`)
    .join(', ');
  // Lines a live hub's ingest would refuse, named so the file can be fixed (the values themselves are not shown).
  const drops =
    (reasons ? `replay: dropped, as a live hub would refuse them: ${reasons}\n` : '') +
    stats.firstDropped.map((d) => `replay: dropped line ${d.line}: ${d.reason}: ${d.message}\n`).join('');
  const seconds =
    stats.secondsLikeTs > 0
      ? `replay: warning: ${stats.secondsLikeTs} line(s) have a ts that reads as epoch seconds (1970 as milliseconds); ` +
        'ts is epoch milliseconds (or ISO 8601): multiply by 1000\n'
      : '';
  const unknown = Object.entries(stats.unknownKinds)
    .map(([name, n]) => `${JSON.stringify(name.slice(0, 40))} (${n} line${n === 1 ? '' : 's'})`)
    .join(', ');
  const kindsUnknown = unknown
    ? `replay: warning: kind(s) not understood, read by each line's type and room instead: ${unknown}; ` +
      `SPEC 3's kinds: ${DEVICE_KINDS.join(', ')}\n`
    : '';
  const unsorted =
    stats.late > 0
      ? `replay: warning: ${stats.late} line(s) older than the line before them; the input is read in time order ` +
        '(SPEC 8: sort it by ts), so each was taken as a late report, as a live hub takes a bridge flushing its buffer\n'
      : '';
  // A way out the rules learned (no exit door configured or named): the installer's configuration should say it.
  const learned = stats.exitDoorsLearned
    .map(
      (d) =>
        `replay: exit door learned from the outings (none configured): ${d.homeId} ${d.deviceId} at ${d.at}; ` +
        'mark it "kind": "exit-door" in the configuration to be sure\n',
    )
    .join('');
  const drained =
    stats.drainedAlerts > 0
      ? `replay: ${stats.drainedAlerts} of them raised during the ${drainHours} h drain after the last event ` +
        '(marked "drained": true; a live hub raises them only if nothing happens meanwhile)\n'
      : '';
  process.stderr.write(
    `replay: ${stats.events} events (${stats.dropped} dropped${skipped ? `, ${skipped} skipped` : ''}${stats.late ? `, ${stats.late} out of order` : ''}${stats.accelSamplesDropped ? `, ${stats.accelSamplesDropped} accel samples dropped` : ''}) ` +
      `from ${stats.homes} home(s), ${stats.firstEventAt ?? '-'} to ${stats.lastEventAt ?? '-'} (+${drainHours} h drain)\n` +
      drops +
      seconds +
      kindsUnknown +
      unsorted +
      learned +
      `replay: ${stats.alerts} alert(s)${kinds ? `: ${kinds}` : ''}\n` +
      drained +
      `replay: ${(stats.wallMs / 1000).toFixed(2)} s, ${stats.eventsPerSecond.toLocaleString('en-GB')} events/s\n`,
  );
}

export function registerReplayCommand(program: Command): void {
  program
    .command('replay')
    .description('replay recorded events through every rule on a simulated clock; alerts as NDJSON on stdout')
    .requiredOption('--input <file>', 'events, one JSON per line in time order ("-" for stdin)')
    .option('--config <file>', 'configuration with the homes (hub configuration, list of homes, or one home)')
    .option(
      '--format <format>',
      "input format: ndjson, or casas (a CASAS home's text file in any of its line formats: Aruba's, AL-Smarthome's, the HH homes')",
      'ndjson',
    )
    .option(
      '--tz <zone>',
      'IANA timezone of homes absent from the configuration (their local times: a ts without a zone, CASAS times)',
      'UTC',
    )
    .option(
      '--drain <hours>',
      'hours the clock runs on after the last event so due timers fire (alerts then are marked "drained": true)',
      '24',
    )
    .option('--prealerts', 'also write pre-alerts (warnings to the resident) to stdout')
    .option('--features <file>', "write every home's daily features (one JSON per line) to this file")
    .option('--home <id>', 'home id for --format casas', 'casas')
    .option(
      '--started-at <time>',
      'when the hub started watching the configured homes (a home silent since is called as live): ' +
        'first-event, an ISO time, epoch ms, or none',
      'first-event',
    )
    .action(async (o: ReplayCliOptions) => {
      await runReplay(o);
    });
}
