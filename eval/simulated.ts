// `npm run eval:simulated`: false alarms and collapse delay of the inactivity family on simulated flats (PIRs, mats, exit door).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { replayEvents, type ReplayLine } from '../replay/replay.js';
import type { HomeConfig } from '../rules/types.js';
import { INACTIVITY_FAMILY } from '../rules/vocabulary.js';
import { simulate } from '../simulate/generator.js';
import { DEVICE, deviceById, schemeConfig } from '../simulate/layout.js';
import { addDays, localMidnight } from '../simulate/localTime.js';
import {
  delayFigures,
  emptyOutcome,
  measureCollapses,
  mergeOutcome,
  stopwatchAlarms,
  type CollapseCut,
  type CollapseOutcome,
  type DelayFigures,
} from './collapse.js';
import { DAY_MS, HOUR_MS } from '../rules/time.js';

const FAMILY = new Set<string>(INACTIVITY_FAMILY);
const STOPWATCH_MS = 12 * HOUR_MS;
const CUT_SILENCE_MS = 24 * HOUR_MS;
/** Event types a resident causes (a stopwatch on these; not heartbeats, batteries or climate). */
const ACTIVITY_TYPES = new Set(['motion', 'occupancy', 'contact', 'power']);

export interface SimulatedOptions {
  homes: number;
  days: number;
  seeds: number[];
  start: string;
  timeZone: string;
  /** Every n-th candidate moment of each home becomes a cut. */
  stride: number;
  learningDays: number;
}

export const DEFAULT_SIMULATED: SimulatedOptions = {
  homes: 4,
  days: 60,
  seeds: [1, 7],
  start: '2026-01-05',
  timeZone: 'Europe/Amsterdam',
  stride: 30,
  learningDays: 14,
};

interface AlarmCount {
  count: number;
  homeDays: number;
  per30HomeDays: number;
}

export interface SimulatedFigures {
  options: SimulatedOptions;
  falseAlarms: { coldStart: AlarmCount; learned: AlarmCount; byKind: Record<string, number> };
  delay: { coldStart: DelayFigures; learned: DelayFigures; learnedByPlace: Record<string, DelayFigures> };
  stopwatch: { falseAlarms: AlarmCount; delayMinutes: number; missed: number };
}

const rate = (count: number, homeDays: number): AlarmCount => ({
  count,
  homeDays,
  per30HomeDays: homeDays > 0 ? (count / homeDays) * 30 : 0,
});

/** A resident's own doing inside the flat (not a PIR clearing, not an appliance switching itself off). */
function isInsideActivity(e: ReplayLine): boolean {
  if (e.type === 'motion') return e.value === true;
  if (e.type === 'occupancy') return true;
  if (e.type === 'contact') return e.deviceId === DEVICE.fridge;
  if (e.type === 'power') return (e.value as number) > 0;
  return false;
}

/**
 * Candidate cut moments of one home, with where the resident was: in bed or the chair when that
 * mat is occupied, else the room of the last activity. After the front door the resident counts as
 * out until the next inside activity (a rare duplicated report may end that early).
 */
function collapseCuts(events: ReplayLine[], endMs: number, learnedFrom: number, stride: number): CollapseCut[] {
  const cuts: CollapseCut[] = [];
  let inBed = false;
  let inChair = false;
  let room = 'living';
  let candidate = 0;
  for (const [i, e] of events.entries()) {
    const t = e.ts as number;
    if (!isInsideActivity(e)) continue;
    if (e.deviceId === DEVICE.bed) inBed = e.value === true;
    else if (e.deviceId === DEVICE.chair) inChair = e.value === true;
    room = deviceById(e.deviceId)?.room ?? room;
    const next = events[i + 1];
    if ((next && next.ts === t) || t + CUT_SILENCE_MS > endMs) continue;
    if (candidate++ % stride !== 0) continue;
    const place = inBed ? 'bed' : inChair ? 'chair' : room;
    cuts.push({ at: t, groups: t < learnedFrom ? ['coldStart'] : ['learned', `learned:${place}`] });
  }
  return cuts;
}

