// The inactivity family on the real homes held out from tuning: fails when a held-out figure regresses past its floor (skipped without the data).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { evaluateHomes, formatHomesTable, TUNING_HOMES } from '../eval/homes.js';
import { loadHomes, type HomeRecording } from '../eval/homes-data.js';
import {
  dropOnePerturbations,
  evaluateRobustness,
  FAILURE_PERTURBATIONS,
  formatRobustnessTable,
  PERTURBATIONS,
} from '../eval/homes-robustness.js';

/**
 * The recordings are read once for the file, not once per evaluation (six reads, about 1.5 s of CPU each; docs/testing.md,
 * session 34). Each evaluation gets them as `loadHomes` returns them (only the homes it names), but frozen throughout: an evaluation that changed a
 * recording it was given would throw here, instead of handing the next evaluation other data than a fresh read.
 */
vi.mock('../eval/homes-data.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../eval/homes-data.js')>();
  const deepFreeze = <T>(value: T): T => {
    if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
      Object.freeze(value);
      for (const v of Object.values(value)) deepFreeze(v);
    }
    return value;
  };
  const read = new Map<string, readonly HomeRecording[]>();
  return {
    ...actual,
    loadHomes: (dataDir: string, only?: readonly string[]): HomeRecording[] => {
      const dir = path.resolve(dataDir);
      if (!read.has(dir)) read.set(dir, deepFreeze(actual.loadHomes(dir)));
      return read.get(dir)!.filter((rec) => !only || only.includes(rec.id));
    },
  };
});

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = path.resolve(projectRoot, '../shared/data');
const homes = fs.existsSync(dataDir) ? loadHomes(dataDir) : [];
const SHARED_HOMES = ['kasteren-a', 'kasteren-b', 'kasteren-c', 'casas'];
const heldOut = homes.filter((h) => !TUNING_HOMES.includes(h.id)).map((h) => h.id);
if (heldOut.length === 0)
  console.warn(`eval-homes: skipped, no held-out home recording under ${dataDir} (see ../shared/data/README.md)`);

/**
 * Floors from the held-out figures of 30 Nov 2026 (fifth round: presence in doubt, room rules taking over day by day)
 * at 150 cuts per home (C: 0, 0, 145, 217; CASAS: 1, 0, 46, 241; eval/README.md), with a few minutes'
 * margin on delays for sampling: false
 * alarms as counts over the whole recording (cold start, after), delays in minutes. A change that
 * makes any of them worse fails here; one that improves them should lower the floor.
 */
const FLOORS: Record<
  string,
  { coldStartAlarms: number; afterAlarms: number; medianMinutes: number; p90Minutes: number }
> = {
  // Tenth round (session 25): a still spell on C's pulsing bed mat by day is no new night (150 cuts: 144 / 217 -> 143 / 213).
  // Eleventh round (session 26): the harness no longer clears a PIR stuck on (held over presence.heldMaxMinutes) after
  // a cut; C's bathroom PIR clearing had placed collapses in bed in the bathroom (150 cuts: 143 / 213 -> 146 / 225).
  // Session 48: a learned threshold leaves out at most one quiet period per `learned.leaveOutDays` (120) of history, so
  // C's 225-min morning in bed (21 Nov) is covered from then on, where the 99th percentile had left it out once its pool
  // passed 100 (150 cuts: 146 / 225 -> 162 / 230). Bought on purpose: the same home repeated for 3 months called out on
  // that morning every time it came back (eval/README.md "Session 48").
  'kasteren-c': { coldStartAlarms: 0, afterAlarms: 0, medianMinutes: 164, p90Minutes: 232 },
  // Ninth round (session 24): CASAS's one cold-start alarm (a bathroom PIR blip after the bedroom at night) is gone.
  casas: { coldStartAlarms: 0, afterAlarms: 0, medianMinutes: 50, p90Minutes: 250 },
};

