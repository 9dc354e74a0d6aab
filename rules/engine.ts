// The rules engine: pure, clock-injected; the same code runs live, in replay and in tests.
import {
  blankActivity,
  clearedBehind,
  exitDoorMove,
  observeActivity,
  outConfirmedAt,
  type Activity,
} from './activity.js';
import { BUILT_IN_RULES } from './built-in.js';
import { RuleContext } from './context.js';
import { HomeState, LEGACY_STATE_VERSION, type DeviceState, type HomeSnapshot } from './home-state.js';
import { IN_BED, IN_CHAIR } from './inactivity.js';
import { activityKey, isLocated, movedAfterExitClosed, onMatReport } from './presence.js';
import { OUT_CHECK_TIMER, RuleRegistry, type ActivitySeen, type AnyRule, type RegisteredRule } from './registry.js';
import { lowBatteryRule } from './low-battery.js';
import { tamperRule } from './tamper.js';
import { shutInForNight } from './possible-fall.js';
// sensor-offline's watch of configured devices never heard: watchNeverHeard (review, session 35; one list and timer
// per home, session 36).
import {
  clearOfflineWithoutDevice,
  offlineLeftBehind,
  savedNeverHeard,
  sensorOfflineRule,
  watchNeverHeard,
} from './sensor-offline.js';
import { TimerQueue, type TimerSlot } from './timer-queue.js';
import { duplicateReport, noteReport, REORDER_MS, STAMP_ORDER_MS, type ReportCopy } from './device-reports.js';
import type { HomeConfig, RuleDecision, SensorEvent } from './types.js';
import { MINUTE_MS } from './time.js';
import { INACTIVITY_FAMILY } from './vocabulary.js';

/**
 * Device kinds whose reports say, unasked, that the resident is about (motion, doors, mats, appliances, a worn
 * wearable, a presence sensor): a home with none of them is not watched from the hub's start (`RulesEngine.watch`).
 */
const REPORTS_ABOUT_THE_HOME: ReadonlySet<string> = new Set([
  'motion',
  'door',
  'exit-door',
  'bed',
  'chair',
  'appliance',
  'wearable',
  'other',
]);

/**
 * 7: which device ended the silences that began at each (`HomeState.silenceEnds`, session 30): a snapshot of 6 lacks
 * them and is rebuilt from the stored events. 5, from before the rule registry, is still read (`LEGACY_STATE_VERSION`).
 */
const STATE_VERSION = 7;

export interface RulesEngineOptions {
  /** The rules, in calling order (default: `BUILT_IN_RULES`); a test or a deployment may add its own. */
  rules?: readonly AnyRule[];
  /**
   * Told when a home with no exit door configured has just learned one from its own outings (`ExitDoorLearner`), on
   * the rules' time: the hub logs it, so the installer can mark it. Never called for a door restored from a saved state.
   */
  onExitDoorLearned?: (homeId: string, deviceId: string, at: number) => void;
}

interface EngineState {
  version: number;
  clockMs: number;
  homes: Record<string, HomeSnapshot>;
  /**
   * The homes of `homes` kept while out of the configuration, with the rules' time they were first kept so (absent
   * before session 50, and when none).
   */
  detached?: Record<string, number>;
}

/** A home absent from the configuration (replay only: live, its devices are unassigned). */
export function defaultHomeConfig(id: string, timezone = 'UTC'): HomeConfig {
  return {
    id,
    timezone,
    nightWindow: { start: '23:00', end: '06:00' },
    away: false,
    residents: [],
    devices: [],
    rules: {},
  };
}

/** `tieKey`'s spans: timer ranks and device places per home (beyond them, ties fall back on the arming order). */
const TIE_RANKS = 1 << 8;
const TIE_DEVICES = 1 << 16;

const isClear = (d: RuleDecision): boolean => d.type === 'clear';

/**
 * Decisions that may be carried out before the rest of their event: at least one raise and no clear. (`handle` drops
 * a clear followed by a raise of the same alert; with no clear among the first, the rest's own drops are the same.)
 */
function raisesOnly(decisions: readonly RuleDecision[]): boolean {
  let raise = false;
  for (const d of decisions) {
    if (d.type === 'clear') return false;
    if (d.type === 'raise') raise = true;
  }
  return raise;
}

/** Drop each `clear` followed by a `raise` of the same home and kind: the alert stays open as it was. */
function withoutReopened(decisions: RuleDecision[]): RuleDecision[] {
  // Nearly every live event takes this path (stamped a moment before the hub's clock) and decides nothing: no Set,
  // no closures for it (they were a tenth of what the rules allocated per event).
  if (!decisions.some(isClear)) return decisions;
  const dropped = new Set<RuleDecision>();
  decisions.forEach((d, i) => {
    if (d.type !== 'clear') return;
    const again = decisions.find(
      (r, j) => j > i && r.type === 'raise' && r.homeId === d.homeId && r.kind === d.kind && !dropped.has(r),
    );
    if (again) {
      dropped.add(d);
      dropped.add(again);
    }
  });
  return dropped.size === 0 ? decisions : decisions.filter((d) => !dropped.has(d));
}

/** One device as `RulesEngine.deviceLiveness` tells it. */
export interface DeviceLiveness {
  /** Epoch ms it was last heard (rules' time), null when never since the rules' state began. */
  lastHeardAt: number | null;
  /** `sensor-offline` holds it offline: silent past `sensorOffline.silentHours`, or Zigbee2MQTT said unavailable. */
  offline: boolean;
  /** A door of kind `door` the rules took for the way out from the home's outings (nobody marked an exit door). */
  wayOutLearned: boolean;
  /** Its latest reported battery percentage, null when none. */
  battery: number | null;
  /** At or below `lowBattery.percent`, or its own `battery_low` flag. */
  batteryLow: boolean;
  /** It reported its casing opened or being moved, and not since that it is closed or put back. */
  tampered: boolean;
  /** Epoch ms (rules' time) of that report; null when not tampered, or tampered in a state saved before session 67. */
  tamperedAt: number | null;
}

