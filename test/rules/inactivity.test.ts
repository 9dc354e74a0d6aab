// Inactivity: no activity anywhere for longer than normal, with a pre-alert; suspended while out or away.
import { describe, expect, it } from 'vitest';
import { Harness, MONDAY, WITHOUT_POSSIBLE_FALL, home } from './factories.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../rules/time.js';

const NINE = MONDAY + 9 * HOUR_MS;
/**
 * The chair mat held keeps possible-fall off in these tests; a silence on a chair mat that holds has its own allowance
 * since session 37 (`inactivity.coldStartSittingMinutes`, test/rules/chair-held.test.ts): set to 0 here, the day value
 * (4 h) is what these tests read, as before.
 */
const SITTING_AS_DAY = { inactivity: { coldStartSittingMinutes: 0 } };
const SEATED = home({}, SITTING_AS_DAY);

describe('inactivity rule', () => {
  it('raises after 4 h of silence by day (cold start), with a pre-alert 10 min before', () => {
    const h = new Harness(SEATED, NINE);
    h.at(0, 'living-pir', 'motion', true);
    h.at(1000, 'chair', 'occupancy', true); // resting in the chair: no possible-fall
    h.advanceBy(4 * HOUR_MS + 1000 - 10 * MINUTE_MS);
    expect(h.of('prealert', 'inactivity')).toEqual([
      expect.objectContaining({ raiseAt: NINE + 1000 + 4 * HOUR_MS, at: NINE + 1000 + 4 * HOUR_MS - 10 * MINUTE_MS }),
    ]);
    expect(h.raised('inactivity')).toHaveLength(0);
    h.advanceBy(10 * MINUTE_MS);
    expect(h.raised('inactivity')).toEqual([
      expect.objectContaining({ severity: 'high', at: NINE + 1000 + 4 * HOUR_MS, room: 'living' }),
    ]);
    h.advanceBy(6 * HOUR_MS);
    expect(h.raised('inactivity')).toHaveLength(1);
  });

  it('activity cancels the pre-alert and nothing is raised; moving after an alert clears it', () => {
    const h = new Harness(SEATED, NINE);
    h.at(0, 'chair', 'occupancy', true);
    h.advanceBy(3 * HOUR_MS + 55 * MINUTE_MS);
    h.at(0, 'chair', 'occupancy', false);
    expect(h.of('prealert-cancel', 'inactivity')).toHaveLength(1);
    expect(h.raised('inactivity')).toHaveLength(0);
    h.at(0, 'chair', 'occupancy', true);
    h.advanceBy(5 * HOUR_MS);
    expect(h.raised('inactivity')).toHaveLength(1);
    h.at(0, 'kitchen-pir', 'motion', true);
    expect(h.of('clear', 'inactivity')).toEqual([expect.objectContaining({ reason: 'activity in kitchen' })]);
  });

  it('a silence that starts in the evening runs into the night: the 10 h night allowance applies', () => {
    const h = new Harness(undefined, MONDAY + 19 * HOUR_MS);
    h.at(0, 'living-pir', 'motion', true);
    h.at(1000, 'chair', 'occupancy', true);
    h.advanceBy(9 * HOUR_MS);
    expect(h.raised()).toHaveLength(0);
    h.advanceBy(1 * HOUR_MS + 1000);
    expect(h.raised('inactivity')).toEqual([
      expect.objectContaining({ at: MONDAY + 19 * HOUR_MS + 1000 + 10 * HOUR_MS }),
    ]);
  });

  it('a night in bed that starts early is judged by the morning check, not by a 10 h stopwatch started at bedtime', () => {
    const h = new Harness(undefined, MONDAY + 21 * HOUR_MS);
    h.at(0, 'bed', 'occupancy', true);
    // Asleep past 07:00: 10 h 30 min, a long but ordinary night (cold start, no care plan).
    h.advanceBy(10 * HOUR_MS + 30 * MINUTE_MS);
    expect(h.raised()).toHaveLength(0);
    // Still nothing at 09:00, the 12 h cap: raised then, with the bed mat in the detail.
    h.advanceBy(1 * HOUR_MS + 31 * MINUTE_MS);
    expect(h.raised('inactivity')).toEqual([
      expect.objectContaining({
        at: MONDAY + 33 * HOUR_MS,
        detail: expect.objectContaining({ matOccupied: 'bed', thresholdMinutes: 720, thresholdSource: 'cold-start' }),
      }),
    ]);
  });

  it('is suspended while the resident is out (exit door closed, nothing inside) and resumes on motion inside', () => {
    const h = new Harness(home({}, WITHOUT_POSSIBLE_FALL), NINE);
    h.at(0, 'hall-pir', 'motion', true);
    h.at(MINUTE_MS, 'front', 'contact', false);
    h.at(20_000, 'front', 'contact', true);
    h.advanceBy(6 * HOUR_MS);
    expect(h.raised()).toHaveLength(0);
    h.at(0, 'front', 'contact', false);
    h.at(10_000, 'front', 'contact', true);
    h.at(10_000, 'hall-pir', 'motion', true);
    const back = h.clock.now();
    h.advanceBy(5 * HOUR_MS);
    expect(h.raised('inactivity')).toEqual([expect.objectContaining({ at: back + 4 * HOUR_MS })]);
  });

  it('a door closed with the resident still inside (motion follows) does not count as out', () => {
    const h = new Harness(SEATED, NINE);
    h.at(0, 'front', 'contact', false);
    h.at(10_000, 'front', 'contact', true);
    h.at(MINUTE_MS, 'living-pir', 'motion', true);
    h.at(1000, 'chair', 'occupancy', true);
    h.advanceBy(4 * HOUR_MS + MINUTE_MS);
    expect(h.raised('inactivity')).toHaveLength(1);
  });

  it('is suspended in away mode, and the silence starts again when away mode ends', () => {
    const h = new Harness(undefined, NINE);
    h.at(0, 'chair', 'occupancy', true);
    h.advanceBy(3 * HOUR_MS);
    h.setAway(true);
    h.advanceBy(2 * DAY_MS);
    // Only the chair mat's silence is news (sensor-offline after 25 h); nothing of the inactivity family.
    expect(h.raised().map((d) => d.kind)).toEqual(['sensor-offline']);
    h.setAway(false);
    const back = h.clock.now();
    h.advanceBy(4 * HOUR_MS + MINUTE_MS);
    expect(h.raised('inactivity')).toEqual([expect.objectContaining({ at: back + 4 * HOUR_MS })]);
  });

  it('carries on after a restart in the middle of the silence: same alert, same time', () => {
    const h = new Harness(SEATED, NINE);
    h.at(0, 'chair', 'occupancy', true);
    h.advanceBy(2 * HOUR_MS);
    h.restart();
    h.advanceBy(3 * HOUR_MS);
    expect(h.raised('inactivity')).toEqual([expect.objectContaining({ at: NINE + 4 * HOUR_MS })]);
  });
});

describe('a device that reports temperature beside its contact', () => {
  it('is not seen as moving when it repeats an unchanged contact after a temperature report', () => {
    const config = home(
      { devices: [...home().devices, { id: 'multi', kind: 'other', room: 'kitchen' }] },
      { ...WITHOUT_POSSIBLE_FALL, ...SITTING_AS_DAY },
    );
    const h = new Harness(config, NINE);
    h.at(0, 'multi', 'contact', true);
    h.at(1000, 'chair', 'occupancy', true);
    const lastActivityAt = h.clock.now();
    // An hour later the sensor reports its temperature, then repeats the contact it already had: no movement.
    h.advanceBy(HOUR_MS);
    h.at(0, 'multi', 'temperature', 21.5);
    h.at(1000, 'multi', 'contact', true);
    h.advanceBy(3 * HOUR_MS);
    expect(h.raised('inactivity')).toEqual([expect.objectContaining({ at: lastActivityAt + 4 * HOUR_MS })]);
  });
});
