// A report delivered twice (issue 11, session 28): MQTT's QoS 1 redelivers a message whose acknowledgement was lost,
// and a bridge re-sends after a reconnect, sometimes after a later report of the same device. The copy is no news:
// before, a door's `open` coming again after its `close` set the door back to open, so its next real opening was
// no change and no activity, and the silence was called from the report before it.
import { describe, expect, it } from 'vitest';
import { HOUR_MS, MINUTE_MS } from '../../rules/time.js';
import { INACTIVITY_FAMILY } from '../../rules/vocabulary.js';
import { ev, Harness, home, MONDAY, WITHOUT_POSSIBLE_FALL } from './factories.js';

const FAMILY = new Set<string>(INACTIVITY_FAMILY);
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
  return h
    .raised()
    .filter((d) => FAMILY.has(d.kind))
    .map((d) => [d.kind, d.at]);
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
