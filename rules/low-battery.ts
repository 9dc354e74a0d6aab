// low-battery: battery at or below 15 %, or the device's own battery_low flag.
import type { RuleContext } from './context.js';
import type { DeviceState, HomeState } from './home-state.js';
import type { DeviceSlices, RuleDefinition } from './registry.js';
import type { SensorEvent } from './types.js';

/** Hysteresis, so a reading wobbling around the limit does not raise again and again. */
const RECOVER_ABOVE_PERCENT = 5;

/**
 * Per device that reported its battery: whether it is low now (one raise until it recovers), and its latest reported
 * percentage (undefined before one: a device that only says `battery_low`), shown on the devices page (session 34).
 */
export interface BatterySlice {
  low: boolean;
  percent: number | undefined;
}

/**
 * Saved while low or once a percentage was reported. Version 0 is the flat device record of state version 5
 * (`batteryLow`); version 1 the flag alone (before session 34).
 */
const batterySlices: DeviceSlices<BatterySlice> = {
  version: 2,
  create: () => ({ low: false, percent: undefined }),
  save: (slice) =>
    slice.low || slice.percent !== undefined
      ? { low: slice.low, ...(slice.percent === undefined ? {} : { percent: slice.percent }) }
      : undefined,
  load: (saved, version) => {
    const s = saved as Record<string, unknown>;
    const low = s[version === 0 ? 'batteryLow' : 'low'] === true;
    const percent = version >= 2 && typeof s.percent === 'number' && Number.isFinite(s.percent) ? s.percent : undefined;
    return low || percent !== undefined ? { low, percent } : undefined;
  },
};

export const lowBatteryRule = {
  name: 'low-battery',
  events: ['battery', 'battery_low'],
  deviceState: batterySlices,

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
      battery.percent = event.value;
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
