// night-exit: an exit door opened in the night window and no activity inside within 10 minutes.
import type { RuleContext } from './context.js';
import type { HomeState } from './home-state.js';
import type { ActivitySeen, RuleDefinition } from './registry.js';
import { MINUTE_MS } from './time.js';

/** Per home: the exit door that opened in the night (for the alert), until activity inside. */
export interface NightExitSlice {
  door: string | undefined;
}

export const nightExitRule = {
  name: 'night-exit',
  homeTimers: ['night-exit'] as const,
  homeState: {
    version: 1,
    create: (): NightExitSlice => ({ door: undefined }),
    save: (slice) => (slice.door === undefined ? undefined : { door: slice.door }),
    load: (saved, version) => {
      // Version 0: the home record of state version 5 (`nightExitDoor`).
      const door =
        version === 0 ? (saved as { nightExitDoor?: unknown }).nightExitDoor : (saved as { door?: unknown }).door;
      return { door: typeof door === 'string' ? door : undefined };
    },
  },

  onActivitySeen(home: HomeState, seen: ActivitySeen, at: number, ctx: RuleContext, state: NightExitSlice): void {
    if (seen.inside) {
      ctx.disarm(home.timers['night-exit']);
      ctx.clear(home, 'night-exit', at, 'activity inside again');
    } else if (seen.activity.exit === 'opened') {
      if (home.away || !home.inNight(at)) return;
      ctx.arm(home.timers['night-exit'], at + home.params.nightExit.noMotionMinutes * MINUTE_MS);
      state.door = seen.device.id;
    }
  },

  onTimer(home: HomeState, _timer: string, at: number, ctx: RuleContext, state: NightExitSlice): void {
    if (home.away) return;
    const door = home.devices.get(state.door ?? '');
    ctx.raise(home, 'night-exit', 'high', at, {
      room: door?.room,
      device: door,
      episodic: true,
      detail: { minutesSinceDoor: home.params.nightExit.noMotionMinutes },
    });
  },
} satisfies RuleDefinition<NightExitSlice>;
