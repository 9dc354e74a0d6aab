// How long a resident normally lies or sits without any sensor noticing: the floor under any honest silence threshold.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Replayer } from '../replay/replay.js';
import { ZoneClock } from '../rules/local-time.js';
import { nightStillnessMs, type NightContext, type NightStillnessSlice } from '../rules/night-stillness.js';
import { resolveRuleParams } from '../rules/params.js';
import { BUILT_IN_RULES } from '../rules/built-in.js';
import { LearnedNormal } from '../rules/learned-normal.js';
import { possibleFallDefinition, UP_AND_ABOUT, type ReturnWatch } from '../rules/possible-fall.js';
import type { AnyRule, RuleDefinition } from '../rules/registry.js';
import { HOUR_MS, MINUTE_MS } from '../rules/time.js';
import { createRng } from '../simulate/random.js';
import { loadHomes, type HomeRecording } from './homes-data.js';

/** A press of a bed mat held longer than this is a held state, not a movement (as `presence.matPulseSeconds`). */
const PULSE_MS = 60_000;
/** Sleep intervals shorter than this (a nap, a fragment) are not a night. */
const NIGHT_MIN_MS = 3 * HOUR_MS;

/** The longest spell in [from, to) between consecutive instants of `marks` (the interval's ends count as marks). */
export function longestSpellMs(marks: readonly number[], from: number, to: number): { ms: number; at: number } {
  let previous = from;
  let best = { ms: 0, at: from };
  for (const t of marks) {
    if (t < from) continue;
    if (t >= to) break;
    if (t - previous > best.ms) best = { ms: t - previous, at: previous };
    previous = t;
  }
  if (to - previous > best.ms) best = { ms: to - previous, at: previous };
  return best;
}

/** Whether one of `holds` (on at [0], off at [1]) lasted the whole of [from, from + ms): the mat said nothing then. */
function withinHeld(holds: readonly [number, number][], from: number, ms: number): boolean {
  return holds.some(([on, off]) => on <= from && off >= from + ms);
}

export interface NightSpells {
  /** Local date the night began (YYYY-MM-DD). */
  night: string;
  sleepMinutes: number;
  /** Longest spell without a bed-mat report (null: no bed mat); `held` when one press held on through all of it. */
  bedMat: { minutes: number; held: boolean } | null;
  /** Longest spell without a bedroom PIR seeing motion (null: no bedroom PIR). */
  bedroomPir: number | null;
  /** Longest spell without any event of any sensor. */
  anySensor: number;
}

export interface RoomDaySpells {
  room: string;
  /** Per day at home and awake: the longest silence that began with activity in this room, in minutes. */
  dailyLongest: number[];
}

/** What the night-stillness rule learned over the whole recording, per context with nights (`rules/night-stillness.ts`). */
export interface RuleNights {
  context: NightContext;
  /** Longest spell of each night it counted, in order (minutes). */
  longestMinutes: number[];
  /** The threshold it would use after them (minutes), or null before `possibleFall.stillMinNights`. */
  thresholdMinutes: number | null;
}

/** Local hour bands the up-and-about silences are shown in (the rule pools them: `rules/README.md`). */
export const HOUR_BANDS = [
  { label: '00-07', from: 0, to: 7 },
  { label: '07-12', from: 7, to: 12 },
  { label: '12-18', from: 12, to: 18 },
  { label: '18-22', from: 18, to: 22 },
  { label: '22-24', from: 22, to: 24 },
] as const;

/** The silences possible-fall counted up and about (`rules/possible-fall.ts`), of a minute or more. */
export interface UpAndAboutSpells {
  /** Per local hour band of the silence's start: its silences in minutes, sorted. */
  byBand: { band: string; minutes: number[] }[];
  /** The threshold the rule would use after the whole recording (minutes), or null before `upMinSilences`. */
  thresholdMinutes: number | null;
}

export interface HomeSpells {
  id: string;
  title: string;
  nights: NightSpells[];
  rooms: RoomDaySpells[];
  ruleNights: RuleNights[];
  upAndAbout: UpAndAboutSpells;
}

function sortedNumbers(values: Iterable<number>): number[] {
  return [...values].sort((a, b) => a - b);
}

