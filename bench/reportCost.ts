// What the council report costs on a sheltered scheme's year (review, session 72): `build` writes a hub database of 200
// flats × 365 days (events and alerts, through the hub's own event store and alert service); `measure` times the
// report (`preventionReport`, of the analytics module given, so that an older build can be timed on the same
// database) over 1, 3 and 12 months and prints its heap and RSS, and the SQL statements it ran.
//   node dist/bench/reportCost.js build <dir> [--flats 200] [--days 365]
//   node dist/bench/reportCost.js measure <dir> <from> <to> [--runs 5] [--module <path to analytics/report.js>]
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { AlertService } from '../hub/alerts/service.js';
import { FakeClock } from '../hub/clock.js';
import { parseHubConfig } from '../hub/config.js';
import { silentLogger } from '../hub/logger.js';
import { createMetricsRegistry } from '../hub/metrics.js';
import { EventStore, openHubDatabase } from '../hub/store.js';
import type { HubConfig } from '../hub/config-types.js';
import type { AlertKind, Outcome } from '../rules/vocabulary.js';
import type { SensorEvent } from '../rules/types.js';
import { DAY_MS } from '../rules/time.js';
import { benchConfig } from './configs.js';

/** The year written: 2026 (local dates in Europe/London), so that its months are whole. */
export const YEAR_START = Date.UTC(2026, 0, 1);

/** Alerts a flat raises in 30 days, by kind (a sheltered scheme's mix, about 7 a flat a month), and their severity. */
const MONTHLY: [AlertKind, string, number][] = [
  ['pendant', 'critical', 2.5],
  ['fall', 'critical', 0.3],
  ['possible-fall', 'high', 0.6],
  ['inactivity', 'high', 0.4],
  ['no-morning-activity', 'medium', 0.6],
  ['bathroom-too-long', 'high', 0.4],
  ['night-exit', 'high', 0.3],
  ['sensor-offline', 'low', 0.8],
  ['low-battery', 'low', 0.4],
  ['routine-change', 'low', 0.7],
];
const OUTCOMES_USED: Outcome[] = [
  'false-alarm',
  'no-action-needed',
  'no-action-needed',
  'assisted-at-home',
  'carer-visit',
  'ambulance',
];
const FEATURES = ['nightBathroomVisits', 'firstKitchenMinute', 'activeHours', 'outings'];

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Writes the database and `telecare.config.json` into `dir`. Events: each flat's hall sensor every 20 minutes (the
 * report reads events only through index seeks, `homeHasEvents`, so their number changes its cost little); alerts:
 * `MONTHLY`'s mix at random times, each acknowledged after 15 s to 4 min and resolved (but the last days' some open).
 */
export async function build(dir: string, flats: number, days: number): Promise<{ events: number; alerts: number }> {
  fs.mkdirSync(dir, { recursive: true });
  const raw = benchConfig(flats);
  fs.writeFileSync(path.join(dir, 'telecare.config.json'), JSON.stringify(raw));
  const config: HubConfig = parseHubConfig(raw);
  const db = openHubDatabase(path.join(dir, 'hub.db'));
  db.pragma('synchronous = OFF');
  const clock = new FakeClock(YEAR_START);
  const store = new EventStore(db, clock, undefined, { syncOffLoop: false });
  let events = 0;
  for (const home of config.homes) {
    const device = home.devices.find((d) => d.kind === 'motion') ?? home.devices[0];
    if (!device) continue;
    const batch: SensorEvent[] = [];
    for (let ts = YEAR_START; ts < YEAR_START + days * DAY_MS; ts += 20 * 60_000) {
      batch.push({
        homeId: home.id,
        deviceId: device.id,
        type: 'motion',
        value: true,
        ts,
        source: 'mqtt',
        ...(device.room !== undefined ? { room: device.room } : {}),
        kind: device.kind,
        assigned: true,
      });
    }
    for (let i = 0; i < batch.length; i += 20_000) await store.append(batch.slice(i, i + 20_000));
    events += batch.length;
  }
  const alerts = new AlertService({
    logger: silentLogger,
    metrics: createMetricsRegistry(),
    db,
    config,
    clock,
    publisher: { publish: () => Promise.resolve() },
  });
  await alerts.start();
  const rand = random(72);
  const raises: { at: number; homeId: string; residentId: string | undefined; kind: AlertKind; severity: string }[] =
    [];
  for (const home of config.homes) {
    for (const [kind, severity, perMonth] of MONTHLY) {
      const count = Math.round((perMonth * days) / 30 + (rand() - 0.5) * 4);
      for (let i = 0; i < count; i++) {
        const at = YEAR_START + Math.floor(rand() * (days * DAY_MS - 600_000));
        raises.push({ at, homeId: home.id, residentId: home.residents[0]?.id, kind, severity });
      }
    }
  }
  raises.sort((a, b) => a.at - b.at);
  let written = 0;
  for (const r of raises) {
    clock.advanceTo(Math.max(clock.now(), r.at));
    const detail: Record<string, unknown> =
      r.kind === 'routine-change'
        ? { feature: FEATURES[Math.floor(rand() * FEATURES.length)], change: 'up', days: 7 }
        : {};
    const alert = alerts.apply({
      type: 'raise',
      homeId: r.homeId,
      ...(r.residentId !== undefined ? { residentId: r.residentId } : {}),
      kind: r.kind,
      severity: r.severity,
      at: clock.now(),
      detail,
    } as Parameters<AlertService['apply']>[0]);
    if (!alert || alert.state !== 'raised' || Date.parse(alert.raisedAt) !== clock.now()) continue;
    written++;
    clock.advanceBy(15_000 + Math.floor(rand() * 225_000));
    const acked = alerts.acknowledge(alert.id, 'responder-1');
    if (!acked.ok) continue;
    clock.advanceBy(60_000 + Math.floor(rand() * 600_000));
    alerts.resolve(alert.id, OUTCOMES_USED[Math.floor(rand() * OUTCOMES_USED.length)]!, null, 'responder-1');
  }
  await alerts.stop();
  store.close();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return { events, alerts: written };
}

