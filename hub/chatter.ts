// A chattering sensor (a faulty PIR or contact firing many times a second, a bridge in a loop): past a per-device rate,
// its repeats of the value it already holds are stored as a count per device, value and minute instead of a row each,
// so it cannot fill the SD card nor share every home's CPU with its noise, and nothing acknowledged is lost.
import { EMERGENCY_EVENTS } from '../rules/vocabulary.js';
import type { EventValue, SensorEvent } from '../rules/types.js';
import type { EventType } from '../rules/vocabulary.js';

/** The window over which a device's reports are counted. */
export const CHATTER_WINDOW_MS = 60_000;
/**
 * Reports one device may make in a window before its repeats become a count: two a second sustained for a minute. A
 * working PIR reports at most every few seconds (its blind time), a contact when opened or closed, a climate or power
 * sensor every few seconds at most; a Zigbee2MQTT message of several keys is several reports.
 */
export const CHATTER_MAX_PER_WINDOW = 120;
/** The setting's bounds (HUB_CHATTER_MAX_PER_MINUTE; 0 turns the bound off). */
export const CHATTER_MIN_SETTING = 30;
export const CHATTER_MAX_SETTING = 1_000_000;
/** Devices tracked at once (a hub has a few thousand at most); past it, a new device's reports are all kept. */
const MAX_DEVICES = 20_000;

/** What `admit` keeps of a message whose one report was counted (never pushed to: nothing follows it). */
const NONE_KEPT: SensorEvent[] = [];

/**
 * Never counted in place of a row, nor toward the bound: an emergency (pendant, fall, smoke, CO, gas, water), and a
 * wearable's acceleration batches, which come at their declared rate by design.
 */
const NEVER_LIMITED: ReadonlySet<EventType> = new Set<EventType>([...EMERGENCY_EVENTS, 'accel']);

/**
 * Repeats of one device's value of one type in one window, stored as one row of `event_repeats` (hub/store.ts) in
 * place of a row each. Made when a batch's first repeat of it is counted, and counted into until that batch is
 * taken for its commit (`batch`); the commit adds it to the window's row.
 */
export interface RepeatCount {
  homeId: string;
  deviceId: string;
  type: EventType;
  value: boolean | number;
  /** The device's window (hub clock, its start). */
  windowStart: number;
  /** The repeats' own `ts`, first and last seen. */
  firstTs: number;
  lastTs: number;
  count: number;
  /** The store's batch it is queued in (`RepeatSink.repeatBatch` when it was made). */
  batch: number;
}

/** Where counts go: the event store, whose next commit writes them with the batch's rows. */
export interface RepeatSink {
  /** The batch now open (counting into a row of an earlier batch would miss its commit). */
  readonly repeatBatch: number;
  /** Queue a count for the open batch's commit. */
  queueRepeat(row: RepeatCount): void;
}

/** What the device last reported of one type, and the count of its repeats in the open batch. */
interface Held {
  value: boolean | number;
  repeat: RepeatCount | undefined;
}

interface DeviceWindow {
  readonly homeId: string;
  readonly deviceId: string;
  /** Start of the current window (hub clock). */
  start: number;
  /** Reports counted in it. */
  count: number;
  /** The value last kept of each type: a report of another value is a change of state, always kept as a row. */
  readonly held: Map<EventType, Held>;
  /** Reports counted in place of rows since the hub started. */
  countedTotal: number;
  /** The start of the last window that counted any. */
  lastCountWindow: number;
}

export interface ChatteringDevice {
  /** `home/device`. */
  device: string;
  /** Repeats stored as counts since the hub started. */
  counted: number;
}

/**
 * Per device (home and device id), reports of non-emergency types are counted in fixed windows of CHATTER_WINDOW_MS
 * on the hub's clock. Past the bound in a window, a report that repeats the value already held for its type goes to a
 * count (`RepeatSink`) instead of a row; a change of state is always a row. Each window keeps the first reports as rows
 * again, so the store and the rules still hear from the device every window (it is alive; its state is current).
 * Per report: two map look-ups and a few comparisons; an object only for a device, type or batch seen first.
 */
export class ChatterLimit {
  private readonly homes = new Map<string, Map<string, DeviceWindow>>();
  private tracked = 0;
  /** No room for a new device before this time (a sweep found every tracked device active). */
  private fullUntil = -Infinity;
  private countedAll = 0;
  /** Of the last `admit`: repeats counted, and the device of the last one. */
  lastCounted = 0;
  lastDevice: string | undefined;

  constructor(
    private readonly limits: { windowMs: number; maxPerWindow: number } = {
      windowMs: CHATTER_WINDOW_MS,
      maxPerWindow: CHATTER_MAX_PER_WINDOW,
    },
  ) {}