/** The annotated nights of a recording (sleep intervals of 3 h or more, fragments of one night merged) and their spells. */
function nightSpells(rec: HomeRecording, zone: ZoneClock): NightSpells[] {
  const kinds = new Map(rec.home.devices.map((d) => [d.id, d]));
  const bedIds = new Set(rec.home.devices.filter((d) => d.kind === 'bed').map((d) => d.id));
  const pirIds = new Set(rec.home.devices.filter((d) => d.kind === 'motion' && d.room === 'bedroom').map((d) => d.id));
  const matReports: number[] = [];
  const matHolds: [number, number][] = [];
  const pending = new Map<string, number>();
  const pir: number[] = [];
  const all: number[] = [];
  for (const e of rec.events) {
    all.push(e.ts);
    if (bedIds.has(e.deviceId) && e.type === 'occupancy') {
      matReports.push(e.ts);
      if (e.value === true) {
        pending.set(e.deviceId, e.ts);
      } else {
        const on = pending.get(e.deviceId);
        pending.delete(e.deviceId);
        if (on !== undefined && e.ts - on > PULSE_MS) matHolds.push([on, e.ts]);
      }
    }
    if (pirIds.has(e.deviceId) && e.value === true && kinds.get(e.deviceId)?.kind === 'motion') pir.push(e.ts);
  }
  // Fragments of one night (CASAS annotates each stretch between two toilet visits) share the local date at noon before.
  const byNight = new Map<string, [number, number][]>();
  for (const [from, to] of rec.asleep) {
    const key = new Date(from + zone.offsetAt(from) - 12 * HOUR_MS).toISOString().slice(0, 10);
    byNight.set(key, [...(byNight.get(key) ?? []), [from, to]]);
  }
  const nights: NightSpells[] = [];
  for (const [night, parts] of byNight) {
    const sleepMs = parts.reduce((sum, [from, to]) => sum + to - from, 0);
    if (sleepMs < NIGHT_MIN_MS) continue;
    let mat: { minutes: number; held: boolean } | null = null;
    let pirMax: number | null = null;
    let anyMax = 0;
    for (const [from, to] of parts) {
      if (bedIds.size > 0) {
        const s = longestSpellMs(matReports, from, to);
        const minutes = Math.round(s.ms / MINUTE_MS);
        if (!mat || minutes > mat.minutes) mat = { minutes, held: withinHeld(matHolds, s.at, s.ms) };
      }
      if (pirIds.size > 0) pirMax = Math.max(pirMax ?? 0, Math.round(longestSpellMs(pir, from, to).ms / MINUTE_MS));
      anyMax = Math.max(anyMax, Math.round(longestSpellMs(all, from, to).ms / MINUTE_MS));
    }
    nights.push({
      night,
      sleepMinutes: Math.round(sleepMs / MINUTE_MS),
      bedMat: mat,
      bedroomPir: pirMax,
      anySensor: anyMax,
    });
  }
  return nights.sort((a, b) => a.night.localeCompare(b.night));
}

function inside(intervals: readonly [number, number][], from: number, to: number): boolean {
  return intervals.some(([a, b]) => a < to && from < b);
}

/**
 * By day, at home and awake (no annotated sleep or absence overlapping): the silence after an activity in each room
 * until the next event anywhere, longest per local day. A PIR's or mat's `off` and an appliance switching off count
 * as events (the rules take a held state's end as the resident there until then).
 */
function roomSpells(rec: HomeRecording, zone: ZoneClock): RoomDaySpells[] {
  const room = new Map(rec.home.devices.map((d) => [d.id, d.room ?? 'unknown']));
  const byRoom = new Map<string, Map<string, number>>();
  const events = rec.events;
  for (let i = 0; i + 1 < events.length; i++) {
    const e = events[i];
    const next = events[i + 1];
    if (!e || !next || next.ts - e.ts < MINUTE_MS) continue;
    if (inside(rec.asleep, e.ts, next.ts) || inside(rec.out, e.ts, next.ts)) continue;
    const r = room.get(e.deviceId) ?? 'unknown';
    const day = new Date(e.ts + zone.offsetAt(e.ts)).toISOString().slice(0, 10);
    const days = byRoom.get(r) ?? new Map<string, number>();
    days.set(day, Math.max(days.get(day) ?? 0, Math.round((next.ts - e.ts) / MINUTE_MS)));
    byRoom.set(r, days);
  }
  return [...byRoom]
    .map(([r, days]) => ({ room: r, dailyLongest: sortedNumbers(days.values()) }))
    .sort((a, b) => a.room.localeCompare(b.room));
}

