// no-morning-activity: nothing outside the bedroom by the usual rising time plus a margin.
import type { RuleContext } from './context.js';
import type { HomeState } from './home-state.js';
import { silenceDetail, silenceEndedBy } from './explain.js';
import { parseHhMm } from './local-time.js';
import { shrink, type ThresholdSource } from './threshold.js';
import type { RuleDefinition } from './registry.js';
import { MINUTE_MS } from './time.js';
import { stillInBed } from './inactivity.js';
import { emptyHomeShown } from './possible-fall.js';
import { isBathroom } from './vocabulary.js';

/** Activity outside the bedroom from this long before the night window ends counts as rising. */
const RISING_EARLIEST_BEFORE_NIGHT_END_MIN = 120;
const RISING_LATEST_MIN = 16 * 60;
/** Back in the bedroom within this time after the first activity outside it: that was not getting up. */
export const BACK_TO_BED_MS = 60 * 60_000;

/**
 * Per home, when the silence that the activity being handled ends began (the last activity before it), noted as the
 * activity is seen (`onActivitySeen`, before the engine moves `lastActivityAt`). Derived afresh at every activity from
 * saved state, so it needs no saving of its own.
 */
const silenceBegan = new WeakMap<HomeState, number>();

/** Whether the home has a device in the bedroom (configured): one that can say the resident went back to bed. */
function watchesBedroom(home: HomeState): boolean {
  for (const d of home.devices.values()) if (d.room === 'bedroom') return true;
  return false;
}

/**
 * Back to bed unseen: in a home with no device in the bedroom, the silence this activity ends began within the hour
 * after the candidate and lasted an hour or more. Where a bedroom device reports, going back to bed is seen as such
 * (the bedroom within the hour); where none does, an early visit to the toilet and back to bed shows as the visit, then
 * nothing, and would be learned as this morning's rising (Kasteren A without its bedroom door: the 05-06 h visits
 * learned as risings, the check moved early, a late Sunday called, session 35).
 */
function backToBedUnseen(home: HomeState, at: number, candidate: number): boolean {
  const began = silenceBegan.get(home);
  if (began === undefined || Number.isNaN(began) || watchesBedroom(home)) return false;
  return began - candidate < BACK_TO_BED_MS && at - began >= BACK_TO_BED_MS;
}

/** Learn the rising time with hindsight: a candidate counts once an hour passed without the bedroom. Returns whether a morning was learned. */
function learnRising(home: HomeState, at: number): boolean {
  const candidate = home.risingCandidateAt;
  if (Number.isNaN(candidate)) return false;
  if (
    (home.lastActivityRoom === 'bedroom' && at - candidate < BACK_TO_BED_MS) ||
    backToBedUnseen(home, at, candidate)
  ) {
    home.risingCandidateAt = NaN;
  } else if (at - candidate >= BACK_TO_BED_MS) {
    home.learned.recordRising(home.zone.minuteOfDay(candidate));
    home.risingLearnedDay = home.zone.dayNumber(candidate);
    home.risingCandidateAt = NaN;
    return true;
  }
  return false;
}

/**
 * Back to bed this morning (session 72, issue 11): the silence from `start` begins in the bedroom (a door or a PIR
 * there, not a mat: a mat says so itself), after the night window's end and before this morning's check, and this
 * morning's first activity outside the bedroom was followed by the bedroom within the hour (`BACK_TO_BED_MS`), with
 * nothing outside it since: what the rising learner itself reads as "that was not getting up" (`learnRising`). The
 * night window's end is a clock's guess at the resident's; a trip to the toilet or the kitchen and back to bed at 06:05
 * is the same trip as at 05:55, and the silence after it the night's (Kasteren C, its second morning: the toilet at
 * 06:01, the bedroom door at 06:05, asleep until 11:20; Kasteren B: up at 06:52 for a drink, the bedroom door at 07:04,
 * asleep until 11:08; with no mat in the layout both were called by inactivity's day value, 4 h, while asleep).
 * Derived from saved state: while the first bedroom report is handled, the candidate is still set (the rising learner
 * drops it after the silence rules); afterwards it is dropped, the day counted as risen and no rising learned.
 */
export function backToBedThisMorning(home: HomeState, start: number): boolean {
  if (home.lastActivityRoom !== 'bedroom' || home.inRestNight(start)) return false;
  const kind = home.devices.get(home.lastActivityDeviceId ?? '')?.kind;
  if (kind === 'bed' || kind === 'chair') return false;
  const day = home.zone.dayNumber(start);
  if (home.risenDay !== day || home.risingLearnedDay === day) return false;
  if (home.zone.minuteOfDay(start) >= morningCheck(home).minute) return false;
  const candidate = home.risingCandidateAt;
  if (Number.isNaN(candidate)) return true;
  return start - candidate < BACK_TO_BED_MS && home.zone.dayNumber(candidate) === day;
}

