// moved-on: a PIR clearing after the resident was seen in another room does not place them (possible-fall, bathroom-too-long).
import type { HomeState } from './home-state.js';

/** The last sign of someone in a room (not a PIR clearing, which ends a movement begun earlier), kept by a rule. */
export interface SeenWatch {
  /** Its room (undefined: unknown). */
  seenRoom: string | undefined;
  /** ...and its time (epoch ms; NaN: unknown). */
  seenAt: number;
}

/**
 * The last activity is a PIR (a motion sensor) clearing, and since it last saw movement the resident was seen in
 * another room (the last sign of someone, `seenRoom`, is elsewhere): the sensor held on while they walked on, and its
 * clearing is its hold running out, not the resident still there. It does not place them (Kasteren B without its
 * mats: the living-room door at 14:46:09, the kitchen PIR clearing at 14:46:31, the resident seated in the living room
 * out of every sensor's reach: a possible-fall "in the kitchen" at 52 min). Nor does a bathroom PIR clearing after the
 * resident left the bathroom begin a visit there (bathroom-too-long). Where they are is what the last sign says: a door
 * or an appliance places nobody, a PIR elsewhere places them when it clears in turn; inactivity watches.
 */
export function movedOnWhileHeld(home: HomeState, start: number, watch: SeenWatch): boolean {
  const device = home.devices.get(home.lastActivityDeviceId ?? '');
  if (device === undefined || device.kind !== 'motion' || watch.seenRoom === undefined) return false;
  return watch.seenAt < start && watch.seenRoom !== device.room;
}
