// Story: a noisy serial line (random bytes, truncated, corrupted, oversized frames) never stops the bridge.
import { describe, expect, it } from 'vitest';
import { cobsEncode } from '../../firmware-bridge/cobs.js';
import { crc16CcittFalse } from '../../firmware-bridge/crc16.js';
import { decodeWireFrame, encodeFrame } from '../../firmware-bridge/frame-codec.js';
import { createRng } from '../../simulate/random.js';
import { rigPerFile, waitFor, writeToSerial, type Subscriber } from './helpers.js';
import { motion, pendantPress, wire } from './fixtures.js';

const rig = rigPerFile('bridge-bad-input-', 'noisy', ['--framing', 'cobs', '--home', 'h1']);

/** A frame with a correct CRC over whatever bytes are given: reaches the checks after the CRC. */
function withCrc(bytes: number[]): Buffer {
  const body = Buffer.from(bytes);
  const crc = crc16CcittFalse(body);
  return Buffer.concat([cobsEncode(Buffer.concat([body, Buffer.from([crc >> 8, crc & 0xff])])), Buffer.from([0])]);
}

async function statusWhere(predicate: (s: NonNullable<ReturnType<Subscriber['lastStatus']>>) => boolean) {
  return waitFor('bridge status', () => {
    const s = rig.subscriber.lastStatus('noisy');
    return s && predicate(s) ? s : undefined;
  });
}

describe('a noisy serial line', () => {
  it('counts every bad frame by reason and still delivers the valid frames between them', async () => {
    const before = rig.subscriber.lastStatus('noisy')!;
    const good = encodeFrame(pendantPress('p1', 1));
    const goodWire = cobsEncode(good);
    const corrupted = Buffer.from(good);
    corrupted.writeUInt8(corrupted.readUInt8(6) ^ 0x40, 6);
    const lines: [Buffer, string][] = [
      [Buffer.concat([goodWire.subarray(0, goodWire.length - 2), Buffer.from([0])]), 'cobs'], // truncated: last block cut short
      [Buffer.concat([cobsEncode(good.subarray(0, good.length - 1)), Buffer.from([0])]), 'crc'], // truncated at a block edge
      [Buffer.concat([cobsEncode(corrupted), Buffer.from([0])]), 'crc'],
      [Buffer.concat([Buffer.alloc(3000, 0x55), Buffer.from([0])]), 'oversized'],
      [Buffer.from([0x02, 0x01, 0x00]), 'length'],
      [withCrc([0x02, 0x01, 0x00, 0x01]), 'version'],
      [withCrc([0x01, 0x07, 0x00, 0x01]), 'frame-type'],
      [withCrc([0x01, 0x01, 0x00, 0x01, 0x02, 0x70, 0x2f, 0x03, 0x00]), 'device-id'], // "p/"
      [withCrc([0x01, 0x01, 0x00, 0x01, 0x02, 0x70, 0x31, 0xc8, 0x00]), 'event-type'], // code 200
      [withCrc([0x01, 0x01, 0x00, 0x01, 0x02, 0x70, 0x31, 0x00, 0x03, 0, 0, 0, 0]), 'value'], // motion as float32
      [withCrc([0x01, 0x01, 0x00, 0x01, 0x02, 0x70, 0x31, 0x00, 0x01, 0x01, 0x01]), 'length'], // bool with 2 bytes
      [withCrc([0x01, 0x02, 0x00, 0x01, 0x09]), 'length'], // heartbeat with a body
    ];
    const expected: Record<string, number> = {};
    for (const [, reason] of lines) expected[reason] = (expected[reason] ?? 0) + 1;

    // Each bad frame sits between two valid pendant presses from different devices.
    const stream = Buffer.concat(
      lines.flatMap(([bad], i) => [wire(pendantPress(`before${i}`, 1)), bad, wire(pendantPress(`after${i}`, 1))]),
    );
    writeToSerial(rig.pair.receiverEnd, stream);

    const status = await statusWhere(
      (s) =>
        s.framesOk - before.framesOk === 2 * lines.length && s.badFramesTotal - before.badFramesTotal === lines.length,
    );
    for (const [reason, count] of Object.entries(expected)) {
      expect({ reason, count: (status.badFrames[reason] ?? 0) - (before.badFrames[reason] ?? 0) }).toEqual({
        reason,
        count,
      });
    }
    await waitFor(
      'every valid event',
      () =>
        rig.subscriber.messages.filter((m) => /devices\/(before|after)\d+\/events$/.test(m.topic)).length ===
        2 * lines.length,
    );
  });

  it('survives 100,000 random bytes, counting each garbage frame, and delivers the frames around them', async () => {
    const random = createRng(20261126).next;
    const garbage = Buffer.alloc(100_000);
    for (let i = 0; i < garbage.length; i++) garbage[i] = Math.floor(random() * 256);
    // Every non-empty run between zeros is one frame to the bridge; none of them may decode (checked, not assumed).
    const runs = [...garbage.toString('latin1').split('\0')]
      .filter((run) => run.length > 0)
      .map((run) => Buffer.from(run, 'latin1'));
    expect(runs.filter((run) => decodeWireFrame(run).ok)).toEqual([]);

    const before = rig.subscriber.lastStatus('noisy')!;
    const stream = Buffer.concat([
      wire(motion('kitchen-pir', 1)),
      Buffer.from([0]),
      garbage,
      Buffer.from([0]),
      wire(motion('kitchen-pir', 2)),
    ]);
    writeToSerial(rig.pair.receiverEnd, stream);

    const status = await statusWhere(
      (s) => s.framesOk - before.framesOk === 2 && s.badFramesTotal - before.badFramesTotal === runs.length,
    );
    expect(status.state).toBe('online');
    expect(rig.bridge.child.exitCode).toBeNull();
    await waitFor('both motion events', () => rig.subscriber.on('telecare/h1/devices/kitchen-pir/events').length === 2);
  });
});
