// By day, a PIR reporting alone after the whole home has been quiet for an hour is in doubt: possible-fall and
// bathroom-too-long wait for a second sign, inactivity watches (session 31: Kasteren B without its exit door's contact,
// its kitchen PIR firing on its own while the resident was out).
import { describe, expect, it } from 'vitest';
import type { HomeConfig } from '../../rules/types.js';
import { DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS } from '../../rules/time.js';
import { DEVICES, Harness, home, MONDAY } from './factories.js';

/**
 * The test home with no mat and no exit door, and in the bedroom only its PIR (which these days never trip): nothing
 * says where the resident is, or if out. Session 70: with nothing at all in the bedroom the bed is unseen
 * (`bedUnseen`) and every silence after a PIR waits inactivity's day value in the first fortnight; these tests are
 * about the doubt where the short values would apply.
 */
const SPARSE: HomeConfig = home({
  devices: DEVICES.filter(
    (d) => (d.room !== 'bedroom' || d.kind === 'motion') && d.kind !== 'chair' && d.kind !== 'exit-door',
  ),
});

const kinds = (h: Harness): [string, number][] => h.raised().map((d) => [d.kind, d.at]);

/** The fridge at `start` (10:30 by default, after the morning check), then nothing until `quietMs` later: the PIR. */
function quietThenPir(quietMs: number, pir = 'kitchen-pir', start = MONDAY + 10 * HOUR_MS + 30 * MINUTE_MS): Harness {
  const h = new Harness(SPARSE, start);
  h.at(0, 'fridge', 'contact', false);
  h.at(20 * SECOND_MS, 'fridge', 'contact', true);
  h.at(quietMs, pir, 'motion', true);
  h.at(3 * SECOND_MS, pir, 'motion', false);
  return h;
}

