// Review, session 59: a device's silence (sensor-offline) and a room's cold spell (cold / heat) are timed by the
// allowance of the configuration in force when the timer was armed. An installer who changed the allowance and reloaded
// (or restarted with the new file) saw it applied only from the device's next report: a device was called offline at
// the old 25 h, its alert saying "silent for 49 h".
import { describe, expect, it } from 'vitest';
import { HOUR_MS, MINUTE_MS } from '../../rules/time.js';
import { Harness, home, MONDAY } from './factories.js';

const NOON = MONDAY + 12 * HOUR_MS;

describe('an allowance changed by a reload applies to the timers already armed', () => {
  it('sensor-offline raised from 25 h to 49 h: a device silent for 30 h is not called offline', () => {
    const h = new Harness(home(), NOON);
    h.at(0, 'thermo', 'heartbeat', true);
    h.advanceBy(20 * HOUR_MS);
    // A sensor that reports only every day and a half: the installer allows it 49 h.
    h.restart(home({}, { sensorOffline: { silentHours: 49 } }));
    h.watch();
    h.advanceBy(10 * HOUR_MS);
    expect(h.raised('sensor-offline').filter((d) => d.deviceId === 'thermo')).toEqual([]);
    h.advanceBy(20 * HOUR_MS);
    expect(
      h
        .raised('sensor-offline')
        .filter((d) => d.deviceId === 'thermo')
        .map((d) => [d.at, d.detail.reason]),
    ).toEqual([[NOON + 49 * HOUR_MS, 'silent for 49 h']]);
  });

  it('sensor-offline lowered from 25 h to 12 h: a device silent for 12 h is called then, not at 25 h', () => {
    const h = new Harness(home(), NOON);
    h.at(0, 'thermo', 'heartbeat', true);
    h.advanceBy(2 * HOUR_MS);
    h.restart(home({}, { sensorOffline: { silentHours: 12 } }));
    h.watch();
    h.advanceBy(20 * HOUR_MS);
    expect(
      h
        .raised('sensor-offline')
        .filter((d) => d.deviceId === 'thermo')
        .map((d) => [d.at, d.detail.reason]),
    ).toEqual([[NOON + 12 * HOUR_MS, 'silent for 12 h']]);
  });

  it('cold raised from 2 h to 4 h: a room cold for 3 h is not called', () => {
    const h = new Harness(home(), NOON);
    h.at(0, 'thermo', 'temperature', 15);
    h.advanceBy(30 * MINUTE_MS);
    h.restart(home({}, { climate: { sustainMinutes: 240 } }));
    h.watch();
    h.advanceBy(150 * MINUTE_MS);
    expect(h.raised('cold')).toEqual([]);
    h.advanceBy(HOUR_MS);
    expect(h.raised('cold').map((d) => d.at)).toEqual([NOON + 4 * HOUR_MS]);
  });
});
