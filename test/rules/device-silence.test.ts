// Learned silence after each activity (possible-fall without a PIR) and silences that begin in bed.
import { describe, expect, it } from 'vitest';
import { DeviceSilence } from '../../rules/device-silence.js';
import type { DeviceConfig } from '../../rules/types.js';
import { Harness, MONDAY, home } from './factories.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../rules/time.js';

/** A flat with reed switches only (as Kasteren house A): no PIR, no mat. */
const REED_ONLY: DeviceConfig[] = [
  { id: 'fridge', kind: 'door', room: 'kitchen' },
  { id: 'cupboard', kind: 'door', room: 'kitchen' },
  { id: 'bedroom-door', kind: 'door', room: 'bedroom' },
  { id: 'front', kind: 'exit-door', room: 'entrance' },
];

/**
 * Every hour from 07:00 to 21:00 the fridge, then the cupboard 5 min later; the bedroom door at 21:30
 * and 07:00. The last day ends after the cupboard of `lastHour` when given.
 */
function reedDays(h: Harness, fromDay: number, days: number, lastHour = 21): void {
  for (let d = fromDay; d < fromDay + days; d++) {
    const day = MONDAY + d * DAY_MS;
    const untilHour = d === fromDay + days - 1 ? lastHour : 21;
    h.at(day + 7 * HOUR_MS - h.clock.now(), 'bedroom-door', 'contact', false);
    h.at(20_000, 'bedroom-door', 'contact', true);
    for (let hour = 7; hour <= untilHour; hour++) {
      h.at(day + hour * HOUR_MS + 10 * MINUTE_MS - h.clock.now(), 'fridge', 'contact', false);
      h.at(20_000, 'fridge', 'contact', true);
      h.at(5 * MINUTE_MS, 'cupboard', 'contact', false);
      h.at(10_000, 'cupboard', 'contact', true);
    }
    if (untilHour < 21) return;
    h.at(day + 21 * HOUR_MS + 30 * MINUTE_MS - h.clock.now(), 'bedroom-door', 'contact', false);
    h.at(20_000, 'bedroom-door', 'contact', true);
  }
}

const FAMILY = ['possible-fall', 'inactivity', 'bathroom-too-long', 'out-of-bed-too-long', 'no-morning-activity'];

describe('possible-fall after any activity, learned', () => {
  it('the fridge is always followed by the cupboard within minutes: a silence after it is a possible fall well before 2 h', () => {
    const h = new Harness(home({ devices: REED_ONLY }), MONDAY);
    reedDays(h, 0, 16, 11);
    expect(h.raised().filter((d) => FAMILY.includes(d.kind))).toHaveLength(0);
    const noon = MONDAY + 15 * DAY_MS + 12 * HOUR_MS + 10 * MINUTE_MS;
    h.at(noon - h.clock.now(), 'fridge', 'contact', false);
    h.at(20_000, 'fridge', 'contact', true);
    const closedAt = h.clock.now();
    h.advanceBy(30 * MINUTE_MS);
    expect(h.raised('possible-fall')).toHaveLength(0);
    h.advanceBy(80 * MINUTE_MS);
    const falls = h.raised('possible-fall');
    expect(falls).toEqual([expect.objectContaining({ room: 'kitchen' })]);
    const fallAt = falls[0]?.at ?? NaN;
    expect(fallAt - closedAt).toBeGreaterThanOrEqual(30 * MINUTE_MS);
    expect(fallAt - closedAt).toBeLessThan(2 * HOUR_MS);
    expect(h.raised('inactivity')).toHaveLength(0);
  });

  it('the usual days and nights raise nothing, and the bedroom door at bedtime is not judged like the fridge', () => {
    const h = new Harness(home({ devices: REED_ONLY }), MONDAY);
    reedDays(h, 0, 22);
    expect(h.raised().filter((d) => FAMILY.includes(d.kind))).toHaveLength(0);
  });

  it('takes over day by day in the cold start: nothing before its first day, then between the learned value and 4 h', () => {
    const firstDay = new Harness(home({ devices: REED_ONLY }), MONDAY);
    reedDays(firstDay, 0, 1, 11);
    firstDay.at(55 * MINUTE_MS, 'fridge', 'contact', true);
    firstDay.advanceBy(3 * HOUR_MS);
    expect(firstDay.raised('possible-fall')).toHaveLength(0);

    // The delay after the fridge once learned (16 days), and on day 4 (3 days of its silences, weighed against 4 h).
    const delayAfter = (days: number): number => {
      const h = new Harness(home({ devices: REED_ONLY }), MONDAY);
      reedDays(h, 0, days, 11);
      h.at(55 * MINUTE_MS, 'fridge', 'contact', false);
      h.at(20_000, 'fridge', 'contact', true);
      const closedAt = h.clock.now();
      h.advanceBy(5 * HOUR_MS);
      const fall = h.raised().find((d) => FAMILY.includes(d.kind));
      expect(fall?.kind).toBe('possible-fall');
      return (fall?.at ?? NaN) - closedAt;
    };
    const learned = delayAfter(16);
    const day4 = delayAfter(4);
    expect(day4).toBeGreaterThan(learned);
    expect(day4).toBeLessThan(4 * HOUR_MS);
  });

  it("in the cold start its prior is inactivity's own allowance: the same silence after the fridge waits longer late in the evening than at noon", () => {
    const delayAt = (hour: number): number => {
      const h = new Harness(home({ devices: REED_ONLY }), MONDAY);
      reedDays(h, 0, 4, hour - 1);
      h.at(MONDAY + 3 * DAY_MS + hour * HOUR_MS - h.clock.now(), 'fridge', 'contact', false);
      h.at(20_000, 'fridge', 'contact', true);
      const closedAt = h.clock.now();
      h.advanceBy(14 * HOUR_MS);
      return (h.raised('possible-fall').find((d) => d.at > closedAt)?.at ?? Infinity) - closedAt;
    };
    const noon = delayAt(12);
    expect(noon).toBeLessThan(4 * HOUR_MS);
    expect(delayAt(22)).toBeGreaterThan(noon);
  });

  it('carries on through a restart mid-silence', () => {
    const straight = new Harness(home({ devices: REED_ONLY }), MONDAY);
    const restarted = new Harness(home({ devices: REED_ONLY }), MONDAY);
    for (const h of [straight, restarted]) {
      reedDays(h, 0, 16, 11);
      h.at(55 * MINUTE_MS, 'fridge', 'contact', false);
      h.at(20_000, 'fridge', 'contact', true);
      h.advanceBy(20 * MINUTE_MS);
    }
    restarted.restart();
    straight.advanceBy(2 * HOUR_MS);
    restarted.advanceBy(2 * HOUR_MS);
    expect(straight.raised('possible-fall')).toHaveLength(1);
    expect(restarted.raised('possible-fall')).toEqual(straight.raised('possible-fall'));
  });

  it('a setting of 0 keeps possible-fall to a PIR or the bathroom', () => {
    const h = new Harness(home({ devices: REED_ONLY }, { possibleFall: { afterActivityPercent: 0 } }), MONDAY);
    reedDays(h, 0, 16, 11);
    h.at(55 * MINUTE_MS, 'fridge', 'contact', true);
    h.advanceBy(110 * MINUTE_MS);
    expect(h.raised('possible-fall')).toHaveLength(0);
  });
});

