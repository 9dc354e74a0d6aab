// The rule registry: what each rule listens to, its timers, its saved state and its handlers, declared in one place.
import type { Activity } from './activity.js';
import type { RuleContext } from './context.js';
import type { DeviceState, HomeState } from './home-state.js';
import type { TimerSlot } from './timer-queue.js';
import type { SensorEvent } from './types.js';
import type { DeviceKind, EventType } from './vocabulary.js';

/**
 * A rule's own saved state, kept per home or per device (a slice only the rule reads and writes). `save` gives its
 * JSON form (undefined: nothing worth keeping), `load` reads back what `save` gave under `version`; it returns
 * undefined for something it cannot read (the slice then starts afresh). Built-in rules also read version 0: the
 * flat device record of engine state version 5, from before the registry.
 */
export interface SliceCodec<Slice, Owner> {
  readonly version: number;
  create(owner: Owner, home: HomeState): Slice;
  save(slice: Slice): unknown;
  load(saved: unknown, version: number, owner: Owner, home: HomeState): Slice | undefined;
}

/** A rule's state for each device it listens to, made at the device's first event the rule receives. */
export interface DeviceSlices<Slice> extends SliceCodec<Slice, DeviceState> {
  /** Its per-device timer (name unique in the registry; saved as `<name>:<deviceId>`), on the slice. */
  readonly timer?: { readonly name: string; slot(slice: Slice): TimerSlot };
}

/**
 * A device slice that is one flag (`{ [field]: boolean }`), saved only while set. Version 0 is the flat device record
 * of state version 5, where the flag was `legacyField`.
 */
export function flagSlices<Field extends string>(
  field: Field,
  legacyField: string,
): DeviceSlices<Record<Field, boolean>> {
  const flag = (value: boolean) => ({ [field]: value }) as Record<Field, boolean>;
  return {
    version: 1,
    create: () => flag(false),
    save: (slice) => (slice[field] ? flag(true) : undefined),
    load: (saved, version) =>
      (saved as Record<string, unknown>)[version === 0 ? legacyField : field] === true ? flag(true) : undefined,
  };
}

/** What the engine saw of one activity before the rules hear of it (one reused object: nothing made per event). */
export interface ActivitySeen {
  device: DeviceState;
  activity: Activity;
  /** The resident is inside: `activity.inside`, or a held state cleared after the exit door closed, later than its
   *  hold (`presence.movedAfterExitClosed`). */
  inside: boolean;
  /** Whether the bed turned occupied or empty with this activity (`home.bedOccupied` is the new state). */
  bedChanged: boolean;
}

/**
 * One rule. Handlers are called in registry order (see `BUILT_IN_RULES`); each receives the rule's home slice (and,
 * for device events and timers, its device slice), undefined when the rule declares none.
 */
export interface RuleDefinition<HomeSlice = undefined, DeviceSlice = undefined> {
  readonly name: string;
  /** Event types `onEvent` receives; 'all' for every event of an assigned device. */
  readonly events?: readonly EventType[] | 'all';
  /** Device kinds `onEvent` receives (default: every kind). */
  readonly deviceKinds?: readonly DeviceKind[];
  /** Timers the home has once each, for this rule (names unique in the registry). */
  readonly homeTimers?: readonly string[];
  /** An inactivity-family rule: its timers do not fire while the resident is out or the home away. */
  readonly silence?: boolean;
  /**
   * Its home timers due at a local time of day (the morning check), not after a length of time: a step of the hub's
   * clock (`RulesEngine.clockStepped`) leaves them where they are; every other timer keeps the time it had left.
   */
  readonly timeOfDayTimers?: readonly string[];
  readonly homeState?: SliceCodec<HomeSlice, HomeState>;
  readonly deviceState?: DeviceSlices<DeviceSlice>;

