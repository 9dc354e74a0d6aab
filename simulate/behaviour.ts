// A resident's day as a sequence of stays (room, what they are doing, from, to): the behaviour model.
import type { Rng } from './random.js';

/**
 * What the resident is doing during a stay; decides which sensors fire.
 * `active`: moving about (motion every minute or two); `resting`: in the living-room chair;
 * `asleep`: in bed; `out`: away from home; `still`: on the floor, unable to move (incidents only).
 */
export type StayMode = 'active' | 'resting' | 'asleep' | 'out' | 'still';

export type ApplianceUse = 'kettle' | 'microwave' | 'fridge';

export interface Stay {
  room: string;
  mode: StayMode;
  startMs: number;
  endMs: number;
  /** Appliances used during a kitchen stay (epoch ms; kept only while inside the stay, so a cut stay drops them). */
  uses?: { use: ApplianceUse; atMs: number }[];
  /** Motion only every few minutes (someone in the bath, or slow). */
  sparse?: boolean;
}

/** Habits that make one resident unlike another; drawn once per home from the seed. */
export interface Persona {
  wakeMinutes: number;
  bedMinutes: number;
  nightVisits: number;
  outingChance: number;
  dayBathroomChance: number;
}

export function drawPersona(rng: Rng): Persona {
  return {
    wakeMinutes: rng.uniform(6 * 60 + 15, 8 * 60 + 30),
    bedMinutes: rng.uniform(21 * 60 + 30, 23 * 60 + 15),
    nightVisits: rng.uniform(0.4, 1.8),
    outingChance: rng.uniform(0.3, 0.8),
    dayBathroomChance: rng.uniform(0.25, 0.45),
  };
}

/** The resident's rising time on one day, in minutes after local midnight. */
export function drawWakeMinutes(persona: Persona, rng: Rng): number {
  return Math.min(11 * 60, Math.max(5 * 60, rng.normal(persona.wakeMinutes, 20)));
}

/**
 * Lays out one day from rising (`wakeMin`) to the next rising (`nextWakeMin`, past 1440), in
 * minutes after local midnight; `toMs` turns those minutes into epoch ms.
 */
export function planDay(
  persona: Persona,
  rng: Rng,
  wakeMin: number,
  nextWakeMin: number,
  extraNightVisits: number,
  /** Night visits happen before this (minutes after midnight, past 1440): a lie-in has none late. */
  lastVisitMin: number,
  toMs: (minutes: number) => number,
): Stay[] {
  const stays: Stay[] = [];
  let t = wakeMin;
  let room = 'bedroom';

  const stay = (to: string, mode: StayMode, minutes: number, extra: Partial<Stay> = {}): void => {
    if (to !== room && to !== 'hall' && room !== 'hall') {
      const passMin = rng.uniform(0.15, 0.5);
      stays.push({ room: 'hall', mode: 'active', startMs: toMs(t), endMs: toMs(t + passMin) });
      t += passMin;
    }
    const minutesSafe = Math.max(0.2, minutes);
    stays.push({ room: to, mode, startMs: toMs(t), endMs: toMs(t + minutesSafe), ...extra });
    t += minutesSafe;
    room = to;
  };
  const kitchen = (minutes: number, uses: ApplianceUse[]): void => {
    const startMin = t + (room === 'kitchen' || room === 'hall' ? 0 : 0.5);
    stay('kitchen', 'active', minutes, {
      uses: uses.map((use) => ({ use, atMs: toMs(startMin + minutes * rng.uniform(0.1, 0.7)) })),
    });
  };
  const maybeBathroom = (chance: number): void => {
    if (rng.chance(chance)) stay('bathroom', 'active', rng.uniform(3, 9));
  };
  const outing = (): void => {
    stay('hall', 'active', rng.uniform(1, 4));
    stay('out', 'out', rng.uniform(50, 180));
    stay('hall', 'active', rng.uniform(1, 3));
  };
  let wentOut = false;
  /** Free time until `until`: chores, sitting, the odd bathroom visit, perhaps one outing. */
  const fill = (until: number, outingAllowed: boolean): void => {
    while (t < until - 10) {
      if (outingAllowed && !wentOut && rng.chance(persona.outingChance / 3)) {
        outing();
        wentOut = true;
      } else if (rng.chance(0.35)) {
        stay(rng.pick(['kitchen', 'bedroom', 'living', 'hall']), 'active', rng.uniform(4, 20));
      } else {
        stay('living', 'resting', Math.min(until - t, rng.uniform(20, 70)));
      }
      maybeBathroom(persona.dayBathroomChance);
    }
  };

  stay('bedroom', 'active', rng.uniform(2, 6));
  stay('bathroom', 'active', rng.uniform(10, 25));
  kitchen(rng.uniform(15, 25), ['kettle', 'fridge']);
  stay('living', 'resting', rng.uniform(30, 80));
  fill(rng.normal(12 * 60 + 15, 20), true);
  kitchen(rng.uniform(20, 35), rng.chance(0.7) ? ['fridge', 'microwave'] : ['fridge', 'kettle']);
  stay('living', 'resting', rng.uniform(45, 110));
  maybeBathroom(0.6);
  fill(15 * 60 + rng.uniform(0, 40), true);
  kitchen(rng.uniform(5, 12), ['kettle']);
  fill(rng.normal(17 * 60 + 45, 25), true);
  kitchen(rng.uniform(30, 45), ['fridge', rng.chance(0.6) ? 'microwave' : 'kettle']);
  maybeBathroom(0.5);
  stay('living', 'resting', rng.uniform(60, 100));
  kitchen(rng.uniform(4, 8), ['kettle']);
  const bedtime = Math.max(t + 20, rng.normal(persona.bedMinutes, 25));
  fill(bedtime - 25, false);
  stay('bathroom', 'active', rng.uniform(8, 15));
  stay('bedroom', 'active', rng.uniform(4, 10));

  // The night: asleep in bed, with bathroom visits spread over it.
  const sleepStart = t;
  const visits = rng.poisson(persona.nightVisits + extraNightVisits);
  const visitTimes = Array.from({ length: visits }, () =>
    rng.uniform(sleepStart + 60, Math.min(nextWakeMin, lastVisitMin) - 30),
  )
    .filter((v) => v > sleepStart + 30)
    .sort((a, b) => a - b);
  for (const visitAt of visitTimes) {
    if (visitAt <= t + 5) continue;
    stay('bedroom', 'asleep', visitAt - t);
    stay('bedroom', 'active', rng.uniform(0.5, 1.5));
    stay('bathroom', 'active', rng.uniform(3, 7));
    stay('bedroom', 'active', rng.uniform(0.5, 1.5));
  }
  if (t < nextWakeMin - 1) stay('bedroom', 'asleep', nextWakeMin - t);
  // The last stay ends exactly at the next rising, whatever rounding did.
  const last = stays.at(-1)!; // the day began with a stay
  last.endMs = Math.max(last.startMs + 1, toMs(nextWakeMin));
  return mergeRepeats(stays);
}

/** Two stays in a row in the same room doing the same thing are one stay (no mat off/on between them). */
function mergeRepeats(stays: Stay[]): Stay[] {
  const out: Stay[] = [];
  for (const s of stays) {
    const prev = out[out.length - 1];
    if (prev && prev.room === s.room && prev.mode === s.mode && !prev.sparse && !s.sparse) {
      prev.endMs = s.endMs;
      if (s.uses) prev.uses = [...(prev.uses ?? []), ...s.uses];
    } else {
      out.push({ ...s });
    }
  }
  return out;
}
