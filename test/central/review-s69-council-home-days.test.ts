// Review, session 69: the home-days of a week gave away the number of homes its suppression hid. A council report
// shows homes monitored as `*` when 1 to 7, but published the week's home-days rounded to 5: a home has at most 7 days
// of data in a week, so 50 home-days (48 to 52) meant at least 7 homes, and with `*` (at most 7) exactly 7; 35 meant 5
// when each home sent every day, as homes do. Now home-days are `*` wherever homes monitored are (secondary suppression
// of a linked figure). Real console, PostgreSQL and nats-server; days stored as the features worker stores them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import {
  councilAnalyst,
  missingForConsole,
  numberedHomes,
  startConsoleEnv,
  storeDays,
  storeHub,
  type ConsoleEnv,
  type Json,
} from './console-env.js';

const missing = missingForConsole();
if (missing) console.warn(`skipping the council home-days test: ${missing}`);

const daysFrom = (first: number): string[] =>
  Array.from({ length: 7 }, (_, i) => new Date(Date.UTC(2026, 10, first + i)).toISOString().slice(0, 10));
/** A week of 7 homes, then a week of 12. */
const SMALL = daysFrom(16);
const BIG = daysFrom(23);

/** The counts a published count leaves possible, lowest and highest (`*`: 1 to 7; n: n - 2 to n + 2; 0: 0). */
function range(published: number | '*'): [number, number] {
  if (published === '*') return [1, 7];
  return published === 0 ? [0, 0] : [published - 2, published + 2];
}

/**
 * What the published figures leave possible for the number of homes of the small week: its homes, its home-days (at
 * most 7 a home), and its home-days worked out as the whole period's less the big week's.
 */
function smallWeekHomes(small: Json, big: Json, total: Json): number[] {
  const [homesLow, homesHigh] = range(small.homesMonitored);
  let [daysLow, daysHigh] = range(small.homeDays);
  if (typeof total.homeDays === 'number' && typeof big.homeDays === 'number') {
    const [totalLow, totalHigh] = range(total.homeDays);
    const [bigLow, bigHigh] = range(big.homeDays);
    daysLow = Math.max(daysLow, totalLow - bigHigh);
    daysHigh = Math.min(daysHigh, totalHigh - bigLow);
  }
  const possible: number[] = [];
  for (let homes = homesLow; homes <= homesHigh; homes++) {
    if (homes * 7 >= daysLow && homes <= daysHigh) possible.push(homes);
  }
  return possible;
}

describe.skipIf(missing !== undefined)('review s69: home-days do not give away a suppressed count of homes', () => {
  let env: ConsoleEnv;
  const clock = new FakeClock(Date.UTC(2026, 11, 16, 10, 0, 0));

  beforeAll(async () => {
    env = await startConsoleEnv({ clock });
    // The small scheme's 7 flats both weeks; 5 more flats the second week: 7 homes, then 12.
    await storeDays(env.pool, 's69-small', numberedHomes('s69-small', 7), [...SMALL, ...BIG]);
    await storeDays(env.pool, 's69-big', numberedHomes('s69-big', 5), BIG);
    for (const hubId of ['s69-small', 's69-big']) {
      await storeHub(env.pool, hubId, { status: 'online', lastSeenAt: new Date(clock.now()) });
    }
  });

  afterAll(async () => {
    await env?.stop();
  });

  it('shows home-days as * in a week whose homes are *, and leaves every count of 1 to 7 homes possible', async () => {
    const nora = await councilAnalyst(env, ['s69-small', 's69-big']);

    for (const format of ['json', 'csv'] as const) {
      const res = await nora.request('GET', `/api/reports/council?from=${SMALL[0]}&to=${BIG[6]}&format=${format}`);
      expect(res.status).toBe(200);
      const text = await res.text();
      if (format === 'csv') {
        // The CSV carries no more than the JSON: the small week's home-days row is * too.
        expect(text).toContain(`${SMALL[0]},summary,homes,monitored,*`);
        expect(text).toContain(`${SMALL[0]},summary,home-days,count,*`);
        expect(text).toContain('all,summary,home-days,count,*');
        continue;
      }
      const body = JSON.parse(text);
      // November's weeks (an analyst's whole month of weeks): the small and the big week among them.
      const small = (body.weeks as Json[]).find((w) => w.from === SMALL[0]);
      const big = (body.weeks as Json[]).find((w) => w.from === BIG[0]);
      expect(small.homesMonitored).toBe('*');
      // Before the fix: 50 home-days, so exactly 7 homes ([7]); with the small week's home-days hidden, the whole
      // period's 133 (135) less the big week's 84 (85) still gave 46 to 54 days, so 7 homes.
      expect(small.homeDays).toBe('*');
      expect(body.total.homeDays).toBe('*');
      expect(smallWeekHomes(small, big, body.total)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      // A week of 8 homes or more publishes its home-days: 12 × 7 = 84, rounded to 35 (session 70: 85, rounded to 5,
      // gave 12 homes exactly), 70: ten homes' worth, as homes monitored say.
      expect(big).toMatchObject({ homesMonitored: 10, homeDays: 70 });
      expect(body.total.homesMonitored).toBe(10);
    }
  });
});
