// inactivity: no activity anywhere at home for longer than learned normal for that hour, with a pre-alert.
import type { RuleContext } from './context.js';
import type { HomeState } from './home-state.js';

const MINUTE_MS = 60_000;
/** Learned-normal context of the quiet periods that began with the resident in bed (a bed mat). */
export const IN_BED = 'in-bed';

/** When a silence that started at `start` becomes an inactivity alert. */
export function inactivityDeadline(h: HomeState, start: number): number {
  const p = h.params.inactivity;
  if (h.isLearned(start)) {
    // Where the resident was last seen says much about the silence to expect (the kitchen before bed
    // is not the bedroom door at bedtime): the room's own history at that hour, else the whole home's.
    const how = h.zone.hourOfWeek(start);
    const day = h.zone.dayNumber(start);
    // In bed, the room of the last movement says little: the silences that began in bed are the
    // measure (going to bed at 21:00 is not judged by the evenings spent up at 21:00).
    const context = h.bedOccupied ? IN_BED : h.lastActivityContext;
    const byContext = context === undefined ? NaN : h.learned.threshold(context, how, day, h.params.learned);
    const learned = Number.isNaN(byContext) ? h.learned.threshold('home', how, day, h.params.learned) : byContext;
    if (!Number.isNaN(learned)) {
      return start + Math.min(p.capMinutes * MINUTE_MS, Math.max(p.floorMinutes * MINUTE_MS, learned));
    }
  }
  // Cold start: the night allowance if the silence starts at night, in bed, or runs into the night.
  const dayMs = p.coldStartDayMinutes * MINUTE_MS;
  let night = h.bedOccupied || h.inNight(start);
  if (!night) {
    const day = h.zone.dayNumber(start);
    let nightStart = h.zone.instantOf(day, h.nightStartMinute);
    if (nightStart <= start) nightStart = h.zone.instantOf(day + 1, h.nightStartMinute);
    night = nightStart <= start + dayMs;
  }
  return start + (night ? p.coldStartNightMinutes * MINUTE_MS : dayMs);
}

export const inactivityRule = {
  onActivity(h: HomeState, at: number, c: RuleContext): void {
    if (h.prealertOpen) {
      h.prealertOpen = false;
      c.prealertCancel(h, 'inactivity', at);
    }
    c.clear(h, 'inactivity', at, `activity in ${h.lastActivityRoom ?? 'the home'}`);
    const deadline = inactivityDeadline(h, at);
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
    if (raiseAt === Infinity) return;
    h.prealertOpen = true;
    c.prealert(h, 'inactivity', raiseAt, at);
  },

  onTimer(h: HomeState, at: number, c: RuleContext): void {
    h.prealertOpen = false;
    c.raise(h, 'inactivity', 'high', at, {
      room: h.lastActivityRoom,
      episodic: true,
      detail: {
        silentMinutes: Math.round((at - h.lastActivityAt) / MINUTE_MS),
        lastActivityAt: new Date(h.lastActivityAt).toISOString(),
        lastActivityRoom: h.lastActivityRoom ?? null,
        learned: h.isLearned(h.lastActivityAt),
      },
    });
  },
};
