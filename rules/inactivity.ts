// inactivity: no activity anywhere at home for longer than learned normal for that hour, with a pre-alert.
import { matPulses } from './activity.js';
import type { RuleContext } from './context.js';
import { silenceDetail, silenceEndedBy } from './explain.js';
import type { DeviceState, HomeState } from './home-state.js';
import { dueFrom, learnedOrPrior, shrink, type Threshold } from './threshold.js';
import type { ActivitySeen, RuleDefinition } from './registry.js';
import type { SensorEvent } from './types.js';
import type { DeviceKind } from './vocabulary.js';
import { backToBedThisMorning, morningTripUnseen, stillSinceRising } from './no-morning-activity.js';
import {
  bedUnseen,
  emptyHomeBoundMs,
  emptyHomeLikely,
  emptyHomeShown,
  loneDeviceChattered,
  shutInForNight,
} from './possible-fall.js';
import { logNormalUpper } from './night-stillness.js';
import type { RuleParams } from './params.js';
import { AFTER_EXIT_MARGIN_MS } from './presence.js';
import { MINUTE_MS } from './time.js';

/** Learned-normal contexts of the quiet periods that began with the resident on a bed or chair mat. */
export const IN_BED = 'in-bed';
export const IN_CHAIR = 'in-chair';
/** Quiet periods that began with the resident still in bed on a mat that reports each movement (`stillInBed`). */
export const IN_BED_STILL = 'in-bed-still';

/** Mats: pressed by a pet, a bag or a visitor, or stuck on, they report without the resident. */
const MAT_KINDS: ReadonlySet<DeviceKind> = new Set(['bed', 'chair']);

/** Per home: the still period in bed under way, and who has been seen inside since the exit door last moved. */
export interface InactivitySlice {
  /** When the current silence began with the resident still in bed (`stillInBed`); NaN when it did not. */
  stillSince: number;
  /**
   * The one device seen inside since the exit door last opened or closed: undefined when none yet, or when the exit
   * door has not moved since two devices (or a worn one) showed someone inside (`exitMoved` false).
   */
  loneDeviceId: string | undefined;
  exitMoved: boolean;
  /** When a device in the bedroom last reported (NaN: not since the start, or a state saved before version 3). */
  bedroomAt: number;
  /**
   * The contacts inside standing open now (not the exit door), by device id, with when each opened (`openedContext`):
   * none in a state saved before version 4.
   */
  openSince: Map<string, number>;
  /**
   * The silence under way began with this contact opening (`openedContext`): its length joins the contact's habit
   * when it ends. Undefined otherwise, and in a state saved before version 5.
   */
  silenceOpened?: { context: string; at: number } | undefined;
}

/**
 * Learned-normal habit (`LearnedNormal.recordHabit`) of how long the home stays silent after contact `deviceId` (a
 * door, a cupboard, a fridge; not the exit door) opens: each silence that began with its opening, from the opening to
 * the next activity of the home (its closing at the latest: closing is activity), whatever the hour, in bed or not.
 * How soon something follows the opening is the contact's habit (a fridge shut at once, a cupboard left open while
 * cooking goes on), not the hour's, and a contact whose openings this home follows with long silences at any hour
 * (the bedroom door opened at bedtime and left open the night through) bounds nothing at any other. Before session 30 each
 * opening's length was kept instead (opening to closing): never shorter than the silence, so a state saved then only
 * bounds less until the silences outnumber it.
 */
export function openedContext(deviceId: string): string {
  return `opened:${deviceId}`;
}

/**
 * How long a silence that began with contact `opened` opening (`openedContext`), standing open, can normally last: the
 * home's silences after its openings shrunk from `priorMs` by the law every learned value follows (`shrink`, by the
 * silences it rests on), at least `floorMs`. Undefined where it bounds nothing: not sooner than the prior, or in bed or
 * the night window (a door opened at bedtime may stay open the night through, and SPEC 6's night allowance stands), or
 * where it would call in the night window while the home's own nights have not shown that they begin elsewhere
 * (`nightsElsewhereWeight` under 1): a silence from an evening's opening that runs into the night may then be the
 * night begun unseen (Kasteren A with half its sensors: the pans cupboard left open at 20:08 the whole night, the
 * resident gone to bed past no sensor kept).
 */
function openedBound(
  home: HomeState,
  start: number,
  opened: string,
  priorMs: number,
  floorMs: number,
  bedroomAt: number,
): Threshold | undefined {
  if (home.bedOccupied || home.inRestNight(start)) return undefined;
  const samples = { samples: 0 };
  const day = home.zone.dayNumber(start);
  const learnedMs = home.learned.habitThreshold(opened, day, home.params.learned, samples);
  const bound = shrink(priorMs, learnedMs, samples.samples, home.params.learned.priorWeight, 'cold-start');
  const ms = Math.max(floorMs, bound.ms);
  if (ms >= priorMs) return undefined;
  if (home.inRestNight(start + ms) && nightsElsewhereWeight(home, start, bedroomAt) < 1) return undefined;
  return { ms, source: bound.source };
}