describe('every real home present in ../shared/data', () => {
  it.skipIf(homes.length === 0)(
    'loads each recording as time-ordered events of configured devices, with out and sleep annotations',
    () => {
      for (const rec of homes) {
        expect(rec.events.length, rec.id).toBeGreaterThan(1000);
        expect(
          rec.events.every((e, i) => i === 0 || e.ts >= (rec.events[i - 1]?.ts ?? -Infinity)),
          rec.id,
        ).toBe(true);
        const ids = new Set(rec.home.devices.map((d) => d.id));
        expect(
          rec.events.every((e) => ids.has(e.deviceId)),
          rec.id,
        ).toBe(true);
        // The shared homes are annotated throughout; a home dropped in later may not say when its resident slept.
        if (!SHARED_HOMES.includes(rec.id)) continue;
        expect(rec.out.length, rec.id).toBeGreaterThan(5);
        expect(rec.asleep.length, rec.id).toBeGreaterThan(5);
      }
    },
  );

  const kasterenB = homes.find((h) => h.id === 'kasteren-b');
  it.skipIf(!kasterenB)(
    'no collapse is simulated where the annotation says nothing (Kasteren B: its first three days and last ten)',
    () => {
      const span = kasterenB?.annotated;
      expect(span, 'Kasteren B annotates only part of its recording').toBeDefined();
      if (!span || !kasterenB) return;
      expect(span[0] - kasterenB.firstAt).toBeGreaterThan(2 * 86_400_000);
      expect(kasterenB.lastAt - span[1]).toBeGreaterThan(9 * 86_400_000);
      const at: number[] = [];
      evaluateHomes(dataDir, { maxCutsPerHome: 60, only: ['kasteren-b'], onCut: (c) => at.push(c.at) });
      expect(at.length).toBeGreaterThan(50);
      expect(at.filter((t) => t < span[0] || t > span[1])).toEqual([]);
      // Every other home is annotated throughout.
      for (const rec of homes) if (rec.id !== 'kasteren-b') expect(rec.annotated, rec.id).toBeUndefined();
    },
    60_000,
  );

  /**
   * The literal cut (`plainCut`: nothing sent after a collapse), 150 cuts, session 26: a press of C's pulsing
   * bed mat never released counts as stillness once longer than the mat's own presses (C: 158 / 303 -> 158 / 300).
   */
  const PLAIN_CUT_FLOORS: Record<string, { medianMinutes: number; p90Minutes: number }> = {
    // Session 48, the bound on what a learned threshold leaves out (above): 158 / 300 -> 178 / 300.
    'kasteren-c': { medianMinutes: 180, p90Minutes: 302 },
    casas: { medianMinutes: 47, p90Minutes: 246 },
  };

  it.skipIf(!homes.some((h) => h.id === 'kasteren-c'))(
    'a long deployment: held-out Kasteren C played four times on end calls no one out after its fortnight',
    () => {
      // Session 48: the 99th percentile left out more of a history as it grew, and C's 225-min morning in bed (day 2)
      // was called each time it came back (3 false alarms in the later passes; at most one period per
      // `learned.leaveOutDays` of history is left out now). The later passes are days the rules have seen: this is how
      // a growing history moves the thresholds, not how they meet new days.
      const [c] = evaluateHomes(dataDir, { maxCutsPerHome: 40, only: ['kasteren-c'], repeat: 4 }).homes;
      expect(c?.days).toBeGreaterThan(70);
      expect(c?.falseAlarms.coldStart.count).toBe(0);
      expect(c?.falseAlarms.list, 'false alarms of C played four times').toEqual([]);
      expect(c?.delay.all.missed).toBe(0);
    },
    120_000,
  );

  it.skipIf(heldOut.length === 0)(
    "held-out homes under the issue's literal cut: none missed, delays no worse than their floors",
    () => {
      const results = evaluateHomes(dataDir, { maxCutsPerHome: 150, only: heldOut, plainCut: true });
      for (const h of results.homes) {
        const floor = PLAIN_CUT_FLOORS[h.id];
        expect(floor, `a plain-cut floor for held-out home ${h.id}`).toBeDefined();
        if (!floor) continue;
        expect(h.delay.all.missed, `${h.id} collapses missed within 24 h`).toBe(0);
        expect(h.delay.all.medianMinutes!, `${h.id} median delay`).toBeLessThanOrEqual(floor.medianMinutes);
        expect(h.delay.all.p90Minutes!, `${h.id} p90 delay`).toBeLessThanOrEqual(floor.p90Minutes);
      }
    },
    120_000,
  );

  it.skipIf(heldOut.length === 0)(
    'held-out homes: false alarms and collapse delays no worse than their floors, none missed, faster than the 12 h stopwatch',
    () => {
      const results = evaluateHomes(dataDir, { maxCutsPerHome: 150, only: heldOut });
      expect(results.homes.map((h) => h.id)).toEqual(heldOut);
      for (const h of results.homes) {
        expect(h.heldOut).toBe(true);
        expect(h.delay.all.missed, `${h.id} collapses missed within 24 h`).toBe(0);
        const floor = FLOORS[h.id];
        if (!floor) {
          // A home nobody here has measured (dropped into ../shared/data): at least the commercial reference, the 12 h
          // stopwatch, is beaten on both counts; its own floor is set once its figures are read.
          console.warn(`eval-homes: ${h.id} has no floor of its own; checked against the 12 h stopwatch only`);
          const alarms = h.falseAlarms.coldStart.count + h.falseAlarms.after.count;
          expect(alarms, `${h.id} false alarms against the stopwatch's`).toBeLessThanOrEqual(
            h.stopwatch.falseAlarms.count,
          );
          expect(h.delay.all.medianMinutes!, `${h.id} median delay`).toBeLessThan(h.stopwatch.medianMinutes);
          continue;
        }
        expect(h.falseAlarms.coldStart.count, `${h.id} cold-start false alarms`).toBeLessThanOrEqual(
          floor.coldStartAlarms,
        );
        expect(h.falseAlarms.after.count, `${h.id} false alarms after the cold start`).toBeLessThanOrEqual(
          floor.afterAlarms,
        );
        expect(h.delay.all.cuts, h.id).toBeGreaterThan(100);
        expect(h.delay.all.medianMinutes!, `${h.id} median delay`).toBeLessThanOrEqual(floor.medianMinutes);
        expect(h.delay.all.p90Minutes!, `${h.id} p90 delay`).toBeLessThanOrEqual(floor.p90Minutes);
        expect(h.delay.all.medianMinutes!).toBeLessThan(h.stopwatch.medianMinutes);
      }
      expect(formatHomesTable(results)).toMatch(/held out[\s\S]*12 h stopwatch/);
    },
    120_000,
  );

  /**
   * Robustness floors (third round, 60 cuts per home, seed 11): false-alarm counts (cold start, after) of the held-out
   * homes under two sensor faults an unseen home will have; no collapse may be missed under any of them. Ninth round
   * (session 24): CASAS one cold-start alarm fewer under each; Kasteren C with its mats taken out (`no-mats`, a layout
   * most homes have) 8 / 7 before, 4 / 6 after. A home the fault does not apply to has no floor for it.
   */
  const ROBUSTNESS_FLOORS: Record<string, Record<string, [number, number]>> = {
    hold4m: { 'kasteren-c': [1, 0], casas: [1, 1] },
    drop5: { 'kasteren-c': [2, 0], casas: [0, 0] },
    'no-mats': { 'kasteren-c': [4, 6] },
  };

  it.skipIf(heldOut.length === 0)(
    'held-out homes under 4-minute PIR holds, 5 % lost events and without mats: no collapse missed, false alarms no worse than their floors',
    () => {
      const rows = evaluateRobustness(dataDir, {
        maxCutsPerHome: 60,
        only: heldOut,
        perturbations: Object.keys(ROBUSTNESS_FLOORS),
      });
      expect(rows.length).toBe(heldOut.length * Object.keys(ROBUSTNESS_FLOORS).length);
      for (const r of rows) {
        const floor = ROBUSTNESS_FLOORS[r.perturbation]?.[r.home];
        if (!SHARED_HOMES.includes(r.home)) {
          // A home dropped in later: no floor of its own yet, but a fault must not make it miss a collapse.
          if (r.result)
            expect(r.result.delay.all.missed, `${r.home} under ${r.perturbation}: collapses missed`).toBe(0);
          continue;
        }
        if (r.notApplicable !== undefined) {
          expect(floor, `no floor for ${r.perturbation} on ${r.home} (${r.notApplicable})`).toBeUndefined();
          continue;
        }
        expect(floor, `a floor for ${r.perturbation} on ${r.home}`).toBeDefined();
        expect(r.result, `${r.perturbation} applies to ${r.home}`).toBeDefined();
        if (!floor || !r.result) continue;
        const what = `${r.home} under ${r.perturbation}`;
        expect(r.result.delay.all.missed, `${what}: collapses missed`).toBe(0);
        expect(r.result.delay.all.cuts, what).toBeGreaterThan(50);
        expect(r.result.falseAlarms.coldStart.count, `${what}: cold-start false alarms`).toBeLessThanOrEqual(floor[0]);
        expect(r.result.falseAlarms.after.count, `${what}: false alarms after`).toBeLessThanOrEqual(floor[1]);
      }
      expect(formatRobustnessTable(rows)).toMatch(/hold4m[\s\S]*drop5[\s\S]*no-mats/);
    },
    180_000,
  );

  /**
   * Half the sensors taken out (`half-sensors`, a starter kit; tenth round, session 25, 60 cuts per home, seed 11):
   * a homecoming no remaining sensor sees used to be taken as out for good (CASAS 10 of 60 collapses missed, Kasteren C
   * 1); since an arrival by the exit door ends an outing, CASAS misses 2. Since session 26 an outing nothing ends has a
   * bound (rules/README.md): C misses 0, CASAS 1, and under another half (`half-sensors-s2`, seed 2) C 6 -> 0 and CASAS
   * 2 -> 1 (CASAS's one left, in both: the recording's first minute, before any kept sensor had reported). Ceilings:
   * collapses missed, and false-alarm counts (cold start, after) as measured (none added by the bound). Merged with the
   * same session's pulsing-mat rule (a press never released is stillness): C `half-sensors-s2` cold start 1 -> 2, a
   * bed-mat press at night with nothing after it (eval/README.md, eleventh round, delay). Since session 27 the hub's
   * start is the start of a silence (`RulesEngine.watch`): CASAS's first-minute collapse is called, 1 -> 0 in both.
   */
  const HALF_SENSORS_CEILINGS: Record<string, Record<string, { missed: number; alarms: [number, number] }>> = {
    'half-sensors': {
      'kasteren-c': { missed: 0, alarms: [7, 4] },
      casas: { missed: 0, alarms: [7, 7] },
    },
    'half-sensors-s2': {
      'kasteren-c': { missed: 0, alarms: [2, 1] },
      casas: { missed: 0, alarms: [8, 1] },
    },
  };

  it.skipIf(heldOut.length === 0)(
    'held-out homes with half their sensors: collapses missed and false alarms no worse than their ceilings',
    () => {
      const perturbations = Object.keys(HALF_SENSORS_CEILINGS);
      // The shared held-out homes (a home dropped in later has no ceiling yet).
      const only = heldOut.filter((id) => SHARED_HOMES.includes(id));
      const rows = evaluateRobustness(dataDir, { maxCutsPerHome: 60, only, perturbations, failures: true });
      expect(rows.length).toBe(only.length * perturbations.length);
      for (const r of rows) {
        const ceiling = HALF_SENSORS_CEILINGS[r.perturbation]?.[r.home];
        expect(ceiling, `a ceiling for ${r.perturbation} on ${r.home}`).toBeDefined();
        expect(r.result, `${r.perturbation} applies to ${r.home}`).toBeDefined();
        if (!ceiling || !r.result) continue;
        const what = `${r.home} under ${r.perturbation}`;
        expect(r.result.delay.all.cuts, what).toBeGreaterThan(50);
        expect(r.result.delay.all.missed, `${what}: collapses missed`).toBeLessThanOrEqual(ceiling.missed);
        expect(r.result.falseAlarms.coldStart.count, `${what}: cold-start false alarms`).toBeLessThanOrEqual(
          ceiling.alarms[0],
        );
        expect(r.result.falseAlarms.after.count, `${what}: false alarms after`).toBeLessThanOrEqual(ceiling.alarms[1]);
      }
    },
    180_000,
  );
});