export class RulesEngine {
  private clockMs = 0;
  // Ties (timers due at one instant) broken by `tieKey`, the same live, after a restart and in replay.
  private readonly queue = new TimerQueue((slot) => this.tieKey(slot));
  private readonly ctx = new RuleContext(this.queue);
  private readonly homes: HomeState[] = [];
  private readonly byId = new Map<string, HomeState>();
  private readonly registry: RuleRegistry;
  /** The activity of the event being handled (one reused: nothing is made per event). */
  private readonly activity = blankActivity();
  private readonly seen: ActivitySeen;
  /** What `handleFirst` left for `finishEvent`. */
  private rest:
    | {
        home: HomeState;
        device: DeviceState;
        event: SensorEvent;
        at: number;
        now: number;
        /** `duplicateReport`'s word on it, told before its first rule heard it. */
        duplicate: ReportCopy;
        /** The first of the event's rules still to hear it, and the rules' time they hear it at. */
        next: number;
        rulesNow: number;
      }
    | undefined;

  /**
   * Saved homes absent from the configuration (`fromState`), kept as saved and saved again unchanged: not watched, no
   * timer armed, restored if the home is configured again.
   */
  private readonly detached: Record<string, HomeSnapshot> = {};
  /** The rules' time each home of `detached` was first kept so. */
  private readonly detachedAt: Record<string, number> = {};
  /**
   * Homes configured again whose saved state was kept while they were out of the configuration (`fromState`), with when
   * they went out and their saved timers, not armed yet. The next `watch` decides (`weighReturns`): heard from
   * meanwhile, the rules did not weigh what was, and the resident is taken as just come in; not heard from, the saved
   * silence goes on and its timers are armed (called overdue if due meanwhile).
   */
  private readonly returning = new Map<HomeState, { since: number; timers: [TimerSlot, number][]; heard: boolean }>();
  /**
   * Homes whose restored state held offline a device no longer configured (`offlineLeftBehind`): at the next `watch`
   * their open `sensor-offline` alert names the configured devices still offline, not the one gone.
   */
  private readonly offlineGone = new Set<HomeState>();

  private readonly onExitDoorLearned: RulesEngineOptions['onExitDoorLearned'];

  constructor(homes: HomeConfig[], options: RulesEngineOptions = {}) {
    this.registry = new RuleRegistry(options.rules ?? BUILT_IN_RULES);
    this.onExitDoorLearned = options.onExitDoorLearned;
    // Filled in before each use (no activity is heard before its device is known): one object, none made per event.
    this.seen = {
      device: undefined as unknown as DeviceState,
      activity: this.activity,
      inside: false,
      bedChanged: false,
    };
    for (const config of homes) this.addHome(config);
  }

  /**
   * Feed one event at the rules' time `now`; returns decisions, timers due by then included. Live, `now` is the
   * hub's clock: a sensor's `ts` never moves the rules' time. A `ts` ahead of `now` counts as now; an older one (a
   * bridge flushing its buffer) counts at its own time, and its silence timers run from it, not from now. Replay
   * passes nothing and runs on event time.
   */
  handle(event: SensorEvent, now: number = event.ts): RuleDecision[] {
    this.noRestPending();
    this.fireDue(this.lateBound(event, now));
    if (this.heard(event)) {
      const at = Math.min(event.ts, this.clockMs);
      this.ctx.heardAt = now;
      this.onEvent(event, at, this.clockMs);
      return this.afterEvent(at, now);
    }
    return this.ctx.take();
  }

  /**
   * `handle` in two steps, for the live hub: an event one of whose rules raises an alert (a pendant press, a smoke
   * alarm) returns the decisions made up to that rule first, before the rest of its bookkeeping (the rules after it,
   * activity, presence, learned normal, every rule's timers: nearly all of the rules' work on a press), which
   * `finishEvent` then does. The hub stores and publishes the alert in between. Together they decide exactly what
   * `handle` decides, in the same order, and leave the same state. An event that raises nothing (or also clears
   * something: `handle` may then drop a clear and raise that reopen the same alert) is handled whole here, and
   * `finishEvent` has nothing to do. Until `finishEvent` is called the engine takes nothing else (it throws): its
   * state is half way.
   */
  handleFirst(event: SensorEvent, now: number): RuleDecision[] {
    this.noRestPending();
    this.fireDue(this.lateBound(event, now));
    if (!this.heard(event)) return this.ctx.take();
    const at = Math.min(event.ts, this.clockMs);
    const home = this.homeOf(event, at);
    const device = home.deviceFor(event);
    this.ctx.heardAt = now;
    const duplicate = (this.ctx.duplicate = duplicateReport(device, event, at));
    const next = this.eventRules(home, device, event, at, this.clockMs, 0, true);
    this.rest = { home, device, event, at, now, duplicate, next, rulesNow: this.clockMs };
    // Nothing raised first (or a clear among it): the whole event now, its decisions together.
    return raisesOnly(this.ctx.decisions) ? this.ctx.take() : this.finishEvent();
  }

  /** Whether `handleFirst` left bookkeeping for `finishEvent`. */
  get restPending(): boolean {
    return this.rest !== undefined;
  }

