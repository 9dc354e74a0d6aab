// The rules engine: pure, clock-injected; the same code runs live, in replay and in tests.
import { blankActivity, observeActivity, outConfirmedAt, type Activity } from './activity.js';
import { bathroomRule } from './bathroom-too-long.js';
import { climateRule } from './climate.js';
import { RuleContext } from './context.js';
import { emergencyRule } from './emergency.js';
import { HomeState, type DeviceState, type HomeSnapshot } from './home-state.js';
import { IN_BED, IN_CHAIR, inactivityRule } from './inactivity.js';
import { lowBatteryRule } from './low-battery.js';
import { nightExitRule } from './night-exit.js';
import { noMorningActivityRule } from './no-morning-activity.js';
import { outOfBedRule } from './out-of-bed-too-long.js';
import { possibleFallRule } from './possible-fall.js';
import { activityKey, isLocated, movedAfterExitClosed, onMatReport } from './presence.js';
import { sensorOfflineRule } from './sensor-offline.js';
import { tamperRule } from './tamper.js';
import { TimerQueue } from './timer-queue.js';
import type { HomeConfig, RuleDecision, SensorEvent } from './types.js';
import { INACTIVITY_FAMILY } from './vocabulary.js';
import { wearableFallRule } from './wearable-fall.js';

const STATE_VERSION = 6;

/** The rules that watch silences: re-armed by every activity, suspended while out or away. */
const SILENCE_RULES = [inactivityRule, possibleFallRule, bathroomRule];

