// low-battery: battery at or below 15 %, or the device's own battery_low flag.
import type { RuleContext } from './context.js';
import type { DeviceState, HomeState } from './home-state.js';
import { flagSlices, type RuleDefinition } from './registry.js';
import type { SensorEvent } from './types.js';

/** Hysteresis, so a reading wobbling around the limit does not raise again and again. */
const RECOVER_ABOVE_PERCENT = 5;

/** Per device that reported its battery: whether it is low now (one raise until it recovers). */
export interface BatterySlice {
  low: boolean;
}

export const lowBatteryRule = {
  name: 'low-battery',
  events: ['battery', 'battery_low'],
  deviceState: flagSlices('low', 'batteryLow'),

  onEvent(
    home: HomeState,
    device: DeviceState,
    event: SensorEvent,
    at: number,
    ctx: RuleContext,
    _now: number,
    battery: BatterySlice,
  ): void {
    const limit = home.params.lowBattery.percent;
    let low: boolean | undefined;
    if (event.type === 'battery' && typeof event.value === 'number') {
      if (event.value <= limit) low = true;
      else if (event.value > limit + RECOVER_ABOVE_PERCENT) low = false;
    } else if (event.type === 'battery_low' && typeof event.value === 'boolean') {
      low = event.value;
    }
    if (low === undefined || low === battery.low) return;
    battery.low = low;
    if (!low) return;
    ctx.raise(home, 'low-battery', 'low', at, {
      device,
      episodic: false,
      detail: { eventType: event.type, value: event.value },
    });
  },
} satisfies RuleDefinition<undefined, BatterySlice>;