  /** The rest of the event `handleFirst` told first: its decisions (none when nothing was left). */
  finishEvent(): RuleDecision[] {
    const rest = this.rest;
    if (!rest) return this.ctx.take();
    this.rest = undefined;
    this.ctx.heardAt = rest.now;
    this.ctx.duplicate = rest.duplicate;
    this.eventRules(rest.home, rest.device, rest.event, rest.at, rest.rulesNow, rest.next, false);
    this.afterEventRules(rest.home, rest.device, rest.event, rest.at, rest.duplicate);
    return this.afterEvent(rest.at, rest.now);
  }

  /** Move the engine's clock to `now`, firing every timer due by then. */
  advanceTo(now: number): RuleDecision[] {
    this.noRestPending();
    this.fireDue(now);
    return this.ctx.take();
  }

  /**
   * Whether this raise (one this engine returned) was made by a timer firing (a silence that lasted its allowance, a
   * wearable's fall confirmed after its samples stopped), not by an event: the hub holds a silence called at its start
   * for the home's grace (`hub/start-grace.ts`), never a report such as Zigbee2MQTT calling a device offline.
   */
  raisedByTimer(decision: RuleDecision): boolean {
    return this.ctx.raisedByTimer.has(decision);
  }

  /** The rules' time: the latest `now` or timer seen (it never goes back). */
  now(): number {
    return this.clockMs;
  }

  /**
   * What the rules know of each device of a home that they heard from (the devices page's "last heard", session 34):
   * when it was last heard on the rules' time (`sensor-offline`'s silence timer runs from it: a `ts` ahead of the hub's
   * clock counted as then), whether `sensor-offline` holds it offline, and its latest battery report. Read only: no
   * state changes, nothing armed. Undefined for a home the engine does not watch.
   */
  deviceLiveness(homeId: string): Map<string, DeviceLiveness> | undefined {
    const home = this.byId.get(homeId);
    if (!home) return undefined;
    const out = new Map<string, DeviceLiveness>();
    for (const device of home.devices.values()) {
      const seen = home.sliceOf(device, sensorOfflineRule);
      const battery = home.sliceOf(device, lowBatteryRule);
      const tamper = home.sliceOf(device, tamperRule);
      out.set(device.id, {
        lastHeardAt: seen?.lastSeenAt ?? null,
        offline: seen?.offline === true,
        wayOutLearned: home.exitLearning.learned.includes(device.id),
        battery: battery?.percent ?? null,
        batteryLow: battery?.low === true,
        tampered: tamper?.tampered === true,
        tamperedAt: tamper?.tampered === true ? (tamper.since ?? null) : null,
      });
    }
    return out;
  }

  /** When the next timer is due (epoch ms), or null when none is armed. */
  nextDueAt(): number | null {
    return this.queue.nextDueAt();
  }

  /** Set or clear a home's away mode at `now`. */
  setAway(homeId: string, away: boolean, now: number): RuleDecision[] {
    this.noRestPending();
    this.fireDue(now);
    const home = this.byId.get(homeId);
    if (home && home.away !== away) {
      const at = Math.max(now, this.clockMs);
      home.away = away;
      if (away) {
        this.suspend(home, at);
      } else {
        // Back from away: the silence starts now, as if the resident had just come in (the silence rules re-arm).
        this.comeIn(home, at);
      }
    }
    return this.ctx.take();
  }

  /** The resident is taken to have just come in at `at` (back from away, or the home back in the configuration). */
  private comeIn(home: HomeState, at: number): void {
    this.returning.delete(home);
    home.out = false;
    home.outSince = NaN;
    home.outLapsedSince = NaN;
    home.leftSoonAfter = NaN;
    home.outingAfterArrival = NaN;
    this.ctx.disarm(home.timers[OUT_CHECK_TIMER]);
    home.lastActivityAt = at;
    home.watchedSince = NaN;
    home.lastActivityRoom = undefined;
    home.lastActivityContext = undefined;
    home.lastActivityShutIn = undefined;
    home.lastActivityKey = undefined;
    home.lastActivityLocated = false;
    for (const entry of this.registry.entries) {
      if (entry.rule.silence) entry.rule.onActivity?.(home, at, this.ctx, homeSlice(home, entry));
      entry.rule.onComeIn?.(home, at, this.ctx, homeSlice(home, entry));
    }
  }

  /**
   * An event the rules act on: from a configured device, of a home not taken out of the configuration (`detached`: an
   * event of it stored before, re-fed after a crash, would bring the home back under a default configuration and call
   * about it).
   */
  private heard(event: SensorEvent): boolean {
    return event.assigned && !Object.hasOwn(this.detached, event.homeId);
  }

  /**
   * The hub heard nothing of its homes until `at` (rules' time): live, its start after a time down (`RulesRunner.start`;
   * not a reload); in the evaluation, the end of a span not recorded. What each home's resident did meanwhile is not
   * known: the silence under way, and any still spell, stay or outing under way, is not learned when it ends (learned
   * normal learns what was heard: a day's silence across a power cut taught the kitchen a 12-hour threshold). Decides
   * nothing.
   */
  unheardUntil(at: number): void {
    for (const home of this.homes) if (!(home.unheardUntil >= at)) home.unheardUntil = at;
  }

