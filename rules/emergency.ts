// pendant, fall, smoke, co, gas, flood: raised at once, critical.
import type { RuleContext } from './context.js';
import { isWorn } from './activity.js';
import { wornDetail } from './explain.js';
import type { DeviceState, HomeState } from './home-state.js';
import { flagSlices, type RuleDefinition } from './registry.js';
import type { SensorEvent } from './types.js';
import { EMERGENCY_EVENTS, isEmergencyType, type AlertKind } from './vocabulary.js';

// Every emergency event type has its alert kind (a type added to the vocabulary's list without one fails to compile),
// each one `RAISED_SEVERITIES` lists as raised critical (the kinds themselves, not any kind: session 72, round 3).
const EMERGENCY_KIND = {
  pendant: 'pendant',
  fall: 'fall',
  smoke: 'smoke',
  co: 'co',
  gas: 'gas',
  water: 'flood',
} as const satisfies Record<(typeof EMERGENCY_EVENTS)[number], AlertKind>;

/** A hazard detector's alarm, per device that reported one: whether it is on (one raise per alarm). */
export interface HazardSlice {
  on: boolean;
}

export const emergencyRule = {
  name: 'emergency',
  events: EMERGENCY_EVENTS,
  deviceState: flagSlices('on', 'hazardOn'),

  onEvent(
    home: HomeState,
    device: DeviceState,
    event: SensorEvent,
    at: number,
    ctx: RuleContext,
    _now: number,
    hazard: HazardSlice,
  ): void {
    if (!isEmergencyType(event.type)) return;
    const kind = EMERGENCY_KIND[event.type as (typeof EMERGENCY_EVENTS)[number]];
    // A report sent again as it was (the same stamp, type and value: an HTTP device retrying after a 503, a bridge
    // re-sending its flush without MQTT's DUP flag) is not a second press, nor a detector's state set back by an old copy.
    if (ctx.duplicate !== undefined) return;
    const isHazard = kind !== 'pendant' && kind !== 'fall';
    if (event.value !== true) {
      if (isHazard) hazard.on = false;
      return;
    }
    // A hazard detector repeats its state while the alarm lasts: one raise per alarm.
    if (isHazard) {
      if (hazard.on) return;
      hazard.on = true;
    }
    ctx.raise(home, kind, 'critical', at, {
      device,
      room: event.room ?? device.room,
      episodic: false,
      // A worn device's own alarm (a pendant press, a wearable's fall report): its configured room is where it was
      // set up; the detail says where the home's sensors last placed someone instead (session 36).
      detail: {
        eventType: event.type,
        source: event.source,
        ...(isWorn(device.kind) ? wornDetail(home, device, at) : {}),
      },
    });
  },
} satisfies RuleDefinition<undefined, HazardSlice>;