/**
 * How far the home's own nights show that they begin elsewhere than where this silence starts, from 0 (nothing shown:
 * the night allowance) to 1 (the day value). 1 once the home has had `inactivity.nightSeenMinSilences` silences longer
 * than the day value, none of them starting in this room (not the bedroom, not on a chair mat): going to bed passes a
 * sensor, and a silence from this room that runs into the night is no night. Before that, a silence that starts
 * before the night window (the resident up in the evening) is weighed night by night: each such long silence begun
 * elsewhere is one bedtime seen to pass a sensor, and earns weight k / (k + nightSeenMinSilences), as a learned
 * threshold earns weight against its prior (`shrink`); so does a silence that starts in the night window (since
 * session 34; before, it kept the night allowance until the week was seen, then got the day value at once). One that
 * starts at the exit door may be a return home: it keeps the night allowance until the week is seen. Counted up to
 * now (`LearnedNormal.longPeriods`: today's silences too, so the first evening uses the night that ended that
 * morning). It corrects itself: a night that does begin here is counted once it ends, and
 * the night allowance returns for this room.
 */
function nightsElsewhereWeight(home: HomeState, start: number, bedroomAt: number): number {
  const p = home.params.inactivity;
  const context = home.lastActivityContext;
  if (p.nightSeenMinSilences <= 0 || context === undefined) return 0;
  if (home.lastActivityRoom === 'bedroom' || home.chairOccupied) return 0;
  // Where nothing sees the bed (`bedUnseen`), going to bed passes no sensor: the last room seen before the night is
  // whichever the resident last crossed (the bathroom one night, the living room the next), and nights begun elsewhere
  // say nothing of this room. In the first fortnight such a silence keeps the night allowance; once learned, the home's
  // own silences at that hour judge it (session 71: CASAS with half its PIRs, the bedroom's among them, the living room
  // at 22:53 on its eighth day after a week of nights begun in the bathroom and the office, called at 244 min asleep).
  if (!home.isLearned(start) && bedUnseen(home, start)) return 0;
  // The bedroom reported moments before: the night may have begun there (Kasteren A: the bedroom door, then the
  // bathroom door in the hall or the flush refilling seconds later, then the night).
  if (start - bedroomAt <= AFTER_EXIT_MARGIN_MS) return 0;
  const minMs = p.coldStartDayMinutes * MINUTE_MS;
  const day = home.zone.dayNumber(start);
  if (home.learned.longPeriods(context, minMs, day) > 0) return 0;
  const seen = home.learned.longPeriods('home', minMs, day);
  if (seen >= p.nightSeenMinSilences) return 1;
  // From the exit door (a return home, or a leaving the door alone cannot tell: where the resident goes next is just
  // what the home has not shown, and one back late goes to bed), the night allowance stands. In the night window the
  // nights seen count as in the evening (session 34): the week of them already gives the day value there (above), so
  // each one earns its share on the way, not nothing until the seventh.
  if (lastKind(home) === 'exit-door') return 0;
  return seen / (seen + p.nightSeenMinSilences);
}

/** The kind of the device of the last activity, if known. */
function lastKind(home: HomeState): DeviceKind | undefined {
  const id = home.lastActivityDeviceId;
  return id === undefined ? undefined : home.devices.get(id)?.kind;
}

/** The night allowance shrunk toward the day value with weight `w` (geometric, as `shrink`), in whole milliseconds. */
function weighNight(nightMs: number, dayMs: number, w: number): number {
  if (w <= 0) return nightMs;
  if (w >= 1) return dayMs;
  return Math.round(Math.exp((1 - w) * Math.log(nightMs) + w * Math.log(dayMs)));
}

/**
 * Cold-start allowance of a silence starting at `start`: the day value, or, if the silence starts at
 * night (from the care plan's usual bedtime when given), in bed, or runs into the night, the night value; in bed, at least until the morning check
 * (a night in bed is judged by the morning, not by a stopwatch started at bedtime). `stillFrom`: when the bed counts
 * as still (`stillInBedFrom`), NaN to judge it as a mat that says nothing of movement. `morningStillMs`: by day,
 * before this morning's check, on a bed mat that reports each movement, the still allowance that bounds the wait for
 * the check however the home's learned normal lengthens it (Infinity where it does not apply).
 */
