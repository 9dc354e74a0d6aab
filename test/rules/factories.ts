// Test factories: a home with the usual sensors, events from its devices, and an engine on a fake clock.
import { FakeClock } from '../../hub/clock.js';
import { RulesEngine } from '../../rules/engine.js';
import type { RuleOverrides } from '../../rules/params.js';
import type { DeviceConfig, EventValue, HomeConfig, RuleDecision, SensorEvent } from '../../rules/types.js';
import { INACTIVITY_FAMILY, type EventType } from '../../rules/vocabulary.js';

const FAMILY: ReadonlySet<string> = new Set(INACTIVITY_FAMILY);

/** Monday 5 January 2026, 00:00 UTC. */
export const MONDAY = Date.UTC(2026, 0, 5);

export const DEVICES: DeviceConfig[] = [
  { id: 'pendant', kind: 'pendant', residentId: 'r1' },
  { id: 'watch', kind: 'wearable', residentId: 'r1' },
  { id: 'hall-pir', kind: 'motion', room: 'hall' },
  { id: 'kitchen-pir', kind: 'motion', room: 'kitchen' },
  { id: 'living-pir', kind: 'motion', room: 'living' },
  { id: 'bathroom-pir', kind: 'motion', room: 'bathroom' },
  { id: 'bedroom-pir', kind: 'motion', room: 'bedroom' },
  { id: 'bed', kind: 'bed', room: 'bedroom' },
  { id: 'chair', kind: 'chair', room: 'living' },
  { id: 'front', kind: 'exit-door', room: 'entrance' },
  { id: 'fridge', kind: 'door', room: 'kitchen' },
  { id: 'kettle', kind: 'appliance', room: 'kitchen' },
  { id: 'smoke', kind: 'smoke', room: 'kitchen' },
  { id: 'thermo', kind: 'climate', room: 'living' },
];

/**
 * A home where nothing sees the bed (no bed mat, no device in a bedroom): PIRs in the hall, kitchen, living room and
 * bathroom, the exit door and the fridge (sessions 70 and 71's reviews of `bedUnseen`).
 */
export const NO_BEDROOM: DeviceConfig[] = [
  { id: 'hall-pir', kind: 'motion', room: 'hall' },
  { id: 'kitchen-pir', kind: 'motion', room: 'kitchen' },
  { id: 'living-pir', kind: 'motion', room: 'living' },
  { id: 'bathroom-pir', kind: 'motion', room: 'bathroom' },
  { id: 'front', kind: 'exit-door', room: 'entrance' },
  { id: 'fridge', kind: 'door', room: 'kitchen' },
];

/** `NO_BEDROOM` with a bedroom PIR, which sees the bed. */
export const WITH_BEDROOM_PIR: DeviceConfig[] = [...NO_BEDROOM, { id: 'bedroom-pir', kind: 'motion', room: 'bedroom' }];

export function home(overrides: Partial<HomeConfig> = {}, rules: RuleOverrides = {}): HomeConfig {
  return {
    id: 'h1',
    timezone: 'UTC',
    nightWindow: { start: '23:00', end: '06:00' },
    away: false,
    residents: [{ id: 'r1' }],
    devices: DEVICES,
    rules,
    ...overrides,
  };
}

/** An event from a configured device of home `h1` (room and kind as ingest would resolve them). */
export function ev(
  ts: number,
  deviceId: string,
  type: EventType,
  value: EventValue,
  config: HomeConfig = home(),
): SensorEvent {
  const device = config.devices.find((d) => d.id === deviceId);
  const event: SensorEvent = {
    homeId: config.id,
    deviceId,
    type,
    value,
    ts,
    source: 'mqtt',
    assigned: device !== undefined,
  };
  if (device?.room !== undefined) event.room = device.room;
  if (device) event.kind = device.kind;
  return event;
}

/** An engine driven like the hub drives it: events in, a fake-clock timer at the engine's next due time. */
export class Harness {
  readonly clock: FakeClock;
  engine: RulesEngine;
  readonly decisions: RuleDecision[] = [];
  private timer: ReturnType<FakeClock['setTimer']> | undefined;

  constructor(
    readonly config: HomeConfig = home(),
    start = MONDAY,
  ) {
    this.clock = new FakeClock(start);
    this.engine = new RulesEngine([config]);
  }

  send(event: SensorEvent): RuleDecision[] {
    this.clock.advanceTo(event.ts);
    const out = this.engine.handle(event);
    this.take(out);
    return out;
  }

  /** `send` for a configured device at the clock's time plus `afterMs`. */
  at(afterMs: number, deviceId: string, type: EventType, value: EventValue): RuleDecision[] {
    return this.send(ev(this.clock.now() + afterMs, deviceId, type, value, this.config));
  }

  advanceBy(ms: number): void {
    this.clock.advanceBy(ms);
  }

  /** The hub starts watching now (`RulesEngine.watch`: its start or a reload). */
  watch(): void {
    this.take(this.engine.watch(this.clock.now()));
  }

  setAway(away: boolean): void {
    this.take(this.engine.setAway(this.config.id, away, this.clock.now()));
  }

  /** Simulate a hub restart (or a configuration reload, given the home's new `config`): state through JSON, a new
   *  engine, timers re-armed. */
  restart(config: HomeConfig = this.config, edit?: (state: Record<string, unknown>) => void): void {
    const state = JSON.parse(JSON.stringify(this.engine.exportState())) as Record<string, unknown>;
    edit?.(state);
    if (this.timer) this.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.engine = RulesEngine.fromState([config], state);
    this.rearm();
  }

  raised(kind?: string): Extract<RuleDecision, { type: 'raise' }>[] {
    return this.decisions.filter(
      (d): d is Extract<RuleDecision, { type: 'raise' }> =>
        d.type === 'raise' && (kind === undefined || d.kind === kind),
    );
  }

  /** The inactivity family's raises as [kind, time]: what a silence was called, and when. */
  familyCalls(): [string, number][] {
    return this.raised()
      .filter((d) => FAMILY.has(d.kind))
      .map((d) => [d.kind, d.at]);
  }

  of(type: RuleDecision['type'], kind?: string): RuleDecision[] {
    return this.decisions.filter((d) => d.type === type && (kind === undefined || d.kind === kind));
  }

  private take(out: RuleDecision[]): void {
    this.decisions.push(...out);
    this.rearm();
  }

  private rearm(): void {
    if (this.timer) this.clock.clearTimer(this.timer);
    const due = this.engine.nextDueAt();
    this.timer =
      due === null ? undefined : this.clock.setTimer(due, () => this.take(this.engine.advanceTo(this.clock.now())));
  }
}

/**
 * Rule overrides that push possible-fall past the 12 h cap: a test of another rule of the inactivity family
 * watches it on its own (one call-out per silence: a possible-fall raised first would hold it back).
 */
export const WITHOUT_POSSIBLE_FALL: RuleOverrides = {
  possibleFall: { floorMinutes: 720, coldStartDayMinutes: 720, coldStartNightMinutes: 720, afterActivityPercent: 0 },
};
