// What a responder needs to understand an inactivity-family alert: how long, against which threshold, where, on a mat or not.
import type { HomeState, HomeTimer } from './home-state.js';
import { MINUTE_MS } from './time.js';

/**
 * The detail of an inactivity-family alert (issue 11 section 5): `silenceMinutes` since `since`,
 * the `thresholdMinutes` it crossed and its `thresholdSource`, the last room and device (id and kind), which
 * mat was occupied (`"bed"`, `"chair"` or null), and after an arrival by the exit door that no sensor inside has seen
 * since, when and by which door (`arrivedAt`, `arrivedBy`, `seenSinceArrival: false`).
 */
export function silenceDetail(home: HomeState, timer: HomeTimer, at: number, since: number): Record<string, unknown> {
  const threshold = home.armed[timer];
  return {
    silenceMinutes: Math.round((at - since) / MINUTE_MS),
    thresholdMinutes: threshold && Number.isFinite(threshold.ms) ? Math.round(threshold.ms / MINUTE_MS) : null,
    thresholdSource: threshold?.source ?? 'cold-start',
    lastRoom: home.lastActivityRoom ?? null,
    lastDeviceId: home.lastActivityDeviceId ?? null,
    lastDeviceKind: home.devices.get(home.lastActivityDeviceId ?? '')?.kind ?? null,
    matOccupied: home.bedOccupied ? 'bed' : home.chairOccupied ? 'chair' : null,
    lastActivityAt: Number.isNaN(home.lastActivityAt) ? null : new Date(home.lastActivityAt).toISOString(),
    // Came in by the exit door after an outing and nothing inside has reported since: why the home is watched at all.
    ...(home.unseenArrival
      ? {
          arrivedAt: new Date(
            Number.isNaN(home.unseenArrival.openedAt) ? home.unseenArrival.closedAt : home.unseenArrival.openedAt,
          ).toISOString(),
          arrivedBy: home.unseenArrival.doorId,
          seenSinceArrival: false,
        }
      : {}),
  };
}
