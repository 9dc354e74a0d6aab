// Review, session 72 (issue 11, sparse layouts): a flush after which this home does not see the resident leave. A flush
// ends a toilet visit; where no device sees the way out of the toilet (no toilet or bathroom door, no hall PIR), the
// silence after it is the resident gone to a room nothing watches as often as not, and a bathroom-too-long timed from
// the flush called it at 57-60 min by day (Kasteren A without its bathroom door: 17 of its 48 false alarms over twelve
// half-sensors layouts). Now, once the home's own flushes show that at least one visit in three they ended was followed
// by nothing for 5 min (and at least 3 such), a visit whose last sign is that flush is not timed; the silence is still
// watched by possible-fall and inactivity. Where the home sees the resident leave after its flushes, nothing changes.
// Back in the toilet minutes after such a flush is a new visit, timed from then. Measured, not merged: rules/README.md
// "Session 72 review: a flush after which the home does not see the resident leave".
import { describe, expect, it } from 'vitest';
import { HOUR_MS, MINUTE_MS } from '../../rules/time.js';
import type { DeviceConfig } from '../../rules/types.js';
import { Harness, home, MONDAY } from './factories.js';

/** Kasteren A's kind of layout: no PIR, no mat; kitchen contacts, a toilet flush, the bedroom and toilet doors. */
const DEVICES: DeviceConfig[] = [
  { id: 'front', kind: 'exit-door', room: 'entrance' },
  { id: 'fridge', kind: 'door', room: 'kitchen' },
  { id: 'cupboard', kind: 'door', room: 'kitchen' },
  { id: 'flush', kind: 'appliance', room: 'toilet' },
  { id: 'toilet-door', kind: 'door', room: 'hall' },
  { id: 'bedroom-door', kind: 'door', room: 'bedroom' },
  { id: 'toilet-cabinet', kind: 'door', room: 'toilet' },
];
const config = home({ devices: DEVICES });

/** One flush: the power rises, and falls 5 s later (not an activity). */
function flush(h: Harness, afterMs: number): void {
  h.at(afterMs, 'flush', 'power', 100);
  h.at(5_000, 'flush', 'power', 0);
}

/**
 * Monday: the bedroom door at 07:00, then four visits at 08:00, 12:00, 15:00 and 18:00 local (UTC), each a flush;
 * with `leaveSeen` each is followed by the toilet door 30 s later, else by nothing for 20 min (the resident in a
 * living room nothing watches), then the fridge. The evening's bedroom door at 22:30. Tuesday 09:00 the fridge,
 * 10:00 a flush and then nothing until the cupboard at 11:30 (or, with `backAt`, the toilet cabinet that many minutes
 * after the flush, then nothing). With `restart` the hub restarts Tuesday 08:00.
 */
function twoDays(leaveSeen: boolean, restart = false, backAt?: number): Harness {
  const h = new Harness(config, MONDAY);
  const atHour = (hour: number): number => MONDAY + hour * HOUR_MS - h.clock.now();
  h.at(atHour(7), 'bedroom-door', 'contact', false);
  h.at(30_000, 'bedroom-door', 'contact', true);
  for (const hour of [8, 12, 15, 18]) {
    flush(h, atHour(hour));
    if (leaveSeen) {
      h.at(25_000, 'toilet-door', 'contact', false);
      h.at(5_000, 'toilet-door', 'contact', true);
      h.at(20 * MINUTE_MS, 'fridge', 'contact', false);
    } else {
      h.at(20 * MINUTE_MS, 'fridge', 'contact', false);
    }
    h.at(30_000, 'fridge', 'contact', true);
  }
  h.at(atHour(22.5), 'bedroom-door', 'contact', false);
  h.at(30_000, 'bedroom-door', 'contact', true);
  h.advanceBy(atHour(24 + 7));
  h.at(0, 'bedroom-door', 'contact', false);
  h.at(30_000, 'bedroom-door', 'contact', true);
  if (restart) {
    h.advanceBy(atHour(24 + 8));
    h.restart();
  }
  h.at(atHour(24 + 9), 'fridge', 'contact', false);
  h.at(30_000, 'fridge', 'contact', true);
  flush(h, atHour(24 + 10));
  if (backAt !== undefined) {
    h.advanceBy(atHour(24 + 10) + backAt * MINUTE_MS);
    h.at(0, 'toilet-cabinet', 'contact', false);
    h.at(10_000, 'toilet-cabinet', 'contact', true);
    h.advanceBy(3 * HOUR_MS);
    return h;
  }
  h.advanceBy(atHour(24 + 11.5));
  h.at(0, 'cupboard', 'contact', false);
  return h;
}

/** The inactivity family's calls on Tuesday from 10:00 until the cupboard at 11:30. */
function tuesdayCalls(h: Harness): [string, number][] {
  const from = MONDAY + 34 * HOUR_MS;
  return h.familyCalls().filter(([, at]) => at >= from && at <= from + 90 * MINUTE_MS);
}

describe('review s72: a flush after which the home does not see the resident leave', () => {
  it('where its flushes are followed by nothing for minutes, the silence after one is no bathroom visit', () => {
    // Before: bathroom-too-long at 11:00, 60 min after the flush, the resident up elsewhere.
    expect(tuesdayCalls(twoDays(false))).toEqual([]);
  });

  it('across a restart: the flushes counted are kept', () => {
    expect(tuesdayCalls(twoDays(false, true))).toEqual([]);
  });

  it('guard: where the toilet door follows its flushes, the silence after one is called at 60 min as before', () => {
    expect(tuesdayCalls(twoDays(true))).toEqual([['bathroom-too-long', MONDAY + 35 * HOUR_MS]]);
  });

  it('back in the toilet 40 min after such a flush: a new visit, timed from then, not called at once', () => {
    // Without the new visit the wait would run from the flush (10:00) and call at 11:00 (its 60 min).
    const h = twoDays(false, false, 40);
    expect(h.raised('bathroom-too-long').map((d) => d.at)).toEqual([MONDAY + 34 * HOUR_MS + 100 * MINUTE_MS]);
  });

  it('a saved record of flushes that is not one is left out, and nothing throws', () => {
    const h = new Harness(config, MONDAY + 10 * HOUR_MS);
    flush(h, 0);
    let edited = false;
    h.restart(config, (state) => {
      const homes = state.homes as Record<string, { rules?: Record<string, { s: Record<string, unknown> }> }>;
      const slice = homes.h1?.rules?.['bathroom-too-long'];
      if (slice === undefined) return;
      slice.s.ends = JSON.parse('{"flush": ["x", -3], "__proto__": [9, 9], "door": 5}') as unknown;
      slice.s.endDeviceId = 42;
      edited = true;
    });
    expect(edited).toBe(true);
    h.advanceBy(2 * HOUR_MS);
    expect(h.raised('bathroom-too-long')).toHaveLength(1);
    expect(({} as Record<string, unknown>)[0]).toBeUndefined();
  });
});
