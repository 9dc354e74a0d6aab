// A bridge's flush sent twice, its reports less than a minute apart (review, session 32). Session 31 made a state
// report older than its device's latest by more than a minute (`REORDER_MS`) a copy; within the minute a copy was
// recognised among the device's 4 latest reports only, so a flush of a device that reports every few seconds (a PIR
// that pulses, a door worked several times in half a minute), sent again, set the device back to one of its older
// reports: here the fridge left "open" by an old copy, so its next real opening was no change and no activity, and
// the silence was called from before it.
import { describe, expect, it } from 'vitest';
import { RulesEngine } from '../../rules/engine.js';
import { HOUR_MS, MINUTE_MS, SECOND_MS } from '../../rules/time.js';
import { INACTIVITY_FAMILY } from '../../rules/vocabulary.js';
import { ev, Harness, home, MONDAY, WITHOUT_POSSIBLE_FALL } from './factories.js';

const FAMILY = new Set<string>(INACTIVITY_FAMILY);
const START = MONDAY + 9 * HOUR_MS;
const config = home({}, WITHOUT_POSSIBLE_FALL);

/**
 * The morning: the kitchen PIR, then the fridge worked for half a minute (7 reports 5 s apart: closed, open...,
 * closed), then opened and closed; with `resend`, the bridge sends the first four again (the last an opening). Then
 * 40 min later the fridge is opened and left open. Returns the family's calls over the next day.
 */
function morning(resend: 'none' | 'flush-again' | 'flush-again-after-restart'): [string, number][] {
  const h = new Harness(config, START);
  h.at(0, 'kitchen-pir', 'motion', true);
  h.at(30_000, 'kitchen-pir', 'motion', false);
  const t0 = h.clock.now() + MINUTE_MS;
  const flush = [false, true, false, true, false, true, false].map((open, i) =>
    ev(t0 + i * 5 * SECOND_MS, 'fridge', 'contact', open, config),
  );
  for (const e of flush) h.send(e);
  h.send(ev(t0 + 35 * SECOND_MS, 'fridge', 'contact', true, config));
  h.send(ev(t0 + 40 * SECOND_MS, 'fridge', 'contact', false, config));
  if (resend === 'flush-again-after-restart') h.restart();
  if (resend !== 'none') for (const e of flush.slice(0, 4)) h.send({ ...e });
  h.advanceBy(40 * MINUTE_MS);
  h.at(0, 'fridge', 'contact', true);
  h.advanceBy(24 * HOUR_MS);
  return h
    .raised()
    .filter((d) => FAMILY.has(d.kind))
    .map((d) => [d.kind, d.at]);
}

type Saved = { homes: Record<string, { devices: Record<string, { lastValue?: unknown }> }> };
const fridgeValue = (engine: RulesEngine): unknown =>
  (engine.exportState() as Saved).homes.h1!.devices.fridge!.lastValue;

describe('a flush of reports less than a minute apart, sent twice', () => {
  it('does not set the device back: its next real opening is activity (also across a restart)', () => {
    const plain = morning('none');
    expect(plain.length).toBeGreaterThan(0);
    // The first call comes from the opening 40 min after the flush, not from before it.
    expect(plain[0]![1]).toBeGreaterThan(START + 40 * MINUTE_MS + 2 * HOUR_MS);
    expect(morning('flush-again')).toEqual(plain);
    expect(morning('flush-again-after-restart')).toEqual(plain);
  });

  it('a report stamped a little before later ones (a clock’s jitter) is still heard', () => {
    // Guard: behind one later report, or three, a report is the device's own next one, not a copy.
    const engine = new RulesEngine([config]);
    const t = START;
    engine.handle(ev(t, 'fridge', 'contact', true, config), t);
    engine.handle(ev(t - 2 * SECOND_MS, 'fridge', 'contact', false, config), t);
    expect(fridgeValue(engine)).toBe(false);
    for (let i = 1; i <= 3; i++) engine.handle(ev(t + i * SECOND_MS, 'fridge', 'contact', i % 2 === 1, config), t + i);
    engine.handle(ev(t + 500, 'fridge', 'contact', false, config), t + 4 * SECOND_MS);
    expect(fridgeValue(engine)).toBe(false);
  });

  it('a report stamped a little before one message of several fields (contact, battery, tamper) is still heard', () => {
    // Guard: the fields of one message share its stamp; behind one message, a report is the device's own next one.
    const engine = new RulesEngine([config]);
    const t = START;
    engine.handle(ev(t, 'fridge', 'contact', false, config), t);
    for (const [type, value] of [
      ['contact', true],
      ['battery', 90],
      ['tamper', false],
      ['battery_low', false],
    ] as const)
      engine.handle({ ...ev(t + 2 * SECOND_MS, 'fridge', 'contact', true, config), type, value }, t + 2 * SECOND_MS);
    expect(fridgeValue(engine)).toBe(true);
    engine.handle(ev(t + SECOND_MS, 'fridge', 'contact', false, config), t + 2 * SECOND_MS);
    expect(fridgeValue(engine)).toBe(false);
  });

  it('a device stamped ahead of the hub, then put right, is still heard', () => {
    // Guard: its four reports stamped ahead are not "later" than its put-right ones at the rules' time.
    const engine = new RulesEngine([config]);
    const now = START;
    for (let i = 0; i < 4; i++)
      engine.handle(ev(now + 2 * HOUR_MS + i * SECOND_MS, 'fridge', 'contact', i % 2 === 1, config), now + i);
    engine.handle(ev(now + 10 * SECOND_MS, 'fridge', 'contact', false, config), now + 10 * SECOND_MS);
    expect(fridgeValue(engine)).toBe(false);
  });
});
