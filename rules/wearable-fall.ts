// fall (wearable): accel samples of a wearable through the hub's fall detector; one detector per device.
// The detector runs on its samples' time; the engine wakes it through the device's `fall` timer, armed
// on the rules' time, when the wearable falls silent with a decision pending (a fall is never held back).
// A confirmed fall is critical; an impact the wearer got up from is an `info` record (docs/fall-detection.md).
import type { RuleContext } from './context.js';
import { createFallDetector, type FallDetection } from './fall/detector.js';
import type { DeviceState, HomeState } from './home-state.js';
import type { AccelValue } from './types.js';

function raiseAll(h: HomeState, device: DeviceState, found: FallDetection[], c: RuleContext): void {
  for (const fall of found) {
    // The wearer got up and walked within the recovery window: not a silent emergency. It is kept in the
    // record (care staff see the impact) without calling anyone out: `info` never escalates.
    c.raise(h, 'fall', fall.downgraded ? 'info' : 'critical', fall.at, {
      device,
      episodic: false,
      detail: { source: 'wearable', peakG: fall.peakG, downgraded: fall.downgraded, ...fall.detail },
    });
  }
}

/** Arm the wake-up: when the detector wants it (samples' time) moved onto the rules' time. */
function rearm(device: DeviceState, c: RuleContext): void {
  const wakeAt = device.fallDetector?.wakeAt() ?? null;
  if (wakeAt === null) c.disarm(device.fallSlot);
  else c.arm(device.fallSlot, wakeAt + device.fallOffsetMs);
}

export const wearableFallRule = {
  /** One `accel` event: `ts` is the sensor's time of its first sample, `at` the rules' time it is handled at. */
  onAccel(h: HomeState, device: DeviceState, value: AccelValue, ts: number, at: number, c: RuleContext): void {
    if (device.kind !== 'wearable') return;
    const detector = (device.fallDetector ??= createFallDetector(h.params.fall));
    const before = detector.lastMessageAt();
    raiseAll(h, device, detector.push(ts, value), c);
    const lastMessageAt = detector.lastMessageAt();
    // Rules' time minus samples' time, as of the last message taken in: 0 in replay, the sensor's clock
    // and the transport's delay live.
    if (lastMessageAt !== before && Number.isFinite(lastMessageAt)) device.fallOffsetMs = at - lastMessageAt;
    rearm(device, c);
  },

  /** The wearable has been silent since its last message: the detector decides with what it has. */
  onTimer(h: HomeState, device: DeviceState, at: number, c: RuleContext): void {
    const detector = device.fallDetector;
    if (!detector) return;
    raiseAll(h, device, detector.wake(at - device.fallOffsetMs), c);
    rearm(device, c);
  },
};
