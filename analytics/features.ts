// Daily activity features (SPEC 7) computed from a time-ordered stream of events, on event time, per home's timezone.
import type { AlertKind } from '../rules/vocabulary.js';
import { isBathroom } from '../rules/vocabulary.js';
import type { HomeConfig, SensorEvent } from '../rules/types.js';
import {
  blankActivity,
  clearedBehind,
  newDeviceMemory,
  observeActivity,
  OutOfHome,
  type Activity,
  type DeviceMemory,
  type PresenceParams,
} from '../rules/activity.js';
import { resolveRuleParams } from '../rules/params.js';
import type { DailyFeatures } from './types.js';
import { dayToIsoDate, hhmmToMinutes, ZoneClock } from '../rules/local-time.js';
import { DAY_MS, MINUTE_MS } from '../rules/time.js';

/** Longer silences than this are not filled with empty days (see jumpTo). */
const MAX_EMPTY_DAYS = 62;

/** The definitions' thresholds; docs/analytics.md explains each. */
export const FEATURE_THRESHOLDS = {
  /** The rising-time search opens this long before the end of the night window. */
  risingSearchBeforeNightEndMinutes: 120,
  /** ...and closes at this local time at the latest: activity later in the day is not getting up. */
  risingSearchEndMinute: 15 * 60,
  /** A run of activity outside the bedroom that lasts this long is the resident up for the day. */
  risingRunMinutes: 20,
  /** A run breaks after this gap once the resident went back to the bedroom... */
  risingBreakAfterBedroomMinutes: 20,
  /** ...or after this gap in any case (homes with few sensors can be quiet for an hour while someone is up). */
  risingBreakMinutes: 90,
  /** Bedtime is looked for from this local time of the evening. */
  eveningStartMinute: 18 * 60,
  /** Without a bed mat: bedtime is the last activity before a quiet spell this long that reaches into the night. */
  nightQuietMinutes: 120,
  /** With a bed mat: an occupancy this long that lasts into the night starts it. */
  bedOccupancyMinutes: 60,
  /** A new bathroom visit when the last bathroom activity is this old, even with no other room between. */
  bathroomVisitGapMinutes: 15,
  /** Kitchen/appliance uses closer than this count as one use. */
  kitchenUseGapMinutes: 5,
  /** Temperature readings outside this range are faults, not weather. */
  minPlausibleTempC: -20,
  maxPlausibleTempC: 60,
} as const;

const T = FEATURE_THRESHOLDS;
const DEFAULT_NIGHT = { start: '23:00', end: '06:00' };
const OUTDOOR_ROOMS = new Set(['outside', 'outdoor', 'outdoors', 'garden']);

export interface FeatureAccumulatorOptions {
  /** Zone of a home absent from the configuration (replay's `--tz`); default UTC. */
  defaultTimezone?: string;
}

/** One feature day in the making: from the end of the night window on `date` to its end the next day. */
interface DayRecord {
  day: number;
  dayStartUtc: number;
  eveningStartUtc: number;
  nightStartUtc: number;
  dayEndUtc: number;
  /** Events of the home taken in this day (any type): none, and no time out, is a day with no data (`observed`). */
  events: number;
  risingUtc: number;
  matBedtimeUtc: number;
  /** Last activity before the first night quiet, and before the first one that began in the bedroom. */
  quietBedtimeUtc: number;
  quietBedroomBedtimeUtc: number;
  activeMinutes: number;
  roomTransitions: number;
  bathroomVisitsDay: number;
  bathroomVisitsNight: number;
  nightActivityMinutes: number;
  outMs: number;
  kitchenUses: number;
  tempSumC: number;
  tempCount: number;
  alerts: number;
}

