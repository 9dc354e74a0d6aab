// An arrival by the exit door ends an outing: a homecoming no sensor inside sees is not taken as out for good (issue 11).
import { describe, expect, it } from 'vitest';
import { HOUR_MS, MINUTE_MS, SECOND_MS } from '../../rules/time.js';
import { DEVICES, Harness, home, MONDAY } from './factories.js';

const TEN = MONDAY + 10 * HOUR_MS;

/** A starter kit: the front door, a kitchen PIR and a pendant; nothing sees the hall or the living room. */
const STARTER = home({ devices: DEVICES.filter((d) => ['front', 'kitchen-pir', 'pendant'].includes(d.id)) });

/** The resident moves in the kitchen at 10:00 and leaves by the front door at 10:01; out is confirmed at 10:11. */
function outAtTen(config = STARTER): Harness {
  const h = new Harness(config, TEN);
  h.at(0, 'kitchen-pir', 'motion', true);
  h.at(MINUTE_MS, 'front', 'contact', false);
  h.at(5 * SECOND_MS, 'front', 'contact', true);
  h.advanceBy(20 * MINUTE_MS);
  return h;
}

/** The exit door opened, then closed `closedAfterMs` later; returns the time of the opening. */
function throughTheDoor(h: Harness, afterMs: number, closedAfterMs = 5 * SECOND_MS): number {
  h.at(afterMs, 'front', 'contact', false);
  const openedAt = h.clock.now();
  h.at(closedAfterMs, 'front', 'contact', true);
  return openedAt;
}

const kinds = (h: Harness): [string, number][] => h.raised().map((d) => [d.kind, d.at]);

describe('after a confirmed outing, the exit door opened and closed is an arrival', () => {
  it('home at 14:00 and nothing seen since: inactivity calls at its day value, and says why', () => {
    const h = outAtTen();
    const openedAt = throughTheDoor(h, TEN + 4 * HOUR_MS - h.clock.now());
    const closedAt = h.clock.now();
    h.advanceBy(4 * HOUR_MS - MINUTE_MS);
    expect(h.raised()).toEqual([]);
    h.advanceBy(2 * MINUTE_MS);
    expect(kinds(h)).toEqual([['inactivity', closedAt + 4 * HOUR_MS]]);
    expect(h.raised()[0]?.detail).toEqual(
      expect.objectContaining({
        thresholdMinutes: 240,
        lastDeviceId: 'front',
        arrivedAt: new Date(openedAt).toISOString(),
        arrivedBy: 'front',
        seenSinceArrival: false,
      }),
    );
  });

  it('the door pushed again seconds after it closed is the same arrival, not someone leaving', () => {
    const h = outAtTen();
    const openedAt = throughTheDoor(h, 3 * HOUR_MS, 2 * SECOND_MS);
    throughTheDoor(h, 3 * SECOND_MS, 3 * SECOND_MS); // it did not latch
    const closedAt = h.clock.now();
    h.advanceBy(4 * HOUR_MS + MINUTE_MS);
    expect(kinds(h)).toEqual([['inactivity', closedAt + 4 * HOUR_MS]]);
    expect(h.raised()[0]?.detail).toEqual(expect.objectContaining({ arrivedAt: new Date(openedAt).toISOString() }));
  });

  it('a visitor who comes and goes opens the door twice: out again until the resident comes in', () => {
    const h = outAtTen();
    throughTheDoor(h, HOUR_MS); // 11:20 a neighbour looks in...
    throughTheDoor(h, 20 * MINUTE_MS); // ...and leaves at 11:40: out again from this closing
    h.advanceBy(5 * HOUR_MS); // had the visitor's leaving been taken for the resident staying in: a call at 15:40
    expect(h.raised()).toEqual([]);
    throughTheDoor(h, 0); // 16:40 the resident comes home
    const closedAt = h.clock.now();
    h.advanceBy(4 * HOUR_MS + MINUTE_MS);
    expect(kinds(h)).toEqual([['inactivity', closedAt + 4 * HOUR_MS]]);
  });

  it('survives a restart between the opening and the closing, and after it', () => {
    const h = outAtTen();
    const openedAt = h.clock.now() + HOUR_MS;
    h.at(HOUR_MS, 'front', 'contact', false);
    h.restart();
    h.at(5 * SECOND_MS, 'front', 'contact', true);
    const closedAt = h.clock.now();
    h.restart();
    h.advanceBy(4 * HOUR_MS + MINUTE_MS);
    expect(kinds(h)).toEqual([['inactivity', closedAt + 4 * HOUR_MS]]);
    expect(h.raised()[0]?.detail).toEqual(
      expect.objectContaining({ arrivedAt: new Date(openedAt).toISOString(), seenSinceArrival: false }),
    );
  });

  it('a door that stood open longer than the out-check is not told by its closing: still out, as before', () => {
    const h = outAtTen();
    throughTheDoor(h, HOUR_MS, 11 * MINUTE_MS);
    h.advanceBy(12 * HOUR_MS);
    expect(h.raised()).toEqual([]);
  });

  it('the resident leaves again after an arrival: the next closing is a leaving, confirmed as before', () => {
    const h = outAtTen();
    throughTheDoor(h, HOUR_MS); // 11:20 home
    throughTheDoor(h, 30 * MINUTE_MS); // 11:50 out again
    h.advanceBy(8 * HOUR_MS);
    expect(h.raised()).toEqual([]);
  });

  it('a home with a hall PIR: the arrival it sees is watched as before, and its detail names no unseen arrival', () => {
    const h = outAtTen(home());
    throughTheDoor(h, HOUR_MS);
    h.at(3 * SECOND_MS, 'hall-pir', 'motion', true);
    const seenAt = h.clock.now();
    h.advanceBy(46 * MINUTE_MS);
    expect(kinds(h)).toEqual([['possible-fall', seenAt + 45 * MINUTE_MS]]);
    expect(h.raised()[0]?.detail).not.toHaveProperty('arrivedAt');
  });
});
