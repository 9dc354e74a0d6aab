// What the engine knows about one home: its configuration, devices, where the resident is, timers.
import { DeviceSilence, type DeviceSilenceState } from './device-silence.js';
import { createFallDetector, type FallDetector, type FallDetectorState } from './fall/detector.js';
import { LearnedNormal, type LearnedNormalState } from './learned-normal.js';
import { inWindow, parseHhMm, ZoneClock } from './local-time.js';
import { DAY_MS } from './time.js';
import { resolveRuleParams, type RuleParams } from './params.js';
import type { Threshold } from './threshold.js';
import type { TimerSlot } from './timer-queue.js';
import type { DeviceConfig, HomeConfig, SensorEvent } from './types.js';
import { INACTIVITY_FAMILY, type AlertKind, type DeviceKind } from './vocabulary.js';

const FAMILY: ReadonlySet<AlertKind> = new Set(INACTIVITY_FAMILY);
/** Holds a mat must have shown before it is judged to report movements rather than occupancy. */
const MAT_MIN_HOLDS = 10;

/** Timers a home has once each; per-device timers live on the device. */
export const HOME_TIMERS = [
  'inactivity',
  'inactivity-pre',
  'possible-fall',
  'bathroom',
  'out-of-bed',
  'no-morning',
  'night-exit',
  'out-check',
] as const;
export type HomeTimer = (typeof HOME_TIMERS)[number];

export interface DeviceState {
  id: string;
  kind: DeviceKind;
  room: string | undefined;
  residentId: string | undefined;
  lastSeenAt: number;
  /** Last boolean or number seen, to tell a change (contact, occupancy, held motion) or a rise (power). */
  lastValue: boolean | number | undefined;
  /** Since when a held presence state (motion or room occupancy `true`) has been on; NaN when off. */
  heldSince: number;
  /** Seen to report the end of a held state (`false`): its `true` means presence until then, not a pulse. */
  reportsHeld: boolean;
  /** The shortest held state it reported (about its hold time, ms); NaN before one. */
  holdMinMs: number;
  /** A mat's on→off holds seen, and how many were shorter than `presence.matPulseSeconds`. */
  matHolds: number;
  matBriefHolds: number;
  /** Since when a mat says someone rests on it (renewed by each report of a mat that pulses); NaN when not. */
  restSince: number;
  /** The resident was seen in another room since the mat's last report: its state is not them (single resident). */
  restVoid: boolean;
  offline: boolean;
  batteryLow: boolean;
  tampered: boolean;
  hazardOn: boolean;
  /** Since when the temperature has been out of range (NaN when in range), and which way. */
  climateSince: number;
  /** The last temperature the device reported (°C; NaN before any): apart from `lastValue`, which tells changes of
   * its contact, occupancy or power — a temperature report between two equal contact reports is no change. */
  lastTempC: number;
  climateKind: 'cold' | 'heat' | undefined;
  /** Learned-normal context of its room ("room:<name>"), made once. */
  roomContext: string | undefined;
  /** Device-silence keys of its activity (made once): the device alone, or a contact that opened or closed. */
  activityKeys: { any: string; open: string; closed: string };
  offlineSlot: TimerSlot;
  climateSlot: TimerSlot;
  fallDetector: FallDetector | undefined;
  /** Wakes the fall detector of a wearable gone silent with a decision pending. */
  fallSlot: TimerSlot;
  /** Rules' time minus the wearable's samples' time, as of its last `accel` message. */
  fallOffsetMs: number;
}

