// Story: an ndjson receiver resets while its USB serial adapter, and so the port, stays: what it was writing is cut off
// without its newline, or the reset puts a stray byte on the line before its next one.
import { afterEach, beforeAll, expect, it } from 'vitest';
import { requireBuiltCli, startRig, stopRig, waitFor, writeToSerial, type BridgeRig } from './helpers.js';

const rig: BridgeRig = {};

beforeAll(requireBuiltCli);
afterEach(() => stopRig(rig));

it('delivers the line after a cut-off one, and a line after a stray byte, counting what came before each as bad', async () => {
  const { pair, subscriber } = await startRig(rig, 'bridge-ndjson-reset-', 'rx-nd', [
    '--framing',
    'ndjson',
    '--home',
    'h1',
  ]);
  writeToSerial(
    pair.receiverEnd,
    Buffer.concat([
      // Cut off by the reset as it was being written: no newline ever ends it.
      Buffer.from('{"device":"hall-pir","type":"motion","val'),
      // The receiver's first line after its restart: the pendant it heard.
      Buffer.from('{"device":"p1","type":"pendant","value":true}\n'),
      // A stray byte the reset put on the line (0xFF, 0x00 and 0xF0 are common), then the next press.
      Buffer.from([0xff]),
      Buffer.from('{"device":"p2","type":"pendant","value":true}\n'),
      Buffer.from('{"device":"hall-pir","type":"motion","value":true}\n'),
    ]),
  );
  await waitFor('the motion after both', () => subscriber.on('telecare/h1/devices/hall-pir/events').length === 1);
  const status = await waitFor('counters', () => {
    const s = subscriber.lastStatus('rx-nd');
    return s && s.framesOk + s.badFramesTotal >= 3 ? s : undefined;
  });
  expect.soft(subscriber.on('telecare/h1/devices/p1/events')).toMatchObject([{ type: 'pendant', value: true }]);
  expect.soft(subscriber.on('telecare/h1/devices/p2/events')).toMatchObject([{ type: 'pendant', value: true }]);
  // What stood before each good line is still counted: the installer sees the receiver garbled two lines.
  expect(status.badFrames).toEqual({ json: 2 });
});
