// Robustness of the inactivity family: every home re-run under the sensor faults an unseen home will have (dropped events, motion-only PIRs, long holds, a stuck mat, jitter, a wrong timezone).
import { ZoneClock } from '../rules/local-time.js';
import { createRng } from '../simulate/random.js';
import type { HomeConfig } from '../rules/types.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../rules/time.js';
import { loadHomes, type HomeRecording } from './homes-data.js';
import {
  DEFAULT_HOMES_OPTIONS,
  evaluateHome,
  type HomeResult,
  type HomesOptions,
  type ReplayedEvent,
  withOrigin,
} from './homes.js';

type Events = ReplayedEvent[];
type IndexedRecording = Omit<HomeRecording, 'events'> & { events: Events };

/** A recording as an unseen home would send it; `pirHoldMs` when its PIRs clear later than the default. */
export interface Perturbed {
  /** Its events keep `origin` (their index in the untouched recording), so the cuts stay at the same moments. */
  rec: IndexedRecording;
  pirHoldMs?: number;
  /** Why nothing changed (a home without the sensor the fault needs). */
  notApplicable?: string;
}

export interface Perturbation {
  id: string;
  description: string;
  apply: (rec: IndexedRecording, seed: number) => Perturbed;
}

function withEvents(rec: IndexedRecording, events: Events, home: HomeConfig = rec.home): IndexedRecording {
  const first = events[0];
  const last = events[events.length - 1];
  return { ...rec, home, events, firstAt: first?.ts ?? rec.firstAt, lastAt: last?.ts ?? rec.lastAt };
}

function kindsOf(rec: IndexedRecording): Map<string, string> {
  return new Map(rec.home.devices.map((d) => [d.id, d.kind]));
}

const byTime = (a: { ts: number }, b: { ts: number }): number => a.ts - b.ts;

/** 5 % of events lost at random (radio, a bridge restarting). */
function dropEvents(rec: IndexedRecording, seed: number): Perturbed {
  const random = createRng(seed).next;
  return {
    rec: withEvents(
      rec,
      rec.events.filter(() => random() >= 0.05),
    ),
  };
}

/** Every PIR is motion-only: its `off` is never sent, so no held state. */
function motionOnly(rec: IndexedRecording): Perturbed {
  const kinds = kindsOf(rec);
  const events = rec.events.filter((e) => !(kinds.get(e.deviceId) === 'motion' && e.value === false));
  if (events.length === rec.events.length) return { rec, notApplicable: 'no PIR' };
  return { rec: withEvents(rec, events) };
}

/** Every PIR holds `on` for 4 minutes after the last movement it saw (retriggered holds merge). */
const LONG_HOLD_MS = 4 * MINUTE_MS;
function longHold(rec: IndexedRecording): Perturbed {
  const kinds = kindsOf(rec);
  const others: Events = [];
  const heldOn = new Map<string, Events[number]>();
  const spans = new Map<string, { on: Events[number]; until: number }[]>();
  for (const e of rec.events) {
    if (kinds.get(e.deviceId) !== 'motion' || typeof e.value !== 'boolean') {
      others.push(e);
      continue;
    }
    if (e.value) {
      if (!heldOn.has(e.deviceId)) heldOn.set(e.deviceId, e);
      continue;
    }
    const on = heldOn.get(e.deviceId);
    heldOn.delete(e.deviceId);
    if (!on) continue;
    const list = spans.get(e.deviceId) ?? [];
    const until = e.ts + LONG_HOLD_MS;
    const prev = list[list.length - 1];
    if (prev && on.ts <= prev.until) prev.until = Math.max(prev.until, until);
    else list.push({ on, until });
    spans.set(e.deviceId, list);
  }
  if (spans.size === 0) return { rec, notApplicable: 'no PIR' };
  const pir: Events = [];
  for (const list of spans.values())
    for (const s of list) pir.push({ ...s.on }, { ...s.on, value: false, ts: s.until, origin: undefined });
  // Ties keep sensors' order: the other events first, as the original file had them before a later off.
  const events = [...others, ...pir].sort(byTime).filter((e) => e.ts <= rec.lastAt);
  return { rec: withEvents(rec, events), pirHoldMs: LONG_HOLD_MS };
}