interface HomeState {
  homeId: string;
  zone: ZoneClock;
  nightStartMin: number;
  nightEndMin: number;
  /** True when the night window crosses midnight (23:00–06:00), so it starts on the feature day's own date. */
  nightWraps: boolean;
  /** Records not yet handed out, oldest first; the last one is `cur`. */
  records: DayRecord[];
  cur: DayRecord;
  /** The next day's record, made early because its morning (rising-time search) starts in this day's night. */
  next: DayRecord | undefined;
  /** The home's presence parameters: what counts as activity and as being out is the rules' (`rules/activity.ts`). */
  presence: PresenceParams;
  /** Per device: what telling its activity needs to remember. */
  devices: Map<string, DeviceMemory>;
  lastSeenUtc: number;
  lastActiveMinute: number;
  lastActivityUtc: number;
  lastActivityRecord: DayRecord | undefined;
  /** The device of the last activity (`clearedBehind`). */
  lastActivityDevice: DeviceMemory | undefined;
  lastRoom: string | undefined;
  lastBathroomUtc: number;
  lastKitchenUseUtc: number;
  /** Whether the resident is out, as the rules see it. */
  out: OutOfHome;
  /** The part of an absence before this instant was already added to earlier days. */
  outCountedUntilUtc: number;
  /** Bed mat occupied since; -1 when empty. */
  bedSinceUtc: number;
  bedSinceRecord: DayRecord | undefined;
  /** Rising-time search: the record searched, when its window closes and when the next one opens. */
  risingRecord: DayRecord | undefined;
  risingUntilUtc: number;
  nextRisingFromUtc: number;
  /** The current run of activity outside the bedroom. */
  runStartUtc: number;
  runLastUtc: number;
  firstRunStartUtc: number;
  returnedToBedroom: boolean;
}

export class FeatureAccumulator {
  private readonly configs = new Map<string, HomeConfig>();
  private readonly homes = new Map<string, HomeState>();
  private readonly defaultTimezone: string;
  private lastHome: HomeState | undefined;
  /** The activity of the event being added (one reused: `add` makes nothing per ordinary event). */
  private readonly activity = blankActivity();

  /** Throws a RangeError when a home's timezone (or the default) is not a known IANA zone. */
  constructor(homes: readonly HomeConfig[], options: FeatureAccumulatorOptions = {}) {
    for (const home of homes) {
      new ZoneClock(home.timezone);
      this.configs.set(home.id, home);
    }
    this.defaultTimezone = options.defaultTimezone ?? 'UTC';
    new ZoneClock(this.defaultTimezone);
  }

  /** Take one event. Each home's events must come in time order; an event older than its home's current day is ignored. */
  add(event: SensorEvent): void {
    const ts = event.ts;
    if (!Number.isFinite(ts)) return;
    if (!event.assigned && event.kind === undefined) return; // not known to be the resident's
    const home = this.homeOf(event.homeId, ts);
    this.advance(home, ts);
    const rec = home.cur;
    if (ts < rec.dayStartUtc) return;
    rec.events++;
    if (ts > home.lastSeenUtc) home.lastSeenUtc = ts;

    if (event.type === 'temperature') {
      const tempC = event.value;
      if (
        typeof tempC === 'number' &&
        tempC >= T.minPlausibleTempC &&
        tempC <= T.maxPlausibleTempC &&
        !(event.room !== undefined && OUTDOOR_ROOMS.has(event.room))
      ) {
        rec.tempSumC += tempC;
        rec.tempCount++;
      }
      return;
    }
    const activity = this.activityOf(home, event);
    if (!activity) return;
    // A clearing behind the resident (they sat down on a mat elsewhere first) is no activity, as for the rules.
    if (
      activity.heldEnd &&
      clearedBehind(home.devices.get(event.deviceId)!, activity, ts, home.lastActivityDevice, home.lastActivityUtc)
    )
      return;
    this.onActivity(home, rec, event, activity, ts);
  }

  /** Count an alert raised for `homeId` at event time `at` in the feature day that holds it. */
  addAlert(homeId: string, _kind: AlertKind, at: number): void {
    if (!Number.isFinite(at)) return;
    const home = this.homeOf(homeId, at);
    if (at >= home.cur.dayEndUtc) this.advance(home, at);
    const rec = home.records.findLast((r) => at >= r.dayStartUtc && at < r.dayEndUtc);
    if (rec) rec.alerts++;
  }

  /**
   * Days complete by event time `upToUtc` (their night over and bedtime settled), removed from memory.
   * For live use: call once a day after the end of the night window plus two hours.
   */
  flush(upToUtc: number): DailyFeatures[] {
    const out: DailyFeatures[] = [];
    for (const home of this.homes.values()) {
      this.advance(home, upToUtc);
      this.settle(home, upToUtc, true);
      const settledUntil = upToUtc - T.nightQuietMinutes * MINUTE_MS;
      // The last record is the day in progress: it always stays.
      let done = 0;
      for (const rec of home.records.slice(0, -1)) {
        if (rec.dayEndUtc > settledUntil) break;
        done++;
      }
      for (const rec of home.records.splice(0, done)) if (observed(rec)) out.push(this.toFeatures(home, rec));
    }
    return out;
  }

