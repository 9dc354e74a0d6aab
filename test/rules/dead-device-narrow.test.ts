// A dead device holds off only the silences it used to end (issue 11, session 30): which device ended the silences
// that began at each is counted from the home's own record; a dead device that never ended the kitchen's silences
// leaves the kitchen's possible-fall armed, one that did still holds it off, and home-wide while the counts are thin.
// Real rules engine, fake clock, state through JSON across a restart.
import { describe, expect, it } from 'vitest';
import { RulesEngine } from '../../rules/engine.js';
import { SilenceEnds } from '../../rules/silence-ends.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../rules/time.js';
import type { DeviceConfig } from '../../rules/types.js';
import { Harness, home, MONDAY } from './factories.js';

const DEVICES: DeviceConfig[] = [
  { id: 'bedroom-door', kind: 'door', room: 'bedroom' },
  { id: 'hall-pir', kind: 'motion', room: 'hall' },
  { id: 'kitchen-pir', kind: 'motion', room: 'kitchen' },
  { id: 'living-pir', kind: 'motion', room: 'living' },
];
const config = home({ devices: DEVICES });

const at = (n: number, hours: number, minutes = 0): number =>
  MONDAY + n * DAY_MS + hours * HOUR_MS + minutes * MINUTE_MS;

/**
 * Day `n` without the devices in `dead`: up at 07:00 (bedroom door, hall), the kitchen then the living room every
 * hour from 08:00 to 21:00 (`kitchenVisits` of them), to bed at 22:00 by the hall and the bedroom door.
 */
function day(h: Harness, n: number, dead: readonly string[] = [], kitchenVisits = 14): void {
  const send = (ms: number, id: string, value: boolean): void => {
    if (dead.includes(id)) return;
    h.clock.advanceTo(ms);
    h.at(0, id, id === 'bedroom-door' ? 'contact' : 'motion', value);
  };
  const pir = (ms: number, id: string): void => {
    send(ms, id, true);
    send(ms + MINUTE_MS, id, false);
  };
  send(at(n, 7), 'bedroom-door', false);
  pir(at(n, 7, 1), 'hall-pir');
  for (let hour = 8; hour <= 21; hour++) {
    if (hour - 8 < kitchenVisits) pir(at(n, hour), 'kitchen-pir');
    pir(at(n, hour, 20), 'living-pir');
  }
  pir(at(n, 22), 'hall-pir');
  send(at(n, 22, 2), 'bedroom-door', true);
}

/** Up as every day on day `n`, then a collapse in the kitchen at 10:00: the alerts raised within 24 h. */
function collapseInKitchen(h: Harness, n: number, dead: readonly string[]): string[] {
  const send = (ms: number, id: string, value: boolean): void => {
    if (dead.includes(id)) return;
    h.clock.advanceTo(ms);
    h.at(0, id, id === 'bedroom-door' ? 'contact' : 'motion', value);
  };
  send(at(n, 7), 'bedroom-door', false);
  send(at(n, 7, 1), 'hall-pir', true);
  send(at(n, 7, 2), 'hall-pir', false);
  for (let hour = 8; hour <= 10; hour++) {
    send(at(n, hour), 'kitchen-pir', true);
    send(at(n, hour, 1), 'kitchen-pir', false);
    if (hour < 10) send(at(n, hour, 20), 'living-pir', true);
    if (hour < 10) send(at(n, hour, 21), 'living-pir', false);
  }
  const from = h.clock.now();
  h.advanceBy(24 * HOUR_MS);
  return h
    .raised()
    .filter((d) => d.at >= from)
    .map((d) => d.kind);
}

/** Ten days with every device, then four without `dying` (found dead after three of the home's living days). */
function livedThenDied(h: Harness, dying: string, kitchenVisits?: number): void {
  for (let n = 0; n < 10; n++) day(h, n, [], kitchenVisits);
  for (let n = 10; n < 14; n++) day(h, n, [dying], kitchenVisits);
}