  /**
   * The hub's clock was stepped forward by `stepMs` while it ran (network time correcting a clock that read behind,
   * seen by the hub against its monotonic clock), and now reads `now`. What the rules timed was timed on the clock that
   * read behind: taken as time passed, the step called every home's silence under way at once (a day's step: a
   * possible fall in every flat whose resident had just moved, every device called offline). Every timer that
   * measures a length of time (a silence, a device's silence, a cold spell, an outing's bound) keeps the time it had
   * left, moved by the step, and so does each time a restore re-arms one from (`onClockStep`); a timer due at a local
   * time of day (`timeOfDayTimers`) stays. The silences under way are not learned when they end (`unheardUntil`):
   * measured across the step they would look the step longer. Returns what is due by `now` after the move.
   */
  clockStepped(stepMs: number, now: number): RuleDecision[] {
    this.noRestPending();
    const registry = this.registry;
    for (const home of this.homes) {
      for (const [name, slot] of Object.entries<TimerSlot>(home.timers)) {
        if (!Number.isFinite(slot.dueAt)) continue;
        if (!registry.timeOfDayTimers.has(name)) this.queue.arm(slot, slot.dueAt + stepMs);
        else if (slot.dueAt <= now) this.queue.disarm(slot);
      }
      for (const device of home.devices.values()) {
        registry.deviceStateRules.forEach((rule, position) => {
          const slice: unknown = device.slices?.[position];
          const slot = slice === undefined ? undefined : rule.deviceState?.timer?.slot(slice);
          if (slot && Number.isFinite(slot.dueAt)) this.queue.arm(slot, slot.dueAt + stepMs);
        });
      }
      for (const entry of registry.entries)
        entry.rule.onClockStep?.(home, stepMs, now, this.ctx, homeSlice(home, entry));
    }
    this.unheardUntil(now);
    this.fireDue(now);
    return this.ctx.take();
  }

  /**
   * The hub watches its homes from `now` (live: every start and reload, `RulesRunner.start`; replay: its
   * `startedAt`). A home none of whose activity is known, not watched yet, and neither out nor away is a silence from
   * now, as if the resident had been seen at that moment: a resident who collapsed before any sensor reported (the
   * hub's first minutes, or only failed sensors nearby) is called, late rather than never. Kept across restarts
   * (`HomeState.watchedSince`, saved): a hub restarted again and again does not put the call off each time. Each
   * configured device never heard is watched by `sensor-offline` from the first watch that finds it configured (saved
   * too: `watchNeverHeard`).
   */
  watch(
    now: number,
    savedStarts: ReadonlyMap<string, number> = new Map(),
    savedNeverHeard: ReadonlyMap<string, ReadonlyMap<string, number>> = new Map(),
  ): RuleDecision[] {
    this.noRestPending();
    this.fireDue(now);
    const at = this.clockMs;
    // Back in the configuration (`weighReturns`). Away, the resident comes in when the home is set back from away.
    for (const [home, back] of this.returning) {
      this.returning.delete(home);
      if (back.heard) {
        home.forgetDevicesUnderWay();
        for (const entry of this.registry.entries) entry.rule.onReturn?.(home, homeSlice(home, entry));
        if (!home.away) this.comeIn(home, at);
      } else {
        for (const [slot, due] of back.timers) this.queue.arm(slot, due);
        this.armOutingBound(home);
        this.restored(home);
      }
    }
    for (const home of this.homes) {
      clearOfflineWithoutDevice(home, at, this.ctx, this.offlineGone.delete(home));
      watchNeverHeard(home, at, this.ctx, savedNeverHeard.get(home.config.id));
      if (!Number.isNaN(home.lastActivityAt) || !Number.isNaN(home.watchedSince) || home.suspended()) continue;
      // A home with no device that reports the resident about the home (only a pendant, pressed in an emergency, and
      // alarms: smoke, water, climate...) says nothing by its silence: called 10 h after every install, never right.
      if (!home.config.devices.some((d) => REPORTS_ABOUT_THE_HOME.has(d.kind))) continue;
      // A start saved in a snapshot that could not be restored (another version): no stored event holds it.
      const saved = savedStarts.get(home.config.id);
      const start = saved !== undefined && saved <= at ? saved : at;
      home.watchedSince = start;
      for (const entry of this.registry.entries)
        if (entry.rule.silence) entry.rule.onWatchStart?.(home, start, this.ctx, homeSlice(home, entry));
    }
    return this.ctx.take();
  }

  /**
   * The watch starts (`HomeState.watchedSince`) in a saved state of any version, by home id: a snapshot of another
   * version is rebuilt from the stored events, but a home nothing has reported from has none, and its silence must
   * not start again at the restart (a second call-out 10 h after the first, or a call put off).
   */
  static watchStartsOf(state: unknown): Map<string, number> {
    const starts = new Map<string, number>();
    const homes = (state as { homes?: unknown } | null)?.homes;
    if (typeof homes !== 'object' || homes === null) return starts;
    for (const [id, snapshot] of Object.entries(homes as Record<string, unknown>)) {
      const at = (snapshot as { watchedSince?: unknown } | null)?.watchedSince;
      if (typeof at === 'number' && Number.isFinite(at)) starts.set(id, at);
    }
    return starts;
  }

  /**
   * When each device never heard was configured (`sensor-offline`'s `configuredAt`) in a saved state that cannot be
   * restored (another version, rebuilt from the stored events), by home id and device id: no stored event holds it,
   * and its count must not start again at the restart.
   */
  static neverHeardSinceOf(state: unknown): Map<string, Map<string, number>> {
    const out = new Map<string, Map<string, number>>();
    const homes = (state as { homes?: unknown } | null)?.homes;
    if (typeof homes !== 'object' || homes === null) return out;
    for (const [id, snapshot] of Object.entries(homes as Record<string, unknown>)) {
      const byDevice = new Map<string, number>();
      // The home's list (session 36), and session 35's form: the configured time in each never-heard device's slice.
      const list = (snapshot as { rules?: Record<string, { s?: unknown } | undefined> } | null)?.rules?.[
        sensorOfflineRule.name
      ]?.s;
      const listed = savedNeverHeard(list);
      listed.ids.forEach((deviceId, i) => byDevice.set(deviceId, listed.since[i]!));
      const devices = (snapshot as { devices?: unknown } | null)?.devices;
      if (typeof devices === 'object' && devices !== null)
        for (const [deviceId, device] of Object.entries(devices as Record<string, unknown>)) {
          const saved = (device as { rules?: Record<string, { s?: { configuredAt?: unknown } } | undefined> } | null)
            ?.rules?.[sensorOfflineRule.name]?.s?.configuredAt;
          if (typeof saved === 'number' && Number.isFinite(saved)) byDevice.set(deviceId, saved);
        }
      if (byDevice.size > 0) out.set(id, byDevice);
    }
    return out;
  }

