// no-morning-activity: nothing outside the bedroom by the usual rising time plus a margin.
import type { RuleContext } from './context.js';
import type { HomeState } from './home-state.js';
import { parseHhMm } from './local-time.js';

/** Activity outside the bedroom from this long before the night window ends counts as rising. */
const RISING_EARLIEST_BEFORE_NIGHT_END_MIN = 120;
const RISING_LATEST_MIN = 16 * 60;
/** Back in the bedroom within this time after the first activity outside it: that was not getting up. */
const BACK_TO_BED_MS = 60 * 60_000;

/** Learn the rising time with hindsight: a candidate counts once an hour passed without the bedroom. */
function learnRising(h: HomeState, at: number): void {
  const candidate = h.risingCandidateAt;
  if (Number.isNaN(candidate)) return;
  if (h.lastActivityRoom === 'bedroom' && at - candidate < BACK_TO_BED_MS) {
    h.risingCandidateAt = NaN;
  } else if (at - candidate >= BACK_TO_BED_MS) {
    h.learned.recordRising(h.zone.minuteOfDay(candidate));
    h.risingLearnedDay = h.zone.dayNumber(candidate);
    h.risingCandidateAt = NaN;
  }
}

function deadlineMinute(h: HomeState, at: number): number {
  const usual = h.isLearned(at) ? h.learned.usualRisingMinute() : null;
  return usual === null
    ? parseHhMm(h.params.noMorningActivity.coldStartTime)
    : usual + h.params.noMorningActivity.marginMinutes;
}

export const noMorningActivityRule = {
  /** Keep the next morning's check armed. */
  ensureArmed(h: HomeState, at: number, c: RuleContext): void {
    if (h.timers['no-morning'].dueAt !== Infinity) return;
    const day = h.zone.dayNumber(at);
    let due = h.zone.instantOf(day, deadlineMinute(h, at));
    if (due <= at) due = h.zone.instantOf(day + 1, deadlineMinute(h, at));
    c.arm(h.timers['no-morning'], due);
  },

  onActivity(h: HomeState, at: number, c: RuleContext): void {
    learnRising(h, at);
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
    if (h.risenDay !== h.zone.dayNumber(at) && !h.suspended() && !Number.isNaN(h.lastActivityAt)) {
      c.raise(h, 'no-morning-activity', 'medium', at, {
        room: h.lastActivityRoom,
        episodic: true,
        detail: { lastActivityAt: new Date(h.lastActivityAt).toISOString(), learned: h.isLearned(at) },
      });
    }
    this.ensureArmed(h, at, c);
  },
};
