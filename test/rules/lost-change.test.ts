// A contact or mat that reports changes only, repeating its state: the change in between was lost (radio, a bridge
// restarting), and the repeat is someone moving. A device that repeats its state often (a heartbeat) is heard as before.
import { describe, expect, it } from 'vitest';
import { isActivity, LOST_CHANGE_MIN_CHANGES, newDeviceMemory, type DeviceMemory } from '../../rules/activity.js';
import type { SensorEvent } from '../../rules/types.js';
import { resolveRuleParams } from '../../rules/params.js';
import { HOUR_MS, MINUTE_MS } from '../../rules/time.js';
import { Harness, MONDAY } from './factories.js';

const NINE = MONDAY + 9 * HOUR_MS;

/** One device's reports of `type` from `source`, each answered by whether the rules' definition takes it for activity. */
function reporter(
  device: DeviceMemory,
  type: 'contact' | 'occupancy',
  source: SensorEvent['source'],
): (value: boolean, ts: number) => boolean {
  const presence = resolveRuleParams(undefined).presence;
  return (value, ts) =>
    isActivity(device, { homeId: 'h', deviceId: 'd', ts, type, value, source, assigned: true }, presence);
}

/** Twelve sittings of 20 min in the chair, the kitchen between: the chair is known to report its changes only. */
function sittings(h: Harness): void {
  for (let i = 0; i < 12; i++) {
    h.at(MINUTE_MS, 'chair', 'occupancy', true);
    h.at(20 * MINUTE_MS, 'chair', 'occupancy', false);
    h.at(MINUTE_MS, 'kitchen-pir', 'motion', true);
  }
}

/** Ordóñez A with 5 % of reports dropped: up from the chair (the release lost), to the bathroom, back in the chair. */
function backInTheChairReleaseLost(h: Harness): void {
  h.at(MINUTE_MS, 'chair', 'occupancy', true);
  // The release at +30 min is lost.
  h.at(31 * MINUTE_MS, 'bathroom-pir', 'motion', true);
  h.at(MINUTE_MS, 'chair', 'occupancy', true); // the same state again: pressed anew
}