  /** JSON-serialisable snapshot: learned normal, rule state, armed timers. */
  exportState(): unknown {
    this.noRestPending();
    const homes: Record<string, HomeSnapshot> = { ...this.detached };
    for (const h of this.homes) homes[h.config.id] = h.snapshot();
    const state: EngineState = { version: STATE_VERSION, clockMs: this.clockMs, homes };
    if (Object.keys(this.detachedAt).length > 0) state.detached = { ...this.detachedAt };
    return state;
  }

  /**
   * Whether `fromState` can restore this saved state (this version, or 5 from before the registry); otherwise it
   * must be rebuilt from events.
   */
  static acceptsState(state: unknown): boolean {
    if (typeof state !== 'object' || state === null) return false;
    const version = (state as Partial<EngineState>).version;
    return version === STATE_VERSION || version === LEGACY_STATE_VERSION;
  }

  static fromState(homes: HomeConfig[], state: unknown, options: RulesEngineOptions = {}): RulesEngine {
    const engine = new RulesEngine(homes, options);
    const s = state as Partial<EngineState> | null;
    if (!s || typeof s !== 'object') return engine;
    if (typeof s.clockMs === 'number') engine.clockMs = s.clockMs;
    if (!RulesEngine.acceptsState(s) || !s.homes || s.version === undefined) return engine;
    for (const [id, snapshot] of Object.entries(s.homes)) {
      const home = engine.byId.get(id);
      // A home no longer in the configuration is not watched (its timers would call responders about a home the hub
      // no longer serves); its saved state is kept as it was, for the day it is configured again.
      if (!home) {
        if (s.version === STATE_VERSION) {
          engine.detached[id] = snapshot;
          const since = s.detached?.[id];
          engine.detachedAt[id] = typeof since === 'number' && Number.isFinite(since) ? since : engine.clockMs;
        }
        continue;
      }
      const timers = home.restore(snapshot, s.version);
      if (offlineLeftBehind(home, snapshot, s.version)) engine.offlineGone.add(home);
      // Kept while out of the configuration, now configured again: its timers wait for the next `watch`.
      const since = s.detached?.[id];
      if (typeof since === 'number' && Number.isFinite(since)) {
        engine.returning.set(home, { since, timers, heard: false });
        continue;
      }
      for (const [slot, at] of timers) engine.queue.arm(slot, at);
      engine.armOutingBound(home);
      engine.restored(home);
    }
    return engine;
  }

  /**
   * Its saved timers armed: each rule moves one the configuration places (session 59: the morning check, a device's
   * silence, a room's cold spell, after a reload that changed the care plan or an allowance). Arms only; decides nothing.
   */
  private restored(home: HomeState): void {
    for (const entry of this.registry.entries)
      entry.rule.onRestore?.(home, this.clockMs, this.ctx, homeSlice(home, entry));
  }

  /** An outing under way: its bound is the configuration's now (a reload may have moved or turned it off). */
  private armOutingBound(home: HomeState): void {
    if (!home.out || Number.isNaN(home.outSince)) return;
    const endsAt = home.outingEndsAt();
    if (Number.isFinite(endsAt)) this.queue.arm(home.timers[OUT_CHECK_TIMER], Math.ceil(endsAt));
    else this.queue.disarm(home.timers[OUT_CHECK_TIMER]);
  }

  /**
   * Asks `heardFrom` of each home configured again after time out of the configuration (`fromState`; `since`: when it
   * went out, rules' time) whether anything of it was heard (stored) meanwhile, which the rules did not weigh: if so, at
   * the next `watch` what its saved state had under way is forgotten, learned normal kept (review, session 50: a home
   * put back after a fortnight was called at once as a collapse, every device as offline).
   */
  weighReturns(heardFrom: (homeId: string, since: number) => boolean): void {
    for (const [home, back] of this.returning) back.heard = heardFrom(home.config.id, back.since);
  }

  /**
   * Add a home that was not in the constructor's list (replay: a home absent from the configuration, whose devices are
   * those its lines introduce: `devicesFromLines`).
   */
  addHome(config: HomeConfig, devicesFromLines = false): HomeState {
    const existing = this.byId.get(config.id);
    if (existing) return existing;
    const home = new HomeState(this.homes.length, config, this.registry, devicesFromLines);
    this.homes.push(home);
    this.byId.set(config.id, home);
    return home;
  }

  hasHome(id: string): boolean {
    return this.byId.has(id);
  }

  /**
   * A timer's place among timers due at the same instant (`TimerQueue`), fixed for the timer: its home's (in the
   * configuration's order), then its rank (`RuleRegistry.tieRank`), then for a device's timer the device's place in
   * the configuration (`HomeState.devicePosition`). Worked out once per timer, when it is first queued.
   */
  private tieKey(slot: TimerSlot): number {
    const rank = Math.min(this.registry.tieRank(slot.name, slot.deviceId !== undefined), TIE_RANKS - 1);
    let device = 0;
    if (slot.deviceId !== undefined) {
      const position = this.homes[slot.homeIndex]?.devicePosition(slot.deviceId) ?? -1;
      device = position < 0 || position >= TIE_DEVICES - 1 ? TIE_DEVICES - 1 : position + 1;
    }
    return (slot.homeIndex * TIE_RANKS + rank) * TIE_DEVICES + device;
  }

