// Review, session 59: the morning check's alert says where its time came from (the care plan, learned mornings) after
// a restart or a reload as before it: the saved threshold of the check (no minutes: NaN, saved as null) was not read
// back, and the card said "first-weeks limit".
import { describe, expect, it } from 'vitest';
import type { HomeConfig } from '../../rules/types.js';
import { HOUR_MS, MINUTE_MS } from '../../rules/time.js';
import { DEVICES, Harness, home, MONDAY } from './factories.js';

const TUESDAY = MONDAY + 24 * HOUR_MS;
const config: HomeConfig = home({
  devices: DEVICES.filter((d) => d.kind !== 'bed'),
  routine: { usualRisingTime: '07:00' },
});

/** Monday evening about the living room, then the bedroom from 22:00 and movement there every hour to 07:00. */
function eveningAndNight(h: Harness, restartAt?: number): void {
  h.watch();
  for (let i = 0; i < 8; i++) h.at(i === 0 ? 0 : 15 * MINUTE_MS, 'living-pir', 'motion', true);
  h.advanceBy(MONDAY + 22 * HOUR_MS - h.clock.now());
  h.at(0, 'bedroom-pir', 'motion', true);
  for (let t = TUESDAY + HOUR_MS; t <= TUESDAY + 7 * HOUR_MS; t += HOUR_MS) {
    h.advanceBy(t - h.clock.now());
    if (restartAt !== undefined && t === restartAt) {
      h.restart();
      h.watch();
    }
    h.at(0, 'bedroom-pir', 'motion', true);
  }
  h.advanceBy(TUESDAY + 9 * HOUR_MS - h.clock.now());
}

describe("the morning check's source across a restart", () => {
  it('a check from the care plan still says so when the hub restarted in the night', () => {
    const steady = new Harness(config, MONDAY + 20 * HOUR_MS);
    eveningAndNight(steady);
    const restarted = new Harness(config, MONDAY + 20 * HOUR_MS);
    eveningAndNight(restarted, TUESDAY + 3 * HOUR_MS);
    const call = (h: Harness) => h.raised('no-morning-activity').map((d) => [d.at, d.detail.thresholdSource]);
    expect(call(steady)).toEqual([[TUESDAY + 8 * HOUR_MS + 30 * MINUTE_MS, 'care-plan']]);
    expect(call(restarted)).toEqual(call(steady));
  });
});
