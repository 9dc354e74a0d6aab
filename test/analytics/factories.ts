// Small builders for analytics tests: homes, events at local clock times, alerts.
import type { HomeConfig, SensorEvent } from '../../rules/types.js';
import type { DeviceKind, EventType } from '../../rules/vocabulary.js';

export function home(id: string, overrides: Partial<HomeConfig> = {}): HomeConfig {
  return {
    id,
    timezone: 'Europe/London',
    nightWindow: { start: '23:00', end: '06:00' },
    away: false,
    residents: [{ id: `${id}-resident` }],
    devices: [],
    rules: {},
    ...overrides,
  };
}

/** Where each test device is and what it is. */
export const DEVICES: Record<string, { room: string; kind: DeviceKind }> = {
  'bed-mat': { room: 'bedroom', kind: 'bed' },
  'bedroom-pir': { room: 'bedroom', kind: 'motion' },
  'bath-pir': { room: 'bathroom', kind: 'motion' },
  'hall-pir': { room: 'hall', kind: 'motion' },
  'kitchen-pir': { room: 'kitchen', kind: 'motion' },
  'living-pir': { room: 'living', kind: 'motion' },
  front: { room: 'entrance', kind: 'exit-door' },
  kettle: { room: 'kitchen', kind: 'appliance' },
  microwave: { room: 'kitchen', kind: 'appliance' },
  fridge: { room: 'kitchen', kind: 'door' },
  'living-climate': { room: 'living', kind: 'climate' },
  'garden-climate': { room: 'garden', kind: 'climate' },
};

const TYPE_OF: Partial<Record<DeviceKind, EventType>> = {
  motion: 'motion',
  bed: 'occupancy',
  'exit-door': 'contact',
  door: 'contact',
  appliance: 'power',
  climate: 'temperature',
};

/** An event from one of DEVICES at UTC instant `iso` (e.g. "2026-11-18T07:12"). */
export function ev(homeId: string, iso: string, deviceId: string, value: boolean | number = true): SensorEvent {
  const device = DEVICES[deviceId];
  if (!device) throw new Error(`unknown test device ${deviceId}`);
  return {
    homeId,
    deviceId,
    type: TYPE_OF[device.kind] ?? 'motion',
    value,
    ts: Date.parse(`${iso}${iso.length === 16 ? ':00' : ''}Z`),
    source: 'replay',
    room: device.room,
    kind: device.kind,
    assigned: true,
  };
}

export const utc = (iso: string): number => Date.parse(`${iso}${iso.length === 16 ? ':00' : ''}Z`);
