// sensor-offline: nothing from a device for 25 h (since it was configured, if never heard), or Zigbee2MQTT says it is unavailable.
import type { RuleContext } from './context.js';
import type { DeviceState, HomeState } from './home-state.js';
import { newTimerSlot, type AnyRule, type RuleDefinition } from './registry.js';
import type { TimerSlot } from './timer-queue.js';
import { HOUR_MS } from './time.js';
import type { SensorEvent } from './types.js';

/** Per device heard from (every device: any event says it is alive). */
export interface OfflineSlice {
  /** The latest event time seen from it. */
  lastSeenAt: number | undefined;
  /**
   * Never heard yet: when the hub began watching it in the configuration (rules' time, `watchNeverHeard`), saved, so a
   * restart or a reload does not start its count again. Its silence runs from then.
   */
  configuredAt: number | undefined;
  offline: boolean;
  /** Due when the device has been silent for `sensorOffline.silentHours`. */
  readonly timer: TimerSlot;
}

function newSlice(device: DeviceState, home: HomeState): OfflineSlice {
  return {
    lastSeenAt: undefined,
    configuredAt: undefined,
    offline: false,
    timer: newTimerSlot(home.index, 'offline', device.id),
  };
}

function raiseOffline(
  home: HomeState,
  device: DeviceState,
  state: OfflineSlice,
  at: number,
  reason: string,
  ctx: RuleContext,
): void {
  if (state.offline) return;
  state.offline = true;
  // One open alert per home and kind: a second silent device is added to it by the alert service.
  home.open.delete('sensor-offline');
  ctx.raise(home, 'sensor-offline', 'low', at, {
    device,
    episodic: true,
    detail: {
      reason,
      lastSeenAt: state.lastSeenAt === undefined ? null : new Date(state.lastSeenAt).toISOString(),
      ...(state.lastSeenAt === undefined && state.configuredAt !== undefined
        ? { configuredAt: new Date(state.configuredAt).toISOString() }
        : {}),
    },
  });
}

/** Any event from the device: it is alive. */
function onSeen(home: HomeState, device: DeviceState, state: OfflineSlice, at: number, ctx: RuleContext): void {
  state.lastSeenAt = at;
  state.configuredAt = undefined;
  ctx.arm(state.timer, at + home.params.sensorOffline.silentHours * HOUR_MS);
  if (state.offline) {
    state.offline = false;
    let anyOffline = false;
    for (const d of home.devices.values()) anyOffline ||= home.sliceOf(d, sensorOfflineRule)?.offline === true;
    if (!anyOffline) ctx.clear(home, 'sensor-offline', at, `device ${device.id} heard again`);
  }
}

/**
 * At a start or a reload (`RulesEngine.watch`): the home's `sensor-offline` alert is open while none of its configured
 * devices is offline. The silent device was taken out of the configuration since (replaced under a new id, handed
 * back); its state was left behind at restore, so no report of it can ever clear the alert (review, session 34).
 */
export function clearOfflineWithoutDevice(home: HomeState, at: number, ctx: RuleContext): void {
  // Only where this rule runs (an engine given other rules keeps no offline state to judge by).
  if (!home.open.has('sensor-offline') || home.registry.slotOf(sensorOfflineRule as AnyRule) < 0) return;
  for (const d of home.devices.values()) if (home.sliceOf(d, sensorOfflineRule)?.offline === true) return;
  ctx.clear(
    home,
    'sensor-offline',
    at,
    'no configured device is offline: the silent one was taken out of the configuration',
  );
}

/**
 * At a start or a reload (`RulesEngine.watch`): a configured device never heard (dead on arrival, never paired, its
 * batteries left in the packet) had no silence timer, so it was never called offline and the home seemed covered
 * (review, session 35). Each one is watched from the first start or reload that finds it in the configuration
 * (`configuredAt`, kept across restarts and reloads) and called offline after `sensorOffline.silentHours` from then,
 * as a device heard then and silent since would be. Its first report clears it as any device heard again.
 */
export function watchNeverHeard(
  home: HomeState,
  at: number,
  ctx: RuleContext,
  /** Configured times kept in a saved state that could not be restored (`RulesEngine.neverHeardSinceOf`). */
  saved?: ReadonlyMap<string, number>,
): void {
  const position = home.registry.slotOf(sensorOfflineRule as AnyRule);
  if (position < 0) return;
  for (const config of home.config.devices ?? []) {
    const device = home.devices.get(config.id);
    if (!device) continue;
    const state = home.deviceSlice(device, sensorOfflineRule as AnyRule, position) as OfflineSlice;
    if (state.lastSeenAt !== undefined || state.offline) continue;
    const kept = saved?.get(device.id);
    state.configuredAt ??= kept !== undefined && kept <= at ? kept : at;
    // From when it was configured, under the allowance in force now (a reload may have changed it).
    ctx.arm(state.timer, state.configuredAt + home.params.sensorOffline.silentHours * HOUR_MS);
  }
}

export const sensorOfflineRule: RuleDefinition<undefined, OfflineSlice> = {
  name: 'sensor-offline',
  events: 'all',
  deviceState: {
    version: 1,
    create: newSlice,
    save: (slice) => ({
      lastSeenAt: slice.lastSeenAt ?? null,
      offline: slice.offline,
      ...(slice.configuredAt === undefined ? {} : { configuredAt: slice.configuredAt }),
    }),
    // Version 0 (the flat device record of state version 5) used the same field names.
    load: (saved, _version, device, home) => {
      const s = saved as { lastSeenAt?: unknown; offline?: unknown; configuredAt?: unknown };
      const slice = newSlice(device, home);
      slice.lastSeenAt = typeof s.lastSeenAt === 'number' ? s.lastSeenAt : undefined;
      // Absent before session 35: a device never heard is watched from the next start.
      slice.configuredAt =
        slice.lastSeenAt === undefined && typeof s.configuredAt === 'number' && Number.isFinite(s.configuredAt)
          ? s.configuredAt
          : undefined;
      slice.offline = s.offline === true;
      return slice.lastSeenAt === undefined && !slice.offline && slice.configuredAt === undefined ? undefined : slice;
    },
    timer: { name: 'offline', slot: (slice) => slice.timer },
  },

  onEvent(
    home: HomeState,
    device: DeviceState,
    event: SensorEvent,
    at: number,
    ctx: RuleContext,
    _now: number,
    state: OfflineSlice,
  ): void {
    // Zigbee2MQTT's word on the device, not the device heard: its retained state comes again at every reconnection
    // of the hub (an external broker). `offline` again is the same episode (not a new alert each time); `online` ends
    // an offline one but, while none is open, does not count as hearing the device (its silence timer runs on).
    if (event.type === 'availability') {
      if (event.value === false) raiseOffline(home, device, state, at, 'reported unavailable', ctx);
      else if (state.offline) onSeen(home, device, state, at, ctx);
      return;
    }
    // An event older than the device's last one says nothing new about whether it is alive.
    if (!(state.lastSeenAt !== undefined && state.lastSeenAt > at)) onSeen(home, device, state, at, ctx);
  },

  onDeviceTimer(home: HomeState, device: DeviceState, at: number, ctx: RuleContext, state: OfflineSlice): void {
    const reason =
      state.lastSeenAt === undefined && state.configuredAt !== undefined
        ? `never heard since ${new Date(state.configuredAt).toISOString()}, when it was configured`
        : `silent for ${home.params.sensorOffline.silentHours} h`;
    raiseOffline(home, device, state, at, reason, ctx);
  },
};