/**
 * The morning's first trip where nothing sees the bed (session 72; the caller asks `bedUnseen`): the silence from
 * `start` begins in a bathroom visit that was this morning's first activity outside the bedroom (entered at or before
 * the rising candidate: nothing else seen since), within the hour of it, after the night window's end and before this
 * morning's check. The way back to bed passes no sensor, so this is the silence the rising learner itself reads as back
 * to bed unseen once it lasts the hour (`backToBedUnseen`).
 */
export function morningTripUnseen(home: HomeState, start: number): boolean {
  if (!isBathroom(home.lastActivityRoom) || home.inRestNight(start)) return false;
  const day = home.zone.dayNumber(start);
  if (home.risingLearnedDay === day) return false;
  if (home.zone.minuteOfDay(start) >= morningCheck(home).minute) return false;
  const candidate = home.risingCandidateAt;
  if (Number.isNaN(candidate) || start - candidate >= BACK_TO_BED_MS || home.zone.dayNumber(candidate) !== day)
    return false;
  const entered = home.bathroomEnteredAt;
  return !Number.isNaN(entered) && entered <= candidate;
}

/**
 * The morning check's local minute and where it came from. The prior is the care plan's usual rising
 * time plus the margin, else the cold-start time. The learned usual rising time (median of recent
 * mornings) plus the margin takes over: at once when later than the prior (a late riser is never
 * called about for sleeping in), gradually when earlier, as mornings accumulate. The learned value is
 * never earlier than the second-latest recent rising plus `lateMarginMinutes` (`learnedMorningMinute`).
 */
export function morningCheck(home: HomeState): { minute: number; source: ThresholdSource } {
  const p = home.params.noMorningActivity;
  const fromPlan = !Number.isNaN(home.routineRisingMinute);
  const prior = fromPlan ? home.routineRisingMinute + p.marginMinutes : parseHhMm(p.coldStartTime);
  const t = shrink(
    prior,
    learnedMorningMinute(home),
    home.learned.risingMornings(),
    p.priorMornings,
    fromPlan ? 'care-plan' : 'cold-start',
  );
  return { minute: Math.min(RISING_LATEST_MIN + p.marginMinutes, Math.round(t.ms)), source: t.source };
}

/**
 * The learned check (NaN before any morning): the usual rising time plus the margin, and no earlier than the
 * second-latest of the recent mornings' risings plus `lateMarginMinutes`. The median plus 90 min is passed by a home
 * whose risings spread over hours on each of its late mornings: played six times on end, Kasteren B (tuning) was called
 * on its two late mornings of every month (7 of its 9 later false alarms), and ARAS A (unseen) on 29 Jan after its first
 * fortnight. The second-latest, not the latest, so that one odd "rising" (the first activity after a night away, in the
 * afternoon) does not put the check off for four weeks (session 48).
 */
function learnedMorningMinute(home: HomeState): number {
  const p = home.params.noMorningActivity;
  const usual = home.learned.usualRisingMinute();
  if (usual === null) return NaN;
  const late = p.lateMarginMinutes >= 0 ? home.learned.latestRisingMinute(1) : null;
  return Math.max(usual + p.marginMinutes, late === null ? -Infinity : late + p.lateMarginMinutes);
}

function deadlineMinute(home: HomeState): number {
  const check = morningCheck(home);
  home.armed['no-morning'] = { ms: NaN, source: check.source };
  return check.minute;
}

/**
 * Whether a resident in bed at the check `at` has not moved in bed since before their usual rising time: a bed mat that
 * reports each movement (`stillInBed`) has reported none for the check's margin or longer, and that rising time is
 * theirs (the care plan's, or learned), not the cold-start guess. A late riser lying in turns over now and then; one who
 * has not moved at all since they would normally be up is not given the in-bed grace.
 */
export function stillSinceRising(home: HomeState, at: number, since = home.lastActivityAt): boolean {
  const marginMs = home.params.noMorningActivity.marginMinutes * MINUTE_MS;
  return stillInBed(home, at) && at - since >= marginMs && morningCheck(home).source !== 'cold-start';
}

/** Keep the next morning's check armed. */
function ensureArmed(home: HomeState, at: number, ctx: RuleContext): void {
  if (home.timers['no-morning'].dueAt !== Infinity) return;
  const day = home.zone.dayNumber(at);
  const minute = deadlineMinute(home);
  let due = home.zone.instantOf(day, minute);
  if (due <= at) due = home.zone.instantOf(day + 1, minute);
  ctx.arm(home.timers['no-morning'], due);
}