/** A mat (a bed mat where there is one) sticks on for a whole day, once a week from day 2. */
function stuckMat(rec: IndexedRecording): Perturbed {
  const mat = rec.home.devices.find((d) => d.kind === 'bed') ?? rec.home.devices.find((d) => d.kind === 'chair');
  if (!mat) return { rec, notApplicable: 'no mat' };
  const events: Events = [];
  let nextStuckAt = rec.firstAt + 2 * DAY_MS;
  let stuckUntil = -Infinity;
  for (const e of rec.events) {
    if (e.deviceId !== mat.id) {
      events.push(e);
      continue;
    }
    if (e.ts < stuckUntil) continue;
    if (e.value === false && e.ts >= nextStuckAt && e.ts + DAY_MS <= rec.lastAt) {
      stuckUntil = e.ts + DAY_MS;
      nextStuckAt += 7 * DAY_MS;
      events.push({ ...e, ts: stuckUntil, origin: undefined });
      continue;
    }
    events.push(e);
  }
  return { rec: withEvents(rec, events.sort(byTime)) };
}

/** Timestamps jittered by up to ±2 s (sensors' clocks), arrival order kept, and 1 in 200 events arriving after the next. */
function jitter(rec: IndexedRecording, seed: number): Perturbed {
  const random = createRng(seed).next;
  const events: Events = rec.events.map((e) => {
    const copy = withOrigin(e, e.origin);
    copy.ts = e.ts + Math.round((random() * 2 - 1) * 2000);
    return copy;
  });
  for (let i = 0; i + 1 < events.length; i++) {
    const a = events[i];
    const b = events[i + 1];
    // Different sensors only: one sensor's own reports stay in order, two bridges' may not.
    if (a && b && a.deviceId !== b.deviceId && random() < 0.005) {
      events[i] = b;
      events[i + 1] = a;
      i++;
    }
  }
  return { rec: withEvents(rec, events) };
}

/**
 * The configured timezone `hours` ahead of the home's (behind when negative): a fixed-offset zone. Every local hour the
 * rules see is `hours` later than the resident's, as for summer time missed (+1 h), an installer's wrong zone, or a
 * resident whose whole day runs `hours` later than the cold-start priors assume (negative: earlier).
 */
function wrongZone(hours: number): (rec: IndexedRecording) => Perturbed {
  return (rec) => {
    const offsetHours = Math.round(new ZoneClock(rec.home.timezone).offsetAt(rec.firstAt) / HOUR_MS) + hours;
    // IANA's Etc zones count the other way: UTC+2 is Etc/GMT-2.
    const timezone = offsetHours === 0 ? 'Etc/GMT' : `Etc/GMT${offsetHours > 0 ? '-' : '+'}${Math.abs(offsetHours)}`;
    return { rec: withEvents(rec, rec.events, { ...rec.home, timezone }) };
  };
}

/** A home laid out otherwise: the devices `keep` refuses taken out, configuration and events. */
function withoutDevices(rec: IndexedRecording, keep: (d: HomeConfig['devices'][number]) => boolean): Perturbed {
  const devices = rec.home.devices.filter(keep);
  if (devices.length === rec.home.devices.length) return { rec, notApplicable: 'nothing to remove' };
  const ids = new Set(devices.map((d) => d.id));
  return {
    rec: withEvents(
      rec,
      rec.events.filter((e) => ids.has(e.deviceId)),
      { ...rec.home, devices },
    ),
  };
}

/** No bed or chair mat (a home fitted with PIRs and contacts only). */
function noMats(rec: IndexedRecording): Perturbed {
  const r = withoutDevices(rec, (d) => d.kind !== 'bed' && d.kind !== 'chair');
  return r.notApplicable === undefined ? r : { rec, notApplicable: 'no mat' };
}

