// One load publisher of the ingest phase, run as its own process: QoS 1 PUBLISH packets made before the timed window.
// The simulated events (one day of its own flats) are serialised into MQTT packets first; then, on "go" from the
// bench, they are written to one connection flat out with at most `maxInFlight` unacknowledged, round and round,
// so the figure is the hub's ingest rate and not the cost of making events or of a general-purpose client.
import net from 'node:net';
import readline from 'node:readline';
import { simulate } from '../simulate/generator.js';

export interface IngestPublisherArgs {
  host: string;
  port: number;
  /** This publisher's flats are h(firstHome) … h(firstHome + homes − 1), the way a bridge serves some of a scheme. */
  firstHome: number;
  homes: number;
  seed: number;
  durationS: number;
  maxInFlight: number;
}

/** MQTT's variable-length "remaining length" (1–4 bytes). */
function remainingLength(n: number): number[] {
  const bytes: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    bytes.push(byte);
  } while (n > 0);
  return bytes;
}

function utf8Field(text: string): Buffer {
  const body = Buffer.from(text, 'utf8');
  const field = Buffer.alloc(2 + body.length);
  field.writeUInt16BE(body.length, 0);
  body.copy(field, 2);
  return field;
}

/** MQTT 3.1.1 CONNECT, clean session, no credentials (the hub takes anonymous clients from loopback). */
function connectPacket(clientId: string): Buffer {
  const variable = Buffer.concat([utf8Field('MQTT'), Buffer.from([4, 0x02, 0, 60]), utf8Field(clientId)]);
  return Buffer.concat([Buffer.from([0x10, ...remainingLength(variable.length)]), variable]);
}

/** A QoS 1 PUBLISH with its packet id at `idOffset` (written at send time). */
interface Packet {
  bytes: Buffer;
  idOffset: number;
}

function publishPacket(topic: string, payload: string): Packet {
  const topicField = utf8Field(topic);
  const body = Buffer.from(payload, 'utf8');
  const length = topicField.length + 2 + body.length;
  const header = Buffer.from([0x32, ...remainingLength(length)]);
  return {
    bytes: Buffer.concat([header, topicField, Buffer.alloc(2), body]),
    idOffset: header.length + topicField.length,
  };
}

function buildPackets(args: IngestPublisherArgs): Packet[] {
  const stampedAt = new Date().toISOString();
  const packets: Packet[] = [];
  for (const e of simulate({ homes: args.homes, days: 1, start: '2026-01-05', seed: args.seed, timeZone: 'UTC' })) {
    const home = `h${Number(e.homeId.slice(1)) + args.firstHome - 1}`;
    const payload = JSON.stringify({ type: e.type, value: e.value, ts: stampedAt });
    packets.push(publishPacket(`telecare/${home}/devices/${e.deviceId}/events`, payload));
  }
  return packets;
}

/** Counts PUBACKs in the broker's byte stream (it sends nothing else after CONNACK to a client that subscribes to nothing). */
function packetReader(onPacket: (type: number) => void): (chunk: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0);
  return (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    let at = 0;
    for (;;) {
      let length = 0;
      let multiplier = 1;
      let i = at + 1;
      let complete = false;
      while (i < pending.length) {
        const byte = pending.readUInt8(i++);
        length += (byte & 0x7f) * multiplier;
        multiplier *= 128;
        if ((byte & 0x80) === 0) {
          complete = true;
          break;
        }
      }
      if (!complete || i + length > pending.length) break;
      onPacket(pending.readUInt8(at) >> 4);
      at = i + length;
    }
    pending = pending.subarray(at);
  };
}

/** CPU (user + system, µs) this process used since `since`. */
function cpuWindowUs(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return used.user + used.system;
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as IngestPublisherArgs;
  const packets = buildPackets(args);
  if (packets.length === 0) throw new Error('no events to publish');
  const socket = net.createConnection({ host: args.host, port: args.port, noDelay: true });
  let published = 0;
  let acknowledged = 0;
  let connected: () => void = () => undefined;
  let pump: () => void = () => undefined;
  socket.on(
    'data',
    packetReader((type) => {
      if (type === 2) connected();
      else if (type === 4) {
        acknowledged += 1;
        pump();
      }
    }),
  );
  socket.on('error', (err) => {
    process.stderr.write(`ingest publisher: ${err.message}\n`);
    process.exit(1);
  });
  await new Promise<void>((resolve) => {
    connected = resolve;
    socket.write(connectPacket(`telecare-bench-ingest-${process.pid}`));
  });
  process.stdout.write(`${JSON.stringify({ ready: true, packets: packets.length })}\n`);
  await new Promise<void>((resolve) =>
    readline.createInterface({ input: process.stdin }).once('line', () => resolve()),
  );

  const cpuAtStart = process.cpuUsage();
  const startedMs = performance.now();
  const endMs = startedMs + args.durationS * 1000;
  let next = 0;
  let packetId = 0;
  let stopped = false;
  // Writes as many packets as the window allows, as one buffer: fills the window at once, then tops it up per ack.
  pump = (): void => {
    if (stopped) return;
    if (performance.now() >= endMs) {
      stopped = true;
      return;
    }
    const room = args.maxInFlight - (published - acknowledged);
    // Top up in batches of at least 32 (or whatever the window has): one write per PUBACK would cost more than the hub.
    if (room < Math.min(32, args.maxInFlight)) return;
    const sending: Packet[] = [];
    let bytes = 0;
    for (let k = 0; k < room; k++) {
      const packet = packets.at(next);
      next = (next + 1) % packets.length;
      if (!packet) continue;
      sending.push(packet);
      bytes += packet.bytes.length;
    }
    const chunk = Buffer.allocUnsafe(bytes);
    let at = 0;
    for (const packet of sending) {
      packetId = (packetId % 65535) + 1;
      packet.bytes.copy(chunk, at);
      chunk.writeUInt16BE(packetId, at + packet.idOffset);
      at += packet.bytes.length;
    }
    published += sending.length;
    socket.write(chunk);
  };
  const progress = setInterval(() => {
    process.stdout.write(`${JSON.stringify({ published, acknowledged })}\n`);
    pump();
  }, 1000);
  pump();
  while (!stopped) await new Promise((resolve) => setTimeout(resolve, 50));
  // Drain: the acknowledgements of what is in flight (at most 10 s).
  const drainUntil = performance.now() + 10_000;
  while (acknowledged < published && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 5));
  clearInterval(progress);
  const elapsedS = (performance.now() - startedMs) / 1000;
  // This process's own CPU over its whole life (packets made included): whether the load generator, on the same
  // cores as the hub, is what limits the figure.
  const cpu = process.cpuUsage();
  const summary = {
    published,
    acknowledged,
    failed: published - acknowledged,
    elapsedS,
    ratePerS: published / elapsedS,
    cpuUs: cpu.user + cpu.system,
    cpuWindowUs: cpuWindowUs(cpuAtStart),
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  socket.end(Buffer.from([0xe0, 0]));
  socket.once('close', () => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
}

main().catch((err: unknown) => {
  process.stderr.write(`ingest publisher: ${(err as Error).message}\n`);
  process.exit(1);
});