function coldStart(
  home: HomeState,
  start: number,
  bedroomAt: number,
  stillFrom = NaN,
): { ms: number; morningStillMs: number } {
  const none = Infinity;
  const p = home.params.inactivity;
  const dayMs = p.coldStartDayMinutes * MINUTE_MS;
  // The resident's night: from the care plan's usual bedtime when given (a late sleeper's evening is watched as
  // day; an early sleeper's is night), else the night window.
  let night = home.bedOccupied || home.inRestNight(start);
  // Back to bed after a trip out of it this morning (`backToBedThisMorning`), or, where nothing sees the bed, the
  // morning's first trip to the bathroom (`morningTripUnseen`; session 72): a morning in bed is judged by the morning
  // check, as a night in bed is, and never sooner than the day value. Not the night allowance: Kasteren A goes back to
  // bed after its morning trips too, and its collapses there were called at the day value, 3-4 h.
  if (!night && (backToBedThisMorning(home, start) || (morningTripUnseen(home, start) && bedUnseen(home, start)))) {
    const check = home.timers['no-morning'].dueAt;
    const untilMorning = check !== Infinity && check > start ? check - start : 0;
    return { ms: Math.min(p.capMinutes * MINUTE_MS, Math.max(dayMs, untilMorning)), morningStillMs: none };
  }
  if (!night) night = home.nextRestNightStart(start) <= start + dayMs;
  if (!night) return { ms: dayMs, morningStillMs: none };
  // Only a night in bed (the bed mat, or the bedroom where there is no mat, or shut in it: `shutInForNight`) waits for
  // the morning.
  const inBed =
    home.bedOccupied ||
    (!home.hasBedMat && (home.lastActivityRoom === 'bedroom' || shutInForNight(home, start) !== undefined));
  if (!inBed)
    return {
      ms: weighNight(p.coldStartNightMinutes * MINUTE_MS, dayMs, nightsElsewhereWeight(home, start, bedroomAt)),
      morningStillMs: none,
    };
  // On the bed mat, the morning check itself looks again `inBedGraceMinutes` later (a late morning): so does this,
  // unless the check will find the resident not moved in bed since before the usual rising time (`stillSinceRising`).
  const morningCheck = home.timers['no-morning'].dueAt;
  const stillThroughRising = morningCheck !== Infinity && stillSinceRising(home, morningCheck, start);
  const grace =
    home.bedOccupied && !stillThroughRising ? home.params.noMorningActivity.inBedGraceMinutes * MINUTE_MS : 0;
  const untilMorning = morningCheck !== Infinity && morningCheck > start ? morningCheck + grace - start : 0;
  const nightMs = Math.min(p.capMinutes * MINUTE_MS, Math.max(p.coldStartNightMinutes * MINUTE_MS, untilMorning));
  // A mat that reports each movement, silent: nobody has moved in bed at all, and sleepers turn over within hours.
  if (Number.isNaN(stillFrom)) return { ms: nightMs, morningStillMs: none };
  // A press of that mat still on: stillness counts once it has lasted longer than the mat's own presses.
  const pressMs = Math.max(0, stillFrom - start);
  const stillMs = Math.min(nightMs, Math.max(pressMs, p.coldStartStillInBedMinutes * MINUTE_MS));
  if (home.inRestNight(start)) return { ms: stillMs, morningStillMs: none };
  // By day: lying awake and quiet in bed is normal in the morning, and the morning check (with its grace) looks first;
  // but a still spell that starts in bed by day is no new night either: no movement at all for the still allowance
  // (and past this morning's check) is called as it is at night, not 10-12 h from a late morning's or a nap's last turn.
  const checkFirst = morningCheck < home.nextRestNightStart(start) ? untilMorning : 0;
  // Yet the check's wait is for a resident who may lie awake and quiet, and one awake moves more than one asleep: no
  // movement at all on the mat for the night's own still allowance is called in the morning as at night, whatever
  // the check's hour and grace (Kasteren B, 25 Jul: check and grace ran to 15:23 local, 6-8 h from a still mat at
  // 07-09 h).
  return {
    ms: Math.min(nightMs, Math.max(checkFirst, stillMs)),
    morningStillMs: checkFirst > stillMs ? stillMs : none,
  };
}

/**
 * Whether the resident rests on a bed mat that reports each movement on it (it pulses) and no bed mat is held on:
 * the next movement in bed will be reported, so the silence is stillness, not a mat that says nothing while pressed.
 */
export function stillInBed(home: HomeState, at: number): boolean {
  return stillInBedFrom(home, at) === -Infinity;
}

/**
 * From when the bed mats say the resident lies still (no movement reported), NaN when they cannot say. -Infinity: a
 * mat that pulses, none held on (`stillInBed`): the silence is stillness from its start. A press of a mat that pulses
 * still on (its release not come, or lost): on such a mat a press is one movement and its length says nothing more, so
 * no new press is no movement once the press has lasted longer than the mat's own presses: its brief ones
 * (`presence.matPulseSeconds`, the bound that makes it a mat that pulses) and its lie-ins (`matRestMaxMs`: the longest
 * press it has ended with the resident seen nowhere else); every such press still on, each by its own mat's presses.
 * The bed's mats that pulse are one bed (a double bed, one mat a side): the silence began with a movement on any of
 * them (a press, or a release while the other mat stays pressed), and no new press on either since is no movement.
 * NaN where a bed mat that holds (does not pulse) is held on, or the silence began elsewhere (a press followed by
 * activity off the bed): it says nothing of movement.
 */
export function stillInBedFrom(home: HomeState, at: number): number {
  if (!home.bedOccupied) return NaN;
  // The silence began with a movement in bed on a mat that pulses (a press, or a release while the bed's other mat
  // stays pressed): the presses still on may be read.
  const last = home.lastActivityDeviceId === undefined ? undefined : home.devices.get(home.lastActivityDeviceId);
  const inBed = last?.kind === 'bed' && matPulses(last);
  let pulsing = false;
  let from = -Infinity;
  const briefMs = home.params.presence.matPulseSeconds * 1000;
  for (const d of home.devices.values()) {
    if (d.kind !== 'bed' || !home.restsOn(d, at)) continue;
    const pulses = matPulses(d);
    if (!Number.isNaN(d.heldSince)) {
      // A mat that holds, or a silence that did not begin in bed (the resident moved on after the press): it says
      // nothing. A movement on the bed's other mat after the press is a later movement in the same bed (Kasteren B:
      // s12 released while s13 stayed pressed, read as a held mat for 8-11 h under the plain cut).
      if (!pulses || !inBed) return NaN;
      from = Math.max(from, d.heldSince + Math.max(briefMs, d.matRestMaxMs));
    }
    if (pulses) pulsing = true;
  }
  return pulsing ? from : NaN;
}