/** A seeded random half of the devices inside taken out (another layout); the exit doors stay. */
function halfSensors(rec: IndexedRecording, seed: number): Perturbed {
  const random = createRng(seed).next;
  const kept = new Set(rec.home.devices.filter((d) => d.kind === 'exit-door' || random() < 0.5).map((d) => d.id));
  return withoutDevices(rec, (d) => kept.has(d.id));
}

export const PERTURBATIONS: readonly Perturbation[] = [
  { id: 'none', description: 'the recording as it is', apply: (rec) => ({ rec }) },
  { id: 'drop5', description: '5 % of events dropped at random (seeded)', apply: dropEvents },
  { id: 'motion-only', description: "every PIR motion-only: its 'off' never sent", apply: motionOnly },
  { id: 'hold4m', description: 'every PIR holds on 4 min after the last movement', apply: longHold },
  { id: 'stuck-mat', description: 'a mat stuck on for a day, once a week', apply: stuckMat },
  { id: 'jitter', description: 'timestamps ±2 s, 1 in 200 events after the next', apply: jitter },
  {
    id: 'tz+1h',
    description: 'timezone configured 1 h ahead (fixed offset): a resident whose day runs an hour late',
    apply: wrongZone(1),
  },
  {
    id: 'tz-1h',
    description: 'timezone configured 1 h behind (fixed offset): a resident whose day runs an hour early',
    apply: wrongZone(-1),
  },
  {
    id: 'tz+2h',
    description: 'timezone configured 2 h ahead (fixed offset): a resident whose day runs two hours late',
    apply: wrongZone(2),
  },
  {
    id: 'tz-2h',
    description: 'timezone configured 2 h behind (fixed offset): a resident whose day runs two hours early',
    apply: wrongZone(-2),
  },
  { id: 'no-mats', description: 'every bed and chair mat taken out (layout)', apply: noMats },
  {
    id: 'half-sensors',
    description: 'a seeded random half of the devices inside taken out (layout)',
    apply: halfSensors,
  },
];

/** The exit door's contact missing (every exit door taken out): no outing is ever known. */
function noExitContact(rec: IndexedRecording): Perturbed {
  const r = withoutDevices(rec, (d) => d.kind !== 'exit-door');
  return r.notApplicable === undefined ? r : { rec, notApplicable: 'no exit door' };
}

/** No device's room known (a hub installed without rooms, a recording whose sensors are codes); kinds kept. */
function noRooms(rec: IndexedRecording): Perturbed {
  if (rec.home.devices.every((d) => d.room === undefined)) return { rec, notApplicable: 'no room known' };
  const devices = rec.home.devices.map(({ room: _room, ...d }) => d);
  return { rec: withEvents(rec, rec.events, { ...rec.home, devices }) };
}

/** Sensor codes only (a CASAS Aruba file read as it is): no room known and the exit door a door like any other. */
function codesOnly(rec: IndexedRecording): Perturbed {
  const devices = rec.home.devices.map(({ room: _room, ...d }) =>
    d.kind === 'exit-door' ? { ...d, kind: 'door' as const } : d,
  );
  return { rec: withEvents(rec, rec.events, { ...rec.home, devices }) };
}

/** The only sensor of each room that has one taken out (a room left unwatched when its one sensor fails). */
function loneRoomSensors(rec: IndexedRecording): Perturbed {
  const perRoom = new Map<string, number>();
  for (const d of rec.home.devices) if (d.room !== undefined) perRoom.set(d.room, (perRoom.get(d.room) ?? 0) + 1);
  const r = withoutDevices(rec, (d) => d.kind === 'exit-door' || d.room === undefined || perRoom.get(d.room) !== 1);
  return r.notApplicable === undefined ? r : { rec, notApplicable: 'no room with one sensor' };
}

