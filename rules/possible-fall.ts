// possible-fall: the resident was placed in one room (a PIR, the bathroom) or, once learned, seen at any device, then silence everywhere.
import type { RuleContext } from './context.js';
import { silenceDetail, silenceEndedBy } from './explain.js';
import { ABSENCE_MEMORY_DAYS, absenceSpansPassed, type HomeState } from './home-state.js';
import { dueFrom, learnedOrPrior, shrink, type Threshold } from './threshold.js';
import type { ActivitySeen, RuleDefinition } from './registry.js';
import { AFTER_EXIT_MARGIN_MS, bedAndChairMatsWork, bedMatsWork, chairLeftKey } from './presence.js';
import { isWorn, matPulses, SAME_PASSAGE_MS } from './activity.js';
import { homeMayBeEmpty, inactivityDefinition, type InactivitySlice } from './inactivity.js';
import { morningTripUnseen } from './no-morning-activity.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from './time.js';
import { isBathroom, roomKey, type DeviceKind } from './vocabulary.js';

/**
 * The resident's return after a confirmed outing (kept by possible-fall, read by bathroom-too-long). One comes back
 * through a door: activity inside while out, with the exit door not opened since, is as likely a sensor firing on
 * its own (sun or heating on a PIR, a pet, a stuck mat or mercury switch) as a resident who never left. Until a
 * second device inside reports within `presence.outAfterMinutes` of it (or the exit door opens), the silence rules
 * that place the resident (possible-fall, bathroom-too-long) wait; inactivity still watches the silence, so a
 * resident who did not leave is still called about.
 */
export interface ReturnWatch {
  /** Out (a confirmed outing) since the last suspension, and whether the exit door opened since. */
  out: boolean;
  doorOpened: boolean;
  /** Seen inside after an outing with the door shut, by this device only (undefined: a return is not in doubt)... */
  loneDeviceId: string | undefined;
  /** ...last at this time (epoch ms)... */
  loneAt: number;
  /** ...and first at this time (NaN: unknown, a slice saved before session 26). */
  loneSince: number;
  /** When the exit door last closed with nothing inside since (NaN: not waiting for the first activity after it). */
  closedAt: number;
  /**
   * When the exit door last opened into a home nobody was known to be in (out, or a return in doubt), or opened again
   * within a minute of such an opening (NaN: none): an arrival; for `presence.outAfterMinutes` after it, the door's
   * closing is behind whoever came in. Absent from a slice saved before session 21 (read as none).
   */
  arrivalAt: number;
  /** When the outing under way was confirmed (NaN: not out, or unknown in a slice saved before session 21). */
  outAt: number;
  /**
   * The return in doubt began after an outing longer than inactivity's day value: had the resident stayed in, that
   * silence would itself have been called about, so the device alone is more likely a sensor or a pet than them.
   */
  afterLongOuting: boolean;
  /**
   * When the silence under way began up and about (`upAndAbout`), NaN when it did not: when it ends, it joins the
   * home's silences in that context. Absent from a slice saved before session 23 (read as not).
   */
  upSince: number;
  /** How many up-and-about silences the possible-fall armed now rests on (0: not on them; shown in the detail). */
  upSilences: number;
  /**
   * The room of the last activity that was a sign of someone there (not a PIR clearing, which ends a movement begun
   * earlier), for `upFromRestInDoubt`. Absent from a slice saved before session 24 (read as unknown).
   */
  seenRoom: string | undefined;
  /** ...and its time (NaN: unknown). */
  seenAt: number;
  /**
   * When the run of signs in `seenRoom` began: the first of them after a sign elsewhere (the resident came into that
   * room), for `restBegunInOwnNight`. NaN: unknown (absent from a slice saved before session 33, read so).
   */
  seenRoomSince: number;
  /**
   * The return in doubt is one of getting up (`upFromRestInDoubt`): it ends when its device reports again after the
   * night and the morning check (a resident up and about where one PIR alone sees them). Absent from a slice saved
   * before session 25 (read as not).
   */
  fromRest: boolean;
  /**
   * The home's own record of long returns in doubt (`longDoubt`: after a long outing, or one device alone for longer
   * than inactivity's day value), by how they ended (`doorEndedDoubt` below): the exit door opening with nothing else
   * inside since, and someone seen inside after it (`emptyReturns`: the device alone was a sensor firing in an empty
   * home, the door someone coming in); or the resident seen: a second device within `presence.outAfterMinutes`, a worn
   * one, or the exit door opening and an outing confirmed after it (`seenReturns`: the device alone was the resident,
   * who then left). The door opening again before either (later than `SAME_PASSAGE_MS`: not the same push) counts
   * neither way: someone stepping out and back, who may be the resident the device alone saw. Kept across outings
   * (`emptyHomeShown`). Absent from a slice saved before session 26 (read as none).
   */
  emptyReturns: number;
  seenReturns: number;
  /**
   * A long return in doubt ended by the exit door opening at `at`, whoever opened it not yet told (coming in or
   * leaving); `again`: the door opened again since; `deviceId`: the device alone then (undefined: none pending).
   */
  doorEndedDoubt: { at: number; again: boolean; deviceId?: string; from?: number } | undefined;
  /**
   * The devices whose reports alone made a long return in doubt that ended empty (counted in `emptyReturns`; the device
   * alone when the door opened): the home has shown each firing on its own while nobody was in (a PIR in the sun, a door
   * contact that bounces), read by `emptyHomeShown`. Kept across outings and restarts; absent from a slice saved before
   * session 27 (read as none).
   */
  ghostDevices: string[];
  /**
   * The device alone's reports in the hour under way (`loneBurstCount` since `loneBurstAt`, epoch ms), and whether it
   * has chattered during this return in doubt (`chattersAlone`): a contact reporting on and on by itself.
   * Absent from a slice saved before session 28 (read as none).
   */
  loneBurstAt: number;
  loneBurstCount: number;
  loneChattered: boolean;
  /**
   * Since when the home may have been empty in the return in doubt under way: the outing's confirmation when it began
   * after one, else its first report (NaN: none under way).
   */
  doubtFrom: number;
  /**
   * The longest a long return in doubt that ended empty had lasted (from `doubtFrom` to the exit door's opening, ms):
   * how long this home has shown itself empty with a device firing alone, read by `emptyHomeBoundMs`. Kept across
   * outings and restarts; absent from a slice saved before session 28 (read as 0).
   */
  longestEmptyMs: number;
  /**
   * `longestEmptyMs` is of the span of `ABSENCE_MEMORY_DAYS` local days under way, which began on `emptySpanDay` (-1:
   * none yet); `earlierEmptyMs` of the span before; older spells are forgotten (review, session 31). Absent from a slice
   * saved before (read as 0 and -1).
   */
  earlierEmptyMs: number;
  emptySpanDay: number;
  /**
   * The return in doubt under way is a PIR alone after a quiet spell (`aloneAfterQuiet`): not one after an outing, so
   * it says nothing of an empty home (`longDoubt`, `emptyHomeShown`). Absent from a slice saved before session 31.
   */
  quietAlone: boolean;
  /**
   * The run of reports under way (`noteRun`, session 32's form, session 36): one device's reports with no gap longer
   * than `LONE_GAP_MS` (`runDeviceId`, from `runStart` to `runLast`, `runReports` of them, its clearings not counted),
   * and the last report of any other device before it (`otherAt`; NaN: none known). Absent from a slice saved before
   * (read as none).
   */
  runDeviceId: string | undefined;
  runStart: number;
  runLast: number;
  runReports: number;
  otherAt: number;
  /**
   * The run's last burst (`noteRun`, session 72): its reports (`burstReports`, clearings not counted) from
   * `burstStart`, each within `BURST_QUIET_MS` of the report before it, and the last report of any device before the
   * burst (`burstAfter`; NaN: none known); `signAt` is the last report of any device (clearings too). Absent from a
   * slice saved before (read as none).
   */
  burstStart: number;
  burstReports: number;
  burstAfter: number;
  signAt: number;
  /**
   * The silence under way began with a PIR's lone trigger in the resident's night (`loneNightTrigger`) of this device
   * at `loneNightAt` (NaN: not): its length joins that device's record (`loneNightContext`) when it ends.
   */
  loneNightDevice: string | undefined;
  loneNightAt: number;
}

function newReturnWatch(): ReturnWatch {
  return {
    out: false,
    doorOpened: false,
    loneDeviceId: undefined,
    loneAt: NaN,
    loneSince: NaN,
    closedAt: NaN,
    arrivalAt: NaN,
    outAt: NaN,
    afterLongOuting: false,
    upSince: NaN,
    upSilences: 0,
    seenRoom: undefined,
    seenAt: NaN,
    seenRoomSince: NaN,
    fromRest: false,
    emptyReturns: 0,
    seenReturns: 0,
    doorEndedDoubt: undefined,
    ghostDevices: [],
    loneBurstAt: NaN,
    loneBurstCount: 0,
    loneChattered: false,
    doubtFrom: NaN,
    longestEmptyMs: 0,
    earlierEmptyMs: 0,
    emptySpanDay: -1,
    quietAlone: false,
    runDeviceId: undefined,
    runStart: NaN,
    runLast: NaN,
    runReports: 0,
    otherAt: NaN,
    burstStart: NaN,
    burstReports: 0,
    burstAfter: NaN,
    signAt: NaN,
    loneNightDevice: undefined,
    loneNightAt: NaN,
  };
}

/** What a watch keeps across outings and silences: the home's record of its returns in doubt and of its ghosts. */
function record(
  watch: ReturnWatch,
): Pick<
  ReturnWatch,
  | 'emptyReturns'
  | 'seenReturns'
  | 'ghostDevices'
  | 'longestEmptyMs'
  | 'earlierEmptyMs'
  | 'emptySpanDay'
  | 'runDeviceId'
  | 'runStart'
  | 'runLast'
  | 'runReports'
  | 'otherAt'
> {
  return {
    runDeviceId: watch.runDeviceId,
    runStart: watch.runStart,
    runLast: watch.runLast,
    runReports: watch.runReports,
    otherAt: watch.otherAt,
    emptyReturns: watch.emptyReturns,
    seenReturns: watch.seenReturns,
    ghostDevices: watch.ghostDevices,
    longestEmptyMs: watch.longestEmptyMs,
    earlierEmptyMs: watch.earlierEmptyMs,
    emptySpanDay: watch.emptySpanDay,
  };
}

/** The spells shown empty at local day `day`: a new span begun, those of the span before the last forgotten. */
function ageEmptySpells(watch: ReturnWatch, day: number): void {
  if (watch.emptySpanDay < 0) {
    watch.emptySpanDay = day;
    return;
  }
  const passed = absenceSpansPassed(watch.emptySpanDay, day);
  if (passed === 0) return;
  watch.earlierEmptyMs = passed === 1 ? watch.longestEmptyMs : 0;
  watch.longestEmptyMs = 0;
  watch.emptySpanDay = passed === 1 ? watch.emptySpanDay + ABSENCE_MEMORY_DAYS : day;
}