/** Replay the recording through the rules and read what night-stillness counted (its spells are the rules' own). */
function ruleNights(rec: HomeRecording): RuleNights[] {
  const replayer = new Replayer({ homes: [rec.home], drainHours: 0 });
  for (const e of rec.events) replayer.push(e);
  const state = replayer.engine.exportState() as {
    homes: Record<string, { rules?: Record<string, { s: unknown } | undefined> } | undefined>;
  };
  const slice = state.homes[rec.home.id]?.rules?.['night-stillness']?.s as NightStillnessSlice | undefined;
  const params = resolveRuleParams(rec.home.rules);
  return Object.entries(slice?.nights ?? {})
    .filter(([, n]) => n.longestMinutes.length > 0)
    .map(([context, n]) => {
      const ms = nightStillnessMs(params, n.longestMinutes);
      return {
        context: context as NightContext,
        longestMinutes: n.longestMinutes,
        thresholdMinutes: Number.isNaN(ms) ? null : Math.round(ms / MINUTE_MS),
      };
    });
}

/**
 * Replay the recording through the built-in rules with an observer just before possible-fall: at each activity it
 * reads when the silence that just ended began up and about (possible-fall's own context, before it moves on), so the
 * silences are the rule's, not a copy of its test.
 */
function upAndAboutSpells(rec: HomeRecording, zone: ZoneClock): UpAndAboutSpells {
  const gaps: { hour: number; ms: number }[] = [];
  const observer: RuleDefinition = {
    name: 'up-and-about-observer',
    onActivity(home, at) {
      const watch = home.homeSliceOf(possibleFallDefinition) as ReturnWatch | undefined;
      const since = watch?.upSince ?? NaN;
      if (at - since >= MINUTE_MS) gaps.push({ hour: zone.hourOfWeek(since) % 24, ms: at - since });
    },
  };
  const rules: AnyRule[] = [...BUILT_IN_RULES];
  rules.splice(rules.indexOf(possibleFallDefinition), 0, observer);
  const replayer = new Replayer({ homes: [rec.home], drainHours: 0, rules });
  for (const e of rec.events) replayer.push({ ...e });
  const params = resolveRuleParams(rec.home.rules);
  // The rule's own computation on every silence seen (all filed under one hour, as the rule files them).
  const learned = new LearnedNormal();
  for (const g of gaps) learned.record(UP_AND_ABOUT, 0, g.ms, 0);
  const out = { samples: 0 };
  const ms = learned.threshold(UP_AND_ABOUT, 0, 1, params.learned, out);
  const enough = params.possibleFall.upMinSilences > 0 && out.samples >= params.possibleFall.upMinSilences;
  return {
    byBand: HOUR_BANDS.map((b) => ({
      band: b.label,
      minutes: sortedNumbers(
        gaps.filter((g) => g.hour >= b.from && g.hour < b.to).map((g) => Math.round(g.ms / MINUTE_MS)),
      ),
    })),
    thresholdMinutes:
      enough && !Number.isNaN(ms)
        ? Math.round(Math.max(ms, params.possibleFall.floorMinutes * MINUTE_MS) / MINUTE_MS)
        : null,
  };
}

/**
 * How often the up-and-about threshold learned from `n` of a home's silences is crossed by another of them (percent):
 * `draws` seeded shuffles, the threshold computed as the rule does (quantile, margin, floor), the next silence tested.
 */
export function upCrossingPercent(minutes: readonly number[], n: number, draws = 4000, seed = 5): number {
  if (minutes.length <= n) return NaN;
  const params = resolveRuleParams({});
  const floorMs = params.possibleFall.floorMinutes * MINUTE_MS;
  const random = createRng(seed).next;
  let crossed = 0;
  for (let t = 0; t < draws; t++) {
    const a = [...minutes];
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      const x = a[i] ?? 0;
      a[i] = a[j] ?? 0;
      a[j] = x;
    }
    const learned = new LearnedNormal();
    for (const m of a.slice(0, n)) learned.record(UP_AND_ABOUT, 0, m * MINUTE_MS, 0);
    const thresholdMs = Math.max(floorMs, learned.threshold(UP_AND_ABOUT, 0, 1, params.learned));
    if ((a[n] ?? 0) * MINUTE_MS > thresholdMs) crossed++;
  }
  return (100 * crossed) / draws;
}

