// fall (wearable): accel samples of a wearable through the hub's fall detector; one detector per device.
import type { RuleContext } from './context.js';
import { createFallDetector } from './fall/detector.js';
import type { DeviceState, HomeState } from './home-state.js';
import type { AccelValue } from './types.js';

export const wearableFallRule = {
  onAccel(h: HomeState, device: DeviceState, value: AccelValue, at: number, c: RuleContext): void {
    if (device.kind !== 'wearable') return;
    device.fallDetector ??= createFallDetector(h.params.fall);
    for (const fall of device.fallDetector.push(at, value)) {
      // A downgraded detection (e.g. the wearer got up) still goes to a responder, one step lower.
      c.raise(h, 'fall', fall.downgraded ? 'high' : 'critical', fall.at, {
        device,
        episodic: false,
        detail: { source: 'wearable', peakG: fall.peakG, downgraded: fall.downgraded, ...fall.detail },
      });
    }
  },
};
