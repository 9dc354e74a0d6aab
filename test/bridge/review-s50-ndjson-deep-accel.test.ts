// Review s50: an ndjson accel line with an extra key nested thousands deep neither ends the bridge nor is forwarded; the press after it still goes out.
import { describe, expect, it } from 'vitest';
import { MAX_LINE_BYTES } from '../../firmware-bridge/ndjson-line.js';
import { rigPerFile, waitFor, writeToSerial } from './helpers.js';

const rig = rigPerFile('review-s50-ndjson-deep-', 'rx-deep', ['--framing', 'ndjson', '--home', 'h1']);

describe('an ndjson accel line carrying more than rate and samples', () => {
  it('is published as its rate and samples alone, and the bridge carries on to the next line', async () => {
    const depth = 30_000;
    const accel = `{"device":"watch","type":"accel","value":{"rate":50,"samples":[[0,0,1]],"note":${'['.repeat(depth)}${']'.repeat(depth)}}}`;
    expect(Buffer.byteLength(accel)).toBeLessThanOrEqual(MAX_LINE_BYTES);
    writeToSerial(rig.pair.receiverEnd, `${accel}\n{"device":"p1","type":"pendant","value":true}\n`);

    const exited = (): string | undefined =>
      rig.bridge.child.exitCode !== null || rig.bridge.child.signalCode !== null ? 'bridge exited' : undefined;
    const press = await waitFor(
      'the press, or the bridge gone',
      () => exited() ?? rig.subscriber.on('telecare/h1/devices/p1/events')[0],
    );
    expect(press).toMatchObject({ type: 'pendant', value: true });
    expect(rig.subscriber.on('telecare/h1/devices/watch/events')).toMatchObject([
      { type: 'accel', value: { rate: 50, samples: [[0, 0, 1]] } },
    ]);
    expect(Object.keys((rig.subscriber.on('telecare/h1/devices/watch/events')[0] as { value: object }).value)).toEqual([
      'rate',
      'samples',
    ]);
    expect(exited()).toBeUndefined();
  }, 60_000);
});
