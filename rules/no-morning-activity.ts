// no-morning-activity: nothing outside the bedroom by the usual rising time plus a margin.
import type { RuleContext } from './context.js';
import type { HomeState } from './home-state.js';
import { silenceDetail } from './explain.js';
import { parseHhMm } from './local-time.js';
import { shrink, type ThresholdSource } from './threshold.js';
import type { RuleDefinition } from './registry.js';
import { MINUTE_MS } from './time.js';

/** Activity outside the bedroom from this long before the night window ends counts as rising. */
const RISING_EARLIEST_BEFORE_NIGHT_END_MIN = 120;
const RISING_LATEST_MIN = 16 * 60;
/** Back in the bedroom within this time after the first activity outside it: that was not getting up. */
const BACK_TO_BED_MS = 60 * 60_000;

/** Learn the rising time with hindsight: a candidate counts once an hour passed without the bedroom. Returns whether a morning was learned. */
function learnRising(h: HomeState, at: number): boolean {
  const candidate = h.risingCandidateAt;
  if (Number.isNaN(candidate)) return false;
  if (h.lastActivityRoom === 'bedroom' && at - candidate < BACK_TO_BED_MS) {
    h.risingCandidateAt = NaN;
  } else if (at - candidate >= BACK_TO_BED_MS) {
    h.learned.recordRising(h.zone.minuteOfDay(candidate));
    h.risingLearnedDay = h.zone.dayNumber(candidate);
    h.risingCandidateAt = NaN;
    return true;
  }
  return false;
}

/**
 * The morning check's local minute and where it came from. The prior is the care plan's usual rising
 * time plus the margin, else the cold-start time. The learned usual rising time (median of recent
 * mornings) plus the margin takes over: at once when later than the prior (a late riser is never
 * called about for sleeping in), gradually when earlier, as mornings accumulate.
 */
export function morningCheck(h: HomeState): { minute: number; source: ThresholdSource } {
  const p = h.params.noMorningActivity;
  const fromPlan = !Number.isNaN(h.routineRisingMinute);
  const prior = fromPlan ? h.routineRisingMinute + p.marginMinutes : parseHhMm(p.coldStartTime);
  const usual = h.learned.usualRisingMinute();
  const t = shrink(
    prior,
    usual === null ? NaN : usual + p.marginMinutes,
    h.learned.risingMornings(),
    p.priorMornings,
    fromPlan ? 'care-plan' : 'cold-start',
  );
  return { minute: Math.min(RISING_LATEST_MIN + p.marginMinutes, Math.round(t.ms)), source: t.source };
}

function deadlineMinute(h: HomeState): number {
  const check = morningCheck(h);
  h.armed['no-morning'] = { ms: NaN, source: check.source };
  return check.minute;
}

export const noMorningActivityRule = {
  /** Keep the next morning's check armed. */
  ensureArmed(h: HomeState, at: number, c: RuleContext): void {
    if (h.timers['no-morning'].dueAt !== Infinity) return;
    const day = h.zone.dayNumber(at);
    const minute = deadlineMinute(h);
    let due = h.zone.instantOf(day, minute);
    if (due <= at) due = h.zone.instantOf(day + 1, minute);
    c.arm(h.timers['no-morning'], due);
  },

  onActivity(h: HomeState, at: number, c: RuleContext): void {
    if (learnRising(h, at)) {
      // The next check was armed before this morning was known: a later riser must not be called about tomorrow.
      c.disarm(h.timers['no-morning']);
      this.ensureArmed(h, at, c);
    }
    if (h.lastActivityRoom === 'bedroom') return;
    const day = h.zone.dayNumber(at);
    const minute = h.zone.minuteOfDay(at);
    if (minute < h.nightEndMinute - RISING_EARLIEST_BEFORE_NIGHT_END_MIN || minute >= RISING_LATEST_MIN) return;
    if (h.risingLearnedDay !== day && Number.isNaN(h.risingCandidateAt)) h.risingCandidateAt = at;
    if (h.risenDay === day) return;
    h.risenDay = day;
    c.clear(h, 'no-morning-activity', at, 'activity outside the bedroom');
  },

  onTimer(h: HomeState, at: number, c: RuleContext): void {
    const day = h.zone.dayNumber(at);
    if (h.risenDay !== day && !h.suspended() && !Number.isNaN(h.lastActivityAt)) {
      // Still in bed by the bed mat: a late morning, not yet an empty bed in a silent home. Look again once, later.
      if (h.bedOccupied && h.morningGraceDay !== day) {
        h.morningGraceDay = day;
        c.arm(h.timers['no-morning'], at + h.params.noMorningActivity.inBedGraceMinutes * MINUTE_MS);
        return;
      }
      const checkMinutes = h.zone.minuteOfDay(at);
      const since = h.lastActivityAt;
      c.raise(h, 'no-morning-activity', 'medium', at, {
        room: h.lastActivityRoom,
        episodic: true,
        detail: {
          ...silenceDetail(h, 'no-morning', at, since),
          checkTime: `${String(Math.floor(checkMinutes / 60)).padStart(2, '0')}:${String(checkMinutes % 60).padStart(2, '0')}`,
        },
      });
    }
    this.ensureArmed(h, at, c);
  },
};

/** Its registration (rules/built-in.ts): every event keeps the next check armed. */
export const noMorningActivityDefinition = {
  name: 'no-morning-activity',
  homeTimers: ['no-morning'] as const,
  events: 'all',
  onEvent: (home: HomeState, _device: unknown, _event: unknown, _at: number, ctx: RuleContext, now: number) =>
    noMorningActivityRule.ensureArmed(home, now, ctx),
  onActivity: (home: HomeState, at: number, ctx: RuleContext) => noMorningActivityRule.onActivity(home, at, ctx),
  onTimer: (home: HomeState, _timer: string, at: number, ctx: RuleContext) =>
    noMorningActivityRule.onTimer(home, at, ctx),
} satisfies RuleDefinition;
