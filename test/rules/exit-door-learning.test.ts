// A home whose way out nobody marked (an installer who gave every contact the kind `door`, a recording whose sensors
// are only codes): every outing was a silence the rules called about. The door that begins and ends the home's
// daytime silences is learned as the way out (session 42; eval/README.md "Twenty-fifth round").
import { describe, expect, it } from 'vitest';
import { Harness, MONDAY, home } from './factories.js';
import { ExitDoorLearner, EXIT_MIN_SILENCES } from '../../rules/exit-door-learning.js';
import { INACTIVITY_FAMILY } from '../../rules/vocabulary.js';
import { DAY_MS, HOUR_MS } from '../../rules/time.js';
import type { DeviceConfig } from '../../rules/types.js';

/** The front door and the bedroom door are contacts of kind `door` with no room: nothing says which is the way out. */
const UNMARKED: DeviceConfig[] = [
  { id: 'c1', kind: 'door' },
  { id: 'c2', kind: 'door' },
  { id: 'kitchen-pir', kind: 'motion', room: 'kitchen' },
  { id: 'living-pir', kind: 'motion', room: 'living' },
];
const FAMILY: readonly string[] = INACTIVITY_FAMILY;

/** Moves `h`'s clock to `hour` (local = UTC here) of day `day` after MONDAY. */
function to(h: Harness, day: number, hour: number): number {
  return MONDAY + day * DAY_MS + hour * HOUR_MS - h.clock.now();
}

/** Up and about from `from` to `until` (hours of day `day`): the kitchen and living PIRs by turns every 20 min. */
function about(h: Harness, day: number, from: number, until: number): void {
  for (let t = from; t < until; t += 1 / 3) {
    const pir = Math.round(t * 3) % 2 === 0 ? 'kitchen-pir' : 'living-pir';
    h.at(to(h, day, t), pir, 'motion', true);
    h.at(30_000, pir, 'motion', false);
  }
}

/** A door opened and shut (20 s) at `hour` of day `day`. */
function door(h: Harness, id: string, day: number, hour: number): void {
  h.at(to(h, day, hour), id, 'contact', false);
  h.at(20_000, id, 'contact', true);
}

/** An ordinary day: up at 07:00 through c2 (the bedroom's), out through c1 from 10:00 for `outHours`, to bed at 22:00. */
function ordinaryDay(h: Harness, day: number, outHours = 3): void {
  door(h, 'c2', day, 7);
  about(h, day, 7.05, 10);
  door(h, 'c1', day, 10);
  door(h, 'c1', day, 10 + outHours);
  about(h, day, 10 + outHours + 0.02, 22);
  door(h, 'c2', day, 22);
}

function familyBetween(h: Harness, from: number, to: number): string[] {
  return h
    .raised()
    .filter((d) => d.at > from && d.at <= to && FAMILY.includes(d.kind))
    .map((d) => d.kind);
}

describe('a way out nobody marked is learned from the home’s own silences', () => {
  it('after a few outings through it, a long outing through that door is not called; a restart keeps it', () => {
    const h = new Harness(home({ devices: UNMARKED }), MONDAY);
    for (let day = 0; day < 6; day++) ordinaryDay(h, day);
    h.restart();
    // Day 6: out from 10:00 to 17:30. Before: inactivity called at 14:00 (the cold-start day allowance, 4 h).
    const outAt = MONDAY + 6 * DAY_MS + 10 * HOUR_MS;
    ordinaryDay(h, 6, 7.5);
    expect(familyBetween(h, outAt, outAt + 7.5 * HOUR_MS)).toEqual([]);
    expect(h.engine.exportState()).toMatchObject({ homes: { h1: { exitLearning: { learned: ['c1'] } } } });
    // What the devices page and the hub's log read (session 43).
    expect(h.engine.exitDoorsLearned()).toEqual(new Map([['h1', ['c1']]]));
    expect(h.engine.deviceLiveness('h1')?.get('c1')?.wayOutLearned).toBe(true);
    expect(h.engine.deviceLiveness('h1')?.get('c2')?.wayOutLearned).toBe(false);
  });

  it('guard: a collapse at home after the kitchen is still called the same day', () => {
    const h = new Harness(home({ devices: UNMARKED }), MONDAY);
    for (let day = 0; day < 6; day++) ordinaryDay(h, day);
    door(h, 'c2', 6, 7);
    about(h, 6, 7.05, 11);
    const last = h.clock.now();
    h.advanceBy(12 * HOUR_MS);
    const first = h.raised().find((d) => d.at > last && FAMILY.includes(d.kind));
    expect(first).toBeDefined();
    expect(first!.at - last).toBeLessThanOrEqual(4 * HOUR_MS);
  });

  it('guard: with the same days but outings of 45 min, nothing is learned (no silence long enough)', () => {
    const h = new Harness(home({ devices: UNMARKED }), MONDAY);
    for (let day = 0; day < 6; day++) ordinaryDay(h, day, 0.2);
    const saved = (h.engine.exportState() as { homes: Record<string, { exitLearning?: { learned?: string[] } }> }).homes
      .h1!;
    expect(saved.exitLearning?.learned).toBeUndefined();
  });

  it('a configuration that names an exit door later wins over the door learned (after a restart)', () => {
    const h = new Harness(home({ devices: UNMARKED }), MONDAY);
    for (let day = 0; day < 6; day++) ordinaryDay(h, day);
    // The installer marks c2 (say the door learned was wrong): c1 is a plain door again, and nothing more is learned.
    const marked = home({ devices: UNMARKED.map((d) => (d.id === 'c2' ? { ...d, kind: 'exit-door' as const } : d)) });
    h.restart(marked);
    const outAt = MONDAY + 6 * DAY_MS + 10 * HOUR_MS;
    ordinaryDay(h, 6, 7.5);
    expect(familyBetween(h, outAt, outAt + 7.5 * HOUR_MS)).toEqual(['inactivity']);
    const saved = (h.engine.exportState() as { homes: Record<string, Record<string, unknown>> }).homes.h1!;
    expect(saved.exitLearning).toBeUndefined();
  });

  it('a home with an exit door configured learns nothing (the installer’s word stands)', () => {
    const devices = UNMARKED.map((d) => (d.id === 'c1' ? { ...d, kind: 'exit-door' as const } : d));
    const h = new Harness(home({ devices }), MONDAY);
    for (let day = 0; day < 6; day++) ordinaryDay(h, day);
    const saved = (h.engine.exportState() as { homes: Record<string, Record<string, unknown>> }).homes.h1!;
    expect(saved.exitLearning).toBeUndefined();
  });
});