  /** An event of a type it listens to; `at` is the event's time (never after `now`, the rules' time). */
  onEvent?(
    home: HomeState,
    device: DeviceState,
    event: SensorEvent,
    at: number,
    ctx: RuleContext,
    now: number,
    deviceSlice: DeviceSlice,
    homeSlice: HomeSlice,
  ): void;
  /** Any activity of the resident, while out or away too, before the home records it as the last activity. */
  onActivitySeen?(home: HomeState, seen: ActivitySeen, at: number, ctx: RuleContext, homeSlice: HomeSlice): void;
  /** The resident's activity, recorded as the home's last (`home.lastActivity*`), while not out or away. */
  onActivity?(home: HomeState, at: number, ctx: RuleContext, homeSlice: HomeSlice): void;
  /** The resident went out or the home was set away. */
  onSuspend?(home: HomeState, at: number, ctx: RuleContext, homeSlice: HomeSlice): void;
  /**
   * An outing nothing ended reached its bound (`HomeState.outingBoundMs`): the resident is no longer taken to be out,
   * only not seen since `home.lastActivityAt` (`home.outLapsedSince` says since when the home was out).
   */
  onOutingLapsed?(home: HomeState, at: number, ctx: RuleContext, homeSlice: HomeSlice): void;
  /**
   * The hub began watching a home none of whose activity is known (`home.watchedSince`, its first start with the home
   * configured): a silence from `at`, as if the resident had been seen then (never heard while out or away).
   */
  onWatchStart?(home: HomeState, at: number, ctx: RuleContext, homeSlice: HomeSlice): void;
  /**
   * The home is configured again after time out of the configuration (`RulesEngine.fromState`), nothing of it heard
   * meanwhile: forget what its saved state had under way (none of its saved timers is armed again).
   */
  onReturn?(home: HomeState, homeSlice: HomeSlice): void;
  /**
   * The home's saved state was restored under the configuration now (every start and reload: `RulesEngine.fromState`),
   * its saved timers armed as they were: a timer the configuration places (a time of day, an allowance from a saved
   * start) is moved to where it now says.
   */
  onRestore?(home: HomeState, at: number, ctx: RuleContext, homeSlice: HomeSlice): void;
  /**
   * The resident is taken to have just come in at `at` (the home set back from away, or configured again after it was
   * heard meanwhile: `RulesEngine.comeIn`), after the silence rules heard it as activity.
   */
  onComeIn?(home: HomeState, at: number, ctx: RuleContext, homeSlice: HomeSlice): void;
  /**
   * The hub's clock was stepped forward by `stepMs` while it ran and reads `now` (`RulesEngine.clockStepped`): every time
   * the rule keeps that a restore re-arms a timer from (a device's last report, a cold spell's start) is moved by the
   * step, as its timer was, so that a restart does not take the step for time passed; a time-of-day timer the step
   * carried past (disarmed by the engine) is armed for its next time.
   */
  onClockStep?(home: HomeState, stepMs: number, now: number, ctx: RuleContext, homeSlice: HomeSlice): void;
  /** One of its home timers is due. */
  onTimer?(home: HomeState, timer: string, at: number, ctx: RuleContext, homeSlice: HomeSlice): void;
  /** Its device timer is due. */
  onDeviceTimer?(
    home: HomeState,
    device: DeviceState,
    at: number,
    ctx: RuleContext,
    deviceSlice: DeviceSlice,
    homeSlice: HomeSlice,
  ): void;
}

/**
 * Any rule, whatever its slices: the registry holds rules of different slice types, and calls each only with the
 * slices its own codecs made.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a list of rules of different slice types (see above)
export type AnyRule = RuleDefinition<any, any>;

/** A timer slot of home `homeIndex` (disarmed). */
export function newTimerSlot(homeIndex: number, name: string, deviceId?: string): TimerSlot {
  return deviceId === undefined
    ? { homeIndex, name, dueAt: Infinity, queuedAt: Infinity }
    : { homeIndex, name, deviceId, dueAt: Infinity, queuedAt: Infinity };
}

/** The timer the engine itself owns: the exit door closed and nothing inside since means out. */
export const OUT_CHECK_TIMER = 'out-check';

/** A rule in one registry, with where its slices sit (-1: it keeps none). */
export interface RegisteredRule {
  readonly rule: AnyRule;
  /** Position of its slice in `device.slices`. */
  readonly devicePosition: number;
  /** Position of its slice in `home.slices`. */
  readonly homePosition: number;
}

/**
 * The rules of one engine, in order, with what the engine looks up per event and per timer made once: which rules
 * hear each event type, who owns each timer, where each rule's slices sit.
 */
export class RuleRegistry {
  readonly rules: readonly AnyRule[];
  /** Home timer names, in the order the rules declare them (the engine's `out-check` last). */
  readonly homeTimers: readonly string[];
  /** Home timers due at a local time of day (`RuleDefinition.timeOfDayTimers`): not moved by a clock step. */
  readonly timeOfDayTimers: ReadonlySet<string>;
  /** Rules with device state, in registry order: a device's slices sit at these positions. */
  readonly deviceStateRules: readonly AnyRule[];
  /** Every rule with where its slices sit, in registry order. */
  readonly entries: readonly RegisteredRule[];
  private readonly byEvent = new Map<EventType, RegisteredRule[]>();
  private readonly timerOwner = new Map<string, AnyRule>();
  private readonly deviceTimerOwner = new Map<string, AnyRule>();
  private readonly slicePosition = new Map<AnyRule, number>();
  private readonly homeSlicePosition = new Map<AnyRule, number>();
  /** Each home timer's and device timer's place among timers due at the same instant (`tieRank`). */
  private readonly homeTieRank = new Map<string, number>();
  private readonly deviceTieRank = new Map<string, number>();
  readonly homeStateRules: readonly AnyRule[];