/** The persisted part of a home's state (JSON). */
export interface HomeSnapshot {
  firstSeenAt: number;
  lastActivityAt: number;
  lastActivityRoom: string | null;
  lastActivityLocated: boolean;
  out: boolean;
  away: boolean;
  bedOccupied: boolean;
  chairOccupied: boolean;
  wentToBed: boolean;
  gotUpAt: number;
  bathroomEnteredAt: number;
  risenDay: number;
  risingCandidateAt: number;
  risingLearnedDay: number;
  prealertOpen: boolean;
  nightExitDoor: string | null;
  open: AlertKind[];
  timers: Record<string, number>;
  devices: Record<
    string,
    Pick<
      DeviceState,
      | 'lastSeenAt'
      | 'lastValue'
      | 'heldSince'
      | 'reportsHeld'
      | 'offline'
      | 'batteryLow'
      | 'tampered'
      | 'hazardOn'
      | 'climateSince'
      | 'lastTempC'
      | 'climateKind'
    > & {
      /** The shortest held state it reported (absent before one). */
      holdMinMs?: number;
      /** A mat's holds and resting evidence (absent for other devices and in older snapshots). */
      mat?: Pick<DeviceState, 'matHolds' | 'matBriefHolds' | 'restSince' | 'restVoid'>;
      /** A wearable's fall detector with a decision pending (absent otherwise, and in older snapshots). */
      fall?: { offsetMs: number; detector: FallDetectorState };
    }
  >;
  learned: LearnedNormalState;
  /** Absent in snapshots from before it existed. */
  lastActivityKey?: string | null;
  silences?: DeviceSilenceState;
  lastActivityDeviceId?: string | null;
  /** The threshold behind each armed silence timer (shown in the alert's detail). */
  armed?: Record<string, Threshold>;
  morningGraceDay?: number;
  /** The silence (its last activity's time) of the latest inactivity-family alert raised; null when none. */
  familySilenceAt?: number | null;
}

export class HomeState {
  readonly params: RuleParams;
  readonly zone: ZoneClock;
  readonly nightStartMinute: number;
  readonly nightEndMinute: number;
  readonly hasBedMat: boolean;
  /** One resident (or none configured): activity in another room says a mat's state is not them. */
  readonly singleResident: boolean;
  /** Rooms with a bed or chair mat: there the mat, not the silence, says whether the resident rests. */
  readonly matRooms: ReadonlySet<string>;
  /** Rooms with an exit door: a silence after activity there may be an outing the door contact did not report. */
  readonly exitRooms: ReadonlySet<string>;
  /** Care plan's usual rising time (local minute of the day), or NaN. */
  readonly routineRisingMinute: number;
  /** Start of the resident's night for cold-start allowances: the care plan's usual bedtime, else the night window's. */
  readonly restNightStartMinute: number;
  readonly devices = new Map<string, DeviceState>();
  readonly timers: Record<HomeTimer, TimerSlot>;
  learned = new LearnedNormal();
  /** What normally follows each activity (device and way), for possible-fall without a PIR. */
  silences = new DeviceSilence();

  firstSeenAt = NaN;
  /** The last activity of the resident (any room), and where. */
  lastActivityAt = NaN;
  lastActivityRoom: string | undefined = undefined;
  /** Whether that activity places the resident in one room (a PIR, or the bathroom). */
  lastActivityLocated = false;
  /** Out: an exit door closed and nothing inside since. */
  out = false;
  away: boolean;
  bedOccupied = false;
  chairOccupied = false;
  wentToBed = false;
  gotUpAt = NaN;
  bathroomEnteredAt = NaN;
  risenDay = -1;
  /** Learning the usual rising time: the morning's first activity outside the bedroom, kept once no return to the bedroom follows. */
  risingCandidateAt = NaN;
  risingLearnedDay = -1;
  /** The exit door that opened in the night (for the night-exit alert). */
  nightExitDoor: string | undefined = undefined;
  /** A pre-alert is out to the resident and not yet cancelled. */
  prealertOpen = false;
  /** Learned-normal context of the room of the last activity ("room:<name>"). */
  lastActivityContext: string | undefined = undefined;
  /** Activity key of the last activity: the device, and for a contact which way it moved. */
  lastActivityKey: string | undefined = undefined;
  lastActivityDeviceId: string | undefined = undefined;
  /** The threshold behind each armed silence timer, by timer name. */
  readonly armed: Partial<Record<HomeTimer, Threshold>> = {};
  /** Local day on which the morning check was put off because the resident was still in bed. */
  morningGraceDay = -1;
  /** `lastActivityAt` when the latest inactivity-family alert was raised: one call-out per silence. */
  familySilenceAt = NaN;
  /** Alert kinds this engine raised for the home and has not cleared: one raise per episode. */
  readonly open = new Set<AlertKind>();

  /**
   * Whether an inactivity-family alert other than `kind` is open and was raised in the current silence
   * (no activity since): another kind crossing now is the same worry, not a new call-out.
   */
  familyOpenThisSilence(kind: AlertKind): boolean {
    if (Number.isNaN(this.familySilenceAt) || this.familySilenceAt !== this.lastActivityAt) return false;
    for (const k of this.open) if (k !== kind && FAMILY.has(k)) return true;
    return false;
  }