describe('the robustness perturbations', () => {
  const rec = homes.find((h) => h.id === 'casas') ?? homes.find((h) => h.id === 'kasteren-c');
  const indexed = rec && { ...rec, events: rec.events.map((e, i) => ({ ...e, origin: i })) };
  const perturb = (id: string) => {
    const p = PERTURBATIONS.find((x) => x.id === id);
    if (!p || !indexed) throw new Error(`no perturbation ${id} or no recording`);
    return p.apply(indexed, 11);
  };

  it.skipIf(!indexed)('drop5 drops about 5 % of events, the same ones each time', () => {
    const n = indexed?.events.length ?? 0;
    const kept = perturb('drop5').rec.events;
    expect(kept.length / n).toBeGreaterThan(0.94);
    expect(kept.length / n).toBeLessThan(0.96);
    expect(perturb('drop5').rec.events.map((e) => e.origin)).toEqual(kept.map((e) => e.origin));
  });

  it.skipIf(!indexed)('motion-only sends no PIR off; hold4m holds every PIR at least 4 minutes', () => {
    const pirs = new Set(indexed?.home.devices.filter((d) => d.kind === 'motion').map((d) => d.id));
    expect(perturb('motion-only').rec.events.some((e) => pirs.has(e.deviceId) && e.value === false)).toBe(false);
    const held = perturb('hold4m');
    expect(held.pirHoldMs).toBe(4 * 60_000);
    const since = new Map<string, number>();
    let shortest = Infinity;
    for (const e of held.rec.events) {
      if (!pirs.has(e.deviceId)) continue;
      const on = since.get(e.deviceId);
      if (e.value === true) since.set(e.deviceId, e.ts);
      else if (on !== undefined) shortest = Math.min(shortest, e.ts - on);
    }
    expect(shortest).toBeGreaterThanOrEqual(4 * 60_000);
  });

  it.skipIf(!indexed)(
    'no-mats takes every mat out; half-sensors about half the devices inside, the exit doors kept, the same each time',
    () => {
      const mats = indexed?.home.devices.filter((d) => d.kind === 'bed' || d.kind === 'chair') ?? [];
      const noMats = perturb('no-mats');
      if (mats.length === 0) expect(noMats.notApplicable).toBe('no mat');
      else {
        const ids = new Set(mats.map((d) => d.id));
        expect(noMats.rec.home.devices.some((d) => ids.has(d.id))).toBe(false);
        expect(noMats.rec.events.some((e) => ids.has(e.deviceId))).toBe(false);
      }
      const half = perturb('half-sensors');
      const all = indexed?.home.devices ?? [];
      const kept = new Set(half.rec.home.devices.map((d) => d.id));
      expect(all.filter((d) => d.kind === 'exit-door').every((d) => kept.has(d.id))).toBe(true);
      expect(kept.size).toBeGreaterThan(all.length * 0.25);
      expect(kept.size).toBeLessThan(all.length * 0.75);
      expect(half.rec.events.every((e) => kept.has(e.deviceId))).toBe(true);
      expect(perturb('half-sensors').rec.home.devices.map((d) => d.id)).toEqual([...kept]);
    },
  );

  it.skipIf(!indexed)(
    'the failure variants: other halves differ from the default one, each device dropped alone, no exit contact',
    () => {
      const failure = (id: string) => {
        const p = FAILURE_PERTURBATIONS.find((x) => x.id === id);
        if (!p || !indexed) throw new Error(`no failure variant ${id}`);
        return p.apply(indexed, 11);
      };
      const ids = (r: { rec: { home: { devices: { id: string }[] } } }) => r.rec.home.devices.map((d) => d.id);
      const all = indexed?.home.devices ?? [];
      expect(ids(failure('half-sensors-s2'))).not.toEqual(ids(perturb('half-sensors')));
      expect(ids(failure('half-sensors-s2'))).toEqual(ids(failure('half-sensors-s2')));
      const noExit = failure('no-exit-contact');
      expect(noExit.rec.home.devices.some((d) => d.kind === 'exit-door')).toBe(false);
      expect(noExit.rec.home.devices).toHaveLength(all.filter((d) => d.kind !== 'exit-door').length);
      const dropOne = dropOnePerturbations(indexed!.home);
      expect(dropOne).toHaveLength(all.filter((d) => d.kind !== 'exit-door').length);
      const first = dropOne[0]!.apply(indexed!, 11);
      expect(first.rec.home.devices).toHaveLength(all.length - 1);
      expect(first.rec.events.some((e) => e.deviceId === dropOne[0]!.id.slice('drop-one:'.length))).toBe(false);
    },
  );

  it.skipIf(!indexed)('tz+1h configures a fixed zone an hour ahead of the home', () => {
    expect(perturb('tz+1h').rec.home.timezone).toBe(rec?.id === 'casas' ? 'Etc/GMT+6' : 'Etc/GMT-2');
  });

  it.skipIf(!indexed)(
    'tz-1h, tz+2h and tz-2h shift the zone the same way, events untouched (a resident whose day runs early or late)',
    () => {
      const casas = rec?.id === 'casas';
      expect(perturb('tz-1h').rec.home.timezone).toBe(casas ? 'Etc/GMT+8' : 'Etc/GMT');
      expect(perturb('tz+2h').rec.home.timezone).toBe(casas ? 'Etc/GMT+5' : 'Etc/GMT-3');
      expect(perturb('tz-2h').rec.home.timezone).toBe(casas ? 'Etc/GMT+9' : 'Etc/GMT+1');
      expect(perturb('tz-2h').rec.events).toEqual(indexed?.events);
    },
  );
});
