// cold / heat: a room below 16 °C or above 30 °C for 2 hours.
import type { RuleContext } from './context.js';
import type { DeviceState, HomeState } from './home-state.js';
import { MINUTE_MS } from './time.js';

export const climateRule = {
  onTemperature(h: HomeState, device: DeviceState, tempC: number, at: number, c: RuleContext): void {
    const p = h.params.climate;
    const kind = tempC < p.coldBelowC ? 'cold' : tempC > p.heatAboveC ? 'heat' : undefined;
    if (kind === device.climateKind) return;
    if (device.climateKind !== undefined) {
      c.clear(h, device.climateKind, at, `temperature back to ${tempC} °C`);
    }
    device.climateKind = kind;
    if (kind === undefined) {
      device.climateSince = NaN;
      c.disarm(device.climateSlot);
    } else {
      device.climateSince = at;
      c.arm(device.climateSlot, at + p.sustainMinutes * MINUTE_MS);
    }
  },

  onTimer(h: HomeState, device: DeviceState, at: number, c: RuleContext): void {
    if (device.climateKind === undefined) return;
    const p = h.params.climate;
    c.raise(h, device.climateKind, 'medium', at, {
      device,
      episodic: true,
      detail: {
        sinceAt: new Date(device.climateSince).toISOString(),
        limitC: device.climateKind === 'cold' ? p.coldBelowC : p.heatAboveC,
        lastTempC: Number.isNaN(device.lastTempC) ? null : device.lastTempC,
      },
    });
  },
};
