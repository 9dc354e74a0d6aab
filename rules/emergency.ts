// pendant, fall, smoke, co, gas, flood: raised at once, critical.
import type { RuleContext } from './context.js';
import type { DeviceState, HomeState } from './home-state.js';
import type { SensorEvent } from './types.js';
import type { AlertKind } from './vocabulary.js';

const EMERGENCY_KIND: Partial<Record<SensorEvent['type'], AlertKind>> = {
  pendant: 'pendant',
  fall: 'fall',
  smoke: 'smoke',
  co: 'co',
  gas: 'gas',
  water: 'flood',
};

export const emergencyRule = {
  onEvent(h: HomeState, device: DeviceState, event: SensorEvent, at: number, c: RuleContext): void {
    const kind = EMERGENCY_KIND[event.type];
    if (!kind) return;
    const hazard = kind !== 'pendant' && kind !== 'fall';
    if (event.value !== true) {
      if (hazard) device.hazardOn = false;
      return;
    }
    // A hazard detector repeats its state while the alarm lasts: one raise per alarm.
    if (hazard) {
      if (device.hazardOn) return;
      device.hazardOn = true;
    }
    c.raise(h, kind, 'critical', at, {
      device,
      room: event.room ?? device.room,
      episodic: false,
      detail: { eventType: event.type, source: event.source },
    });
  },
};