interface EngineState {
  version: number;
  clockMs: number;
  homes: Record<string, HomeSnapshot>;
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

/** Drop each `clear` followed by a `raise` of the same home and kind: the alert stays open as it was. */
function withoutReopened(decisions: RuleDecision[]): RuleDecision[] {
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

export class RulesEngine {
  private clockMs = 0;
  private readonly queue = new TimerQueue();
  private readonly ctx = new RuleContext(this.queue);
  private readonly homes: HomeState[] = [];
  private readonly byId = new Map<string, HomeState>();
  /** The activity of the event being handled (one reused: nothing is made per event). */
  private readonly activity = blankActivity();

  constructor(homes: HomeConfig[]) {
    for (const config of homes) this.addHome(config);
  }

  /**
   * Feed one event at the rules' time `now`; returns decisions, timers due by then included. Live, `now` is the
   * hub's clock: a sensor's `ts` never moves the rules' time. A `ts` ahead of `now` counts as now; an older one (a
   * bridge flushing its buffer) counts at its own time, and its silence timers run from it, not from now. Replay
   * passes nothing and runs on event time.
   */
  handle(event: SensorEvent, now: number = event.ts): RuleDecision[] {
    this.fireDue(now);
    if (event.assigned) {
      const at = Math.min(event.ts, this.clockMs);
      this.onEvent(event, at, this.clockMs);
      if (at < this.clockMs) {
        // A late activity may leave a silence already overdue: decided now, not at the next tick; an alert it
        // would clear and raise again at once stays open instead.
        this.fireDue(now);
        return withoutReopened(this.ctx.take());
      }
    }
    return this.ctx.take();
  }

  /** Move the engine's clock to `now`, firing every timer due by then. */
  advanceTo(now: number): RuleDecision[] {
    this.fireDue(now);
    return this.ctx.take();
  }

  /** The rules' time: the latest `now` or timer seen (it never goes back). */
  now(): number {
    return this.clockMs;
  }

  /** When the next timer is due (epoch ms), or null when none is armed. */
  nextDueAt(): number | null {
    return this.queue.nextDueAt();
  }

  /** Set or clear a home's away mode at `now`. */
  setAway(homeId: string, away: boolean, now: number): RuleDecision[] {
    this.fireDue(now);
    const h = this.byId.get(homeId);
    if (h && h.away !== away) {
      const at = Math.max(now, this.clockMs);
      h.away = away;
      if (away) {
        this.suspend(h, at);
      } else {
        // Back from away: the silence starts now, as if the resident had just come in.
        h.out = false;
        h.lastActivityAt = at;
        h.lastActivityRoom = undefined;
        h.lastActivityContext = undefined;
        h.lastActivityKey = undefined;
        h.lastActivityLocated = false;
        for (const rule of SILENCE_RULES) rule.onActivity(h, at, this.ctx);
      }
    }
    return this.ctx.take();
  }

  /** JSON-serialisable snapshot: learned normal, rule state, armed timers. */
  exportState(): unknown {
    const homes: Record<string, HomeSnapshot> = {};
    for (const h of this.homes) homes[h.config.id] = h.snapshot();
    const state: EngineState = { version: STATE_VERSION, clockMs: this.clockMs, homes };
    return state;
  }

  /** Whether `fromState` can restore this saved state (same version); otherwise it must be rebuilt from events. */
  static acceptsState(state: unknown): boolean {
    return typeof state === 'object' && state !== null && (state as Partial<EngineState>).version === STATE_VERSION;
  }

  static fromState(homes: HomeConfig[], state: unknown): RulesEngine {
    const engine = new RulesEngine(homes);
    const s = state as Partial<EngineState> | null;
    if (!s || typeof s !== 'object') return engine;
    if (typeof s.clockMs === 'number') engine.clockMs = s.clockMs;
    if (s.version !== STATE_VERSION || !s.homes) return engine;
    for (const [id, snapshot] of Object.entries(s.homes)) {
      const h = engine.byId.get(id) ?? engine.addHome(defaultHomeConfig(id));
      for (const [slot, at] of h.restore(snapshot)) engine.queue.arm(slot, at);
    }
    return engine;
  }

  /** Add a home that was not in the constructor's list (replay: a home absent from the configuration). */
  addHome(config: HomeConfig): HomeState {
    const existing = this.byId.get(config.id);
    if (existing) return existing;
    const h = new HomeState(this.homes.length, config);
    this.homes.push(h);
    this.byId.set(config.id, h);
    return h;
  }

  hasHome(id: string): boolean {
    return this.byId.has(id);
  }

  private fireDue(now: number): void {
    for (;;) {
      const fired = this.queue.popDue(now);
      if (!fired) break;
      if (fired.at > this.clockMs) this.clockMs = fired.at;
      this.onTimer(this.homes[fired.slot.homeIndex], fired.slot.name, fired.slot.deviceId, fired.at);
    }
    if (now > this.clockMs) this.clockMs = now;
  }

  private onTimer(h: HomeState, name: string, deviceId: string | undefined, at: number): void {
    const c = this.ctx;
    switch (name) {
      case 'inactivity':
        if (!h.suspended()) inactivityRule.onTimer(h, at, c);
        break;
      case 'inactivity-pre':
        if (!h.suspended()) inactivityRule.onPreAlertTimer(h, at, c);
        break;
      case 'possible-fall':
        if (!h.suspended()) possibleFallRule.onTimer(h, at, c);
        break;
      case 'bathroom':
        if (!h.suspended()) bathroomRule.onTimer(h, at, c);
        break;
      case 'out-of-bed':
        if (!h.suspended()) outOfBedRule.onTimer(h, at, c);
        break;
      case 'no-morning':
        noMorningActivityRule.onTimer(h, at, c);
        break;
      case 'night-exit':
        nightExitRule.onTimer(h, at, c);
        break;
      case 'out-check':
        // The exit door closed and nothing happened inside since: the resident is out.
        h.out = true;
        this.suspend(h, at);
        break;
      case 'offline': {
        const device = h.devices.get(deviceId ?? '');
        if (device) sensorOfflineRule.onTimer(h, device, at, c);
        break;
      }
      case 'climate': {
        const device = h.devices.get(deviceId ?? '');
        if (device) climateRule.onTimer(h, device, at, c);
        break;
      }
      case 'fall': {
        const device = h.devices.get(deviceId ?? '');
        if (device) wearableFallRule.onTimer(h, device, at, c);
        break;
      }
      default:
        break;
    }
  }

  /** `at` is the event's time (never after `now`), `now` the rules' time. */
  private onEvent(event: SensorEvent, at: number, now: number): void {
    const c = this.ctx;
    const h = this.byId.get(event.homeId) ?? this.addHome(defaultHomeConfig(event.homeId));
    if (Number.isNaN(h.firstSeenAt)) h.firstSeenAt = at;
    noMorningActivityRule.ensureArmed(h, now, c);
    const device = h.deviceFor(event);
    // An event older than the device's last one says nothing new about whether it is alive.
    if (!(device.lastSeenAt > at)) sensorOfflineRule.onSeen(h, device, at, c);
    switch (event.type) {
      case 'pendant':
      case 'fall':
      case 'smoke':
      case 'co':
      case 'gas':
      case 'water':
        emergencyRule.onEvent(h, device, event, at, c);
        break;
      case 'battery':
      case 'battery_low':
        lowBatteryRule.onEvent(h, device, event, at, c);
        break;
      case 'tamper':
        if (typeof event.value === 'boolean') tamperRule.onTamper(h, device, event.value, at, c);
        break;
      case 'temperature':
        if (typeof event.value === 'number') {
          climateRule.onTemperature(h, device, event.value, at, c);
          device.lastTempC = event.value;
        }
        break;
      case 'availability':
        if (typeof event.value === 'boolean') sensorOfflineRule.onAvailability(h, device, event.value, at, c);
        break;
      case 'accel':
        if (typeof event.value === 'object') wearableFallRule.onAccel(h, device, event.value, event.ts, at, c);
        break;
      default:
        break;
    }
    // A mat's report also says whether someone rests on it (rules only: mats as evidence, presence.ts).
    if (event.type === 'occupancy' && (device.kind === 'bed' || device.kind === 'chair'))
      onMatReport(h, device, event.value === true, event.ts);
    const activity = observeActivity(device, event, h.params.presence, this.activity);
    if (activity) this.onActivity(h, device, event, activity, at);
  }

  private onActivity(h: HomeState, device: DeviceState, event: SensorEvent, activity: Activity, at: number): void {
    const c = this.ctx;
    // Older than the last activity known (a late batch): the resident was already seen since; nothing re-arms.
    if (at < h.lastActivityAt) return;
    // Learn the quiet period that just ended, unless the resident was out or the home away.
    if (!h.suspended() && !Number.isNaN(h.lastActivityAt) && at >= h.lastActivityAt) {
      const how = h.zone.hourOfWeek(h.lastActivityAt);
      const gap = at - h.lastActivityAt;
      const day = h.zone.dayNumber(at);
      h.learned.record('home', how, gap, day);
      if (h.lastActivityContext !== undefined) h.learned.record(h.lastActivityContext, how, gap, day);
      if (h.bedOccupied) h.learned.record(IN_BED, how, gap, day);
      else if (h.chairOccupied) h.learned.record(IN_CHAIR, how, gap, day);
      if (h.lastActivityKey !== undefined) h.silences.record(h.lastActivityKey, gap, day);
    }
    if (activity.inside || movedAfterExitClosed(h, device, activity, at)) {
      c.disarm(h.timers['out-check']);
      nightExitRule.onInsideActivity(h, at, c);
      h.out = false;
    } else if (activity.exit !== undefined) {
      if (activity.exit === 'closed') {
        c.arm(h.timers['out-check'], outConfirmedAt(at, h.params.presence));
      } else {
        nightExitRule.onExitDoorOpened(h, device, at, c);
      }
    }
    // Seen in a room (not a PIR clearing, which ends a movement begun earlier): a mat elsewhere is not the resident.
    if (device.room !== undefined && !activity.heldEnd) h.seenIn(device.room);
    // A bed or sofa may carry two mats: occupied while either is (stuck or contradicted mats do not count).
    const inBed = h.matOccupied('bed', at);
    if (inBed !== h.bedOccupied) {
      h.bedOccupied = inBed;
      outOfBedRule.onBed(h, inBed, at, c);
    }
    h.chairOccupied = h.matOccupied('chair', at);
    h.lastActivityAt = at;
    h.lastActivityRoom = device.room;
    h.lastActivityContext = device.roomContext;
    h.lastActivityKey = activityKey(device, event);
    h.lastActivityDeviceId = device.id;
    h.lastActivityLocated = isLocated(h, device, event);
    if (h.suspended()) return;
    for (const rule of SILENCE_RULES) rule.onActivity(h, at, c);
    noMorningActivityRule.onActivity(h, at, c);
  }

  private suspend(h: HomeState, at: number): void {
    for (const rule of SILENCE_RULES) rule.onSuspend(h, at, this.ctx);
    outOfBedRule.onSuspend(h, at, this.ctx);
    for (const kind of INACTIVITY_FAMILY)
      this.ctx.clear(h, kind, at, h.away ? 'home set to away' : 'resident went out');
  }
}