  /** Every day still held, by home then date, the last one possibly partial. The accumulator is spent afterwards. */
  finish(): DailyFeatures[] {
    const out: DailyFeatures[] = [];
    for (const home of this.homes.values()) {
      this.settle(home, home.lastSeenUtc, false);
      this.endAbsenceAtDoor(home);
      if (home.risingRecord !== undefined && home.risingRecord !== home.next) this.closeRisingSearch(home);
      for (const rec of home.records) if (observed(rec)) out.push(this.toFeatures(home, rec));
      home.records = [];
    }
    this.homes.clear();
    this.lastHome = undefined;
    return out;
  }

  private homeOf(homeId: string, ts: number): HomeState {
    if (this.lastHome !== undefined && this.lastHome.homeId === homeId) return this.lastHome;
    let home = this.homes.get(homeId);
    if (!home) {
      home = this.newHome(homeId, ts);
      this.homes.set(homeId, home);
    }
    this.lastHome = home;
    return home;
  }

  private newHome(homeId: string, firstUtc: number): HomeState {
    const config = this.configs.get(homeId);
    const zone = new ZoneClock(config?.timezone ?? this.defaultTimezone);
    const window = config?.nightWindow ?? DEFAULT_NIGHT;
    const nightStartMin = hhmmToMinutes(window.start) ?? hhmmToMinutes(DEFAULT_NIGHT.start)!;
    const nightEndMin = hhmmToMinutes(window.end) ?? hhmmToMinutes(DEFAULT_NIGHT.end)!;
    const nightWraps = nightStartMin >= nightEndMin;
    const presence = resolveRuleParams(config?.rules).presence;
    // The feature day holding the first instant: the night's early hours belong to the day before.
    let day = zone.dayNumber(firstUtc);
    if (zone.minuteOfDay(firstUtc) < nightEndMin) day--;
    const cur = makeRecord(zone, day, nightStartMin, nightEndMin, nightWraps);
    const risingFromUtc = cur.dayStartUtc - T.risingSearchBeforeNightEndMinutes * MINUTE_MS;
    return {
      homeId,
      zone,
      nightStartMin,
      nightEndMin,
      nightWraps,
      records: [cur],
      cur,
      next: undefined,
      presence,
      devices: new Map(),
      lastSeenUtc: firstUtc,
      lastActiveMinute: -1,
      lastActivityUtc: -Infinity,
      lastActivityRecord: undefined,
      lastActivityDevice: undefined,
      lastRoom: undefined,
      lastBathroomUtc: -Infinity,
      lastKitchenUseUtc: -Infinity,
      out: new OutOfHome(presence),
      outCountedUntilUtc: -Infinity,
      bedSinceUtc: -1,
      bedSinceRecord: undefined,
      risingRecord: undefined,
      risingUntilUtc: Infinity,
      // A morning already under way when observation starts is not searched: its rising time is unknown.
      nextRisingFromUtc:
        firstUtc <= risingFromUtc ? risingFromUtc : cur.dayEndUtc - T.risingSearchBeforeNightEndMinutes * MINUTE_MS,
      runStartUtc: -1,
      runLastUtc: -1,
      firstRunStartUtc: -1,
      returnedToBedroom: false,
    };
  }

  /** Move a home's timeline to `ts`: close and open rising-time searches, open the feature days up to it. */
  private advance(home: HomeState, ts: number): void {
    if (ts >= home.risingUntilUtc) this.closeRisingSearch(home);
    if (ts - home.cur.dayEndUtc > MAX_EMPTY_DAYS * DAY_MS) this.jumpTo(home, ts);
    while (ts >= home.cur.dayEndUtc) {
      const old = home.cur;
      this.carryAbsence(home, old.dayEndUtc);
      const next = home.next ?? this.makeNext(home);
      home.next = undefined;
      home.records.push(next);
      home.cur = next;
      if (ts >= home.risingUntilUtc) this.closeRisingSearch(home);
    }
    if (ts >= home.nextRisingFromUtc) this.openRisingSearch(home, ts);
  }

