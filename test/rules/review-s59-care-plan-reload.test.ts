// Review, session 59: a care plan's usual rising time changed by a configuration reload (or a restart with the new
// file) moves the next morning's check, which was armed before it under the old plan.
import { describe, expect, it } from 'vitest';
import type { HomeConfig } from '../../rules/types.js';
import { HOUR_MS, MINUTE_MS } from '../../rules/time.js';
import { DEVICES, Harness, home, MONDAY } from './factories.js';

const TUESDAY = MONDAY + 24 * HOUR_MS;
const plan = (usualRisingTime: string): HomeConfig =>
  home({ devices: DEVICES.filter((d) => d.kind !== 'bed'), routine: { usualRisingTime } });

/** Monday evening about the living room, to the bedroom at 22:00; the care plan changed and reloaded at 22:30. */
function eveningThenReload(from: string, to: string): Harness {
  const h = new Harness(plan(from), MONDAY + 20 * HOUR_MS);
  h.watch();
  for (let i = 0; i < 8; i++) h.at(i === 0 ? 0 : 15 * MINUTE_MS, 'living-pir', 'motion', true);
  h.advanceBy(MONDAY + 22 * HOUR_MS - h.clock.now());
  h.at(0, 'bedroom-pir', 'motion', true);
  h.advanceBy(30 * MINUTE_MS);
  h.restart(plan(to));
  h.watch();
  return h;
}

/** Movement in the bedroom every hour of the night, the last at `lastHour` Tuesday. */
function nightInBedroom(h: Harness, lastHour: number): void {
  for (let t = TUESDAY + HOUR_MS; t <= TUESDAY + lastHour * HOUR_MS; t += HOUR_MS) {
    h.advanceBy(t - h.clock.now());
    h.at(0, 'bedroom-pir', 'motion', true);
  }
}

describe('a reload that changes the care plan', () => {
  it('a later usual rising time: the resident who rises then is not called the next morning at the old check', () => {
    // The installer writes the resident's real rising time (10:00, not 07:00) into the care plan and reloads.
    const h = eveningThenReload('07:00', '10:00');
    nightInBedroom(h, 9);
    h.advanceBy(TUESDAY + 10 * HOUR_MS - h.clock.now());
    for (let i = 0; i < 4; i++) h.at(i === 0 ? 0 : 10 * MINUTE_MS, 'kitchen-pir', 'motion', true);
    expect(h.raised('no-morning-activity')).toEqual([]);
  });

  it('an earlier usual rising time: a silent home is called at the new check, 08:30, not at the old one', () => {
    const h = eveningThenReload('10:00', '07:00');
    nightInBedroom(h, 7);
    h.advanceBy(TUESDAY + 12 * HOUR_MS - h.clock.now());
    expect(h.familyCalls()).toEqual([['no-morning-activity', TUESDAY + 8 * HOUR_MS + 30 * MINUTE_MS]]);
  });
});
