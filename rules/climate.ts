// cold / heat: a room below 16 °C or above 30 °C for 2 hours.
import type { RuleContext } from './context.js';
import type { DeviceState, HomeState } from './home-state.js';
import { newTimerSlot, type RuleDefinition } from './registry.js';
import type { TimerSlot } from './timer-queue.js';
import { MINUTE_MS } from './time.js';
import type { SensorEvent } from './types.js';

/** Per device that reported a temperature. */
export interface ClimateSlice {
  /** Which way the temperature is out of range, and since when (undefined while in range). */
  kind: 'cold' | 'heat' | undefined;
  sinceAt: number | undefined;
  /** The last temperature reported (°C). */
  lastTempC: number | undefined;
  /** Due when the temperature has been out of range for `climate.sustainMinutes`. */
  readonly timer: TimerSlot;
}

interface SavedClimate {
  kind?: unknown;
  sinceAt?: unknown;
  lastTempC?: unknown;
}

const numberOr = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

function newSlice(device: DeviceState, home: HomeState): ClimateSlice {
  return {
    kind: undefined,
    sinceAt: undefined,
    lastTempC: undefined,
    timer: newTimerSlot(home.index, 'climate', device.id),
  };
}

/**
 * Whether another climate sensor of the home has been out of range this way for the rule's time: the alert is the
 * home's, so one room back in range does not clear it while another is still that cold (or hot). One out of range for
 * less raises it itself when its time is up.
 */
function otherRoomStillOut(home: HomeState, state: ClimateSlice, kind: 'cold' | 'heat', at: number): boolean {
  const sustainMs = home.params.climate.sustainMinutes * MINUTE_MS;
  for (const device of home.devices.values()) {
    const other = home.sliceOf(device, climateRule);
    if (other === undefined || other === state || other.kind !== kind || other.sinceAt === undefined) continue;
    if (at - other.sinceAt >= sustainMs) return true;
  }
  return false;
}

function onTemperature(home: HomeState, state: ClimateSlice, tempC: number, at: number, ctx: RuleContext): void {
  const p = home.params.climate;
  const kind = tempC < p.coldBelowC ? 'cold' : tempC > p.heatAboveC ? 'heat' : undefined;
  if (kind === state.kind) return;
  if (state.kind !== undefined && !otherRoomStillOut(home, state, state.kind, at))
    ctx.clear(home, state.kind, at, `temperature back to ${tempC} °C`);
  state.kind = kind;
  if (kind === undefined) {
    state.sinceAt = undefined;
    ctx.disarm(state.timer);
  } else {
    state.sinceAt = at;
    ctx.arm(state.timer, at + p.sustainMinutes * MINUTE_MS);
  }
}

export const climateRule = {
  name: 'climate',
  events: ['temperature'],
  deviceState: {
    version: 1,
    create: newSlice,
    save: (slice) => ({ kind: slice.kind ?? null, sinceAt: slice.sinceAt ?? null, lastTempC: slice.lastTempC ?? null }),
    load: (saved, version, device, home) => {
      const s = saved as SavedClimate;
      // Version 0: the flat device record of state version 5.
      const v0 = saved as { climateKind?: unknown; climateSince?: unknown; lastTempC?: unknown };
      const kind = version === 0 ? v0.climateKind : s.kind;
      const slice = newSlice(device, home);
      slice.kind = kind === 'cold' || kind === 'heat' ? kind : undefined;
      slice.sinceAt = numberOr(version === 0 ? v0.climateSince : s.sinceAt);
      slice.lastTempC = numberOr(s.lastTempC);
      // A state-5 device that never reported a temperature: nothing to keep.
      return slice.kind === undefined && slice.lastTempC === undefined ? undefined : slice;
    },
    timer: { name: 'climate', slot: (slice) => slice.timer },
  },

  onEvent(
    home: HomeState,
    _device: DeviceState,
    event: SensorEvent,
    at: number,
    ctx: RuleContext,
    _now: number,
    state: ClimateSlice,
  ): void {
    if (typeof event.value !== 'number') return;
    onTemperature(home, state, event.value, at, ctx);
    state.lastTempC = event.value;
  },

  /**
   * Each room out of range and not called yet, timed under the allowance in force now from when it went out of range (a
   * reload, or a restart with a new file, may have changed `sustainMinutes`; session 59). One now past it is called at
   * once.
   */
  onRestore(home: HomeState, _at: number, ctx: RuleContext): void {
    const sustainMs = home.params.climate.sustainMinutes * MINUTE_MS;
    for (const device of home.devices.values()) {
      const state = home.sliceOf(device, climateRule);
      if (state?.kind === undefined || state.sinceAt === undefined || !Number.isFinite(state.timer.dueAt)) continue;
      ctx.arm(state.timer, state.sinceAt + sustainMs);
    }
  },

  onDeviceTimer(home: HomeState, device: DeviceState, at: number, ctx: RuleContext, state: ClimateSlice): void {
    if (state.kind === undefined) return;
    const p = home.params.climate;
    ctx.raise(home, state.kind, 'medium', at, {
      device,
      episodic: true,
      detail: {
        sinceAt: state.sinceAt === undefined ? null : new Date(state.sinceAt).toISOString(),
        limitC: state.kind === 'cold' ? p.coldBelowC : p.heatAboveC,
        lastTempC: state.lastTempC ?? null,
      },
    });
  },
} satisfies RuleDefinition<undefined, ClimateSlice>;
