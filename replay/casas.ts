// CASAS text formats (WSU CASAS smart homes, local time) to replay lines: one reading of a line, shared by
// `telecare replay --format casas` and the evaluation's CASAS loader (eval/homes-data.ts), so the two never differ.
//
//   2010-11-04 00:03:50.209589 M003 ON Sleeping begin          sensor state [activity begin|end]   (Aruba, Milan, Kyoto…)
//   2011-06-15 01:03:39.14962 Bedroom Bedroom ON Sleep         sensor location state activity      (AL-Smarthome)
//   2012-07-18 12:54:45.126257 M004 Kitchen Kitchen ON Cook    sensor room place state activity    (the HH homes)
//
// Fields are separated by spaces or tabs. The state is the first field after the sensor that reads as one (ON, OFF,
// OPEN, CLOSE, PRESENT, ABSENT or a number); the fields between are where the sensor is, those after the annotation.
import { parseIsoMs } from '../rules/iso-time.js';
import type { ZoneClock } from '../rules/local-time.js';
import { canonicalRoom, MEANINGFUL_ROOMS, type DeviceKind } from '../rules/vocabulary.js';
import type { ReplayLine } from './replay.js';

const WALL = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/;

const STATE = /^(ON|OFF|OPEN|CLOSE|CLOSED|PRESENT|ABSENT|-?\d+(\.\d+)?)$/i;
/** A CASAS sensor code: its letters say what it senses (M motion, D door, T temperature, L light, I item…). */
const CODE = /^([A-Za-z]{1,4})0*\d+$/;

/** One CASAS line as written. */
export interface CasasReading {
  /** Local wall time as written. */
  wall: string;
  sensor: string;
  /** The fields between the sensor and the state: where the sensor is (none in Aruba's format). */
  places: string[];
  state: string;
  /** The annotation after the state, if any. */
  activity?: string;
  /** `begin` or `end` when the annotation brackets an activity (Aruba's format); absent when every line is labelled. */
  mark?: 'begin' | 'end';
}

export function parseCasasLine(text: string): CasasReading | undefined {
  const fields = text.trim().split(/\s+/);
  const [date, time, sensor] = fields;
  if (date === undefined || time === undefined || sensor === undefined) return undefined;
  const wall = `${date} ${time}`;
  if (!WALL.test(wall)) return undefined;
  const at = fields.findIndex((f, i) => i > 2 && STATE.test(f));
  const state = fields[at];
  if (at < 0 || state === undefined) return undefined;
  const rest = fields.slice(at + 1);
  const last = rest[rest.length - 1]?.toLowerCase();
  const mark = last === 'begin' || last === 'end' ? last : undefined;
  const words = mark ? rest.slice(0, -1) : rest;
  return {
    wall,
    sensor,
    places: fields.slice(3, at),
    state: state.toUpperCase(),
    activity: words.length > 0 ? words.join(' ') : undefined,
    mark,
  };
}

/**
 * CASAS area names that `canonicalRoom` does not know (letters only, lower case: `MasterBedroom`, `WorkArea`), to
 * SPEC rooms or free-text ones. A CASAS toilet is the bathroom's (`Bathroom Toilet`, the HH homes' place).
 */
const CASAS_ROOMS: Record<string, string> = {
  masterbedroom: 'bedroom',
  masterbathroom: 'bathroom',
  toilet: 'bathroom',
  diningroom: 'dining',
  dining: 'dining',
  workarea: 'office',
  office: 'office',
  frontdoor: 'entrance',
};

/** The first of `words` that names a room (`LivingRoom`, `Bedroom`, `WorkArea`…), as its SPEC name. */
function roomOf(words: string[]): string | undefined {
  for (const w of words) {
    const extra = CASAS_ROOMS[w.toLowerCase().replace(/[^a-z]/g, '')];
    if (extra) return extra;
    const room = canonicalRoom(w);
    if ((MEANINGFUL_ROOMS as readonly string[]).includes(room)) return room;
  }
  return undefined;
}

