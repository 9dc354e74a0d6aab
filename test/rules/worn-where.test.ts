// A worn device's alert (a pendant press, a wearable's fall) says where the home's own sensors last placed someone,
// not only the worn device's configured room (session 36, docs/consoles.md "The people at the screen, round 4").
import { describe, expect, it } from 'vitest';
import type { DeviceConfig } from '../../rules/types.js';
import { ev, Harness, home, MONDAY } from './factories.js';
import { fallSegments, first, render, toMessages } from '../fall/signals.js';

const MIN = 60_000;
/** The worn devices configured in the living room, as the simulator's homes have them. */
const WORN_IN_LIVING: DeviceConfig[] = [
  { id: 'pendant', kind: 'pendant', room: 'living', residentId: 'r1' },
  { id: 'watch', kind: 'wearable', room: 'living', residentId: 'r1' },
  { id: 'hall-pir', kind: 'motion', room: 'hall' },
  { id: 'kitchen-pir', kind: 'motion', room: 'kitchen' },
  { id: 'front', kind: 'exit-door', room: 'entrance' },
];

describe("a worn device's alert says where the home's sensors last saw someone", () => {
  it('a pendant press: the room of the last sensor that saw someone, which, and how long before', () => {
    const h = new Harness(home({ devices: WORN_IN_LIVING }), MONDAY + 3 * 3_600_000);
    h.at(0, 'hall-pir', 'motion', true);
    h.at(MIN, 'hall-pir', 'motion', false); // a clearing: not a sighting (the hall had been still for its hold)
    h.at(12 * MIN, 'pendant', 'pendant', true);
    const [press] = h.raised('pendant');
    expect(press!.room).toBe('living'); // SPEC's field: the configured room, unchanged
    expect(press!.detail).toMatchObject({
      eventType: 'pendant',
      worn: true,
      seenRoom: 'hall',
      seenDeviceId: 'hall-pir',
      seenDeviceKind: 'motion',
      seenAt: new Date(MONDAY + 3 * 3_600_000).toISOString(),
      seenMinutesBefore: 13,
    });
    expect(press!.detail).not.toHaveProperty('out');
  });

  it('a second press names the sensors, not the first press (a pendant says nothing of the room)', () => {
    const h = new Harness(home({ devices: WORN_IN_LIVING }), MONDAY + 3 * 3_600_000);
    h.at(0, 'kitchen-pir', 'motion', true);
    h.at(2 * MIN, 'pendant', 'pendant', true);
    h.at(MIN, 'pendant', 'pendant', false);
    h.at(MIN, 'pendant', 'pendant', true);
    expect(h.raised('pendant').map((a) => a.detail.seenRoom)).toEqual(['kitchen', 'kitchen']);
    expect(h.raised('pendant')[1]!.detail.seenMinutesBefore).toBe(4);
  });

  it('names no room before any sensor of the home has seen anyone, and says when the home took them as out', () => {
    const h = new Harness(home({ devices: WORN_IN_LIVING }), MONDAY + 3 * 3_600_000);
    h.at(0, 'pendant', 'pendant', true);
    expect(h.raised('pendant')[0]!.detail).toMatchObject({
      worn: true,
      seenRoom: null,
      seenDeviceId: null,
      seenAt: null,
      seenMinutesBefore: null,
    });
    h.at(MIN, 'front', 'contact', false);
    h.at(MIN / 2, 'front', 'contact', true);
    h.advanceBy(30 * MIN);
    h.at(0, 'pendant', 'pendant', false);
    h.at(MIN, 'pendant', 'pendant', true);
    expect(h.raised('pendant')[1]!.detail).toMatchObject({
      seenRoom: 'entrance',
      seenDeviceKind: 'exit-door',
      out: true,
    });
  });

  it('the sighting survives a restart', () => {
    const h = new Harness(home({ devices: WORN_IN_LIVING }), MONDAY + 3 * 3_600_000);
    h.at(0, 'kitchen-pir', 'motion', true);
    h.restart();
    h.at(5 * MIN, 'pendant', 'pendant', true);
    expect(h.raised('pendant')[0]!.detail).toMatchObject({ seenRoom: 'kitchen', seenMinutesBefore: 5 });
  });

  it('a state saved before session 36 (no sighting): the last activity stands for it, unless a worn device reported it', () => {
    const h = new Harness(home({ devices: WORN_IN_LIVING }), MONDAY + 3 * 3_600_000);
    h.at(0, 'kitchen-pir', 'motion', true);
    const unsaved = (state: Record<string, unknown>): void => {
      const homes = state.homes as Record<string, Record<string, unknown>>;
      expect(homes.h1).toHaveProperty('sighting');
      delete homes.h1!.sighting;
    };
    h.restart(h.config, unsaved);
    h.at(5 * MIN, 'pendant', 'pendant', true);
    expect(h.raised('pendant')[0]!.detail).toMatchObject({ seenRoom: 'kitchen', seenMinutesBefore: 5 });
    // The press is now the last activity: from it, no room is taken.
    h.restart(h.config, unsaved);
    h.at(MIN, 'pendant', 'pendant', false);
    h.at(MIN, 'pendant', 'pendant', true);
    expect(h.raised('pendant')[1]!.detail).toMatchObject({ seenRoom: null });
  });

  it("a smoke alarm's detail is unchanged: its room is where it is", () => {
    const h = new Harness();
    h.at(0, 'kitchen-pir', 'motion', true);
    h.at(MIN, 'smoke', 'smoke', true);
    expect(h.raised('smoke')[0]!.detail).not.toHaveProperty('worn');
    expect(h.raised('smoke')[0]!.detail).not.toHaveProperty('seenRoom');
  });

  it("a fall the hub found in a wearable's movement says the same", () => {
    const start = MONDAY + 9 * 3_600_000;
    const h = new Harness(home({ devices: WORN_IN_LIVING }), start - 7 * MIN);
    h.at(0, 'kitchen-pir', 'motion', true);
    for (const m of toMessages(render(fallSegments(2.9), 100), 100, start))
      h.send(ev(m.ts, 'watch', 'accel', m.value, h.config));
    h.advanceBy(3_600_000);
    const fall = first(h.raised('fall'));
    expect(fall.room).toBe('living');
    expect(fall.detail).toMatchObject({
      source: 'wearable',
      worn: true,
      seenRoom: 'kitchen',
      seenDeviceId: 'kitchen-pir',
      seenDeviceKind: 'motion',
    });
    expect(fall.detail.seenMinutesBefore).toBeGreaterThanOrEqual(7);
  });
});
