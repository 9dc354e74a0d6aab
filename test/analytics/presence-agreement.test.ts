// The rules and the daily features read the same events alike: the minutes with activity and the time out agree (issue 14).
import { describe, expect, it } from 'vitest';
import { FeatureAccumulator } from '../../analytics/features.js';
import { RulesEngine } from '../../rules/engine.js';
import { dayToIsoDate, hhmmToMinutes, ZoneClock } from '../../rules/local-time.js';
import { resolveRuleParams } from '../../rules/params.js';
import type { DeviceConfig, EventValue, HomeConfig, SensorEvent } from '../../rules/types.js';
import type { EventType } from '../../rules/vocabulary.js';
import { simulate } from '../../simulate/generator.js';
import { parseIncident } from '../../simulate/incidents.js';
import { deviceById, flatConfig } from '../../simulate/layout.js';
import { MINUTE_MS } from '../../rules/time.js';

/** What the rules concluded, read from the engine's own state after every timer and event. */
interface RulesView {
  /** Times of the events the rules took for activity (their last activity moved to them). */
  activityAt: number[];
  /** The rules' absences: out from the exit door's closing until activity inside; back by the door's last opening. */
  absences: { fromMs: number; backMs: number }[];
}

function rulesView(config: HomeConfig, events: readonly SensorEvent[]): RulesView {
  const engine = new RulesEngine([config]);
  const outAfterMs = resolveRuleParams(config.rules).presence.outAfterMinutes * MINUTE_MS;
  // The engine's own state of the home (`addHome` gives the existing one): read, never written.
  const home = engine.addHome(config);
  const view: RulesView = { activityAt: [], absences: [] };
  let out = false;
  let outFrom = NaN;
  let lastOpen = NaN;
  let lastActivityAt = NaN;
  for (const event of events) {
    // Every timer due up to this event, in turn: the out-check among them says when the rules take the resident for out.
    for (let due = engine.nextDueAt(); due !== null && due <= event.ts; due = engine.nextDueAt()) {
      engine.advanceTo(due);
      if (!out && home.out) {
        out = true;
        // The rules' out-check fires `outAfterMinutes` after the closing that began the absence.
        outFrom = due - outAfterMs;
        lastOpen = NaN;
      }
      if (engine.nextDueAt() === due) break;
    }
    engine.handle(event);
    const moved = !Number.isNaN(home.lastActivityAt) && home.lastActivityAt !== lastActivityAt;
    lastActivityAt = home.lastActivityAt;
    if (moved) view.activityAt.push(event.ts);
    if (out && moved && event.kind === 'exit-door' && event.value === false) lastOpen = event.ts;
    if (out && !home.out) {
      view.absences.push({ fromMs: outFrom, backMs: Number.isNaN(lastOpen) ? event.ts : lastOpen });
      out = false;
    }
  }
  expect(out, 'the test streams end with the resident at home').toBe(false);
  return view;
}

interface DayFigures {
  activeMinutes: number;
  nightActivityMinutes: number;
  minutesOut: number;
}

/** The daily features the rules' view implies: feature days from the end of the night window, in the home's zone. */
function expectedDays(config: HomeConfig, view: RulesView): Map<string, DayFigures> {
  const zone = new ZoneClock(config.timezone);
  const nightStart = hhmmToMinutes(config.nightWindow.start)!;
  const nightEnd = hhmmToMinutes(config.nightWindow.end)!;
  const dayOf = (t: number): number => zone.dayNumber(t) - (zone.minuteOfDay(t) < nightEnd ? 1 : 0);
  const minutes = new Map<number, { all: Set<number>; night: Set<number>; outMs: number }>();
  const at = (day: number): { all: Set<number>; night: Set<number>; outMs: number } => {
    let m = minutes.get(day);
    if (!m) minutes.set(day, (m = { all: new Set(), night: new Set(), outMs: 0 }));
    return m;
  };
  for (const t of view.activityAt) {
    const day = dayOf(t);
    const minute = Math.floor(t / MINUTE_MS);
    at(day).all.add(minute);
    if (t >= zone.instantOf(day, nightStart)) at(day).night.add(minute);
  }
  for (const a of view.absences) {
    for (let day = dayOf(a.fromMs); day <= dayOf(a.backMs); day++) {
      const from = Math.max(a.fromMs, zone.instantOf(day, nightEnd));
      const to = Math.min(a.backMs, zone.instantOf(day + 1, nightEnd));
      if (to > from) at(day).outMs += to - from;
    }
  }
  const out = new Map<string, DayFigures>();
  for (const [day, m] of minutes) {
    out.set(dayToIsoDate(day), {
      activeMinutes: m.all.size,
      nightActivityMinutes: m.night.size,
      minutesOut: Math.round(m.outMs / MINUTE_MS),
    });
  }
  return out;
}

