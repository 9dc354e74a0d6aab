// out-of-bed-too-long: gone to bed, got up in the night window, not back for longer than learned normal.
import type { RuleContext } from './context.js';
import { silenceDetail } from './explain.js';
import type { HomeState } from './home-state.js';
import { shrink } from './threshold.js';
import type { ActivitySeen, RuleDefinition } from './registry.js';
import { MINUTE_MS } from './time.js';

const SAMPLES = { samples: 0 };

export const outOfBedRule = {
  /** A bed mat changed: `occupied` true = in bed. */
  onBed(h: HomeState, occupied: boolean, at: number, c: RuleContext): void {
    if (occupied) {
      if (!Number.isNaN(h.gotUpAt)) h.learned.record('out-of-bed', 0, at - h.gotUpAt, h.zone.dayNumber(at));
      h.gotUpAt = NaN;
      h.wentToBed = true;
      c.disarm(h.timers['out-of-bed']);
      c.clear(h, 'out-of-bed-too-long', at, 'back in bed');
      return;
    }
    // A resident who has not gone to bed is not out of bed; getting up in the day ends the night.
    if (!h.wentToBed || !h.inNight(at)) {
      h.wentToBed = false;
      return;
    }
    h.gotUpAt = at;
    // Night absences from bed are learned at hour 0 (one pool for the whole night).
    const prior = h.params.outOfBed.coldStartMinutes * MINUTE_MS;
    const learnedMs = h.learned.threshold('out-of-bed', 0, h.zone.dayNumber(at), h.params.learned, SAMPLES);
    const t = shrink(prior, learnedMs, SAMPLES.samples, h.params.learned.priorWeight, 'cold-start');
    const limitMs = t.ms;
    h.armed['out-of-bed'] = t;
    // Getting up near the end of the night is getting up for the day.
    if (h.suspended() || !h.inNight(at + limitMs)) return;
    c.arm(h.timers['out-of-bed'], at + limitMs);
  },

  onSuspend(h: HomeState, _at: number, c: RuleContext): void {
    c.disarm(h.timers['out-of-bed']);
  },

  onTimer(h: HomeState, at: number, c: RuleContext): void {
    // Up from bed and resting on a chair mat: not lying on the floor (inactivity still watches the chair).
    if (h.chairOccupied) return;
    c.raise(h, 'out-of-bed-too-long', 'medium', at, {
      room: h.lastActivityRoom,
      episodic: true,
      detail: {
        ...silenceDetail(h, 'out-of-bed', at, h.gotUpAt),
        minutesOutOfBed: Math.round((at - h.gotUpAt) / MINUTE_MS),
        gotUpAt: new Date(h.gotUpAt).toISOString(),
      },
    });
  },
};

/** Its registration (rules/built-in.ts): it hears the bed turning occupied or empty. */
export const outOfBedDefinition = {
  name: 'out-of-bed-too-long',
  homeTimers: ['out-of-bed'] as const,
  silence: true,
  onActivitySeen: (home: HomeState, seen: ActivitySeen, at: number, ctx: RuleContext) => {
    if (seen.bedChanged) outOfBedRule.onBed(home, home.bedOccupied, at, ctx);
  },
  onSuspend: (home: HomeState, at: number, ctx: RuleContext) => outOfBedRule.onSuspend(home, at, ctx),
  onTimer: (home: HomeState, _timer: string, at: number, ctx: RuleContext) => outOfBedRule.onTimer(home, at, ctx),
} satisfies RuleDefinition;
