// What the engine knows about one home: its configuration, devices, where the resident is, timers, the rules' slices.
import type { BuiltInHomeTimer } from './built-in.js';
import { isWorn, newDeviceMemory, newExitDoorState, type ExitDoorState } from './activity.js';
import { DeviceSilence, type DeviceSilenceState } from './device-silence.js';
import { ExitDoorLearner, type ExitDoorLearningState } from './exit-door-learning.js';
import { LearnedNormal, type LearnedNormalState } from './learned-normal.js';
import { inWindow, parseHhMm, ZoneClock } from './local-time.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from './time.js';
import { resolveRuleParams, type RuleParams } from './params.js';
import { SilenceEnds, type SilenceEndsState } from './silence-ends.js';
import { newTimerSlot, type AnyRule, type RuleDefinition, type RuleRegistry } from './registry.js';
import type { Threshold } from './threshold.js';
import type { TimerSlot } from './timer-queue.js';
import type { DeviceConfig, HomeConfig, SensorEvent } from './types.js';
import { INACTIVITY_FAMILY, type AlertKind, type DeviceKind } from './vocabulary.js';

const FAMILY: ReadonlySet<AlertKind> = new Set(INACTIVITY_FAMILY);
/** A day on which at least this many devices reported is one the home lived (`HomeState.livingDays`)... */
const LIVING_DAY_DEVICES = 3;
/**
 * ...devices whose reports are the resident's doing (a thermometer, a smoke alarm, a pendant's heartbeat report all the
 * same in an empty home; a wearable not worn is not dead): only these count a living day, and only these are taken
 * for dead (`HomeState.deviceDead`).
 */
const ACTIVITY_KINDS: ReadonlySet<DeviceKind> = new Set<DeviceKind>([
  'motion',
  'door',
  'exit-door',
  'bed',
  'chair',
  'appliance',
  'other',
]);
/**
 * How long an absence is remembered by the bounds learned from it (`HomeState.longestOutingByHour`, possible-fall's
 * `longestEmptyMs`): each keeps its longest of the span of this many local days under way and of the span before, and
 * forgets the older ones (an absence counts for 8 to 16 weeks). A bound past `presence.outingBoundMaxHours` means no
 * bound at all (a resident who goes away for days): learned from one trip and kept for ever, it left every later
 * outing the door seemed to begin, and every device alone in a home once shown empty a day, waited on without end: a
 * collapse behind a door that moved while the resident stayed in was never called (review, session 31). A resident who
 * goes away every few weeks keeps the record; one whose last trip was months ago is called at the bound again.
 */
export const ABSENCE_MEMORY_DAYS = 56;

/**
 * How many spans of `ABSENCE_MEMORY_DAYS` have passed from the span under way's first local day (`spanDay`; -1: none
 * yet) to `day`: 0 (the same span), 1 (the next: the one under way becomes the one before), 2 (more: both forgotten).
 */
export function absenceSpansPassed(spanDay: number, day: number): 0 | 1 | 2 {
  if (spanDay < 0 || day < spanDay + ABSENCE_MEMORY_DAYS) return 0;
  return day < spanDay + 2 * ABSENCE_MEMORY_DAYS ? 1 : 2;
}

/** The home's living days kept (a device silent for more of them is dead all the same). */
/**
 * The learned-normal context of a room ("room:<name>"), one string per room name for every device and home: a hub
 * with 1,000 homes held 16,000 copies (0.7 MB; docs/performance.md, "Memory at 1,000 homes (session 34)"). At most
 * `ROOM_CONTEXTS_KEPT` names are kept; a room past them gets its own string, as before.
 */
const roomContexts = new Map<string, string>();
const ROOM_CONTEXTS_KEPT = 1_000;

export function roomContextOf(room: string): string {
  let context = roomContexts.get(room);
  if (context === undefined) {
    context = `room:${room}`;
    if (roomContexts.size < ROOM_CONTEXTS_KEPT) roomContexts.set(room, context);
  }
  return context;
}

/**
 * The learned-normal context of a motion sensor's own place ("place:<id>") where no room is known
 * (`DeviceState.placeContext`): each PIR's usual silences learned apart, as a room's are. None for a device with a
 * room, nor for other kinds (a door, an appliance or a mat places nobody by itself; not learned, not kept).
 */
export function placeContextOf(id: string, kind: DeviceKind, room: string | undefined): string | undefined {
  return room === undefined && kind === 'motion' ? `place:${id}` : undefined;
}

const LIVING_DAYS_KEPT = 60;
/** A chair mat's days of sittings kept (`DeviceState.sittingDays`): two months of habits, as night stillness's nights. */
export const SITTING_DAYS_KEPT = 60;

/** The day under way of a chair mat's sittings joins the days kept (`HomeState.noteSitting`). */
function closeSittingDay(device: DeviceState): void {
  if (device.sittingDay < 0 || device.sittingDayMs <= 0) return;
  device.sittingDays.push(Math.round(device.sittingDayMs / MINUTE_MS));
  if (device.sittingDays.length > SITTING_DAYS_KEPT) device.sittingDays.shift();
  device.sittingDayMs = 0;
}
/**
 * A device that reports day after day (`HomeState.deviceDead`): heard on this many days at least, and never silent
 * for more than `DAILY_DEVICE_GAP_DAYS` of the home's living days in a row; it is dead once silent for
 * `presence.deadDeviceDays` of them (3: two quiet days happen to the best of them).
 */
const DAILY_DEVICE_DAYS = 7;
const DAILY_DEVICE_GAP_DAYS = 1;
/**
 * The silences that began at a device, counted before a dead device holds off only those it ended
 * (`HomeState.roomRulesHeld`): fewer, and the hold is home-wide.
 */
const SILENCE_ENDS_MIN = 30;
/**
 * The hours either side of a silence's own hour whose silences judge it (`HomeState.silencesHeldFrom`, session 31):
 * the narrowest with `SILENCE_ENDS_MIN` of them, else the whole day's. A bedroom door ends a few % of a door's
 * silences over the day, but more of those that begin at bedtime. No wider than 2 h: a wider window is another time
 * of day (Kasteren A's toilet door at 06:30 was judged by its busy 08:00-09:59 with 3 h either side).
 */
const SILENCE_HOUR_WINDOWS = [1, 2];
/** The engine state version before the rule registry: every rule's slice sat in flat home and device records. */
export const LEGACY_STATE_VERSION = 5;

/** Report types that set a device's state as the rules read it (`isActivity`, a mat's `onMatReport`). */
export const STATE_REPORT_TYPES: ReadonlySet<string> = new Set(['motion', 'contact', 'occupancy', 'power']);

/** A home timer of the built-in rules (a rule added to the registry reaches its own through `home.timer(name)`). */
export type HomeTimer = BuiltInHomeTimer;

/**
 * What the engine knows of one device: what activity and presence need (its room, held states, a mat's evidence),
 * and the slices of the rules that heard from it (`slices[registry.slotOf(rule)]`, made at the rule's first event
 * from the device: a thermometer carries climate's, a wearable the fall detector's, a PIR neither).
 */