export function quietSpells(dataDir: string): HomeSpells[] {
  return loadHomes(dataDir).map((rec) => {
    const zone = new ZoneClock(rec.home.timezone);
    return {
      id: rec.id,
      title: rec.title,
      nights: nightSpells(rec, zone),
      rooms: roomSpells(rec, zone),
      ruleNights: ruleNights(rec),
      upAndAbout: upAndAboutSpells(rec, zone),
    };
  });
}

function summary(values: readonly number[]): string {
  const s = sortedNumbers(values);
  if (s.length === 0) return '-';
  const at = (q: number): number => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? NaN;
  return `median ${String(at(0.5))}, p90 ${String(at(0.9))}, max ${String(at(1))} min (n ${String(s.length)})`;
}

export function formatQuietSpells(homes: readonly HomeSpells[]): string {
  const lines: string[] = [];
  for (const h of homes) {
    lines.push(`${h.title} (${h.id}): ${String(h.nights.length)} annotated nights of 3 h or more`);
    const pulsing = h.nights.flatMap((n) => (n.bedMat && !n.bedMat.held ? [n.bedMat.minutes] : []));
    const held = h.nights.flatMap((n) => (n.bedMat?.held ? [n.bedMat.minutes] : []));
    if (h.nights.some((n) => n.bedMat)) {
      lines.push(`  longest spell per night without a bed-mat report (press or release): ${summary(pulsing)}`);
      if (held.length > 0)
        lines.push(`    nights whose longest spell was one press held on (not counted): ${held.join(', ')} min`);
    } else lines.push('  no bed mat');
    const pir = h.nights.flatMap((n) => (n.bedroomPir === null ? [] : [n.bedroomPir]));
    lines.push(pir.length > 0 ? `  without the bedroom PIR seeing motion: ${summary(pir)}` : '  no bedroom PIR');
    lines.push(`  without any sensor event: ${summary(h.nights.map((n) => n.anySensor))}`);
    lines.push(
      `  per night (bed mat / bedroom PIR / any): ${h.nights
        .map(
          (n) =>
            `${n.night.slice(5)} ${n.bedMat ? `${String(n.bedMat.minutes)}${n.bedMat.held ? 'h' : ''}` : '-'}/${String(n.bedroomPir ?? '-')}/${String(n.anySensor)}`,
        )
        .join(', ')}`,
    );
    if (h.ruleNights.length === 0) lines.push("  night-stillness (the rules' own nights): none counted");
    for (const r of h.ruleNights)
      lines.push(
        `  night-stillness ${r.context}: ${String(r.longestMinutes.length)} nights counted, longest spell each ${r.longestMinutes.join(', ')} min; threshold after them ${r.thresholdMinutes === null ? 'none yet (too few nights)' : `${String(r.thresholdMinutes)} min`}`,
      );
    const up = h.upAndAbout;
    const upCount = up.byBand.reduce((n, b) => n + b.minutes.length, 0);
    lines.push(
      `  up and about (possible-fall's silences with no mat occupied, mats working, a room nobody rests in): ${String(upCount)} of a minute or more; threshold after them ${up.thresholdMinutes === null ? 'none (too few, or mats that do not work)' : `${String(up.thresholdMinutes)} min`}`,
    );
    for (const b of up.byBand) lines.push(`    ${b.band} h  ${summary(b.minutes)}`);
    const all = up.byBand.flatMap((b) => b.minutes);
    const rates = [30, 45, 60].filter((n) => all.length > n);
    if (rates.length > 0)
      lines.push(
        `    an ordinary one crosses the threshold learned from n others (resampled): ${rates.map((n) => `n ${String(n)} ${upCrossingPercent(all, n).toFixed(2)} %`).join(', ')}`,
      );
    lines.push('  by day (at home, awake), the longest silence after activity in each room, per day:');
    for (const r of h.rooms) lines.push(`    ${r.room.padEnd(10)} ${summary(r.dailyLongest)}`);
  }
  return lines.join('\n');
}

function main(): void {
  const { values } = parseArgs({ options: { data: { type: 'string' }, json: { type: 'boolean', default: false } } });
  const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const dataDir = values.data ?? path.resolve(projectRoot, '../shared/data');
  if (!fs.existsSync(dataDir)) {
    process.stderr.write(
      `quiet-spells: no data folder at ${dataDir} (see ../shared/data/README.md); nothing to measure\n`,
    );
    process.exitCode = 2;
    return;
  }
  const homes = quietSpells(dataDir);
  process.stdout.write(values.json ? `${JSON.stringify(homes, null, 2)}\n` : `${formatQuietSpells(homes)}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
