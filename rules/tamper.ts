// tamper: a device reports its casing opened or that it was moved; medium, at once.
import type { RuleContext } from './context.js';
import type { DeviceState, HomeState } from './home-state.js';
import { flagSlices, type RuleDefinition } from './registry.js';
import type { SensorEvent } from './types.js';

/** Per device that reported tampering: whether it is tampered now (one raise per tampering). */
export interface TamperSlice {
  tampered: boolean;
}

export const tamperRule = {
  name: 'tamper',
  events: ['tamper'],
  deviceState: flagSlices('tampered', 'tampered'),

  onEvent(
    home: HomeState,
    device: DeviceState,
    event: SensorEvent,
    at: number,
    ctx: RuleContext,
    _now: number,
    state: TamperSlice,
  ): void {
    const tampered = event.value;
    if (typeof tampered !== 'boolean' || tampered === state.tampered) return;
    state.tampered = tampered;
    if (!tampered) return;
    ctx.raise(home, 'tamper', 'medium', at, { device, episodic: false, detail: { deviceKind: device.kind } });
  },
} satisfies RuleDefinition<undefined, TamperSlice>;
