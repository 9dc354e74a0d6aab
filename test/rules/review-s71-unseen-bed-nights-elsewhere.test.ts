// Session 71 review (issue 11, homes nobody tuned for): inactivity weighs an evening silence toward its day value once
// the home's nights have been seen to begin elsewhere (going to bed passes a sensor, so a silence from this room that
// runs into the night is no night). Where nothing sees the bed (no bed mat, nothing in the bedroom), going to bed passes
// no sensor: the last room seen before the night is whichever the resident last crossed. CASAS with half its PIRs, the
// bedroom's among them: a week of nights begun in the bathroom, then the living room at 22:53, called at 244 min while
// the resident slept. Now, in the first fortnight of such a home, that silence keeps the night allowance. Guard: with a
// bedroom PIR, whose nights begin in the bedroom, the day value stands.
import { describe, expect, it } from 'vitest';
import type { DeviceConfig } from '../../rules/types.js';
import { ev, Harness, home, MONDAY, NO_BEDROOM, WITH_BEDROOM_PIR } from './factories.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * Installed Monday 00:00; eight days of evenings in the living room, each night begun after the bathroom at 23:00
 * (then the bedroom PIR where there is one) until the kitchen at 07:00; then, on the ninth evening, the living room
 * until 22:53 and nothing for a day. Returns the harness and the silence's start.
 */
function ninthEvening(devices: DeviceConfig[]): { h: Harness; start: number } {
  const h = new Harness(home({ devices }), MONDAY);
  h.watch();
  const send = (ts: number, id: string) => {
    h.send(ev(ts, id, 'motion', true, h.config));
    h.send(ev(ts + 30_000, id, 'motion', false, h.config));
  };
  const bedroom = devices.some((d) => d.id === 'bedroom-pir');
  for (let d = 0; d < 8; d++) {
    const base = MONDAY + d * DAY;
    for (let t = base + 7 * HOUR; t < base + 22 * HOUR; t += 20 * MINUTE) {
      send(t, t < base + 9 * HOUR ? 'kitchen-pir' : 'living-pir');
    }
    send(base + 23 * HOUR, 'bathroom-pir');
    if (bedroom) send(base + 23 * HOUR + 2 * MINUTE, 'bedroom-pir');
  }
  const base = MONDAY + 8 * DAY;
  for (let t = base + 7 * HOUR; t < base + 22 * HOUR; t += 20 * MINUTE) send(t, 'living-pir');
  const start = base + 22 * HOUR + 53 * MINUTE;
  send(start, 'living-pir');
  h.advanceBy(start + DAY - h.clock.now());
  return { h, start };
}

/** The inactivity call's threshold, in minutes, and what it came from. */
function inactivityThreshold(h: Harness, from: number): { minutes: number; source: string } {
  const call = h.raised('inactivity').find((d) => d.at > from);
  expect(call).toBeDefined();
  const detail = call!.detail as { thresholdMinutes: number; thresholdSource: string };
  return { minutes: detail.thresholdMinutes, source: detail.thresholdSource };
}

describe('the evening before a night where nothing sees the bed, in the first fortnight', () => {
  it("weighs it from inactivity's night allowance: nights begun in the bathroom say nothing of the living room", () => {
    const { h, start } = ninthEvening(NO_BEDROOM);
    // Before: from the day value (240 min), shrunk toward the living room's short silences by day: 176 min. Now from
    // the night allowance (600 min), shrunk the same way.
    const t = inactivityThreshold(h, start);
    expect(t.source).toBe('cold-start');
    expect(t.minutes).toBeGreaterThan(240);
    expect(t.minutes).toBeLessThanOrEqual(600);
    expect(h.raised('possible-fall').filter((d) => d.at > start)).toEqual([]);
  });

  it('guard: with a bedroom PIR, where the nights are seen to begin, the evening is called within the day value', () => {
    const { h, start } = ninthEvening(WITH_BEDROOM_PIR);
    const calls = h.familyCalls().filter(([, t]) => t > start);
    expect(calls.length).toBeGreaterThan(0);
    expect(calls[0]![1] - start).toBeLessThanOrEqual(240 * MINUTE);
  });
});