  /** A gap of months (a hub switched off, a device clock set to 1970): start again at `ts`'s day, with no empty days between. */
  private jumpTo(home: HomeState, ts: number): void {
    home.out.reset();
    home.bedSinceUtc = -1;
    home.bedSinceRecord = undefined;
    home.lastActivityRecord = undefined;
    home.lastRoom = undefined;
    home.next = undefined;
    if (home.risingRecord !== undefined) this.closeRisingSearch(home);
    let day = home.zone.dayNumber(ts);
    if (home.zone.minuteOfDay(ts) < home.nightEndMin) day--;
    const rec = makeRecord(home.zone, day, home.nightStartMin, home.nightEndMin, home.nightWraps);
    home.records.push(rec);
    home.cur = rec;
    home.nextRisingFromUtc = rec.dayEndUtc - T.risingSearchBeforeNightEndMinutes * MINUTE_MS;
  }

  private makeNext(home: HomeState): DayRecord {
    return makeRecord(home.zone, home.cur.day + 1, home.nightStartMin, home.nightEndMin, home.nightWraps);
  }

  private openRisingSearch(home: HomeState, ts: number): void {
    if (home.risingRecord !== undefined) this.closeRisingSearch(home);
    const beforeEndMs = T.risingSearchBeforeNightEndMinutes * MINUTE_MS;
    let target = home.cur;
    if (ts >= home.cur.dayEndUtc - beforeEndMs) {
      home.next ??= this.makeNext(home);
      target = home.next;
    }
    home.nextRisingFromUtc = target.dayEndUtc - beforeEndMs;
    const untilUtc = Math.min(
      target.nightStartUtc,
      target.dayEndUtc - beforeEndMs,
      home.zone.instantOf(target.day, T.risingSearchEndMinute),
    );
    if (ts >= untilUtc) return;
    home.risingRecord = target;
    home.risingUntilUtc = untilUtc;
    home.runStartUtc = -1;
    home.firstRunStartUtc = -1;
    home.returnedToBedroom = false;
  }

  /** End the search; with no run long enough, the first activity outside the bedroom in the window is taken. */
  private closeRisingSearch(home: HomeState): void {
    const rec = home.risingRecord;
    if (rec !== undefined && rec.risingUtc < 0 && home.firstRunStartUtc >= 0) rec.risingUtc = home.firstRunStartUtc;
    home.risingRecord = undefined;
    home.risingUntilUtc = Infinity;
  }

  /** The activity this event is, by the rules' definition (`rules/activity.ts`), or undefined. */
  private activityOf(home: HomeState, event: SensorEvent): Activity | undefined {
    let device = home.devices.get(event.deviceId);
    if (device === undefined) {
      device = newDeviceMemory(event.kind ?? 'other', event.room);
      home.devices.set(event.deviceId, device);
    }
    return observeActivity(device, event, home.presence, this.activity);
  }

  private onActivity(home: HomeState, rec: DayRecord, event: SensorEvent, activity: Activity, ts: number): void {
    const atNight = ts >= rec.nightStartUtc;
    const minute = Math.floor(ts / MINUTE_MS);
    if (minute !== home.lastActiveMinute) {
      home.lastActiveMinute = minute;
      rec.activeMinutes++;
      if (atNight) rec.nightActivityMinutes++;
    }

    this.checkQuiet(home, ts);
    home.lastActivityUtc = ts;
    home.lastActivityRecord = rec;
    home.lastActivityDevice = home.devices.get(event.deviceId);

    const absence = home.out.onActivity(activity, ts);
    if (absence !== undefined) {
      rec.outMs += Math.max(0, absence.backMs - Math.max(absence.fromMs, home.outCountedUntilUtc));
      if (home.risingRecord !== undefined) this.onReturnHome(home);
    }
    // Still out (the exit door opening or closing again, a sensor clearing): nothing says where the resident is.
    if (!Number.isNaN(home.out.outSinceAt(ts))) return;

    if (activity.mat === 'bed') this.onBedMat(home, rec, activity.matOccupied, ts);

    // Worn devices say nothing about where; a sensor clearing says where the resident was, not where they went.
    const room = activity.room;
    if (room === undefined || activity.worn || activity.heldEnd) return;
    const kind = event.kind;

    if (event.type === 'power' ? !isBathroom(room) : room === 'kitchen' && kind === 'door' && event.value === false) {
      if (ts - home.lastKitchenUseUtc >= T.kitchenUseGapMinutes * MINUTE_MS) rec.kitchenUses++;
      home.lastKitchenUseUtc = ts;
    }

    if (isBathroom(room)) {
      if (!isBathroom(home.lastRoom) || ts - home.lastBathroomUtc >= T.bathroomVisitGapMinutes * MINUTE_MS) {
        if (atNight) rec.bathroomVisitsNight++;
        else rec.bathroomVisitsDay++;
      }
      home.lastBathroomUtc = ts;
    }
    if (home.lastRoom !== undefined && home.lastRoom !== room) rec.roomTransitions++;
    home.lastRoom = room;

    if (home.risingRecord !== undefined)
      this.onRisingActivity(home, room, activity.mat === 'bed' && activity.matOccupied, ts);
  }

