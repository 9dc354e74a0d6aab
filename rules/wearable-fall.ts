// fall (wearable): accel samples of a wearable through the hub's fall detector; one detector per device.
// The detector runs on its samples' time; the engine wakes it through the device's `fall` timer, armed
// on the rules' time, when the wearable falls silent with a decision pending (a fall is never held back).
// A confirmed fall is critical; an impact the wearer got up from is an `info` record (docs/fall-detection.md).
import type { RuleContext } from './context.js';
import { createFallDetector, type FallDetection, type FallDetector, type FallDetectorState } from './fall/detector.js';
import { wornDetail } from './explain.js';
import type { DeviceState, HomeState } from './home-state.js';
import { newTimerSlot, type RuleDefinition } from './registry.js';
import type { TimerSlot } from './timer-queue.js';
import type { AccelValue, SensorEvent } from './types.js';

/** Per wearable that sent samples: its detector, and the timer that wakes it when the wearable falls silent. */
export interface WearableSlice {
  detector: FallDetector | undefined;
  /** Rules' time minus the wearable's samples' time, as of its last `accel` message. */
  offsetMs: number;
  readonly timer: TimerSlot;
}

function raiseAll(h: HomeState, device: DeviceState, found: FallDetection[], c: RuleContext, offsetMs: number): void {
  for (const fall of found) {
    // The wearer got up and walked within the recovery window: not a silent emergency. It is kept in the
    // record (care staff see the impact) without calling anyone out: `info` never escalates.
    c.raise(h, 'fall', fall.downgraded ? 'info' : 'critical', fall.at, {
      device,
      episodic: false,
      // Where the home's sensors last placed someone, against the fall's time on the rules' clock (session 36).
      detail: {
        source: 'wearable',
        peakG: fall.peakG,
        downgraded: fall.downgraded,
        ...fall.detail,
        ...wornDetail(h, device, fall.at + offsetMs),
      },
    });
  }
}

/** Arm the wake-up: when the detector wants it (samples' time) moved onto the rules' time. */
function rearm(device: WearableSlice, c: RuleContext): void {
  const wakeAt = device.detector?.wakeAt() ?? null;
  if (wakeAt === null) c.disarm(device.timer);
  else c.arm(device.timer, wakeAt + device.offsetMs);
}

export const wearableFallRule = {
  /** One `accel` event: `ts` is the sensor's time of its first sample, `at` the rules' time it is handled at. */
  onAccel(
    h: HomeState,
    device: DeviceState,
    wearable: WearableSlice,
    value: AccelValue,
    ts: number,
    at: number,
    c: RuleContext,
  ): void {
    if (device.kind !== 'wearable') return;
    const detector = (wearable.detector ??= createFallDetector(h.params.fall));
    const before = detector.lastMessageAt();
    raiseAll(h, device, detector.push(ts, value), c, wearable.offsetMs);
    const lastMessageAt = detector.lastMessageAt();
    // Rules' time minus samples' time, as of the last message taken in: 0 in replay, the sensor's clock and the
    // transport's delay live. `at` is the event's own time when it is stamped behind the rules (as every batch is: its
    // first sample was taken before it was sent), so the delay is read from when it came in (`heardAt`, the hub's
    // clock) against its last sample: a silence is counted from the message's arrival, and a wearable whose batches
    // come seconds late (a clock behind the hub's, a bridge forwarding every few seconds) is not judged between two
    // of them (session 32, docs/fall-detection.md "the way in"). In replay the arrival is the event's time: 0 as before.
    const heardAt = Number.isFinite(c.heardAt) ? c.heardAt : at;
    if (lastMessageAt !== before && Number.isFinite(lastMessageAt))
      wearable.offsetMs = Math.max(at - lastMessageAt, heardAt - detector.lastTakenAt());
    rearm(wearable, c);
  },

  /** The wearable has been silent since its last message: the detector decides with what it has. */
  onTimer(h: HomeState, device: DeviceState, wearable: WearableSlice, at: number, c: RuleContext): void {
    const detector = wearable.detector;
    if (!detector) return;
    raiseAll(h, device, detector.wake(at - wearable.offsetMs), c, wearable.offsetMs);
    rearm(wearable, c);
  },
};

function newSlice(device: DeviceState, home: HomeState): WearableSlice {
  return { detector: undefined, offsetMs: 0, timer: newTimerSlot(home.index, 'fall', device.id) };
}

/** Its registration (rules/built-in.ts): `accel` of wearables; the detector saved while a decision is pending. */
export const wearableFallDefinition: RuleDefinition<undefined, WearableSlice> = {
  name: 'wearable-fall',
  events: ['accel'],
  deviceKinds: ['wearable'],
  deviceState: {
    version: 1,
    create: newSlice,
    save: (slice) => {
      const detector = slice.detector?.exportState();
      return detector ? { offsetMs: slice.offsetMs, detector } : undefined;
    },
    load: (saved, version, device, home) => {
      // Version 0: the flat device record of state version 5, whose `fall` held what version 1 saves.
      const s = (version === 0 ? (saved as { fall?: unknown }).fall : saved) as
        { offsetMs?: unknown; detector?: FallDetectorState } | undefined;
      if (!s || typeof s.offsetMs !== 'number') return undefined;
      const slice = newSlice(device, home);
      slice.detector = createFallDetector(home.params.fall, s.detector);
      slice.offsetMs = s.offsetMs;
      return slice;
    },
    timer: { name: 'fall', slot: (slice) => slice.timer },
  },
  onEvent(home, device, event: SensorEvent, at, ctx, _now, wearable) {
    if (typeof event.value === 'object')
      wearableFallRule.onAccel(home, device, wearable, event.value, event.ts, at, ctx);
  },
  onDeviceTimer(home, device, at, ctx, wearable) {
    wearableFallRule.onTimer(home, device, wearable, at, ctx);
  },
};