/** Registered in rules/built-in.ts: every event keeps the next check armed. */
export const noMorningActivityDefinition = {
  name: 'no-morning-activity',
  homeTimers: ['no-morning'] as const,
  timeOfDayTimers: ['no-morning'],
  events: 'all',

  onEvent(home: HomeState, _device: unknown, _event: unknown, _at: number, ctx: RuleContext, now: number): void {
    ensureArmed(home, now, ctx);
  },

  onActivitySeen(home: HomeState): void {
    silenceBegan.set(home, home.lastActivityAt);
  },

  /**
   * The next check was armed by the configuration it was saved under: a reload (or a restart with a new file) that moved
   * the care plan's rising time or the rule's times moves it on the same day (session 59: before, the old check called
   * the next morning a resident who rises at the time the installer had just written). Not the in-bed grace's second
   * look, and not to a time already past: today's check then stays as it was, and the next follows the new time.
   */
  onRestore(home: HomeState, at: number, ctx: RuleContext): void {
    const slot = home.timers['no-morning'];
    if (!Number.isFinite(slot.dueAt)) return;
    const day = home.zone.dayNumber(slot.dueAt);
    if (home.morningGraceDay === day) return;
    const check = morningCheck(home);
    const due = home.zone.instantOf(day, check.minute);
    if (due === slot.dueAt || due <= at) return;
    home.armed['no-morning'] = { ms: NaN, source: check.source };
    ctx.arm(slot, due);
  },

  /**
   * A morning check the step of the hub's clock carried past is not made: the hub heard the home right up to the step,
   * on a clock that read behind, so its record cannot say whether the resident got up (before, every home whose
   * resident had just moved was called at a day's step). The next morning is checked; a resident who did not get up is
   * still called by inactivity, whose silence keeps its time.
   */
  onClockStep(home: HomeState, _stepMs: number, now: number, ctx: RuleContext): void {
    ensureArmed(home, now, ctx);
  },

  onActivity(home: HomeState, at: number, ctx: RuleContext): void {
    if (learnRising(home, at)) {
      // The next check was armed before this morning was known: a later riser must not be called about tomorrow.
      ctx.disarm(home.timers['no-morning']);
      ensureArmed(home, at, ctx);
    }
    if (home.lastActivityRoom === 'bedroom') return;
    const day = home.zone.dayNumber(at);
    const minute = home.zone.minuteOfDay(at);
    if (minute < home.nightEndMinute - RISING_EARLIEST_BEFORE_NIGHT_END_MIN || minute >= RISING_LATEST_MIN) return;
    if (home.risingLearnedDay !== day && Number.isNaN(home.risingCandidateAt)) home.risingCandidateAt = at;
    if (home.risenDay === day) return;
    home.risenDay = day;
    ctx.clear(home, 'no-morning-activity', at, silenceEndedBy(home, 'activity outside the bedroom'));
  },

  /**
   * Just come in (back from away): up and about, not in bed, at a time that would count as rising. What the home's
   * sensors saw while it was away does not count, so without this a resident home since the morning and sitting in the
   * living room was called at the check (session 59). No rising is learned from it: it is the carer's word, not a time.
   */
  onComeIn(home: HomeState, at: number): void {
    const minute = home.zone.minuteOfDay(at);
    if (minute < home.nightEndMinute - RISING_EARLIEST_BEFORE_NIGHT_END_MIN || minute >= RISING_LATEST_MIN) return;
    home.risenDay = home.zone.dayNumber(at);
  },

  onTimer(home: HomeState, _timer: string, at: number, ctx: RuleContext): void {
    const day = home.zone.dayNumber(at);
    // Out, or a device alone in a home shown to be empty at such times (`emptyHomeShown`): nobody to be up.
    if (home.risenDay !== day && !home.suspended() && !emptyHomeShown(home, at) && !Number.isNaN(home.lastActivityAt)) {
      // Still in bed by the bed mat: a late morning, not yet an empty bed in a silent home. Look again once, later;
      // not when the mat that reports each movement has reported none since before the usual rising time.
      if (home.bedOccupied && home.morningGraceDay !== day && !stillSinceRising(home, at)) {
        home.morningGraceDay = day;
        ctx.arm(home.timers['no-morning'], at + home.params.noMorningActivity.inBedGraceMinutes * MINUTE_MS);
        return;
      }
      const checkMinutes = home.zone.minuteOfDay(at);
      const since = home.lastActivityAt;
      ctx.raise(home, 'no-morning-activity', 'medium', at, {
        room: home.lastActivityRoom,
        episodic: true,
        detail: {
          ...silenceDetail(home, 'no-morning', at, since),
          checkTime: `${String(Math.floor(checkMinutes / 60)).padStart(2, '0')}:${String(checkMinutes % 60).padStart(2, '0')}`,
        },
      });
    }
    ensureArmed(home, at, ctx);
  },
} satisfies RuleDefinition;
