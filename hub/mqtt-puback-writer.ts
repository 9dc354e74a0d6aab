// Writes the embedded broker's PUBACKs as one 4-byte Buffer each, the socket corked once per turn, not once per packet.
//
// aedes acknowledges every QoS 1 PUBLISH with `mqtt.writeToStream({ cmd: 'puback', messageId }, socket)` (no options:
// MQTT 3.1.1, aedes's only protocol). mqtt-packet writes that packet in three pieces (the fixed header's byte, the
// remaining length's byte, a new 2-byte Buffer for the id: the hub turns its 6.7 MB id cache off, hub/hub.ts) and
// corks the socket with a `nextTick` to uncork it, for each packet: three `Writable.write`s, three buffered chunks for
// the `writev` and a tick per sensor event under ingest. Here a PUBACK is one write of its four bytes (a view of
// Node's pool), and the socket is corked only when it is not already (its uncork, already scheduled, sends what
// follows too), so the PUBACKs released together by a group commit's fsync leave in one `writev` as before. The bytes
// on the wire are exactly mqtt-packet's (MQTT 3.1.1, 3.4: 0x40, 0x02, the id's two bytes). Every other packet, and
// any call with options (mqtt.js, which passes its own in external broker mode), goes to mqtt-packet unchanged; so
// does a PUBACK whose id is not a valid packet id, so that mqtt-packet's own error handling stays in force.
// aedes looks `mqtt.writeToStream` up at each write: installing after aedes has loaded is as good as before.
import mqttPacket from 'mqtt-packet';
import type { Writable } from 'node:stream';

type WriteToStream = typeof mqttPacket.writeToStream;

const PUBACK_HEADER = 0x40;

let installed = false;

function uncork(stream: Writable): void {
  stream.uncork();
}

/**
 * Writes the PUBACK of packet id `id` as one 4-byte chunk (the socket corked until the next tick if it is not already);
 * false, writing nothing, when `id` is not a valid packet id (the caller leaves it to mqtt-packet). Also used by the
 * broker's own intake of QoS 1 PUBLISHes (hub/broker.ts).
 */
export function writePuback(stream: Writable, id: unknown): boolean {
  if (typeof id !== 'number' || !(id >= 0 && id <= 0xffff) || !Number.isInteger(id)) return false;
  const bytes = Buffer.allocUnsafe(4);
  bytes[0] = PUBACK_HEADER;
  bytes[1] = 2;
  bytes[2] = id >>> 8;
  bytes[3] = id & 0xff;
  if (typeof stream.cork === 'function' && stream.writableCorked === 0) {
    stream.cork();
    process.nextTick(uncork, stream);
  }
  stream.write(bytes);
  return true;
}

/** Replaces mqtt-packet's `writeToStream` with one that writes option-less PUBACKs whole; idempotent. */
export function install(): void {
  if (installed) return;
  installed = true;
  const original: WriteToStream = mqttPacket.writeToStream;
  const writeToStream = ((packet, target, opts) => {
    // As mqtt-packet: a confirmation reports success whatever the write returned.
    if (opts === undefined && packet.cmd === 'puback' && writePuback(target as unknown as Writable, packet.messageId))
      return true;
    return original(packet, target, opts);
  }) as WriteToStream;
  // The id cache switch (hub/hub.ts turns it off) lives on mqtt-packet's function: the replacement forwards it.
  Object.defineProperty(writeToStream, 'cacheNumbers', {
    get: () => original.cacheNumbers,
    set: (value: boolean) => {
      original.cacheNumbers = value;
    },
    enumerable: true,
  });
  mqttPacket.writeToStream = writeToStream;
}

/** For tests: whether the replacement is what aedes now calls. */
export function pubackWriterInstalled(): boolean {
  return installed && mqttPacket.writeToStream.name !== 'generate';
}

install();