describe('device silence model', () => {
  it('a day joins at the turn of the day, and the model survives export and import', () => {
    const model = new DeviceSilence();
    for (let d = 0; d < 20; d++) {
      for (let i = 0; i < 10; i++) model.record('fridge:closed', 5 * MINUTE_MS, d);
      model.record('bedroom-door:closed', 9 * HOUR_MS, d);
    }
    const fridge = model.threshold('fridge:closed', 20, 0.1);
    const door = model.threshold('bedroom-door:closed', 20, 0.1);
    expect(fridge).toBeGreaterThan(5 * MINUTE_MS);
    expect(fridge).toBeLessThan(2 * HOUR_MS);
    expect(Number.isNaN(door) || door > 9 * HOUR_MS).toBe(true);
    model.record('fridge:closed', 3 * HOUR_MS, 20);
    expect(model.threshold('fridge:closed', 20, 0.1)).toBe(fridge);
    const copy = DeviceSilence.fromState(JSON.parse(JSON.stringify(model.exportState())));
    expect(copy.threshold('fridge:closed', 20, 0.1)).toBe(fridge);
    expect(copy.threshold('fridge:closed', 21, 0.1)).toBeGreaterThan(fridge);
    expect(Number.isNaN(copy.threshold('never-seen', 21, 0.1))).toBe(true);
  });
});

describe('inactivity in bed', () => {
  it('in bed by 22:00 for 9 h every night, then in bed at 20:00 one evening: judged by the nights in bed, not by 20:00 evenings up', () => {
    const h = new Harness(undefined, MONDAY);
    for (let d = 0; d < 16; d++) {
      const day = MONDAY + d * DAY_MS;
      h.at(day + 7 * HOUR_MS - h.clock.now(), 'bed', 'occupancy', false);
      for (let t = day + 7 * HOUR_MS + MINUTE_MS; t < day + 22 * HOUR_MS; t += 20 * MINUTE_MS)
        h.at(t - h.clock.now(), 'living-pir', 'motion', true);
      h.at(day + 22 * HOUR_MS - h.clock.now(), 'bed', 'occupancy', true);
    }
    const early = MONDAY + 16 * DAY_MS + 20 * HOUR_MS;
    h.at(MONDAY + 16 * DAY_MS + 7 * HOUR_MS - h.clock.now(), 'bed', 'occupancy', false);
    for (let t = MONDAY + 16 * DAY_MS + 7 * HOUR_MS + MINUTE_MS; t < early; t += 20 * MINUTE_MS)
      h.at(t - h.clock.now(), 'living-pir', 'motion', true);
    h.at(early - h.clock.now(), 'bed', 'occupancy', true);
    h.advanceBy(9 * HOUR_MS);
    expect(h.raised('inactivity')).toHaveLength(0);
    h.advanceBy(4 * HOUR_MS);
    expect(h.raised('inactivity')).toHaveLength(1);
  });
});
