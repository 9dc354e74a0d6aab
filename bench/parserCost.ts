// What parsing a sensor event's MQTT packet costs the hub's broker (mqtt-packet over bl), without the rest of the hub.
// `node --max-semi-space-size=1 dist/bench/parserCost.js [--packets 400000] [--read-bytes 16384] [--bl-own]`: the
// bench's QoS 1 PUBLISH packets (topic and payload as the ingest publishers send them, packet ids 1-65535) cut into
// socket-read-sized chunks and fed to mqtt-packet's parser as aedes feeds it; prints CPU and young-generation
// collections per packet. `--bl-own` leaves bl's own reads (without hub/mqtt-parser-reads.ts): run both alternately
// to compare. Single-threaded work on fixed input, so far steadier than the whole hub's CPU on a loaded machine.
import { createRequire } from 'node:module';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { positiveInteger } from './options.js';

interface ParsedPacket {
  topic: string;
  payload: Buffer;
  messageId: number;
}

interface Parser {
  parse(buf: Buffer): number;
  on(event: 'packet', listener: (packet: ParsedPacket) => void): void;
  on(event: 'error', listener: (err: Error) => void): void;
}

/** `count` PUBLISH packets as bench/ingestPublisher.ts makes them, back to back. */
function stream(count: number, generate: (packet: object) => Buffer): Buffer {
  const kinds = [
    ['hall-pir', '{"type":"motion","value":true,"ts":1767600000123}'],
    ['front', '{"type":"door","value":false,"ts":1767600000456}'],
    ['kitchen-temp', '{"type":"temperature","value":20.5,"ts":1767600000789}'],
    ['bed-mat', '{"type":"bed","value":true,"ts":1767600001011}'],
  ] as const;
  const packets: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const [device, payload] = kinds[i % kinds.length]!;
    packets.push(
      generate({
        cmd: 'publish',
        qos: 1,
        dup: false,
        retain: false,
        messageId: (i % 65535) + 1,
        topic: `telecare/h${(i % 200) + 1}/devices/${device}/events`,
        payload: Buffer.from(payload),
      }),
    );
  }
  return Buffer.concat(packets);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const count = positiveInteger(argv, '--packets', 400_000);
  const readBytes = positiveInteger(argv, '--read-bytes', 16_384);
  const own = argv.includes('--bl-own');
  if (!own) await import('../hub/mqtt-parser-reads.js');
  // mqtt-packet's debug loggers as in the hub (hub/mqtt-debug.ts must come before mqtt-packet loads).
  await import('../hub/mqtt-debug.js');
  const require = createRequire(import.meta.url);
  const mqtt = createRequire(require.resolve('aedes'))('mqtt-packet') as {
    parser(): Parser;
    generate(packet: object): Buffer;
  };
  const bytes = stream(count, (packet) => mqtt.generate(packet));
  let scavenges = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries())
      if ((entry as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) scavenges++;
  });
  observer.observe({ entryTypes: ['gc'] });
  // One warm-up pass (the parser's code optimised), then the measured one.
  let idSum = 0;
  for (const measured of [false, true]) {
    const parser = mqtt.parser();
    let parsed = 0;
    parser.on('packet', (packet) => {
      parsed++;
      idSum += packet.messageId + packet.payload.length + packet.topic.length;
    });
    parser.on('error', (err) => {
      throw err;
    });
    scavenges = 0;
    const start = process.cpuUsage();
    // Chunks of a socket read's size, each a view of its own as a socket hands them over.
    for (let at = 0; at < bytes.length; at += readBytes) parser.parse(bytes.subarray(at, at + readBytes));
    const cpu = process.cpuUsage(start);
    // GC entries are delivered asynchronously: let them arrive.
    await new Promise((resolve) => setTimeout(resolve, 50));
    if (parsed !== count) throw new Error(`parsed ${parsed} of ${count} packets`);
    if (measured) {
      process.stdout.write(
        `${JSON.stringify({
          reads: own ? 'bl-own' : 'in-place',
          packets: count,
          cpuUsPerPacket: (cpu.user + cpu.system) / count,
          scavengesPer1000Packets: (scavenges * 1000) / count,
          check: idSum,
        })}\n`,
      );
    }
  }
  observer.disconnect();
}

if (process.argv[1]?.endsWith('parserCost.js')) {
  main().catch((err: unknown) => {
    process.stderr.write(`parserCost: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