export interface DeviceState {
  id: string;
  kind: DeviceKind;
  room: string | undefined;
  residentId: string | undefined;
  /** Last boolean or number seen, to tell a change (contact, occupancy, held motion) or a rise (power). */
  lastValue: boolean | number | undefined;
  /** Since when a held presence state (motion or room occupancy `true`) has been on; NaN when off. */
  heldSince: number;
  /** Seen to report the end of a held state (`false`): its `true` means presence until then, not a pulse. */
  reportsHeld: boolean;
  /** A PIR's last `true` (epoch ms; NaN before one). */
  motionAt: number;
  /** The shortest held state it reported (about its hold time, ms); NaN before one. */
  holdMinMs: number;
  /** A contact's or mat's changes of state and repeats of it (`activity.ts`, a repeat read as a lost change). */
  changes: number;
  repeats: number;
  /** A mat's on→off holds seen, and how many were shorter than `presence.matPulseSeconds`. */
  matHolds: number;
  matBriefHolds: number;
  /**
   * A mat's longest press that ended with the resident not seen in another room meanwhile, shorter than
   * `presence.matHeldMaxHours` and not brief (a lie-in on it: how long a press can last with the resident well); 0
   * before one. A mat that pulses counts a press that lasts longer than this as stillness (`rules/inactivity.ts`).
   */
  matRestMaxMs: number;
  /**
   * A chair mat's sittings, by local day (`HomeState.noteSitting`): the longest sitting of each finished day it was sat
   * on (minutes, oldest first, the latest `SITTING_DAYS_KEPT`); the day under way (local day number, -1 before any) and
   * its longest sitting so far (ms). A sitting is a press as `matRestMaxMs` counts one: not brief, the resident not
   * seen elsewhere meanwhile, shorter than `presence.matHeldMaxHours`.
   */
  sittingDays: number[];
  sittingDay: number;
  sittingDayMs: number;
  /** Since when a mat says someone rests on it (renewed by each report of a mat that pulses); NaN when not. */
  restSince: number;
  /** The resident was seen in another room since the mat's last report: its state is not them (single resident). */
  restVoid: boolean;
  /** Learned-normal context of its room ("room:<name>"), made once. */
  roomContext: string | undefined;
  /**
   * Where no room is known (a recording whose sensors are codes, CASAS Aruba or Milan; a hub installed without rooms),
   * the learned-normal context of a motion sensor's own place ("place:<id>", `placeContextOf`, session 68): the
   * silences that followed it, learned as a room's are, read by possible-fall only. Undefined for a device with a room,
   * and for other kinds.
   */
  placeContext: string | undefined;
  /** Device-silence keys of a contact that opened or closed (made at its first contact report; others use the id). */
  contactKeys: { open: string; closed: string } | undefined;
  /** The rules' slices for this device, by registry position; undefined until a rule with device state heard it. */
  slices: unknown[] | undefined;
  /**
   * Its latest few reports (own time, type, value), oldest first: the same report again (MQTT's QoS 1 redelivering,
   * a bridge re-sending after a reconnect) says nothing new of the device's state or of the resident
   * (`RulesEngine`: no presence, no activity).
   */
  recentReports: DeviceReport[];
  /**
   * Its latest emergency reports (a press, a fall, a hazard's alarm or all-clear) taken as news, oldest first: one sent
   * again is a copy however many of its other reports came since (`duplicateReport`: a bridge's spool sent again after
   * it was killed, the pendant's heartbeats and battery reports of the outage in it behind the press).
   */
  emergencyReports: DeviceReport[];
  /**
   * The rules' time of its latest state report (motion, contact, occupancy, power) taken as new (NaN: none): one older
   * is a copy, however far back (`duplicateReport`).
   */
  stateReportAt: number;
  /**
   * Whether it is alive, as the home's days tell (`HomeState.noteReport`): the local day of its last report (-1: none
   * yet), on how many local days it reported, and the most of the home's living days in a row it said nothing on (the
   * living days between two of its reports). `unavailable`: its last word was Zigbee2MQTT's `offline`.
   */
  lastReportDay: number;
  daysReported: number;
  longestMissedDays: number;
  unavailable: boolean;
}

/** One report of a device, as a duplicate of it is recognised. */
export interface DeviceReport {
  ts: number;
  type: string;
  value: unknown;
}

/** A rule's saved slice: the version of its codec and what `save` gave. */
export interface SavedSlice {
  v: number;
  s: unknown;
}

/** A device's part of the saved state (JSON). */
export interface DeviceSnapshot {
  lastValue: boolean | number | undefined;
  heldSince: number;
  reportsHeld: boolean;
  /** The shortest held state it reported (absent before one, and in older snapshots). */
  holdMinMs?: number;
  /** A PIR's last `true` (absent before one, and before session 45: its held state's start read instead). */
  motionAt?: number;
  /** A contact's or mat's changes and repeats (absent when none, and before session 45). */
  changes?: number;
  repeats?: number;
  /** A mat's holds and resting evidence (absent for other devices). */
  mat?: Pick<DeviceState, 'matHolds' | 'matBriefHolds' | 'restSince' | 'restVoid'> & {
    matRestMaxMs?: number;
    /** A chair mat's sittings by day (`DeviceState.sittingDays`...); absent before one and before session 37. */
    sittings?: { days: number[]; day: number; ms: number };
  };
  /** The slices of the rules that heard from it, by rule name. */
  rules?: Record<string, SavedSlice>;
  /** Its latest few reports (`DeviceState.recentReports`); absent before one and in older snapshots. */
  reported?: DeviceReport[];
  /** Its latest emergency reports (`DeviceState.emergencyReports`); absent before one and before session 62. */
  emergencies?: DeviceReport[];
  /** `DeviceState.stateReportAt`; absent before one and before session 31 (then taken from `reported`). */
  stateAt?: number;
  /** Whether it is alive (`DeviceState.lastReportDay`...; `day` -1 before a day reported, while Zigbee2MQTT calls it offline);
   *  absent before its first report or offline, and before session 29. */
  alive?: { day: number; days: number; missedMax: number; unavailable?: true };
}

/** The persisted part of a home's state (JSON); state version 5 (before the registry) is read by `restore` too. */
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
  open: AlertKind[];
  /** Armed timers: `<name>` of the home, `<name>:<deviceId>` of a device. */
  timers: Record<string, number>;
  devices: Record<string, DeviceSnapshot>;
  learned: LearnedNormalState;
  lastActivityKey?: string | null;
  silences?: DeviceSilenceState;
  lastActivityDeviceId?: string | null;
  /** `HomeState.sightingAt` and `sightingDeviceId`; absent before session 36 and before a sighting. */
  sighting?: { at: number; deviceId: string };
  /** The threshold behind each armed silence timer (shown in the alert's detail). */
  armed?: Record<string, Threshold>;
  morningGraceDay?: number;
  familySilenceAt?: number | null;
  /** The exit door's state for the out-check (absent before session 25, and when nothing is known: none). */
  exitDoor?: {
    opening: ExitDoorState['opening'] | null;
    openedAt: number | null;
    arrivalOpenedAt: number | null;
    /** Absent before session 36: none. */
    arrivalClosedAt?: number | null;
    /** `HomeState.leftSoonAfter` (absent before session 69, and when none). */
    leftSoonAfter?: number;
  };
  /** An arrival nobody inside has seen yet (absent before session 25, and when none). */
  unseenArrival?: UnseenArrival;
  /** The outing under way or lapsed, and the longest the home has had (absent before session 26, and when none;
   *  always there while out). */
  outing?: {
    since: number | null;
    lapsedSince: number | null;
    longestMs: number;
    longestByHour?: number[];
    /** The span before's outings by hour, and the span under way's first day (`ageOutings`); absent before session 31. */
    earlierByHour?: number[];
    spanDay?: number;
    /** `HomeState.outingAfterArrival` (absent before session 69, and when none). */
    afterArrival?: number;
  };
  /** When the hub began watching the home with none of its activity known (absent before session 27, and once
   *  an activity is known). */
  watchedSince?: number;
  /** `HomeState.unheardUntil`; absent when none (and before session 62). */
  unheardUntil?: number;
  /** `HomeState.lastHeardAt`; absent before any report (and before session 68: then no span is found unheard). */
  lastHeardAt?: number;
  /** `HomeState.lastActivityShutIn`; absent when undefined and before session 35 (then learned as the room). */
  lastActivityShutIn?: string;
  /** The home's living days (`HomeState.livingDays`, `reportDay`...); absent before session 29 and before a report. */
  reportDays?: { living: number[]; day: number; devices: number };
  /** Which device ended the silences that began at each (`HomeState.silenceEnds`); absent before session 30. */
  silenceEnds?: SilenceEndsState;
  /** The way out learned where none was configured (`HomeState.exitLearning`); absent before session 42 and when none. */
  exitLearning?: ExitDoorLearningState;
  /** The home slices of the rules that keep one, by rule name. */
  rules?: Record<string, SavedSlice>;
}

/** The exit door opened and closed while the resident was out, and nothing inside has reported since. */
export interface UnseenArrival {
  /** The door, and when it opened and closed (epoch ms). */
  doorId: string;
  openedAt: number;
  closedAt: number;
}

/** A device's saved reports read back: not one whose value is an object (saved by session 28's first version: a
 *  wearable's samples, never matched). */
function savedReports(saved: DeviceReport[]): DeviceReport[] {
  return saved
    .filter((r) => typeof r?.ts === 'number' && typeof r.type === 'string' && typeof r.value !== 'object')
    .map((r) => ({ ts: r.ts, type: r.type, value: r.value }));
}

