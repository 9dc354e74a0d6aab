// The pure parts of `hotPathTrace --alloc-account` (bench/allocAccount.ts): which stage a heap-profile frame
// belongs to, the bytes of a profile by stage (Node's own frames counted to their caller), and the bytes allocated
// between collections from V8's GC profile.
import { describe, expect, it } from 'vitest';
import { allocatedBetweenCollections, bytesByStage, stageOf } from '../../bench/allocAccount.js';

const dist = 'file:///work/x/dist';
const frame = (url: string, functionName = 'f', selfSize = 0, children: unknown[] = []): unknown => ({
  callFrame: { url, functionName, lineNumber: 0 },
  selfSize,
  children,
});

describe('allocation account', () => {
  it('names the stage of a frame by module or package, and none for Node and V8', () => {
    expect(stageOf(`${dist}/hub/ingest.js`, 'parseJson')).toBe('ingest: JSON.parse');
    expect(stageOf(`${dist}/hub/topics.js`, 'parseNativeEventsTopic')).toBe('ingest: topic, validation, event');
    expect(stageOf(`${dist}/hub/ack-watermark.js`, 'kick')).toBe('store: append, bind, group commit, ack');
    expect(stageOf(`${dist}/hub/alerts/outbox.js`, 'enqueue')).toBe('alert: outbox');
    expect(stageOf(`${dist}/rules/engine.js`, 'handleFirst')).toBe('rules: engine');
    expect(stageOf(`${dist}/hub/rules-runner.js`, 'feed')).toBe('rules: runner, timer');
    expect(stageOf(`${dist}/hub/mqtt-auth.js`, 'canRead')).toBe('broker: hooks, delivery');
    expect(stageOf('file:///w/node_modules/mqtt-packet/parser.js', '_newPacket')).toBe('mqtt-packet: parse, write');
    expect(stageOf('file:///w/node_modules/aedes/lib/client.js', 'deliver')).toBe('aedes');
    expect(stageOf(`${dist}/bench/hotPathTrace.js`, 'mark')).toBe('tool');
    expect(stageOf('node:internal/streams/writable', 'writeOrBuffer')).toBeUndefined();
    expect(stageOf('', '(V8 API)')).toBeUndefined();
  });

  it("counts a sample to the innermost frame of a stage on its stack, Node's own to their caller", () => {
    const profile = frame('', '(root)', 0, [
      frame(`${dist}/hub/ingest.js`, 'fromMqtt', 100, [
        frame('', 'JSON.parse', 40),
        frame('node:internal/buffer', 'toString', 10, [frame(`${dist}/hub/topics.js`, 'parse', 7)]),
      ]),
      frame('node:net', 'onStreamRead', 30, [frame('file:///w/node_modules/aedes/lib/client.js', 'nextBatch', 5)]),
    ]);
    const { stages, sites } = bytesByStage(profile as Parameters<typeof bytesByStage>[0]);
    expect(Object.fromEntries(stages)).toEqual({
      'ingest: topic, validation, event': 157,
      'node: sockets, streams, timers (no caller of ours)': 30,
      aedes: 5,
    });
    expect(sites.get('hub/ingest.js:1 fromMqtt')).toBe(150);
    expect(sites.get('(node)')).toBe(30);
  });

  it('takes the bytes allocated as the used heap grown from one collection to the next', () => {
    const gc = (before: number, after: number): Parameters<typeof allocatedBetweenCollections>[0][number] => ({
      beforeGC: { heapStatistics: { usedHeapSize: before } },
      afterGC: { heapStatistics: { usedHeapSize: after } },
    });
    // 3 MB after the first, 4 MB used at the second (1 MB allocated), 2 MB after it, 5 MB at the third (3 MB).
    expect(allocatedBetweenCollections([gc(9e6, 3e6), gc(4e6, 2e6), gc(5e6, 1e6)])).toBe(4e6);
    expect(allocatedBetweenCollections([gc(9e6, 3e6)])).toBe(0);
  });
});
