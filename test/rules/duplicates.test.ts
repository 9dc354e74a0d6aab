// A report delivered twice (issue 11, session 28): MQTT's QoS 1 redelivers a message whose acknowledgement was lost,
// and a bridge re-sends after a reconnect, sometimes after a later report of the same device. The copy is no news:
// before, a door's `open` coming again after its `close` set the door back to open, so its next real opening was
// no change and no activity, and the silence was called from the report before it.
import { describe, expect, it } from 'vitest';
import { HOUR_MS, MINUTE_MS } from '../../rules/time.js';
import { ev, Harness, home, MONDAY, WITHOUT_POSSIBLE_FALL } from './factories.js';

const START = MONDAY + 9 * HOUR_MS;
const config = home({}, WITHOUT_POSSIBLE_FALL);

/** The morning: the kitchen, the fridge opened and closed, then (with `copy`) the opening delivered again after the
 *  closing; 40 min later the fridge is opened and left open. Returns the family's calls over the next day. */
function morning(copy: 'none' | 'after-close' | 'after-close-and-restart'): [string, number][] {
  const h = new Harness(config, START);
  h.at(0, 'kitchen-pir', 'motion', true);
  h.at(30_000, 'kitchen-pir', 'motion', false);
  const openedAt = h.clock.now() + MINUTE_MS;
  h.send(ev(openedAt, 'fridge', 'contact', false, config));
  h.send(ev(openedAt + 5_000, 'fridge', 'contact', true, config));
  if (copy === 'after-close-and-restart') h.restart();
  if (copy !== 'none') h.send(ev(openedAt, 'fridge', 'contact', false, config));
  h.advanceBy(40 * MINUTE_MS);
  h.at(0, 'fridge', 'contact', false);
  h.advanceBy(24 * HOUR_MS);
  return h.familyCalls();
}

describe('a report delivered twice', () => {
  it('a copy after a later report does not set the device back: its next real change is activity', () => {
    const plain = morning('none');
    expect(plain.length).toBeGreaterThan(0);
    expect(morning('after-close')).toEqual(plain);
    // The latest reports are saved: a restart between the report and its copy changes nothing.
    expect(morning('after-close-and-restart')).toEqual(plain);
  });
});

/**
 * A night on a mat that reports each movement (short presses a few minutes apart); the last press's release is then
 * delivered once, twice at once (`latest`: the same time and value again), or twice across a restart; the bedroom PIR
 * sees the resident turn over, then two hours with nothing: asleep. Returns the inactivity family's calls until 01:30.
 */
function pulsingNight(copy: 'none' | 'again' | 'again-after-restart'): [string, number][] {
  const h = new Harness(undefined, MONDAY + 23 * HOUR_MS);
  for (let i = 0; i < 12; i++) {
    h.at(i === 0 ? 0 : 4 * MINUTE_MS, 'bed', 'occupancy', true);
    h.at(2_000, 'bed', 'occupancy', false);
  }
  const releasedAt = h.clock.now();
  if (copy === 'again-after-restart') h.restart();
  if (copy !== 'none') h.send(ev(releasedAt, 'bed', 'occupancy', false, h.config));
  // The bedroom PIR sees the resident turn over: a movement where they rest, with the mat's word on where they are.
  h.at(MINUTE_MS, 'bedroom-pir', 'motion', true);
  h.at(5_000, 'bedroom-pir', 'motion', false);
  h.clock.advanceTo(MONDAY + 25 * HOUR_MS + 30 * MINUTE_MS);
  return h.familyCalls();
}

describe('a pulsing mat’s release delivered twice', () => {
  it('the copy says nothing new: the resident still rests on the mat, no call', () => {
    const plain = pulsingNight('none');
    // The mat's own word: a short press ended, the resident still in bed asleep (mat-lost-release.test.ts).
    expect(plain).toEqual([]);
    // Before: the copy was heard as a release with no press before it, which ended the rest the first one kept: the
    // bedroom PIR then placed the sleeping resident beside an empty bed, a possible fall 20 min later (night value).
    expect(pulsingNight('again')).toEqual(plain);
    expect(pulsingNight('again-after-restart')).toEqual(plain);
  });
});