/** Whether the resident's presence inside rests on one device's reports after an outing with the exit door shut. */
export function returnInDoubt(home: HomeState): boolean {
  // Undefined in an engine built on a list of rules without possible-fall.
  const watch = home.homeSliceOf(possibleFallDefinition) as ReturnWatch | undefined;
  return watch?.loneDeviceId !== undefined;
}

/**
 * Whether the home is more likely empty than not: a return in doubt after an outing longer than inactivity's day value
 * (Kasteren B: its kitchen PIR firing alone 5 and 7 h after the resident left). Inactivity gives such a silence its night
 * allowance; after a short outing, a device alone may well be the resident, who is watched as usual.
 */
export function emptyHomeLikely(home: HomeState): boolean {
  const watch = home.homeSliceOf(possibleFallDefinition) as ReturnWatch | undefined;
  return watch?.loneDeviceId !== undefined && watch.afterLongOuting;
}

/** Long returns in doubt (`longDoubt`) a home must have seen end by the exit door before `emptyHomeShown`. */
export const EMPTY_RETURNS_MIN = 2;

/**
 * Whether a return in doubt (not one of getting up) is a long one at `at`: it began after an outing longer than the
 * home's own normal for a silence begun then (`afterLongOuting`, `outingCalledMs`), or it has itself lasted longer than
 * inactivity's day value, one device alone all along (Kasteren B after its annotation: the kitchen PIR alone for two
 * days after the front door closed, nothing else inside). Had the resident been home, another device would have
 * reported, or that silence been called about.
 */
function longDoubt(home: HomeState, watch: ReturnWatch, at: number): boolean {
  if (watch.loneDeviceId === undefined || watch.fromRest || watch.quietAlone) return false;
  return watch.afterLongOuting || at - watch.loneSince > home.params.inactivity.coldStartDayMinutes * MINUTE_MS;
}

/**
 * Whether the return in doubt under way is a long one (`longDoubt`) and the home's own history says such returns are a
 * sensor firing in an empty home: at least `EMPTY_RETURNS_MIN` of them ended by the exit door opening with nothing else
 * inside since, more than twice as many as ended with the resident seen (a second device within
 * `presence.outAfterMinutes`, a worn one). Then the inactivity family waits on the device alone as on an outing: until
 * a second device, a worn one or the exit door (Kasteren B after its annotation: the kitchen PIR alone for two days,
 * then the living-room door, the bathroom PIR alone for four more, five call-outs in an empty home). A home whose long
 * returns were the resident (a door event lost) keeps watching them.
 *
 * So too a return in doubt after a short outing when its device alone is one the home has shown firing on its own in an
 * empty home (`ghostDevices`: a long return in doubt of that very device ended empty), session 27: that the outing was
 * short says nothing of the device (Kasteren B: the bedroom door, which had flapped alone for hours in the empty home of
 * the installation days, reporting alone three hours after a visitor left on 16 Aug; inactivity called at 194 min). Not
 * a doubt of getting up (`fromRest`: the resident asleep, not an empty home); the same record decides.
 *
 * So too, whatever the record holds (none yet in a home's first days), a return in doubt whose device alone is a
 * contact that has chattered (`chattersAlone`, session 28): a fault, not the resident.
 */
export function emptyHomeShown(home: HomeState, at: number): boolean {
  const watch = home.homeSliceOf(possibleFallDefinition) as ReturnWatch | undefined;
  if (watch === undefined) return false;
  if (chattersAlone(watch)) return true;
  const ghost =
    watch.loneDeviceId !== undefined &&
    !watch.fromRest &&
    !watch.quietAlone &&
    watch.ghostDevices.includes(watch.loneDeviceId);
  if (!ghost && !longDoubt(home, watch, at)) return false;
  return watch.emptyReturns >= EMPTY_RETURNS_MIN && watch.emptyReturns > 2 * watch.seenReturns;
}

/**
 * How long the inactivity family waits on a device alone in a home shown empty (`emptyHomeShown`; ms from its last
 * report; Infinity: no bound). As an outing nothing ends (`HomeState.outingBoundMs`), and as long as this home has
 * itself been shown empty (session 28): the longest of its long returns in doubt that ended empty (`longestEmptyMs`),
 * with the outing's margin (`presence.outingBoundFactor`); none where that passes `presence.outingBoundMaxHours`, as
 * for a resident seen away for days. Those spells are absences the exit door began and ended, with nobody inside
 * (someone came in), that a device firing alone kept from counting as outings (Kasteren B after its annotation: away
 * from 6 Aug 19:18 to 7 Aug 14:02 with the kitchen PIR firing alone, then gone for days with it and the living-room
 * door firing alone, called at 18 h on 12 and 13 Aug). In a home configured for two or more residents, presence in
 * doubt instead, never past `outingBoundMaxHours` (`emptyHomeInDoubtMs`, session 77 review).
 */
export function emptyHomeBoundMs(home: HomeState): number {
  if (!home.singleResident) return emptyHomeInDoubtMs(home);
  const bound = home.outingBoundMs();
  if (!Number.isFinite(bound)) return home.afterArrivalBoundMs(bound);
  const watch = home.homeSliceOf(possibleFallDefinition) as ReturnWatch | undefined;
  const spell =
    home.params.presence.outingBoundFactor * Math.max(watch?.longestEmptyMs ?? 0, watch?.earlierEmptyMs ?? 0);
  // Past a day, as an outing's bound: none, or, where the installer chose it, late rather than never; after an outing
  // begun within minutes of an unseen arrival, as such outings have lasted (`HomeState.afterArrivalBoundMs`, session 69).
  return home.afterArrivalBoundMs(home.pastOutingHorizon(spell) ? Infinity : Math.max(bound, spell));
}

/**
 * `emptyHomeBoundMs` in a home configured for two or more residents (session 77 review): the device alone may be the
 * one who stayed in while the other left by the exit door, so the wait on it is presence in doubt, as the outing's own
 * bound is there (`HomeState.outingInDoubtMs`): inactivity's night allowance, lengthened by the home's outings and by
 * the spells it has shown itself empty (`presence.outingBoundFactor` x the longest), and **never past
 * `presence.outingBoundMaxHours`**, however long those spells (before: none past it, so a couple's day away left every
 * later such wait without a bound). Infinity only where the installer turned outing bounds off (`outingBoundMaxHours`
 * 0). After an outing begun within minutes of an unseen arrival, no longer than `outingAfterArrivalMaxHours` either.
 */
function emptyHomeInDoubtMs(home: HomeState): number {
  const bound = home.outingInDoubtMs();
  if (!Number.isFinite(bound)) return bound;
  const p = home.params.presence;
  const watch = home.homeSliceOf(possibleFallDefinition) as ReturnWatch | undefined;
  const spell = p.outingBoundFactor * Math.max(watch?.longestEmptyMs ?? 0, watch?.earlierEmptyMs ?? 0);
  return home.afterArrivalBoundMs(Math.min(p.outingBoundMaxHours * HOUR_MS, Math.max(bound, spell)));
}

/**
 * Up from the night's rest, by one device's word: after a silence in the bedroom that held part of the resident's night
 * (from the care plan's bedtime, else the night window; `restedThroughNight`: the morning after too, since session 25),
 * where no bed mat's silence says the bed is empty (no mat, one stuck, or one that reports each movement: session 25,
 * `bedSilenceSaysEmpty`), the first report outside the bedroom after the resident was last
 * seen in the bedroom more than a minute before (`AFTER_EXIT_MARGIN_MS`: a bedroom PIR that sees the bed sees the
 * resident get up moments before they appear elsewhere, and then they are placed as before; CASAS: the bedroom PIR,
 * then the bathroom PIR seconds later). Someone getting up passes the bedroom's door or PIR, a hall, a toilet door: a
 * device alone, with no second one within `presence.outAfterMinutes`, is as likely a sensor firing on its own while the
 * resident sleeps (Kasteren B with its mats taken out: the kitchen PIR firing alone after the bedroom door closed for
 * the night, eight possible-falls at 20-244 min) as a resident who got up. Only a sensor that sees from afar: a door,
 * an appliance or a switch is touched by someone. Without a bed mat nothing else says the resident is still in bed;
 * with a working one that holds on while pressed, the mat does (its silence, its next press). The doubt is a return in
 * doubt's: possible-fall and bathroom-too-long wait, inactivity watches, and a second device within
 * `presence.outAfterMinutes`, the exit door or a worn device ends it. The cost: a resident who gets up and falls where
 * the first PIR outside the bedroom sees them, with nothing else reporting, is called by inactivity, not 20 min.
 */
function upFromRestInDoubt(
  home: HomeState,
  seen: ActivitySeen,
  at: number,
  restedIn: string | undefined,
  restedSince: number,
  restBegan: number,
): boolean {
  return (
    restedIn === 'bedroom' &&
    seen.device.kind === 'motion' &&
    seen.device.room !== 'bedroom' &&
    !seen.activity.worn &&
    restedThroughNight(home, restedSince, at, restBegan) &&
    !bedSilenceSaysEmpty(home, at)
  );
}

/**
 * Whether a silence in the bedroom from `since` to `at` holds part of the resident's night (from the care plan's
 * bedtime, else the night window, to its end) and `at` is in that night or the morning after it, before the morning
 * check (`beforeMorningCheck`): the resident went to rest, and a report at `at` is the first since. The night window
 * ends at a fixed hour, but a resident who sleeps on past it is still resting until seen up (Kasteren B: the bed mat at
 * 05:21, asleep until 10:45, its kitchen PIR firing alone at 06:20, a possible-fall at 71 min): the first PIR outside
 * the bedroom after such a silence is as much in doubt at 06:20 as at 05:50. A silence begun after the night (a nap,
 * back in the bedroom in the morning) is not, unless this home's own mornings say a rest begun then is still its night
 * (`restBegunInOwnNight`, session 33: a late riser); nor a report after the morning check, which calls a resident not
 * up.
 */
function restedThroughNight(home: HomeState, since: number, at: number, began = NaN): boolean {
  if (home.inRestNight(at)) return true;
  if (!beforeMorningCheck(home, at)) return false;
  if (home.inRestNight(since)) return true;
  return home.nextRestNightStart(since) < at || restBegunInOwnNight(home, began);
}

/** The latest local minute a rest may begin at and still be taken for the night's by `restBegunInOwnNight`: noon. */
const OWN_NIGHT_LATEST_MIN = 12 * 60;