export class HomeState {
  readonly params: RuleParams;
  readonly zone: ZoneClock;
  readonly nightStartMinute: number;
  readonly nightEndMinute: number;
  /** A bed mat among the devices (the configuration's, or in replay one a line introduced). */
  get hasBedMat(): boolean {
    return this.bedMats > 0;
  }
  private bedMats = 0;
  /** An exit door among the devices that the configuration (or a replay line) named, not one learned (`exitLearning`). */
  get exitDoorGiven(): boolean {
    return this.exitDoors > this.exitDoorsLearned;
  }
  private exitDoors = 0;
  private exitDoorsLearned = 0;
  /** One resident (or none configured): activity in another room says a mat's state is not them. */
  readonly singleResident: boolean;
  /** Rooms with a bed or chair mat: there the mat, not the silence, says whether the resident rests. */
  get matRooms(): ReadonlySet<string> {
    return this.matRoomSet;
  }
  /** Rooms with an exit door: a silence after activity there may be an outing the door contact did not report. */
  get exitRooms(): ReadonlySet<string> {
    return this.exitRoomSet;
  }
  // Filled by `addDevice`: a device a replay line introduces (a home absent from the configuration) counts as a
  // configured one does from its first report.
  private readonly matRoomSet = new Set<string>();
  private readonly exitRoomSet = new Set<string>();
  /**
   * Moves on whenever what the devices say of the layout changes: a device added, a door taken for the way out, a
   * device a replay line introduced given its kind or room (`noteKind`). An answer read from the layout alone (which
   * rooms place nobody, whether anything sees where the resident sits) is kept against it and asked again when it
   * moves, so a running hub has what a restart would compute (session 75). Not saved: a restart builds the layout anew.
   */
  get layoutVersion(): number {
    return this.layoutChanges;
  }
  private layoutChanges = 0;
  /** Care plan's usual rising time (local minute of the day), or NaN. */
  readonly routineRisingMinute: number;
  /** Start of the resident's night for cold-start allowances: the care plan's usual bedtime, else the night window's. */
  readonly restNightStartMinute: number;
  readonly devices = new Map<string, DeviceState>();
  /**
   * The ids of the configuration's devices. `devices` may hold more in replay (a home absent from the configuration,
   * its devices made as they report) and for a device heard before it left the configuration (events stored before,
   * re-fed at a start); a restore leaves out the saved devices not among them.
   */
  private readonly configured: Set<string>;
  /** One slot per home timer the registry declares (typed for the built-in rules'; see `timer`). */
  readonly timers: Record<HomeTimer, TimerSlot>;
  /** The home slices of the rules that keep one, by registry position (`registry.homeSlotOf(rule)`). */
  readonly slices: unknown[];
  learned = new LearnedNormal();
  /** What normally follows each activity (device and way), for possible-fall without a PIR. */
  silences = new DeviceSilence();
  /** Which device ended the silences that began at each device: what a dead device holds off (`roomRulesHeld`). */
  silenceEnds = new SilenceEnds();
  /** Which door is the way out, in a home configured with none (`exit-door-learning.ts`). */
  exitLearning = new ExitDoorLearner();

