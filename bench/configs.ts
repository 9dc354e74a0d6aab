// Hub configuration for the bench: a scheme of simulated flats (each with a pendant), as `telecare simulate` lays them out.
import { schemeConfig } from '../simulate/layout.js';
import { DEVICE, homeIds } from '../simulate/layout.js';
import type { HomeConfig } from '../rules/types.js';

export const BENCH_TZ = 'Europe/London';
export const PRESS_PENDANT_ID = DEVICE.pendant;

export function benchConfig(flats: number): { homes: HomeConfig[] } {
  return schemeConfig(flats, BENCH_TZ);
}

/** The home of each of `presses` presses, round the flats of the scheme: h1, h2, …, hN, h1, … */
export function pressSequence(flats: number, presses: number): string[] {
  const ids = homeIds(flats);
  return Array.from({ length: presses }, (_, i) => ids[i % flats] ?? '');
}