  constructor(
    readonly index: number,
    readonly config: HomeConfig,
  ) {
    this.params = resolveRuleParams(config.rules);
    this.zone = new ZoneClock(config.timezone || 'UTC');
    this.nightStartMinute = parseHhMm(config.nightWindow?.start ?? '23:00');
    this.nightEndMinute = parseHhMm(config.nightWindow?.end ?? '06:00');
    this.away = config.away;
    this.hasBedMat = (config.devices ?? []).some((d) => d.kind === 'bed');
    this.singleResident = (config.residents ?? []).length <= 1;
    this.matRooms = new Set(
      (config.devices ?? [])
        .filter((d) => (d.kind === 'bed' || d.kind === 'chair') && d.room !== undefined)
        .map((d) => d.room!),
    );
    this.exitRooms = new Set(
      (config.devices ?? []).filter((d) => d.kind === 'exit-door' && d.room !== undefined).map((d) => d.room!),
    );
    const rising = config.routine?.usualRisingTime;
    this.routineRisingMinute = rising === undefined ? NaN : parseHhMm(rising);
    const bedtime = config.routine?.usualBedtime;
    this.restNightStartMinute = bedtime === undefined ? this.nightStartMinute : parseHhMm(bedtime);
    this.timers = Object.fromEntries(
      HOME_TIMERS.map((name) => [name, { homeIndex: index, name, dueAt: Infinity, queuedAt: Infinity }]),
    ) as Record<HomeTimer, TimerSlot>;
    for (const d of config.devices ?? []) this.addDevice(d.id, d.kind, d.room, d);
  }

  addDevice(id: string, kind: DeviceKind, room: string | undefined, config?: DeviceConfig): DeviceState {
    const device: DeviceState = {
      id,
      kind,
      room,
      residentId: config?.residentId,
      lastSeenAt: NaN,
      lastValue: undefined,
      heldSince: NaN,
      reportsHeld: false,
      holdMinMs: NaN,
      matHolds: 0,
      matBriefHolds: 0,
      restSince: NaN,
      restVoid: false,
      offline: false,
      batteryLow: false,
      tampered: false,
      hazardOn: false,
      climateSince: NaN,
      lastTempC: NaN,
      climateKind: undefined,
      roomContext: room === undefined ? undefined : `room:${room}`,
      activityKeys: { any: id, open: `${id}:open`, closed: `${id}:closed` },
      offlineSlot: { homeIndex: this.index, name: 'offline', deviceId: id, dueAt: Infinity, queuedAt: Infinity },
      climateSlot: { homeIndex: this.index, name: 'climate', deviceId: id, dueAt: Infinity, queuedAt: Infinity },
      fallDetector: undefined,
      fallSlot: { homeIndex: this.index, name: 'fall', deviceId: id, dueAt: Infinity, queuedAt: Infinity },
      fallOffsetMs: 0,
    };
    this.devices.set(id, device);
    return device;
  }

  /** The device an event came from; a replay line may introduce one with its own room and kind. */
  deviceFor(event: SensorEvent): DeviceState {
    return this.devices.get(event.deviceId) ?? this.addDevice(event.deviceId, event.kind ?? 'other', event.room);
  }

  residentId(device?: DeviceState): string | undefined {
    return device?.residentId ?? this.config.residents?.[0]?.id;
  }

  inNight(ts: number): boolean {
    return inWindow(this.zone.minuteOfDay(ts), this.nightStartMinute, this.nightEndMinute);
  }

  /** Whether `ts` falls in the resident's night: from the usual bedtime (else the night window's start) to the window's end. */
  inRestNight(ts: number): boolean {
    return inWindow(this.zone.minuteOfDay(ts), this.restNightStartMinute, this.nightEndMinute);
  }

  /** Whether learned normal has enough history to replace the cold-start defaults. */
  isLearned(ts: number): boolean {
    return ts - this.firstSeenAt >= this.params.learningDays * DAY_MS;
  }

  /**
   * Whether the resident rests on a mat of this kind at `at` (a bed may have two mats, one per side): a mat that
   * says so (occupied, or a mat that pulses just after a short press), not since seen in another room, for at most
   * `presence.matHeldMaxHours` since that evidence.
   */
  matOccupied(kind: 'bed' | 'chair', at: number): boolean {
    const maxMs = this.params.presence.matHeldMaxHours * 3_600_000;
    for (const d of this.devices.values()) {
      if (d.kind === kind && !d.restVoid && at - d.restSince < maxMs) return true;
    }
    return false;
  }