/**
 * Whether the resident's presence rests on one mat: since the exit door last moved, only that bed or chair mat has
 * reported inside, and it was the last activity. The resident may have left (a door reed reading
 * open for hours says nothing more) and a pet, a visitor or a stuck mat pressed it (Kasteren C: the couch mat pressed
 * 25 min and again 95 min after the resident left, the front door held open). Two devices, or a worn one, mean someone
 * there. A PIR alone is not counted: possible-fall places the resident where it sees them (eval/README.md, round 5).
 */
export function presenceInDoubt(home: HomeState, state: InactivitySlice): boolean {
  const id = home.lastActivityDeviceId;
  if (!state.exitMoved || id === undefined || state.loneDeviceId !== id) return false;
  const kind = home.devices.get(id)?.kind;
  return kind !== undefined && MAT_KINDS.has(kind);
}

/**
 * Whether the home may be empty: a mat alone since the exit door moved (`presenceInDoubt`), or one device alone after
 * an outing longer than the day value with the exit door shut (`emptyHomeLikely`, kept by possible-fall: Kasteren B's
 * kitchen PIR, fired alone for hours inside absences, 5 of its 15 false alarms).
 */
export function homeMayBeEmpty(home: HomeState, state: InactivitySlice): boolean {
  return presenceInDoubt(home, state) || emptyHomeLikely(home);
}

/**
 * How long a chair mat's sittings normally last, from the longest sitting of each day it was sat on (minutes, oldest
 * first), in ms: taken as log-normal across days, the upper prediction bound for the next day at
 * `possibleFall.stillNightPercent` (as night stillness bounds a night's longest still spell, `nightStillnessMs`): a
 * resident whose days vary much, or few days seen, get a long one. Not floored at the longest day seen: one sitting
 * far past the rest is weighed with them, not kept as the allowance for two months. NaN before
 * `inactivity.sittingMinDays` days (0: never).
 */
export function sittingBoundMs(params: RuleParams, dayMinutes: readonly number[]): number {
  const n = dayMinutes.length;
  const minDays = params.inactivity.sittingMinDays;
  if (!(minDays > 0) || n < Math.max(2, minDays)) return NaN;
  return Math.round(logNormalUpper(dayMinutes, params.possibleFall.stillNightPercent) * MINUTE_MS);
}

/**
 * The allowance of a silence that begins as the resident sits down on a chair mat that holds (it reports on when sat
 * on and off when left, one interval a sitting: `matPulses` false), and where it came from. Such a mat says nothing
 * more until the resident gets up: the silence is the sitting, and the mat's sittings are its measure. Undefined where
 * a later movement was seen since the press (`HomeState.sightingDeviceId` not the mat: a PIR that sees the resident
 * shift in the chair; the silence is then stillness within a sitting, the `in-chair` context's), where none is
 * held on with the resident on it (`restsOn`: a mat stuck past `presence.matHeldMaxHours`, or contradicted by the
 * resident seen in another room, rests nobody and keeps its handling), or the resident is in bed. Issue 11 (section
 * 4): "a chair or couch mat occupied for five hours is someone watching television"; presence from a mat is strong
 * evidence. Until the mat has sittings on `inactivity.sittingMinDays` days, `inactivity.coldStartSittingMinutes`
 * (source `cold-start`: a floor under the chair's threshold as before, so an evening sitting that runs into the night
 * keeps the night allowance and what the `in-chair` context makes of it); then the mat's own days (`sittingBoundMs`,
 * source `learned`: the measure, whatever the hour). A mat that pulses (a press a movement: Kasteren's) says
 * nothing of how long a sitting lasts, and is judged as before (the `in-chair` context). With two such mats held, the
 * longer allowance.
 */
export function sittingAllowance(home: HomeState, start: number): Threshold | undefined {
  if (home.bedOccupied || !home.chairOccupied) return undefined;
  const p = home.params.inactivity;
  let best: Threshold | undefined;
  for (const d of home.devices.values()) {
    if (d.kind !== 'chair' || Number.isNaN(d.heldSince) || !home.restsOn(d, start) || matPulses(d)) continue;
    // The silence began as the resident sat down: the mat is the last thing that placed them (a PIR clearing behind
    // them is no sighting). After a later movement seen in the chair (a PIR there, a door), it is stillness within a
    // sitting, not a sitting: judged as before.
    if (home.sightingDeviceId !== d.id) continue;
    const learnedMs = sittingBoundMs(home.params, home.sittingDaysAt(d, start));
    const t: Threshold = Number.isNaN(learnedMs)
      ? { ms: p.coldStartSittingMinutes * MINUTE_MS, source: 'cold-start' }
      : { ms: learnedMs, source: 'learned' };
    if (best === undefined || t.ms > best.ms) best = t;
  }
  return best;
}

/**
 * The threshold of a silence that started at `start`, and where it came from (`bedroomAt`: when the bedroom last
 * reported, NaN when unknown; `bedStillFrom`: `stillInBedFrom(home, start)`, for a caller that has it already).
 */
