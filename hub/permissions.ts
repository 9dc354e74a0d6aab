// The one permission table of the hub: which role may do which action, read by the MQTT ACLs and the dashboard's route checks alike.
import type { Role } from '../rules/vocabulary.js';

/** MQTT roles: the credential kinds of `mqttUsers[].role`, plus `local` (an anonymous client on the Pi itself). */
export type MqttRole = 'installer' | 'device' | 'bridge' | 'responder' | 'local';

/** Every kind of caller: dashboard users and tokens (`Role`) and MQTT clients (`MqttRole`). */
export type AnyRole = Role | MqttRole;

/**
 * What can be done, over either transport. Alerts, pre-alerts, hub status, Zigbee2MQTT commands and `$SYS` are
 * not in the table: only the hub itself publishes them (it does so inside the broker, past the ACLs), and only the
 * hub reads `$SYS`.
 */
export const PERMISSION_TABLE = {
  /** Read alerts (MQTT `telecare/<home>/alerts/#`, `GET /api/alerts`, the SSE stream); `local`: a console on the Pi. */
  'alerts.read': ['admin', 'responder', 'local'],
  /** Acknowledge an alert (MQTT ack topic with `{}` or `{"action":"acknowledge"}`, `POST /api/alerts/:id/ack`). */
  'alert.acknowledge': ['admin', 'responder'],
  /** Resolve an alert with an outcome (MQTT ack topic with `{"action":"resolve"}`, `POST .../resolve`). */
  'alert.resolve': ['admin', 'responder'],
  /** Send sensor data: native events, Zigbee2MQTT device state and availability, `POST /api/events`. */
  'sensor.publish': ['admin', 'installer', 'device', 'bridge', 'local'],
  /** Read other devices' sensor data on MQTT (installers testing sensors, tools on the Pi). */
  'sensor.read': ['installer', 'local'],
  /** Read the pre-alert of a home: a chime or voice unit in the home is a device. Responders never see them. */
  'prealert.read': ['device', 'bridge', 'local'],
  /** Read the hub's online/offline status. */
  'status.read': ['installer', 'device', 'bridge', 'responder', 'local'],
  /** Zigbee2MQTT's own reports (`<base>/bridge/state`, `/info`, `/devices`, `/response/...`), not requests. */
  'zigbee.bridge.publish': ['bridge', 'local'],
  /** Read Zigbee2MQTT requests and `/set`/`/get` commands (Zigbee2MQTT itself must receive the hub's commands). */
  'zigbee.command.read': ['bridge', 'local'],
  /** Read Zigbee2MQTT's own reports (device list, bridge state). */
  'zigbee.bridge.read': ['installer', 'local'],
  /**
   * A serial bridge's retained status and last will (`telecare/bridge/<name>/status`, `telecare bridge`): the
   * bridge on the Pi, or a remote one with its bridge or installer credential. Refusing it would drop the bridge's
   * connection before its events got through.
   */
  'bridge.status.publish': ['installer', 'bridge', 'local'],
  /** Read serial bridges' status (installers checking a receiver, tools on the Pi). */
  'bridge.status.read': ['installer', 'local'],
  /** Topics outside `telecare/` and the Zigbee2MQTT base topic. */
  'other.publish': ['installer', 'local'],
  'other.read': ['installer', 'local'],
  'homes.read': ['admin', 'installer'],
  'devices.read': ['admin', 'installer'],
  'reports.read': ['admin', 'analyst'],
  'metrics.read': ['admin'],
  'users.manage': ['admin'],
  'tokens.manage': ['admin'],
} as const satisfies Record<string, readonly AnyRole[]>;

export type Action = keyof typeof PERMISSION_TABLE;

export const ACTIONS = Object.keys(PERMISSION_TABLE) as Action[];

/** Whether `role` may do `action` (home scoping of MQTT credentials is applied on top, in mqtt-auth). */
export function allows(role: AnyRole, action: Action): boolean {
  return (PERMISSION_TABLE[action] as readonly AnyRole[]).includes(role);
}

/** The roles allowed to do `action` (for error messages and documentation). */
export function rolesAllowed(action: Action): readonly AnyRole[] {
  return PERMISSION_TABLE[action];
}
