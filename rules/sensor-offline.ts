// sensor-offline: nothing from a device for 25 h (since it was configured, if never heard), or Zigbee2MQTT says it is unavailable.
import type { RuleContext } from './context.js';
import { LEGACY_STATE_VERSION, type DeviceState, type HomeState } from './home-state.js';
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
  /** Why it was called offline (the alert's `reason`), while it is: a repeat naming it again says the same. */
  reason: string | undefined;
  /** Due when the device has been silent for `sensorOffline.silentHours`. */
  readonly timer: TimerSlot;
}

function newSlice(device: DeviceState, home: HomeState): OfflineSlice {
  return {
    lastSeenAt: undefined,
    configuredAt: undefined,
    offline: false,
    reason: undefined,
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
  state.reason = reason;
  // One open alert per home and kind: a second silent device is added to it by the alert service, which takes the
  // repeat's room and detail (naming every device offline: `alsoOffline`).
  home.open.delete('sensor-offline');
  ctx.raise(home, 'sensor-offline', 'low', at, { device, episodic: true, detail: offlineDetail(home, device, state) });
}

/**
 * What the home's alert says of `device` offline: why, when it was last heard (or configured, never heard), and the
 * other devices of the home offline now (`alsoOffline`, in configuration order; absent when none). One alert per home
 * and kind: without them a second device falling silent while the first's alert was open was a count and nothing
 * more, and the card named only the first, even once it was back (review, session 60, round 2).
 */
function offlineDetail(home: HomeState, device: DeviceState, state: OfflineSlice): Record<string, unknown> {
  const others: Record<string, unknown>[] = [];
  for (const d of home.devices.values()) {
    const other = d === device ? undefined : home.sliceOf(d, sensorOfflineRule);
    if (other?.offline !== true) continue;
    others.push({ deviceId: d.id, room: d.room ?? null, ...lastHeard(other) });
  }
  return {
    reason: state.reason ?? offlineReason(home, state),
    ...lastHeard(state),
    ...(others.length > 0 ? { alsoOffline: others } : {}),
  };
}

/** When a device was last heard, or (never heard) when it was configured. */
function lastHeard(state: OfflineSlice): { lastSeenAt: string | null; configuredAt?: string } {
  return {
    lastSeenAt: state.lastSeenAt === undefined ? null : new Date(state.lastSeenAt).toISOString(),
    ...(state.lastSeenAt === undefined && state.configuredAt !== undefined
      ? { configuredAt: new Date(state.configuredAt).toISOString() }
      : {}),
  };
}

/** Any event from the device: it is alive. */
function onSeen(home: HomeState, device: DeviceState, state: OfflineSlice, at: number, ctx: RuleContext): void {
  state.lastSeenAt = at;
  state.configuredAt = undefined;
  ctx.arm(state.timer, at + home.params.sensorOffline.silentHours * HOUR_MS);
  if (state.offline) {
    state.offline = false;
    state.reason = undefined;
    let still: DeviceState | undefined;
    for (const d of home.devices.values()) {
      if (home.sliceOf(d, sensorOfflineRule)?.offline === true) {
        still = d;
        break;
      }
    }
    if (still === undefined) ctx.clear(home, 'sensor-offline', at, `device ${device.id} heard again`);
    // The alert stays open for the devices still offline, and names them, not this one, back (review, session 60,
    // round 2: the card sent the installer to the smoke alarm, heard again, while the bed mat stayed dead).
    else if (home.open.has('sensor-offline')) repeatForStillOffline(home, still, at, ctx);
  }
}

/**
 * The home's open alert names `still`, a device still offline, and the others offline with it, no longer one back or
 * gone. A repeat of the open alert, which the hub merges with its room and detail, acknowledged or not; and only that:
 * it is no new alert. With the alert resolved (both batteries changed, the other device not reporting yet), the hub
 * raised a new one naming the other as silent since the day before (review, session 61).
 */
function repeatForStillOffline(home: HomeState, still: DeviceState, at: number, ctx: RuleContext): void {
  const offline = home.sliceOf(still, sensorOfflineRule)!;
  ctx.raise(home, 'sensor-offline', 'low', at, {
    device: still,
    episodic: false,
    repeatOnly: true,
    detail: offlineDetail(home, still, offline),
  });
}

/**
 * At a start or a reload (`RulesEngine.watch`): the home's `sensor-offline` alert is open while none of its configured
 * devices is offline. The silent device was taken out of the configuration since (replaced under a new id, handed
 * back); its state was left behind at restore, so no report of it can ever clear the alert (review, session 34).
 * `gone`: the restore left behind a device offline (`offlineLeftBehind`); with others still offline the alert stays
 * open, and names them, not the one gone: the card sent the installer to a smoke alarm replaced under a new id, the
 * bed mat named only as also offline (review, session 61).
 */
export function clearOfflineWithoutDevice(home: HomeState, at: number, ctx: RuleContext, gone = false): void {
  // Only where this rule runs (an engine given other rules keeps no offline state to judge by).
  if (!home.open.has('sensor-offline') || home.registry.slotOf(sensorOfflineRule as AnyRule) < 0) return;
  for (const d of home.devices.values())
    if (home.sliceOf(d, sensorOfflineRule)?.offline === true) {
      if (gone) repeatForStillOffline(home, d, at, ctx);
      return;
    }
  ctx.clear(
    home,
    'sensor-offline',
    at,
    'no configured device is offline: the silent one was taken out of the configuration',
  );
}

/**
 * Whether a saved home state (`snapshot`, of state `version`) held offline a device not among `home`'s configured ones
 * now: the restore leaves it behind (`HomeState.restore`). Version 5 kept the flag in the flat device record.
 */
export function offlineLeftBehind(home: HomeState, snapshot: unknown, version: number): boolean {
  const devices = (snapshot as { devices?: unknown } | null)?.devices;
  if (typeof devices !== 'object' || devices === null) return false;
  for (const [id, saved] of Object.entries(devices as Record<string, unknown>)) {
    if (home.devices.has(id)) continue;
    const record = saved as { offline?: unknown; rules?: Record<string, { s?: { offline?: unknown } } | undefined> };
    const offline =
      version === LEGACY_STATE_VERSION ? record?.offline : record?.rules?.[sensorOfflineRule.name]?.s?.offline;
    if (offline === true) return true;
  }
  return false;
}

/**
 * Per home: its configured devices never heard (no report, no `offline` from Zigbee2MQTT), each with when the hub began
 * watching it (`configuredAt`, rules' time), in configuration order; watched by the home's one `never-heard` timer,
 * due at the earliest of them plus `sensorOffline.silentHours` (session 36). Session 35 gave each such device its own
 * slice and silence timer: a home of 19 devices never heard held 19 slices and 19 queue entries (the bench's 1,000
 * flats: 19,000, +5.7 MB of heap and +2.6 MB of saved state); a device gets its slice when it is first heard (or
 * called offline), as any device did before session 35.
 */
export interface NeverHeardSlice {
  ids: string[];
  /** `since[i]`: when `ids[i]` was first found configured. */
  since: number[];
}

const newNeverHeard = (): NeverHeardSlice => ({ ids: [], since: [] });

/** The home's never-heard timer: due at its earliest never-heard device's `configuredAt` + `silentHours`. */
const NEVER_HEARD_TIMER = 'never-heard';

function armNeverHeard(home: HomeState, state: NeverHeardSlice, ctx: RuleContext): void {
  let earliest = Infinity;
  for (const at of state.since) if (at < earliest) earliest = at;
  const slot = home.timers[NEVER_HEARD_TIMER];
  if (earliest === Infinity) ctx.disarm(slot);
  // From when it was configured, under the allowance in force now (a reload may have changed it).
  else ctx.arm(slot, earliest + home.params.sensorOffline.silentHours * HOUR_MS);
}

/** `configuredAt` of a device still never heard (taken off the home's list: its own slice holds it now). */
function takeNeverHeard(home: HomeState, deviceId: string): number | undefined {
  const state = home.homeSliceOf(sensorOfflineRule);
  const i = state.ids.indexOf(deviceId);
  if (i < 0) return undefined;
  const at = state.since[i];
  state.ids.splice(i, 1);
  state.since.splice(i, 1);
  return at;
}

/**
 * At a start or a reload (`RulesEngine.watch`): a configured device never heard (dead on arrival, never paired, its
 * batteries left in the packet) had no silence timer, so it was never called offline and the home seemed covered
 * (review, session 35). Each one is watched from the first start or reload that finds it in the configuration
 * (`configuredAt`, kept across restarts and reloads) and called offline after `sensorOffline.silentHours` from then,
 * as a device heard then and silent since would be. Its first report clears it as any device heard again. Kept on the
 * home's list (`NeverHeardSlice`), not in a slice of its own; a state saved by session 35 (a slice and a timer per
 * device never heard) is taken onto the list here.
 */
export function watchNeverHeard(
  home: HomeState,
  at: number,
  ctx: RuleContext,
  /** Configured times kept in a saved state that could not be restored (`RulesEngine.neverHeardSinceOf`). */
  saved?: ReadonlyMap<string, number>,
): void {
  const position = home.registry.slotOf(sensorOfflineRule as AnyRule);
  if (position < 0 || home.registry.homeSlotOf(sensorOfflineRule as AnyRule) < 0) return;
  const state = home.homeSliceOf(sensorOfflineRule);
  const ids: string[] = [];
  const since: number[] = [];
  for (const config of home.config.devices ?? []) {
    const device = home.devices.get(config.id);
    if (!device) continue;
    const slice = device.slices?.[position] as OfflineSlice | undefined;
    if (slice !== undefined && (slice.lastSeenAt !== undefined || slice.offline)) continue;
    const listed = state.ids.indexOf(device.id);
    let configuredAt = listed < 0 ? slice?.configuredAt : state.since[listed];
    if (slice !== undefined) {
      // Session 35's form (or Zigbee2MQTT's `online` for a device never heard): onto the list, its slice dropped.
      configuredAt ??= slice.configuredAt;
      ctx.disarm(slice.timer);
      device.slices![position] = undefined;
    }
    const kept = saved?.get(device.id);
    configuredAt ??= kept !== undefined && kept <= at ? kept : at;
    ids.push(device.id);
    since.push(configuredAt);
  }
  // Devices taken out of the configuration since leave the list. Copies sized to their length (a list grown by
  // `push` keeps room for more: a thousand homes' lists held twice their entries).
  state.ids = ids.slice();
  state.since = since.slice();
  armNeverHeard(home, state, ctx);
}

/** Read a saved never-heard list (`NeverHeardSlice`'s saved form: `[[configuredAt, [ids…]], …]`), dropping what is not. */
export function savedNeverHeard(saved: unknown): NeverHeardSlice {
  const state = newNeverHeard();
  const groups = (saved as { since?: unknown } | null)?.since;
  if (!Array.isArray(groups)) return state;
  for (const group of groups) {
    if (!Array.isArray(group)) continue;
    const [at, ids] = group as unknown[];
    if (typeof at !== 'number' || !Number.isFinite(at) || !Array.isArray(ids)) continue;
    for (const id of ids)
      if (typeof id === 'string' && !state.ids.includes(id)) {
        state.ids.push(id);
        state.since.push(at);
      }
  }
  return state;
}

export const sensorOfflineRule = {
  name: 'sensor-offline',
  events: 'all',
  homeTimers: [NEVER_HEARD_TIMER] as const,
  // The hub's clock stepped forward: each device's silence so far is what it was (its last report, or when it was
  // first watched, is moved with the step), as its timer keeps the time it had left.
  onClockStep(home: HomeState, stepMs: number, _now: number, _ctx: RuleContext, slice: NeverHeardSlice): void {
    slice.since = slice.since.map((at) => at + stepMs);
    for (const device of home.devices.values()) {
      const state = home.sliceOf(device, sensorOfflineRule);
      if (state === undefined) continue;
      if (state.lastSeenAt !== undefined) state.lastSeenAt += stepMs;
      if (state.configuredAt !== undefined) state.configuredAt += stepMs;
    }
  },
  // Back in the configuration: a device never heard before is watched from the next watch (`watchNeverHeard`), not
  // from when it was first configured, the hub having listened to none of the home's devices meanwhile.
  onReturn(_home: HomeState, slice: NeverHeardSlice): void {
    slice.ids = [];
    slice.since = [];
  },
  homeState: {
    version: 1,
    create: newNeverHeard,
    // Grouped by configured time (one per first start or reload that found devices never heard): a few numbers.
    save: (slice) => {
      if (slice.ids.length === 0) return undefined;
      const groups = new Map<number, string[]>();
      slice.ids.forEach((id, i) => {
        const at = slice.since[i]!;
        const group = groups.get(at);
        if (group) group.push(id);
        else groups.set(at, [id]);
      });
      return { since: [...groups] };
    },
    // Version 0 (the home record of state version 5): none kept then.
    // Only the home's configured devices (a device taken out since is not watched again).
    load: (saved, version, _owner, home) => {
      const state = version === 0 ? newNeverHeard() : savedNeverHeard(saved);
      const kept = newNeverHeard();
      state.ids.forEach((id, i) => {
        if (!home.devices.has(id)) return;
        kept.ids.push(id);
        kept.since.push(state.since[i]!);
      });
      return kept;
    },
  },
  deviceState: {
    version: 1,
    create: newSlice,
    save: (slice) => ({
      lastSeenAt: slice.lastSeenAt ?? null,
      offline: slice.offline,
      ...(slice.configuredAt === undefined ? {} : { configuredAt: slice.configuredAt }),
      ...(slice.offline && slice.reason !== undefined ? { reason: slice.reason } : {}),
    }),
    // Version 0 (the flat device record of state version 5) used the same field names.
    load: (saved, _version, device, home) => {
      const s = saved as { lastSeenAt?: unknown; offline?: unknown; configuredAt?: unknown; reason?: unknown };
      const slice = newSlice(device, home);
      slice.lastSeenAt = typeof s.lastSeenAt === 'number' ? s.lastSeenAt : undefined;
      // Absent before session 35: a device never heard is watched from the next start.
      slice.configuredAt =
        slice.lastSeenAt === undefined && typeof s.configuredAt === 'number' && Number.isFinite(s.configuredAt)
          ? s.configuredAt
          : undefined;
      slice.offline = s.offline === true;
      // Absent before session 60 (round 2): a repeat then says why as the timer would have.
      slice.reason = slice.offline && typeof s.reason === 'string' ? s.reason : undefined;
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
    // The device's first word since it was found never heard: its slice (just made) takes its configured time, and
    // its own timer the watch the home's list kept (Zigbee2MQTT's `online` alone does not end it).
    if (state.lastSeenAt === undefined && !state.offline && state.configuredAt === undefined) {
      const configuredAt = takeNeverHeard(home, device.id);
      if (configuredAt !== undefined) {
        state.configuredAt = configuredAt;
        ctx.arm(state.timer, configuredAt + home.params.sensorOffline.silentHours * HOUR_MS);
      }
    }
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

  /** The home's never-heard timer: each device on its list silent for `silentHours` since configured is offline. */
  onTimer(home: HomeState, _timer: string, at: number, ctx: RuleContext, state: NeverHeardSlice): void {
    const dueBefore = at - home.params.sensorOffline.silentHours * HOUR_MS;
    const position = home.registry.slotOf(sensorOfflineRule as AnyRule);
    // In configuration order (as session 35's per-device timers, armed in that order, fired).
    for (let i = 0; i < state.ids.length;) {
      const configuredAt = state.since[i]!;
      if (configuredAt > dueBefore) {
        i++;
        continue;
      }
      const device = home.devices.get(state.ids[i]!);
      state.ids.splice(i, 1);
      state.since.splice(i, 1);
      // Not one a saved list named that is gone from the configuration (a timer due while the hub was down fires
      // before the watch rebuilds the list), nor one a saved state holds heard or offline: left to its own slice.
      const heard = device?.slices?.[position] as OfflineSlice | undefined;
      if (device === undefined || heard?.lastSeenAt !== undefined || heard?.offline === true) continue;
      const slice = home.deviceSlice(device, sensorOfflineRule as AnyRule, position) as OfflineSlice;
      slice.configuredAt = configuredAt;
      raiseOffline(home, device, slice, at, offlineReason(home, slice), ctx);
    }
    armNeverHeard(home, state, ctx);
  },

  onDeviceTimer(home: HomeState, device: DeviceState, at: number, ctx: RuleContext, state: OfflineSlice): void {
    raiseOffline(home, device, state, at, offlineReason(home, state), ctx);
  },

  /**
   * Each silent device's timer under the allowance in force now, from when it was last heard (a reload, or a restart
   * with a new file, may have changed `silentHours`; session 59: before, the saved timer called it at the old allowance,
   * its alert saying the new one). One now past its allowance is called at once.
   */
  onRestore(home: HomeState, _at: number, ctx: RuleContext): void {
    const silentMs = home.params.sensorOffline.silentHours * HOUR_MS;
    for (const device of home.devices.values()) {
      const state = home.sliceOf(device, sensorOfflineRule);
      if (state === undefined || state.offline || !Number.isFinite(state.timer.dueAt)) continue;
      const since = state.lastSeenAt ?? state.configuredAt;
      if (since !== undefined) ctx.arm(state.timer, since + silentMs);
    }
  },
} satisfies RuleDefinition<NeverHeardSlice, OfflineSlice>;

function offlineReason(home: HomeState, state: OfflineSlice): string {
  return state.lastSeenAt === undefined && state.configuredAt !== undefined
    ? `never heard since ${new Date(state.configuredAt).toISOString()}, when it was configured`
    : `silent for ${home.params.sensorOffline.silentHours} h`;
}
