// Review s50: an ndjson accel batch with one sample its firmware could not read (null) or a glitch out of range is
// published with that sample as null in its place, not dropped whole (the batch may hold a fall's impact; the hub keeps
// the rest); a batch with nothing usable is still dropped and counted as 'value'. Real socat ptys, aedes, bridge CLI.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  requireBuiltCli,
  startRig,
  stopRig,
  waitFor,
  writeToSerial,
  type BridgeRig,
  type SerialPair,
  type Subscriber,
} from './helpers.js';

const rig: BridgeRig = {};
let pair: SerialPair;
let subscriber: Subscriber;

beforeAll(async () => {
  requireBuiltCli();
  ({ pair, subscriber } = await startRig(rig, 'review-s50-accel-glitch-', 'rx-glitch', [
    '--framing',
    'ndjson',
    '--home',
    'h1',
    '--status-interval-ms',
    '200',
  ]));
});

afterAll(() => stopRig(rig));

type Published = { type: string; value: { rate: number; samples: unknown[] } };

describe('an ndjson accel batch with samples the hub cannot use', () => {
  it('goes out with each such sample as null in its place; one with nothing usable is counted and dropped', async () => {
    const samples: unknown[] = Array.from({ length: 40 }, (_, i) => [0.01 * i, 0, 1]);
    samples[12] = null; // a NaN its firmware wrote as null
    samples[25] = [0, 400, 1]; // a glitch: 400 g on one axis
    const before = subscriber.lastStatus('rx-glitch')!;
    const lines = [
      { device: 'watch', type: 'accel', value: { rate: 20, samples } },
      { device: 'watch2', type: 'accel', value: { rate: 20, samples: [null, null] } },
      { device: 'p1', type: 'pendant', value: true },
    ];
    writeToSerial(pair.receiverEnd, lines.map((l) => `${JSON.stringify(l)}\n`).join(''));

    await waitFor('the press', () => subscriber.on('telecare/h1/devices/p1/events')[0]);
    const [batch, ...more] = subscriber.on('telecare/h1/devices/watch/events') as Published[];
    expect(more).toEqual([]);
    expect(batch?.value.rate).toBe(20);
    expect(batch?.value.samples).toHaveLength(40);
    expect(batch?.value.samples[12]).toBeNull();
    expect(batch?.value.samples[25]).toBeNull();
    expect(batch?.value.samples[24]).toEqual([0.24, 0, 1]);
    expect(subscriber.on('telecare/h1/devices/watch2/events')).toEqual([]);
    const status = await waitFor('the drop counted', () => {
      const s = subscriber.lastStatus('rx-glitch');
      return s && s.badFrames.value === (before.badFrames.value ?? 0) + 1 ? s : undefined;
    });
    expect(status.badFrames.value).toBe((before.badFrames.value ?? 0) + 1);
  }, 60_000);
});