/** A door that leads out: named so where the sensor is (`FrontDoor`, `OutsideDoor`, `MainDoor`, `BackDoor`…). */
const EXIT = /^(front|outside|main|back|exit|garage|entry|entrance)_?door$/i;
const CUPBOARD = /closet|cabinet|cupboard|drawer|fridge|freezer|wardrobe/i;

/** A device of the home as its CASAS lines describe it. */
export interface CasasDevice {
  id: string;
  kind: DeviceKind;
  room?: string;
}

/**
 * The device a reading comes from, or undefined for channels that are not the resident's doing (light level, battery,
 * analog and power meters): motion sensors (M…, MA…, or an area named for its place) are PIRs reporting a held state
 * (ON, then OFF); D… door contacts (the exit door when its place says so); I… items taken (PRESENT/ABSENT) read as a
 * cupboard opened; L… light switches as an appliance; T… temperatures. The room comes from the place, else the sensor's
 * name; CASAS homes in Aruba's format give none (a configuration may: `--config`).
 */
export function casasDevice(r: CasasReading): CasasDevice | undefined {
  const code = CODE.exec(r.sensor);
  const id = code || r.places.length === 0 ? r.sensor : `${r.sensor}-${r.places.join('-')}`;
  const room = roomOf([...r.places, r.sensor]);
  const contact = r.state === 'OPEN' || r.state === 'CLOSE' || r.state === 'CLOSED';
  const place = r.places[r.places.length - 1] ?? '';
  if (code) {
    const letters = (code[1] ?? '').toUpperCase();
    if (letters === 'M' || letters === 'MA') return { id, kind: 'motion', room };
    if (letters === 'D' || letters === 'DO') return { id, kind: EXIT.test(place) ? 'exit-door' : 'door', room };
    if (letters === 'I') return { id, kind: 'door', room };
    if (letters === 'L' || letters === 'LL') return { id, kind: 'appliance', room };
    if (letters === 'T') return { id, kind: 'climate', room };
    return undefined;
  }
  if (/^-?\d/.test(r.state)) return undefined;
  if (contact) return { id, kind: EXIT.test(place) || EXIT.test(r.sensor) ? 'exit-door' : 'door', room };
  if (/light$/i.test(place)) return { id, kind: 'appliance', room };
  if (CUPBOARD.test(place)) return { id, kind: 'door', room };
  return { id, kind: 'motion', room };
}

/** The event a reading of `device` is (the SPEC 4 type and value), or undefined when the state does not fit it. */
export function casasEvent(device: CasasDevice, state: string): { type: string; value: unknown } | undefined {
  const on = state === 'ON' || state === 'OPEN' || state === 'ABSENT';
  const off = state === 'OFF' || state === 'CLOSE' || state === 'CLOSED' || state === 'PRESENT';
  switch (device.kind) {
    case 'motion':
      return on || off ? { type: 'motion', value: on } : undefined;
    case 'appliance':
      return on || off ? { type: 'power', value: on ? 100 : 0 } : undefined;
    case 'door':
    case 'exit-door':
      // A contact is closed (true) when the door is; an item present is a cupboard shut.
      return on || off ? { type: 'contact', value: off } : undefined;
    case 'climate': {
      const tempC = Number(state);
      return Number.isFinite(tempC) ? { type: 'temperature', value: tempC } : undefined;
    }
    default:
      return undefined;
  }
}

/** `telecare replay --format casas`: each line as a replay line of `homeId`, with the device's kind and room. */
export function casasLineParser(homeId: string, zone: ZoneClock): (text: string) => ReplayLine | undefined {
  return (text) => {
    const r = parseCasasLine(text);
    const device = r && casasDevice(r);
    const event = r && device && casasEvent(device, r.state);
    if (!r || !device || !event) return undefined;
    const ts = parseIsoMs(r.wall, zone);
    if (!Number.isFinite(ts)) return undefined;
    return {
      ts,
      homeId,
      deviceId: device.id,
      ...event,
      kind: device.kind,
      ...(device.room !== undefined ? { room: device.room } : {}),
    };
  };
}
