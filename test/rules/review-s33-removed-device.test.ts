// Review (session 33): a device taken out of the configuration (a wearable handed back, a sensor replaced by a new one
// under a new id) is heard no more. A restart or a reload brought its saved state back, with its timers, and saved it
// again with every snapshot, for good: the snapshot grew with every device that came and went (a wearable's fall
// detector, its 2.56 s history, 11-18 KB each), and its silence timer called it offline 25 h later, an alert no report
// of it could ever clear.
import { describe, expect, it } from 'vitest';
import { HOUR_MS, SECOND_MS } from '../../rules/time.js';
import type { HomeConfig } from '../../rules/types.js';
import { DEVICES, Harness, home, MONDAY } from './factories.js';

/** One second of a wearer sitting still (gravity on z), as a wearable sends it. */
function stillSecond(rate: number): { rate: number; samples: [number, number, number][] } {
  return { rate, samples: Array.from({ length: rate }, (_, i) => [0.01 * (i % 3), 0.02, 0.99]) };
}

function without(id: string): HomeConfig {
  return home({ devices: DEVICES.filter((d) => d.id !== id) });
}

function savedDevices(h: Harness): Record<string, unknown> {
  const state = h.engine.exportState() as { homes: Record<string, { devices: Record<string, unknown> }> };
  return state.homes.h1!.devices;
}

describe('a device taken out of the configuration', () => {
  it("leaves the snapshot: a wearable handed back takes its fall detector's history with it", () => {
    const h = new Harness(undefined, MONDAY);
    for (let i = 0; i < 4; i++) h.at(i === 0 ? 0 : SECOND_MS, 'watch', 'accel', stillSecond(50));
    h.at(SECOND_MS, 'hall-pir', 'motion', true);
    const withWatch = JSON.stringify(h.engine.exportState()).length;
    expect(savedDevices(h)).toHaveProperty('watch');
    // Handed back: the configuration without it, then restarts and reloads as they come.
    h.restart(without('watch'));
    h.advanceBy(HOUR_MS);
    h.restart(without('watch'));
    expect(savedDevices(h)).not.toHaveProperty('watch');
    expect(savedDevices(h)).toHaveProperty('hall-pir');
    // The detector's history was most of the home's snapshot.
    expect(JSON.stringify(h.engine.exportState()).length).toBeLessThan(withWatch - 5_000);
    // Given to the resident again: a new device, its samples taken as they come.
    h.restart(home());
    h.at(0, 'watch', 'accel', stillSecond(50));
    expect(savedDevices(h)).toHaveProperty('watch');
  });

  it('is not called offline for its silence (a sensor replaced), while one still configured is', () => {
    const silentDay = (config: HomeConfig): Harness => {
      const h = new Harness(undefined, MONDAY);
      h.at(0, 'kitchen-pir', 'motion', true);
      h.restart(config);
      // The hall's sensor reports all the while; nothing from the kitchen's for 30 h.
      for (let i = 0; i < 30; i++) h.at(HOUR_MS, 'hall-pir', 'motion', i % 2 === 0);
      return h;
    };
    expect(silentDay(without('kitchen-pir')).raised('sensor-offline')).toEqual([]);
    expect(
      silentDay(home())
        .raised('sensor-offline')
        .map((d) => d.deviceId),
    ).toEqual(['kitchen-pir']);
  });
});