interface ReportModule {
  preventionReport(input: {
    db: Database.Database;
    config: HubConfig;
    from: string;
    to: string;
    now?: number;
  }): unknown;
}

/** Times `runs` reports of `from..to` (after one not timed), and counts the statements one report runs. */
export async function measure(
  dir: string,
  from: string,
  to: string,
  runs: number,
  modulePath: string,
): Promise<Record<string, number>> {
  const report = (await import(pathToFileURL(path.resolve(modulePath)).href)) as ReportModule;
  const config = parseHubConfig(JSON.parse(fs.readFileSync(path.join(dir, 'telecare.config.json'), 'utf8')));
  const db = new Database(path.join(dir, 'hub.db'), { readonly: true });
  // Statements prepared and rows read by one report: `prepare` and the statements' `get`/`all`/`iterate` counted.
  let prepared = 0;
  const prepare = db.prepare.bind(db);
  (db as { prepare: unknown }).prepare = (sql: string) => {
    prepared++;
    return prepare(sql);
  };
  const now = YEAR_START + 400 * DAY_MS;
  const rssBefore = process.memoryUsage().rss;
  const first = performance.now();
  report.preventionReport({ db, config, from, to, now });
  const firstMs = performance.now() - first;
  const statements = prepared;
  const times: number[] = [];
  let heapPeak = 0;
  for (let i = 0; i < runs; i++) {
    const heapBefore = process.memoryUsage().heapUsed;
    const t = performance.now();
    report.preventionReport({ db, config, from, to, now });
    times.push(performance.now() - t);
    heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed - heapBefore);
  }
  times.sort((a, b) => a - b);
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  const hwm = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024;
  db.close();
  return {
    firstMs,
    medianMs: times[Math.floor(times.length / 2)] ?? NaN,
    minMs: times[0] ?? NaN,
    statements,
    heapGrowthMB: heapPeak / 1e6,
    rssBeforeMB: rssBefore / 1e6,
    peakRssMB: hwm,
  };
}

function option(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
}

async function main(args: string[]): Promise<void> {
  const [mode, dir, from, to] = args;
  if (mode === 'build' && dir) {
    const t = performance.now();
    const written = await build(dir, Number(option(args, '--flats', '200')), Number(option(args, '--days', '365')));
    console.log(JSON.stringify({ ...written, seconds: (performance.now() - t) / 1000 }));
  } else if (mode === 'measure' && dir && from && to) {
    const own = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'analytics', 'report.js');
    const figures = await measure(dir, from, to, Number(option(args, '--runs', '5')), option(args, '--module', own));
    console.log(JSON.stringify({ from, to, ...figures }));
  } else {
    console.error('usage: reportCost build <dir> [--flats N] [--days N] | measure <dir> <from> <to> [--runs N]');
    process.exitCode = 2;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main(process.argv.slice(2));
}