/**
 * Whether a rest in the bedroom begun at `began` (the resident came into the bedroom then: `seenRoomSince`, not the
 * last sign there, which for a sleeper who stirs before getting up is the getting up itself; CASAS with its PIRs held 4
 * min, asleep since the night, the bedroom PIR at 07:52 and the bathroom's at 07:54), after the night window's end, is
 * still this home's own night by its record (session 33, issue 11): on at least `possibleFall.ownNightMornings` of the
 * recent mornings, and on more than half of them, the resident was first up outside the bedroom
 * `possibleFall.ownNightBeforeRisingMinutes` or more after that local minute (`LearnedNormal.risingsFrom`). A late
 * riser going to bed at 05:10 and up at 11:40 (Kasteren B; or any home whose zone is set an hour or two ahead, `tz+1h`,
 * `tz+2h`) rests through the window's end as another sleeps through it, and the first PIR outside the bedroom just
 * after is as much in doubt (a PIR firing alone while they sleep: B's kitchen PIR at 05:13 and 05:17, a possible-fall
 * at 45 min). Bounded: a rest begun by noon at the latest, never where the care plan gives the rising time (the
 * installer's word wins), never on fewer mornings than that, and the doubt itself ends at the morning check as before
 * (`restedThroughNight`), so a resident who does not get up is called by the check as before. Only for this doubt: the
 * night window itself, which every other rule reads, does not move. What it costs: a late riser who goes to bed in the
 * morning, gets up within the hour and collapses where the first PIR outside the bedroom sees them, nothing else
 * reporting, is called by inactivity, as at night.
 */
function restBegunInOwnNight(home: HomeState, began: number): boolean {
  const p = home.params.possibleFall;
  if (p.ownNightMornings <= 0 || Number.isNaN(began)) return false;
  const minute = home.zone.minuteOfDay(began);
  // After the window's end (`restedThroughNight` has found it outside the night) and by noon.
  if (minute < home.nightEndMinute || minute >= OWN_NIGHT_LATEST_MIN) return false;
  // The care plan's rising time, where given, decides instead of the record.
  if (!Number.isNaN(home.routineRisingMinute))
    return minute + p.ownNightBeforeRisingMinutes <= home.routineRisingMinute;
  const later = home.learned.risingsFrom(minute + p.ownNightBeforeRisingMinutes);
  return later >= p.ownNightMornings && 2 * later > home.learned.risingMornings();
}

/**
 * Whether `at` is before the day's morning check (no-morning-activity's timer, armed for that same local day; never in
 * an engine built without that rule).
 */
function beforeMorningCheck(home: HomeState, at: number): boolean {
  const due = (home.timers as Partial<Record<string, { dueAt: number }>>)['no-morning']?.dueAt ?? NaN;
  return Number.isFinite(due) && due > at && home.zone.dayNumber(due) === home.zone.dayNumber(at);
}

/**
 * Whether the bed mats' silence says nobody is in bed: they work (`bedMatsWork`) and every one of them holds on while
 * pressed. A mat that reports each movement on it (it pulses, `matPulses`) says nothing while the resident lies still,
 * nor when it misses them lying down (Kasteren B: to bed at 05:10 by the bedroom door, no press on its pulsing mats
 * until 06:59, the kitchen PIR firing alone at 05:13 and 05:17, a possible-fall at 05:37).
 */
function bedSilenceSaysEmpty(home: HomeState, at: number): boolean {
  if (!bedMatsWork(home, at)) return false;
  for (const d of home.devices.values()) if (d.kind === 'bed' && matPulses(d)) return false;
  return true;
}

/** A return in doubt begins: `deviceId` seen alone at `at` (after a long outing; on getting up from the night's rest). */
function beginDoubt(
  watch: ReturnWatch,
  deviceId: string,
  at: number,
  afterLongOuting: boolean,
  fromRest: boolean,
  from = at,
): void {
  watch.doubtFrom = from;
  watch.afterLongOuting = afterLongOuting;
  watch.loneDeviceId = deviceId;
  watch.loneAt = at;
  watch.loneSince = at;
  watch.fromRest = fromRest;
  watch.quietAlone = false;
  startLoneBurst(watch, at);
}

/** A device alone begins its count of reports (`countLoneReport`) with this one, at `at`. */
function startLoneBurst(watch: ReturnWatch, at: number): void {
  watch.loneBurstAt = at;
  watch.loneBurstCount = 1;
  watch.loneChattered = false;
}

/**
 * Reports of a contact alone, within an hour, that no person makes: one every 30 s for an hour (session 28). A door, a
 * drawer, a cupboard or an appliance reports when someone handles it; nobody opens and shuts one 120 times in an hour
 * with nothing else in the home reporting. A mercury switch at its tipping point, or a contact loose on its magnet,
 * does (Kasteren B in its installation days: the dresser's mercury switch s18, 381 reports in 31 min, alone for
 * hours after the front door closed, then 10 h of nothing: two inactivity calls in an empty home).
 */
export const CHATTER_REPORTS = 120;
const CHATTER_WINDOW_MS = 60 * MINUTE_MS;

/** Devices whose report is a touch (a contact, an appliance): not a PIR, whose many reports are a person moving. */
function touched(kind: string): boolean {
  return kind === 'door' || kind === 'appliance';
}

/** One more report of the device alone at `at`: counted in its hour; chattered once the hour holds CHATTER_REPORTS. */
function countLoneReport(watch: ReturnWatch, kind: string, at: number): void {
  if (!(at - watch.loneBurstAt <= CHATTER_WINDOW_MS)) {
    watch.loneBurstAt = at;
    watch.loneBurstCount = 0;
  }
  watch.loneBurstCount++;
  if (touched(kind) && watch.loneBurstCount >= CHATTER_REPORTS) watch.loneChattered = true;
}

/**
 * Whether the return in doubt under way rests on a contact that has chattered (`CHATTER_REPORTS` alone within an
 * hour): a fault, not the resident, whatever the home's record of returns says (it may hold none yet: the first
 * days). Then the inactivity family waits as on an outing (`emptyHomeShown`). Not a doubt of getting up.
 */
function chattersAlone(watch: ReturnWatch): boolean {
  return watch.loneDeviceId !== undefined && !watch.fromRest && !watch.quietAlone && watch.loneChattered;
}

/**
 * Whether the return in doubt under way rests on a contact that has chattered (`chattersAlone`): said on the
 * responder's card, since then the wait is an outing's because of a fault, not because the home often stands empty.
 */
export function loneDeviceChattered(home: HomeState): boolean {
  const watch = home.homeSliceOf(possibleFallDefinition) as ReturnWatch | undefined;
  return watch !== undefined && chattersAlone(watch);
}

/** Follow an activity (out or in) for the return watch: before the silence rules hear it. */
function watchReturn(home: HomeState, watch: ReturnWatch, seen: ActivitySeen, at: number): void {
  const activity = seen.activity;
  const windowMs = home.params.presence.outAfterMinutes * MINUTE_MS;
  ageEmptySpells(watch, home.zone.dayNumber(at));
  noteRun(watch, seen, at);
  if (activity.exit === 'opened') {
    // Someone at the exit door: coming in (the activity inside that follows is them), or leaving. Into a home nobody
    // was known to be in, coming in; the door opening again within a minute is the same arrival (a bag, a second try).
    const empty = watch.out || watch.loneDeviceId !== undefined || at - watch.arrivalAt <= AFTER_EXIT_MARGIN_MS;
    if (longDoubt(home, watch, at))
      watch.doorEndedDoubt = { at, again: false, deviceId: watch.loneDeviceId, from: watch.doubtFrom };
    else if (watch.doorEndedDoubt !== undefined && at - watch.doorEndedDoubt.at > SAME_PASSAGE_MS)
      watch.doorEndedDoubt.again = true;
    watch.arrivalAt = empty ? at : NaN;
    watch.doorOpened = true;
    watch.loneDeviceId = undefined;
    return;
  }
  if (activity.exit === 'closed') watch.closedAt = at;
  if (!seen.inside) return;
  // Someone inside after the door ended a long return in doubt: they came in, so the home had been empty (not after the
  // door opened twice: someone who stepped out and back may be the resident the device alone saw).
  if (watch.doorEndedDoubt !== undefined) {
    const ghost = watch.doorEndedDoubt.deviceId;
    if (!watch.doorEndedDoubt.again) {
      watch.emptyReturns++;
      if (ghost !== undefined && !watch.ghostDevices.includes(ghost)) watch.ghostDevices.push(ghost);
      const emptyMs = watch.doorEndedDoubt.at - (watch.doorEndedDoubt.from ?? NaN);
      if (emptyMs > watch.longestEmptyMs) watch.longestEmptyMs = emptyMs;
    }
    watch.doorEndedDoubt = undefined;
  }
  const restedIn = watch.seenRoom;
  const restedSince = watch.seenAt;
  const restBegan = watch.seenRoomSince;
  if (seen.device.room !== restedIn) watch.seenRoomSince = at;
  watch.seenRoom = seen.device.room;
  watch.seenAt = at;
  const sinceClosedMs = at - watch.closedAt;
  watch.closedAt = NaN;
  // A PIR alone after a quiet spell is in doubt only until another device says anything: it was about that PIR. Nor
  // past the day it began in: at night the rules judge as if it had never begun (`quietDoubtOver`).
  if (
    watch.quietAlone &&
    watch.loneDeviceId !== undefined &&
    (seen.device.id !== watch.loneDeviceId || quietDoubtOver(home, watch, at))
  )
    watch.loneDeviceId = undefined;
  if (watch.out) {
    // Back from an outing: through the exit door (the closing behind them is theirs), else in doubt. An arrival whose
    // closing was followed by stillness long enough to confirm an outing again is still an arrival, for as long as a
    // silence at home is ordinary by day (Kasteren A: home at 21:10, seated out of every sensor's reach, the bathroom
    // door at 21:56); later, a device alone is no surer than after any outing.
    watch.out = false;
    const dayMs = home.params.inactivity.coldStartDayMinutes * MINUTE_MS;
    const arrived = at - watch.arrivalAt <= dayMs;
    if (watch.doorOpened || activity.worn || arrived) return;
    beginDoubt(
      watch,
      seen.device.id,
      at,
      at - watch.outAt > outingCalledMs(home, watch.outAt),
      false,
      Math.min(at, watch.outAt),
    );
    return;
  }
  // Seconds after the exit door closed: the one who closed it, seen by a PIR that covers the door, may be outside now.
  // Only a sensor that sees from afar: a door, a mat or an appliance inside is touched by someone inside (Kasteren A:
  // the bedroom door 10 s after the front door closed). Nor after an arrival (Kasteren B: the kitchen PIR by the door,
  // seconds after the resident came home and closed it).
  const arrival = at - watch.arrivalAt <= windowMs;
  const seesTheDoor = seen.device.kind === 'motion' && !activity.worn;
  if (sinceClosedMs <= AFTER_EXIT_MARGIN_MS && watch.loneDeviceId === undefined && seesTheDoor && !arrival) {
    beginDoubt(watch, seen.device.id, at, false, false);
    return;
  }
  if (watch.loneDeviceId === undefined) {
    if (
      at - restedSince > AFTER_EXIT_MARGIN_MS &&
      upFromRestInDoubt(home, seen, at, restedIn, restedSince, restBegan)
    ) {
      beginDoubt(watch, seen.device.id, at, false, true);
    } else if (aloneAfterQuiet(home, seen, at, restedSince)) {
      beginDoubt(watch, seen.device.id, at, false, false);
      watch.quietAlone = true;
    }
    return;
  }
  if (
    activity.worn ||
    (seen.device.id !== watch.loneDeviceId && (at - watch.loneAt <= windowMs || pressedByResident(watch, seen)))
  ) {
    if (longDoubt(home, watch, at)) watch.seenReturns++;
    watch.loneDeviceId = undefined;
    return;
  }
  // Getting up in doubt, the same PIR again after the night and the morning check: the resident up and about where it
  // alone sees them (a living room with one PIR), not a sensor firing while they sleep; the check has judged the morning.
  if (watch.fromRest && !home.inRestNight(at) && !beforeMorningCheck(home, at)) {
    watch.loneDeviceId = undefined;
    return;
  }
  // The same device again, or another one after a quiet spell as long as confirms an outing: still one report alone.
  if (seen.device.id === watch.loneDeviceId) countLoneReport(watch, seen.device.kind, at);
  else startLoneBurst(watch, at);
  watch.loneDeviceId = seen.device.id;
  watch.loneAt = at;
}

