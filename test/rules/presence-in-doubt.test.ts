// A mat alone since the exit door moved: the home may be empty, so inactivity gives the silence the night's allowance.
import { describe, expect, it } from 'vitest';
import { Harness, MONDAY, WITHOUT_POSSIBLE_FALL, home } from './factories.js';
import { HOUR_MS, MINUTE_MS } from '../../rules/time.js';
import { inactivityDefinition } from '../../rules/inactivity.js';

const SECOND_MS = 1000;

/** The resident in the kitchen at 14:00, the front door opened a minute later and left open (a reed reading open). */
function doorLeftOpen(): Harness {
  const h = new Harness(home({}, WITHOUT_POSSIBLE_FALL), MONDAY + 14 * HOUR_MS);
  h.at(0, 'kitchen-pir', 'motion', true);
  h.at(MINUTE_MS, 'front', 'contact', false);
  return h;
}

describe('presence in doubt: since the exit door moved, only a mat has reported', () => {
  it('the chair mat pressed after the front door was left open: not called at 4 h, called at the night allowance (10 h)', () => {
    const h = doorLeftOpen();
    h.at(2 * MINUTE_MS, 'chair', 'occupancy', true); // 14:03: pressed (a pet, a visitor, or the resident)
    const pressedAt = h.clock.now();
    h.clock.advanceTo(pressedAt + 9 * HOUR_MS);
    expect(h.raised()).toEqual([]);
    h.clock.advanceTo(pressedAt + 12 * HOUR_MS);
    expect(h.raised('inactivity')).toEqual([
      expect.objectContaining({
        at: pressedAt + 600 * MINUTE_MS,
        detail: expect.objectContaining({ thresholdMinutes: 600, matOccupied: 'chair', presenceInDoubt: true }),
      }),
    ]);
  });

  it('the doubt survives a restart', () => {
    const h = doorLeftOpen();
    h.at(2 * MINUTE_MS, 'chair', 'occupancy', true);
    const pressedAt = h.clock.now();
    h.restart();
    h.clock.advanceTo(pressedAt + 12 * HOUR_MS);
    expect(h.raised('inactivity').map((d) => d.at)).toEqual([pressedAt + 600 * MINUTE_MS]);
  });

  // The chair mat holds (it has not shown it pulses): the sitting allowance (`inactivity.coldStartSittingMinutes`, 340
  // min since session 37), no longer the day value (240).
  it('a second device after the door (the living-room PIR, then the chair): someone sitting, the usual sitting allowance', () => {
    const h = doorLeftOpen();
    h.at(MINUTE_MS, 'living-pir', 'motion', true);
    h.at(MINUTE_MS, 'chair', 'occupancy', true);
    const pressedAt = h.clock.now();
    h.clock.advanceTo(pressedAt + 12 * HOUR_MS);
    const raised = h.raised('inactivity');
    expect(raised.map((d) => d.at)).toEqual([pressedAt + 340 * MINUTE_MS]);
    expect(raised[0]?.detail).not.toHaveProperty('presenceInDoubt');
  });

  it('a pendant press after the door is the resident: the chair is watched as usual', () => {
    const h = doorLeftOpen();
    h.at(MINUTE_MS, 'pendant', 'pendant', true);
    h.at(MINUTE_MS, 'chair', 'occupancy', true);
    const pressedAt = h.clock.now();
    h.clock.advanceTo(pressedAt + 12 * HOUR_MS);
    expect(h.raised('inactivity').map((d) => d.at)).toEqual([pressedAt + 340 * MINUTE_MS]);
  });

  it('no exit door moved: the chair pressed after the kitchen is watched as usual', () => {
    const h = new Harness(home({}, WITHOUT_POSSIBLE_FALL), MONDAY + 14 * HOUR_MS);
    h.at(0, 'kitchen-pir', 'motion', true);
    h.at(3 * MINUTE_MS, 'chair', 'occupancy', true);
    const pressedAt = h.clock.now();
    h.clock.advanceTo(pressedAt + 12 * HOUR_MS);
    expect(h.raised('inactivity').map((d) => d.at)).toEqual([pressedAt + 340 * MINUTE_MS]);
  });

  it('a PIR alone after the door is not in doubt (possible-fall places the resident there): the usual 4 h', () => {
    const h = doorLeftOpen();
    h.at(2 * MINUTE_MS, 'living-pir', 'motion', true);
    h.at(5 * SECOND_MS, 'living-pir', 'motion', true);
    const seenAt = h.clock.now();
    h.clock.advanceTo(seenAt + 12 * HOUR_MS);
    expect(h.raised('inactivity').map((d) => d.at)).toEqual([seenAt + 240 * MINUTE_MS]);
  });
});

describe("inactivity's saved slice", () => {
  const codec = inactivityDefinition.homeState;

  it('version 4 keeps the exit-door watch, the bedroom time and the contacts open; nothing to save when none is under way', () => {
    const slice = {
      stillSince: NaN,
      exitMoved: true,
      loneDeviceId: 'chair',
      bedroomAt: 5678,
      openSince: new Map([['fridge', 4321]]),
    };
    const saved = JSON.parse(JSON.stringify(codec.save(slice))) as unknown;
    expect(codec.load(saved, 4)).toEqual(slice);
    expect(
      codec.save({ stillSince: NaN, exitMoved: false, loneDeviceId: undefined, bedroomAt: NaN, openSince: new Map() }),
    ).toBeUndefined();
  });

  it('version 3 (no contact open kept) loads with none', () => {
    expect(codec.load({ stillSince: null, exitMoved: true, loneDeviceId: 'chair', bedroomAt: 5678 }, 3)).toEqual({
      stillSince: NaN,
      exitMoved: true,
      loneDeviceId: 'chair',
      bedroomAt: 5678,
      openSince: new Map(),
    });
  });

  it('version 2 (no bedroom time) loads with none', () => {
    expect(codec.load({ stillSince: null, exitMoved: true, loneDeviceId: 'chair' }, 2)).toEqual({
      stillSince: NaN,
      exitMoved: true,
      loneDeviceId: 'chair',
      bedroomAt: NaN,
      openSince: new Map(),
    });
  });

  it('version 1 (a still period only) loads as not in doubt', () => {
    expect(codec.load({ stillSince: 1234 }, 1)).toEqual({
      stillSince: 1234,
      exitMoved: false,
      loneDeviceId: undefined,
      bedroomAt: NaN,
      openSince: new Map(),
    });
  });
});
