// A home whose own returns in doubt after long outings ended by the exit door (nobody else inside) is shown to be empty
// when a device reports alone hours into an absence: the inactivity family waits on it as on an outing, and as long as
// an outing nothing ends (inactivity calls then: a resident who came back unseen is called late, not never).
import { describe, expect, it } from 'vitest';
import { HOUR_MS, MINUTE_MS, SECOND_MS } from '../../rules/time.js';
import { Harness, home, MONDAY } from './factories.js';

/**
 * One outing of 4.5 h with the kitchen PIR firing alone in it (sun on a PIR, a pet), ended by the front door opening
 * (someone coming in): the resident, seen at two devices, home for 25 min, then out again. The clock starts and ends
 * just before the resident leaves.
 */
function outingWithAGhost(h: Harness): void {
  h.at(0, 'front', 'contact', false);
  h.at(10 * SECOND_MS, 'front', 'contact', true); // out confirmed 10 min later
  h.advanceBy(4.5 * HOUR_MS); // longer than the day value: had the resident stayed in, this silence is called about
  h.at(0, 'kitchen-pir', 'motion', true);
  h.at(2 * SECOND_MS, 'kitchen-pir', 'motion', false);
  h.advanceBy(30 * MINUTE_MS);
  h.at(0, 'front', 'contact', false); // someone comes in
  h.at(10 * SECOND_MS, 'front', 'contact', true);
  h.at(30 * SECOND_MS, 'hall-pir', 'motion', true);
  h.at(30 * SECOND_MS, 'kitchen-pir', 'motion', true);
  h.advanceBy(25 * MINUTE_MS);
  h.at(0, 'hall-pir', 'motion', true);
}

/**
 * `outingWithAGhost`, but away for `hours`: the kitchen PIR firing alone 4.5 h after the resident left, the front door
 * opening (someone coming in) `hours` after they left.
 */
function awayWithAGhost(hours: number): (h: Harness) => void {
  return (h) => {
    h.at(0, 'front', 'contact', false);
    h.at(10 * SECOND_MS, 'front', 'contact', true);
    h.advanceBy(4.5 * HOUR_MS);
    h.at(0, 'kitchen-pir', 'motion', true);
    h.at(2 * SECOND_MS, 'kitchen-pir', 'motion', false);
    h.advanceBy((hours - 4.5) * HOUR_MS);
    h.at(0, 'front', 'contact', false);
    h.at(10 * SECOND_MS, 'front', 'contact', true);
    h.at(30 * SECOND_MS, 'hall-pir', 'motion', true);
    h.at(30 * SECOND_MS, 'kitchen-pir', 'motion', true);
    h.advanceBy(25 * MINUTE_MS);
    h.at(0, 'hall-pir', 'motion', true);
  };
}

/** An outing of 4.5 h ended by the resident seen inside at two devices, the exit door's opening lost. */
function outingSeenBack(h: Harness): void {
  h.at(0, 'front', 'contact', false);
  h.at(10 * SECOND_MS, 'front', 'contact', true);
  h.advanceBy(4.5 * HOUR_MS);
  h.at(0, 'kitchen-pir', 'motion', true);
  h.at(MINUTE_MS, 'hall-pir', 'motion', true); // a second device within 10 min: the resident
  h.advanceBy(25 * MINUTE_MS);
  h.at(0, 'hall-pir', 'motion', true);
}

/**
 * An outing of 4.5 h, the kitchen PIR alone, then the front door opening and nothing inside after it: an outing
 * confirmed again, so the device alone was the resident, who has now left. They come home 20 min later.
 */
function loneResidentLeaves(h: Harness): void {
  h.at(0, 'front', 'contact', false);
  h.at(10 * SECOND_MS, 'front', 'contact', true);
  h.advanceBy(4.5 * HOUR_MS);
  h.at(0, 'kitchen-pir', 'motion', true);
  h.advanceBy(30 * MINUTE_MS);
  h.at(0, 'front', 'contact', false);
  h.at(10 * SECOND_MS, 'front', 'contact', true);
  h.advanceBy(20 * MINUTE_MS); // out confirmed 10 min after the closing
  h.at(0, 'front', 'contact', false); // home again
  h.at(10 * SECOND_MS, 'front', 'contact', true);
  h.at(30 * SECOND_MS, 'hall-pir', 'motion', true);
  h.at(30 * SECOND_MS, 'kitchen-pir', 'motion', true);
  h.advanceBy(25 * MINUTE_MS);
  h.at(0, 'hall-pir', 'motion', true);
}