/**
 * A mat pressed (bed or chair: someone's weight on it) that is not the device alone of the return in doubt, nor one
 * this home has shown firing in its empty home (`ghostDevices`): someone is inside, as a worn device says (session 69).
 * A PIR, a contact or an appliance fires on its own (sun, a draught, a contact loose on its magnet; Kasteren B's
 * kitchen PIR, dresser switch and bedroom PIR in its empty days), so another of them after a quiet spell stays one
 * report alone; a mat takes a weight. Kasteren B with half its devices (seed 10): home at 18:02 local, the door again
 * at 18:14, the plates cupboard alone 20 min later, then the bathroom PIR, a bed mat pressed, the window, the bedroom
 * PIR (shown firing in the empty home): all one return in doubt since the cupboard, the home shown empty, the wait
 * without a bound, three collapses never called. Only a press (a release may be a stuck mat's, a day late), and not the
 * mat that began the doubt: a mat alone after an outing stays in doubt (a cat), so the home can still learn it a ghost.
 * Not in a doubt of getting up (`fromRest`): the resident is home, and a bed mat pressed then is them back in bed, which
 * that doubt already allows for (measured: ending it there moved untouched Kasteren B's 27 Jul 09:16 cut in bed from a
 * possible-fall on its ghost kitchen PIR at 44 min to inactivity at 222 min).
 */
function pressedByResident(watch: ReturnWatch, seen: ActivitySeen): boolean {
  if (watch.fromRest || seen.activity.mat === undefined || !seen.activity.matOccupied) return false;
  return !watch.ghostDevices.includes(seen.device.id);
}

/** The longest gap within one device's run of reports (`noteRun`). */
export const LONE_GAP_MS = 10 * MINUTE_MS;
/** A lone trigger's reports at most (its clearings not counted), all within `LONE_SPAN_MS` of the first. */
export const LONE_REPORTS = 3;
export const LONE_SPAN_MS = MINUTE_MS;

/**
 * Follow the runs of reports (`ReturnWatch.runDeviceId`...): a report of the device of the run under way within
 * `LONE_GAP_MS` of its last continues it (its clearing is no new report); any other device's report is other evidence
 * (`otherAt`) and, unless a clearing, begins a run of its own.
 */
function noteRun(watch: ReturnWatch, seen: ActivitySeen, at: number): void {
  const id = seen.device.id;
  const signBefore = watch.signAt;
  watch.signAt = at;
  if (id === watch.runDeviceId && at - watch.runLast <= LONE_GAP_MS) {
    if (!seen.activity.heldEnd) {
      watch.runReports++;
      // After a pause of the whole home (or none known: a slice saved before session 72): a burst of its own.
      if (!(at - signBefore <= BURST_QUIET_MS)) {
        watch.burstStart = at;
        watch.burstReports = 1;
        watch.burstAfter = signBefore;
      } else watch.burstReports++;
    }
    watch.runLast = at;
    return;
  }
  if (seen.activity.heldEnd) {
    if (id !== watch.runDeviceId) watch.otherAt = at;
    return;
  }
  if (id !== watch.runDeviceId && watch.runDeviceId !== undefined) watch.otherAt = watch.runLast;
  watch.runDeviceId = id;
  watch.runStart = at;
  watch.runLast = at;
  watch.runReports = 1;
  watch.burstStart = at;
  watch.burstReports = 1;
  watch.burstAfter = signBefore;
}

/**
 * A PIR's lone short trigger in the resident's night (session 32's reading, session 36): the silence begins after a
 * motion sensor outside the bedroom and the bathroom whose run of reports is at most `LONE_REPORTS` within
 * `LONE_SPAN_MS`, no other device having reported in the hour before it (`ALONE_QUIET_MS`) nor since; in the
 * resident's night, or the morning after it before the morning check (`restedThroughNight`); where nothing says the
 * bed is empty (`bedSilenceSaysEmpty`). A person crossing a kitchen at night trips its PIR again and again or passes a
 * door; one short trigger out of an hour's quiet is as likely the sensor firing while the resident sleeps unseen.
 * Session 32 let it arm nothing (not merged: it is also a resident who walks there unseen and collapses on arrival);
 * here it selects which of the home's own records the threshold may widen to (`loneNightContext`), and, for a device
 * this home has shown firing on its own while nobody was in (`ghostDevices`), that possible-fall does not arm at all
 * (session 69: the evidence session 32 lacked, the device's own record, not a guess).
 */
function loneNightTrigger(home: HomeState, start: number, watch: ReturnWatch): boolean {
  const id = home.lastActivityDeviceId;
  if (id === undefined || id !== watch.runDeviceId) return false;
  const device = home.devices.get(id);
  // Not where the resident sleeps (a bedroom PIR's trigger is them turning over), nor the bathroom or toilet, where
  // bathroom-too-long times the visit anyway.
  if (device?.kind !== 'motion' || device.room === 'bedroom' || isBathroom(device.room)) return false;
  if (watch.runReports > LONE_REPORTS || watch.runLast - watch.runStart > LONE_SPAN_MS) return false;
  if (!(watch.runStart - watch.otherAt >= ALONE_QUIET_MS)) return false;
  return restedThroughNight(home, watch.otherAt, start) && !bedSilenceSaysEmpty(home, start);
}

/**
 * The quiet of the whole home before a burst of reports (`noteRun`, `ghostNightBurst`): two minutes, more than a
 * burst's own span (`LONE_SPAN_MS`). Measured on Kasteren B's sparse layouts (session 72): 10 and 30 min removed one
 * of the three false alarms this removes, at the same cost in delays.
 */
export const BURST_QUIET_MS = 2 * MINUTE_MS;

/**
 * A short burst, in the resident's night, of a PIR this home has shown firing on its own while nobody was in
 * (`ghostDevices`, session 27), after a quiet of the whole home of at least `BURST_QUIET_MS` (session 72): at most
 * `LONE_REPORTS` reports within `LONE_SPAN_MS`, nothing since, outside the bedroom and the bathroom, where nothing says
 * the bed is empty. Session 69 took such a device's trigger for a ghost only after an hour with no report from any
 * device (`loneNightTrigger`, session 32's quiet); a ghost fires whatever the resident did minutes before. Kasteren B
 * with half its sensors (`--seed 4`): the kitchen PIR at 23:10 local, 33 min after its own last report (brushing teeth
 * at bedtime, then to bed past nothing that reports), a possible fall at 119 min, the resident asleep; 05:17, four
 * minutes after its last report (home at 04:58 and gone to bed), a possible fall at 20 min. A person about in the
 * kitchen trips its PIR again and again, or moves something there; one to three reports out of minutes of quiet, by a
 * device known to fire alone, place nobody: inactivity judges the silence (its night allowance, the morning check), as
 * after session 69's lone trigger. What it costs: a resident who walks unseen at night to that PIR's room minutes
 * after the last sign, trips it once or twice and collapses there at once, nothing else reporting, is called by
 * inactivity, not possible-fall's 20-45 min.
 */
function ghostNightBurst(home: HomeState, start: number, watch: ReturnWatch): boolean {
  const id = home.lastActivityDeviceId;
  if (id === undefined || id !== watch.runDeviceId || !watch.ghostDevices.includes(id)) return false;
  const device = home.devices.get(id);
  if (device?.kind !== 'motion' || device.room === 'bedroom' || isBathroom(device.room)) return false;
  if (watch.burstReports > LONE_REPORTS || watch.runLast - watch.burstStart > LONE_SPAN_MS) return false;
  // The quiet before it known (not a slice saved before session 72, nor the first report since an outing).
  if (!(watch.burstStart - watch.burstAfter >= BURST_QUIET_MS)) return false;
  return restedThroughNight(home, watch.burstAfter, start) && !bedSilenceSaysEmpty(home, start);
}

/**
 * The learned-normal context of the silences that followed one device's lone night triggers (`loneNightTrigger`) in
 * this home, all hours of the night pooled (`UP_HOUR`, as the silences up and about are).
 */
export function loneNightContext(deviceId: string): string {
  return `lone-night:${deviceId}`;
}

/** How long the whole home must have been quiet before a PIR's report for `aloneAfterQuiet` (session 31). */
export const ALONE_QUIET_MS = 60 * MINUTE_MS;

/**
 * In a home whose outings cannot be seen (no exit door's contact, or every one found dead: `HomeState.deviceDead`), by
 * day, a PIR reporting when the last sign of anyone (`seenAt`: any report inside but a PIR clearing, itself included) is
 * `ALONE_QUIET_MS` old: the first sign after an hour of quiet, from a sensor that sees from afar, by its own word alone. Where the exit door is watched, a return
 * after an outing is in doubt until a second device confirms it (`watchReturn`); where it is not, no outing is ever
 * known, and a PIR firing on its own (sun, heating, a pet) in the empty home is taken for the resident (Kasteren B with
 * its exit door's contact taken out: its kitchen PIR, and its bathroom PIR, firing alone while the resident was out,
 * possible-falls at 20-244 min). The doubt is a return in doubt's: possible-fall and bathroom-too-long wait, inactivity
 * watches; it ends as soon as another device reports (or a worn one). Not in the resident's night nor before the
 * morning check: there the silence is the night's, and a collapse in bed would be called by inactivity's night
 * allowance instead of possible-fall after the PIR (measured with every home, session 31: Kasteren B's sparse layouts
 * `half-sensors-s2`/`-s4`, median 179 -> 201 and 207 -> 238 min). What it costs: in such a home, a resident unseen for an
 * hour by day who walks past one PIR and collapses there, nothing else reporting, is called by inactivity.
 */