describe('by day, a PIR alone after an hour of quiet', () => {
  it('the kitchen PIR firing alone 90 min after the last sign: no possible fall; inactivity watches', () => {
    const h = quietThenPir(90 * MINUTE_MS);
    // The same PIR again minutes later is the same sensor, not a second sign.
    h.at(4 * MINUTE_MS, 'kitchen-pir', 'motion', true);
    h.at(3 * SECOND_MS, 'kitchen-pir', 'motion', false);
    const lastAt = h.clock.now();
    h.advanceBy(3 * HOUR_MS);
    expect(h.raised()).toEqual([]);
    // Inactivity still calls the silence (its cold-start day value, 4 h, from the last report).
    h.advanceBy(2 * HOUR_MS);
    expect(kinds(h)).toEqual([['inactivity', lastAt + 4 * HOUR_MS]]);
  });

  it('the PIR heard first by its clearing after the quiet (its movement lost): still a PIR alone', () => {
    // Kasteren B, 25 Jul 19:40 local: the kitchen PIR's `off`, then `on` and `off` 4 s later, after 4.5 h of nothing.
    const h = new Harness(SPARSE, MONDAY + 10 * HOUR_MS + 30 * MINUTE_MS);
    h.at(0, 'fridge', 'contact', false);
    h.at(20 * SECOND_MS, 'fridge', 'contact', true);
    // Its last report before the quiet an `on` whose `off` was lost (that silence is called about: the PIR placed them).
    h.at(10 * SECOND_MS, 'kitchen-pir', 'motion', true);
    const onAt = h.clock.now();
    h.at(90 * MINUTE_MS, 'kitchen-pir', 'motion', false);
    h.at(2 * SECOND_MS, 'kitchen-pir', 'motion', true);
    h.at(2 * SECOND_MS, 'kitchen-pir', 'motion', false);
    h.advanceBy(3 * HOUR_MS);
    expect(kinds(h)).toEqual([['possible-fall', onAt + 45 * MINUTE_MS]]);
  });

  it('the bathroom PIR alone after 90 min of quiet: no bathroom-too-long, no possible fall', () => {
    const h = quietThenPir(90 * MINUTE_MS, 'bathroom-pir');
    h.advanceBy(3 * HOUR_MS);
    expect(h.raised()).toEqual([]);
  });

  it('survives a restart after the PIR', () => {
    const h = quietThenPir(90 * MINUTE_MS);
    h.restart();
    h.advanceBy(3 * HOUR_MS);
    expect(h.raised()).toEqual([]);
  });

  it('another device ends the doubt: possible-fall as before (45 min by day)', () => {
    const h = quietThenPir(90 * MINUTE_MS);
    h.at(2 * MINUTE_MS, 'kettle', 'power', 1500);
    h.at(10 * SECOND_MS, 'kitchen-pir', 'motion', true);
    h.at(3 * SECOND_MS, 'kitchen-pir', 'motion', false);
    const lastAt = h.clock.now();
    h.advanceBy(2 * HOUR_MS);
    expect(kinds(h)).toEqual([['possible-fall', lastAt + 45 * MINUTE_MS]]);
  });

  it('the PIR less than an hour after the last sign places the resident as before', () => {
    const h = quietThenPir(40 * MINUTE_MS);
    const at = h.clock.now();
    h.advanceBy(2 * HOUR_MS);
    expect(kinds(h)).toEqual([['possible-fall', at + 45 * MINUTE_MS]]);
  });

  it('not where the exit door is watched: there a return is looked for at the door, and the PIR places the resident', () => {
    const h = new Harness(home(), MONDAY + 10 * HOUR_MS + 30 * MINUTE_MS);
    h.at(0, 'fridge', 'contact', false);
    h.at(20 * SECOND_MS, 'fridge', 'contact', true);
    h.at(90 * MINUTE_MS, 'kitchen-pir', 'motion', true);
    h.at(3 * SECOND_MS, 'kitchen-pir', 'motion', false);
    const at = h.clock.now();
    h.advanceBy(2 * HOUR_MS);
    expect(kinds(h)).toEqual([['possible-fall', at + 45 * MINUTE_MS]]);
  });

  it('not in the night: the PIR alone at 02:00 after hours of quiet is judged as before (20 min at night)', () => {
    const h = quietThenPir(4 * HOUR_MS + 30 * MINUTE_MS, 'kitchen-pir', MONDAY + 21 * HOUR_MS + 30 * MINUTE_MS);
    const at = h.clock.now();
    h.advanceBy(HOUR_MS);
    expect(kinds(h)).toEqual([['possible-fall', at + 20 * MINUTE_MS]]);
  });

  it('a doubt begun at 21:30 ends where the day ends: the PIR again at 23:40, a collapse there, judged as before', () => {
    // Kasteren B without its exit door's contact: night kitchen collapses left to inactivity (391 and 361 min).
    const h = quietThenPir(2 * HOUR_MS, 'kitchen-pir', MONDAY + 19 * HOUR_MS + 30 * MINUTE_MS);
    h.advanceBy(2 * HOUR_MS + 10 * MINUTE_MS);
    expect(h.raised()).toEqual([]);
    h.at(0, 'kitchen-pir', 'motion', true);
    h.at(3 * SECOND_MS, 'kitchen-pir', 'motion', false);
    const at = h.clock.now();
    h.advanceBy(HOUR_MS);
    expect(kinds(h)).toEqual([['possible-fall', at + 20 * MINUTE_MS]]);
  });

  it('an exit door found dead (daily, then silent three days the home lived) counts as none', () => {
    const withDoor: HomeConfig = home({
      devices: [
        ...DEVICES.filter((d) => d.room !== 'bedroom' && d.kind !== 'chair'),
        { id: 'bedroom-door', kind: 'door', room: 'bedroom' },
      ],
    });
    const run = (doorDies: boolean): Harness => {
      const h = new Harness(withDoor, MONDAY);
      for (let n = 0; n < 14; n++) {
        const day = MONDAY + n * DAY_MS;
        h.clock.advanceTo(day + 7 * HOUR_MS);
        h.at(0, 'bedroom-door', 'contact', false);
        h.at(MINUTE_MS, 'kitchen-pir', 'motion', true);
        h.at(5 * SECOND_MS, 'kitchen-pir', 'motion', false);
        h.at(MINUTE_MS, 'fridge', 'contact', false);
        h.at(20 * SECOND_MS, 'fridge', 'contact', true);
        // The front door opened and shut, someone seen inside at once: a caller, not an outing.
        if (!doorDies || n < 10) {
          h.at(MINUTE_MS, 'front', 'contact', false);
          h.at(10 * SECOND_MS, 'front', 'contact', true);
          h.at(20 * SECOND_MS, 'fridge', 'contact', false);
          h.at(20 * SECOND_MS, 'fridge', 'contact', true);
        }
        // Every day but the last: busy until the evening, to bed at 22:00.
        if (n === 13) break;
        for (let m = 8 * 60; m <= 21 * 60; m += 30) {
          h.clock.advanceTo(day + m * MINUTE_MS);
          h.at(0, 'kitchen-pir', 'motion', true);
          h.at(5 * SECOND_MS, 'kitchen-pir', 'motion', false);
        }
        h.clock.advanceTo(day + 22 * HOUR_MS);
        h.at(0, 'bedroom-door', 'contact', true);
      }
      // Day 13: after the morning's reports, nothing until the kitchen PIR at 13:00, alone.
      h.clock.advanceTo(MONDAY + 13 * DAY_MS + 13 * HOUR_MS);
      h.at(0, 'kitchen-pir', 'motion', true);
      h.at(5 * SECOND_MS, 'kitchen-pir', 'motion', false);
      h.advanceBy(2 * HOUR_MS);
      return h;
    };
    const after = (h: Harness): string[] =>
      h
        .raised()
        .filter((d) => d.at > MONDAY + 13 * DAY_MS + 13 * HOUR_MS)
        .map((d) => d.kind);
    expect(after(run(true))).toEqual([]);
    // The door alive: the return is looked for at the door, and the PIR places the resident.
    expect(after(run(false))).toEqual(['possible-fall']);
  });
});
