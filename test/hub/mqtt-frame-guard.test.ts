// The MQTT packet size guard: reads the framing across arbitrary chunk boundaries and stops oversized packets early.
import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { MqttFrameGuard } from '../../hub/mqtt-frame-guard.js';

function publishBytes(payloadBytes: number): Buffer {
  return mqttPacket.generate({
    cmd: 'publish',
    topic: 'telecare/h1/devices/p1/events',
    payload: Buffer.alloc(payloadBytes),
    qos: 1,
    messageId: 1,
    dup: false,
    retain: false,
  });
}

function feedInChunks(guard: MqttFrameGuard, bytes: Buffer, chunkSize: number): boolean {
  for (let i = 0; i < bytes.length; i += chunkSize) if (!guard.feed(bytes.subarray(i, i + chunkSize))) return false;
  return true;
}

describe('mqtt frame guard', () => {
  it('lets a stream of normal packets through, whatever the chunk boundaries', () => {
    const stream = Buffer.concat([
      publishBytes(10),
      publishBytes(60 * 1024),
      mqttPacket.generate({ cmd: 'pingreq' }),
      publishBytes(200),
    ]);
    for (const size of [1, 3, 7, 1500, stream.length]) {
      const tooLarge: number[] = [];
      expect(feedInChunks(new MqttFrameGuard(70 * 1024, (b) => tooLarge.push(b)), stream, size)).toBe(true);
      expect(tooLarge).toEqual([]);
    }
  });

  it('stops at the header of an oversized packet, before its body arrives', () => {
    const tooLarge: number[] = [];
    const guard = new MqttFrameGuard(70 * 1024, (b) => tooLarge.push(b));
    const big = publishBytes(1024 * 1024);
    expect(guard.feed(Buffer.concat([publishBytes(10), big.subarray(0, 8)]))).toBe(false);
    expect(tooLarge[0]).toBeGreaterThan(70 * 1024);
  });
});