/**
 * An outing of 4.5 h, the kitchen PIR alone, then the front door opened twice two minutes apart (someone stepping out
 * and back, who may be the one the PIR saw) and the resident seen inside: neither a ghost nor the resident on record.
 */
function stepOutAndBack(h: Harness): void {
  h.at(0, 'front', 'contact', false);
  h.at(10 * SECOND_MS, 'front', 'contact', true);
  h.advanceBy(4.5 * HOUR_MS);
  h.at(0, 'kitchen-pir', 'motion', true);
  h.advanceBy(30 * MINUTE_MS);
  h.at(0, 'front', 'contact', false);
  h.at(10 * SECOND_MS, 'front', 'contact', true);
  h.at(2 * MINUTE_MS, 'front', 'contact', false);
  h.at(10 * SECOND_MS, 'front', 'contact', true);
  h.at(30 * SECOND_MS, 'hall-pir', 'motion', true);
  h.at(30 * SECOND_MS, 'kitchen-pir', 'motion', true);
  h.advanceBy(10 * MINUTE_MS); // the history runs into the night: possible-fall's 20 min
  h.at(0, 'hall-pir', 'motion', true);
}

/** The resident up at 06:00 on Monday; `history` outings follow back to back; then out once more and a device alone. */
function lastOuting(
  history: ((h: Harness) => void)[],
  restart = false,
  config = home(),
): { h: Harness; blipAt: number } {
  const h = new Harness(config, MONDAY + 6 * HOUR_MS);
  h.at(0, 'kitchen-pir', 'motion', true);
  h.at(MINUTE_MS, 'hall-pir', 'motion', true);
  for (const outing of history) outing(h);
  expect(h.raised()).toEqual([]);
  if (restart) h.restart();
  h.at(0, 'front', 'contact', false);
  h.at(10 * SECOND_MS, 'front', 'contact', true);
  h.advanceBy(4.5 * HOUR_MS);
  h.at(0, 'kitchen-pir', 'motion', true);
  h.at(2 * SECOND_MS, 'kitchen-pir', 'motion', false);
  return { h, blipAt: h.clock.now() };
}

const FAMILY = new Set([
  'inactivity',
  'possible-fall',
  'bathroom-too-long',
  'no-morning-activity',
  'out-of-bed-too-long',
]);
const family = (h: Harness): string[] => h.raised().flatMap((d) => (FAMILY.has(d.kind) ? [d.kind] : []));