function aloneAfterQuiet(home: HomeState, seen: ActivitySeen, at: number, signAt: number): boolean {
  if (seen.device.kind !== 'motion' || seen.activity.worn || !(at - signAt >= ALONE_QUIET_MS)) return false;
  if (home.inRestNight(at) || beforeMorningCheck(home, at)) return false;
  for (const d of home.devices.values()) if (d.kind === 'exit-door' && !home.deviceDead(d)) return false;
  return true;
}

/**
 * How long an outing must have lasted for a device alone after it to be a return in doubt (`afterLongOuting`): as long
 * as a silence at home begun when the outing began would have been called, the home's whole-home normal for that hour
 * (`learnedOrPrior` of the `home` context, shrunk from inactivity's day value as every learned value is), and never
 * longer than the day value. Had the resident been home all along, that silence would have been called about. Until
 * session 35 it was the day value itself: a longer day value (a care plan's) then turned the doubt off for outings this
 * home's own silences never reach (Kasteren B at a day value of 270 or 300: the kitchen PIR alone 4 h 27 min after the
 * front door, in the empty home, called as the resident's evening; eval/README.md, twentieth round). Not longer than
 * the day value: a home whose own silences at that hour run longer (a sparse layout) keeps the doubt it had (believed
 * at once, as a learned value longer than its prior is elsewhere, it cost Kasteren B with half its sensors three false
 * alarms).
 */
function outingCalledMs(home: HomeState, outAt: number): number {
  const p = home.params.inactivity;
  const dayMs = p.coldStartDayMinutes * MINUTE_MS;
  return Math.min(dayMs, learnedOrPrior(home, 'home', outAt, dayMs, 'cold-start', p.floorMinutes * MINUTE_MS).ms);
}

/**
 * Whether a PIR's doubt after a quiet spell (`aloneAfterQuiet`, begun at `loneSince`) is over at `at`: it holds only by
 * day, so it ends where that day ends, when the resident's next night begins (`HomeState.nextRestNightStart`: the care
 * plan's bedtime, else the night window; the measure by which it began by day). Without this a doubt begun in the
 * evening held through the night: the PIR again at night, a collapse there, was left to inactivity (Kasteren B
 * `no-exit-contact`, session 31: two night kitchen collapses called at 391 and 361 min instead of 62 and 101).
 */
function quietDoubtOver(home: HomeState, watch: ReturnWatch, at: number): boolean {
  return !(at < home.nextRestNightStart(watch.loneSince));
}

/** Rooms one passes through or works in, where nobody normally stays still for long without a mat to say so. */
const ACTIVE_ROOMS = new Set(['kitchen', 'bathroom', 'toilet', 'hall', 'entrance', 'landing', 'stairs', 'utility']);

/** Rooms one rests in (SPEC 3's names): sitting or lying still there for hours is normal. */
const RESTING_ROOMS = new Set(['living', 'bedroom']);

/**
 * Rooms nobody sits in for hours, though one is neither passed through nor worked in like a kitchen: where a door
 * contact or an appliance is all the layout has there (a garage door, a washer), the resident is not taken to be
 * resting there unseen. Not rooms one passes through either (`coldStartMs` keeps its own list for that).
 */
const STORE_ROOMS = new Set([
  'garage',
  'laundry',
  'pantry',
  'larder',
  'storage',
  'store',
  'storeroom',
  'cellar',
  'basement',
  'loft',
  'attic',
  'shed',
  'closet',
  'cupboard',
  'wardrobe',
  'garden',
  'yard',
  'balcony',
  'porch',
]);

/** A store room however written ("Garage", "laundry room", "Store_room"); a "garden room" one may sit in is not one. */
function isStoreRoom(room: string): boolean {
  const words = roomKey(room);
  return (
    STORE_ROOMS.has(words) ||
    (words.endsWith(' room') && STORE_ROOMS.has(words.slice(0, -' room'.length)) && words !== 'garden room')
  );
}

/** Kinds that report someone using their room; a hazard detector or a thermometer says only that the room exists. */
const USE_KINDS: ReadonlySet<DeviceKind> = new Set<DeviceKind>([
  'motion',
  'door',
  'bed',
  'chair',
  'appliance',
  'other',
]);

/**
 * Whether the home has a room one rests in whose devices cannot place the resident: no motion sensor and no mat, only
 * doors or appliances (Kasteren B without its mats: a living room with two door contacts). A PIR in a room one passes
 * through places the resident there only as long as leaving it would be seen; from the kitchen to an armchair in such
 * a living room nothing reports (B: the kitchen PIR at 12:54, seated until 14:05, a possible-fall at 45 min; the same
 * PIR firing alone at 08:55 while the resident slept on, at 43 min). In such a home, until its own history says how long
 * the silences after that room last at that hour, a silence after a room one passes through is judged as one after a
 * room one rests in: from inactivity's day value, the learned value taking over as every threshold does. A resting
 * room with no device at all is not known to the configuration and cannot be counted (but see `bedUnseen`, at night).
 * A room one rests in is any named room not one passes through (SPEC 3: rooms are free text), as `coldStartMs` reads
 * one: the living room and the bedroom, and an office, a study or a dining room too, where one sits as long (session
 * 73, issue 11: CASAS with half its sensors, seed 1, the office's PIR taken out and its desk lamp kept; the resident ate
 * at the office table, and the kitchen before it was called a possible fall at 45 min, 9 of the layout's 11 alarms).
 */
function unseenRestingRoom(home: HomeState): boolean {
  // Asked at every activity in a room one passes through; the answer changes only with the layout (a device added, a
  // door learned as the way out: `layoutVersion`), so a running hub has what a restart finds (session 75).
  const known = unseenRestingRoomOf.get(home);
  if (known !== undefined && known.layout === home.layoutVersion) return known.unseen;
  const unseen = findUnseenRestingRoom(home);
  unseenRestingRoomOf.set(home, { layout: home.layoutVersion, unseen });
  return unseen;
}

const unseenRestingRoomOf = new WeakMap<HomeState, { layout: number; unseen: boolean }>();

function findUnseenRestingRoom(home: HomeState): boolean {
  const rooms = new Map<string, boolean>();
  for (const d of home.devices.values()) {
    const room = d.room;
    // A worn device's room is where it is kept, not a sensor of that room.
    if (room === undefined || ACTIVE_ROOMS.has(room) || home.exitRooms.has(room) || isWorn(d.kind)) continue;
    if (isStoreRoom(room)) continue;
    // A room named otherwise (an office, a study: rooms are free text) is one the resident sits in when they use it,
    // as `coldStartMs` reads it; a smoke detector or a thermometer alone (in a loft, a garden) says nobody uses it.
    if (!RESTING_ROOMS.has(room) && !USE_KINDS.has(d.kind)) continue;
    const places = d.kind === 'motion' || d.kind === 'bed' || d.kind === 'chair';
    rooms.set(room, (rooms.get(room) ?? false) || places);
  }
  for (const seen of rooms.values()) if (!seen) return true;
  return false;
}

/**
 * Whether nothing in the home can tell where the resident sits by day (session 74, issue 11): the devices' rooms are
 * known, and none is in a room one sits in (a device that reports its use, `USE_KINDS`, in a room not one passes
 * through, not the bedroom, not the exit door's, not a store room), nor is there a chair mat. Every home has somewhere
 * to sit, as it has somewhere to sleep (`bedUnseen`); where no sensor sees it, the resident leaving the bathroom to sit
 * down is seen by nothing. Kasteren C without its couch mat (its only device in the living room; `half-sensors` seeds
 * 5, 8, 11): from the upstairs bathroom at 09:39 to the fridge at 10:23, and called a possible fall at 44 min.
 */
function sittingUnseen(home: HomeState): boolean {
  // Asked at every bathroom sign by day; the answer changes only with the layout (a device added, a door learned as
  // the way out: its room is then the exit door's; `layoutVersion`), so a restart finds what the running hub had.
  const known = sittingUnseenOf.get(home);
  const layout = home.layoutVersion;
  if (known?.layout === layout) return known.unseen;
  let roomKnown = false;
  let unseen = true;
  for (const d of home.devices.values()) {
    const room = d.room;
    if (room === undefined || isWorn(d.kind)) continue;
    roomKnown = true;
    const sitsThere =
      USE_KINDS.has(d.kind) &&
      room !== 'bedroom' &&
      !ACTIVE_ROOMS.has(room) &&
      !home.exitRooms.has(room) &&
      !isStoreRoom(room);
    if (d.kind === 'chair' || sitsThere) unseen = false;
  }
  unseen &&= roomKnown;
  sittingUnseenOf.set(home, { layout, unseen });
  return unseen;
}

const sittingUnseenOf = new WeakMap<HomeState, { layout: number; unseen: boolean }>();

/**
 * Whether nothing in the home can tell the resident went to bed: no bed mat and no device in a bedroom (not even a door
 * contact; a contact there silent for the day before `at` does not count), while the devices' rooms are known (session
 * 70, issue 11). Every home has somewhere to sleep; where no sensor sees it, the resident walking back to bed from the
 * bathroom or the kitchen at night is seen by nothing, and the silence after is the night's, not one in the last room
 * seen (CASAS with half its PIRs, the bedroom's among those taken out: the resident back in bed called as a fall in the
 * bathroom or the kitchen after 20 min, or as a bathroom visit of 30 min; read in the night window only, rules/README.md
 * "Session 70 review"). A bedroom door contact that moves says where the night begins (Kasteren A, which has no bedroom
 * PIR and no mat, keeps its short bathroom values: its night bathroom collapses were called at 30-84 min, and would be
 * at the morning's check without them).
 */
export function bedUnseen(home: HomeState, at: number): boolean {
  if (home.hasBedMat) return false;
  let roomKnown = false;
  for (const d of home.devices.values()) {
    if (d.room !== undefined) roomKnown = true;
    if (d.room !== 'bedroom' || isWorn(d.kind)) continue;
    // A bedroom contact counts only if it moved in the day before `at` (session 70, "a bedroom contact that says
    // nothing of the nights"): a contact in a bedroom may be a wardrobe's or a closet's, not the bedroom door, and one
    // that has not moved for a day did not see the resident go to bed (CASAS's only bedroom contact is a closet door
    // opened on 6 days of 30, never at night; with it in the layout the way back to bed from the bathroom was as unseen
    // as without it). A bedroom PIR counts as before.
    if (d.kind !== 'door' || at - d.stateReportAt <= DAY_MS) return false;
  }
  return roomKnown;
}

/**
 * Cold-start allowance after activity in `room`. In a room one passes through, the SPEC's short
 * values; in a room with a bed or chair mat that is empty, too (the mat, not the silence, tells
 * resting). In any other room (a living room or study without a mat) sitting still for hours is
 * normal, so until the home's own history says otherwise the allowance is inactivity's day value; so too
 * in the room of the exit door, and in a room one passes through where the home has a room one rests in that places
 * nobody (`unseenRestingRoom`, session 25).
 */