export function inactivityThreshold(
  home: HomeState,
  start: number,
  inDoubt = false,
  bedroomAt = NaN,
  bedStillFrom = stillInBedFrom(home, start),
  opened?: string,
): Threshold {
  // Still from the silence's start (a mat that pulses, none held on), or the mats say nothing of movement.
  const held = thresholdOf(
    home,
    start,
    inDoubt,
    bedroomAt,
    bedStillFrom === -Infinity ? -Infinity : NaN,
    false,
    opened,
  );
  // A press of a mat that pulses still on: the stillness since it, once it is longer than the mat's own presses,
  // whichever comes first (the held mat's allowance still stands if it is sooner).
  if (!(bedStillFrom > -Infinity)) return held;
  const still = thresholdOf(home, start, inDoubt, bedroomAt, bedStillFrom, true, opened);
  return still.ms < held.ms ? still : held;
}

/**
 * `stillFrom`: when the bed counts as still (-Infinity: from the start; NaN: never); `pressStillOn`: from a press;
 * `opened`: the silence began with this contact opening (`openedContext`), and it stands open.
 */
function thresholdOf(
  home: HomeState,
  start: number,
  inDoubt: boolean,
  bedroomAt: number,
  stillFrom: number,
  pressStillOn: boolean,
  opened: string | undefined,
): Threshold {
  const p = home.params.inactivity;
  // Where the resident was last seen says much about the silence to expect: on a mat, the silences
  // that began on that mat; else the room of the last activity at that hour; else the whole home.
  // On a mat, the home's other quiet periods at that hour say nothing (evenings up are not nights in
  // bed): without the mat's own history the prior stands. Still on a bed mat that reports each movement,
  // the home's own still periods in bed, as long as there are any (else those of any silence in bed).
  const onMat = home.bedOccupied || home.chairOccupied;
  const { ms: prior, morningStillMs } = coldStart(home, start, bedroomAt, stillFrom);
  const floorMs = p.floorMinutes * MINUTE_MS;
  let t: Threshold | undefined;
  // Sitting on a chair mat that holds, its own days known: they are the measure; the silences learned in the chair at
  // this hour (`in-chair`, pooled by hour from few sittings) may only lengthen it.
  const sitting = sittingAllowance(home, start);
  if (sitting?.source === 'learned') {
    const inChair = learnedOrPrior(home, IN_CHAIR, start, sitting.ms, sitting.source, floorMs);
    t = inChair.ms > sitting.ms ? inChair : sitting;
  }
  // A press still on: the home's still periods in bed were learned after releases, never with the mat pressed (a
  // lie-in on it: Kasteren C held one 3.8 h on a morning), so they do not shorten it; the prior stands (the still
  // allowance at night, the morning check with its grace by day).
  else if (pressStillOn) t = { ms: prior, source: 'cold-start' };
  else if (!Number.isNaN(stillFrom)) {
    t = learnedOrPrior(home, IN_BED_STILL, start, prior, 'cold-start', floorMs);
    if (t.ms === prior) t = undefined;
  }
  const context = home.bedOccupied
    ? IN_BED
    : home.chairOccupied
      ? IN_CHAIR
      : (shutInForNight(home, start) ?? home.lastActivityContext);
  if (t === undefined && context !== undefined) t = learnedOrPrior(home, context, start, prior, 'cold-start', floorMs);
  if (!onMat && (t === undefined || t.ms === prior))
    t = learnedOrPrior(home, 'home', start, prior, 'cold-start', floorMs);
  t ??= { ms: prior, source: 'cold-start' };
  // Sitting on a chair mat that holds, its days not known yet: five hours in the chair is television, not a collapse.
  if (sitting?.source === 'cold-start' && t.ms < sitting.ms) t = sitting;
  // A home of two or more, one of them resting on a held mat (`othersRest`): the silences this home learned on its mats
  // end when either resident stirs, so they say how soon one of two moves, not how long a quiet home lasts; a silence
  // then is mostly the other asleep too. The rest allowance (the night's, the wait for the morning check on a bed) is
  // the least it waits; learned normal may only lengthen it (ARAS A: 130-353 min into nights on the bed or couch mat).
  if (home.othersRest(start) && t.ms < prior) t = { ms: prior, source: 'cold-start' };
  // A device of the home found dead that usually ended the silences that began where this one did (`roomRulesHeld`,
  // which holds possible-fall and bathroom-too-long off): what the home learned of such silences it learned with that
  // device ending them, and they are longer now. Learned normal may only lengthen the prior (session 63).
  else if (t.ms < prior && home.roomRulesHeld(start)) t = { ms: prior, source: 'cold-start' };
  // The silence began with a door, cupboard or fridge opening, and it stands open: closing it would be activity, so
  // no silence from that opening can outlast the opening itself, and this home's silences after its openings (its own
  // record, `openedContext`) bound how long a silence from it can normally last, whatever the room or the hour says:
  // a fridge this home always shuts within a minute, open and silent for the floor, is not a resident who went to sit
  // down. Taken over from the prior as every learned threshold is (`shrink`, by the silences it rests on), and only
  // where it is the sooner: a door after whose openings this home has been silent for hours bounds nothing.
  if (opened !== undefined) {
    const bound = openedBound(home, start, opened, prior, floorMs, bedroomAt);
    if (bound !== undefined && bound.ms < t.ms) t = bound;
  }
  // Presence in doubt: the home may be empty. Neither the chair's evening nor a still period in bed is the measure;
  // the silence is given the night's allowance (a resident who did sit down is still called about, later).
  if (inDoubt) t = { ms: Math.max(t.ms, p.coldStartNightMinutes * MINUTE_MS), source: t.source };
  // A still mat in the morning, before the check: waited on as above (the check's wait, shrunk by the home's own
  // periods as it learns them), but never longer than the still allowance, or than the home's own still periods in bed
  // at that hour where those are longer. Only a bound: the allowance is not shrunk itself (Kasteren B, 26 Jul: from
  // the allowance, the few mornings learned by then would call its 254-min quiet lie-in at 227 min).
  else if (t.ms > morningStillMs) {
    const learnedMs = pressStillOn
      ? NaN
      : home.learned.threshold(
          IN_BED_STILL,
          home.zone.hourOfWeek(start),
          home.zone.dayNumber(start),
          home.params.learned,
        );
    t =
      learnedMs > morningStillMs
        ? { ms: Math.min(t.ms, learnedMs), source: 'learned' }
        : { ms: morningStillMs, source: 'cold-start' };
  }
  return { ms: Math.min(p.capMinutes * MINUTE_MS, Math.max(floorMs, t.ms)), source: t.source };
}

