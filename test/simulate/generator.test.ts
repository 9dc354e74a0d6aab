// The simulator makes believable days: same seed, same days; sleep, kettle, bathroom, outings; valid native events.
import { assert, describe, expect, it } from 'vitest';
import { simulate } from '../../simulate/generator.js';
import { FLAT_DEVICES } from '../../simulate/layout.js';
import { EVENT_VALUE_KIND, NATIVE_EVENT_TYPES } from '../../rules/vocabulary.js';
import { at, oneHome, TZ } from './helpers.js';

const WEEK = ['2026-01-12', '2026-01-13', '2026-01-14', '2026-01-15', '2026-01-16', '2026-01-17', '2026-01-18'];

describe('simulated days', () => {
  const week = oneHome({ days: 7 });

  it('gives the same events for the same seed and different ones for another seed', () => {
    expect(oneHome({ days: 2 })).toEqual(oneHome({ days: 2 }));
    const other = oneHome({ days: 2, seed: 6 });
    expect(other).not.toEqual(oneHome({ days: 2 }));
  });

  it('writes valid native events of configured devices, in time order, inside the simulated days', () => {
    const devices = new Set(FLAT_DEVICES.map((d) => d.id));
    let previous = -Infinity;
    for (const e of week) {
      expect(e.ts).toBeGreaterThanOrEqual(previous);
      previous = e.ts;
      expect(devices.has(e.deviceId)).toBe(true);
      expect(NATIVE_EVENT_TYPES).toContain(e.type);
      const kind = EVENT_VALUE_KIND[e.type];
      if (kind === 'number') expect(typeof e.value).toBe('number');
      else if (kind === 'true') expect(e.value).toBe(true);
      else if (kind === 'boolean') expect(typeof e.value).toBe('boolean');
    }
    expect(week[0]?.ts).toBeGreaterThanOrEqual(at('2026-01-12', '00:00'));
    expect(week.at(-1)?.ts).toBeLessThan(at('2026-01-19', '00:00'));
  });

  it('has the resident in bed at 3 in the morning every night', () => {
    for (const date of WEEK) {
      const bed = week.filter((e) => e.deviceId === 'bed-mat' && e.ts <= at(date, '03:00'));
      expect(bed[bed.length - 1]?.value, date).toBe(true);
    }
  });

  it('boils the kettle in the morning and visits the bathroom through the day', () => {
    for (const date of WEEK) {
      const kettle = week.filter(
        (e) => e.deviceId === 'kettle' && e.ts >= at(date, '05:00') && e.ts < at(date, '11:00'),
      );
      expect(
        kettle.some((e) => (e.value as number) > 1500),
        date,
      ).toBe(true);
      const bathroomStarts = week.filter(
        (e) =>
          e.deviceId === 'bathroom-pir' && e.value === true && e.ts >= at(date, '06:00') && e.ts < at(date, '23:59'),
      );
      expect(bathroomStarts.length, date).toBeGreaterThanOrEqual(3);
    }
  });

  it('gets up at night to the bathroom on some nights of the week', () => {
    const nightVisits = week.filter((e) => {
      const hour = new Date(e.ts).getUTCHours();
      return e.deviceId === 'bathroom-pir' && e.value === true && hour >= 1 && hour < 5;
    });
    expect(nightVisits.length).toBeGreaterThan(0);
  });

  it('goes out through the front door, and nothing moves inside while out', () => {
    const door = week.filter((e) => e.deviceId === 'front-door' && e.value === false);
    const [leaving, returning] = door;
    assert.isDefined(leaving);
    assert.isDefined(returning);
    const leave = leaving.ts;
    const back = returning.ts;
    const inside = week.filter(
      (e) => e.ts > leave + 120_000 && e.ts < back - 5_000 && e.type === 'motion' && e.value === true,
    );
    expect(inside).toEqual([]);
  });

  it('sends heartbeats, batteries and climate readings on its own', () => {
    const day = week.filter((e) => e.ts < at('2026-01-13', '00:00'));
    const heartbeats = new Set(day.filter((e) => e.type === 'heartbeat').map((e) => e.deviceId));
    expect(heartbeats.size).toBe(FLAT_DEVICES.length);
    const temps = day.filter((e) => e.type === 'temperature').map((e) => e.value as number);
    expect(Math.min(...temps)).toBeGreaterThan(15);
    expect(Math.max(...temps)).toBeLessThan(26);
    expect(day.some((e) => e.type === 'battery')).toBe(true);
  });

  it('merges a scheme of flats into one stream in time order, each flat its own life', () => {
    const scheme = [...simulate({ homes: 3, days: 1, start: '2026-01-12', seed: 5, timeZone: TZ })];
    expect(new Set(scheme.map((e) => e.homeId))).toEqual(new Set(['h1', 'h2', 'h3']));
    const times = scheme.map((e) => e.ts);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const wake = (home: string): number =>
      scheme.find((e) => e.homeId === home && e.deviceId === 'bed-mat' && e.value === false)!.ts;
    expect(new Set([wake('h1'), wake('h2'), wake('h3')]).size).toBe(3);
    // A flat lives the same life whether simulated alone or in a scheme.
    expect(scheme.filter((e) => e.homeId === 'h1')).toEqual(oneHome());
  });

  it('refuses bad options with the reason', () => {
    expect(() => oneHome({ days: 0 })).toThrow(/--days/);
    expect(() => oneHome({ timeZone: 'Mars/Olympus' })).toThrow(/timezone/);
    expect(() => oneHome({ start: '12/01/2026' })).toThrow(/YYYY-MM-DD/);
  });
});