  private fireDue(now: number): void {
    for (;;) {
      const fired = this.queue.popDue(now);
      if (!fired) break;
      if (fired.at > this.clockMs) this.clockMs = fired.at;
      const home = this.homes[fired.slot.homeIndex];
      if (!home) continue;
      this.ctx.inTimer = true;
      try {
        this.onTimer(home, fired.slot, fired.at);
      } finally {
        this.ctx.inTimer = false;
      }
    }
    if (now > this.clockMs) this.clockMs = now;
  }

  private onTimer(home: HomeState, slot: TimerSlot, at: number): void {
    const ctx = this.ctx;
    const registry = this.registry;
    if (slot.deviceId !== undefined) {
      const rule = registry.deviceTimerRule(slot.name);
      const device = home.devices.get(slot.deviceId);
      if (!rule || !device) return;
      const slice = device.slices?.[registry.slotOf(rule)];
      rule.onDeviceTimer?.(home, device, at, ctx, slice, home.slices[registry.homeSlotOf(rule)]);
      return;
    }
    if (slot.name === OUT_CHECK_TIMER) {
      // Out with `outSince` NaN: a leaving while out, its closing to confirm (or a snapshot from before session 26
      // with no activity known), which begins the outing again.
      if (home.out && !Number.isNaN(home.outSince)) {
        // The outing's bound, armed for a bound the configuration has since raised: the outing still began at its
        // closing (not now), and its bound runs from there.
        const endsAt = home.outingEndsAt();
        if (at >= endsAt) this.outingLapsed(home, at);
        else if (Number.isFinite(endsAt)) ctx.arm(slot, endsAt);
      } else {
        // The exit door closed and nothing happened inside since: the resident is out, for as long as the home's
        // outings last (the same timer then ends an outing nothing else ended: `outingLapsed`).
        home.out = true;
        home.outSince = at - home.params.presence.outAfterMinutes * MINUTE_MS;
        home.outingAfterArrival = home.leftSoonAfter;
        home.leftSoonAfter = NaN;
        this.suspend(home, at);
        const endsAt = home.outingEndsAt();
        if (Number.isFinite(endsAt)) this.ctx.arm(slot, endsAt);
      }
      return;
    }
    const rule = registry.homeTimerOwner(slot.name);
    // An inactivity-family timer does not fire while the resident is out or the home away.
    if (!rule || (rule.silence === true && home.suspended())) return;
    rule.onTimer?.(home, slot.name, at, ctx, home.slices[registry.homeSlotOf(rule)]);
  }

  /** `at` is the event's time (never after `now`), `now` the rules' time. */
  private onEvent(event: SensorEvent, at: number, now: number): void {
    const home = this.homeOf(event, at);
    const device = home.deviceFor(event);
    // Whether it is a copy, told once, before its rules hear it (they and the bookkeeping after them read it).
    const duplicate = (this.ctx.duplicate = duplicateReport(device, event, at));
    this.eventRules(home, device, event, at, now);
    this.afterEventRules(home, device, event, at, duplicate);
  }

  private homeOf(event: SensorEvent, at: number): HomeState {
    const home = this.byId.get(event.homeId) ?? this.addHome(defaultHomeConfig(event.homeId), true);
    if (Number.isNaN(home.firstSeenAt)) home.firstSeenAt = at;
    home.noteHeard(at);
    return home;
  }

  /**
   * The rules that listen to this event's type, from the `from`th; with `untilRaise`, stops after the first that
   * raises an alert. Returns the index of the next rule to hear the event (the list's length when all have).
   */
  private eventRules(
    home: HomeState,
    device: DeviceState,
    event: SensorEvent,
    at: number,
    now: number,
    from = 0,
    untilRaise = false,
  ): number {
    const ctx = this.ctx;
    const rules = this.registry.forEvent(event.type);
    for (let i = from; i < rules.length; i++) {
      const entry = rules[i]!;
      const rule = entry.rule;
      if (rule.deviceKinds !== undefined && !rule.deviceKinds.includes(device.kind)) continue;
      const deviceSlice = entry.devicePosition < 0 ? undefined : home.deviceSlice(device, rule, entry.devicePosition);
      const before = untilRaise ? ctx.decisions.length : 0;
      rule.onEvent?.(home, device, event, at, ctx, now, deviceSlice, homeSlice(home, entry));
      if (untilRaise && ctx.decisions.length > before && raisesOnly(ctx.decisions)) return i + 1;
    }
    return rules.length;
  }

  /**
   * What follows the event's own rules: a mat's presence, and the event as activity. `duplicate` is `duplicateReport`'s
   * word on the event, told before its rules heard it (nothing they do changes the device's latest reports).
   */
  private afterEventRules(
    home: HomeState,
    device: DeviceState,
    event: SensorEvent,
    at: number,
    duplicate: ReportCopy,
  ): void {
    // Any report says the device is alive (a dead one holds the room rules off: `HomeState.deviceDead`).
    home.noteReport(device, event, at);
    // One of this device's latest reports again (MQTT QoS 1 redelivering, a bridge re-sending after a reconnect, at
    // once or after a later report): it is not activity (a gap of 0 learned as a quiet period), and a copy that comes
    // after a later report does not set the device's state back (a door's `open` after its `close` would hide the
    // next opening). The event's own rules heard it (a pendant press is one alert however often it is delivered).
    if (duplicate !== undefined) return;
    noteReport(device, event, at);
    // A mat's report also says whether someone rests on it (rules only: mats as evidence, presence.ts). Not a copy of
    // its latest report (same time, same value): a pulsing mat's release copied would end the rest its first delivery
    // kept (a copy is no news from the mat; a repeated release at a time of its own is, `noteState`).
    if (event.type === 'occupancy' && (device.kind === 'bed' || device.kind === 'chair'))
      onMatReport(home, device, event.value === true, event.ts);
    const activity = observeActivity(device, event, home.params.presence, this.activity);
    if (activity) this.onActivity(home, device, event, activity, at);
  }