  /**
   * The events to store as rows, in order (the same array when none is counted); the others went to `sink` as counts
   * (`lastCounted` says how many). `now`: the hub's receive time, not the sender's `ts` (a sender's clock cannot open
   * a new window).
   */
  admit(events: SensorEvent[], now: number, sink: RepeatSink): SensorEvent[] {
    let kept: SensorEvent[] | undefined;
    let counted = 0;
    for (let i = 0; i < events.length; i++) {
      const event = events[i]!;
      if (NEVER_LIMITED.has(event.type) || this.keep(event, now, sink)) {
        kept?.push(event);
        continue;
      }
      // A message of one report (the common one) counted: no array made.
      kept ??= events.length === 1 ? NONE_KEPT : events.slice(0, i);
      counted += 1;
    }
    this.lastCounted = counted;
    if (counted === 0) return events;
    this.countedAll += counted;
    const last = events[events.length - 1]!;
    this.lastDevice = `${last.homeId}/${last.deviceId}`;
    return kept!;
  }

  /** False: the report was counted into a repeat row instead. */
  private keep(event: SensorEvent, now: number, sink: RepeatSink): boolean {
    const state = this.device(event.homeId, event.deviceId, now);
    if (state === undefined) return true;
    // A clock stepped back opens a new window too.
    if (now - state.start >= this.limits.windowMs || now < state.start) {
      state.start = now;
      state.count = 0;
    }
    state.count += 1;
    const value = comparable(event.value);
    if (value === undefined) return true;
    const held = state.held.get(event.type);
    if (held === undefined) {
      state.held.set(event.type, { value, repeat: undefined });
      return true;
    }
    if (held.value !== value) {
      held.value = value;
      held.repeat = undefined;
      return true;
    }
    if (state.count <= this.limits.maxPerWindow) return true;
    const open = held.repeat;
    if (open !== undefined && open.batch === sink.repeatBatch && open.windowStart === state.start) {
      open.count += 1;
      if (event.ts < open.firstTs) open.firstTs = event.ts;
      if (event.ts > open.lastTs) open.lastTs = event.ts;
    } else {
      const row: RepeatCount = {
        homeId: event.homeId,
        deviceId: event.deviceId,
        type: event.type,
        value,
        windowStart: state.start,
        firstTs: event.ts,
        lastTs: event.ts,
        count: 1,
        batch: sink.repeatBatch,
      };
      held.repeat = row;
      sink.queueRepeat(row);
    }
    state.countedTotal += 1;
    state.lastCountWindow = state.start;
    return false;
  }

  /** The device's window; undefined when no more devices can be tracked (its reports are then all kept). */
  private device(homeId: string, deviceId: string, now: number): DeviceWindow | undefined {
    let home = this.homes.get(homeId);
    let state = home?.get(deviceId);
    if (state !== undefined) return state;
    if (this.tracked >= MAX_DEVICES && !this.sweep(now)) return undefined;
    if (home === undefined) {
      home = new Map();
      this.homes.set(homeId, home);
    }
    state = { homeId, deviceId, start: now, count: 0, held: new Map(), countedTotal: 0, lastCountWindow: -Infinity };
    home.set(deviceId, state);
    this.tracked += 1;
    return state;
  }

  /**
   * Forget the devices whose window is over and that counted nothing lately (a device id seen once, a device
   * replaced); true when that made room. When none could go, no sweep again for a window.
   */
  private sweep(now: number): boolean {
    if (now < this.fullUntil) return false;
    for (const [homeId, home] of this.homes) {
      for (const [deviceId, state] of home) {
        if (now - state.start < this.limits.windowMs || this.countedLately(state, now)) continue;
        home.delete(deviceId);
        this.tracked -= 1;
      }
      if (home.size === 0) this.homes.delete(homeId);
    }
    if (this.tracked < MAX_DEVICES) return true;
    this.fullUntil = now + this.limits.windowMs;
    return false;
  }

  private countedLately(state: DeviceWindow, now: number): boolean {
    return state.countedTotal > 0 && now - state.lastCountWindow < 2 * this.limits.windowMs;
  }

  /** Repeats stored as counts since the start, all devices. */
  get counted(): number {
    return this.countedAll;
  }

  /** Devices that counted repeats in the current or the previous window (at most `max`, most counted first). */
  chattering(now: number, max = 20): ChatteringDevice[] {
    const found: ChatteringDevice[] = [];
    for (const home of this.homes.values())
      for (const state of home.values())
        if (this.countedLately(state, now))
          found.push({ device: `${state.homeId}/${state.deviceId}`, counted: state.countedTotal });
    return found.sort((a, b) => b.counted - a.counted).slice(0, max);
  }
}

/** A value compared by `===` (booleans, numbers); undefined for any other (never counted: a batch, say). */
function comparable(value: EventValue): boolean | number | undefined {
  return typeof value === 'boolean' || typeof value === 'number' ? value : undefined;
}