describe('a dead device holds off only the silences it used to end', () => {
  it("a dead bedroom door, which never ended a kitchen silence, leaves the kitchen's possible-fall armed", () => {
    const h = new Harness(config, MONDAY);
    livedThenDied(h, 'bedroom-door');
    const calls = collapseInKitchen(h, 14, ['bedroom-door']);
    expect(calls[0]).toBe('possible-fall');
  });

  it("a dead living-room PIR, which ended every kitchen silence, still holds the kitchen's possible-fall off", () => {
    const h = new Harness(config, MONDAY);
    livedThenDied(h, 'living-pir');
    const calls = collapseInKitchen(h, 14, ['living-pir']);
    expect(calls).not.toContain('possible-fall');
    expect(calls).toContain('inactivity');
    const inactivity = h.raised('inactivity').find((d) => d.at >= at(14, 10))!;
    // The card says where the checks are paused: the kitchen, and the bedroom (its door's 20 silences are too few to
    // say); not the hall (its silences end in the kitchen or the bedroom).
    expect(inactivity.detail).toMatchObject({
      deadDevices: [expect.objectContaining({ id: 'living-pir' })],
      roomChecksPaused: ['bedroom', 'kitchen'],
    });
  });

  it('while the silences that began at a device are too few to say, they are held off as in session 29', () => {
    const h = new Harness(config, MONDAY);
    // One kitchen visit a day: ten silences begun in the kitchen before the bedroom door dies, not enough to say.
    livedThenDied(h, 'bedroom-door', 1);
    const calls = collapseInKitchen(h, 14, ['bedroom-door']);
    expect(calls).not.toContain('possible-fall');
    // The hall's are held too (the bedroom door ended half of them); the living room's are not.
    const inactivity = h.raised('inactivity').find((d) => d.at >= at(14, 10));
    expect(inactivity?.detail).toMatchObject({ roomChecksPaused: ['hall', 'kitchen'] });
  });

  it('the counts survive a restart (while a device is dead they are not counted again)', () => {
    const h = new Harness(config, MONDAY);
    livedThenDied(h, 'bedroom-door');
    h.restart();
    expect(collapseInKitchen(h, 14, ['bedroom-door'])[0]).toBe('possible-fall');
  });

  it('a state without the counts (as after an upgrade) holds off every silence, and the card says so', () => {
    const h = new Harness(config, MONDAY);
    livedThenDied(h, 'bedroom-door');
    h.restart(config, (state) => {
      delete (state.homes as Record<string, { silenceEnds?: unknown }>).h1!.silenceEnds;
    });
    expect(collapseInKitchen(h, 14, ['bedroom-door'])).not.toContain('possible-fall');
    const inactivity = h.raised('inactivity').find((d) => d.at >= at(14, 10));
    expect(inactivity?.detail).toMatchObject({ roomChecksPaused: 'all' });
  });

  it('a saved state of version 6 (before the counts) is not restored: the hub rebuilds it from the stored events', () => {
    const h = new Harness(config, MONDAY);
    day(h, 0);
    const state = h.engine.exportState() as { version: number };
    expect(RulesEngine.acceptsState(state)).toBe(true);
    expect(RulesEngine.acceptsState({ ...state, version: 6 })).toBe(false);
  });
});

describe('which device ended the silences that began at each (SilenceEnds)', () => {
  it("counts a day's silences from the next local day on", () => {
    const ends = new SilenceEnds();
    ends.record('kitchen-pir', 'living-pir', 100, 9);
    expect(ends.share('kitchen-pir', new Set(['living-pir']), 100)).toEqual({ silences: 0, share: 0 });
    expect(ends.share('kitchen-pir', new Set(['living-pir']), 101)).toEqual({ silences: 1, share: 1 });
    ends.record('kitchen-pir', 'hall-pir', 101, 9);
    expect(ends.share('kitchen-pir', new Set(['living-pir']), 101)).toEqual({ silences: 1, share: 1 });
    expect(ends.share('kitchen-pir', new Set(['living-pir']), 102)).toEqual({ silences: 2, share: 0.5 });
  });

  it('keeps a bounded memory that weighs the recent silences, and comes back from its saved state', () => {
    const ends = new SilenceEnds();
    for (let i = 0; i < 1000; i++) ends.record('kitchen-pir', 'living-pir', i, i % 24);
    for (let i = 0; i < 1000; i++) ends.record('kitchen-pir', 'hall-pir', 1000 + i, i % 24);
    for (let i = 0; i < 100; i++) ends.record(`pir-${i}`, `other-${i % 50}`, 2000, 12);
    const back = SilenceEnds.fromState(JSON.parse(JSON.stringify(ends.exportState())));
    const share = back.share('kitchen-pir', new Set(['hall-pir']), 3000);
    expect(share.silences).toBeLessThanOrEqual(200);
    expect(share.share).toBeGreaterThan(0.99);
    expect(back.share('pir-7', new Set(['other-7']), 3000)).toEqual({ silences: 1, share: 1 });
    expect(SilenceEnds.fromState({ settled: { x: { y: 'many' } }, day: 'today' }).exportState()).toEqual({
      settled: {},
      day: -1,
      today: {},
    });
  });
});
