// Splits an MQTT byte stream into whole packets, for tests whose TCP relays look at the packets between a client and
// a broker (fixed header: the type in the first byte's high nibble, then a remaining length of 1-4 bytes, 7 bits each).

/** Calls `onPacket` with each whole MQTT packet of a byte stream fed in chunks to the returned function. */
export function packets(onPacket: (packet: Buffer) => void): (data: Buffer) => void {
  let pending = Buffer.alloc(0);
  return (data) => {
    pending = Buffer.concat([pending, data]);
    for (;;) {
      let length = 0;
      let at = 1;
      let complete = false;
      for (let shift = 0; at < pending.length && !complete; shift += 7) {
        const byte = pending[at++]!;
        length += (byte & 0x7f) << shift;
        complete = (byte & 0x80) === 0;
      }
      if (!complete || at + length > pending.length) return;
      onPacket(Buffer.from(pending.subarray(0, at + length)));
      pending = pending.subarray(at + length);
    }
  };
}

/** The MQTT packet type of a whole packet (3 PUBLISH, 4 PUBACK...). */
export function packetType(packet: Buffer): number {
  return packet[0]! >> 4;
}
