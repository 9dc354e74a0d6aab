// The MQTT topics of SPEC 4 and 5 in one place: how to build them, recognise them and match subscription filters.

export const HUB_STATUS_TOPIC = 'telecare/hub/status';
export const NATIVE_EVENTS_FILTER = 'telecare/+/devices/+/events';

export function alertTopic(homeId: string, alertId: string): string {
  return `telecare/${homeId}/alerts/${alertId}`;
}

export function alertAckTopic(homeId: string, alertId: string): string {
  return `telecare/${homeId}/alerts/${alertId}/ack`;
}

export function prealertTopic(homeId: string): string {
  return `telecare/${homeId}/prealert`;
}

/** `telecare/<homeId>/devices/<deviceId>/events` → its ids, or null for any other topic. */
export function parseNativeEventsTopic(topic: string): { homeId: string; deviceId: string } | null {
  if (!topic.startsWith('telecare/') || !topic.endsWith('/events')) return null;
  const parts = topic.split('/');
  if (parts.length !== 5 || parts[2] !== 'devices' || parts[1] === '' || parts[3] === '') return null;
  return { homeId: parts[1], deviceId: parts[3] };
}

/** `telecare/<homeId>/alerts/<alertId>/ack` → its ids, or null. */
export function parseAlertAckTopic(topic: string): { homeId: string; alertId: string } | null {
  const parts = topic.split('/');
  if (parts.length !== 5 || parts[0] !== 'telecare' || parts[2] !== 'alerts' || parts[4] !== 'ack') return null;
  return { homeId: parts[1], alertId: parts[3] };
}

/** Topics only the hub itself may publish on: alerts (but their ack topic), hub status, pre-alerts. */
export function isHubOnlyTopic(topic: string): boolean {
  if (!topic.startsWith('telecare/')) return false;
  if (topic === HUB_STATUS_TOPIC) return true;
  const parts = topic.split('/');
  if (parts[2] === 'prealert') return parts.length === 3;
  if (parts[2] === 'alerts') return parseAlertAckTopic(topic) === null;
  return false;
}

/** Whether `topic` matches the MQTT subscription `filter` (with `+` and `#` wildcards). */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}
