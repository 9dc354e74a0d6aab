// The ACLs' topic classes (MqttAccess.classify) of `telecare/` topics, read in place by their slashes (session 33:
// they were read with `split` on every alert delivery), against the level-by-level reading they replace.
import { describe, expect, it } from 'vitest';
import { DeviceIndex, parseHubConfig } from '../../hub/config.js';
import { MqttAccess, type TopicClass } from '../../hub/mqtt-auth.js';
import { HUB_STATUS_TOPIC, parseNativeEventsTopic } from '../../hub/topics.js';

/** The classes of `telecare/` topics as they were read before session 33: by their levels (`split`). */
function byLevels(topic: string): TopicClass {
  if (topic === HUB_STATUS_TOPIC) return { class: 'status' };
  const native = parseNativeEventsTopic(topic);
  if (native) return { class: 'sensor', homeId: native.homeId };
  const parts = topic.split('/');
  const homeId = parts[1] ?? '';
  if (parts[2] === 'prealert' && parts.length === 3) return { class: 'prealert', homeId };
  if (parts[2] === 'alerts' && parts.length >= 4) {
    const ack = parts.length === 5 && parts[4] === 'ack';
    return ack ? { class: 'alert-ack', homeId } : { class: 'alert', homeId };
  }
  if (homeId === 'bridge' && parts.length === 4 && parts[3] === 'status' && parts[2] !== '')
    return { class: 'bridge-status' };
  return { class: 'reserved' };
}

const access = new MqttAccess(new DeviceIndex(parseHubConfig({ homes: [{ id: 'h1', devices: [] }] })), 'zigbee2mqtt');

describe('topic classes of telecare/ topics', () => {
  it('are the level-by-level reading for every topic of up to five levels from the words that matter', () => {
    // Every word the classes look at, near misses of them (one letter more or less), and the empty level.
    const words = ['', 'h1', 'bridge', 'bridg', 'alerts', 'alert', 'prealert', 'ack', 'acks', 'status', 'devices'];
    const words2 = [...words, 'events', 'hub'];
    let topics = words2.map((w) => `telecare/${w}`);
    const all: string[] = [...topics];
    for (let level = 2; level <= 5; level++) {
      topics = topics.flatMap((t) => words.map((w) => `${t}/${w}`));
      for (const t of topics) all.push(t);
    }
    all.push(HUB_STATUS_TOPIC, 'telecare/h1/devices/p1/events', 'telecare/', 'telecare//alerts//ack');
    const seen = new Set<string>();
    const homeOf = (c: TopicClass): string | undefined => ('homeId' in c ? c.homeId : undefined);
    const differing: string[] = [];
    for (const topic of all) {
      const expected = byLevels(topic);
      const got = access.classify(topic);
      if (
        got.class !== expected.class ||
        homeOf(got) !== homeOf(expected) ||
        Object.keys(got).length !== Object.keys(expected).length
      )
        differing.push(`${topic}: ${JSON.stringify(got)} instead of ${JSON.stringify(expected)}`);
      seen.add(expected.class);
    }
    expect(differing.slice(0, 10)).toEqual([]);
    // The words reach every class of telecare/ topics.
    expect([...seen].sort()).toEqual(
      ['alert', 'alert-ack', 'bridge-status', 'prealert', 'reserved', 'sensor', 'status'].sort(),
    );
    expect(all.length).toBeGreaterThan(100_000);
  });

  it('gives the classes the ACLs act on for the usual topics', () => {
    expect(access.classify('telecare/h1/alerts/a-1')).toEqual({ class: 'alert', homeId: 'h1' });
    expect(access.classify('telecare/h1/alerts/a-1/ack')).toEqual({ class: 'alert-ack', homeId: 'h1' });
    expect(access.classify('telecare/h1/alerts/a-1/ack/x')).toEqual({ class: 'alert', homeId: 'h1' });
    expect(access.classify('telecare/h1/prealert')).toEqual({ class: 'prealert', homeId: 'h1' });
    expect(access.classify('telecare/bridge/usb0/status')).toEqual({ class: 'bridge-status' });
    expect(access.classify('telecare/bridge/alerts/a-1')).toEqual({ class: 'alert', homeId: 'bridge' });
    expect(access.classify('telecare/bridge//status')).toEqual({ class: 'reserved' });
  });
});
