// What the bridge publishes: one native event (SPEC 4.1) for one device of one home.
import { isEmergency as isEmergencyEvent, type NativeEventType } from '../rules/vocabulary.js';
import type { EventValue } from '../rules/types.js';

export interface BridgeEvent {
  homeId: string;
  deviceId: string;
  type: NativeEventType;
  value: EventValue;
  /** ISO-8601 or epoch milliseconds, as SPEC 4.1 allows. */
  ts: string | number;
}

/** Home and device ids become MQTT topic levels: no `/`, `+`, `#`, spaces or control characters. */
export const TOPIC_LEVEL_PATTERN = /^[A-Za-z0-9._:@-]{1,64}$/;

export function nativeEventTopic(event: BridgeEvent): string {
  return `telecare/${event.homeId}/devices/${event.deviceId}/events`;
}

export function nativeEventPayload(event: BridgeEvent): string {
  return JSON.stringify({ type: event.type, value: event.value, ts: event.ts });
}

/**
 * A pendant press, a fall or a hazard alarm going on (not its all-clear): what the hub raises at once as a critical
 * alert (SPEC 6, rules/vocabulary.ts), kept when a full queue must drop something.
 */
export function isEmergency(event: Pick<BridgeEvent, 'type' | 'value'>): boolean {
  return isEmergencyEvent(event.type, event.value);
}
