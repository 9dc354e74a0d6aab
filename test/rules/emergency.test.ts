// Emergencies: pendant, fall, smoke, co, gas, flood are raised at once and critical.
import { describe, expect, it } from 'vitest';
import { RulesEngine } from '../../rules/engine.js';
import { ev, Harness, home, MONDAY } from './factories.js';

describe('emergency rules', () => {
  it('a pendant press raises a critical alert in the same call, for the resident who wears it', () => {
    const h = new Harness();
    const out = h.send(ev(MONDAY + 1000, 'pendant', 'pendant', true));
    expect(out).toEqual([
      expect.objectContaining({
        type: 'raise',
        kind: 'pendant',
        severity: 'critical',
        residentId: 'r1',
        at: MONDAY + 1000,
        deviceId: 'pendant',
      }),
    ]);
  });

  it('a smoke alarm repeating its state raises once, and again after it went quiet', () => {
    const h = new Harness();
    h.send(ev(MONDAY, 'smoke', 'smoke', true));
    h.at(10_000, 'smoke', 'smoke', true);
    expect(h.raised('smoke')).toHaveLength(1);
    h.at(10_000, 'smoke', 'smoke', false);
    h.at(10_000, 'smoke', 'smoke', true);
    expect(h.raised('smoke')).toHaveLength(2);
  });

  it('a water sensor raises flood; a false value raises nothing', () => {
    const config = home({ devices: [{ id: 'leak', kind: 'water', room: 'bathroom' }] });
    const engine = new RulesEngine([config]);
    expect(engine.handle(ev(MONDAY, 'leak', 'water', false, config))).toEqual([]);
    expect(engine.handle(ev(MONDAY + 1, 'leak', 'water', true, config))[0]).toMatchObject({
      kind: 'flood',
      severity: 'critical',
    });
  });

  it('an unassigned device raises nothing, not even a pendant press', () => {
    const engine = new RulesEngine([home()]);
    const stray = {
      homeId: 'h1',
      deviceId: 'unknown',
      type: 'pendant' as const,
      value: true,
      ts: MONDAY,
      source: 'mqtt' as const,
      assigned: false,
    };
    expect(engine.handle(stray)).toEqual([]);
    expect(engine.advanceTo(MONDAY + 3 * 86_400_000)).toEqual([]);
  });
});