describe('a home shown by its own returns to be empty when a device fires alone', () => {
  /**
   * Nothing through the night's allowance (10 h), the next morning's check or the cap (12 h); then inactivity, once the
   * silence after the lone report is as long as an outing nothing ends may be (18 h: `presence.outingBoundMinHours`).
   */
  function calledAtTheOutingBound(h: Harness): void {
    h.advanceBy(18 * HOUR_MS - MINUTE_MS);
    expect(family(h)).toEqual([]);
    h.advanceBy(2 * MINUTE_MS);
    expect(family(h)).toEqual(['inactivity']);
    h.advanceBy(12 * HOUR_MS);
    expect(family(h)).toEqual(['inactivity']);
  }

  it('after two outings whose lone device was a ghost, a third lone report is waited on as an outing, up to its bound', () => {
    const { h } = lastOuting([outingWithAGhost, outingWithAGhost]);
    calledAtTheOutingBound(h);
    const called = h.raised().find((d) => d.kind === 'inactivity');
    expect(called?.type === 'raise' ? called.detail : undefined).toMatchObject({
      presenceInDoubt: true,
      thresholdMinutes: 18 * 60,
      thresholdSource: 'outing-bound',
    });
    // Its ghost fired a few times, not on and on: the card says the home often stands empty, not a faulty contact.
    expect(called?.type === 'raise' ? called.detail : {}).not.toHaveProperty('loneDeviceChattered');
  });

  it('the home record survives a restart', () => {
    const { h } = lastOuting([outingWithAGhost, outingWithAGhost], true);
    calledAtTheOutingBound(h);
  });

  it('a home shown empty for 20 h (a day away, a ghost firing): waited on without bound, as an outing of days', () => {
    // 20 h empty (x 1.25 = 25 h, more than `presence.outingBoundMaxHours`): as for a resident seen away for days.
    const { h } = lastOuting([outingWithAGhost, outingWithAGhost, awayWithAGhost(20)]);
    h.advanceBy(48 * HOUR_MS);
    expect(family(h)).toEqual([]);
  });

  it('with presence.outingBoundLateMaxDays, a home shown empty for 20 h is waited on for as long (25 h), then called', () => {
    // The installer's choice (session 28, off by default): an outing of days is called late rather than never; so too
    // a device alone in a home shown empty that long (review, session 28: it was still never called).
    const config = home({}, { presence: { outingBoundLateMaxDays: 3 } });
    const { h, blipAt } = lastOuting([outingWithAGhost, outingWithAGhost, awayWithAGhost(20)], false, config);
    const boundMs = 1.25 * (20 * HOUR_MS - 10 * MINUTE_MS + 2 * SECOND_MS);
    h.advanceBy(boundMs - MINUTE_MS);
    expect(family(h)).toEqual([]);
    h.advanceBy(2 * MINUTE_MS);
    expect(h.raised('inactivity').map((d) => d.at)).toEqual([blipAt + boundMs]);
  });

  it('a home shown empty for 16 h: waited on for as long, with the outing margin (20 h), then called', () => {
    // Empty from the outing's confirmation (10 min after the closing) to the door: 15 h 50 min 2 s, x 1.25.
    const { h, blipAt } = lastOuting([outingWithAGhost, outingWithAGhost, awayWithAGhost(16)]);
    const boundMs = 1.25 * (16 * HOUR_MS - 10 * MINUTE_MS + 2 * SECOND_MS);
    h.advanceBy(boundMs - MINUTE_MS);
    expect(family(h)).toEqual([]);
    h.advanceBy(2 * MINUTE_MS);
    expect(h.raised('inactivity').map((d) => d.at)).toEqual([blipAt + boundMs]);
  });

  it('how long the home was shown empty survives a restart', () => {
    const { h } = lastOuting([outingWithAGhost, outingWithAGhost, awayWithAGhost(20)], true);
    h.advanceBy(48 * HOUR_MS);
    expect(family(h)).toEqual([]);
  });

  it('a second device after the lone report is the resident: watched again, called', () => {
    const { h } = lastOuting([outingWithAGhost, outingWithAGhost]);
    h.at(MINUTE_MS, 'living-pir', 'motion', true); // within 10 min of the kitchen PIR
    const inAt = h.clock.now();
    h.advanceBy(13 * HOUR_MS);
    // Placed in the living room by its PIR: possible-fall's cold-start 45 min.
    expect(
      h
        .raised()
        .filter((d) => FAMILY.has(d.kind))
        .map((d) => [d.kind, d.at]),
    ).toEqual([['possible-fall', inAt + 45 * MINUTE_MS]]);
  });

  it('one ghost return is not yet the home own evidence: the night allowance, as before', () => {
    const { h, blipAt } = lastOuting([outingWithAGhost]);
    h.advanceBy(13 * HOUR_MS);
    expect(h.raised('inactivity')).toEqual([
      expect.objectContaining({
        at: blipAt + 10 * HOUR_MS,
        detail: expect.objectContaining({ presenceInDoubt: true }),
      }),
    ]);
  });

  it('a home whose lone reports were also the resident (two ghosts, one return seen) still calls', () => {
    const { h } = lastOuting([outingWithAGhost, outingSeenBack, outingWithAGhost]);
    h.advanceBy(30 * HOUR_MS);
    // The lone report at 02:20, in the night: the morning check calls before inactivity's night allowance.
    expect(family(h)).toEqual(['no-morning-activity']);
  });

  it('a device alone that was the resident, who then left by the door, counts as the resident seen: still calls', () => {
    // Two ghosts and one return that was the resident: not more than twice as many ghosts.
    const { h } = lastOuting([outingWithAGhost, outingWithAGhost, loneResidentLeaves]);
    h.advanceBy(30 * HOUR_MS);
    // The lone report falls in the night: the morning check calls first.
    expect(family(h)).toEqual(['no-morning-activity']);
  });

  it('the door opened twice (a step out and back) after a device alone is not a ghost on record: still calls', () => {
    // Two ghosts, one return seen, and the step out and back: not more than twice as many ghosts as the resident.
    const { h } = lastOuting([outingWithAGhost, outingSeenBack, outingWithAGhost, stepOutAndBack]);
    h.advanceBy(30 * HOUR_MS);
    expect(family(h)).not.toEqual([]);
  });

  /** Two ghost outings, then the resident leaves and the kitchen PIR, which sees the door, fires on `times` times. */
  function pirFiringOn(times: number): Harness {
    const h = new Harness(undefined, MONDAY + 6 * HOUR_MS);
    h.at(0, 'kitchen-pir', 'motion', true);
    h.at(MINUTE_MS, 'hall-pir', 'motion', true);
    outingWithAGhost(h);
    outingWithAGhost(h);
    h.at(0, 'front', 'contact', false);
    h.at(10 * SECOND_MS, 'front', 'contact', true);
    for (let i = 0; i < times; i++) h.at(i === 0 ? 20 * SECOND_MS : 30 * MINUTE_MS, 'kitchen-pir', 'motion', true);
    return h;
  }

  it('a device alone for longer than the day value since the door closed is a long return too: waited on up to an outing bound', () => {
    const h = pirFiringOn(11); // 5 h
    calledAtTheOutingBound(h);
  });

  it('the same device alone for one hour only: watched, called', () => {
    const h = pirFiringOn(3);
    h.advanceBy(30 * HOUR_MS);
    expect(family(h)).not.toEqual([]);
  });
  /**
   * After the record's outings, a short one (2 h, less than inactivity's day value) and then `deviceId` firing alone
   * with the exit door shut (a ghost, or the resident whose door event was lost).
   */
  function afterAShortOuting(history: ((h: Harness) => void)[], deviceId: string): Harness {
    const h = new Harness(undefined, MONDAY + 6 * HOUR_MS);
    h.at(0, 'kitchen-pir', 'motion', true);
    h.at(MINUTE_MS, 'hall-pir', 'motion', true);
    for (const outing of history) outing(h);
    expect(h.raised()).toEqual([]);
    h.at(0, 'front', 'contact', false);
    h.at(10 * SECOND_MS, 'front', 'contact', true);
    h.advanceBy(2 * HOUR_MS);
    h.at(0, deviceId, 'motion', true);
    h.at(2 * SECOND_MS, deviceId, 'motion', false);
    return h;
  }

  it('after a short outing, a device the home has shown firing alone in an empty home is waited on as an outing', () => {
    // The kitchen PIR's lone reports ended empty twice (someone came in by the door): it fires on its own.
    const h = afterAShortOuting([outingWithAGhost, outingWithAGhost], 'kitchen-pir');
    calledAtTheOutingBound(h);
  });

  it('the record of devices that fire alone survives a restart', () => {
    const h = new Harness(undefined, MONDAY + 6 * HOUR_MS);
    h.at(0, 'kitchen-pir', 'motion', true);
    h.at(MINUTE_MS, 'hall-pir', 'motion', true);
    outingWithAGhost(h);
    outingWithAGhost(h);
    h.restart();
    h.at(0, 'front', 'contact', false);
    h.at(10 * SECOND_MS, 'front', 'contact', true);
    h.advanceBy(2 * HOUR_MS);
    h.at(0, 'kitchen-pir', 'motion', true);
    calledAtTheOutingBound(h);
  });

  it('after a short outing, a device never seen firing alone in an empty home is watched as before: called', () => {
    const h = afterAShortOuting([outingWithAGhost, outingWithAGhost], 'living-pir');
    const blipAt = h.clock.now();
    h.advanceBy(13 * HOUR_MS);
    // In a living room, inactivity's day value (4 h), as with any device alone after a short outing.
    expect(h.raised().flatMap((d) => (FAMILY.has(d.kind) ? [[d.kind, d.at]] : []))).toEqual([
      ['inactivity', blipAt + 4 * HOUR_MS],
    ]);
  });

  it('after a short outing, the device that fired alone, where the home also showed the resident: watched, called', () => {
    const h = afterAShortOuting([outingWithAGhost, outingSeenBack, outingWithAGhost], 'kitchen-pir');
    h.advanceBy(13 * HOUR_MS);
    expect(family(h)).not.toEqual([]);
  });
});