  /**
   * Back from an absence while the morning is searched: someone who went out during a run of activity was up
   * (the run's start is the rising time); someone away overnight has not risen yet, and coming in is not rising.
   */
  private onReturnHome(home: HomeState): void {
    if (home.runStartUtc >= 0) {
      home.risingRecord!.risingUtc = home.runStartUtc;
      this.closeRisingSearch(home);
      return;
    }
    home.firstRunStartUtc = -1;
  }

  private onRisingActivity(home: HomeState, room: string, backInBed: boolean, ts: number): void {
    if (backInBed) {
      home.runStartUtc = -1;
      return;
    }
    if (room === 'bedroom') {
      home.returnedToBedroom = true;
      return;
    }
    if (home.runStartUtc >= 0) {
      const gapMs = ts - home.runLastUtc;
      const broken =
        gapMs > T.risingBreakMinutes * MINUTE_MS ||
        (home.returnedToBedroom && gapMs > T.risingBreakAfterBedroomMinutes * MINUTE_MS);
      if (!broken) {
        home.runLastUtc = ts;
        home.returnedToBedroom = false;
        if (ts - home.runStartUtc >= T.risingRunMinutes * MINUTE_MS) {
          home.risingRecord!.risingUtc = home.runStartUtc;
          this.closeRisingSearch(home);
        }
        return;
      }
    }
    home.runStartUtc = ts;
    home.runLastUtc = ts;
    home.returnedToBedroom = false;
    if (home.firstRunStartUtc < 0) home.firstRunStartUtc = ts;
  }

  private onBedMat(home: HomeState, rec: DayRecord, occupied: boolean, ts: number): void {
    if (occupied) {
      if (home.bedSinceUtc < 0) {
        home.bedSinceUtc = ts;
        home.bedSinceRecord = ts >= rec.eveningStartUtc ? rec : undefined;
      }
      return;
    }
    this.checkBed(home, ts);
    home.bedSinceUtc = -1;
    home.bedSinceRecord = undefined;
  }

  /** The first bed occupancy of at least an hour, begun in an evening window and lasting into the night, is that evening's bedtime. */
  private checkBed(home: HomeState, nowUtc: number): void {
    const rec = home.bedSinceRecord;
    if (rec === undefined || home.bedSinceUtc < 0 || rec.matBedtimeUtc >= 0) return;
    if (nowUtc - home.bedSinceUtc >= T.bedOccupancyMinutes * MINUTE_MS && nowUtc > rec.nightStartUtc) {
      rec.matBedtimeUtc = home.bedSinceUtc;
    }
  }

  /**
   * Without a mat: the last activity before the first quiet spell of two hours that begins in an evening
   * window and reaches into the night (an evening doze that ends before the night is not bedtime). A spell
   * that began in the bedroom is preferred: an evening in front of the television in a room without a sensor
   * is quiet too. An absence from home is not a quiet spell.
   */
  private checkQuiet(home: HomeState, nowUtc: number): void {
    const rec = home.lastActivityRecord;
    if (rec === undefined || home.out.maybeOut()) return;
    const last = home.lastActivityUtc;
    if (nowUtc - last < T.nightQuietMinutes * MINUTE_MS || last < rec.eveningStartUtc || nowUtc <= rec.nightStartUtc)
      return;
    if (rec.quietBedtimeUtc < 0) rec.quietBedtimeUtc = last;
    if (rec.quietBedroomBedtimeUtc < 0 && home.lastRoom === 'bedroom') rec.quietBedroomBedtimeUtc = last;
  }

  /** Apply what is known at `nowUtc` without a new event: a bed still occupied, a quiet still going on. */
  private settle(home: HomeState, nowUtc: number, quietKnown: boolean): void {
    this.checkBed(home, nowUtc);
    if (quietKnown) this.checkQuiet(home, nowUtc);
  }

