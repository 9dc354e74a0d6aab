// A contact reporting alone after an outing, on and on (120 reports within an hour: a mercury switch at its tipping
// point, a contact loose on its magnet), is a fault, not the resident: the inactivity family waits on it as on an
// outing, up to an outing's bound, even in a home with no record of its returns yet (its first days).
import { describe, expect, it } from 'vitest';
import { HOUR_MS, MINUTE_MS, SECOND_MS } from '../../rules/time.js';
import { Harness, MONDAY } from './factories.js';

const FAMILY = new Set([
  'inactivity',
  'possible-fall',
  'bathroom-too-long',
  'no-morning-activity',
  'out-of-bed-too-long',
]);
const family = (h: Harness): [string, number][] =>
  h.raised().flatMap((d) => (FAMILY.has(d.kind) ? [[d.kind, d.at] as [string, number]] : []));

/**
 * A new home (no outing, no return on record): the resident seen at 10:00 on Monday, out by the front door, and 30 min
 * later `deviceId` alone reporting `reports` times, one every 15 s. Returns the time of the last report.
 */
function aloneAfterAnOuting(h: Harness, deviceId: string, reports: number): number {
  h.at(0, 'kitchen-pir', 'motion', true);
  h.at(MINUTE_MS, 'hall-pir', 'motion', true);
  h.at(MINUTE_MS, 'front', 'contact', false);
  h.at(10 * SECOND_MS, 'front', 'contact', true);
  h.advanceBy(30 * MINUTE_MS); // out confirmed 10 min after the closing
  const type = deviceId === 'fridge' ? 'contact' : 'motion';
  for (let i = 0; i < reports; i++) {
    h.at(i === 0 ? 0 : 15 * SECOND_MS, deviceId, type, type === 'contact' ? i % 2 === 1 : i % 2 === 0);
  }
  return h.clock.now();
}

describe('a contact that chatters alone after an outing', () => {
  it('is waited on as an outing, up to its bound (18 h), though the home has no record of its returns', () => {
    const h = new Harness(undefined, MONDAY + 10 * HOUR_MS);
    const lastAt = aloneAfterAnOuting(h, 'fridge', 140); // 35 min of chatter
    h.advanceBy(18 * HOUR_MS - MINUTE_MS);
    // Not at inactivity's day value (4 h), nor at Tuesday's morning check.
    expect(family(h)).toEqual([]);
    h.advanceBy(2 * MINUTE_MS);
    expect(family(h)).toEqual([['inactivity', lastAt + 18 * HOUR_MS]]);
    // The responder's card says why: a contact reporting by itself, not a home that often stands empty (it has no
    // record of its returns).
    expect(h.raised('inactivity')[0]?.detail).toMatchObject({
      thresholdSource: 'outing-bound',
      loneDeviceChattered: true,
    });
  });

  it('is still known to have chattered after a restart', () => {
    const h = new Harness(undefined, MONDAY + 10 * HOUR_MS);
    aloneAfterAnOuting(h, 'fridge', 140);
    h.restart();
    // Once more, 70 min later: in an hour of its own, after the restart.
    h.at(70 * MINUTE_MS, 'fridge', 'contact', false);
    const lastAt = h.clock.now();
    h.advanceBy(18 * HOUR_MS - MINUTE_MS);
    expect(family(h)).toEqual([]);
    h.advanceBy(2 * MINUTE_MS);
    expect(family(h)).toEqual([['inactivity', lastAt + 18 * HOUR_MS]]);
  });

  it("a contact reporting alone fewer times than that is watched as before: inactivity's day value (4 h)", () => {
    const h = new Harness(undefined, MONDAY + 10 * HOUR_MS);
    const lastAt = aloneAfterAnOuting(h, 'fridge', 100); // 25 min, 100 reports
    h.advanceBy(13 * HOUR_MS);
    expect(family(h)).toEqual([['inactivity', lastAt + 4 * HOUR_MS]]);
  });

  it('a PIR reporting alone as often is watched as before: its reports are a person moving', () => {
    const h = new Harness(undefined, MONDAY + 10 * HOUR_MS);
    const lastAt = aloneAfterAnOuting(h, 'kitchen-pir', 140);
    h.advanceBy(13 * HOUR_MS);
    expect(family(h)).toEqual([['inactivity', lastAt + 4 * HOUR_MS]]);
  });
});
