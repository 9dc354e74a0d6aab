// A generated resident's days (PIRs, bed and chair mats, doors, kettle, flush, climate) as replay lines, for benches and tests.

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** Small deterministic PRNG (mulberry32): the same seed gives the same homes. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SyntheticEvent {
  ts: number;
  homeId: string;
  deviceId: string;
  type: string;
  value: boolean | number;
  room: string;
  kind: string;
}

/** One day (UTC day start `dayStart`) of home `homeId`'s resident: a few hundred events. */
function residentDay(homeId: string, dayStart: number, rnd: () => number): SyntheticEvent[] {
  const out: SyntheticEvent[] = [];
  const at = (minute: number): number => dayStart + Math.round(minute * MINUTE_MS + rnd() * 30_000);
  const ev = (minute: number, deviceId: string, type: string, value: boolean | number, room: string, kind: string): void => {
    out.push({ ts: at(minute), homeId, deviceId, type, value, room, kind });
  };
  const motion = (minute: number, room: string): void => ev(minute, `${room}-pir`, 'motion', true, room, 'motion');
  const wake = 420 + rnd() * 60;
  // A night trip to the toilet.
  const trip = 120 + rnd() * 180;
  ev(trip, 'bed-mat', 'occupancy', false, 'bedroom', 'bed');
  motion(trip + 1, 'hall');
  motion(trip + 2, 'bathroom');
  ev(trip + 4, 'flush', 'power', 40, 'bathroom', 'appliance');
  ev(trip + 4.5, 'flush', 'power', 0, 'bathroom', 'appliance');
  motion(trip + 6, 'hall');
  ev(trip + 7, 'bed-mat', 'occupancy', true, 'bedroom', 'bed');
  // Morning.
  ev(wake, 'bed-mat', 'occupancy', false, 'bedroom', 'bed');
  motion(wake + 1, 'bedroom');
  motion(wake + 2, 'hall');
  for (let m = 0; m < 15; m += 2) motion(wake + 3 + m, 'bathroom');
  for (let m = 0; m < 30; m += 1.5) motion(wake + 20 + m, 'kitchen');
  ev(wake + 22, 'kettle', 'power', 2000, 'kitchen', 'appliance');
  ev(wake + 25, 'kettle', 'power', 0, 'kitchen', 'appliance');
  ev(wake + 24, 'fridge', 'contact', false, 'kitchen', 'door');
  ev(wake + 24.2, 'fridge', 'contact', true, 'kitchen', 'door');
  // A morning out, most days.
  let minute = wake + 60;
  if (rnd() < 0.6) {
    motion(minute, 'hall');
    ev(minute + 1, 'front-door', 'contact', false, 'entrance', 'exit-door');
    ev(minute + 2, 'front-door', 'contact', true, 'entrance', 'exit-door');
    minute += 90 + rnd() * 120;
    ev(minute, 'front-door', 'contact', false, 'entrance', 'exit-door');
    ev(minute + 1, 'front-door', 'contact', true, 'entrance', 'exit-door');
    motion(minute + 2, 'hall');
  }
  // The rest of the day between living room (chair), kitchen and bathroom.
  const bed = 1320 + rnd() * 60;
  while (minute < bed - 30) {
    const r = rnd();
    const room = r < 0.6 ? 'living' : r < 0.85 ? 'kitchen' : 'bathroom';
    motion(minute, 'hall');
    if (room === 'living') {
      ev(minute + 1, 'chair-mat', 'occupancy', true, 'living', 'chair');
      const stay = Math.min(20 + rnd() * 70, bed - 10 - minute);
      for (let m = 3; m < stay; m += 8 + rnd() * 10) motion(minute + m, 'living');
      ev(minute + stay, 'chair-mat', 'occupancy', false, 'living', 'chair');
      minute += stay + 1;
    } else {
      const stay = 3 + rnd() * 15;
      for (let m = 1; m < stay; m += 1 + rnd() * 2) motion(minute + m, room);
      if (room === 'kitchen') ev(minute + 2, 'kettle', 'power', 2000, 'kitchen', 'appliance');
      if (room === 'kitchen') ev(minute + 5, 'kettle', 'power', 0, 'kitchen', 'appliance');
      minute += stay + 1;
    }
  }
  for (let m = 0; m < 1440; m += 30) ev(m, 'living-temp', 'temperature', 19 + rnd() * 3, 'living', 'climate');
  ev(600, 'living-temp', 'battery', 80, 'living', 'climate');
  // Supervision signals (EN 50134-2): every device at least once a day.
  for (const [id, room, kind] of [
    ['front-door', 'entrance', 'exit-door'],
    ['fridge', 'kitchen', 'door'],
    ['kettle', 'kitchen', 'appliance'],
    ['flush', 'bathroom', 'appliance'],
    ['chair-mat', 'living', 'chair'],
    ['bed-mat', 'bedroom', 'bed'],
  ] as const) {
    ev(720, id, 'heartbeat', true, room, kind);
  }
  motion(bed - 5, 'hall');
  motion(bed - 2, 'bedroom');
  ev(bed, 'bed-mat', 'occupancy', true, 'bedroom', 'bed');
  return out;
}

/**
 * `days` days of `homes` homes from `start` (UTC ms), merged in time order. Each line carries its room
 * and kind, so replay needs no configuration.
 */
export function syntheticEvents(homes: number, days: number, start = Date.UTC(2026, 0, 5), seed = 42): SyntheticEvent[] {
  const rnd = prng(seed);
  const all: SyntheticEvent[] = [];
  for (let d = 0; d < days; d++) {
    const batch: SyntheticEvent[] = [];
    for (let h = 0; h < homes; h++) {
      for (const e of residentDay(`home-${h + 1}`, start + d * DAY_MS, rnd)) batch.push(e);
    }
    batch.sort((a, b) => a.ts - b.ts);
    for (const e of batch) all.push(e);
  }
  return all;
}

/** The same as NDJSON text with ISO timestamps, as `telecare replay` reads it. */
export function syntheticNdjson(homes: number, days: number, start?: number, seed?: number): string {
  let text = '';
  for (const e of syntheticEvents(homes, days, start, seed)) {
    text += `${JSON.stringify({ ...e, ts: new Date(e.ts).toISOString() })}\n`;
  }
  return text;
}
