// Session 72 review (issue 11, homes nobody tuned for): a late riser up briefly just after the night window's end
// (06:00 by default) and back to bed for hours. Where the bed is seen only by a bedroom door (no bed mat, no bedroom
// PIR), the return through the door at 06:05 began a silence judged as a day's, called by inactivity at its day value
// (4 h) while the resident slept on (Kasteren C with half its devices, seeds 10 and 11: the toilet at 06:01, the
// bedroom door at 06:05, asleep until 11:20; Kasteren B seed 12: up for a drink at 06:52, the bedroom door at 07:04,
// asleep until 11:08). The rising learner already reads the bedroom within the hour of the morning's first activity
// outside it as "that was not getting up"; the silence after it is now judged by the morning check, as a night in bed
// is, never sooner than the day value. Guards: a return to the bedroom after an hour up keeps the day value; a
// collapse back in bed is still called, at the check; the same after a restart.
import { describe, expect, it } from 'vitest';
import type { DeviceConfig } from '../../rules/types.js';
import { ev, Harness, home, MONDAY, NO_BEDROOM } from './factories.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A flat whose bedroom is seen only by its door: no bed mat, no bedroom PIR. */
const DOOR_ONLY: DeviceConfig[] = [
  { id: 'kitchen-pir', kind: 'motion', room: 'kitchen' },
  { id: 'bathroom-pir', kind: 'motion', room: 'bathroom' },
  { id: 'bedroom-door', kind: 'door', room: 'bedroom' },
];

/** Through the bedroom door (opened, shut behind): contact false is open, true is shut. */
function door(h: Harness, at: number): void {
  h.send(ev(at, 'bedroom-door', 'contact', false, h.config));
  h.send(ev(at + 5_000, 'bedroom-door', 'contact', true, h.config));
}

function pir(h: Harness, id: string, at: number): void {
  h.send(ev(at, id, 'motion', true, h.config));
  h.send(ev(at + 30_000, id, 'motion', false, h.config));
}

/** Up at 09:30 (out of the bedroom, the bathroom, then the kitchen every 10 min) until bed at 00:30 through the door. */
function lateDay(h: Harness, day: number): void {
  door(h, day + 9 * HOUR + 30 * MINUTE);
  pir(h, 'bathroom-pir', day + 9 * HOUR + 31 * MINUTE);
  for (let t = day + 9 * HOUR + 40 * MINUTE; t < day + 24 * HOUR + 20 * MINUTE; t += 10 * MINUTE)
    pir(h, 'kitchen-pir', t);
  door(h, day + 24 * HOUR + 30 * MINUTE);
}

/**
 * Installed Monday 00:00 (to bed at 00:30); a late riser's Monday to Wednesday (up at 09:30: the morning check learned
 * at 11:01, the first bathroom report plus 90 min). Thursday
 * at 06:01 out through the bedroom door, the bathroom at 06:02, back through the door at `backAt`; `then` runs next.
 */
function thursday(backAt: number, then: (h: Harness) => void, between?: (h: Harness) => void): Harness {
  const h = new Harness(home({ devices: DOOR_ONLY }), MONDAY);
  h.watch();
  pir(h, 'kitchen-pir', MONDAY + 20 * MINUTE);
  door(h, MONDAY + 30 * MINUTE);
  for (let d = 0; d < 3; d++) lateDay(h, MONDAY + d * DAY);
  const thu = MONDAY + 3 * DAY;
  door(h, thu + 6 * HOUR + MINUTE);
  pir(h, 'bathroom-pir', thu + 6 * HOUR + 2 * MINUTE);
  between?.(h);
  door(h, backAt);
  then(h);
  return h;
}

const THU = MONDAY + 3 * DAY;
const callsFrom = (h: Harness, from: number) => h.familyCalls().filter(([, t]) => t >= from);

