// The one definition of activity and of being out (rules/activity.ts), event by event.
import { describe, expect, it } from 'vitest';
import {
  blankActivity,
  describeActivity,
  isActivity,
  newDeviceMemory,
  observeActivity,
  OutOfHome,
  type Activity,
} from '../../rules/activity.js';
import { DEFAULT_RULE_PARAMS, resolveRuleParams } from '../../rules/params.js';
import type { EventValue, SensorEvent } from '../../rules/types.js';
import type { DeviceKind, EventType } from '../../rules/vocabulary.js';
import { MINUTE_MS } from '../../rules/time.js';

const PRESENCE = DEFAULT_RULE_PARAMS.presence;

function event(kind: DeviceKind, type: EventType, value: EventValue, ts = 0): SensorEvent {
  return { homeId: 'h1', deviceId: 'd', type, value, ts, source: 'replay', kind, assigned: true };
}

/** Which of a device's events, in turn, are activity. */
function activityOf(kind: DeviceKind, type: EventType, values: EventValue[], room = 'living'): boolean[] {
  const device = newDeviceMemory(kind, room);
  return values.map((v, i) => isActivity(device, event(kind, type, v, i * MINUTE_MS), PRESENCE));
}

describe('what counts as activity', () => {
  it('a pulse PIR each time it sees motion; a held PIR also when it clears', () => {
    expect(activityOf('motion', 'motion', [true, true, true])).toEqual([true, true, true]);
    expect(activityOf('motion', 'motion', [true, false, false, true])).toEqual([true, true, false, true]);
  });

  it('a room presence sensor each time it reports someone, and when it clears; a mat only when it changes', () => {
    expect(activityOf('motion', 'occupancy', [true, true, false, false])).toEqual([true, true, true, false]);
    expect(activityOf('bed', 'occupancy', [true, true, false, false])).toEqual([true, false, true, false]);
  });

  it('a contact when it changes, an appliance when its power rises by 10 W or more', () => {
    expect(activityOf('door', 'contact', [false, false, true, true])).toEqual([true, false, true, false]);
    expect(activityOf('appliance', 'power', [2000, 2005, 0, 9, 1500])).toEqual([true, false, false, false, true]);
  });

  it('a pendant press, but not a fall report, a temperature or a heartbeat', () => {
    expect(activityOf('pendant', 'pendant', [true])).toEqual([true]);
    expect(activityOf('wearable', 'fall', [true])).toEqual([false]);
    expect(activityOf('climate', 'temperature', [19])).toEqual([false]);
    expect(activityOf('motion', 'heartbeat', [true])).toEqual([false]);
  });

  it('a home may set its own power rise', () => {
    const presence = resolveRuleParams({ presence: { powerRiseW: 100 } }).presence;
    const device = newDeviceMemory('appliance', 'kitchen');
    expect(isActivity(device, event('appliance', 'power', 50), presence)).toBe(false);
    expect(isActivity(device, event('appliance', 'power', 200), presence)).toBe(true);
  });
});

describe('what an activity says', () => {
  const say = (kind: DeviceKind, type: EventType, value: EventValue, room?: string): Activity =>
    describeActivity(newDeviceMemory(kind, room), event(kind, type, value));

  it('motion inside is someone inside, in its room', () => {
    expect(say('motion', 'motion', true, 'hall')).toEqual({
      room: 'hall',
      worn: false,
      heldEnd: false,
      inside: true,
      exit: undefined,
      mat: undefined,
      matOccupied: false,
    });
  });

  it('a PIR or presence sensor clearing is the end of a held state, not a sign of anyone inside now', () => {
    expect(say('motion', 'motion', false, 'hall')).toMatchObject({ heldEnd: true, inside: false });
    expect(say('motion', 'occupancy', false, 'living')).toMatchObject({ heldEnd: true, inside: false });
    expect(say('bed', 'occupancy', false, 'bedroom')).toMatchObject({
      heldEnd: false,
      inside: true,
      mat: 'bed',
      matOccupied: false,
    });
  });

  it('the exit door is an exit either way, never a sign of someone inside', () => {
    expect(say('exit-door', 'contact', true, 'entrance')).toMatchObject({ exit: 'closed', inside: false });
    expect(say('exit-door', 'contact', false, 'entrance')).toMatchObject({ exit: 'opened', inside: false });
    expect(say('door', 'contact', false, 'kitchen')).toMatchObject({ exit: undefined, inside: true });
  });

  it('a worn device is the resident, wherever they are', () => {
    expect(say('pendant', 'pendant', true, 'living')).toMatchObject({ worn: true, inside: true });
  });

  it('an event that is no activity says nothing, and still updates the memory', () => {
    const device = newDeviceMemory('door', 'kitchen');
    expect(observeActivity(device, event('door', 'contact', true), PRESENCE)).toBeDefined();
    expect(observeActivity(device, event('door', 'contact', true), PRESENCE)).toBeUndefined();
    expect(device.lastValue).toBe(true);
  });
});

