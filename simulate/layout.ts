// The simulated flat: which devices it has, in which rooms, and the configuration that describes it.
import type { DeviceConfig, HomeConfig } from '../rules/types.js';

/** Device ids of one simulated flat, by what the behaviour model needs them for. */
export const DEVICE = {
  bedroomMotion: 'bedroom-pir',
  bed: 'bed-mat',
  bathroomMotion: 'bathroom-pir',
  kitchenMotion: 'kitchen-pir',
  kettle: 'kettle',
  microwave: 'microwave',
  fridge: 'fridge-door',
  livingMotion: 'living-pir',
  chair: 'chair-mat',
  hallMotion: 'hall-pir',
  frontDoor: 'front-door',
  climateLiving: 'climate-living',
  climateBedroom: 'climate-bedroom',
  pendant: 'pendant',
  wearable: 'wearable',
  smoke: 'smoke-hall',
  co: 'co-kitchen',
  gas: 'gas-kitchen',
  water: 'leak-bathroom',
} as const;

/** The room each motion sensor watches; the behaviour model moves the resident between these. */
export const ROOM_MOTION: Record<string, string> = {
  bedroom: DEVICE.bedroomMotion,
  bathroom: DEVICE.bathroomMotion,
  kitchen: DEVICE.kitchenMotion,
  living: DEVICE.livingMotion,
  hall: DEVICE.hallMotion,
};

export const FLAT_DEVICES: readonly DeviceConfig[] = [
  { id: DEVICE.bedroomMotion, kind: 'motion', room: 'bedroom' },
  { id: DEVICE.bed, kind: 'bed', room: 'bedroom' },
  { id: DEVICE.bathroomMotion, kind: 'motion', room: 'bathroom' },
  { id: DEVICE.kitchenMotion, kind: 'motion', room: 'kitchen' },
  { id: DEVICE.kettle, kind: 'appliance', room: 'kitchen' },
  { id: DEVICE.microwave, kind: 'appliance', room: 'kitchen' },
  { id: DEVICE.fridge, kind: 'door', room: 'kitchen' },
  { id: DEVICE.livingMotion, kind: 'motion', room: 'living' },
  { id: DEVICE.chair, kind: 'chair', room: 'living' },
  { id: DEVICE.hallMotion, kind: 'motion', room: 'hall' },
  { id: DEVICE.frontDoor, kind: 'exit-door', room: 'entrance' },
  { id: DEVICE.climateLiving, kind: 'climate', room: 'living' },
  { id: DEVICE.climateBedroom, kind: 'climate', room: 'bedroom' },
  { id: DEVICE.pendant, kind: 'pendant', room: 'living', residentId: 'r1' },
  { id: DEVICE.wearable, kind: 'wearable', room: 'living', residentId: 'r1' },
  { id: DEVICE.smoke, kind: 'smoke', room: 'hall' },
  { id: DEVICE.co, kind: 'co', room: 'kitchen' },
  { id: DEVICE.gas, kind: 'gas', room: 'kitchen' },
  { id: DEVICE.water, kind: 'water', room: 'bathroom' },
];

/** Mains-powered devices send no battery level. */
const MAINS_POWERED = new Set<string>([DEVICE.kettle, DEVICE.microwave, DEVICE.gas]);

export function isBatteryPowered(deviceId: string): boolean {
  return !MAINS_POWERED.has(deviceId);
}

const DEVICE_BY_ID = new Map(FLAT_DEVICES.map((d) => [d.id, d]));

export function deviceById(deviceId: string): DeviceConfig | undefined {
  return DEVICE_BY_ID.get(deviceId);
}

/** Home ids of a simulated scheme: h1 … hN. */
export function homeIds(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `h${i + 1}`);
}

export function flatConfig(homeId: string, timeZone: string): HomeConfig {
  return {
    id: homeId,
    timezone: timeZone,
    nightWindow: { start: '23:00', end: '06:00' },
    away: false,
    residents: [{ id: 'r1' }],
    devices: FLAT_DEVICES.map((d) => ({ ...d })),
    rules: {},
  };
}

/** The configuration file (SPEC 3 shape) describing every simulated flat. */
export function schemeConfig(homeCount: number, timeZone: string): { homes: HomeConfig[] } {
  return { homes: homeIds(homeCount).map((id) => flatConfig(id, timeZone)) };
}