  /**
   * The record ends during an absence after the exit door opened: the resident came in then, though nothing
   * inside showed it before the end. An absence with no opening is still going on and not counted.
   */
  private endAbsenceAtDoor(home: HomeState): void {
    const openedUtc = home.out.lastOpenedWhileOut();
    const outSinceUtc = home.out.outSinceAt(home.lastSeenUtc);
    if (Number.isNaN(openedUtc) || Number.isNaN(outSinceUtc)) return;
    home.cur.outMs += Math.max(0, openedUtc - Math.max(outSinceUtc, home.outCountedUntilUtc));
  }

  /** An absence going on over a day boundary: the confirmed part before it belongs to the day that ends. */
  private carryAbsence(home: HomeState, boundaryUtc: number): void {
    const outSinceUtc = home.out.outSinceAt(boundaryUtc);
    if (Number.isNaN(outSinceUtc)) return;
    // Up to the exit door opening when it did: the resident was probably back by then.
    const openedUtc = home.out.lastOpenedWhileOut();
    const untilUtc = Number.isNaN(openedUtc) ? boundaryUtc : Math.min(boundaryUtc, openedUtc);
    home.cur.outMs += Math.max(0, untilUtc - Math.max(outSinceUtc, home.outCountedUntilUtc));
    home.outCountedUntilUtc = Math.max(home.outCountedUntilUtc, untilUtc);
  }

  private toFeatures(home: HomeState, rec: DayRecord): DailyFeatures {
    const bedtimeUtc =
      rec.matBedtimeUtc >= 0
        ? rec.matBedtimeUtc
        : rec.quietBedroomBedtimeUtc >= 0
          ? rec.quietBedroomBedtimeUtc
          : rec.quietBedtimeUtc;
    return {
      homeId: home.homeId,
      date: dayToIsoDate(rec.day),
      risingTime: rec.risingUtc >= 0 ? home.zone.hhmm(rec.risingUtc) : null,
      bedtime: bedtimeUtc >= 0 ? home.zone.hhmm(bedtimeUtc) : null,
      activeMinutes: rec.activeMinutes,
      roomTransitions: rec.roomTransitions,
      bathroomVisitsDay: rec.bathroomVisitsDay,
      bathroomVisitsNight: rec.bathroomVisitsNight,
      nightActivityMinutes: rec.nightActivityMinutes,
      minutesOut: Math.round(rec.outMs / MINUTE_MS),
      kitchenUses: rec.kitchenUses,
      meanIndoorTempC: rec.tempCount > 0 ? Math.round((rec.tempSumC / rec.tempCount) * 10) / 10 : null,
      alerts: rec.alerts,
    };
  }
}

/**
 * Whether the hub knew anything of the home in this day: an event (any type, a battery report or a temperature too),
 * or the resident out of home through it. A day with neither (the hub switched off, its Zigbee stick or the home's
 * sensors silent) is left out, not given as a day of no activity: read as 0 active minutes, three such days raised a
 * routine-change flag 'activity down' (review, session 59).
 */
function observed(rec: DayRecord): boolean {
  return rec.events > 0 || rec.outMs > 0;
}

function makeRecord(
  zone: ZoneClock,
  day: number,
  nightStartMin: number,
  nightEndMin: number,
  nightWraps: boolean,
): DayRecord {
  const dayStartUtc = zone.instantOf(day, nightEndMin);
  const nightStartUtc = zone.instantOf(nightWraps ? day : day + 1, nightStartMin);
  return {
    day,
    dayStartUtc,
    eveningStartUtc: Math.min(zone.instantOf(day, T.eveningStartMinute), nightStartUtc),
    nightStartUtc,
    dayEndUtc: zone.instantOf(day + 1, nightEndMin),
    events: 0,
    risingUtc: -1,
    matBedtimeUtc: -1,
    quietBedtimeUtc: -1,
    quietBedroomBedtimeUtc: -1,
    activeMinutes: 0,
    roomTransitions: 0,
    bathroomVisitsDay: 0,
    bathroomVisitsNight: 0,
    nightActivityMinutes: 0,
    outMs: 0,
    kitchenUses: 0,
    tempSumC: 0,
    tempCount: 0,
    alerts: 0,
  };
}