  firstSeenAt = NaN;
  /**
   * When the hub began watching the home (its first start with the home configured) while none of its activity was
   * known: a silence from then, as if the resident had been seen at that moment (`RulesEngine.watch`). NaN once an
   * activity is known (the silence rules then run from it), or before the hub watched.
   */
  watchedSince = NaN;
  /**
   * Until when the hub heard nothing of the home (rules' time): its last start after a time down, or the end of a
   * span the evaluation did not record. A silence, a still spell, a stay or an outing that began before it is not
   * learned when it ends: what the resident did meanwhile was not heard (session 62). NaN: none.
   */
  unheardUntil = NaN;
  /**
   * The latest report of any kind from any device of the home (rules' time; NaN: none yet): a silence of the whole home
   * longer than `sensorOffline.silentHours` is a span the hub did not hear it (`noteHeard`, session 68).
   */
  lastHeardAt = NaN;
  /** The last activity of the resident (any room), and where. */
  lastActivityAt = NaN;
  lastActivityRoom: string | undefined = undefined;
  /** Whether that activity places the resident in one room (a PIR, or the bathroom). */
  lastActivityLocated = false;
  /** Out: an exit door closed and nothing inside since, until activity inside or an arrival by the exit door. */
  out = false;
  /** What the out-check remembers of the exit door (`exitDoorMove`: an opening while out, then a closing, is an arrival). */
  readonly exitDoor: ExitDoorState = newExitDoorState();
  /** The last arrival by the exit door, while nothing inside has reported since it (shown in the alert's detail). */
  unseenArrival: UnseenArrival | undefined = undefined;
  /** While out: the exit door's closing that began the outing (NaN when not out, or not known). */
  outSince = NaN;
  /** An outing that reached its bound with nothing ending it: its closing, until the next activity (NaN: none). */
  outLapsedSince = NaN;
  /**
   * The closing of an arrival nobody inside has seen that the exit door's next leaving followed within
   * `presence.outAfterMinutes` (its opening), while that leaving (or a chain of them, the door moving again before the
   * home was taken to be out) waits to be confirmed as an outing; NaN otherwise. Consumed by the confirmation.
   */
  leftSoonAfter = NaN;
  /**
   * The last outing confirmed began so soon after an unseen arrival (`leftSoonAfter`, its value): the resident who had
   * just come in may as well never have left; with `presence.outingAfterArrivalMaxHours` (22 h by default), its bound
   * and the wait on a device alone after it are capped (`afterArrivalBoundMs`). NaN: not so, or a later arrival.
   */
  outingAfterArrival = NaN;
  /**
   * The longest outing the home has had (ms): ended by an arrival or activity inside, or after its bound; of the last
   * two spans of `ABSENCE_MEMORY_DAYS` (`ageOutings`).
   */
  longestOutingMs = 0;
  /** The longest of the outings that began at each local hour of the day (0-23), in the span under way... */
  longestOutingByHour: number[] = new Array<number>(24).fill(0);
  /** ...and in the span before it (older ones are forgotten). */
  earlierOutingByHour: number[] = new Array<number>(24).fill(0);
  /** The first local day of the span under way (-1: none yet; the next activity begins it). */
  outingSpanDay = -1;
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
  /** A pre-alert is out to the resident and not yet cancelled. */
  prealertOpen = false;
  /** Learned-normal context of the room of the last activity ("room:<name>"). */
  lastActivityContext: string | undefined = undefined;
  /**
   * The bedroom's context when the silence from the last activity began shut in the bedroom for the night
   * (`shutInForNight` at that activity: the bedroom door closed, a door outside it moved seconds later): the silence
   * is then judged as the bedroom's, and learned as the bedroom's too, not as the room of that door (session 35).
   */
  lastActivityShutIn: string | undefined = undefined;
  /** Activity key of the last activity: the device, and for a contact which way it moved. */
  lastActivityKey: string | undefined = undefined;
  lastActivityDeviceId: string | undefined = undefined;
  /**
   * Where the home's own sensors last placed someone: the latest activity of a device with a room that is not worn
   * (a pendant or a wearable says nothing of the room: its configured one is where it was set up) and not a PIR
   * clearing (the room had been still for its hold). What a worn device's alert says of where to look (session 36).
   */
  sightingAt = NaN;
  sightingDeviceId: string | undefined = undefined;
  /** The threshold behind each armed silence timer, by timer name. */
  readonly armed: Partial<Record<HomeTimer, Threshold>> = {};
  /** Local day on which the morning check was put off because the resident was still in bed. */
  morningGraceDay = -1;
  /** `lastActivityAt` when the latest inactivity-family alert was raised: one call-out per silence. */
  familySilenceAt = NaN;
  /** Alert kinds this engine raised for the home and has not cleared: one raise per episode. */
  readonly open = new Set<AlertKind>();
  /**
   * The home's living days: the latest local days (numbers, ascending, at most `LIVING_DAYS_KEPT`) on which at least
   * `LIVING_DAY_DEVICES` of its devices reported. A day the home is away, or empty with a sensor firing on its own, is
   * none: a device's silence is counted in the days the others spoke (`deviceDead`). `reportDay` is the local day of
   * the latest report, `reportDayDevices` how many devices reported on it so far (it joins when the next day begins).
   */
  livingDays: number[] = [];
  reportDay = -1;
  reportDayDevices = 0;
  /** `deadDeviceIds`'s last answer, while `deadKnown` (not saved: worked out again after a restart). */
  private deadFound: ReadonlySet<string> = new Set();
  private deadKnown = false;

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
    readonly registry: RuleRegistry,
    /**
     * A home absent from the configuration (replay): its devices are those its lines introduce, each counted as a
     * configured one from its first report (a device of it can die to the rules, `deviceDead`).
     */
    private readonly devicesFromLines = false,
  ) {
    this.params = resolveRuleParams(config.rules);
    this.zone = new ZoneClock(config.timezone || 'UTC');
    this.nightStartMinute = parseHhMm(config.nightWindow?.start ?? '23:00');
    this.nightEndMinute = parseHhMm(config.nightWindow?.end ?? '06:00');
    this.away = config.away;
    this.singleResident = (config.residents ?? []).length <= 1;
    const rising = config.routine?.usualRisingTime;
    this.routineRisingMinute = rising === undefined ? NaN : parseHhMm(rising);
    const bedtime = config.routine?.usualBedtime;
    this.restNightStartMinute = bedtime === undefined ? this.nightStartMinute : parseHhMm(bedtime);
    // Every built-in timer is declared by its rule in BUILT_IN_RULES; an engine built on another list has its own.
    this.timers = Object.fromEntries(registry.homeTimers.map((name) => [name, newTimerSlot(index, name)])) as Record<
      HomeTimer,
      TimerSlot
    >;
    this.slices = registry.homeStateRules.map((rule): unknown => rule.homeState?.create(this, this));
    for (const d of config.devices ?? []) this.addDevice(d.id, d.kind, d.room, d);
    this.configured = new Set((config.devices ?? []).map((d) => d.id));
  }

  addDevice(id: string, kind: DeviceKind, room: string | undefined, config?: DeviceConfig): DeviceState {
    const device: DeviceState = {
      id,
      ...newDeviceMemory(kind, room),
      residentId: config?.residentId,
      matHolds: 0,
      matBriefHolds: 0,
      matRestMaxMs: 0,
      sittingDays: [],
      sittingDay: -1,
      sittingDayMs: 0,
      restSince: NaN,
      restVoid: false,
      roomContext: room === undefined ? undefined : roomContextOf(room),
      placeContext: placeContextOf(id, kind, room),
      contactKeys: undefined,
      slices: undefined,
      recentReports: [],
      emergencyReports: [],
      stateReportAt: NaN,
      lastReportDay: -1,
      daysReported: 0,
      longestMissedDays: 0,
      unavailable: false,
    };
    this.devices.set(id, device);
    this.noteKind(device);
    return device;
  }

  /** What a device's kind and room tell the home: a bed mat, a room with a mat, a room with an exit door. */
  private noteKind(device: DeviceState): void {
    const { kind, room } = device;
    this.layoutChanges++;
    if (kind === 'bed') this.bedMats++;
    if ((kind === 'bed' || kind === 'chair') && room !== undefined) this.matRoomSet.add(room);
    if (kind === 'exit-door') this.exitDoors++;
    if (kind === 'exit-door' && room !== undefined) this.exitRoomSet.add(room);
  }

  /**
   * A door of this home taken for the way out (`exitLearning` decided it, or a saved state says it did): from now its
   * closings may begin an outing and its openings end one, as a configured exit door's.
   */
  takeAsExitDoor(id: string): void {
    const device = this.devices.get(id);
    if (!device || device.kind !== 'door') return;
    device.kind = 'exit-door';
    this.exitDoorsLearned++;
    this.noteKind(device);
  }

  /**
   * A device's place in `devices`: the configuration's order (a restart makes them in it again), then any device first
   * heard after (replay, in the order of their first reports). -1 for an id not there.
   */
  devicePosition(id: string): number {
    let i = 0;
    for (const key of this.devices.keys()) {
      if (key === id) return i;
      i++;
    }
    return -1;
  }

  /** A home timer by name: the built-in rules' are typed on `timers`; a rule added to the registry asks here. */
  timer(name: string): TimerSlot {
    const slot = (this.timers as Record<string, TimerSlot | undefined>)[name];
    if (!slot) throw new Error(`no home timer ${name}: declare it in the rule's homeTimers`);
    return slot;
  }

  /** `rule`'s slice for `device`, or undefined when the rule has not heard from it (or keeps none). */
  sliceOf<HomeSlice, Slice>(device: DeviceState, rule: RuleDefinition<HomeSlice, Slice>): Slice | undefined {
    const position = this.registry.slotOf(rule as AnyRule);
    return position < 0 ? undefined : (device.slices?.[position] as Slice | undefined);
  }

  /**
   * Configured again after time out of the configuration, the home heard from meanwhile (`RulesEngine.weighReturns`),
   * which the rules did not weigh: what its devices' rules had under way on a timer (a device's silence towards `sensor-offline`, a cold
   * room's hours, a wearable's fall being confirmed) starts afresh, as for a device not heard yet. What the devices
   * taught of the home (holds, sittings, learned normal) is kept.
   */
  forgetDevicesUnderWay(): void {
    const rules = this.registry.deviceStateRules;
    for (const device of this.devices.values())
      rules.forEach((rule, position) => {
        if (rule.deviceState?.timer !== undefined && device.slices) device.slices[position] = undefined;
      });
  }

  /** `rule`'s slice for `device`, made now if the rule had not heard from it yet. */
  deviceSlice(device: DeviceState, rule: AnyRule, position: number): unknown {
    const slices = (device.slices ??= new Array<unknown>(this.registry.deviceStateRules.length).fill(undefined));
    let slice = slices[position];
    if (slice === undefined && rule.deviceState) {
      slice = rule.deviceState.create(device, this);
      slices[position] = slice;
    }
    return slice;
  }

  /** `rule`'s home slice (undefined when it keeps none). */
  homeSliceOf<Slice, DeviceSlice>(rule: RuleDefinition<Slice, DeviceSlice>): Slice {
    return this.slices[this.registry.homeSlotOf(rule as AnyRule)] as Slice;
  }

  /** The device an event came from; a replay line may introduce one with its own room and kind. */
  deviceFor(event: SensorEvent): DeviceState {
    const known = this.devices.get(event.deviceId);
    if (known) {
      // A home absent from the configuration: a device first heard in a report that names no kind (a heartbeat, its
      // battery) takes the kind of its first report that does (a mat's occupancy, the exit door's contact).
      if (this.devicesFromLines && known.kind === 'other' && event.kind !== undefined && event.kind !== 'other') {
        known.kind = event.kind;
        known.room ??= event.room;
        known.roomContext = known.room === undefined ? undefined : roomContextOf(known.room);
        known.placeContext = placeContextOf(known.id, known.kind, known.room);
        this.noteKind(known);
      }
      return known;
    }
    if (this.devicesFromLines) this.configured.add(event.deviceId);
    return this.addDevice(event.deviceId, event.kind ?? 'other', event.room);
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

  /** When the resident's next night (from the usual bedtime, else the night window's start) begins after `at`. */
  nextRestNightStart(at: number): number {
    const day = this.zone.dayNumber(at);
    const start = this.zone.instantOf(day, this.restNightStartMinute);
    return start > at ? start : this.zone.instantOf(day + 1, this.restNightStartMinute);
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
    for (const d of this.devices.values()) if (d.kind === kind && this.restsOn(d, at)) return true;
    return false;
  }

  /**
   * A home configured for two or more residents, and a mat says one of them rests at `start`: a bed mat held, or a chair
   * mat held in the resident's night (a couch slept on). A held mat is one person resting, not the home: the other may
   * be up, or may have gone back to a bed the sleeper already presses, which no device reports. One resident (or none
   * configured): never (session 37, a home of two).
   */
  othersRest(start: number): boolean {
    return !this.singleResident && (this.bedOccupied || (this.chairOccupied && this.inRestNight(start)));
  }

  /** Whether this mat says the resident rests on it at `at`: its evidence not voided, nor older than the limit. */
  restsOn(device: DeviceState, at: number): boolean {
    return !device.restVoid && at - device.restSince < this.params.presence.matHeldMaxHours * HOUR_MS;
  }

  /**
   * A sitting of `ms` on chair mat `device` that began at `since` ended: the day it began keeps its longest, and a day
   * before it joins the days kept (`DeviceState.sittingDays`). A sitting older than the day under way counts for it.
   */
  noteSitting(device: DeviceState, since: number, ms: number): void {
    const day = this.zone.dayNumber(since);
    if (day > device.sittingDay) {
      closeSittingDay(device);
      device.sittingDay = day;
    }
    device.sittingDayMs = Math.max(device.sittingDayMs, ms);
  }

  /**
   * The longest sitting of each day chair mat `device` was sat on, in minutes, as known at `at`: the finished days, and
   * the day under way's once `at` is on a later local day (its sittings are all in).
   */
  sittingDaysAt(device: DeviceState, at: number): number[] {
    const days = device.sittingDays;
    if (device.sittingDay < 0 || device.sittingDayMs <= 0 || this.zone.dayNumber(at) <= device.sittingDay) return days;
    return [...days, Math.round(device.sittingDayMs / MINUTE_MS)];
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

  /**
   * How long an outing nothing ends is believed (ms from its closing; Infinity: no bound): the home's longest outing
   * with a margin, at least `presence.outingBoundMinHours`; none where that passes `presence.outingBoundMaxHours`.
   * Given the outing's closing (`since`), the longest of the outings that began within `presence.outingBoundHourWindow`
   * hours of that time of day: a resident who goes away for days on a Friday evening is not thereby taken to be away
   * for days after a door moved on a Wednesday evening. Without it, the longest of all.
   */
  outingBoundMs(since = NaN): number {
    const p = this.params.presence;
    if (!(p.outingBoundMaxHours > 0)) return Infinity;
    const bound = Math.max(p.outingBoundMinHours * HOUR_MS, p.outingBoundFactor * this.longestOutingAround(since));
    // 0 (`outingBoundMinHours` 0 and no outing learned yet): no bound, not an outing that ends as it is confirmed.
    if (!(bound > 0)) return Infinity;
    return this.pastOutingHorizon(bound) ? Infinity : bound;
  }

  /**
   * Whether a wait as long as `ms` for someone taken to be away gets no bound: longer than `presence.outingBoundMaxHours`
   * (a resident who goes away for days), unless within `presence.outingBoundLateMaxDays`, where the installer chose to
   * call late (the 24-h horizon is past, but a resident who never left is called, not left for ever). The outing's bound
   * and the wait on a home shown empty (`emptyHomeBoundMs`) share it.
   */
  pastOutingHorizon(ms: number): boolean {
    const p = this.params.presence;
    return ms > p.outingBoundMaxHours * HOUR_MS && !(ms <= p.outingBoundLateMaxDays * DAY_MS);
  }

  /** The longest outing that began within `presence.outingBoundHourWindow` hours of `since`'s time of day. */
  private longestOutingAround(since: number): number {
    const window = this.params.presence.outingBoundHourWindow;
    if (Number.isNaN(since) || !(window < 12)) return this.longestOutingMs;
    const hour = Math.floor(this.zone.minuteOfDay(since) / 60);
    let longest = 0;
    for (let d = -Math.floor(window); d <= Math.floor(window); d++) {
      const h = (hour + d + 24) % 24;
      const ms = Math.max(this.longestOutingByHour[h] ?? 0, this.earlierOutingByHour[h] ?? 0);
      if (ms > longest) longest = ms;
    }
    return longest;
  }

  /**
   * The outings' record at local day `day` (an activity's): a new span of `ABSENCE_MEMORY_DAYS` begun, the outings of
   * the span before the last forgotten.
   */
  ageOutings(day: number): void {
    if (this.outingSpanDay < 0) {
      this.outingSpanDay = day;
      return;
    }
    const passed = absenceSpansPassed(this.outingSpanDay, day);
    if (passed === 0) return;
    this.earlierOutingByHour = passed === 1 ? this.longestOutingByHour : new Array<number>(24).fill(0);
    this.longestOutingByHour = new Array<number>(24).fill(0);
    this.outingSpanDay = passed === 1 ? this.outingSpanDay + ABSENCE_MEMORY_DAYS : day;
    this.longestOutingMs = Math.max(0, ...this.earlierOutingByHour);
  }

  /** When the outing under way reaches its bound (Infinity: none; NaN: not out, or its closing unknown). */
  outingEndsAt(): number {
    const bound = this.singleResident ? this.outingBoundMs(this.outSince) : this.outingInDoubtMs(this.outSince);
    return this.outSince + this.afterArrivalBoundMs(bound);
  }

  /**
   * The bound of an outing in a home configured for two or more residents (ms from its closing; Infinity only where
   * the installer turned outing bounds off, `presence.outingBoundMaxHours` 0). There the exit door closing with nothing
   * inside for `presence.outAfterMinutes` says that someone left, not that the home is empty: the other may be inside,
   * out of every sensor's reach (asleep, sitting, or collapsed). Presence is in doubt from the closing, and the silence
   * is watched as one in doubt: inactivity's night allowance (`inactivity.coldStartNightMinutes`), the allowance the
   * rules give a mat alone since the door moved, unless the home's own outings have lasted longer (the same margin as
   * any outing's bound, `presence.outingBoundFactor`, within `outingBoundHourWindow`); and never past
   * `presence.outingBoundMaxHours`, however long the home's absences: with someone possibly inside, a couple away for
   * days is called once at that cap rather than a collapse never (session 77, ARAS B with half its sensors: one went
   * out at 09:54, the other stayed in the kitchen out of reach, and the home's one overnight absence, 25.9 h, had
   * lifted every later outing's bound for good). One resident (or none configured): `outingBoundMs`, as before.
   */
  outingInDoubtMs(since = NaN): number {
    const p = this.params.presence;
    if (!(p.outingBoundMaxHours > 0)) return Infinity;
    const allowance = this.params.inactivity.coldStartNightMinutes * MINUTE_MS;
    const learned = p.outingBoundFactor * this.longestOutingAround(since);
    const bound = Math.min(p.outingBoundMaxHours * HOUR_MS, Math.max(allowance, learned));
    // 0 (no night allowance and no outing learned yet): no bound, not an outing that ends as it is confirmed.
    return bound > 0 ? bound : Infinity;
  }

  /**
   * `bound` (ms), no longer than `presence.outingAfterArrivalMaxHours` (22 by default, 0: off) when the last outing
   * began within `presence.outAfterMinutes` of an arrival nobody inside saw (`outingAfterArrival`; session 69): someone
   * who came in minutes before and moved the door again (keys forgotten, a caller seen off) may never have left, and
   * the home's days away give such an outing no bound. A resident who pops in and leaves for a day or more without
   * away mode is called once at the cap (Kasteren B: 21 Jul, 7 and 12 Aug, the study's set-up and tear-down); on by
   * default since session 71: a collapse is called within 24 h whatever the door made the rules believe.
   */
  afterArrivalBoundMs(bound: number): number {
    const capHours = this.params.presence.outingAfterArrivalMaxHours;
    if (Number.isNaN(this.outingAfterArrival) || !(capHours > 0)) return bound;
    return Math.min(bound, capHours * HOUR_MS);
  }

  /**
   * Whether a spell that began at `since` was heard throughout: it did not begin before the hub's start after a time
   * down (`unheardUntil`). One that did is not learned.
   */
  heardSince(since: number): boolean {
    return !(since < this.unheardUntil);
  }

  /**
   * A report of any kind from a device of the home at `at` (rules' time). When nothing at all came from any of its
   * devices for longer than `sensorOffline.silentHours` before it (every device would be called offline: EN 50134-2's
   * supervision, which a working home's devices answer at least daily), the hub did not hear the home meanwhile, as when
   * it was down: the silence under way, and any spell under way, is not learned when it ends (`unheardUntil`). Not while
   * the resident is out or away, nor after an outing that lapsed: the exit door said where they were, and the outing's
   * length is learned as such (a weekend away). Session 68: a recording that stopped for days, or a receiver unplugged,
   * taught that hour a silence of days, and the thresholds after it went to the cap.
   */
  noteHeard(at: number): void {
    const silentMs = this.params.sensorOffline.silentHours * HOUR_MS;
    if (
      silentMs > 0 &&
      at - this.lastHeardAt > silentMs &&
      !this.suspended() &&
      Number.isNaN(this.outLapsedSince) &&
      !(this.unheardUntil >= at)
    )
      this.unheardUntil = at;
    if (!(at <= this.lastHeardAt)) this.lastHeardAt = at;
  }

  /**
   * An outing (or a silence after a lapsed one) from `since` to `until` ended: the bound learns from it, unless it
   * began before a time the hub heard nothing (`heardSince`: the resident may have come home and gone out meanwhile).
   */
  noteOuting(since: number, until: number): void {
    if (!this.heardSince(since)) return;
    const ms = until - since;
    if (ms > this.longestOutingMs) this.longestOutingMs = ms;
    if (Number.isNaN(since)) return;
    const hour = Math.floor(this.zone.minuteOfDay(since) / 60);
    if (ms > (this.longestOutingByHour[hour] ?? 0)) this.longestOutingByHour[hour] = ms;
  }

  /**
   * A report from `device` (any type, at its own time `at`): it is alive, and the home reported on `at`'s local day.
   * A report older than the home's latest day counts for the device but changes no day.
   */
  noteReport(device: DeviceState, event: SensorEvent, at: number): void {
    // Zigbee2MQTT's word on the device (the bridge's, not the device's own report): offline is dead at once.
    // A report from the device found dead (it is alive again), or Zigbee2MQTT's word: `deadDeviceIds` looks again.
    if (this.deadFound.has(device.id) || event.type === 'availability') this.deadKnown = false;
    if (event.type === 'availability') {
      device.unavailable = event.value === false;
      return;
    }
    device.unavailable = false;
    if (!ACTIVITY_KINDS.has(device.kind)) return;
    const day = this.zone.dayNumber(at);
    if (day > this.reportDay) {
      if (this.reportDayDevices >= LIVING_DAY_DEVICES && this.mostDailyDevicesReported(this.reportDay)) {
        this.livingDays.push(this.reportDay);
        if (this.livingDays.length > LIVING_DAYS_KEPT) this.livingDays.shift();
        this.deadKnown = false;
      }
      this.reportDay = day;
      this.reportDayDevices = 0;
    }
    if (day <= device.lastReportDay) return;
    if (day === this.reportDay) this.reportDayDevices++;
    if (device.lastReportDay >= 0)
      device.longestMissedDays = Math.max(device.longestMissedDays, this.livingDaysAfter(device.lastReportDay));
    device.lastReportDay = day;
    device.daysReported++;
  }

  /**
   * Whether at least half of the home's devices that report day after day (and are not dead) reported on local day
   * `day`: a home left empty with one PIR firing on its own and the exit door blowing is not living (Kasteren B after
   * 7 Aug: 1-3 devices a day of its 12 daily ones), and the devices the resident no longer moves are not dying.
   */
  private mostDailyDevicesReported(day: number): boolean {
    let daily = 0;
    let reported = 0;
    for (const d of this.devices.values()) {
      if (!this.reportsDaily(d)) continue;
      if (d.lastReportDay === day) reported++;
      else if (this.deviceDead(d)) continue;
      daily++;
    }
    return 2 * reported >= daily;
  }

  /** A device whose reports are the resident's doing, heard day after day (`deviceDead`). */
  private reportsDaily(device: DeviceState): boolean {
    return (
      ACTIVITY_KINDS.has(device.kind) &&
      this.configured.has(device.id) &&
      device.daysReported >= DAILY_DEVICE_DAYS &&
      device.longestMissedDays <= DAILY_DEVICE_GAP_DAYS
    );
  }

  /** How many of the home's living days (closed: before today) came after local day `day`. */
  private livingDaysAfter(day: number): number {
    const days = this.livingDays;
    let n = 0;
    for (let i = days.length - 1; i >= 0 && days[i]! > day; i--) n++;
    return n;
  }

  /**
   * Whether `device` is dead to the rules: Zigbee2MQTT says it is offline; or it reported day after day (on at least
   * `DAILY_DEVICE_DAYS` days, never silent for more than `DAILY_DEVICE_GAP_DAYS` of the home's living days in a row)
   * and has now said nothing on `presence.deadDeviceDays` living days in a row (0: never dead) (a battery run out, a contact knocked off, a
   * PIR stuck on). Living days only: a home away, or empty with one sensor firing on its own, ages nobody; a device
   * used once a week (the washing machine) is never taken for dead. A device heard again is alive. Only devices whose
   * reports are the resident's doing (`ACTIVITY_KINDS`): a thermometer or a pendant that dies hides no silence.
   */
  deviceDead(device: DeviceState): boolean {
    const days = this.params.presence.deadDeviceDays;
    // Not a device taken out of the configuration (a snapshot brings its state back): replaced by a new one under a new
    // id, it never reports again, and would hold the room rules off for good.
    if (!(days > 0) || !ACTIVITY_KINDS.has(device.kind) || !this.configured.has(device.id)) return false;
    if (device.unavailable) return true;
    if (!this.reportsDaily(device)) return false;
    return this.livingDaysAfter(device.lastReportDay) >= days;
  }

  /** The ids of the home's devices dead to the rules (`deviceDead`); empty when none is. */
  deadDeviceIds(): ReadonlySet<string> {
    // Asked at every activity; the answer changes only when a day joins the living days or a device is heard.
    if (!this.deadKnown) {
      const dead = new Set<string>();
      for (const d of this.devices.values()) if (this.deviceDead(d)) dead.add(d.id);
      this.deadFound = dead;
      this.deadKnown = true;
    }
    return this.deadFound;
  }

  /**
   * Whether a dead device holds possible-fall and bathroom-too-long off for the silence that began with the last
   * activity (at `at`): one this home ended with a now-dead device at least `presence.deadDeviceEndShare` of the time
   * (its thresholds were learned with that device ending it; dead, the silence runs on to the next report elsewhere).
   * Counted among the silences that began at that device about the same hour (`SILENCE_HOUR_WINDOWS`: a dead bedroom
   * door holds a door's silences at bedtime, not by day), else over the whole day. Home-wide while the silences that
   * began at that device are fewer than `SILENCE_ENDS_MIN` (too few to say which device ends them: the cold start, a
   * device new to the home), as in session 29.
   */
  roomRulesHeld(at: number): boolean {
    const dead = this.deadDeviceIds();
    return dead.size > 0 && this.silencesHeldFrom(this.lastActivityDeviceId, dead, at);
  }

  /**
   * Whether a silence that began at device `from` at `at` is held off while the devices `dead` are (`roomRulesHeld`):
   * judged by the silences that began at `from` in the narrowest window of hours about `at`'s with enough of them,
   * else by the whole day's.
   */
  silencesHeldFrom(from: string | undefined, dead: ReadonlySet<string>, at: number): boolean {
    if (from === undefined || dead.has(from)) return true;
    const day = this.zone.dayNumber(at);
    const hour = Math.floor(this.zone.minuteOfDay(at) / 60);
    const share = this.params.presence.deadDeviceEndShare;
    for (const halfWidth of SILENCE_HOUR_WINDOWS) {
      const ends = this.silenceEnds.share(from, dead, day, hour, halfWidth);
      if (ends.silences >= SILENCE_ENDS_MIN) return ends.share >= share;
    }
    const ends = this.silenceEnds.share(from, dead, day);
    if (ends.silences < SILENCE_ENDS_MIN) return true;
    return ends.share >= share;
  }

  /**
   * Where the room checks are paused while the devices `dead` are (`roomRulesHeld`) for a silence that began at
   * `at`: `'all'` when one that began at any of the home's devices would be held off, else the rooms (sorted) of the
   * devices whose would be; empty when none would (the dead devices ended no silence that begins elsewhere, at that
   * hour).
   */
  roomChecksPaused(dead: ReadonlySet<string>, at: number): 'all' | string[] {
    const rooms = new Set<string>();
    let all = true;
    for (const d of this.devices.values()) {
      if (!ACTIVITY_KINDS.has(d.kind) || !this.configured.has(d.id) || dead.has(d.id)) continue;
      if (!this.silencesHeldFrom(d.id, dead, at)) all = false;
      else if (d.room !== undefined) rooms.add(d.room);
    }
    return all ? 'all' : [...rooms].sort();
  }

  /**
   * A silence that began with activity from device `from` (at `lastActivityAt`, not yet moved on) ended with activity
   * from `to` on local day `day` (`silenceEnds`, by the hour the silence began). Not counted while a device is dead:
   * the silences it ended end elsewhere then, which says nothing of the home (the counts stand still until it reports
   * again).
   */
  noteSilenceEnd(from: string, to: string, day: number): void {
    if (this.deadDeviceIds().size > 0 || Number.isNaN(this.lastActivityAt)) return;
    this.silenceEnds.record(from, to, day, Math.floor(this.zone.minuteOfDay(this.lastActivityAt) / 60));
  }

  /** Inactivity rules are suspended while the resident is out or the home is in away mode. */
  suspended(): boolean {
    return this.out || this.away;
  }

  snapshot(): HomeSnapshot {
    const timers: Record<string, number> = {};
    for (const [name, slot] of Object.entries<TimerSlot>(this.timers)) {
      if (slot.dueAt !== Infinity) timers[name] = slot.dueAt;
    }
    const devices: HomeSnapshot['devices'] = {};
    const deviceRules = this.registry.deviceStateRules;
    for (const d of this.devices.values()) {
      const saved: DeviceSnapshot = { lastValue: d.lastValue, heldSince: d.heldSince, reportsHeld: d.reportsHeld };
      if (!Number.isNaN(d.holdMinMs)) saved.holdMinMs = d.holdMinMs;
      if (!Number.isNaN(d.motionAt)) saved.motionAt = d.motionAt;
      if (d.changes > 0) saved.changes = d.changes;
      if (d.repeats > 0) saved.repeats = d.repeats;
      if (d.recentReports.length > 0) saved.reported = d.recentReports.map((r) => ({ ...r }));
      if (d.emergencyReports.length > 0) saved.emergencies = d.emergencyReports.map((r) => ({ ...r }));
      if (!Number.isNaN(d.stateReportAt)) saved.stateAt = d.stateReportAt;
      // Also a device Zigbee2MQTT called offline before it reported a day (just installed, or a hub upgraded from
      // before session 29): dead at once, and still after a restart.
      if (d.lastReportDay >= 0 || d.unavailable)
        saved.alive = {
          day: d.lastReportDay,
          days: d.daysReported,
          missedMax: d.longestMissedDays,
          ...(d.unavailable ? { unavailable: true as const } : {}),
        };
      if (d.kind === 'bed' || d.kind === 'chair')
        saved.mat = {
          matHolds: d.matHolds,
          matBriefHolds: d.matBriefHolds,
          ...(d.matRestMaxMs > 0 ? { matRestMaxMs: d.matRestMaxMs } : {}),
          ...(d.sittingDay >= 0
            ? { sittings: { days: [...d.sittingDays], day: d.sittingDay, ms: d.sittingDayMs } }
            : {}),
          restSince: d.restSince,
          restVoid: d.restVoid,
        };
      deviceRules.forEach((rule, position) => {
        const slice = d.slices?.[position];
        const codec = rule.deviceState;
        if (slice === undefined || !codec) return;
        const state = codec.save(slice);
        if (state !== undefined) (saved.rules ??= {})[rule.name] = { v: codec.version, s: state };
        const slot = codec.timer?.slot(slice);
        if (slot && slot.dueAt !== Infinity) timers[`${slot.name}:${d.id}`] = slot.dueAt;
      });
      devices[d.id] = saved;
    }
    const rules: Record<string, SavedSlice> = {};
    this.registry.homeStateRules.forEach((rule, position) => {
      const codec = rule.homeState;
      const state = codec?.save(this.slices[position]);
      if (codec && state !== undefined) rules[rule.name] = { v: codec.version, s: state };
    });
    const exitLearning = this.exitLearning.exportState();
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
      open: [...this.open],
      timers,
      devices,
      learned: this.learned.exportState(),
      lastActivityKey: this.lastActivityKey ?? null,
      silences: this.silences.exportState(),
      silenceEnds: this.silenceEnds.exportState(),
      ...(exitLearning === undefined ? {} : { exitLearning }),
      lastActivityDeviceId: this.lastActivityDeviceId ?? null,
      ...(this.sightingDeviceId === undefined
        ? {}
        : { sighting: { at: this.sightingAt, deviceId: this.sightingDeviceId } }),
      armed: { ...this.armed },
      morningGraceDay: this.morningGraceDay,
      familySilenceAt: Number.isNaN(this.familySilenceAt) ? null : this.familySilenceAt,
      ...(this.exitDoor.opening !== undefined || !Number.isNaN(this.exitDoor.arrivalOpenedAt)
        ? {
            exitDoor: {
              opening: this.exitDoor.opening ?? null,
              openedAt: Number.isNaN(this.exitDoor.openedAt) ? null : this.exitDoor.openedAt,
              arrivalOpenedAt: Number.isNaN(this.exitDoor.arrivalOpenedAt) ? null : this.exitDoor.arrivalOpenedAt,
              arrivalClosedAt: Number.isNaN(this.exitDoor.arrivalClosedAt) ? null : this.exitDoor.arrivalClosedAt,
              ...(Number.isNaN(this.leftSoonAfter) ? {} : { leftSoonAfter: this.leftSoonAfter }),
            },
          }
        : {}),
      ...(this.unseenArrival ? { unseenArrival: { ...this.unseenArrival } } : {}),
      // Always while out: a snapshot without it is one from before session 26 (`restore`).
      ...(!this.out && Number.isNaN(this.outSince) && Number.isNaN(this.outLapsedSince) && this.longestOutingMs === 0
        ? {}
        : {
            outing: {
              since: Number.isNaN(this.outSince) ? null : this.outSince,
              lapsedSince: Number.isNaN(this.outLapsedSince) ? null : this.outLapsedSince,
              longestMs: this.longestOutingMs,
              ...(this.longestOutingMs > 0 ? { longestByHour: [...this.longestOutingByHour] } : {}),
              ...(this.earlierOutingByHour.some((ms) => ms > 0)
                ? { earlierByHour: [...this.earlierOutingByHour] }
                : {}),
              ...(this.outingSpanDay >= 0 ? { spanDay: this.outingSpanDay } : {}),
              ...(Number.isNaN(this.outingAfterArrival) ? {} : { afterArrival: this.outingAfterArrival }),
            },
          }),
      ...(Number.isNaN(this.watchedSince) ? {} : { watchedSince: this.watchedSince }),
      ...(Number.isNaN(this.unheardUntil) ? {} : { unheardUntil: this.unheardUntil }),
      ...(Number.isNaN(this.lastHeardAt) ? {} : { lastHeardAt: this.lastHeardAt }),
      ...(this.lastActivityShutIn === undefined ? {} : { lastActivityShutIn: this.lastActivityShutIn }),
      ...(this.reportDay >= 0
        ? { reportDays: { living: [...this.livingDays], day: this.reportDay, devices: this.reportDayDevices } }
        : {}),
      rules,
    };
  }

  /**
   * Restore from a snapshot of state `version` (5: before the registry, each rule's slice read from the flat records
   * as its version 0); returns the timers to re-arm (slot, due time).
   */
  restore(saved: HomeSnapshot, version: number): [TimerSlot, number][] {
    // JSON turns NaN into null: read numbers back with NaN for null.
    const num = (v: unknown): number => (typeof v === 'number' ? v : NaN);
    const count = (v: unknown): number => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : 0);
    this.firstSeenAt = num(saved.firstSeenAt);
    this.lastActivityAt = num(saved.lastActivityAt);
    this.lastActivityRoom = saved.lastActivityRoom ?? undefined;
    this.lastActivityContext = this.lastActivityRoom === undefined ? undefined : roomContextOf(this.lastActivityRoom);
    this.prealertOpen = saved.prealertOpen;
    this.lastActivityLocated = saved.lastActivityLocated;
    this.out = saved.out;
    this.away = saved.away;
    this.bedOccupied = saved.bedOccupied;
    this.chairOccupied = saved.chairOccupied;
    this.wentToBed = saved.wentToBed;
    this.gotUpAt = num(saved.gotUpAt);
    this.bathroomEnteredAt = num(saved.bathroomEnteredAt);
    this.risenDay = typeof saved.risenDay === 'number' ? saved.risenDay : -1;
    this.risingCandidateAt = num(saved.risingCandidateAt);
    this.risingLearnedDay = typeof saved.risingLearnedDay === 'number' ? saved.risingLearnedDay : -1;
    for (const k of saved.open ?? []) this.open.add(k);
    this.learned = LearnedNormal.fromState(saved.learned);
    this.lastActivityKey = typeof saved.lastActivityKey === 'string' ? saved.lastActivityKey : undefined;
    this.silences = DeviceSilence.fromState(saved.silences);
    // Absent before session 30 (state version 7): none counted yet, and a dead device holds home-wide until they are.
    this.silenceEnds = SilenceEnds.fromState(saved.silenceEnds);
    // Absent before session 42: counted again from the events to come. Only a door of this home's is kept, and nothing
    // once the configuration names an exit door (the installer's word wins over what was learned).
    this.exitLearning = this.exitDoorGiven
      ? new ExitDoorLearner()
      : ExitDoorLearner.fromState(saved.exitLearning, (id) => this.devices.get(id)?.kind === 'door');
    for (const id of this.exitLearning.learned) this.takeAsExitDoor(id);
    this.lastActivityDeviceId = typeof saved.lastActivityDeviceId === 'string' ? saved.lastActivityDeviceId : undefined;
    // Only a device of this home's with a room (a saved state is not trusted to name anything else). Before session 36
    // none was saved: the last activity stands for it when a device with a room, not worn, reported it.
    const sighting = saved.sighting ?? {
      at: this.lastActivityAt,
      deviceId: this.lastActivityDeviceId,
    };
    const sighted = typeof sighting.deviceId === 'string' ? this.devices.get(sighting.deviceId) : undefined;
    const sightingKnown =
      sighted?.room !== undefined &&
      !isWorn(sighted.kind) &&
      typeof sighting.at === 'number' &&
      !Number.isNaN(sighting.at);
    this.sightingDeviceId = sightingKnown ? sighted.id : undefined;
    this.sightingAt = sightingKnown ? sighting.at : NaN;
    for (const [name, t] of Object.entries(saved.armed ?? {})) {
      // The morning check's threshold has no minutes (NaN: it is a time of day), which JSON saved as null.
      if (this.registry.homeTimers.includes(name) && (typeof t.ms === 'number' || (t.ms as unknown) === null))
        this.armed[name as HomeTimer] = { ms: num(t.ms), source: t.source };
    }
    this.morningGraceDay = typeof saved.morningGraceDay === 'number' ? saved.morningGraceDay : -1;
    this.familySilenceAt = num(saved.familySilenceAt);
    const door = saved.exitDoor;
    const opening = door?.opening;
    this.exitDoor.opening =
      opening === 'arrival' || opening === 'same-arrival' || opening === 'leaving' ? opening : undefined;
    this.exitDoor.openedAt = num(door?.openedAt);
    this.exitDoor.arrivalOpenedAt = num(door?.arrivalOpenedAt);
    this.exitDoor.arrivalClosedAt = num(door?.arrivalClosedAt);
    this.leftSoonAfter = num(door?.leftSoonAfter);
    const arrival = saved.unseenArrival;
    this.unseenArrival =
      arrival && typeof arrival.doorId === 'string' && typeof arrival.closedAt === 'number'
        ? { doorId: arrival.doorId, openedAt: num(arrival.openedAt), closedAt: arrival.closedAt }
        : undefined;
    // Before session 26 no outing was kept: an outing under way is taken to have begun at the last activity (the
    // leaving, or before it: the bound comes no later), so that it has a bound too; none is learned yet.
    this.outSince = !this.out ? NaN : saved.outing ? num(saved.outing.since) : this.lastActivityAt;
    this.outLapsedSince = num(saved.outing?.lapsedSince);
    this.outingAfterArrival = num(saved.outing?.afterArrival);
    this.longestOutingMs = Math.max(0, num(saved.outing?.longestMs) || 0);
    // Before session 27 the outings were not kept by the hour they began: each hour is taken to have had the longest.
    const byHour = saved.outing?.longestByHour;
    this.longestOutingByHour = Array.from({ length: 24 }, (_, h) =>
      Array.isArray(byHour) ? Math.max(0, num(byHour[h]) || 0) : this.longestOutingMs,
    );
    // Before session 31 no span was kept: every outing known is taken to be of the span that begins now.
    const earlier = saved.outing?.earlierByHour;
    this.earlierOutingByHour = Array.from({ length: 24 }, (_, h) =>
      Array.isArray(earlier) ? Math.max(0, num(earlier[h]) || 0) : 0,
    );
    const spanDay = saved.outing?.spanDay;
    this.outingSpanDay = Number.isInteger(spanDay) && spanDay! >= 0 ? spanDay! : -1;
    this.watchedSince = Number.isNaN(this.lastActivityAt) ? num(saved.watchedSince) : NaN;
    this.unheardUntil = num(saved.unheardUntil);
    this.lastHeardAt = num(saved.lastHeardAt);
    const shutIn = saved.lastActivityShutIn;
    // Only a room context of this home's own devices (a saved state is not trusted to name anything else).
    let shutInContext: string | undefined;
    for (const d of this.devices.values())
      if (d.roomContext !== undefined && d.roomContext === shutIn) shutInContext = d.roomContext;
    this.lastActivityShutIn = shutInContext;
    // Absent before session 29: no day counted yet (a device is taken for dead only after days heard from then).
    const days = saved.reportDays;
    this.livingDays = Array.isArray(days?.living)
      ? days.living.filter((d): d is number => Number.isInteger(d)).slice(-LIVING_DAYS_KEPT)
      : [];
    this.reportDay = Number.isInteger(days?.day) ? days!.day : -1;
    this.reportDayDevices = Math.max(0, num(days?.devices) || 0);
    this.registry.homeStateRules.forEach((rule, position) => {
      const stored = version === LEGACY_STATE_VERSION ? { v: 0, s: saved } : saved.rules?.[rule.name];
      const slice: unknown = stored === undefined ? undefined : rule.homeState?.load(stored.s, stored.v, this, this);
      if (slice !== undefined) this.slices[position] = slice;
    });
    const deviceRules = this.registry.deviceStateRules;
    for (const [id, d] of Object.entries(saved.devices ?? {})) {
      // A device taken out of the configuration since (a contact replaced by a new one under a new id, a wearable
      // handed back) is heard no more: its state is left behind, with its timers. Brought back, it was saved again with
      // every snapshot, for good (a wearable's detector, 11-18 KB, each), and its silence timer called it offline 25 h
      // later, an alert nothing could clear (review, session 33). Configured again, it starts afresh, as a new device.
      const device = this.configured.has(id) ? this.devices.get(id) : undefined;
      if (device === undefined) continue;
      device.lastValue = d.lastValue ?? undefined;
      device.heldSince = num(d.heldSince);
      device.reportsHeld = d.reportsHeld;
      device.holdMinMs = num(d.holdMinMs);
      // Before session 45 not saved: a held state's start is the latest `true` known to have come.
      device.motionAt = typeof d.motionAt === 'number' ? d.motionAt : device.heldSince;
      device.changes = count(d.changes);
      device.repeats = count(d.repeats);
      if (Array.isArray(d.reported)) device.recentReports = savedReports(d.reported);
      if (Array.isArray(d.emergencies)) device.emergencyReports = savedReports(d.emergencies);
      // Before session 31: the latest state report among those kept (none older than it is a copy of one of them).
      device.stateReportAt =
        typeof d.stateAt === 'number'
          ? d.stateAt
          : device.recentReports.reduce((t, r) => (STATE_REPORT_TYPES.has(r.type) && !(r.ts <= t) ? r.ts : t), NaN);
      const alive = d.alive;
      if (alive && Number.isInteger(alive.day) && alive.day >= 0) {
        device.lastReportDay = alive.day;
        device.daysReported = Math.max(0, num(alive.days) || 0);
        device.longestMissedDays = Math.max(0, num(alive.missedMax) || 0);
      }
      // Offline by Zigbee2MQTT's word, whether or not it had reported a day yet (`day` -1).
      device.unavailable = alive?.unavailable === true;
      if (d.mat) {
        device.matHolds = num(d.mat.matHolds) || 0;
        device.matBriefHolds = num(d.mat.matBriefHolds) || 0;
        // Absent in older snapshots: no lie-in seen yet (the next one is learned when it ends).
        device.matRestMaxMs = num(d.mat.matRestMaxMs) || 0;
        // Absent before session 37 and before a sitting: none known yet (learned from the next ones).
        const sittings = d.mat.sittings;
        device.sittingDays = Array.isArray(sittings?.days)
          ? sittings.days.filter((m): m is number => typeof m === 'number' && m > 0).slice(-SITTING_DAYS_KEPT)
          : [];
        device.sittingDay = Number.isInteger(sittings?.day) && sittings!.day >= 0 ? sittings!.day : -1;
        device.sittingDayMs = device.sittingDay >= 0 ? Math.max(0, num(sittings?.ms) || 0) : 0;
        device.restSince = num(d.mat.restSince);
        device.restVoid = (d.mat.restVoid as unknown) === true; // saved JSON: anything but true is false
      }
      deviceRules.forEach((rule, position) => {
        const stored = version === LEGACY_STATE_VERSION ? { v: 0, s: d } : d.rules?.[rule.name];
        const slice: unknown =
          stored === undefined ? undefined : rule.deviceState?.load(stored.s, stored.v, device, this);
        if (slice !== undefined)
          (device.slices ??= new Array<unknown>(deviceRules.length).fill(undefined))[position] = slice;
      });
    }
    const rearm: [TimerSlot, number][] = [];
    for (const [name, at] of Object.entries(saved.timers ?? {})) {
      if (typeof at !== 'number') continue;
      const colon = name.indexOf(':');
      if (colon < 0) {
        const slot = (this.timers as Record<string, TimerSlot | undefined>)[name];
        if (slot) rearm.push([slot, at]);
        continue;
      }
      const device = this.devices.get(name.slice(colon + 1));
      const rule = this.registry.deviceTimerRule(name.slice(0, colon));
      if (!device || !rule) continue;
      const slice = this.deviceSlice(device, rule, this.registry.slotOf(rule));
      const slot = rule.deviceState?.timer?.slot(slice);
      if (slot) rearm.push([slot, at]);
    }
    return rearm;
  }
}