function coldStartMs(home: HomeState, room: string, start: number): number {
  const p = home.params.possibleFall;
  // By the exit door, a silence is as likely an outing the door contact missed (a door left ajar, a PIR that sees
  // the porch) as a fall: until the home's own history says otherwise, inactivity's day value, as in a living room.
  if (home.exitRooms.has(room)) return home.params.inactivity.coldStartDayMinutes * MINUTE_MS;
  const night = home.inNight(start);
  // In the night window where nothing sees the bed, a silence after a room one passes through is the resident back in
  // bed unseen as often as not: as after a room one rests in (session 70, `bedUnseen`; asked last, as it reads every
  // device).
  const passage = ACTIVE_ROOMS.has(room) && !unseenRestingRoom(home) && !(night && bedUnseen(home, start));
  if (passage || home.matRooms.has(room)) {
    const ms = (night ? p.coldStartNightMinutes : p.coldStartDayMinutes) * MINUTE_MS;
    // By day, where nothing sees where the resident sits (`sittingUnseen`), the silence after a bathroom sign is as
    // often the resident gone to sit down unseen as still there: a visit whose end nothing saw, given the visit's own
    // allowance (bathroom-too-long's cold-start value) where that is longer (session 74).
    if (!night && isBathroom(room) && sittingUnseen(home))
      return Math.max(ms, home.params.bathroom.coldStartDayMinutes * MINUTE_MS);
    return ms;
  }
  return home.params.inactivity.coldStartDayMinutes * MINUTE_MS;
}

/**
 * Shut in the bedroom for the night: in the resident's night, a door outside the bedroom reported within the minute
 * after a bedroom door closed, that door still closed, in a home without a bed mat (the mat would say) whose own nights
 * have begun in the bedroom (a silence longer than inactivity's day value from it). Behind a closed bedroom door the
 * resident reaches no other door without opening it again: a door that moves seconds after it closed, with nothing
 * after, is the draught of its closing, or the resident closing the bedroom door behind them on the way out, and this
 * home's nights say which is the usual (Kasteren A: every night begins with the bedroom door closing and ends with it
 * opening; 6 Mar 23:18:36 the bedroom door closed, the bathroom door in the hall opened for 1 s five seconds later,
 * then nothing for 461 min until the bedroom door opened: a possible-fall at 245 min and an inactivity call at the
 * hall's 335 min without it). The silence is then the bedroom's: possible-fall and bathroom-too-long do not arm on
 * it, inactivity judges it as a silence begun in the bedroom. The bedroom's context, undefined when it does not apply.
 * What it costs: a resident who closes the bedroom door behind them at night, goes through a door of a room with no
 * other sensor and collapses there at once is called by inactivity as a night in the bedroom.
 */
export function shutInForNight(home: HomeState, start: number): string | undefined {
  const last = home.devices.get(home.lastActivityDeviceId ?? '');
  // That door shut again (a door standing open is someone passing through it, not a draught).
  if (last?.kind !== 'door' || last.lastValue !== true || last.room === 'bedroom') return undefined;
  if (home.hasBedMat) return undefined;
  const nightMs = home.params.inactivity.coldStartDayMinutes * MINUTE_MS;
  // In the resident's night, or in the evening before it (within inactivity's day value of it, as inactivity weighs an
  // evening as night) at an hour at which one of this home's own nights has begun there (a resident whose day runs
  // earlier than the night window, or a zone set wrong: session 32, `tz-1h`). Not at any hour: one afternoon ill in
  // bed would make that hour a night for good (review, session 32).
  const inNight = home.inRestNight(start);
  if (!inNight && home.nextRestNightStart(start) > start + nightMs) return undefined;
  const day = home.zone.dayNumber(start);
  const hour = Math.floor(home.zone.minuteOfDay(start) / 60);
  for (const d of home.devices.values()) {
    if (d.room !== 'bedroom' || d.kind !== 'door' || d.lastValue !== true) continue;
    // Its last report is its closing (the one before it an opening: a closed door's state sent again is no closing).
    const n = d.recentReports.length;
    const closed = d.recentReports[n - 1];
    const opened = d.recentReports[n - 2];
    if (closed === undefined || closed.value !== true || opened?.value !== false) continue;
    if (closed.ts > start) continue;
    // Not a door opened and shut again within the minute: someone passed through it, and at night, in a home whose
    // nights begin behind it, that is the resident getting up and shutting it behind them (review, session 30).
    if (closed.ts - opened.ts <= AFTER_EXIT_MARGIN_MS) continue;
    if (start - closed.ts > AFTER_EXIT_MARGIN_MS || d.roomContext === undefined) continue;
    const night = inNight
      ? home.learned.longPeriods(d.roomContext, nightMs, day)
      : home.learned.longPeriodsBegunAt(d.roomContext, nightMs, hour, day);
    if (night > 0) return d.roomContext;
  }
  return undefined;
}

/** Learned-normal context of the silences that began up and about (`upAndAbout`), pooled over the hours of the day. */
export const UP_AND_ABOUT = 'up-and-about';
/**
 * The hour of the week its silences are filed under: one pool for every hour, since the context itself says the
 * resident is up (not resting, not in bed) and a home sees only a few such silences of a minute or more a day.
 */
const UP_HOUR = 0;

/**
 * Up and about: in a home whose bed and chair mats work, no mat occupied, every exit door shut, the resident placed
 * (a PIR, the bathroom) in a room one passes through or works in, not the exit door's, and no return in doubt. Nobody
 * rests there: the silences that start so are the home's up-and-about silences, and a collapse hides in a longer one.
 */
export function upAndAbout(home: HomeState, at: number, watch: ReturnWatch): boolean {
  const room = home.lastActivityRoom;
  if (!home.lastActivityLocated || room === undefined || !ACTIVE_ROOMS.has(room) || home.exitRooms.has(room))
    return false;
  if (home.bedOccupied || home.chairOccupied || watch.loneDeviceId !== undefined) return false;
  for (const d of home.devices.values()) if (d.kind === 'exit-door' && d.lastValue === false) return false;
  return bedAndChairMatsWork(home, at);
}

/**
 * The threshold of a silence up and about: the home's own silences in that context (`learned.quantilePercent` of
 * them, with the usual margin), once it has seen `possibleFall.upMinSilences` of a minute or more; undefined before.
 * A value longer than the prior is believed at once, a shorter one takes over as every threshold does.
 */
function upAndAboutThreshold(
  home: HomeState,
  start: number,
  priorMs: number,
): (Threshold & { silences: number }) | undefined {
  const p = home.params.possibleFall;
  if (p.upMinSilences <= 0) return undefined;
  const out = { samples: 0 };
  const learned = home.learned.threshold(UP_AND_ABOUT, UP_HOUR, home.zone.dayNumber(start), home.params.learned, out);
  if (Number.isNaN(learned) || out.samples < p.upMinSilences) return undefined;
  const floorMs = p.floorMinutes * MINUTE_MS;
  const t = shrink(priorMs, Math.max(floorMs, learned), out.samples, home.params.learned.priorWeight, 'cold-start');
  return { ...t, silences: out.samples };
}

/**
 * The last activity is a PIR (a motion sensor) clearing, and since it last saw movement the resident was seen in
 * another room (the last sign of someone, `seenRoom`, is elsewhere): the sensor held on while they walked on, and its
 * clearing is its hold running out, not the resident still there. It does not place them (Kasteren B without its
 * mats: the living-room door at 14:46:09, the kitchen PIR clearing at 14:46:31, the resident seated in the living room
 * out of every sensor's reach: a possible-fall "in the kitchen" at 52 min). Where they are is what the last sign says:
 * a door or an appliance places nobody, a PIR elsewhere places them when it clears in turn; inactivity watches.
 */
function movedOnWhileHeld(home: HomeState, start: number, watch: ReturnWatch): boolean {
  const device = home.devices.get(home.lastActivityDeviceId ?? '');
  if (device === undefined || device.kind !== 'motion' || watch.seenRoom === undefined) return false;
  return watch.seenAt < start && watch.seenRoom !== device.room;
}

/** When the silence after the last activity becomes a possible fall; NaN when not applicable. */
export function possibleFallDeadline(home: HomeState, start: number, watch: ReturnWatch): number {
  delete home.armed['possible-fall'];
  watch.upSilences = 0;
  // On a bed or chair mat the resident is resting, not lying on the floor; but a chair mat that reports each movement
  // (a short press, released) is judged on its own silences after a movement (`afterChairMat`, session 35).
  if (home.bedOccupied || (home.chairOccupied && !afterChairMat(home))) return NaN;
  // Back from an outing with the door shut, by one device's word alone: nobody may be there (inactivity watches).
  // In by the exit door with nothing inside seen since: the door does not say where the resident went (inactivity).
  if (returnInDoubt(home) || home.unseenArrival !== undefined) return NaN;
  if (movedOnWhileHeld(home, start, watch)) return NaN;
  // A device of the home found dead that usually ended such silences: they are longer now (inactivity watches).
  if (home.roomRulesHeld(start)) return NaN;
  // The bedroom door closed for the night moments before this door moved: the night's silence (inactivity watches).
  if (shutInForNight(home, start) !== undefined) return NaN;
  if (!home.lastActivityLocated || home.lastActivityContext === undefined) {
    const inBedroom = bedroomByDayDeadline(home, start);
    if (!Number.isNaN(inBedroom)) return inBedroom;
    const ownPlace = ownPlaceDeadline(home, start, watch);
    return Number.isNaN(ownPlace) ? afterActivityDeadline(home, start) : ownPlace;
  }
  const p = home.params.possibleFall;
  const prior = coldStartMs(home, home.lastActivityRoom ?? '', start);
  let t = learnedOrPrior(home, home.lastActivityContext, start, prior, 'cold-start', p.floorMinutes * MINUTE_MS);
  // Up and about, once the home has shown enough such silences: they say how long the resident stays quiet when up,
  // where the room's silences at that hour may hold nights after a stuck mat or a ghost trigger while asleep. The
  // shorter of the two: where the room's own hour says less, it stands (the bathroom's few quiet minutes).
  // (`onActivity` has just judged the context of this silence: `upSince` is its start when it is up and about.)
  const up = watch.upSince === start ? upAndAboutThreshold(home, start, prior) : undefined;
  if (up !== undefined && up.ms < t.ms) {
    t = { ms: up.ms, source: up.source };
    watch.upSilences = up.silences;
  }
  // A PIR's lone trigger at night: as long as the silences after this device's own lone night triggers have lasted in
  // this home, where that is longer (the home's record shows silences its sensors cannot explain: the resident back in
  // a bed nothing watches). Only a widening, and only from the home's own record: until it holds such a silence, the
  // usual threshold stands.
  if (loneNightTrigger(home, start, watch)) {
    const id = home.lastActivityDeviceId ?? '';
    watch.loneNightDevice = id;
    watch.loneNightAt = start;
    // A device this home has shown firing on its own while nobody was in (`ghostDevices`, session 27): its lone
    // trigger in the night is not taken to place the resident at all (session 69); inactivity watches the silence.
    if (watch.ghostDevices.includes(id)) return NaN;
    const lone = home.learned.threshold(loneNightContext(id), UP_HOUR, home.zone.dayNumber(start), home.params.learned);
    if (lone > t.ms) t = { ms: lone, source: 'learned' };
  } else if (ghostNightBurst(home, start, watch)) return NaN;
  const ms = Math.min(home.params.inactivity.capMinutes * MINUTE_MS, t.ms);
  if (nightOfUnseenBed(home, start, start + ms)) return NaN;
  home.armed['possible-fall'] = { ms, source: t.source };
  return start + ms;
}