function compare(config: HomeConfig, events: readonly SensorEvent[]): { days: number; absences: number } {
  const view = rulesView(config, events);
  const expected = expectedDays(config, view);
  const acc = new FeatureAccumulator([config]);
  for (const event of events) acc.add(event);
  const days = acc.finish();
  for (const d of days) {
    const figures = {
      activeMinutes: d.activeMinutes,
      nightActivityMinutes: d.nightActivityMinutes,
      minutesOut: d.minutesOut,
    };
    expect(figures, d.date).toEqual(
      expected.get(d.date) ?? { activeMinutes: 0, nightActivityMinutes: 0, minutesOut: 0 },
    );
  }
  expect(days.map((d) => d.date)).toEqual(expect.arrayContaining([...expected.keys()]));
  return { days: days.length, absences: view.absences.length };
}

/** The sensors of a flat with both kinds of presence sensing: pulse and held PIRs, a presence sensor, mats. */
const DEVICES: DeviceConfig[] = [
  { id: 'hall-pir', kind: 'motion', room: 'hall' },
  { id: 'bath-pir', kind: 'motion', room: 'bathroom' },
  { id: 'living-presence', kind: 'motion', room: 'living' },
  { id: 'bed', kind: 'bed', room: 'bedroom' },
  { id: 'chair', kind: 'chair', room: 'living' },
  { id: 'front', kind: 'exit-door', room: 'entrance' },
  { id: 'fridge', kind: 'door', room: 'kitchen' },
  { id: 'kettle', kind: 'appliance', room: 'kitchen' },
  { id: 'watch', kind: 'wearable', residentId: 'r1' },
  { id: 'pendant', kind: 'pendant', residentId: 'r1' },
  { id: 'thermo', kind: 'climate', room: 'living' },
];

const FLAT: HomeConfig = {
  id: 'h1',
  timezone: 'Europe/London',
  nightWindow: { start: '23:00', end: '06:00' },
  away: false,
  residents: [{ id: 'r1' }],
  devices: DEVICES,
  rules: {},
};

/** Events of FLAT from "HH:MM[:SS]" clock times on 18 November 2026 (GMT: UTC is local time), or full ISO times. */
function day(rows: [string, string, EventType, EventValue][]): SensorEvent[] {
  return rows.map(([time, deviceId, type, value]) => {
    const iso = time.includes('T') ? time : `2026-11-18T${time}`;
    const device = DEVICES.find((d) => d.id === deviceId)!;
    const event: SensorEvent = {
      homeId: FLAT.id,
      deviceId,
      type,
      value,
      ts: Date.parse(`${iso}${iso.length === 16 ? ':00' : ''}Z`),
      source: 'replay',
      kind: device.kind,
      assigned: true,
    };
    if (device.room !== undefined) event.room = device.room;
    return event;
  });
}

