// The one internal event type, the homes' configuration (what the rules need of it) and the rules' decisions, shared by every module.
import type { AlertKind, DeviceKind, EventSource, EventType, Severity } from './vocabulary.js';
import type { RuleOverrides } from './params.js';

/** `accel` value (SPEC 4.1): samples in g, gravity included, first sample at the event's `ts`. */
export interface AccelValue {
  rate: number;
  samples: [number, number, number][];
}

export type EventValue = boolean | number | AccelValue;

/**
 * One sensor event after ingest normalised it, whatever its source (native MQTT, Zigbee2MQTT,
 * serial, HTTP, replay). Nothing downstream knows where it came from except through `source`.
 */
export interface SensorEvent {
  homeId: string;
  deviceId: string;
  type: EventType;
  value: EventValue;
  /** Event time, epoch milliseconds (the sender's `ts`, or the hub's receive time when absent). */
  ts: number;
  source: EventSource;
  /** Resolved from the configuration (or a replay line); absent for unassigned devices. */
  room?: string;
  kind?: DeviceKind;
  /** False for a device that is not in the configuration: kept, but raises no resident alerts. */
  assigned: boolean;
  /** The sender's own `ts` when it was implausible (a reset clock) and `ts` is the hub's receive time instead. */
  sensorTs?: number;
}

export interface DeviceConfig {
  /** Id on the native topic. */
  id: string;
  /** Zigbee2MQTT friendly name (may contain `/`). */
  zigbee?: string;
  kind: DeviceKind;
  room?: string;
  /** For a `pendant` or `wearable`: which resident wears it. */
  residentId?: string;
}

export interface ResidentConfig {
  id: string;
}

export interface HomeConfig {
  id: string;
  /** IANA zone, e.g. Europe/London. */
  timezone: string;
  nightWindow: { start: string; end: string };
  away: boolean;
  residents: ResidentConfig[];
  devices: DeviceConfig[];
  rules: RuleOverrides;
  /** From the care plan, for the first weeks before the hub has learned (SPEC 3); local HH:MM. */
  routine?: { usualRisingTime?: string; usualBedtime?: string };
  /** Name of the escalation ladder for this home's alerts (default: "default"). */
  escalation?: string;
}

/** What the rules engine asks the alert service to do. Pure data; the hub carries it out. */
export type RuleDecision =
  | {
      type: 'raise';
      homeId: string;
      residentId?: string;
      kind: AlertKind;
      severity: Severity;
      /** Event time at which the condition was found. */
      at: number;
      room?: string;
      deviceId?: string;
      detail: Record<string, unknown>;
      /**
       * Only a change to the open alert of its home and kind (what it says now, e.g. the devices still offline once one
       * is back): with none open (a responder resolved it), nothing is raised. The rules are not told of a resolution.
       */
      repeatOnly?: true;
    }
  | {
      /** The condition ended before anyone acknowledged (e.g. the resident moved again): cancel an open, unacknowledged alert. */
      type: 'clear';
      homeId: string;
      kind: AlertKind;
      at: number;
      reason: string;
    }
  | { type: 'prealert'; homeId: string; kind: AlertKind; raiseAt: number; at: number }
  | { type: 'prealert-cancel'; homeId: string; kind: AlertKind; at: number };