/**
 * In the first fortnight, where nothing sees the bed (`bedUnseen`), a silence begun in the resident's night, or one
 * whose possible fall would be called in it, is inactivity's to judge with its night allowance, as a bedroom PIR's
 * silence is where no bed mat works (`bedroomByDayDeadline`) and a place nobody named (`ownPlaceDeadline`): the
 * resident gone to bed unseen looks like a collapse in the last room seen, for as long as they sleep (session 71, issue
 * 11). CASAS with half its PIRs, the bedroom's among those taken out: the living room at 22:53 then a night in a bed
 * nothing watches, called a possible fall at 02:53 on the resting room's 240 min; the bathroom at 22:56, four minutes
 * before the night window, called at 45 min; 24 of the 48 first-fortnight false alarms of twelve such layouts.
 * Once learned, the home's own silences after that room at that hour (its nights begun there among them) set the value.
 * So too, past the window's end, the morning's first trip to the bathroom with nothing else seen (`morningTripUnseen`,
 * session 72: CASAS, 24 Jun 2011, up at 07:30, the bathroom until 07:40 and back to bed unseen, called at 08:15).
 */
function nightOfUnseenBed(home: HomeState, start: number, dueAt: number): boolean {
  if (home.isLearned(start)) return false;
  // bedUnseen asked last: it reads every device.
  return (
    (home.inRestNight(start) || home.inRestNight(dueAt) || morningTripUnseen(home, start)) && bedUnseen(home, start)
  );
}

/**
 * A bedroom PIR where no bed mat works (none, or one stuck) does not place the resident, since sleep looks like a
 * collapse. Outside the resident's night, though, the home's own history says how long the bedroom stays quiet at
 * that hour (CASAS: 13-19 min by day, against 5-6 h at night): from inactivity's day value as the prior, the learned
 * value takes over as every threshold does, and the timer is armed only when earlier than inactivity's and ending
 * before the night (a nap or an early night is inactivity's to judge, with its night allowance). Without this a
 * collapse in such a bedroom by day was called by inactivity after 3-4 h.
 */
function bedroomByDayDeadline(home: HomeState, start: number): number {
  const device = home.devices.get(home.lastActivityDeviceId ?? '');
  if (device?.room !== 'bedroom' || device.kind !== 'motion' || device.roomContext === undefined) return NaN;
  if (home.inRestNight(start)) return NaN;
  const p = home.params.possibleFall;
  const prior = home.params.inactivity.coldStartDayMinutes * MINUTE_MS;
  const t = learnedOrPrior(home, device.roomContext, start, prior, 'cold-start', p.floorMinutes * MINUTE_MS);
  const deadline = start + Math.min(home.params.inactivity.capMinutes * MINUTE_MS, t.ms);
  if (deadline >= home.timers.inactivity.dueAt || home.inRestNight(deadline)) return NaN;
  home.armed['possible-fall'] = { ms: deadline - start, source: t.source };
  return deadline;
}

/**
 * A PIR whose room nobody gave (a recording whose sensors are codes: CASAS Aruba, Milan; a hub installed without rooms)
 * places the resident at its own place (session 68): the silences that followed that very sensor are learned as a
 * room's are (`DeviceState.placeContext`, "place:<id>"), and judge the silence after it. What its room would have said
 * is read from the home's own record instead (`nobodyRestsAt`): a place nobody has rested in gets the SPEC's short
 * values of a room one passes through, any other the prior of a room one rests in (inactivity's day value); the
 * learned value takes over from either as every threshold does (`learnedOrPrior`). Sleep looks like a collapse and
 * nothing says which place is the bedroom, so, as for a bedroom PIR with no working bed mat (`bedroomByDayDeadline`),
 * not in the resident's night, nor armed to end in it: inactivity judges the night. Only the PIR that saw the resident
 * last: its clearing after another device saw them (the run of reports is another device's, `noteRun`) says they
 * moved on (`movedOnWhileHeld`, for rooms). Armed only when earlier than inactivity.
 */
function ownPlaceDeadline(home: HomeState, start: number, watch: ReturnWatch): number {
  const device = home.devices.get(home.lastActivityDeviceId ?? '');
  if (device === undefined || device.room !== undefined || device.kind !== 'motion') return NaN;
  if (device.placeContext === undefined || watch.runDeviceId !== device.id) return NaN;
  // Whether the home may be empty is known only by an exit door heard from (configured, or learned from the home's own
  // outings, `exit-door-learning.ts`): without one, a silence may be an outing nothing marked (inactivity watches).
  if (!exitDoorHeard(home)) return NaN;
  if (home.inRestNight(start)) return NaN;
  const p = home.params.possibleFall;
  const prior = nobodyRestsAt(home, device.placeContext, start)
    ? (home.inNight(start) ? p.coldStartNightMinutes : p.coldStartDayMinutes) * MINUTE_MS
    : home.params.inactivity.coldStartDayMinutes * MINUTE_MS;
  const t = learnedOrPrior(home, device.placeContext, start, prior, 'cold-start', p.floorMinutes * MINUTE_MS);
  const deadline = start + Math.min(home.params.inactivity.capMinutes * MINUTE_MS, t.ms);
  if (deadline >= home.timers.inactivity.dueAt) return NaN;
  if (home.inRestNight(deadline)) return NaN;
  home.armed['possible-fall'] = { ms: deadline - start, source: t.source };
  return deadline;
}

/**
 * Whether the home's own record shows a place (`context`, a device with no room) to be one nobody rests in, as a room
 * one passes through or works in is by its name: the home watched for a week (`inactivity.nightSeenMinSilences` days,
 * every weekday), silences of a minute or more have followed it, and not one as long as inactivity's floor (the least
 * inactivity ever waits: a silence it could call) began there. It corrects itself: such a silence begun there makes it
 * a place one may rest in from then on.
 */
function nobodyRestsAt(home: HomeState, context: string, start: number): boolean {
  const p = home.params.inactivity;
  if (p.nightSeenMinSilences <= 0 || !(start - home.firstSeenAt >= p.nightSeenMinSilences * DAY_MS)) return false;
  const day = home.zone.dayNumber(start);
  if (home.learned.longPeriods(context, MINUTE_MS, day) === 0) return false;
  return home.learned.longPeriods(context, p.floorMinutes * MINUTE_MS, day) === 0;
}

/**
 * Without a PIR or the bathroom, a door or appliance does not place the resident, but the home's
 * history says how long the silence after that very activity lasts when all is well (a cupboard
 * closed at noon is soon followed by more). Only worth it when earlier than inactivity.
 */
function afterActivityDeadline(home: HomeState, start: number): number {
  const p = home.params.possibleFall;
  if (p.afterActivityPercent <= 0 || home.lastActivityKey === undefined) return NaN;
  // Only where nobody rests: after a bedroom door or a bed mat left at night, sleep or a sensorless room may follow.
  // Or up from a chair, no mat occupied: the resident left their rest, and this home's own silences after leaving
  // that chair (learned apart from its presses, `activityKey`) say how soon they are seen again (session 35).
  if (!ACTIVE_ROOMS.has(home.lastActivityRoom ?? '') && !afterChairMat(home)) return NaN;
  // The exit door opened and nothing since, not even its closing (lost, or the door left open): the resident may have
  // gone out through it. The door does not say they stayed there, as after an arrival it does not say where they went;
  // inactivity watches the silence.
  if (home.devices.get(home.lastActivityDeviceId ?? '')?.kind === 'exit-door') return NaN;
  if (nightsBeginHere(home, start)) return NaN;
  const learned = home.silences.threshold(home.lastActivityKey, home.zone.dayNumber(start), p.afterActivityPercent);
  if (Number.isNaN(learned)) return NaN;
  // Takes over day by day, as every learned threshold does: from what inactivity allows this silence (its day value,
  // its night allowance at night: where the resident is not placed, inactivity is the prior) with the weight of the
  // silences of a minute or more that followed this very activity; after `learningDays` the model stands alone.
  // Without this it waited for day 14 (Kasteren A: a kitchen collapse in the first fortnight called after 4 h).
  const learnedMs = Math.max(p.floorMinutes * MINUTE_MS, learned);
  const t: Threshold = home.isLearned(start)
    ? { ms: learnedMs, source: 'learned' }
    : shrink(
        // Inactivity's allowance for this silence (its night allowance at night), else its day value.
        Number.isFinite(home.timers.inactivity.dueAt)
          ? home.timers.inactivity.dueAt - start
          : home.params.inactivity.coldStartDayMinutes * MINUTE_MS,
        learnedMs,
        home.silences.pauses(home.lastActivityKey),
        home.params.learned.priorWeight,
        'cold-start',
      );
  const ms = t.ms;
  if (start + ms >= home.timers.inactivity.dueAt) return NaN;
  home.armed['possible-fall'] = t;
  return start + ms;
}

/**
 * In the resident's night, after activity in a room where this home's own record holds a silence of inactivity's day
 * value or longer: the resident has gone to rest unseen from there before, so the night's silence may be sleep, and the
 * silences after that very activity (day-time pauses between two uses, mostly) say nothing of it; inactivity's night
 * allowance judges it (session 41). Kasteren C without its bed mats: a kitchen cupboard at 00:08, then the night in a
 * bed nothing watches, called a possible fall at 04:25 by that cupboard's own silences, though the home had already
 * shown nights begun in the kitchen. Only the home's own record: a home whose nights have always begun behind its
 * bedroom door (Kasteren A) keeps a kitchen silence at night as a possible fall.
 */
function nightsBeginHere(home: HomeState, start: number): boolean {
  if (!home.inRestNight(start) || home.lastActivityContext === undefined) return false;
  const longMs = home.params.inactivity.coldStartDayMinutes * MINUTE_MS;
  return home.learned.longPeriods(home.lastActivityContext, longMs, home.zone.dayNumber(start)) > 0;
}

/** Whether an exit door of the home has reported at all. */
function exitDoorHeard(home: HomeState): boolean {
  for (const d of home.devices.values()) if (d.kind === 'exit-door' && d.lastValue !== undefined) return true;
  return false;
}

/**
 * The last activity is a chair mat's release, no bed mat occupied and no other chair mat: the resident got up from the
 * chair, or (a mat that reports each movement as a short press) moved on it and is still there. Either way this home's
 * own silences after that release (learned apart from its presses, `activityKey`) say how soon the next sign comes
 * (Kasteren B: after 480 releases, within 42 min but for one walk out).
 */
