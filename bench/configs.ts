// Hub configurations for the bench: simulated flats, plus one-pendant homes so every press raises a new alert.
import type { HomeConfig } from '../rules/types.js';
import { schemeConfig } from '../simulate/layout.js';

export const BENCH_TZ = 'Europe/London';
export const PRESS_PENDANT_ID = 'pendant';

/** `press-0001` … : homes with nothing but a pendant (an open alert merges further presses of the same home). */
export function pressHomeIds(count: number, prefix = 'press'): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}-${String(i + 1).padStart(4, '0')}`);
}

function pressHome(id: string): HomeConfig {
  return {
    id,
    timezone: BENCH_TZ,
    nightWindow: { start: '23:00', end: '06:00' },
    away: false,
    residents: [{ id: 'r1' }],
    devices: [{ id: PRESS_PENDANT_ID, kind: 'pendant', room: 'living', residentId: 'r1' }],
    rules: {},
  };
}

/** `flats` simulated flats (h1 …) and the given one-pendant homes. */
export function benchConfig(flats: number, pressHomes: readonly string[] = []): { homes: HomeConfig[] } {
  return { homes: [...schemeConfig(flats, BENCH_TZ).homes, ...pressHomes.map(pressHome)] };
}
