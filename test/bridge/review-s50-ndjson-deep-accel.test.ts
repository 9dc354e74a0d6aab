// Review s50: an ndjson accel line with an extra key nested thousands deep neither ends the bridge nor is forwarded; the press after it still goes out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_LINE_BYTES } from '../../firmware-bridge/ndjson-line.js';
import {
  requireBuiltCli,
  startRig,
  stopRig,
  waitFor,
  writeToSerial,
  type BridgeProcess,
  type BridgeRig,
  type SerialPair,
  type Subscriber,
} from './helpers.js';

const rig: BridgeRig = {};
let pair: SerialPair;
let subscriber: Subscriber;
let bridge: BridgeProcess;

beforeAll(async () => {
  requireBuiltCli();
  ({ pair, subscriber, bridge } = await startRig(rig, 'review-s50-ndjson-deep-', 'rx-deep', [
    '--framing',
    'ndjson',
    '--home',
    'h1',
  ]));
});

afterAll(() => stopRig(rig));

describe('an ndjson accel line carrying more than rate and samples', () => {
  it('is published as its rate and samples alone, and the bridge carries on to the next line', async () => {
    const depth = 30_000;
    const accel = `{"device":"watch","type":"accel","value":{"rate":50,"samples":[[0,0,1]],"note":${'['.repeat(depth)}${']'.repeat(depth)}}}`;
    expect(Buffer.byteLength(accel)).toBeLessThanOrEqual(MAX_LINE_BYTES);
    writeToSerial(pair.receiverEnd, `${accel}\n{"device":"p1","type":"pendant","value":true}\n`);

    const exited = (): string | undefined =>
      bridge.child.exitCode !== null || bridge.child.signalCode !== null ? 'bridge exited' : undefined;
    const press = await waitFor(
      'the press, or the bridge gone',
      () => exited() ?? subscriber.on('telecare/h1/devices/p1/events')[0],
    );
    expect(press).toMatchObject({ type: 'pendant', value: true });
    expect(subscriber.on('telecare/h1/devices/watch/events')).toMatchObject([
      { type: 'accel', value: { rate: 50, samples: [[0, 0, 1]] } },
    ]);
    expect(Object.keys((subscriber.on('telecare/h1/devices/watch/events')[0] as { value: object }).value)).toEqual([
      'rate',
      'samples',
    ]);
    expect(exited()).toBeUndefined();
  }, 60_000);
});
