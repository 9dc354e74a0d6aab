// Review, session 62: a Raspberry Pi has no battery-backed clock. After a power cut it boots with the time it saved
// before the cut (fake-hwclock), and network time steps it forward a minute or so later. The hub noted its run
// (`hub_runs`) from the boot on its behind clock, then went on noting the same run after the step: the run seemed to
// have begun a minute after the last run ended and lasted through the hours the hub was off, so the outage was hidden
// and the evenings nothing listened read as the resident's quiet evenings again ('room transitions down' raised about
// a resident going on as before). A step of the wall clock now begins a new run: the hours it jumped over are off.
// Real hub database, real alert service, the hub's hourly routine review on a fake clock whose wall clock steps.
import { afterEach, describe, expect, it } from 'vitest';
import { hubOffSpans } from '../../analytics/store.js';
import { utc } from './factories.js';
import { CUTS, routineChanges, routineWithCuts, startReview } from './hub-off-cuts.js';
import { FLAT_7_CONFIG, openTestHubDb, type TestHubDb } from './hub-db.js';

let hub: TestHubDb | undefined;
afterEach(async () => {
  await hub?.close();
  hub = undefined;
});

const MINUTE = 60_000;

/**
 * The hub through the power cuts: stopped at each cut; at the power's return it boots with its clock reading a minute
 * after the cut (the time it saved), runs 4 minutes, and network time then steps the clock to the true time.
 */
function hubThroughTheCutsClockBehind(h: TestHubDb, until: number): void {
  h.clock.advanceTo(utc('2026-11-29T12:00'));
  let review = startReview(h);
  for (const [off, on] of CUTS) {
    h.clock.advanceTo(off);
    review.stop();
    h.clock.advanceTo(off + MINUTE);
    review = startReview(h);
    h.clock.advanceBy(4 * MINUTE);
    h.clock.stepWall(on + 5 * MINUTE - h.clock.now());
  }
  h.clock.advanceTo(until);
  review.stop();
}

describe('a hub that boots with its clock behind (no real-time clock) and is then set right', () => {
  it('notes the hours the step jumped over as hours it was off', async () => {
    hub = await openTestHubDb(FLAT_7_CONFIG);
    hubThroughTheCutsClockBehind(hub, utc('2026-12-04T12:00'));

    const spans = hubOffSpans(hub.db, 15 * MINUTE);
    expect(spans).toHaveLength(3);
    for (const [i, [off, on]] of CUTS.entries()) {
      // Off from the boot's last note on its behind clock to the step: the cut, give or take the minutes of the boot.
      const [from, to] = spans[i]!;
      expect(from).toBeGreaterThanOrEqual(off);
      expect(from).toBeLessThanOrEqual(off + 5 * MINUTE);
      expect(to).toBeGreaterThanOrEqual(on);
      expect(to).toBeLessThanOrEqual(on + 5 * MINUTE);
    }
  });

  it('does not read the evenings nothing listened as a routine change', async () => {
    hub = await openTestHubDb(FLAT_7_CONFIG);
    await hub.append(routineWithCuts());
    hubThroughTheCutsClockBehind(hub, utc('2026-12-05T09:00'));

    expect(routineChanges(hub)).toEqual([]);
  });

  it('counts only the step as off when the clock is set right while the hub runs', async () => {
    hub = await openTestHubDb(FLAT_7_CONFIG);
    hub.clock.advanceTo(utc('2026-12-01T12:00'));
    const review = startReview(hub);
    hub.clock.advanceBy(34 * MINUTE);
    hub.clock.stepWall(20 * MINUTE);
    hub.clock.advanceBy(60 * MINUTE);
    review.stop();
    expect(hubOffSpans(hub.db, 15 * MINUTE)).toEqual([[utc('2026-12-01T12:34'), utc('2026-12-01T12:54')]]);
  });

  it('keeps one run through a step back (the wall clock set back is no outage)', async () => {
    hub = await openTestHubDb(FLAT_7_CONFIG);
    hub.clock.advanceTo(utc('2026-12-01T12:00'));
    const review = startReview(hub);
    hub.clock.advanceBy(30 * MINUTE);
    hub.clock.stepWall(-60 * MINUTE);
    hub.clock.advanceBy(3 * 60 * MINUTE);
    review.stop();
    expect(hubOffSpans(hub.db, 15 * MINUTE)).toEqual([]);
  });
});