describe('the rules and the daily features agree on activity and on time out', () => {
  it('on the cases where they used to disagree: falls, presence sensors, held states, power, the door while out', () => {
    const events = day([
      ['07:00', 'bed', 'occupancy', true],
      ['07:10', 'bed', 'occupancy', false], // leaving the bed is activity
      ['07:11', 'bath-pir', 'motion', true], // a held PIR...
      ['07:15', 'bath-pir', 'motion', false], // ...its end is activity too (the resident was there until then)
      ['07:20', 'living-presence', 'occupancy', true],
      ['07:21', 'living-presence', 'occupancy', true], // a presence sensor repeats while someone is there
      ['07:22', 'living-presence', 'occupancy', true],
      ['07:23', 'living-presence', 'occupancy', false], // and clearing is activity
      ['07:30', 'chair', 'occupancy', true],
      ['07:31', 'chair', 'occupancy', true], // a mat's repeat is not
      ['07:40', 'fridge', 'contact', false],
      ['07:41', 'fridge', 'contact', false], // nor a contact's
      ['07:42', 'fridge', 'contact', true],
      ['07:50', 'kettle', 'power', 2000],
      ['07:51', 'kettle', 'power', 2005], // a rise under 10 W is not
      ['07:52', 'kettle', 'power', 0],
      ['07:53', 'kettle', 'power', 1500],
      ['08:05', 'watch', 'fall', true], // a fall report is an emergency, not a sign of moving about
      ['08:06', 'thermo', 'temperature', 19],
      ['08:10', 'pendant', 'pendant', true],
      // A short trip to the bins: back inside within 10 min, never out.
      ['09:00', 'hall-pir', 'motion', true],
      ['09:01', 'front', 'contact', false],
      ['09:02', 'front', 'contact', true],
      ['09:08', 'hall-pir', 'motion', true],
      // Out: the hall PIR clearing after the door closed is no one inside; a visitor looks in while the
      // resident is out; the resident comes back by the door and is seen in the hall two minutes later.
      ['10:00', 'hall-pir', 'motion', true],
      ['10:01', 'front', 'contact', false],
      ['10:02', 'front', 'contact', true],
      ['10:03', 'hall-pir', 'motion', false],
      ['11:00', 'front', 'contact', false],
      ['11:01', 'front', 'contact', true],
      ['12:30', 'front', 'contact', false],
      ['12:30:30', 'front', 'contact', true],
      ['12:32', 'hall-pir', 'motion', true],
      // Out after a door left shut for exactly the confirmation time; back with motion at the same minute.
      ['14:00', 'front', 'contact', false],
      ['14:00:20', 'front', 'contact', true],
      ['14:10:20', 'living-presence', 'occupancy', true],
      // Out again in the evening, past the night window and the feature day's end; back the next morning.
      ['20:00', 'front', 'contact', false],
      ['20:01', 'front', 'contact', true],
      ['2026-11-19T07:15', 'front', 'contact', false],
      ['2026-11-19T07:16', 'hall-pir', 'motion', true],
    ]);
    const { absences } = compare(FLAT, events);
    expect(absences).toBe(3);
  });

  it('on two simulated weeks of a flat, with a pendant press and a fall', () => {
    const config = flatConfig('h1', 'Europe/London');
    const incidents = ['pendant@2026-01-08T10:15', 'fall@2026-01-12T15:40'].map(parseIncident);
    const events: SensorEvent[] = [];
    for (const e of simulate({
      homes: 1,
      days: 14,
      start: '2026-01-05',
      seed: 7,
      timeZone: 'Europe/London',
      incidents,
    })) {
      const device = deviceById(e.deviceId)!;
      const event: SensorEvent = { ...e, source: 'replay', kind: device.kind, assigned: true };
      if (device.room !== undefined) event.room = device.room;
      events.push(event);
    }
    const last = events.at(-1)!.ts;
    // The resident at home when the record ends, so that no absence is left open.
    events.push({
      homeId: 'h1',
      deviceId: 'hall-pir',
      type: 'motion',
      value: true,
      ts: last + MINUTE_MS,
      source: 'replay',
      room: 'hall',
      kind: 'motion',
      assigned: true,
    });
    expect(events.some((e) => e.type === 'fall')).toBe(true);
    const { days, absences } = compare(config, events);
    expect(days).toBeGreaterThanOrEqual(14);
    expect(absences).toBeGreaterThan(3);
  });
});