/** The device inside (not an exit door) with the most reports, of `kinds` when given. */
function busiest(rec: IndexedRecording, kinds?: ReadonlySet<string>): HomeConfig['devices'][number] | undefined {
  const counts = new Map<string, number>();
  for (const e of rec.events) counts.set(e.deviceId, (counts.get(e.deviceId) ?? 0) + 1);
  let best: HomeConfig['devices'][number] | undefined;
  for (const d of rec.home.devices) {
    if (d.kind === 'exit-door' || (kinds && !kinds.has(d.kind))) continue;
    if (!best || (counts.get(d.id) ?? 0) > (counts.get(best.id) ?? 0)) best = d;
  }
  return best;
}

const STUCK_PIR_MS = 3 * DAY_MS;
/**
 * The busiest PIR sticks on (a fault of the sensor, not of its battery): at its first movement after day 2 it reports
 * `on` and then nothing for 3 days, until someone resets it (its `off` then).
 */
function stuckPir(rec: IndexedRecording): Perturbed {
  const pir = busiest(rec, new Set(['motion']));
  if (!pir) return { rec, notApplicable: 'no PIR' };
  const events: Events = [];
  let stuckFrom = NaN;
  for (const e of rec.events) {
    if (e.deviceId !== pir.id) {
      events.push(e);
      continue;
    }
    if (Number.isNaN(stuckFrom) && e.value === true && e.ts >= rec.firstAt + 2 * DAY_MS) {
      stuckFrom = e.ts;
      events.push(e);
      if (e.ts + STUCK_PIR_MS <= rec.lastAt)
        events.push({ ...e, value: false, ts: e.ts + STUCK_PIR_MS, origin: undefined });
      continue;
    }
    if (e.ts > stuckFrom && e.ts <= stuckFrom + STUCK_PIR_MS) continue;
    events.push(e);
  }
  return { rec: withEvents(rec, events.sort(byTime)) };
}

/** Devices inside whose battery runs out: from `diesAt` (by id) on they report nothing (configured still). */
function diesAt(rec: IndexedRecording, deaths: ReadonlyMap<string, number>): Perturbed {
  return {
    rec: withEvents(
      rec,
      rec.events.filter((e) => e.ts < (deaths.get(e.deviceId) ?? Infinity)),
    ),
  };
}

/** The busiest device inside dies half way through the recording (its battery: the hub was told nothing). */
function busiestDiesMid(rec: IndexedRecording): Perturbed {
  const d = busiest(rec);
  if (!d) return { rec, notApplicable: 'no device inside' };
  return diesAt(rec, new Map([[d.id, rec.firstAt + (rec.lastAt - rec.firstAt) / 2]]));
}

/** A seeded half of the devices inside die, each at a random time in the middle third of the recording. */
function halfDieMid(rec: IndexedRecording, seed: number): Perturbed {
  const random = createRng(seed).next;
  const span = rec.lastAt - rec.firstAt;
  const deaths = new Map<string, number>();
  for (const d of rec.home.devices) {
    if (d.kind === 'exit-door' || random() >= 0.5) continue;
    deaths.set(d.id, rec.firstAt + (span * (1 + random())) / 3);
  }
  return diesAt(rec, deaths);
}

/**
 * Every tenth report delivered twice (MQTT QoS 1 after a lost acknowledgement): the copy right after the report, or,
 * one time in three, after the next report (a bridge re-sending after a reconnect).
 */
function duplicates(rec: IndexedRecording, seed: number): Perturbed {
  const random = createRng(seed).next;
  const events: Events = [];
  let pending: Events[number] | undefined;
  for (const e of rec.events) {
    events.push(e);
    if (pending) {
      events.push(pending);
      pending = undefined;
    }
    if (random() >= 0.1) continue;
    const copy = { ...e, origin: undefined };
    if (random() < 1 / 3) pending = copy;
    else events.push(copy);
  }
  if (pending) events.push(pending);
  return { rec: withEvents(rec, events) };
}

const FLUSH_MS = HOUR_MS;
/**
 * The home's bridge loses the hub (Wi-Fi, the broker restarting) for an hour every 3 days from day 1, at a seeded time
 * of day, then flushes what it held, in order, stamped with their own times: the hub hears nothing for an hour,
 * then an hour of old reports at once (`arrivesAt`).
 */
