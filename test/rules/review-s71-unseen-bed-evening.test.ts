// Session 71 review (issue 11, homes nobody tuned for): in its first fortnight, a home where nothing sees the bed (no
// bed mat, nothing in the bedroom) took the resident gone to bed unseen for a collapse in the last room seen: the
// living room at 22:53 then the night, called a possible fall at 02:53 on the resting room's 240 min; the bathroom at
// 22:56, four minutes before the night window, called at 45 min (possible-fall) or 60 min (bathroom-too-long) while the
// resident slept (CASAS with half its PIRs, the bedroom's among those taken out). Now such a silence, begun in the night
// or called in it, is inactivity's to judge with its night allowance; it is still called. Guards: with a bedroom PIR
// the short values stand; by day the short values stand; once the home is learned, its own silences judge.
import { describe, expect, it } from 'vitest';
import type { DeviceConfig } from '../../rules/types.js';
import { ev, Harness, home, MONDAY, NO_BEDROOM, WITH_BEDROOM_PIR } from './factories.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Installed Monday 00:00; the resident in the living room from 18:00 on the day of `at`, then `last` at `at`. */
function silenceAfter(devices: DeviceConfig[], last: string, at: number): Harness {
  const h = new Harness(home({ devices }), MONDAY);
  h.watch();
  const evening = at - ((at - MONDAY) % (24 * HOUR)) + 18 * HOUR;
  for (let t = Math.min(evening, at - 4 * HOUR); t < at - 5 * MINUTE; t += 10 * MINUTE) {
    h.send(ev(t, 'living-pir', 'motion', true, h.config));
  }
  h.send(ev(at, last, 'motion', true, h.config));
  h.send(ev(at + 30_000, last, 'motion', false, h.config));
  h.advanceBy(24 * HOUR);
  return h;
}

const firstCall = (h: Harness, from: number): [string, number] => {
  const calls = h.familyCalls().filter(([, t]) => t >= from);
  expect(calls.length).toBeGreaterThan(0);
  return [calls[0]![0], Math.floor((calls[0]![1] - from) / MINUTE)];
};

describe('the first fortnight of a home where nothing sees the bed', () => {
  const beforeNight = MONDAY + 24 * HOUR + 22 * HOUR + 53 * MINUTE; // Tuesday 22:53, before the 23:00 window
  const inNight = MONDAY + 24 * HOUR + 26 * HOUR; // Wednesday 02:00

  it('does not call the living room at 22:53 a possible fall at 4 h: the night, called by inactivity', () => {
    const [kind, minutes] = firstCall(silenceAfter(NO_BEDROOM, 'living-pir', beforeNight), beforeNight);
    expect(kind).toBe('inactivity');
    expect(minutes).toBeGreaterThan(240);
    expect(minutes).toBeLessThanOrEqual(12 * 60);
  });

  it('does not time the bathroom at 22:56 into the night, nor call it a fall at 45 min', () => {
    const at = beforeNight + 3 * MINUTE;
    const h = silenceAfter(NO_BEDROOM, 'bathroom-pir', at);
    expect(h.raised('bathroom-too-long')).toEqual([]);
    expect(h.raised('possible-fall')).toEqual([]);
    const [kind, minutes] = firstCall(h, at);
    expect(kind).toBe('inactivity');
    expect(minutes).toBeLessThanOrEqual(12 * 60);
  });

  it('leaves a silence begun in the night after the kitchen to inactivity (or its morning check)', () => {
    const [kind, minutes] = firstCall(silenceAfter(NO_BEDROOM, 'kitchen-pir', inNight), inNight);
    expect(['inactivity', 'no-morning-activity']).toContain(kind);
    expect(minutes).toBeGreaterThan(240);
    expect(minutes).toBeLessThanOrEqual(12 * 60);
  });

  it('keeps the short values where a bedroom PIR sees the bed', () => {
    expect(firstCall(silenceAfter(WITH_BEDROOM_PIR, 'kitchen-pir', inNight), inNight)).toEqual(['possible-fall', 20]);
    const at = beforeNight + 3 * MINUTE;
    expect(firstCall(silenceAfter(WITH_BEDROOM_PIR, 'bathroom-pir', at), at)).toEqual(['possible-fall', 45]);
  });

  it('keeps the short value by day, when the call falls before the night', () => {
    const day = MONDAY + 24 * HOUR + 14 * HOUR; // Tuesday 14:00
    expect(firstCall(silenceAfter(NO_BEDROOM, 'kitchen-pir', day), day)).toEqual(['possible-fall', 45]);
  });
});
