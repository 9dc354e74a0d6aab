// Review, session 59: cold and heat are alerts of the home, timed per room (per climate sensor). One sensor back in
// range cleared the home's cold alert while another room had been cold for hours, and that room, its 2 h already
// counted, never raised it again.
import { describe, expect, it } from 'vitest';
import type { HomeConfig } from '../../rules/types.js';
import { HOUR_MS, MINUTE_MS } from '../../rules/time.js';
import { DEVICES, Harness, home, MONDAY } from './factories.js';

const TEN = MONDAY + 10 * HOUR_MS;
const twoRooms: HomeConfig = home({
  devices: [...DEVICES, { id: 'bedroom-thermo', kind: 'climate', room: 'bedroom' }],
});

/** Each sensor's reading every 10 min from the clock's time to `until`, by the reading it gives at each time. */
function readings(h: Harness, until: number, reading: (deviceId: string, at: number) => number | undefined): void {
  for (let t = h.clock.now(); t <= until; t += 10 * MINUTE_MS) {
    h.advanceBy(t - h.clock.now());
    for (const id of ['thermo', 'bedroom-thermo']) {
      const tempC = reading(id, t);
      if (tempC !== undefined) h.at(0, id, 'temperature', tempC);
    }
  }
}

describe('cold in two rooms', () => {
  it("a bedroom sensor dipping under 16 °C for a moment does not clear the living room's cold", () => {
    const h = new Harness(twoRooms, TEN);
    // The living room at 14 °C from 10:00 to 15:00; the bedroom at 16.5 °C, 15.8 °C at 13:00 only.
    readings(h, TEN + 5 * HOUR_MS, (id, t) =>
      id === 'thermo' ? (t < TEN + 5 * HOUR_MS ? 14 : 19) : t === TEN + 3 * HOUR_MS ? 15.8 : 16.5,
    );
    expect(h.raised('cold').map((d) => [d.at, d.room])).toEqual([[TEN + 2 * HOUR_MS, 'living']]);
    // Cleared when the living room is warm again (15:00), not when the bedroom's reading came back (13:10).
    expect(h.of('clear', 'cold').map((d) => d.at)).toEqual([TEN + 5 * HOUR_MS]);
  });

  it('the living room warm again while the bedroom has been cold for hours: the alert stays open until it is warm', () => {
    const h = new Harness(twoRooms, TEN);
    // Both rooms at 14 °C from 10:00; the living room heated from 13:00, the bedroom only from 17:00.
    readings(h, TEN + 7 * HOUR_MS, (id, t) =>
      (id === 'thermo' ? t < TEN + 3 * HOUR_MS : t < TEN + 7 * HOUR_MS) ? 14 : 20,
    );
    // Raised for the living room (first of the two); repeated for the bedroom when the living room is warm again, so
    // that the alert names the room still cold (review, session 60: test/rules/review-s60-cold-room-named.test.ts).
    expect(h.raised('cold').map((d) => [d.at, d.room])).toEqual([
      [TEN + 2 * HOUR_MS, 'living'],
      [TEN + 3 * HOUR_MS, 'bedroom'],
    ]);
    expect(h.of('clear', 'cold').map((d) => d.at)).toEqual([TEN + 7 * HOUR_MS]);
  });
});