describe('a repeat of a change-only device is a lost change', () => {
  it('a chair pressed again after its release was lost: the resident sits there, not a possible fall in the bathroom', () => {
    const h = new Harness(undefined, NINE);
    sittings(h);
    backInTheChairReleaseLost(h);
    const back = h.clock.now();
    h.advanceBy(90 * MINUTE_MS);
    expect(h.raised('possible-fall')).toEqual([]);
    // Sitting is watched as sitting: the silence runs from the press, in the chair.
    h.advanceBy(10 * HOUR_MS);
    const first = h.raised()[0];
    expect(first?.detail).toMatchObject({ lastDeviceId: 'chair', lastActivityAt: new Date(back).toISOString() });
  });

  it('what the chair has shown survives a restart', () => {
    const h = new Harness(undefined, NINE);
    sittings(h);
    h.restart();
    backInTheChairReleaseLost(h);
    h.advanceBy(90 * MINUTE_MS);
    expect(h.raised('possible-fall')).toEqual([]);
  });

  it('guard: before the chair has shown itself (fewer changes), the repeat is not activity: the bathroom silence is called', () => {
    const h = new Harness(undefined, NINE);
    h.at(MINUTE_MS, 'chair', 'occupancy', true);
    h.at(20 * MINUTE_MS, 'chair', 'occupancy', false);
    h.at(MINUTE_MS, 'kitchen-pir', 'motion', true);
    backInTheChairReleaseLost(h);
    h.advanceBy(90 * MINUTE_MS);
    expect(h.raised('possible-fall')).toHaveLength(1);
  });

  it('guard: a contact that reports its state again and again (a heartbeat) is no movement when it does', () => {
    const h = new Harness(undefined, NINE);
    // The fridge opened and shut twelve times, and its closed state sent every 10 min besides: repeats as many as changes.
    for (let i = 0; i < 12; i++) {
      h.at(MINUTE_MS, 'fridge', 'contact', false);
      h.at(MINUTE_MS, 'fridge', 'contact', true);
      for (let k = 0; k < 2; k++) h.at(10 * MINUTE_MS, 'fridge', 'contact', true);
    }
    h.at(MINUTE_MS, 'kitchen-pir', 'motion', true);
    const seen = h.clock.now();
    for (let k = 0; k < 6; k++) h.at(10 * MINUTE_MS, 'fridge', 'contact', true);
    h.advanceBy(30 * MINUTE_MS);
    const pf = h.raised('possible-fall');
    expect(pf).toHaveLength(1);
    expect(pf[0]?.detail).toMatchObject({ lastDeviceId: 'kitchen-pir', lastActivityAt: new Date(seen).toISOString() });
  });

  it('the counts behind it: a repeat is activity from the changes and share on, never the first report', () => {
    const d = newDeviceMemory('door', 'kitchen');
    const report = reporter(d, 'contact', 'replay');
    expect(report(true, 0)).toBe(true); // the first report: a state heard at all
    expect(report(true, 1)).toBe(false); // a repeat before any change
    for (let i = 0; i < LOST_CHANGE_MIN_CHANGES; i++) expect(report(i % 2 === 1, 2 + i)).toBe(true);
    expect(d.changes).toBe(LOST_CHANGE_MIN_CHANGES);
    // 20 changes, one repeat so far: the next repeats are lost changes while they are at most a fifth of the changes.
    const last = d.lastValue as boolean;
    expect([1, 2, 3].map((k) => report(last, 100 + k))).toEqual([true, true, true]); // 4 repeats of 20 changes
    expect(report(last, 200)).toBe(false); // 5: a device that repeats its state, not one that lost a change
    expect(d.repeats).toBe(5);
  });

  it('a chair that holds, released again after its press was lost: the possible fall raised meanwhile clears, and a collapse after is called', () => {
    const h = new Harness(undefined, NINE);
    sittings(h); // twelve sittings of 20 min: the chair holds (on while sat on)
    h.at(MINUTE_MS, 'kitchen-pir', 'motion', true);
    // Sat down at +1 min, the press lost: the rules see a silence from the kitchen and call it.
    h.advanceBy(2 * HOUR_MS);
    expect(h.raised('possible-fall')).toHaveLength(1);
    h.at(MINUTE_MS, 'chair', 'occupancy', false); // up from the chair: the same state again, its press lost
    const up = h.clock.now();
    expect(h.of('clear', 'possible-fall')).toHaveLength(1);
    // Then nothing: a collapse after getting up is called, within the day.
    h.advanceBy(24 * HOUR_MS);
    const after = h.raised().filter((d) => d.at > up);
    expect(after.length).toBeGreaterThan(0);
    expect(after[0]?.detail).toMatchObject({ lastDeviceId: 'chair', lastActivityAt: new Date(up).toISOString() });
  });

  it('guard: from Zigbee2MQTT, which publishes the whole state with every message, a repeat is never a lost change', () => {
    const d = newDeviceMemory('door', 'kitchen');
    const report = reporter(d, 'contact', 'zigbee');
    for (let i = 0; i <= 2 * LOST_CHANGE_MIN_CHANGES; i++) expect(report(i % 2 === 0, i)).toBe(true);
    expect(report(true, 100)).toBe(false); // a battery report or check-in carrying `contact: true` again
    expect(d.repeats).toBe(1);
  });

  it("a mat's press repeated is a lost change; its release repeated is left to what the mat's holds say", () => {
    const mat = newDeviceMemory('chair', 'living');
    const report = reporter(mat, 'occupancy', 'replay');
    for (let i = 0; i < 2 * LOST_CHANGE_MIN_CHANGES; i++) report(i % 2 === 0, i);
    expect(mat.lastValue).toBe(false);
    // (Its holds are kept by the rules, `presence.ts`: none here, so whether it holds is not known.)
    expect(report(false, 100)).toBe(false); // released again: a lost press, or a mat that still rests someone
    expect(report(true, 101)).toBe(true); // pressed: a change
    expect(report(true, 102)).toBe(true); // pressed again: its release was lost
    // Known to hold (ten holds, all long): a release repeated is a press lost, then the resident getting up.
    Object.assign(mat, { matHolds: 10, matBriefHolds: 0 });
    expect(report(false, 103)).toBe(true);
    expect(report(false, 104)).toBe(true);
    Object.assign(mat, { matHolds: 10, matBriefHolds: 6 }); // most holds brief: it reports each movement
    expect(report(false, 105)).toBe(false);
  });
});
