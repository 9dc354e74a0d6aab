// What the serial bridge forwards, and what keeping its events on disk costs it: `node dist/bench/bridgeThroughput.js
// [--events 10000] [--trickle 200] [--cli <a built bin/telecare.js>]`. The real bridge process (`telecare bridge
// --framing cobs`, its spool in a temp folder on the machine's disk, not tmpfs) reads a socat pty pair and publishes to
// a real Mosquitto on a free port. `--events` motion frames (100 devices, each numbered in order) are written to the
// receiver's end at once, and the time from the first byte written to the last event at a subscriber gives the events a
// second; then `--trickle` frames one at a time, each once the last has arrived, and the time from the write to the
// subscriber (median, p90). Prints one JSON line. `--cli` runs another build (a copy of `dist/` of the earlier code),
// to compare before and after (firmware-bridge/PROTOCOL.md, session 77: routine events kept on disk while connected).
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { encodeWireFrame, type Frame } from '../firmware-bridge/frame-codec.js';
import { installCleanup, makeTempDir, removeTempDir, spawnTracked, stopChild } from './children.js';
import { mosquittoAvailable, startMosquitto } from './mosquitto.js';
import { positiveInteger } from './options.js';

const argv = process.argv.slice(2);
const events = positiveInteger(argv, '--events', 10_000);
const trickle = positiveInteger(argv, '--trickle', 200);
const cliAt = argv.indexOf('--cli');
const cli =
  cliAt >= 0
    ? path.resolve(argv[cliAt + 1]!)
    : path.join(path.dirname(fileURLToPath(import.meta.url)), '../bin/telecare.js');
const DEVICES = 100;
// Linux's clock ticks a second (USER_HZ), the unit of /proc/<pid>/stat's CPU times.
const USER_HZ = 100;

/** The CPU time (user + system, ms) `pid` has used so far, from /proc/<pid>/stat. */
function cpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces, in parentheses): utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / USER_HZ;
}

if (!mosquittoAvailable()) throw new Error('this bench needs Mosquitto (/usr/sbin/mosquitto)');
installCleanup();

async function waitUntil(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

function motion(n: number): Frame {
  // Each device numbered in order, so none is taken for a radio repeat.
  const seq = Math.floor(n / DEVICES) + 1;
  return {
    frameType: 'event',
    seq: seq % 65_536,
    deviceId: `m${n % DEVICES}`,
    eventType: 'motion',
    value: { encoding: 'bool', value: n % 2 === 0 },
  };
}

const dir = makeTempDir('telecare-bench-bridge-');
const broker = await startMosquitto();
const receiverEnd = path.join(dir, 'tty-rx');
const hubEnd = path.join(dir, 'tty-hub');
const socat = spawnTracked('socat', [`pty,raw,echo=0,link=${receiverEnd}`, `pty,raw,echo=0,link=${hubEnd}`]);
await waitUntil('socat links', () => fs.existsSync(receiverEnd) && fs.existsSync(hubEnd), 10_000);

const received: number[] = [];
let status: { state?: string; events?: { published: number; queued: number; dropped: number } } = {};
const subscriber = mqtt.connect(broker.mqttUrl, { clientId: 'bench-bridge-sub' });
subscriber.on('message', (topic, payload) => {
  if (topic.endsWith('/events')) received.push(performance.now());
  else if (payload.length > 0) status = JSON.parse(payload.toString()) as typeof status;
});
await subscriber.subscribeAsync(['telecare/h1/devices/+/events', 'telecare/bridge/+/status'], { qos: 0 });

const spool = path.join(dir, 'bridge.spool');
const bridge = spawnTracked(process.execPath, [
  cli,
  'bridge',
  ...['--port', hubEnd, '--framing', 'cobs', '--home', 'h1', '--name', 'bench-rx'],
  ...['--mqtt', broker.mqttUrl, '--spool', spool, '--max-queued', String(events + trickle)],
  ...['--status-interval-ms', '60000', '--log-level', 'warn'],
]);
bridge.stdout?.resume();
bridge.stderr?.resume();
await waitUntil('the bridge online', () => status.state === 'online', 20_000);

const tty = await fs.promises.open(receiverEnd, fs.constants.O_WRONLY | fs.constants.O_NOCTTY);
const burst = Buffer.concat(Array.from({ length: events }, (_, n) => encodeWireFrame(motion(n))));
const cpuBefore = cpuMs(bridge.pid!);
const burstStart = performance.now();
for (let offset = 0; offset < burst.length;) {
  const { bytesWritten } = await tty.write(burst, offset, Math.min(4096, burst.length - offset));
  offset += bytesWritten;
}
await waitUntil('every event of the burst', () => received.length >= events, 300_000);
const burstMs = received[events - 1]! - burstStart;
const cpuAfterBurst = cpuMs(bridge.pid!);

const latencies: number[] = [];
for (let i = 0; i < trickle; i++) {
  const before = received.length;
  const written = performance.now();
  await tty.write(encodeWireFrame(motion(events + i)));
  await waitUntil('a trickled event', () => received.length > before);
  latencies.push(received[before]! - written);
  // A home's pace rather than a burst: the bridge's queue (and spool) empty before the next.
  await new Promise((r) => setTimeout(r, 5));
}
const cpuAfterTrickle = cpuMs(bridge.pid!);
await tty.close();
await waitUntil(
  'the status to count every event',
  () => (status.events?.published ?? 0) >= events + trickle,
  5_000,
).catch(() => undefined);

latencies.sort((a, b) => a - b);
const at = (q: number): number =>
  Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]! * 100) / 100;
console.log(
  JSON.stringify({
    cli,
    events,
    burstMs: Math.round(burstMs),
    eventsPerSecond: Math.round((events * 1000) / burstMs),
    // The bridge's own CPU time per event (user + system, µs): what the machine's other work does not blur as much.
    burstCpuUsPerEvent: Math.round(((cpuAfterBurst - cpuBefore) * 1000) / events),
    trickleCpuUsPerEvent: Math.round(((cpuAfterTrickle - cpuAfterBurst) * 1000) / trickle),
    trickle,
    trickleMedianMs: at(0.5),
    trickleP90Ms: at(0.9),
    received: received.length,
    dropped: status.events?.dropped,
    spoolLeft: fs.existsSync(spool),
  }),
);

await stopChild(bridge);
await subscriber.endAsync(true);
await stopChild(socat);
await broker.stop();
removeTempDir(dir);