function afterChairMat(home: HomeState): boolean {
  const id = home.lastActivityDeviceId;
  if (id === undefined || home.bedOccupied || home.lastActivityKey !== chairLeftKey(id)) return false;
  for (const d of home.devices.values())
    if (d.kind === 'chair' && d.id !== id && home.restsOn(d, home.lastActivityAt)) return false;
  // Going to bed must be seen, as up and about requires: where no bed mat works (none, one stuck, one never heard
  // from), a silence after the chair may be the night begun in a bed nothing watches.
  if (!bedAndChairMatsWork(home, home.lastActivityAt)) return false;
  // Nor in the resident's night: up from the chair then is going to bed, and a bed mat on the side nobody sleeps on
  // says nothing of it (Kasteren C without its right mat); an early night is inactivity's, with its night allowance.
  if (home.inRestNight(home.lastActivityAt)) return false;
  // Whether the home may be empty is known only by an exit door heard from: without one, a mat pressed while the
  // resident is out (a pet, a visitor) cannot be told from them.
  if (!exitDoorHeard(home)) return false;
  // The home may be empty (the mat alone since the exit door moved, a pet or a visitor on it; a device alone after a
  // long outing): inactivity watches, as night stillness leaves it on a bed mat.
  const inactivity = home.homeSliceOf(inactivityDefinition) as InactivitySlice | undefined;
  return inactivity === undefined || !homeMayBeEmpty(home, inactivity);
}

/** A saved `doorEndedDoubt` (JSON: anything), or none. */
function loadDoorEndedDoubt(saved: unknown): ReturnWatch['doorEndedDoubt'] {
  const d = saved as { at?: unknown; again?: unknown; deviceId?: unknown; from?: unknown } | null | undefined;
  if (typeof d?.at !== 'number') return undefined;
  const { deviceId, from } = d;
  return {
    at: d.at,
    again: d.again === true,
    ...(typeof deviceId === 'string' ? { deviceId } : {}),
    ...(typeof from === 'number' ? { from } : {}),
  };
}

/** Registered in rules/built-in.ts. */
export const possibleFallDefinition = {
  name: 'possible-fall',
  homeTimers: ['possible-fall'] as const,
  silence: true,
  homeState: {
    version: 1,
    create: newReturnWatch,
    save: (watch: ReturnWatch) =>
      watch.out ||
      watch.loneDeviceId !== undefined ||
      !Number.isNaN(watch.closedAt) ||
      !Number.isNaN(watch.arrivalAt) ||
      !Number.isNaN(watch.upSince) ||
      watch.seenRoom !== undefined ||
      watch.emptyReturns > 0 ||
      watch.seenReturns > 0 ||
      watch.runDeviceId !== undefined
        ? { ...watch }
        : undefined,
    load: (saved: unknown): ReturnWatch | undefined => {
      const s = saved as Partial<ReturnWatch> | null;
      if (typeof s !== 'object' || s === null) return undefined;
      return {
        out: s.out === true,
        doorOpened: s.doorOpened === true,
        loneDeviceId: typeof s.loneDeviceId === 'string' ? s.loneDeviceId : undefined,
        // JSON turns NaN into null.
        loneAt: typeof s.loneAt === 'number' ? s.loneAt : NaN,
        loneSince: typeof s.loneSince === 'number' ? s.loneSince : NaN,
        closedAt: typeof s.closedAt === 'number' ? s.closedAt : NaN,
        arrivalAt: typeof s.arrivalAt === 'number' ? s.arrivalAt : NaN,
        outAt: typeof s.outAt === 'number' ? s.outAt : NaN,
        afterLongOuting: s.afterLongOuting === true,
        upSince: typeof s.upSince === 'number' ? s.upSince : NaN,
        upSilences: typeof s.upSilences === 'number' ? s.upSilences : 0,
        seenRoom: typeof s.seenRoom === 'string' ? s.seenRoom : undefined,
        seenAt: typeof s.seenAt === 'number' ? s.seenAt : NaN,
        seenRoomSince: typeof s.seenRoomSince === 'number' ? s.seenRoomSince : NaN,
        fromRest: s.fromRest === true,
        emptyReturns: typeof s.emptyReturns === 'number' ? s.emptyReturns : 0,
        seenReturns: typeof s.seenReturns === 'number' ? s.seenReturns : 0,
        doorEndedDoubt: loadDoorEndedDoubt(s.doorEndedDoubt),
        ghostDevices: Array.isArray(s.ghostDevices)
          ? s.ghostDevices.filter((id): id is string => typeof id === 'string')
          : [],
        loneBurstAt: typeof s.loneBurstAt === 'number' ? s.loneBurstAt : NaN,
        loneBurstCount: typeof s.loneBurstCount === 'number' ? s.loneBurstCount : 0,
        loneChattered: s.loneChattered === true,
        doubtFrom: typeof s.doubtFrom === 'number' ? s.doubtFrom : NaN,
        longestEmptyMs: typeof s.longestEmptyMs === 'number' ? s.longestEmptyMs : 0,
        earlierEmptyMs: typeof s.earlierEmptyMs === 'number' ? s.earlierEmptyMs : 0,
        emptySpanDay: typeof s.emptySpanDay === 'number' ? s.emptySpanDay : -1,
        quietAlone: s.quietAlone === true,
        runDeviceId: typeof s.runDeviceId === 'string' ? s.runDeviceId : undefined,
        runStart: typeof s.runStart === 'number' ? s.runStart : NaN,
        runLast: typeof s.runLast === 'number' ? s.runLast : NaN,
        runReports: typeof s.runReports === 'number' ? s.runReports : 0,
        otherAt: typeof s.otherAt === 'number' ? s.otherAt : NaN,
        burstStart: typeof s.burstStart === 'number' ? s.burstStart : NaN,
        burstReports: typeof s.burstReports === 'number' ? s.burstReports : 0,
        burstAfter: typeof s.burstAfter === 'number' ? s.burstAfter : NaN,
        signAt: typeof s.signAt === 'number' ? s.signAt : NaN,
        loneNightDevice: typeof s.loneNightDevice === 'string' ? s.loneNightDevice : undefined,
        loneNightAt: typeof s.loneNightAt === 'number' ? s.loneNightAt : NaN,
      };
    },
  },

  onActivitySeen(home: HomeState, seen: ActivitySeen, at: number, _ctx: RuleContext, watch: ReturnWatch): void {
    watchReturn(home, watch, seen, at);
  },

  onActivity(home: HomeState, at: number, ctx: RuleContext, watch: ReturnWatch): void {
    // Back from away mode (the engine restarts the silence without an activity): a return not in doubt.
    if (watch.out)
      Object.assign(
        watch,
        newReturnWatch(),
        { seenRoom: watch.seenRoom, seenAt: watch.seenAt, seenRoomSince: watch.seenRoomSince },
        record(watch),
      );
    // The silence that just ended, begun up and about, joins the home's silences in that context.
    if (at > watch.upSince && home.heardSince(watch.upSince))
      home.learned.record(UP_AND_ABOUT, UP_HOUR, at - watch.upSince, home.zone.dayNumber(at));
    // The silence that just ended, begun with a PIR's lone trigger at night, joins that device's record.
    if (watch.loneNightDevice !== undefined && at > watch.loneNightAt && home.heardSince(watch.loneNightAt))
      home.learned.record(
        loneNightContext(watch.loneNightDevice),
        UP_HOUR,
        at - watch.loneNightAt,
        home.zone.dayNumber(at),
      );
    watch.loneNightDevice = undefined;
    watch.loneNightAt = NaN;
    watch.upSince = upAndAbout(home, at, watch) ? at : NaN;
    ctx.clear(home, 'possible-fall', at, silenceEndedBy(home, `activity in ${home.lastActivityRoom ?? 'the home'}`));
    const deadline = possibleFallDeadline(home, at, watch);
    if (Number.isNaN(deadline)) ctx.disarm(home.timers['possible-fall']);
    else ctx.arm(home.timers['possible-fall'], deadline);
  },

  // Restored under the configuration now (a reload, or a restart with a new file): the silence under way is timed
  // from its start as the last activity would have armed it under that configuration, as inactivity's is (review,
  // session 60: a room's allowance lowered from 45 to 30 min at 10:10, the resident silent since 10:00 in the kitchen,
  // was called at 10:45). Only the timer as the last activity armed it, and only where it moves: where the
  // configuration now arms none for this silence, the one armed stands. One already past calls at once.
  onRestore(home: HomeState, at: number, ctx: RuleContext, watch: ReturnWatch): void {
    const slot = home.timers['possible-fall'];
    const armed = home.armed['possible-fall'];
    const start = home.lastActivityAt;
    if (!dueFrom(slot, armed, start)) return;
    const kept = {
      upSilences: watch.upSilences,
      loneNightDevice: watch.loneNightDevice,
      loneNightAt: watch.loneNightAt,
    };
    const deadline = possibleFallDeadline(home, start, watch);
    if (Number.isNaN(deadline)) {
      home.armed['possible-fall'] = armed;
      Object.assign(watch, kept);
      return;
    }
    if (Math.ceil(deadline) !== slot.dueAt) ctx.arm(slot, Math.max(at, deadline));
  },

  onSuspend(home: HomeState, at: number, ctx: RuleContext, watch: ReturnWatch): void {
    ctx.disarm(home.timers['possible-fall']);
    // An outing confirmed after the door ended a long return in doubt: the device alone was the resident, who left.
    if (watch.doorEndedDoubt?.again === false && home.out && !home.away) watch.seenReturns++;
    // The last arrival is kept: the outing confirmed again after it may be the one who came in sitting still.
    Object.assign(watch, newReturnWatch(), { arrivalAt: watch.arrivalAt }, record(watch));
    // An outing (not away mode, which the configuration or the API ends): a return is looked for.
    watch.out = home.out && !home.away;
    if (watch.out) watch.outAt = at;
  },

  onTimer(home: HomeState, _timer: string, at: number, ctx: RuleContext, watch: ReturnWatch): void {
    // A PIR or presence sensor still on: the resident is moving there, not lying still.
    if (home.presenceHeld(at)) {
      ctx.arm(
        home.timers['possible-fall'],
        at +
          Math.min(
            home.params.presence.heldMaxMinutes * MINUTE_MS,
            home.armed['possible-fall']?.ms ?? home.params.possibleFall.floorMinutes * MINUTE_MS,
          ),
      );
      return;
    }
    ctx.raise(home, 'possible-fall', 'high', at, {
      room: home.lastActivityRoom,
      episodic: true,
      // Where the threshold came from, when it was the home's silences up and about (no mat occupied, mats working).
      detail: {
        ...silenceDetail(home, 'possible-fall', at, home.lastActivityAt),
        ...(watch.upSilences > 0 ? { upAndAbout: true, upSilences: watch.upSilences } : {}),
      },
    });
  },
} satisfies RuleDefinition<ReturnWatch>;