  /** Whether most of a mat's holds (of at least `MAT_MIN_HOLDS`) are short: it reports movements on it, not occupancy. */
  matPulses(d: DeviceState): boolean {
    return d.matHolds >= MAT_MIN_HOLDS && 2 * d.matBriefHolds > d.matHolds;
  }

  /** The resident was seen in `room`: with one resident, mats elsewhere no longer say anyone rests on them. */
  seenIn(room: string): void {
    if (!this.singleResident) return;
    for (const d of this.devices.values()) {
      if ((d.kind === 'bed' || d.kind === 'chair') && d.room !== room) d.restVoid = true;
    }
  }

  /**
   * Whether a sensor that reports a held state (a PIR or room presence still on) says someone is
   * there now. A state held longer than `presence.heldMaxMinutes` is taken for a stuck sensor or a
   * lost `off`, not presence.
   */
  presenceHeld(at: number): boolean {
    const staleMs = this.params.presence.heldMaxMinutes * 60_000;
    for (const d of this.devices.values()) {
      if (d.reportsHeld && at - d.heldSince < staleMs) return true;
    }
    return false;
  }

  /** Inactivity rules are suspended while the resident is out or the home is in away mode. */
  suspended(): boolean {
    return this.out || this.away;
  }

  snapshot(): HomeSnapshot {
    const timers: Record<string, number> = {};
    for (const name of HOME_TIMERS) {
      if (this.timers[name].dueAt !== Infinity) timers[name] = this.timers[name].dueAt;
    }
    const devices: HomeSnapshot['devices'] = {};
    for (const d of this.devices.values()) {
      devices[d.id] = {
        lastSeenAt: d.lastSeenAt,
        lastValue: d.lastValue,
        heldSince: d.heldSince,
        reportsHeld: d.reportsHeld,
        ...(Number.isNaN(d.holdMinMs) ? {} : { holdMinMs: d.holdMinMs }),
        offline: d.offline,
        batteryLow: d.batteryLow,
        tampered: d.tampered,
        hazardOn: d.hazardOn,
        climateSince: d.climateSince,
        lastTempC: d.lastTempC,
        climateKind: d.climateKind,
      };
      if (d.kind === 'bed' || d.kind === 'chair')
        devices[d.id].mat = {
          matHolds: d.matHolds,
          matBriefHolds: d.matBriefHolds,
          restSince: d.restSince,
          restVoid: d.restVoid,
        };
      const fallState = d.fallDetector?.exportState();
      if (fallState) devices[d.id].fall = { offsetMs: d.fallOffsetMs, detector: fallState };
      if (d.fallSlot.dueAt !== Infinity) timers[`fall:${d.id}`] = d.fallSlot.dueAt;
      if (d.offlineSlot.dueAt !== Infinity) timers[`offline:${d.id}`] = d.offlineSlot.dueAt;
      if (d.climateSlot.dueAt !== Infinity) timers[`climate:${d.id}`] = d.climateSlot.dueAt;
    }
    return {
      firstSeenAt: this.firstSeenAt,
      lastActivityAt: this.lastActivityAt,
      lastActivityRoom: this.lastActivityRoom ?? null,
      lastActivityLocated: this.lastActivityLocated,
      out: this.out,
      away: this.away,
      bedOccupied: this.bedOccupied,
      chairOccupied: this.chairOccupied,
      wentToBed: this.wentToBed,
      gotUpAt: this.gotUpAt,
      bathroomEnteredAt: this.bathroomEnteredAt,
      risenDay: this.risenDay,
      risingCandidateAt: this.risingCandidateAt,
      risingLearnedDay: this.risingLearnedDay,
      prealertOpen: this.prealertOpen,
      nightExitDoor: this.nightExitDoor ?? null,
      open: [...this.open],
      timers,
      devices,
      learned: this.learned.exportState(),
      lastActivityKey: this.lastActivityKey ?? null,
      silences: this.silences.exportState(),
      lastActivityDeviceId: this.lastActivityDeviceId ?? null,
      armed: { ...this.armed },
      morningGraceDay: this.morningGraceDay,
      familySilenceAt: Number.isNaN(this.familySilenceAt) ? null : this.familySilenceAt,
    };
  }

