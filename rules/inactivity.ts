// inactivity: no activity anywhere at home for longer than learned normal for that hour, with a pre-alert.
import type { RuleContext } from './context.js';
import { silenceDetail } from './explain.js';
import type { HomeState } from './home-state.js';
import { learnedOrPrior, type Threshold } from './threshold.js';
import type { RuleDefinition } from './registry.js';
import { MINUTE_MS } from './time.js';

/** Learned-normal contexts of the quiet periods that began with the resident on a bed or chair mat. */
export const IN_BED = 'in-bed';
export const IN_CHAIR = 'in-chair';

/**
 * Cold-start allowance of a silence starting at `start`: the day value, or, if the silence starts at
 * night (from the care plan's usual bedtime when given), in bed, or runs into the night, the night value; in bed, at least until the morning check
 * (a night in bed is judged by the morning, not by a stopwatch started at bedtime).
 */
function coldStartMs(h: HomeState, start: number): number {
  const p = h.params.inactivity;
  const dayMs = p.coldStartDayMinutes * MINUTE_MS;
  // The resident's night: from the care plan's usual bedtime when given (a late sleeper's evening is watched as
  // day; an early sleeper's is night), else the night window.
  let night = h.bedOccupied || h.inRestNight(start);
  if (!night) {
    const day = h.zone.dayNumber(start);
    let nightStart = h.zone.instantOf(day, h.restNightStartMinute);
    if (nightStart <= start) nightStart = h.zone.instantOf(day + 1, h.restNightStartMinute);
    night = nightStart <= start + dayMs;
  }
  if (!night) return dayMs;
  // Only a night in bed (the bed mat, or the bedroom where there is no mat) waits for the morning.
  const inBed = h.bedOccupied || (!h.hasBedMat && h.lastActivityRoom === 'bedroom');
  if (!inBed) return p.coldStartNightMinutes * MINUTE_MS;
  // On the bed mat, the morning check itself looks again `inBedGraceMinutes` later (a late morning): so does this.
  const grace = h.bedOccupied ? h.params.noMorningActivity.inBedGraceMinutes * MINUTE_MS : 0;
  const morningCheck = h.timers['no-morning'].dueAt;
  const untilMorning = morningCheck !== Infinity && morningCheck > start ? morningCheck + grace - start : 0;
  return Math.min(p.capMinutes * MINUTE_MS, Math.max(p.coldStartNightMinutes * MINUTE_MS, untilMorning));
}

/** The threshold of a silence that started at `start`, and where it came from. */
export function inactivityThreshold(h: HomeState, start: number): Threshold {
  const p = h.params.inactivity;
  // Where the resident was last seen says much about the silence to expect: on a mat, the silences
  // that began on that mat; else the room of the last activity at that hour; else the whole home.
  // On a mat, the home's other quiet periods at that hour say nothing (evenings up are not nights in
  // bed): without the mat's own history the prior stands.
  const onMat = h.bedOccupied || h.chairOccupied;
  const context = h.bedOccupied ? IN_BED : h.chairOccupied ? IN_CHAIR : h.lastActivityContext;
  const prior = coldStartMs(h, start);
  const floorMs = p.floorMinutes * MINUTE_MS;
  let t = context === undefined ? undefined : learnedOrPrior(h, context, start, prior, 'cold-start', floorMs);
  if (!onMat && (t === undefined || t.ms === prior)) t = learnedOrPrior(h, 'home', start, prior, 'cold-start', floorMs);
  t ??= { ms: prior, source: 'cold-start' };
  return { ms: Math.min(p.capMinutes * MINUTE_MS, Math.max(floorMs, t.ms)), source: t.source };
}

/** When a silence that started at `start` becomes an inactivity alert. */
export function inactivityDeadline(h: HomeState, start: number): number {
  return start + inactivityThreshold(h, start).ms;
}

export const inactivityRule = {
  onActivity(h: HomeState, at: number, c: RuleContext): void {
    if (h.prealertOpen) {
      h.prealertOpen = false;
      c.prealertCancel(h, 'inactivity', at);
    }
    c.clear(h, 'inactivity', at, `activity in ${h.lastActivityRoom ?? 'the home'}`);
    const threshold = inactivityThreshold(h, at);
    h.armed.inactivity = threshold;
    const deadline = at + threshold.ms;
    c.arm(h.timers.inactivity, deadline);
    const preAt = deadline - h.params.inactivity.preAlertMinutes * MINUTE_MS;
    if (preAt > at) c.arm(h.timers['inactivity-pre'], preAt);
    else c.disarm(h.timers['inactivity-pre']);
  },

  onSuspend(h: HomeState, at: number, c: RuleContext): void {
    c.disarm(h.timers.inactivity);
    c.disarm(h.timers['inactivity-pre']);
    if (h.prealertOpen) {
      h.prealertOpen = false;
      c.prealertCancel(h, 'inactivity', at);
    }
  },

  onPreAlertTimer(h: HomeState, at: number, c: RuleContext): void {
    const raiseAt = h.timers.inactivity.dueAt;
    // Another alert of the family already open for this silence: no warning of a call-out that will not come.
    if (raiseAt === Infinity || h.presenceHeld(at) || h.familyOpenThisSilence('inactivity')) return;
    h.prealertOpen = true;
    c.prealert(h, 'inactivity', raiseAt, at);
  },

  onTimer(h: HomeState, at: number, c: RuleContext): void {
    // A PIR or presence sensor still on: the resident is there, the silence has not begun.
    if (h.presenceHeld(at)) {
      c.arm(
        h.timers.inactivity,
        at +
          Math.min(
            h.params.presence.heldMaxMinutes * MINUTE_MS,
            h.armed.inactivity?.ms ?? h.params.inactivity.floorMinutes * MINUTE_MS,
          ),
      );
      return;
    }
    h.prealertOpen = false;
    c.raise(h, 'inactivity', 'high', at, {
      room: h.lastActivityRoom,
      episodic: true,
      detail: silenceDetail(h, 'inactivity', at, h.lastActivityAt),
    });
  },
};

/** Its registration (rules/built-in.ts). */
export const inactivityDefinition = {
  name: 'inactivity',
  homeTimers: ['inactivity', 'inactivity-pre'] as const,
  silence: true,
  onActivity: (home: HomeState, at: number, ctx: RuleContext) => inactivityRule.onActivity(home, at, ctx),
  onSuspend: (home: HomeState, at: number, ctx: RuleContext) => inactivityRule.onSuspend(home, at, ctx),
  onTimer: (home: HomeState, timer: string, at: number, ctx: RuleContext) =>
    timer === 'inactivity-pre' ? inactivityRule.onPreAlertTimer(home, at, ctx) : inactivityRule.onTimer(home, at, ctx),
} satisfies RuleDefinition;
