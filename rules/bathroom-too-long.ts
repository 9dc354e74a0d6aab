// bathroom-too-long: last activity in the bathroom, none elsewhere since, for longer than learned normal.
import type { RuleContext } from './context.js';
import { silenceDetail } from './explain.js';
import type { HomeState } from './home-state.js';
import { learnedOrPrior } from './threshold.js';
import { isBathroom } from './vocabulary.js';
import type { RuleDefinition } from './registry.js';
import { MINUTE_MS } from './time.js';

function bathroomDeadline(h: HomeState, enteredAt: number): number {
  const p = h.params.bathroom;
  const prior = (h.inNight(enteredAt) ? p.coldStartNightMinutes : p.coldStartDayMinutes) * MINUTE_MS;
  const t = learnedOrPrior(h, 'bathroom-stay', enteredAt, prior, 'cold-start');
  const ms = Math.min(h.params.inactivity.capMinutes * MINUTE_MS, t.ms);
  h.armed.bathroom = { ms, source: t.source };
  return enteredAt + ms;
}

export const bathroomRule = {
  onActivity(h: HomeState, at: number, c: RuleContext): void {
    if (isBathroom(h.lastActivityRoom)) {
      if (Number.isNaN(h.bathroomEnteredAt)) h.bathroomEnteredAt = at;
      c.arm(h.timers.bathroom, bathroomDeadline(h, h.bathroomEnteredAt));
      return;
    }
    if (!Number.isNaN(h.bathroomEnteredAt)) {
      const entered = h.bathroomEnteredAt;
      h.learned.record('bathroom-stay', h.zone.hourOfWeek(entered), at - entered, h.zone.dayNumber(at));
      h.bathroomEnteredAt = NaN;
      c.clear(h, 'bathroom-too-long', at, `activity in ${h.lastActivityRoom ?? 'another room'}`);
    }
    c.disarm(h.timers.bathroom);
  },

  onSuspend(h: HomeState, _at: number, c: RuleContext): void {
    h.bathroomEnteredAt = NaN;
    c.disarm(h.timers.bathroom);
  },

  onTimer(h: HomeState, at: number, c: RuleContext): void {
    c.raise(h, 'bathroom-too-long', 'high', at, {
      room: h.lastActivityRoom,
      episodic: true,
      detail: {
        ...silenceDetail(h, 'bathroom', at, h.bathroomEnteredAt),
        minutesInBathroom: Math.round((at - h.bathroomEnteredAt) / MINUTE_MS),
        enteredAt: new Date(h.bathroomEnteredAt).toISOString(),
      },
    });
  },
};

/** Its registration (rules/built-in.ts). */
export const bathroomDefinition = {
  name: 'bathroom-too-long',
  homeTimers: ['bathroom'] as const,
  silence: true,
  onActivity: (home: HomeState, at: number, ctx: RuleContext) => bathroomRule.onActivity(home, at, ctx),
  onSuspend: (home: HomeState, at: number, ctx: RuleContext) => bathroomRule.onSuspend(home, at, ctx),
  onTimer: (home: HomeState, _timer: string, at: number, ctx: RuleContext) => bathroomRule.onTimer(home, at, ctx),
} satisfies RuleDefinition;