  /** Restore from a snapshot; returns the timers to re-arm (slot, due time). */
  restore(s: HomeSnapshot): [TimerSlot, number][] {
    // JSON turns NaN into null: read numbers back with NaN for null.
    const num = (v: unknown): number => (typeof v === 'number' ? v : NaN);
    this.firstSeenAt = num(s.firstSeenAt);
    this.lastActivityAt = num(s.lastActivityAt);
    this.lastActivityRoom = s.lastActivityRoom ?? undefined;
    this.lastActivityContext = this.lastActivityRoom === undefined ? undefined : `room:${this.lastActivityRoom}`;
    this.prealertOpen = s.prealertOpen;
    this.nightExitDoor = s.nightExitDoor ?? undefined;
    this.lastActivityLocated = s.lastActivityLocated;
    this.out = s.out;
    this.away = s.away;
    this.bedOccupied = s.bedOccupied;
    this.chairOccupied = s.chairOccupied;
    this.wentToBed = s.wentToBed;
    this.gotUpAt = num(s.gotUpAt);
    this.bathroomEnteredAt = num(s.bathroomEnteredAt);
    this.risenDay = typeof s.risenDay === 'number' ? s.risenDay : -1;
    this.risingCandidateAt = num(s.risingCandidateAt);
    this.risingLearnedDay = typeof s.risingLearnedDay === 'number' ? s.risingLearnedDay : -1;
    for (const k of s.open ?? []) this.open.add(k);
    this.learned = LearnedNormal.fromState(s.learned);
    this.lastActivityKey = typeof s.lastActivityKey === 'string' ? s.lastActivityKey : undefined;
    this.silences = DeviceSilence.fromState(s.silences);
    this.lastActivityDeviceId = typeof s.lastActivityDeviceId === 'string' ? s.lastActivityDeviceId : undefined;
    for (const [name, t] of Object.entries(s.armed ?? {})) {
      if ((HOME_TIMERS as readonly string[]).includes(name) && t && typeof t.ms === 'number')
        this.armed[name as HomeTimer] = { ms: t.ms, source: t.source };
    }
    this.morningGraceDay = typeof s.morningGraceDay === 'number' ? s.morningGraceDay : -1;
    this.familySilenceAt = num(s.familySilenceAt);
    for (const [id, d] of Object.entries(s.devices ?? {})) {
      const device = this.devices.get(id) ?? this.addDevice(id, 'other', undefined);
      device.lastSeenAt = num(d.lastSeenAt);
      device.lastValue = d.lastValue ?? undefined;
      device.heldSince = num(d.heldSince);
      device.reportsHeld = d.reportsHeld;
      device.holdMinMs = num(d.holdMinMs);
      device.offline = d.offline;
      device.batteryLow = d.batteryLow;
      device.tampered = d.tampered;
      device.hazardOn = d.hazardOn;
      device.climateSince = num(d.climateSince);
      device.lastTempC = num(d.lastTempC);
      device.climateKind = d.climateKind ?? undefined;
      if (d.mat) {
        device.matHolds = num(d.mat.matHolds) || 0;
        device.matBriefHolds = num(d.mat.matBriefHolds) || 0;
        device.restSince = num(d.mat.restSince);
        device.restVoid = (d.mat.restVoid as unknown) === true; // saved JSON: anything but true is false
      }
      if (d.fall && typeof d.fall.offsetMs === 'number') {
        device.fallDetector = createFallDetector(this.params.fall, d.fall.detector);
        device.fallOffsetMs = d.fall.offsetMs;
      }
    }
    const rearm: [TimerSlot, number][] = [];
    for (const [name, at] of Object.entries(s.timers ?? {})) {
      if (typeof at !== 'number') continue;
      const colon = name.indexOf(':');
      if (colon < 0) {
        const slot = this.timers[name as HomeTimer];
        if (slot) rearm.push([slot, at]);
      } else {
        const device = this.devices.get(name.slice(colon + 1));
        const which = name.slice(0, colon);
        if (device && which === 'offline') rearm.push([device.offlineSlot, at]);
        if (device && which === 'climate') rearm.push([device.climateSlot, at]);
        if (device && which === 'fall') rearm.push([device.fallSlot, at]);
      }
    }
    return rearm;
  }
}