describe('a late riser back to bed through the bedroom door after the night window', () => {
  const back = THU + 6 * HOUR + 5 * MINUTE; // Thursday 06:05

  it('is not called while asleep until 10:50: the morning check (11:01) judges the morning in bed', () => {
    const h = thursday(back, (x) => {
      pir(x, 'bathroom-pir', THU + 10 * HOUR + 50 * MINUTE);
      x.advanceBy(HOUR);
    });
    // Before: inactivity at 10:05 (the day value, 240 min from the door at 06:05).
    expect(callsFrom(h, back)).toEqual([]);
  });

  it('still calls a collapse back in bed, by inactivity at the morning check', () => {
    const h = thursday(back, (x) => x.advanceBy(14 * HOUR));
    const calls = callsFrom(h, back);
    expect(calls.length).toBeGreaterThan(0);
    expect(calls[0]![0]).toBe('inactivity');
    const minutes = Math.round((calls[0]![1] - back) / MINUTE);
    expect(minutes).toBeGreaterThan(240);
    expect(minutes).toBeLessThanOrEqual(296);
  });

  it('calls the same after a restart between the return to bed and the call', () => {
    const straight = callsFrom(
      thursday(back, (x) => x.advanceBy(14 * HOUR)),
      back,
    );
    const restarted = callsFrom(
      thursday(back, (x) => {
        x.advanceBy(HOUR);
        x.restart();
        x.advanceBy(13 * HOUR);
      }),
      back,
    );
    expect(restarted).toEqual(straight);
  });

  it('keeps the day value for a return to the bedroom after an hour up (the rising learned)', () => {
    const late = THU + 7 * HOUR + 30 * MINUTE;
    const h = thursday(
      late,
      (x) => x.advanceBy(14 * HOUR),
      (x) => {
        for (let t = THU + 6 * HOUR + 10 * MINUTE; t < late - 5 * MINUTE; t += 10 * MINUTE) pir(x, 'kitchen-pir', t);
      },
    );
    const calls = callsFrom(h, late);
    expect(calls[0]?.[0]).toBe('inactivity');
    expect(Math.round((calls[0]![1] - late) / MINUTE)).toBe(240);
  });
});

// Where nothing sees the bed (no bed mat, nothing in the bedroom: `bedUnseen`), the first fortnight: the morning's
// first trip, to the bathroom at 07:30 and nothing else seen, then back to bed past no sensor was called a possible
// fall at 45 min (or bathroom-too-long at 60) while the resident slept (CASAS with half its PIRs, seeds 1, 3 and 4, 24
// Jun 2011: up at 07:30, the bathroom until 07:40, back in bed until after 08:20). As in the night window where nothing
// sees the bed (session 71), such a silence is inactivity's, with the day value at least; it is still called.
describe('the morning’s first bathroom trip where nothing sees the bed', () => {
  const TUE = MONDAY + DAY;

  /** Monday up from 08:00 to 22:50 in the living room; Tuesday `morning` runs, then the home is silent for a day. */
  function tuesday(devices: DeviceConfig[], morning: (h: Harness) => void): Harness {
    const h = new Harness(home({ devices }), MONDAY);
    h.watch();
    for (let t = MONDAY + 8 * HOUR; t < MONDAY + 22 * HOUR + 55 * MINUTE; t += 10 * MINUTE) pir(h, 'living-pir', t);
    morning(h);
    h.advanceBy(DAY);
    return h;
  }

  const bathroomTrip = (h: Harness) => {
    for (const m of [30, 35, 40]) pir(h, 'bathroom-pir', TUE + 7 * HOUR + m * MINUTE);
  };
  const last = TUE + 7 * HOUR + 40 * MINUTE;

  it('is not called a fall at 45 min, nor a bathroom visit: asleep until 09:30', () => {
    const h = tuesday(NO_BEDROOM, (x) => {
      bathroomTrip(x);
      pir(x, 'kitchen-pir', TUE + 9 * HOUR + 30 * MINUTE);
    });
    // Before: possible-fall at 08:25.
    expect(callsFrom(h, TUE).filter(([, t]) => t < TUE + 9 * HOUR + 30 * MINUTE)).toEqual([]);
  });

  it('still calls a collapse there, by inactivity (its allowance shrunk by what Monday taught, within 4 h)', () => {
    const calls = callsFrom(tuesday(NO_BEDROOM, bathroomTrip), TUE);
    expect(calls[0]?.[0]).toBe('inactivity');
    const minutes = Math.round((calls[0]![1] - last) / MINUTE);
    expect(minutes).toBeGreaterThan(60);
    expect(minutes).toBeLessThanOrEqual(240);
  });

  it('does not call the visit overdue at the next bathroom report, hours later, nothing seen between', () => {
    const h = tuesday(NO_BEDROOM, (x) => {
      bathroomTrip(x);
      pir(x, 'bathroom-pir', TUE + 9 * HOUR + 40 * MINUTE);
      for (let t = TUE + 9 * HOUR + 50 * MINUTE; t < TUE + 12 * HOUR; t += 10 * MINUTE) pir(x, 'kitchen-pir', t);
    });
    expect(h.raised('bathroom-too-long')).toEqual([]);
    expect(callsFrom(h, TUE).filter(([, t]) => t < TUE + 12 * HOUR)).toEqual([]);
  });

  it('keeps the short wait when the kitchen came first: the resident is up', () => {
    const upFirst = tuesday(NO_BEDROOM, (x) => {
      pir(x, 'kitchen-pir', TUE + 7 * HOUR + 20 * MINUTE);
      bathroomTrip(x);
    });
    expect(callsFrom(upFirst, TUE)[0]).toEqual(['possible-fall', last + 30_000 + 45 * MINUTE]);
  });
});
