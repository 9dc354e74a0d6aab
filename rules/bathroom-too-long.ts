// bathroom-too-long: last activity in the bathroom, none elsewhere since, for longer than learned normal.
import type { RuleContext } from './context.js';
import { silenceDetail } from './explain.js';
import type { HomeState } from './home-state.js';
import { returnInDoubt } from './possible-fall.js';
import { learnedOrPrior } from './threshold.js';
import { isBathroom } from './vocabulary.js';
import type { RuleDefinition } from './registry.js';
import { MINUTE_MS } from './time.js';

function bathroomDeadline(home: HomeState, enteredAt: number): number {
  const p = home.params.bathroom;
  const prior = (home.inNight(enteredAt) ? p.coldStartNightMinutes : p.coldStartDayMinutes) * MINUTE_MS;
  const t = learnedOrPrior(home, 'bathroom-stay', enteredAt, prior, 'cold-start');
  const ms = Math.min(home.params.inactivity.capMinutes * MINUTE_MS, t.ms);
  home.armed.bathroom = { ms, source: t.source };
  return enteredAt + ms;
}

/** Registered in rules/built-in.ts. */
export const bathroomDefinition = {
  name: 'bathroom-too-long',
  homeTimers: ['bathroom'] as const,
  silence: true,

  onActivity(home: HomeState, at: number, ctx: RuleContext): void {
    // Back from an outing with the door shut, by one bathroom sensor's word alone: not a visit yet (possible-fall.ts).
    if (isBathroom(home.lastActivityRoom) && !returnInDoubt(home)) {
      if (Number.isNaN(home.bathroomEnteredAt)) home.bathroomEnteredAt = at;
      ctx.arm(home.timers.bathroom, bathroomDeadline(home, home.bathroomEnteredAt));
      return;
    }
    if (!Number.isNaN(home.bathroomEnteredAt)) {
      const entered = home.bathroomEnteredAt;
      home.learned.record('bathroom-stay', home.zone.hourOfWeek(entered), at - entered, home.zone.dayNumber(at));
      home.bathroomEnteredAt = NaN;
      ctx.clear(home, 'bathroom-too-long', at, `activity in ${home.lastActivityRoom ?? 'another room'}`);
    }
    ctx.disarm(home.timers.bathroom);
  },

  onSuspend(home: HomeState, _at: number, ctx: RuleContext): void {
    home.bathroomEnteredAt = NaN;
    ctx.disarm(home.timers.bathroom);
  },

  onTimer(home: HomeState, _timer: string, at: number, ctx: RuleContext): void {
    ctx.raise(home, 'bathroom-too-long', 'high', at, {
      room: home.lastActivityRoom,
      episodic: true,
      detail: {
        ...silenceDetail(home, 'bathroom', at, home.bathroomEnteredAt),
        minutesInBathroom: Math.round((at - home.bathroomEnteredAt) / MINUTE_MS),
        enteredAt: new Date(home.bathroomEnteredAt).toISOString(),
      },
    });
  },
} satisfies RuleDefinition;
