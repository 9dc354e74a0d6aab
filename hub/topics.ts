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

/** The ids of a native events topic (shared between callers: never changed). */
export type NativeTopicIds = Readonly<{ homeId: string; deviceId: string }>;

// The last topic parsed and its ids: the broker's ACL check and ingest parse the same message's topic (the same
// string) one after the other, so the second is a comparison of two references instead of two slices and an object.
let lastTopic: string | undefined;
let lastIds: NativeTopicIds | null = null;

/**
 * `telecare/<homeId>/devices/<deviceId>/events` → its ids, or null for any other topic. Read in place, without
 * `split`: it runs for every message (the ACL check and ingest), tens of thousands a second.
 */
export function parseNativeEventsTopic(topic: string): NativeTopicIds | null {
  if (topic === lastTopic) return lastIds;
  const ids = parseNativeIds(topic);
  lastTopic = topic;
  lastIds = ids;
  return ids;
}

function parseNativeIds(topic: string): NativeTopicIds | null {
  if (!topic.startsWith('telecare/') || !topic.endsWith('/events')) return null;
  const homeEnd = topic.indexOf('/', 9);
  if (homeEnd <= 9 || !topic.startsWith('/devices/', homeEnd)) return null;
  const deviceStart = homeEnd + 9;
  const deviceEnd = topic.length - 7;
  // The device id is one non-empty level: no '/' between it and '/events'.
  if (deviceEnd <= deviceStart || topic.indexOf('/', deviceStart) !== deviceEnd) return null;
  return { homeId: topic.slice(9, homeEnd), deviceId: topic.slice(deviceStart, deviceEnd) };
}

/** Whether `topic` is an alert's own topic, `telecare/<homeId>/alerts/<alertId>` (not its ack topic). */
export function isAlertTopic(topic: string): boolean {
  const parts = topic.split('/');
  return parts.length === 4 && parts[0] === 'telecare' && parts[2] === 'alerts' && parts[1] !== '' && parts[3] !== '';
}

/** `telecare/<homeId>/alerts/<alertId>/ack` → its ids, or null. */
export function parseAlertAckTopic(topic: string): { homeId: string; alertId: string } | null {
  const parts = topic.split('/');
  const [root, homeId, alerts, alertId, ack] = parts;
  if (parts.length !== 5 || root !== 'telecare' || alerts !== 'alerts' || ack !== 'ack') return null;
  return { homeId: homeId ?? '', alertId: alertId ?? '' };
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

/**
 * Whether `topic` matches the MQTT subscription `filter` (with `+` and `#` wildcards). Compared level by level in
 * place, without `split` or slices: the hub's own subscriptions are matched against every message it takes.
 */
export function topicMatches(filter: string, topic: string): boolean {
  let f = 0;
  let t = 0;
  for (;;) {
    const fEnd = endOfLevel(filter, f);
    const tEnd = endOfLevel(topic, t);
    if (isWildcardLevel(filter, f, fEnd, HASH)) return true;
    if (!isWildcardLevel(filter, f, fEnd, PLUS) && !sameLevel(filter, f, fEnd, topic, t, tEnd)) return false;
    const filterDone = fEnd === filter.length;
    const topicDone = tEnd === topic.length;
    if (filterDone || topicDone) {
      if (filterDone && topicDone) return true;
      // `a/#` matches `a`: the filter's next level is `#`.
      return topicDone && isWildcardLevel(filter, fEnd + 1, endOfLevel(filter, fEnd + 1), HASH);
    }
    f = fEnd + 1;
    t = tEnd + 1;
  }
}

const PLUS = 43;
const HASH = 35;

/** Whether the level `s[from, end)` is exactly the one wildcard character `code`. */
function isWildcardLevel(s: string, from: number, end: number, code: number): boolean {
  return end - from === 1 && s.charCodeAt(from) === code;
}

function sameLevel(a: string, aFrom: number, aEnd: number, b: string, bFrom: number, bEnd: number): boolean {
  if (aEnd - aFrom !== bEnd - bFrom) return false;
  for (let i = 0; i < aEnd - aFrom; i++) if (a.charCodeAt(aFrom + i) !== b.charCodeAt(bFrom + i)) return false;
  return true;
}

function endOfLevel(s: string, from: number): number {
  const slash = s.indexOf('/', from);
  return slash < 0 ? s.length : slash;
}