/** When a silence that started at `start` becomes an inactivity alert. */
export function inactivityDeadline(home: HomeState, start: number): number {
  return start + inactivityThreshold(home, start).ms;
}

/** The warning before an inactivity alert (for the resident, never responders). */
function onPreAlertTimer(home: HomeState, at: number, ctx: RuleContext): void {
  const raiseAt = home.timers.inactivity.dueAt;
  // Another alert of the family already open for this silence: no warning of a call-out that will not come.
  if (raiseAt === Infinity || home.presenceHeld(at) || home.familyOpenThisSilence('inactivity')) return;
  home.prealertOpen = true;
  ctx.prealert(home, 'inactivity', raiseAt, at);
}

/** Registered in rules/built-in.ts. */
export const inactivityDefinition = {
  name: 'inactivity',
  homeTimers: ['inactivity', 'inactivity-pre'] as const,
  silence: true,
  homeState: {
    version: 5,
    create: (): InactivitySlice => ({
      stillSince: NaN,
      loneDeviceId: undefined,
      exitMoved: false,
      bedroomAt: NaN,
      openSince: new Map(),
      silenceOpened: undefined,
    }),
    save: (slice) => {
      const open = slice.openSince.size > 0;
      const opened = slice.silenceOpened;
      return Number.isNaN(slice.stillSince) &&
        !slice.exitMoved &&
        Number.isNaN(slice.bedroomAt) &&
        !open &&
        opened === undefined
        ? undefined
        : {
            stillSince: Number.isNaN(slice.stillSince) ? null : slice.stillSince,
            ...(slice.exitMoved ? { exitMoved: true, loneDeviceId: slice.loneDeviceId ?? null } : {}),
            ...(Number.isNaN(slice.bedroomAt) ? {} : { bedroomAt: slice.bedroomAt }),
            ...(open ? { openSince: Object.fromEntries(slice.openSince) } : {}),
            ...(opened ? { silenceOpened: opened } : {}),
          };
    },
    // Version 0 (state version 5) kept nothing of it: the silence under way is not learned as a still one. Version 1
    // kept no exit-door watch: presence is taken as not in doubt until the exit door next moves. Version 2 kept no
    // bedroom time: the next silence outside the bedroom is not taken as a night begun there. Before version 4 no
    // contact standing open was kept: an opening under way is not learned, and bounds nothing. Before version 5 no
    // silence begun with an opening was kept: the one under way at the restart is not learned.
    load: (saved, version) => {
      const s =
        version === 0
          ? {}
          : (saved as {
              stillSince?: unknown;
              exitMoved?: unknown;
              loneDeviceId?: unknown;
              bedroomAt?: unknown;
              openSince?: unknown;
              silenceOpened?: { context?: unknown; at?: unknown };
            });
      const openSince = new Map<string, number>();
      if (typeof s.openSince === 'object' && s.openSince !== null)
        for (const [id, since] of Object.entries(s.openSince as Record<string, unknown>))
          if (typeof since === 'number' && Number.isFinite(since)) openSince.set(id, since);
      return {
        stillSince: typeof s.stillSince === 'number' ? s.stillSince : NaN,
        exitMoved: s.exitMoved === true,
        loneDeviceId: typeof s.loneDeviceId === 'string' ? s.loneDeviceId : undefined,
        bedroomAt: typeof s.bedroomAt === 'number' ? s.bedroomAt : NaN,
        openSince,
        silenceOpened:
          typeof s.silenceOpened?.context === 'string' && typeof s.silenceOpened.at === 'number'
            ? { context: s.silenceOpened.context, at: s.silenceOpened.at }
            : undefined,
      };
    },
  },

  // A contact inside opening or closing (not the exit door: leaving or coming in is the outings' matter): which stand
  // open, and since when (out or away too). The same report again (MQTT redelivering) is no new opening: an opening is
  // kept from its first report. A copy that comes after later reports (a bridge's flush sent again) changes nothing:
  // an opening re-sent after its closing marked the contact open from that older time, so its next real opening was
  // not the silence's start and bounded nothing (`openedBound`: a longer wait; review, session 32).
  events: ['contact'],
  onEvent(
    home: HomeState,
    device: DeviceState,
    event: SensorEvent,
    at: number,
    ctx: RuleContext,
    _now: number,
    _device: undefined,
    state: InactivitySlice,
  ): void {
    if (device.kind === 'exit-door' || typeof event.value !== 'boolean') return;
    if (ctx.duplicate === 'earlier') return;
    const since = state.openSince.get(device.id);
    if (!event.value) {
      if (since === undefined) state.openSince.set(device.id, at);
      return;
    }
    if (since === undefined) return;
    state.openSince.delete(device.id);
  },

  // Every activity, out or away too, before the home records it: who is seen inside since the exit door moved, and
  // when the bedroom last reported.
  onActivitySeen(home: HomeState, seen: ActivitySeen, at: number, _ctx: RuleContext, state: InactivitySlice): void {
    if (seen.device.room === 'bedroom') state.bedroomAt = at;
    if (seen.activity.exit !== undefined) {
      state.exitMoved = true;
      state.loneDeviceId = undefined;
      return;
    }
    if (!state.exitMoved || !seen.inside) return;
    if (seen.activity.worn || (state.loneDeviceId !== undefined && state.loneDeviceId !== seen.device.id)) {
      state.exitMoved = false;
      state.loneDeviceId = undefined;
    } else state.loneDeviceId = seen.device.id;
  },

  onActivity(home: HomeState, at: number, ctx: RuleContext, state: InactivitySlice): void {
    // The still period in bed that just ended joins learned normal (the engine learns the other contexts).
    if (at > state.stillSince && home.heardSince(state.stillSince)) {
      const zone = home.zone;
      home.learned.record(IN_BED_STILL, zone.hourOfWeek(state.stillSince), at - state.stillSince, zone.dayNumber(at));
    }
    // The bed's mats read once for this activity (every device of the home is looked at).
    const bedStillFrom = stillInBedFrom(home, at);
    state.stillSince = bedStillFrom === -Infinity ? at : NaN;
    // The silence that just ended began with a contact opening: its length joins that contact's habit.
    const ended = state.silenceOpened;
    state.silenceOpened = undefined;
    if (ended !== undefined && at >= ended.at)
      home.learned.recordHabit(ended.context, at - ended.at, home.zone.dayNumber(at));
    if (home.prealertOpen) {
      home.prealertOpen = false;
      ctx.prealertCancel(home, 'inactivity', at);
    }
    ctx.clear(home, 'inactivity', at, silenceEndedBy(home, `activity in ${home.lastActivityRoom ?? 'the home'}`));
    // A device alone in a home shown by its own history to be empty at such times: waited on as an outing is, with an
    // outing's bound (`outingBoundMs`) of silence after it: a resident who came back unseen (an exit contact failed)
    // and fell where one sensor sees them is called late, not never; where an outing has no bound (a resident seen away
    // for days), neither has this wait. In a home of two or more it always has one (`emptyHomeBoundMs`, session 77).
    let threshold: Threshold;
    if (emptyHomeShown(home, at)) {
      const bound = emptyHomeBoundMs(home);
      if (!Number.isFinite(bound)) {
        ctx.disarm(home.timers.inactivity);
        ctx.disarm(home.timers['inactivity-pre']);
        return;
      }
      threshold = { ms: bound, source: 'outing-bound' };
    } else {
      // The silence begins with a contact inside opening, and it stands open: its openings bound the silence.
      const id = home.lastActivityDeviceId;
      const opened = id !== undefined && state.openSince.get(id) === at ? openedContext(id) : undefined;
      if (opened !== undefined) state.silenceOpened = { context: opened, at };
      threshold = inactivityThreshold(home, at, homeMayBeEmpty(home, state), state.bedroomAt, bedStillFrom, opened);
    }
    home.armed.inactivity = threshold;
    const deadline = at + threshold.ms;
    ctx.arm(home.timers.inactivity, deadline);
    const preAt = deadline - home.params.inactivity.preAlertMinutes * MINUTE_MS;
    if (preAt > at) ctx.arm(home.timers['inactivity-pre'], preAt);
    else ctx.disarm(home.timers['inactivity-pre']);
  },

  // An outing nothing ended outlasted the home's outings: the silence since the last activity is watched again, as
  // one in doubt (the night's allowance at least), and calls at once when that has passed (`outingBoundMinHours` is
  // longer than the cap, so by default it has).
  onOutingLapsed(home: HomeState, at: number, ctx: RuleContext, state: InactivitySlice): void {
    const since = Number.isNaN(home.lastActivityAt) ? at : home.lastActivityAt;
    const threshold = inactivityThreshold(home, since, true, state.bedroomAt);
    home.armed.inactivity = threshold;
    const deadline = Math.max(at, since + threshold.ms);
    ctx.arm(home.timers.inactivity, deadline);
    const preAt = deadline - home.params.inactivity.preAlertMinutes * MINUTE_MS;
    if (preAt > at) ctx.arm(home.timers['inactivity-pre'], preAt);
  },

  // The hub began watching a home of which nothing is known yet: a silence from now, in doubt (the resident may be
  // out, or not moved in yet): the night's allowance at least, the learned normal if any.
  onWatchStart(home: HomeState, at: number, ctx: RuleContext): void {
    const threshold = inactivityThreshold(home, at, true);
    home.armed.inactivity = threshold;
    const deadline = at + threshold.ms;
    ctx.arm(home.timers.inactivity, deadline);
    const preAt = deadline - home.params.inactivity.preAlertMinutes * MINUTE_MS;
    if (preAt > at) ctx.arm(home.timers['inactivity-pre'], preAt);
  },

  // Restored under the configuration now (a reload, or a restart with a new file): the silence under way is allowed
  // what that configuration gives it from its start, as the last activity would have armed it then. An installer who
  // lowered the day allowance from 4 h to 2 h 30 and reloaded at 11:00, the resident silent since 10:00, had the call
  // at 14:00 all the same; one who raised it had the old, sooner call (review, session 60). Only the timer as the
  // last activity armed it (not an outing's bound, a held PIR's wait, a silence from the hub's start or a lapsed
  // outing), and only where the allowance differs: an unchanged configuration moves nothing. One already past calls at
  // once, as a device's silence does (sensor-offline); a warning already given stands.
  onRestore(home: HomeState, at: number, ctx: RuleContext, state: InactivitySlice): void {
    const slot = home.timers.inactivity;
    const armed = home.armed.inactivity;
    const start = home.lastActivityAt;
    if (!dueFrom(slot, armed, start) || armed.source === 'outing-bound' || emptyHomeShown(home, start)) return;
    const opened = state.silenceOpened?.at === start ? state.silenceOpened.context : undefined;
    const threshold = inactivityThreshold(
      home,
      start,
      homeMayBeEmpty(home, state),
      state.bedroomAt,
      stillInBedFrom(home, start),
      opened,
    );
    if (threshold.ms === armed.ms && threshold.source === armed.source) return;
    home.armed.inactivity = threshold;
    const deadline = start + threshold.ms;
    ctx.arm(slot, Math.max(at, deadline));
    if (home.prealertOpen) return;
    const preAt = deadline - home.params.inactivity.preAlertMinutes * MINUTE_MS;
    if (preAt > at) ctx.arm(home.timers['inactivity-pre'], preAt);
    else ctx.disarm(home.timers['inactivity-pre']);
  },

  onSuspend(home: HomeState, at: number, ctx: RuleContext, state: InactivitySlice): void {
    // Out or away: the time until the next activity is no still period in bed, nor a silence after an opening.
    state.stillSince = NaN;
    state.silenceOpened = undefined;
    ctx.disarm(home.timers.inactivity);
    ctx.disarm(home.timers['inactivity-pre']);
    if (home.prealertOpen) {
      home.prealertOpen = false;
      ctx.prealertCancel(home, 'inactivity', at);
    }
  },

  onTimer(home: HomeState, timer: string, at: number, ctx: RuleContext, state: InactivitySlice): void {
    if (timer === 'inactivity-pre') {
      onPreAlertTimer(home, at, ctx);
      return;
    }
    // A PIR or presence sensor still on: the resident is there, the silence has not begun.
    if (home.presenceHeld(at)) {
      ctx.arm(
        home.timers.inactivity,
        at +
          Math.min(
            home.params.presence.heldMaxMinutes * MINUTE_MS,
            home.armed.inactivity?.ms ?? home.params.inactivity.floorMinutes * MINUTE_MS,
          ),
      );
      return;
    }
    // The warning is over whichever way this ends (raised now, or another kind of the family called this silence):
    // cancelled after the raise, or its retained message would stay on the home's topic (and be restated at every
    // start) until the next pre-alert, since the activity that follows no longer finds it open (review, session 49).
    const warned = home.prealertOpen;
    home.prealertOpen = false;
    // No activity of the home known yet: the silence runs from when the hub began watching it.
    const watched = Number.isNaN(home.lastActivityAt) && !Number.isNaN(home.watchedSince);
    ctx.raise(home, 'inactivity', 'high', at, {
      room: home.lastActivityRoom,
      episodic: true,
      // For the responder, when it applies: a bed mat that reports each movement has reported none (not a mat held
      // on, saying nothing). Absent otherwise, so every other alert's detail is as before.
      detail: {
        ...silenceDetail(home, 'inactivity', at, watched ? home.watchedSince : home.lastActivityAt),
        // Nothing of the home heard since the hub began watching it: no sensor has reported at all.
        ...(watched ? { watchedSince: new Date(home.watchedSince).toISOString(), presenceInDoubt: true } : {}),
        ...(stillInBedFrom(home, at) <= at ? { stillInBed: true } : {}),
        // One mat alone since the exit door moved, or one device alone since an outing: the home may be empty.
        ...(homeMayBeEmpty(home, state) ? { presenceInDoubt: true } : {}),
        // Waited on as an outing because the device alone chattered (a fault), not because the home often stands empty.
        ...(home.armed.inactivity?.source === 'outing-bound' && loneDeviceChattered(home)
          ? { loneDeviceChattered: true }
          : {}),
        // An outing nothing ended, past its bound: the resident was taken to be out since then, and may never have left.
        // Since session 69 with `afterArrival` when that outing began minutes after a homecoming nothing inside saw;
        // since session 77 with `residents` in a home configured for two or more (`HomeState.outingInDoubtMs`): the
        // door said someone left, and the other may never have.
        ...(Number.isNaN(home.outLapsedSince)
          ? {}
          : {
              outingUnended: {
                since: new Date(home.outLapsedSince).toISOString(),
                ...(Number.isNaN(home.outingAfterArrival)
                  ? {}
                  : { afterArrival: new Date(home.outingAfterArrival).toISOString() }),
                ...(home.singleResident ? {} : { residents: home.config.residents.length }),
              },
              presenceInDoubt: true,
            }),
      },
    });
    if (warned) ctx.prealertCancel(home, 'inactivity', at);
  },
} satisfies RuleDefinition<InactivitySlice>;
