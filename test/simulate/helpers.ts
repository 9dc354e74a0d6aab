// Test helpers for the simulator: run it in memory and read local times of a home.
import { simulate, type SimEvent, type SimulationOptions } from '../../simulate/generator.js';
import { parseIncident } from '../../simulate/incidents.js';

export const TZ = 'Europe/London';

export function oneHome(
  overrides: Partial<Omit<SimulationOptions, 'incidents'>> & { incidents?: string[] } = {},
): SimEvent[] {
  const { incidents, ...rest } = overrides;
  return [
    ...simulate({
      homes: 1,
      days: 1,
      start: '2026-01-12',
      seed: 5,
      timeZone: TZ,
      ...rest,
      incidents: (incidents ?? []).map(parseIncident),
    }),
  ];
}

/** Epoch ms of a local date and time in London in winter (UTC+0). */
export const at = (date: string, hhmm: string): number => Date.parse(`${date}T${hhmm}:00Z`);

/** Events a resident causes by moving about (as opposed to devices reporting on their own). */
export const isActivity = (e: SimEvent): boolean =>
  ['motion', 'occupancy', 'contact', 'power'].includes(e.type) && (e.type !== 'motion' || e.value === true);