/** Every home of every seed: the untouched replay, then the cuts; figures pooled over homes. */
export function evaluateSimulated(options: SimulatedOptions = DEFAULT_SIMULATED): SimulatedFigures {
  const { homes, days, start, timeZone, stride, learningDays } = options;
  const startMs = localMidnight(start, timeZone);
  const endMs = localMidnight(addDays(start, days), timeZone);
  const learnedFrom = localMidnight(addDays(start, learningDays), timeZone);
  const coldDays = (learnedFrom - startMs) / DAY_MS;
  const learnedDays = (endMs - learnedFrom) / DAY_MS;
  let faCold = 0;
  let faLearned = 0;
  let stopwatch = 0;
  const byKind: Record<string, number> = {};
  const outcomes = new Map<string, CollapseOutcome>();
  const configs: HomeConfig[] = schemeConfig(homes, timeZone).homes;

  for (const seed of options.seeds) {
    const byHome = new Map<string, ReplayLine[]>(configs.map((h) => [h.id, []]));
    for (const e of simulate({ homes, days, start, seed, timeZone })) {
      byHome.get(e.homeId)!.push({ ts: e.ts, homeId: e.homeId, deviceId: e.deviceId, type: e.type, value: e.value });
    }
    for (const home of configs) {
      const events = byHome.get(home.id)!;
      // Replay turns lines into events in place: each pass gets its own copies.
      const copies = (): ReplayLine[] => events.map((e) => ({ ...e }));
      // No drain: nothing follows the end of the simulation, so alerts due after it are not counted.
      for (const a of replayEvents(copies(), { homes: [home], drainHours: 0 }).alerts) {
        if (!FAMILY.has(a.kind)) continue;
        byKind[a.kind] = (byKind[a.kind] ?? 0) + 1;
        if (Date.parse(a.raisedAt) < learnedFrom) faCold++;
        else faLearned++;
      }
      stopwatch += stopwatchAlarms(
        events.filter((e) => ACTIVITY_TYPES.has(e.type)).map((e) => e.ts as number),
        STOPWATCH_MS,
      );
      const cuts = collapseCuts(events, endMs, learnedFrom, stride);
      for (const [group, o] of measureCollapses([home], copies(), cuts, CUT_SILENCE_MS)) {
        let into = outcomes.get(group);
        if (!into) outcomes.set(group, (into = emptyOutcome()));
        mergeOutcome(into, o);
      }
    }
  }

  const homeRuns = homes * options.seeds.length;
  const learnedByPlace: Record<string, DelayFigures> = {};
  for (const [group, o] of [...outcomes].sort(([a], [b]) => a.localeCompare(b))) {
    if (group.startsWith('learned:')) learnedByPlace[group.slice('learned:'.length)] = delayFigures(o);
  }
  return {
    options,
    falseAlarms: {
      coldStart: rate(faCold, homeRuns * coldDays),
      learned: rate(faLearned, homeRuns * learnedDays),
      byKind,
    },
    delay: {
      coldStart: delayFigures(outcomes.get('coldStart') ?? emptyOutcome()),
      learned: delayFigures(outcomes.get('learned') ?? emptyOutcome()),
      learnedByPlace,
    },
    stopwatch: {
      falseAlarms: rate(stopwatch, (homeRuns * (endMs - startMs)) / DAY_MS),
      delayMinutes: STOPWATCH_MS / 60_000,
      missed: 0,
    },
  };
}

function formatDelay(name: string, d: DelayFigures): string {
  const kinds = Object.entries(d.firstKind)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  return (
    `  ${name}: ${d.cuts} cuts, ${d.missed} missed; delay median ${d.medianMinutes ?? '-'} min ` +
    `(p25 ${d.p25Minutes ?? '-'}, p75 ${d.p75Minutes ?? '-'}, p90 ${d.p90Minutes ?? '-'}, max ${d.maxMinutes ?? '-'}); first alert: ${kinds || '-'}\n`
  );
}

const formatRate = (a: AlarmCount): string =>
  `${a.count} in ${a.homeDays.toFixed(0)} home-days = ${a.per30HomeDays.toFixed(2)} per 30 home-days`;

export function formatSimulatedReport(figures: SimulatedFigures): string {
  const o = figures.options;
  const kinds = Object.entries(figures.falseAlarms.byKind)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  return (
    `Simulated flats (our simulator; PIRs, bed and chair mats, exit door): ${o.homes} homes x ${o.days} days x seeds ${o.seeds.join(',')}, ` +
    `from ${o.start} (${o.timeZone}), every ${o.stride}th cut\n` +
    `(a) inactivity-family alerts on the untouched simulation (false alarms; none counted after the end of input):\n` +
    `  cold start (days 1-${o.learningDays}): ${formatRate(figures.falseAlarms.coldStart)}\n` +
    `  learned (day ${o.learningDays + 1} on): ${formatRate(figures.falseAlarms.learned)}\n` +
    `  by kind: ${kinds || '-'}\n` +
    `(b) delay from a simulated collapse to the first inactivity-family alert:\n` +
    formatDelay('learned', figures.delay.learned) +
    Object.entries(figures.delay.learnedByPlace)
      .map(([place, d]) => formatDelay(`  learned, at ${place}`, d))
      .join('') +
    formatDelay(`cold start (first ${o.learningDays} days)`, figures.delay.coldStart) +
    `(c) fixed 12-hour stopwatch on activity sensors: ${formatRate(figures.stopwatch.falseAlarms)}; delay ${figures.stopwatch.delayMinutes} min for every cut, none missed\n`
  );
}

function main(): void {
  const { values } = parseArgs({
    options: {
      homes: { type: 'string' },
      days: { type: 'string' },
      seeds: { type: 'string' },
      stride: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      [
        'Usage: npm run eval:simulated -- [--homes N] [--days N] [--seeds N,N,...] [--stride N]',
        '',
        'The inactivity family on simulated homes with PIRs and mats (simulate/): false alarms per 30 home-days and the',
        `delay after collapses cut every --stride events. Defaults: ${String(DEFAULT_SIMULATED.homes)} homes, ${String(DEFAULT_SIMULATED.days)} days, seeds ${DEFAULT_SIMULATED.seeds.join(',')}, stride ${String(DEFAULT_SIMULATED.stride)}.`,
        '',
      ].join('\n'),
    );
    return;
  }
  const whole = (s: string | undefined, fallback: number, name: string): number => {
    if (s === undefined) return fallback;
    const n = Number(s);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a whole number >= 1 (got ${s})`);
    return n;
  };
  const options: SimulatedOptions = {
    ...DEFAULT_SIMULATED,
    homes: whole(values.homes, DEFAULT_SIMULATED.homes, 'homes'),
    days: whole(values.days, DEFAULT_SIMULATED.days, 'days'),
    stride: whole(values.stride, DEFAULT_SIMULATED.stride, 'stride'),
    seeds: values.seeds ? values.seeds.split(',').map((s) => whole(s, 1, 'seeds')) : DEFAULT_SIMULATED.seeds,
  };
  process.stdout.write(formatSimulatedReport(evaluateSimulated(options)));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  try {
    main();
  } catch (err) {
    process.stderr.write(`eval:simulated: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}
