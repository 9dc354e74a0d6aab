// Review, session 61: a device named on the home's open `sensor-offline` alert taken out of the configuration while
// another device stays offline: the start or reload that follows repeats the alert for the one still offline (the
// hub's side, and the card, in test/alerts/review-s61-offline-replaced.test.ts). Here, the rules' decisions: once, and
// only when an offline device is gone.
import { describe, expect, it } from 'vitest';
import { HOUR_MS } from '../../rules/time.js';
import type { HomeConfig } from '../../rules/types.js';
import { DEVICES, Harness, home, MONDAY } from './factories.js';

function without(...ids: string[]): HomeConfig {
  return home({ devices: DEVICES.filter((d) => !ids.includes(d.id)) });
}

/** The kitchen's PIR and the front door's contact silent for 30 h while the hall's PIR reports. */
function bothSilent(): Harness {
  const h = new Harness(undefined, MONDAY);
  h.at(0, 'kitchen-pir', 'motion', true);
  h.at(0, 'front', 'contact', true);
  for (let i = 0; i < 30; i++) h.at(HOUR_MS, 'hall-pir', 'motion', i % 2 === 0);
  return h;
}

describe('the open sensor-offline alert after a device offline is taken out of the configuration', () => {
  it('is repeated once, for the configured device still offline, and only as a change to the open alert', () => {
    const h = bothSilent();
    expect(h.raised('sensor-offline').map((d) => d.deviceId)).toEqual(['kitchen-pir', 'front']);
    h.restart(without('front'));
    h.watch();
    const [repeat, ...more] = h.raised('sensor-offline').slice(2);
    expect(more).toEqual([]);
    expect(repeat).toMatchObject({ deviceId: 'kitchen-pir', room: 'kitchen', repeatOnly: true });
    expect(repeat?.detail.alsoOffline).toBeUndefined();
    expect(h.of('clear', 'sensor-offline')).toEqual([]);
    // Restarted again: nothing more.
    h.restart();
    h.watch();
    expect(h.raised('sensor-offline')).toHaveLength(3);
  });

  it('is not repeated at a restart or reload that takes out no device offline', () => {
    const h = bothSilent();
    h.restart();
    h.watch();
    h.restart(without('living-pir'));
    h.watch();
    expect(h.raised('sensor-offline')).toHaveLength(2);
  });
});
