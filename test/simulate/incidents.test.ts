// Incidents on demand produce the events (or the silence) a demo needs for each alert kind.
import { describe, expect, it } from 'vitest';
import { unseenIncidents } from '../../simulate/generator.js';
import { parseIncident } from '../../simulate/incidents.js';
import type { AccelValue } from '../../rules/types.js';
import { TZ, at, isActivity, oneHome } from './helpers.js';

const DAY = '2026-01-12';

describe('incidents', () => {
  it('collapse: the fall is seen, then no activity anywhere until the next morning', () => {
    const events = oneHome({ incidents: ['collapse@14:05'] });
    const after = events.filter((e) => isActivity(e) && e.ts > at(DAY, '14:06'));
    expect(after).toEqual([]);
    // The PIR saw her last around the time she fell (it reports at most once a minute).
    const lastMotion = events.filter((e) => e.type === 'motion' && e.value === true).pop()!;
    expect(lastMotion.ts).toBeGreaterThanOrEqual(at(DAY, '14:03'));
    // Devices keep reporting on their own.
    expect(events.some((e) => e.type === 'heartbeat' && e.ts > at(DAY, '20:00'))).toBe(true);
    // Without the incident she is busy that afternoon.
    expect(oneHome().some((e) => isActivity(e) && e.ts > at(DAY, '14:06'))).toBe(true);
  });

  it('pendant, smoke and flood: the device sends its alarm at the time asked', () => {
    const events = oneHome({ incidents: ['pendant@11:00', 'smoke@12:00', 'flood@12:30'] });
    expect(events.find((e) => e.type === 'pendant')).toMatchObject({
      deviceId: 'pendant',
      value: true,
      ts: at(DAY, '11:00'),
    });
    expect(events.find((e) => e.type === 'smoke' && e.value === true)?.ts).toBe(at(DAY, '12:00'));
    expect(events.find((e) => e.type === 'water' && e.value === true)?.ts).toBe(at(DAY, '12:30'));
  });

  it('fall: the wearable reports it; with --accel it sends a wrist trace with an impact instead', () => {
    const reported = oneHome({ incidents: ['fall@10:30'] });
    expect(reported.filter((e) => e.type === 'fall')).toHaveLength(1);
    const traced = oneHome({ incidents: ['fall@10:30'], accel: true });
    expect(traced.some((e) => e.type === 'fall')).toBe(false);
    const peak = Math.max(
      ...traced
        .filter((e) => e.type === 'accel' && Math.abs(e.ts - at(DAY, '10:30')) < 10_000)
        .flatMap((e) => (e.value as AccelValue).samples.map(([x, y, z]) => Math.hypot(x, y, z))),
    );
    expect(peak).toBeGreaterThan(2.5);
  });

  it('night-exit: out of bed, the front door opens, and no motion inside for the next 10 minutes', () => {
    const events = oneHome({ incidents: ['night-exit@02:30'] });
    const door = events.find((e) => e.deviceId === 'front-door' && e.value === false && e.ts >= at(DAY, '02:30'))!;
    expect(door.ts).toBeLessThan(at(DAY, '02:35'));
    const inside = events.filter(
      (e) => e.type === 'motion' && e.value === true && e.ts > door.ts + 60_000 && e.ts < door.ts + 10 * 60_000,
    );
    expect(inside).toEqual([]);
  });

  it('sensor-offline: the device goes silent from that time, the others carry on', () => {
    const events = oneHome({ days: 2, incidents: ['sensor-offline@09:00/h1/living-pir'] });
    expect(events.filter((e) => e.deviceId === 'living-pir' && e.ts >= at(DAY, '09:00'))).toEqual([]);
    expect(events.some((e) => e.deviceId === 'kitchen-pir' && e.ts > at('2026-01-13', '09:00'))).toBe(true);
  });

  it('no-morning-activity: the resident stays in bed until the time given', () => {
    const events = oneHome({ incidents: ['no-morning-activity@11:30'] });
    const up = events.find((e) => e.deviceId === 'bed-mat' && e.value === false && e.ts > at(DAY, '06:00'))!;
    expect(up.ts).toBeGreaterThanOrEqual(at(DAY, '11:29'));
    const outsideBedroom = events.filter(
      (e) =>
        e.type === 'motion' &&
        e.value === true &&
        e.deviceId !== 'bedroom-pir' &&
        e.ts > at(DAY, '06:00') &&
        e.ts < up.ts,
    );
    expect(outsideBedroom).toEqual([]);
  });

  it('cold and low-battery change what the devices report', () => {
    const events = oneHome({ incidents: ['cold@13:00', 'low-battery@08:00'] });
    const cold = events.filter((e) => e.type === 'temperature' && e.ts > at(DAY, '13:00') && e.ts < at(DAY, '16:00'));
    expect(cold.every((e) => (e.value as number) < 16)).toBe(true);
    expect(events.find((e) => e.type === 'battery' && e.value === 12)?.deviceId).toBe('bathroom-pir');
  });

  it('parses the incident syntax and refuses nonsense with the reason', () => {
    expect(parseIncident('night-exit@2026-11-23T02:30/h3')).toEqual({
      kind: 'night-exit',
      date: '2026-11-23',
      minutes: 150,
      homeId: 'h3',
      deviceId: null,
    });
    expect(() => parseIncident('meteor@10:00')).toThrow(/unknown incident kind/);
    expect(() => parseIncident('collapse@25:00')).toThrow(/HH:MM/);
    expect(() => oneHome({ incidents: ['collapse@10:00/h9'] })).toThrow(/no home "h9"/);
  });

  it('names the incidents nobody would see, and only those', () => {
    const options = (incidents: string[]) => ({
      homes: 2,
      days: 2,
      start: DAY,
      seed: 5,
      timeZone: TZ,
      incidents: incidents.map(parseIncident),
    });
    const seen = ['pendant@10:00', 'smoke@2026-01-13T23:59/h2', 'sensor-offline@2026-01-10T09:00'];
    expect(unseenIncidents(options(seen))).toEqual([]);
    expect(
      unseenIncidents(options(['flood@2026-01-14T00:00', 'tamper@2026-01-11T23:59/h2/hall-pir', 'fall@09:59'])),
    ).toEqual([
      'incident flood@2026-01-14T00:00 is after the last simulated day (2026-01-13): it never happens; add --days',
      'incident tamper@2026-01-11T23:59/h2/hall-pir is before the first simulated day (2026-01-12): it never happens',
    ]);
    // Live from 10:00 on the first day: what came before is not sent, a lasting change still is.
    const live = unseenIncidents(
      options(['fall@09:59', 'pendant@10:00', 'routine-change@09:00', 'pendant@2026-01-13T08:00']),
      at(DAY, '10:00'),
    );
    expect(live).toEqual([
      'incident fall@09:59 is before now: a live run without --start publishes from now on, so it is not sent; ' +
        'give a later time, or --start 2026-01-12 to publish the whole day from midnight',
    ]);
  });
});
