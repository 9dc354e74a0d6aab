// night-exit: an exit door opened in the night window and no activity inside within 10 minutes.
import type { RuleContext } from './context.js';
import type { DeviceState, HomeState } from './home-state.js';
import { MINUTE_MS } from './time.js';

export const nightExitRule = {
  onExitDoorOpened(h: HomeState, device: DeviceState, at: number, c: RuleContext): void {
    if (h.away || !h.inNight(at)) return;
    c.arm(h.timers['night-exit'], at + h.params.nightExit.noMotionMinutes * MINUTE_MS);
    h.nightExitDoor = device.id;
  },

  onInsideActivity(h: HomeState, at: number, c: RuleContext): void {
    c.disarm(h.timers['night-exit']);
    c.clear(h, 'night-exit', at, 'activity inside again');
  },

  onTimer(h: HomeState, at: number, c: RuleContext): void {
    if (h.away) return;
    c.raise(h, 'night-exit', 'high', at, {
      room: h.devices.get(h.nightExitDoor ?? '')?.room,
      device: h.devices.get(h.nightExitDoor ?? ''),
      episodic: true,
      detail: { minutesSinceDoor: h.params.nightExit.noMotionMinutes },
    });
  },
};