describe('being out', () => {
  const closed: Activity = { ...blankActivity(), room: 'entrance', exit: 'closed' };
  const opened: Activity = { ...closed, exit: 'opened' };
  const inside: Activity = { ...closed, room: 'hall', inside: true, exit: undefined };
  const cleared: Activity = { ...closed, room: 'hall', heldEnd: true, exit: undefined };

  it('the exit door closed and nothing inside for 10 min: out since the closing, until activity inside', () => {
    const out = new OutOfHome(PRESENCE);
    expect(out.onActivity(closed, 0)).toBeUndefined();
    expect(out.maybeOut()).toBe(true);
    expect(out.outSinceAt(10 * MINUTE_MS - 1)).toBeNaN();
    expect(out.outSinceAt(10 * MINUTE_MS)).toBe(0);
    expect(out.onActivity(cleared, 11 * MINUTE_MS)).toBeUndefined(); // a PIR clearing is no one inside
    expect(out.onActivity(inside, 60 * MINUTE_MS)).toEqual({
      fromMs: 0,
      endMs: 60 * MINUTE_MS,
      backMs: 60 * MINUTE_MS,
    });
    expect(out.maybeOut()).toBe(false);
  });

  it('activity inside within 10 min: never out', () => {
    const out = new OutOfHome(PRESENCE);
    out.onActivity(closed, 0);
    expect(out.onActivity(inside, 9 * MINUTE_MS)).toBeUndefined();
    expect(out.outSinceAt(60 * MINUTE_MS)).toBeNaN();
    expect(out.maybeOut()).toBe(false);
  });

  it('a second closing before the absence is confirmed starts the wait again, as the rules re-arm their check', () => {
    const out = new OutOfHome(PRESENCE);
    out.onActivity(closed, 0);
    out.onActivity(opened, 2 * MINUTE_MS);
    out.onActivity(closed, 3 * MINUTE_MS);
    expect(out.outSinceAt(12 * MINUTE_MS)).toBeNaN();
    expect(out.outSinceAt(13 * MINUTE_MS)).toBe(3 * MINUTE_MS);
  });

  it('once out, the door opening alone does not end the absence; the resident is back by that opening when seen inside', () => {
    const out = new OutOfHome(PRESENCE);
    out.onActivity(closed, 0);
    expect(out.onActivity(opened, 90 * MINUTE_MS)).toBeUndefined(); // the resident comes in
    expect(out.outSinceAt(90 * MINUTE_MS)).toBe(0);
    expect(out.lastOpenedWhileOut()).toBe(90 * MINUTE_MS);
    expect(out.onActivity(inside, 91 * MINUTE_MS)).toEqual({
      fromMs: 0,
      endMs: 91 * MINUTE_MS,
      backMs: 90 * MINUTE_MS,
    });
    expect(out.lastOpenedWhileOut()).toBeNaN();
  });

  it('the door opened and closed while out is an arrival; a visitor who comes and goes opens it twice', () => {
    const out = new OutOfHome(PRESENCE);
    out.onActivity(closed, 0);
    out.onActivity(opened, 30 * MINUTE_MS);
    // Nobody inside seen: the closing behind whoever came in ends the absence, back by the opening.
    expect(out.onActivity(closed, 31 * MINUTE_MS)).toEqual({
      fromMs: 0,
      endMs: 31 * MINUTE_MS,
      backMs: 30 * MINUTE_MS,
    });
    expect(out.maybeOut()).toBe(false);
    out.onActivity(opened, 40 * MINUTE_MS); // the visitor leaves: a closing that may begin an absence again
    out.onActivity(closed, 41 * MINUTE_MS);
    expect(out.outSinceAt(50 * MINUTE_MS)).toBeNaN();
    expect(out.outSinceAt(51 * MINUTE_MS)).toBe(41 * MINUTE_MS);
  });

  it('a door pushed again within seconds of an arrival is the same arrival; one left open past the check says nothing', () => {
    const out = new OutOfHome(PRESENCE);
    out.onActivity(closed, 0);
    out.onActivity(opened, 30 * MINUTE_MS);
    out.onActivity(closed, 30 * MINUTE_MS + 2000);
    out.onActivity(opened, 30 * MINUTE_MS + 5000); // it did not latch
    out.onActivity(closed, 30 * MINUTE_MS + 8000);
    expect(out.maybeOut()).toBe(false);
    expect(out.outSinceAt(60 * MINUTE_MS)).toBeNaN();

    const stood = new OutOfHome(PRESENCE);
    stood.onActivity(closed, 0);
    stood.onActivity(opened, 30 * MINUTE_MS);
    expect(stood.onActivity(closed, 41 * MINUTE_MS)).toBeUndefined();
    expect(stood.outSinceAt(60 * MINUTE_MS)).toBe(0);
  });

  it("a home's own outAfterMinutes applies", () => {
    const out = new OutOfHome(resolveRuleParams({ presence: { outAfterMinutes: 20 } }).presence);
    out.onActivity(closed, 0);
    expect(out.outSinceAt(19 * MINUTE_MS)).toBeNaN();
    expect(out.outSinceAt(20 * MINUTE_MS)).toBe(0);
    out.reset();
    expect(out.outSinceAt(30 * MINUTE_MS)).toBeNaN();
  });
});
