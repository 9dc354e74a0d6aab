// tamper: a device reports its casing opened or that it was moved; medium, at once.
import type { RuleContext } from './context.js';
import type { DeviceState, HomeState } from './home-state.js';
import type { RuleDefinition } from './registry.js';
import type { SensorEvent } from './types.js';

/**
 * Per device that reported tampering: whether it is tampered now (one raise per tampering), and since when (the
 * report's time; absent in a state saved before session 67). The devices page reads both (`deviceLiveness`): the
 * installer is to close the casing or fix the sensor back whether or not a responder has closed the alert.
 */
export interface TamperSlice {
  tampered: boolean;
  since?: number;
}

export const tamperRule = {
  name: 'tamper',
  events: ['tamper'],
  // Version 0 (the flat device record of state version 5) and 1 (`{ tampered: true }`) are read as tampered since an
  // unknown time; `since` was added in session 67 without a new version (an older hub reading it ignores it).
  deviceState: {
    version: 1,
    create: (): TamperSlice => ({ tampered: false }),
    save: (slice: TamperSlice) =>
      slice.tampered
        ? slice.since === undefined
          ? { tampered: true }
          : { tampered: true, since: slice.since }
        : undefined,
    load: (saved: unknown): TamperSlice | undefined => {
      const { tampered, since } = saved as { tampered?: unknown; since?: unknown };
      if (tampered !== true) return undefined;
      return typeof since === 'number' && Number.isFinite(since) ? { tampered: true, since } : { tampered: true };
    },
  },

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
    if (!tampered) {
      delete state.since;
      return;
    }
    state.since = at;
    ctx.raise(home, 'tamper', 'medium', at, { device, episodic: false, detail: { deviceKind: device.kind } });
  },
} satisfies RuleDefinition<undefined, TamperSlice>;
