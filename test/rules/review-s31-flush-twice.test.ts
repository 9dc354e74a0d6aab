// A bridge's flush sent twice (review, session 31): a bridge that re-sends what it held, without MQTT's DUP flag,
// replays more than the few latest reports of a device after the newer ones. Before, a copy was recognised among the
// device's latest 4 reports only: the older copies were taken as new and set the device back (a fridge door left
// "open" by its old opening, so its next real opening was no change and no activity, and the silence was called from
// the report before it, while the resident was at the fridge).
import { describe, expect, it } from 'vitest';
import { RulesEngine } from '../../rules/engine.js';
import { HOUR_MS, MINUTE_MS } from '../../rules/time.js';
import { ev, Harness, home, MONDAY, WITHOUT_POSSIBLE_FALL } from './factories.js';

const START = MONDAY + 9 * HOUR_MS;
const config = home({}, WITHOUT_POSSIBLE_FALL);

type Resend = 'none' | 'flush-again' | 'flush-again-after-restart' | 'flush-again-old-snapshot';

/**
 * The morning: the kitchen PIR, then the fridge opened and closed three times and opened once more (7 reports a minute
 * apart, the last an opening) and closed; with `resend`, the bridge sends the first five again (its flush, again, cut short).
 * 40 min later the fridge is opened and left open. Returns the family's calls over the next day.
 */
function morning(resend: Resend): [string, number][] {
  const h = new Harness(config, START);
  h.at(0, 'kitchen-pir', 'motion', true);
  h.at(30_000, 'kitchen-pir', 'motion', false);
  const t0 = h.clock.now() + MINUTE_MS;
  // What a bridge held while its link was down: a report a minute.
  const flush = [false, true, false, true, false, true, false].map((open, i) =>
    ev(t0 + i * MINUTE_MS, 'fridge', 'contact', open, config),
  );
  for (const e of flush) h.send(e);
  h.send(ev(t0 + 7 * MINUTE_MS, 'fridge', 'contact', true, config));
  if (resend === 'flush-again-after-restart') h.restart();
  if (resend === 'flush-again-old-snapshot')
    // A snapshot from before session 31 (no `stateAt`): the latest state report is taken from those kept.
    h.restart(config, (state) => {
      const homes = state.homes as Record<string, { devices: Record<string, { stateAt?: number }> }>;
      for (const d of Object.values(homes.h1!.devices)) delete d.stateAt;
    });
  if (resend !== 'none') for (const e of flush.slice(0, 5)) h.send({ ...e });
  h.advanceBy(40 * MINUTE_MS);
  h.at(0, 'fridge', 'contact', false);
  h.advanceBy(24 * HOUR_MS);
  return h.familyCalls();
}

describe('a flush of more than four reports of one device sent twice', () => {
  it('does not set the device back: its next real opening is activity', () => {
    const plain = morning('none');
    expect(plain.length).toBeGreaterThan(0);
    // The first call comes from the opening 40 min after the flush, not from the closing before it.
    expect(plain[0]![1]).toBeGreaterThan(START + 40 * MINUTE_MS + 2 * HOUR_MS);
    expect(morning('flush-again')).toEqual(plain);
  });

  it('across a restart, and from a snapshot saved before session 31', () => {
    const plain = morning('none');
    expect(morning('flush-again-after-restart')).toEqual(plain);
    expect(morning('flush-again-old-snapshot')).toEqual(plain);
  });

  it('a device stamped ahead of the hub, then put right, is still heard (its reports are timed at the rules)', () => {
    // Guard: the rules time a report stamped ahead of them at their own time, so a device clock put back does not make
    // its next reports older than its latest.
    const engine = new RulesEngine([config]);
    const now = START;
    engine.handle(ev(now, 'kitchen-pir', 'motion', true, config), now);
    engine.handle(ev(now + 2 * HOUR_MS, 'fridge', 'contact', false, config), now + MINUTE_MS);
    engine.handle(ev(now + 2 * MINUTE_MS, 'fridge', 'contact', true, config), now + 2 * MINUTE_MS);
    type Saved = { homes: Record<string, { devices: Record<string, { lastValue?: unknown }> }> };
    const state = engine.exportState() as Saved;
    // The closing was heard as new: the door is closed.
    expect(state.homes.h1!.devices.fridge!.lastValue).toBe(true);
  });
});