  constructor(rules: readonly AnyRule[]) {
    const names = new Set<string>();
    const timers: string[] = [];
    for (const rule of rules) {
      if (names.has(rule.name)) throw new Error(`rule ${rule.name} registered twice`);
      names.add(rule.name);
      for (const timer of rule.homeTimers ?? []) {
        if (this.timerOwner.has(timer) || timer === OUT_CHECK_TIMER || timer.includes(':'))
          throw new Error(`rule ${rule.name}: timer name ${timer} taken or invalid`);
        this.timerOwner.set(timer, rule);
        timers.push(timer);
      }
      const deviceTimer = rule.deviceState?.timer?.name;
      if (deviceTimer !== undefined) {
        if (this.deviceTimerOwner.has(deviceTimer) || deviceTimer.includes(':'))
          throw new Error(`rule ${rule.name}: device timer name ${deviceTimer} taken or invalid`);
        this.deviceTimerOwner.set(deviceTimer, rule);
      }
    }
    this.rules = rules;
    this.homeTimers = [...timers, OUT_CHECK_TIMER];
    this.timeOfDayTimers = new Set(rules.flatMap((r) => r.timeOfDayTimers ?? []));
    this.deviceStateRules = rules.filter((r) => r.deviceState !== undefined);
    this.deviceStateRules.forEach((r, i) => this.slicePosition.set(r, i));
    this.homeStateRules = rules.filter((r) => r.homeState !== undefined);
    this.homeStateRules.forEach((r, i) => this.homeSlicePosition.set(r, i));
    this.entries = rules.map((rule) => ({
      rule,
      devicePosition: this.slotOf(rule),
      homePosition: this.homeSlotOf(rule),
    }));
    // Ties: the engine's out-check, the time-of-day timers, the other home timers, the device timers (`tieRank`).
    const homeTieOrder = [
      OUT_CHECK_TIMER,
      ...timers.filter((name) => this.timeOfDayTimers.has(name)),
      ...timers.filter((name) => !this.timeOfDayTimers.has(name)),
    ];
    homeTieOrder.forEach((name, i) => this.homeTieRank.set(name, i));
    for (const rule of this.deviceStateRules) {
      const name = rule.deviceState?.timer?.name;
      if (name !== undefined) this.deviceTieRank.set(name, homeTieOrder.length + this.deviceTieRank.size);
    }
  }

  /**
   * Where a timer fires among the home's timers due at the same instant (lower first), fixed by the registry alone:
   * the engine's out-check (whether the resident went out decides whether a silence is one at all); then the timers
   * due at a local time of day (the morning check: an allowance that runs until it, as inactivity's night in bed does,
   * waits for it to look first); then the other home timers in registry order (inactivity before possible-fall and
   * night-stillness, which arm only when sooner than inactivity, and `built-in.ts` says why the rules are in their
   * order); then the device timers in registry order, each rule's by the device's place in the configuration (the
   * engine's key). An unknown name comes last.
   */
  tieRank(name: string, deviceTimer: boolean): number {
    const rank = (deviceTimer ? this.deviceTieRank : this.homeTieRank).get(name);
    return rank ?? this.homeTieRank.size + this.deviceTieRank.size;
  }

  /** The rules that hear events of this type, in registry order (made once per type). */
  forEvent(type: EventType): readonly RegisteredRule[] {
    let list = this.byEvent.get(type);
    if (!list) {
      list = this.entries.filter(
        ({ rule }) => rule.onEvent !== undefined && (rule.events === 'all' || (rule.events ?? []).includes(type)),
      );
      this.byEvent.set(type, list);
    }
    return list;
  }

  /** The rule owning a home timer, or undefined for the engine's own (`out-check`) or an unknown name. */
  homeTimerOwner(name: string): AnyRule | undefined {
    return this.timerOwner.get(name);
  }

  deviceTimerRule(name: string): AnyRule | undefined {
    return this.deviceTimerOwner.get(name);
  }

  /** Where `rule`'s device slices sit on a device (-1: it has none). */
  slotOf(rule: AnyRule): number {
    return this.slicePosition.get(rule) ?? -1;
  }

  /** Where `rule`'s home slice sits on a home (-1: it has none). */
  homeSlotOf(rule: AnyRule): number {
    return this.homeSlicePosition.get(rule) ?? -1;
  }
}
