// out-of-bed-too-long: gone to bed, got up in the night window, not back for longer than learned normal.
import type { RuleContext } from './context.js';
import { silenceDetail } from './explain.js';
import type { HomeState } from './home-state.js';
import { shrink } from './threshold.js';
import type { ActivitySeen, RuleDefinition } from './registry.js';
import { MINUTE_MS } from './time.js';

const SAMPLES = { samples: 0 };

/** A bed mat changed: `occupied` true = in bed. */
function onBed(home: HomeState, occupied: boolean, at: number, ctx: RuleContext): void {
  if (occupied) {
    if (!Number.isNaN(home.gotUpAt)) home.learned.record('out-of-bed', 0, at - home.gotUpAt, home.zone.dayNumber(at));
    home.gotUpAt = NaN;
    home.wentToBed = true;
    ctx.disarm(home.timers['out-of-bed']);
    ctx.clear(home, 'out-of-bed-too-long', at, 'back in bed');
    return;
  }
  // A resident who has not gone to bed is not out of bed; getting up in the day ends the night.
  if (!home.wentToBed || !home.inNight(at)) {
    home.wentToBed = false;
    return;
  }
  home.gotUpAt = at;
  // Night absences from bed are learned at hour 0 (one pool for the whole night).
  const prior = home.params.outOfBed.coldStartMinutes * MINUTE_MS;
  const learnedMs = home.learned.threshold('out-of-bed', 0, home.zone.dayNumber(at), home.params.learned, SAMPLES);
  const t = shrink(prior, learnedMs, SAMPLES.samples, home.params.learned.priorWeight, 'cold-start');
  const limitMs = t.ms;
  home.armed['out-of-bed'] = t;
  // Getting up near the end of the night is getting up for the day.
  if (home.suspended() || !home.inNight(at + limitMs)) return;
  ctx.arm(home.timers['out-of-bed'], at + limitMs);
}

/** Registered in rules/built-in.ts: it hears the bed turning occupied or empty. */
export const outOfBedDefinition = {
  name: 'out-of-bed-too-long',
  homeTimers: ['out-of-bed'] as const,
  silence: true,

  onActivitySeen(home: HomeState, seen: ActivitySeen, at: number, ctx: RuleContext): void {
    if (seen.bedChanged) onBed(home, home.bedOccupied, at, ctx);
  },

  onSuspend(home: HomeState, _at: number, ctx: RuleContext): void {
    ctx.disarm(home.timers['out-of-bed']);
  },

  onTimer(home: HomeState, _timer: string, at: number, ctx: RuleContext): void {
    // Up from bed and resting on a chair mat: not lying on the floor (inactivity still watches the chair).
    if (home.chairOccupied) return;
    ctx.raise(home, 'out-of-bed-too-long', 'medium', at, {
      room: home.lastActivityRoom,
      episodic: true,
      detail: {
        ...silenceDetail(home, 'out-of-bed', at, home.gotUpAt),
        minutesOutOfBed: Math.round((at - home.gotUpAt) / MINUTE_MS),
        gotUpAt: new Date(home.gotUpAt).toISOString(),
      },
    });
  },
} satisfies RuleDefinition;