  /** `handle`'s end, once the event is through: a late event's overdue timers, then the decisions. */
  private afterEvent(at: number, now: number): RuleDecision[] {
    if (at < this.clockMs) {
      // A late activity may leave a silence already overdue: decided at the next event on time or tick, not now (the
      // late reports after it, a bridge's flush, may end it). One that clears an alert is decided now: an alert it
      // would clear and raise again at once stays open instead.
      if (this.ctx.decisions.some((d) => d.type === 'clear')) this.fireDue(now);
      return withoutReopened(this.ctx.take());
    }
    return this.ctx.take();
  }

  /**
   * How far the timers run before an event: to `now`, or, for a report older than the rules' time (a bridge flushing
   * what it held), to its own time only: a timer armed by the flush's earlier reports is decided after the flush,
   * once its later reports have been heard, not between two of them.
   */
  private lateBound(event: SensorEvent, now: number): number {
    return event.ts < this.clockMs ? event.ts : now;
  }

  private noRestPending(): void {
    if (this.rest) throw new Error('rules engine: finishEvent() must follow handleFirst() before anything else');
  }

  private onActivity(home: HomeState, device: DeviceState, event: SensorEvent, activity: Activity, at: number): void {
    const ctx = this.ctx;
    // A report stamped just before the last activity but heard after it: the device's state now, heard when the last
    // activity was, so the silence under way is judged with it (a door's closing stamped before its opening: the door
    // shut, not left open; the exit door's closing stamped a moment before the hall PIR's clearing: the resident went
    // out). From the device the home last heard, up to `REORDER_MS` (its next report, its clock's jitter; not a copy,
    // `duplicateReport`); from another, up to `STAMP_ORDER_MS`, within which two devices' stamps cannot say which came
    // last and the order they reached the hub in is the better word. Older, a late report (a bridge's flush).
    if (
      at < home.lastActivityAt &&
      home.lastActivityAt - at <= (device.id === home.lastActivityDeviceId ? REORDER_MS : STAMP_ORDER_MS)
    )
      at = home.lastActivityAt;
    // Older than the last activity known (a late batch): the resident was already seen since; nothing re-arms.
    if (at < home.lastActivityAt) return;
    // A PIR's or presence sensor's clearing whose last movement (its hold before the clearing) came before the resident
    // sat down on a mat in another room: they had moved on; it is no sign of them there now (`clearedBehind`).
    if (
      activity.heldEnd &&
      clearedBehind(device, activity, at, home.devices.get(home.lastActivityDeviceId ?? ''), home.lastActivityAt)
    )
      return;
    // A home configured with no exit door learns which doors are the way out from its own silences (exit-door-learning.ts).
    if (!home.exitDoorGiven) this.learnExitDoor(home, device, event, activity, at);
    // Outings older than the last two spans of days are forgotten (`HomeState.ageOutings`).
    home.ageOutings(home.zone.dayNumber(at));
    // After an outing that lapsed, the first activity ends it: its length teaches the bound (a day away is learned).
    const lapsedSince = home.outLapsedSince;
    home.outLapsedSince = NaN;
    if (!Number.isNaN(lapsedSince)) home.noteOuting(lapsedSince, at);
    // Learn the quiet period that just ended, unless the resident was out (or an outing lapsed) or the home away, or
    // the hub heard nothing for part of it (it was down: `heardSince`).
    if (
      !home.suspended() &&
      Number.isNaN(lapsedSince) &&
      !Number.isNaN(home.lastActivityAt) &&
      at >= home.lastActivityAt &&
      home.heardSince(home.lastActivityAt)
    ) {
      const hourOfWeek = home.zone.hourOfWeek(home.lastActivityAt);
      const gap = at - home.lastActivityAt;
      const day = home.zone.dayNumber(at);
      home.learned.record('home', hourOfWeek, gap, day);
      // Shut in the bedroom for the night when it began: the bedroom's silence, as it was judged (session 35).
      const context = home.lastActivityShutIn ?? home.lastActivityContext;
      if (context !== undefined) home.learned.record(context, hourOfWeek, gap, day);
      // A device with no room: its own place's silence too (read by possible-fall only; session 68).
      const place = home.devices.get(home.lastActivityDeviceId ?? '')?.placeContext;
      if (place !== undefined) home.learned.record(place, hourOfWeek, gap, day);
      if (home.bedOccupied) home.learned.record(IN_BED, hourOfWeek, gap, day);
      else if (home.chairOccupied) home.learned.record(IN_CHAIR, hourOfWeek, gap, day);
      if (home.lastActivityKey !== undefined) home.silences.record(home.lastActivityKey, gap, day);
      if (home.lastActivityDeviceId !== undefined) home.noteSilenceEnd(home.lastActivityDeviceId, device.id, day);
    }
    // Inside: activity there, or a held PIR clearing later than its hold after the exit door closed (presence.ts).
    const inside = activity.inside || movedAfterExitClosed(home, device, activity, at);
    // The exit door: a closing may begin an outing; the door opened and closed while out is an arrival (activity.ts).
    const move =
      activity.exit === undefined
        ? undefined
        : // The door opening after an outing lapsed is as likely the resident coming home: it may be an arrival.
          exitDoorMove(home.exitDoor, activity.exit, at, home.out || !Number.isNaN(lapsedSince), home.params.presence);
    if (inside) {
      ctx.disarm(home.timers[OUT_CHECK_TIMER]);
      if (home.out) home.noteOuting(home.outSince, at);
      home.out = false;
      home.outSince = NaN;
      home.unseenArrival = undefined;
      home.leftSoonAfter = NaN;
    } else if (move === 'arrival') {
      // Someone came in and closed the door behind them: nobody leaves again without opening it. The home is not out,
      // though no sensor inside saw who came in (a starter kit, a room without a sensor): the silence rules watch.
      if (home.out) {
        home.unseenArrival = { doorId: device.id, openedAt: home.exitDoor.arrivalOpenedAt, closedAt: at };
        home.noteOuting(home.outSince, home.exitDoor.arrivalOpenedAt);
        ctx.disarm(home.timers[OUT_CHECK_TIMER]);
      }
      home.out = false;
      home.outSince = NaN;
      home.outingAfterArrival = NaN;
    } else if (move === 'same-arrival') {
      if (home.unseenArrival) home.unseenArrival.closedAt = at;
    } else if (move === 'leaving') {
      // The door opened again within minutes of an arrival nobody inside has seen (or again while such a leaving waits
      // to be confirmed): the outing it may begin is bounded even where the home's days away give none (session 69).
      const soon = home.params.presence.outAfterMinutes * MINUTE_MS;
      const arrival = home.unseenArrival;
      if (arrival !== undefined)
        home.leftSoonAfter = home.exitDoor.openedAt - arrival.closedAt <= soon ? arrival.closedAt : NaN;
      else if (home.out)
        // Out already, the door opened again within minutes of the closing that began such an outing: the same doubt.
        home.leftSoonAfter = home.exitDoor.openedAt - home.outSince <= soon ? home.outingAfterArrival : NaN;
      home.unseenArrival = undefined;
      // Out already (a door that stood open longer than it takes to come in): a new outing begins with this closing.
      if (home.out) home.outSince = NaN;
      ctx.arm(home.timers[OUT_CHECK_TIMER], outConfirmedAt(at, home.params.presence));
    }
    // Seen in a room (not a PIR clearing, which ends a movement begun earlier): a mat elsewhere is not the resident.
    if (device.room !== undefined && !activity.heldEnd) {
      home.seenIn(device.room);
      // Where the home's own sensors last placed someone: what a worn device's alert names (session 36).
      if (!activity.worn) {
        home.sightingAt = at;
        home.sightingDeviceId = device.id;
      }
    }
    // A bed or sofa may carry two mats: occupied while either is (stuck or contradicted mats do not count).
    const inBed = home.matOccupied('bed', at);
    const seen = this.seen;
    seen.device = device;
    seen.inside = inside;
    seen.bedChanged = inBed !== home.bedOccupied;
    home.bedOccupied = inBed;
    const entries = this.registry.entries;
    for (const entry of entries) entry.rule.onActivitySeen?.(home, seen, at, ctx, homeSlice(home, entry));
    home.chairOccupied = home.matOccupied('chair', at);
    home.lastActivityAt = at;
    home.watchedSince = NaN;
    home.lastActivityRoom = device.room;
    home.lastActivityContext = device.roomContext;
    home.lastActivityKey = activityKey(device, event);
    home.lastActivityDeviceId = device.id;
    home.lastActivityLocated = isLocated(home, device, event);
    home.lastActivityShutIn = shutInForNight(home, at);
    if (home.suspended()) return;
    for (const entry of entries) entry.rule.onActivity?.(home, at, ctx, homeSlice(home, entry));
  }

