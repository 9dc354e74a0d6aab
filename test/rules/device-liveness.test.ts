// What the rules know of each device, as the devices page shows it (session 34): `RulesEngine.deviceLiveness` (last
// heard on the rules' time, offline past the silence bound, battery), and the battery percentage kept across a restart.
import { describe, expect, it } from 'vitest';
import { RulesEngine } from '../../rules/engine.js';
import { HOUR_MS, MINUTE_MS } from '../../rules/time.js';
import { ev, home, MONDAY } from './factories.js';

describe('RulesEngine.deviceLiveness', () => {
  it('gives last heard (a future ts counted at the rules time), offline past 25 h, and the latest battery', () => {
    const config = home();
    const engine = new RulesEngine([config]);
    engine.handle(ev(MONDAY, 'thermo', 'battery', 40), MONDAY);
    engine.handle(ev(MONDAY + MINUTE_MS, 'thermo', 'battery', 12), MONDAY + MINUTE_MS);
    const now = MONDAY + 26 * HOUR_MS;
    engine.advanceTo(now);
    // Two hours fast: heard now, not then.
    engine.handle(ev(now + 2 * HOUR_MS, 'hall-pir', 'motion', true), now);
    const live = engine.deviceLiveness('h1');
    expect(live?.get('thermo')).toEqual({
      lastHeardAt: MONDAY + MINUTE_MS,
      offline: true,
      wayOutLearned: false,
      battery: 12,
      batteryLow: true,
      tampered: false,
      tamperedAt: null,
    });
    expect(live?.get('hall-pir')).toEqual({
      lastHeardAt: now,
      offline: false,
      wayOutLearned: false,
      battery: null,
      batteryLow: false,
      tampered: false,
      tamperedAt: null,
    });
    expect(engine.deviceLiveness('elsewhere')).toBeUndefined();
  });

  it('keeps the battery percentage across a restart; a flag saved before session 34 loads as low, no percentage', () => {
    const config = home();
    const engine = new RulesEngine([config]);
    engine.handle(ev(MONDAY, 'thermo', 'battery', 55), MONDAY);
    const state = engine.exportState();
    const again = RulesEngine.fromState([config], JSON.parse(JSON.stringify(state)));
    expect(again.deviceLiveness('h1')?.get('thermo')).toMatchObject({ battery: 55, batteryLow: false });

    const saved = JSON.parse(JSON.stringify(state)) as {
      homes: { h1: { devices: { thermo: { rules: Record<string, unknown> } } } };
    };
    saved.homes.h1.devices.thermo.rules['low-battery'] = { v: 1, s: { low: true } };
    const old = RulesEngine.fromState([config], saved);
    expect(old.deviceLiveness('h1')?.get('thermo')).toMatchObject({ battery: null, batteryLow: true });
    // Still low: 14 % raises nothing again.
    expect(
      old.handle(ev(MONDAY + HOUR_MS, 'thermo', 'battery', 14), MONDAY + HOUR_MS).map((d) => d.kind),
    ).not.toContain('low-battery');
  });

  it('holds a device tampered, with the time of its report, until it reports closed; a state of before session 67 has no time', () => {
    const config = home();
    const engine = new RulesEngine([config]);
    engine.handle(ev(MONDAY, 'hall-pir', 'tamper', true), MONDAY);
    expect(engine.deviceLiveness('h1')?.get('hall-pir')).toMatchObject({ tampered: true, tamperedAt: MONDAY });
    const state = JSON.parse(JSON.stringify(engine.exportState())) as {
      homes: { h1: { devices: { 'hall-pir': { rules: Record<string, { v: number; s: Record<string, unknown> }> } } } };
    };
    const again = RulesEngine.fromState([config], structuredClone(state));
    expect(again.deviceLiveness('h1')?.get('hall-pir')).toMatchObject({ tampered: true, tamperedAt: MONDAY });
    // Tampered again is no news: no second raise; closed, then nothing held.
    expect(again.handle(ev(MONDAY + HOUR_MS, 'hall-pir', 'tamper', true), MONDAY + HOUR_MS)).toEqual([]);
    again.handle(ev(MONDAY + 2 * HOUR_MS, 'hall-pir', 'tamper', false), MONDAY + 2 * HOUR_MS);
    expect(again.deviceLiveness('h1')?.get('hall-pir')).toMatchObject({ tampered: false, tamperedAt: null });

    state.homes.h1.devices['hall-pir'].rules.tamper = { v: 1, s: { tampered: true } };
    const old = RulesEngine.fromState([config], state);
    expect(old.deviceLiveness('h1')?.get('hall-pir')).toMatchObject({ tampered: true, tamperedAt: null });
  });
});
