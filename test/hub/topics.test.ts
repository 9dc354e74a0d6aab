// Topic parsing and subscription matching (hub/topics.ts), read in place without split: same answers as MQTT's rules.
import { describe, expect, it } from 'vitest';
import { parseNativeEventsTopic, topicMatches } from '../../hub/topics.js';

describe('parseNativeEventsTopic', () => {
  it.each([
    ['telecare/h1/devices/p1/events', { homeId: 'h1', deviceId: 'p1' }],
    ['telecare/flat-12/devices/kitchen-pir/events', { homeId: 'flat-12', deviceId: 'kitchen-pir' }],
    ['telecare//devices/p1/events', null],
    ['telecare/h1/devices//events', null],
    ['telecare/h1/devices/p/1/events', null],
    ['telecare/h1/devices/events', null],
    ['telecare/h1/x/devices/p1/events', null],
    ['telecare/h1/devicesp1/events', null],
    ['telecare/h1/devices/p1/events/', null],
    ['telecare/h1/alerts/a1/ack', null],
    ['other/h1/devices/p1/events', null],
  ])('%s → %j', (topic, ids) => {
    expect(parseNativeEventsTopic(topic)).toEqual(ids);
  });
});

describe('parseNativeEventsTopic, called twice per message (the ACL check, then ingest)', () => {
  it('answers each topic for itself however the calls interleave, the same topic again with the same ids', () => {
    const topics = ['telecare/h1/devices/p1/events', 'telecare/h2/devices/pir/events', 'telecare/h1/alerts/a1/ack'];
    const expected = [{ homeId: 'h1', deviceId: 'p1' }, { homeId: 'h2', deviceId: 'pir' }, null];
    for (const i of [0, 0, 1, 1, 0, 2, 2, 1, 0, 2, 0]) {
      // A copy made at run time: equal text in another string, as each MQTT packet's topic is.
      const topic = `${topics[i] ?? ''}${String(i).slice(1)}`;
      expect(parseNativeEventsTopic(topic), topic).toEqual(expected[i]);
    }
  });
});

describe('topicMatches', () => {
  it.each([
    ['telecare/+/alerts/+/ack', 'telecare/h1/alerts/a1/ack', true],
    ['telecare/+/alerts/+/ack', 'telecare/h1/alerts/a1', false],
    ['telecare/+/alerts/+/ack', 'telecare/h1/alerts/a1/ack/result', false],
    ['telecare/+/alerts/+/ack', 'telecare//alerts//ack', true],
    ['telecare/+/devices/+/events', 'telecare/h1/devices/p1/events', true],
    ['telecare/+/devices/+/events', 'telecare/h1/devices/p1/eventsx', false],
    ['telecare/+/devices/+/events', 'telecare/h1/devices/p1/event', false],
    ['a/#', 'a', true],
    ['a/#', 'a/b/c', true],
    ['a/#', 'ab', false],
    ['#', 'anything/at/all', true],
    ['+', 'a', true],
    ['+', 'a/b', false],
    ['a/+', 'a/', true],
    ['a/b', 'a/b', true],
    ['a/b', 'a/bc', false],
    ['a/b/c', 'a/b', false],
    ['', '', true],
    ['/', '/', true],
  ])('%s on %s → %s', (filter, topic, matches) => {
    expect(topicMatches(filter, topic)).toBe(matches);
  });

  it('answers as a level-by-level comparison of the split filter and topic, for 20,000 random pairs', () => {
    const words = ['a', 'b', '', 'ab', 'telecare', 'alerts', 'ack', '+', '#'];
    let seed = 7;
    const next = (k: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % k;
    };
    const make = (): string => Array.from({ length: 1 + next(5) }, () => words[next(words.length)] ?? '').join('/');
    const bySplit = (filter: string, topic: string): boolean => {
      const f = filter.split('/');
      const t = topic.split('/');
      for (const [i, level] of f.entries()) {
        if (level === '#') return true;
        if (i >= t.length) return false;
        if (level !== '+' && level !== t[i]) return false;
      }
      return f.length === t.length;
    };
    for (let i = 0; i < 20_000; i++) {
      const filter = make();
      const topic = make().replace(/[+#]/g, 'x');
      expect(topicMatches(filter, topic), `${filter} on ${topic}`).toBe(bySplit(filter, topic));
    }
  });
});
