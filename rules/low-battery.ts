// low-battery: battery at or below 15 %, or the device's own battery_low flag.
import type { RuleContext } from './context.js';
import type { DeviceState, HomeState } from './home-state.js';
import type { SensorEvent } from './types.js';

/** Hysteresis, so a reading wobbling around the limit does not raise again and again. */
const RECOVER_ABOVE_PERCENT = 5;

export const lowBatteryRule = {
  onEvent(h: HomeState, device: DeviceState, event: SensorEvent, at: number, c: RuleContext): void {
    const limit = h.params.lowBattery.percent;
    let low: boolean | undefined;
    if (event.type === 'battery' && typeof event.value === 'number') {
      if (event.value <= limit) low = true;
      else if (event.value > limit + RECOVER_ABOVE_PERCENT) low = false;
    } else if (event.type === 'battery_low' && typeof event.value === 'boolean') {
      low = event.value;
    }
    if (low === undefined || low === device.batteryLow) return;
    device.batteryLow = low;
    if (!low) return;
    c.raise(h, 'low-battery', 'low', at, {
      device,
      episodic: false,
      detail: { eventType: event.type, value: event.value },
    });
  },
};