function bridgeFlush(rec: IndexedRecording, seed: number): Perturbed {
  const random = createRng(seed).next;
  const outages: number[] = [];
  for (let day = rec.firstAt + DAY_MS; day + DAY_MS <= rec.lastAt; day += 3 * DAY_MS)
    outages.push(day + Math.floor(random() * (DAY_MS - FLUSH_MS)));
  let k = 0;
  const events = rec.events.map((e) => {
    while (k < outages.length && e.ts >= (outages[k] ?? Infinity) + FLUSH_MS) k++;
    const from = outages[k];
    return from !== undefined && e.ts >= from ? { ...e, arrivesAt: from + FLUSH_MS } : e;
  });
  return { rec: withEvents(rec, events) };
}

/** Seeds of the other halves (`half-sensors` is seed 11, the default table's). */
const OTHER_HALF_SEEDS = [1, 2, 3, 4, 5, 6] as const;

/**
 * Failures of single sensors and other layouts, for tuning on the tuning homes (`--failures`; not in the default
 * table, which stays comparable): other seeded halves, each device inside dropped alone (`drop-one:<id>`, made per
 * home), the exit door's contact missing, the only sensor of each room missing.
 */
export const FAILURE_PERTURBATIONS: readonly Perturbation[] = [
  ...OTHER_HALF_SEEDS.map((s): Perturbation => ({
    id: `half-sensors-s${s}`,
    description: `another seeded half of the devices inside taken out (seed ${s})`,
    apply: (rec) => halfSensors(rec, s),
  })),
  { id: 'no-exit-contact', description: "the exit door's contact missing (layout)", apply: noExitContact },
  { id: 'lone-room-sensors', description: 'the only sensor of each room that has one missing', apply: loneRoomSensors },
  { id: 'no-rooms', description: "no device's room known (kinds kept)", apply: noRooms },
  { id: 'codes-only', description: 'no room known and the exit door a door (sensor codes only)', apply: codesOnly },
  {
    id: 'stuck-pir',
    description: 'the busiest PIR stuck on for 3 days from day 2 (no report, then its off)',
    apply: stuckPir,
  },
  {
    id: 'dies-mid',
    description: 'the busiest device inside dies half way (battery): nothing from it after',
    apply: busiestDiesMid,
  },
  {
    id: 'half-die-mid',
    description: 'a seeded half of the devices inside die, each at a random time of the middle third',
    apply: halfDieMid,
  },
  {
    id: 'duplicates',
    description: '1 report in 10 delivered twice (1 in 3 of them after the next)',
    apply: duplicates,
  },
  {
    id: 'bridge-flush',
    description: 'the bridge cut off an hour every 3 days, then its hour of old reports at once',
    apply: bridgeFlush,
  },
];

/** Each device inside dropped alone (its events and configuration), one perturbation per device of the home. */
export function dropOnePerturbations(home: HomeConfig): Perturbation[] {
  return home.devices
    .filter((d) => d.kind !== 'exit-door')
    .map((d) => ({
      id: `drop-one:${d.id}`,
      description: `device ${d.id} (${d.kind}, ${d.room ?? 'no room'}) missing`,
      apply: (rec: IndexedRecording) => withoutDevices(rec, (x) => x.id !== d.id),
    }));
}

export interface RobustnessRow {
  perturbation: string;
  home: string;
  title: string;
  heldOut: boolean;
  notApplicable?: string;
  result?: HomeResult;
}

/** The seed of the default table's seeded rows (`half-sensors`, `drop5`, `jitter`...; `--seed` picks another). */
export const DEFAULT_ROBUSTNESS_SEED = 11;

/** The rows drawn with the seed (the others do not read it; `half-sensors-sN` keep their own). */
export const SEEDED_PERTURBATIONS = [
  'drop5',
  'jitter',
  'half-sensors',
  'half-die-mid',
  'duplicates',
  'bridge-flush',
] as const;

