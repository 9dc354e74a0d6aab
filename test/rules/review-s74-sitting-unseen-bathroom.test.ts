// A home where nothing sees where the resident sits (no device in a living room or any room one sits in, no chair
// mat): leaving the bathroom by day to sit down is seen by nothing, so the silence after a bathroom sign is given the
// visit's own allowance (bathroom-too-long's 60 min) before it is a possible fall, not a fall's 45 min (session 74,
// issue 11: Kasteren C without its couch mat, the resident from the upstairs bathroom to the fridge 44 min later,
// called a possible fall at 43-45 min on four days of three layouts).
import { describe, expect, it } from 'vitest';
import type { DeviceConfig, HomeConfig } from '../../rules/types.js';
import { HOUR_MS, MINUTE_MS } from '../../rules/time.js';
import { Harness, home, MONDAY } from './factories.js';

/** Front door, kitchen and bathroom PIRs, a bedroom PIR and the fridge: nothing where one sits. */
const SPARSE: DeviceConfig[] = [
  { id: 'front', kind: 'exit-door', room: 'entrance' },
  { id: 'kitchen-pir', kind: 'motion', room: 'kitchen' },
  { id: 'bathroom-pir', kind: 'motion', room: 'bathroom' },
  { id: 'bedroom-pir', kind: 'motion', room: 'bedroom' },
  { id: 'fridge', kind: 'door', room: 'kitchen' },
];
const layout = (...extra: DeviceConfig[]): HomeConfig => home({ devices: [...SPARSE, ...extra] });

const kinds = (h: Harness): [string, number][] => h.raised().map((d) => [d.kind, d.at]);

/** The bathroom PIR at `hour` (UTC, the home's zone) for a minute, then nothing. */
function bathroomThenSilence(config: HomeConfig, hour: number): { h: Harness; enteredAt: number; lastAt: number } {
  const h = new Harness(config, MONDAY + hour * HOUR_MS);
  const enteredAt = h.clock.now();
  h.at(0, 'bathroom-pir', 'motion', true);
  h.at(MINUTE_MS, 'bathroom-pir', 'motion', false);
  return { h, enteredAt, lastAt: h.clock.now() };
}

describe('a home where nothing sees where the resident sits: the bathroom by day', () => {
  it('back in the kitchen 50 min after the bathroom: no call-out (was a possible fall at 45 min)', () => {
    const { h } = bathroomThenSilence(layout(), 10);
    h.advanceBy(50 * MINUTE_MS);
    h.at(0, 'kitchen-pir', 'motion', true);
    h.at(MINUTE_MS, 'kitchen-pir', 'motion', false);
    h.advanceBy(20 * MINUTE_MS);
    expect(h.raised()).toEqual([]);
  });

  it('a collapse in the bathroom is still called, at the visit allowance (60 min from entering)', () => {
    const { h, enteredAt } = bathroomThenSilence(layout(), 10);
    h.advanceBy(59 * MINUTE_MS - MINUTE_MS);
    expect(h.raised()).toEqual([]);
    h.advanceBy(4 * HOUR_MS);
    expect(kinds(h)).toEqual([['bathroom-too-long', enteredAt + 60 * MINUTE_MS]]);
  });

  it('the same across a restart 20 min into the silence (nothing saved; the layout decides)', () => {
    const { h } = bathroomThenSilence(layout(), 10);
    h.advanceBy(20 * MINUTE_MS);
    h.restart();
    h.advanceBy(30 * MINUTE_MS);
    h.at(0, 'kitchen-pir', 'motion', true);
    h.advanceBy(20 * MINUTE_MS);
    expect(h.raised()).toEqual([]);
  });

  it('guard: a living room with a thermometer only (session 25, an unseen resting room): no call at 45 min', () => {
    const { h } = bathroomThenSilence(layout({ id: 'thermo', kind: 'climate', room: 'living' }), 10);
    h.advanceBy(50 * MINUTE_MS);
    expect(h.raised()).toEqual([]);
  });

  it.each([
    ['a chair mat in the living room', { id: 'chair', kind: 'chair', room: 'living' }],
    ['a PIR in the living room', { id: 'living-pir', kind: 'motion', room: 'living' }],
    ['a PIR in the office', { id: 'office-pir', kind: 'motion', room: 'office' }],
  ] as const)('guard: %s sees the resident sit down: a possible fall at 45 min, as before', (_name, extra) => {
    const { h, lastAt } = bathroomThenSilence(layout(extra), 10);
    h.advanceBy(HOUR_MS);
    expect(kinds(h)).toEqual([['possible-fall', lastAt + 45 * MINUTE_MS]]);
  });

  it('a PIR in the garage (nobody sits there) does not see where one sits: no call at 45 min', () => {
    const { h } = bathroomThenSilence(layout({ id: 'garage-pir', kind: 'motion', room: 'garage' }), 10);
    h.advanceBy(50 * MINUTE_MS);
    expect(h.raised()).toEqual([]);
  });

  it('guard: at night the short value stands (the bed is seen by its PIR): a possible fall at 20 min', () => {
    const { h, lastAt } = bathroomThenSilence(layout(), 2);
    h.advanceBy(HOUR_MS);
    expect(kinds(h)[0]).toEqual(['possible-fall', lastAt + 20 * MINUTE_MS]);
  });

  it('guard: the kitchen by day keeps its 45 min (only the bathroom, whose visit has its own allowance)', () => {
    const h = new Harness(layout(), MONDAY + 12 * HOUR_MS);
    h.at(0, 'kitchen-pir', 'motion', true);
    h.at(MINUTE_MS, 'kitchen-pir', 'motion', false);
    const lastAt = h.clock.now();
    h.advanceBy(HOUR_MS);
    expect(kinds(h)).toEqual([['possible-fall', lastAt + 45 * MINUTE_MS]]);
  });
});