describe('ExitDoorLearner', () => {
  const hourOf = { minuteOfDay: (ts: number): number => (ts % DAY_MS) / 60_000 };
  /** A silence of `hours` begun at `atHour` of day `day` by door `id` and ended by it (a PIR an hour before). */
  function silence(l: ExitDoorLearner, id: string, day: number, atHour: number, hours = 2): string | undefined {
    const start = day * DAY_MS + atHour * HOUR_MS;
    l.observe({ deviceId: 'pir', door: false, room: 'hall', heldEnd: false, at: start - HOUR_MS }, hourOf);
    l.observe({ deviceId: id, door: true, room: undefined, heldEnd: false, at: start }, hourOf);
    return l.observe(
      { deviceId: id, door: true, room: undefined, heldEnd: false, at: start + hours * HOUR_MS },
      hourOf,
    );
  }

  it('takes the door with enough daytime silences, not before', () => {
    const l = new ExitDoorLearner();
    for (let d = 0; d < EXIT_MIN_SILENCES - 1; d++) expect(silence(l, 'front', d, 11)).toBeUndefined();
    expect(silence(l, 'front', EXIT_MIN_SILENCES, 11)).toBe('front');
    expect(l.learned).toEqual(['front']);
  });

  it('a door whose silences are nights (a bedroom door) is never the way out', () => {
    const l = new ExitDoorLearner();
    for (let d = 0; d < 10; d++) {
      silence(l, 'bedroom', d, 23, 8);
      if (d % 3 === 0) silence(l, 'bedroom', d, 14, 1);
    }
    expect(l.learned).toEqual([]);
  });

  it('a rival door with daytime silences of its own holds off the choice until one leads three to one', () => {
    const l = new ExitDoorLearner();
    for (let d = 0; d < 2; d++) silence(l, 'hall', d, 12);
    for (let d = 2; d < 7; d++) expect(silence(l, 'front', d, 12)).toBeUndefined();
    expect(silence(l, 'front', 7, 12)).toBe('front');
  });

  it('a door in a bedroom or a bathroom is never counted; a PIR in between ends the silence', () => {
    const l = new ExitDoorLearner();
    for (let d = 0; d < 8; d++) {
      const start = d * DAY_MS + 12 * HOUR_MS;
      l.observe({ deviceId: 'bath', door: true, room: 'bathroom', heldEnd: false, at: start }, hourOf);
      l.observe({ deviceId: 'bath', door: true, room: 'bathroom', heldEnd: false, at: start + HOUR_MS }, hourOf);
      l.observe({ deviceId: 'front', door: true, room: undefined, heldEnd: false, at: start + 2 * HOUR_MS }, hourOf);
      l.observe({ deviceId: 'pir', door: false, room: 'hall', heldEnd: false, at: start + 2.5 * HOUR_MS }, hourOf);
      l.observe({ deviceId: 'front', door: true, room: undefined, heldEnd: false, at: start + 3.5 * HOUR_MS }, hourOf);
    }
    expect(l.learned).toEqual([]);
    expect(l.exportState()).toBeUndefined();
  });

  it('a second way out (a back door) is taken once its own outings lead the doors left', () => {
    const l = new ExitDoorLearner();
    for (let d = 0; d < 4; d++) silence(l, 'front', d, 10);
    expect(l.learned).toEqual(['front']);
    // The back door's outings: the front door, taken already, is no rival any more.
    for (let d = 4; d < 7; d++) expect(silence(l, 'back', d, 15)).toBeUndefined();
    expect(silence(l, 'back', 7, 15)).toBe('back');
    expect(l.learned).toEqual(['front', 'back']);
  });

  it('is saved and read back; a saved door that is not this home’s is dropped', () => {
    const l = new ExitDoorLearner();
    for (let d = 0; d <= EXIT_MIN_SILENCES; d++) silence(l, 'front', d, 11);
    const state = JSON.parse(JSON.stringify(l.exportState())) as unknown;
    expect(ExitDoorLearner.fromState(state, (id) => id === 'front').learned).toEqual(['front']);
    expect(ExitDoorLearner.fromState(state, () => false).learned).toEqual([]);
    expect(ExitDoorLearner.fromState({ counts: { front: ['x', -1] }, learned: 7 }, () => true).exportState()).toEqual({
      counts: { front: [0, 0] },
    });
  });
});