export interface RobustnessOptions extends Partial<HomesOptions> {
  /** Perturbation ids to run (all by default). */
  perturbations?: readonly string[];
  /** Also the failure variants (`FAILURE_PERTURBATIONS` and each device dropped alone); `perturbations` still filters. */
  failures?: boolean;
  /** The seed of the seeded rows (`DEFAULT_ROBUSTNESS_SEED` when absent). */
  seed?: number;
}

/** Each home under each perturbation, with the same cut sampling as `evaluateHomes`. */
export function evaluateRobustness(dataDir: string, options: RobustnessOptions = {}): RobustnessRow[] {
  const { perturbations, failures = false, seed = DEFAULT_ROBUSTNESS_SEED, ...homeOptions } = options;
  const o: HomesOptions = { ...DEFAULT_HOMES_OPTIONS, ...homeOptions };
  const wanted = (p: Perturbation): boolean =>
    !perturbations ||
    perturbations.includes(p.id) ||
    (p.id.startsWith('drop-one:') && perturbations.includes('drop-one'));
  const rows: RobustnessRow[] = [];
  for (const rec of loadHomes(dataDir, o.only, o.onSkip)) {
    const all = failures
      ? [...PERTURBATIONS, ...FAILURE_PERTURBATIONS, ...dropOnePerturbations(rec.home)]
      : PERTURBATIONS;
    for (const p of all.filter(wanted)) {
      o.onProgress?.(`${rec.title}: ${p.id}`);
      const perturbed = p.apply({ ...rec, events: rec.events.map(withOrigin) }, seed);
      const row: RobustnessRow = { perturbation: p.id, home: rec.id, title: rec.title, heldOut: false };
      if (perturbed.notApplicable !== undefined) {
        rows.push({ ...row, notApplicable: perturbed.notApplicable });
        continue;
      }
      const result = evaluateHome(rec, o, {
        events: perturbed.rec.events,
        home: perturbed.rec.home,
        pirHoldMs: perturbed.pirHoldMs,
      });
      rows.push({ ...row, heldOut: result.heldOut, result });
    }
  }
  return rows;
}

/** One line per home and perturbation: false alarms (cold start, after; counts) and collapse delays. */
export function formatRobustnessTable(rows: readonly RobustnessRow[], seed = DEFAULT_ROBUSTNESS_SEED): string {
  const head = ['home', 'set', 'perturbation', 'FA cold (n)', 'FA after (n)', 'cuts', 'median', 'p90', 'missed'];
  const cells = rows.map((r) => {
    const h = r.result;
    if (!h) return [r.title, '', r.perturbation, `n/a (${r.notApplicable ?? ''})`, '', '', '', '', ''];
    const d = h.delay.all;
    return [
      r.title,
      r.heldOut ? 'held out' : 'tuning',
      r.perturbation,
      `${h.falseAlarms.coldStart.per30Days.toFixed(1)} (${h.falseAlarms.coldStart.count})`,
      `${h.falseAlarms.after.per30Days.toFixed(1)} (${h.falseAlarms.after.count})`,
      String(d.cuts),
      d.medianMinutes === null ? '-' : String(d.medianMinutes),
      d.p90Minutes === null ? '-' : String(d.p90Minutes),
      String(d.missed),
    ];
  });
  const widths = head.map((t, c) => Math.max(t.length, ...cells.map((row) => (row[c] ?? '').length)));
  const line = (row: string[]): string =>
    row
      .map((cell, c) => cell.padEnd(widths[c] ?? 0))
      .join('  ')
      .trimEnd();
  const legend = [...PERTURBATIONS, ...FAILURE_PERTURBATIONS.filter((p) => rows.some((r) => r.perturbation === p.id))]
    .map((p) => `  ${p.id}: ${p.description}`)
    .join('\n');
  const seeded =
    seed === DEFAULT_ROBUSTNESS_SEED
      ? ''
      : `Seeded rows (${SEEDED_PERTURBATIONS.join(', ')}) drawn with seed ${String(seed)}.\n`;
  return `${[line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n')}\nFalse alarms per 30 days (count); delays in minutes.\n${seeded}${legend}\n`;
}
