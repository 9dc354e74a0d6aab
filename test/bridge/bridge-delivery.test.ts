// Story: a receiver on a serial port speaks ndjson or cobs; its frames become native events on the broker.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
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
import { documentedWireExamples, motion, pendantPress, wire } from './fixtures.js';

const rig: BridgeRig = {};
let pair: SerialPair | undefined;
let subscriber: Subscriber | undefined;

beforeAll(requireBuiltCli);

afterEach(async () => {
  await stopRig(rig);
  pair = subscriber = undefined;
});

async function setUp(framing: 'ndjson' | 'cobs', extraArgs: string[] = []): Promise<void> {
  ({ pair, subscriber } = await startRig(rig, 'bridge-delivery-', 'rx1', ['--framing', framing, ...extraArgs]));
}

describe('cobs framing', () => {
  it('publishes the worked example of PROTOCOL.md as the native events it documents', async () => {
    await setUp('cobs', ['--home', 'h1']);
    const examples = documentedWireExamples();
    expect([...examples.keys()]).toEqual(['temperature', 'pendant', 'heartbeat']);
    writeToSerial(pair!.receiverEnd, Buffer.concat([...examples.values()]));

    const kitchen = await waitFor('temperature event', () => subscriber!.on('telecare/h1/devices/kitchen/events')[0]);
    expect(kitchen).toMatchObject({ type: 'temperature', value: 21.5 });
    expect(Date.parse((kitchen as { ts: string }).ts)).not.toBeNaN();
    const pendant = await waitFor('pendant event', () => subscriber!.on('telecare/h1/devices/p1/events')[0]);
    expect(pendant).toMatchObject({ type: 'pendant', value: true });
    // The receiver's own heartbeat is a heartbeat of the device named by --name, so sensor-offline watches it.
    const heartbeat = await waitFor('receiver heartbeat', () => subscriber!.on('telecare/h1/devices/rx1/events')[0]);
    expect(heartbeat).toMatchObject({ type: 'heartbeat', value: true });
  });

  it('drops radio retransmits and counts lost frames from sequence numbers', async () => {
    await setUp('cobs', ['--home', 'h1']);
    // Seq 1 sent three times (a 433 MHz sensor repeating itself), then seq 5: frames 2-4 were lost.
    writeToSerial(
      pair!.receiverEnd,
      wire(motion('hall-pir', 1), motion('hall-pir', 1), motion('hall-pir', 1), motion('hall-pir', 5, false)),
    );

    const status = await waitFor('counters', () => {
      const s = subscriber!.lastStatus('rx1');
      return s && s.framesOk === 2 ? s : undefined;
    });
    expect(status).toMatchObject({ duplicates: 2, gaps: 3, badFramesTotal: 0 });
    const events = subscriber!.on('telecare/h1/devices/hall-pir/events');
    expect(events.map((e) => (e as { value: boolean }).value)).toEqual([true, false]);
  });

  it('publishes events with QoS 1', async () => {
    await setUp('cobs', ['--home', 'h1']);
    const qos: number[] = [];
    subscriber!.client.on('message', (topic, _payload, packet) => topic.endsWith('/events') && qos.push(packet.qos));
    writeToSerial(pair!.receiverEnd, wire(pendantPress('p1', 1)));
    await waitFor('pendant event', () => qos.length === 1);
    expect(qos).toEqual([1]);
  });
});

describe('ndjson framing', () => {
  it('publishes one native event per line, home from the line or from --home', async () => {
    await setUp('ndjson', ['--home', 'h1']);
    writeToSerial(
      pair!.receiverEnd,
      [
        '{"device":"p1","type":"pendant","value":true}',
        '{"device":"kitchen","home":"flat-12","type":"temperature","value":19.25,"ts":"2026-11-22T08:01:02.345Z"}\r',
        '',
        '{"device":"w1","type":"accel","value":{"rate":50,"samples":[[0,0,1],[0.1,0,0.98]]},"ts":1795334400000}',
      ].join('\n') + '\n',
    );
    const pendant = await waitFor('pendant', () => subscriber!.on('telecare/h1/devices/p1/events')[0]);
    expect(pendant).toMatchObject({ type: 'pendant', value: true });
    const temp = await waitFor('temperature', () => subscriber!.on('telecare/flat-12/devices/kitchen/events')[0]);
    expect(temp).toEqual({ type: 'temperature', value: 19.25, ts: '2026-11-22T08:01:02.345Z' });
    const accel = await waitFor('accel', () => subscriber!.on('telecare/h1/devices/w1/events')[0]);
    expect(accel).toEqual({
      type: 'accel',
      value: {
        rate: 50,
        samples: [
          [0, 0, 1],
          [0.1, 0, 0.98],
        ],
      },
      ts: 1795334400000,
    });
  });

  it('counts lines that are not native events by reason, and carries on', async () => {
    await setUp('ndjson');
    writeToSerial(
      pair!.receiverEnd,
      [
        'not json at all',
        '{"device":"p1","type":"pendant","value":true}', // no home: neither on the line nor --home
        '{"device":"p1","home":"h1","type":"teleport","value":true}',
        '{"device":"p1","home":"h1","type":"motion","value":"yes"}',
        '{"device":"a/b","home":"h1","type":"motion","value":true}',
        '{"device":"p1","home":"h1","type":"motion","value":true,"ts":"yesterday"}',
        '{"device":"p1","home":"h1","type":"motion","value":true}',
      ].join('\n') + '\n',
    );
    const status = await waitFor('counters', () => {
      const s = subscriber!.lastStatus('rx1');
      return s && s.framesOk === 1 && s.badFramesTotal === 6 ? s : undefined;
    });
    expect(status.badFrames).toEqual({ json: 1, 'home-id': 1, 'event-type': 1, value: 1, 'device-id': 1, ts: 1 });
    expect(subscriber!.on('telecare/h1/devices/p1/events')).toHaveLength(1);
  });
});