  private learnExitDoor(
    home: HomeState,
    device: DeviceState,
    event: SensorEvent,
    activity: Activity,
    at: number,
  ): void {
    // A door learned already stays one (its moves still bound the silences, so an inside door by it is not taken).
    const door = (device.kind === 'door' || device.kind === 'exit-door') && event.type === 'contact';
    const learned = home.exitLearning.observe(
      { deviceId: device.id, door, room: device.room, heldEnd: activity.heldEnd, at },
      home.zone,
    );
    if (learned === undefined) return;
    home.takeAsExitDoor(learned);
    this.onExitDoorLearned?.(home.config.id, learned, at);
  }

  /** Per home, the doors taken for the way out from its outings (nobody marked an exit door); homes with none left out. */
  exitDoorsLearned(): Map<string, readonly string[]> {
    const out = new Map<string, readonly string[]>();
    for (const home of this.homes)
      if (home.exitLearning.learned.length > 0) out.set(home.config.id, home.exitLearning.learned);
    return out;
  }

  /**
   * An outing that nothing ended (no arrival by the exit door, nothing inside) outlasted every outing of the home's:
   * the outing was more likely wrong (the door moved while the resident stayed in, unseen) than that long. The
   * resident is no longer out, only not seen since the last activity; inactivity calls (late rather than never).
   */
  private outingLapsed(home: HomeState, at: number): void {
    home.out = false;
    home.outLapsedSince = home.outSince;
    home.outSince = NaN;
    if (home.away) return;
    for (const entry of this.registry.entries)
      if (entry.rule.silence) entry.rule.onOutingLapsed?.(home, at, this.ctx, homeSlice(home, entry));
  }

  private suspend(home: HomeState, at: number): void {
    for (const entry of this.registry.entries) entry.rule.onSuspend?.(home, at, this.ctx, homeSlice(home, entry));
    for (const kind of INACTIVITY_FAMILY)
      this.ctx.clear(home, kind, at, home.away ? 'home set to away' : 'resident went out');
  }
}

/** A rule's home slice (undefined when it keeps none). */
function homeSlice(home: HomeState, entry: RegisteredRule): unknown {
  return entry.homePosition < 0 ? undefined : home.slices[entry.homePosition];
}
