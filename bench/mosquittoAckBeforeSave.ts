// Does Mosquitto lose a QoS 1 message it acknowledged to its sender when killed (SIGKILL) soon after, while the hub's
// persistent session is offline? Each trial: a fresh broker and folder, the hub's session subscribed and offline, one
// message published, the broker killed `delayMs` after its PUBACK, started again, the hub's session back: received or
// not. Not part of `telecare bench`: a measurement for docs/resilience.md (session 29).
//   node dist/bench/mosquittoAckBeforeSave.js [trials=20] [delayMs=0]
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connect, connectAsync } from 'mqtt';
import { MOSQUITTO_BIN } from './mosquitto.js';
import { freePort } from './net.js';

const HUB = { clientId: 'hub', clean: false, protocolVersion: 5, properties: { sessionExpiryInterval: 3600 } } as const;

async function startBroker(dir: string, port: number): Promise<{ child: ChildProcess; exited: Promise<void> }> {
  const conf = path.join(dir, 'mosquitto.conf');
  const lines = [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence true'];
  // The settings docs/resilience.md asks installers for: save at every change.
  lines.push(`persistence_location ${dir}/`, 'autosave_on_changes true', 'autosave_interval 1', 'user root');
  fs.writeFileSync(conf, `${lines.join('\n')}\n`);
  const child = spawn(MOSQUITTO_BIN, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => reject(new Error(`mosquitto did not start:\n${log}`)), 30_000);
    child.stderr?.on('data', (d: Buffer) => {
      log += d.toString();
      if (/ running/.test(log)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return { child, exited };
}

async function trial(n: number, delayMs: number): Promise<boolean> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'telecare-ack-before-save-'));
  const port = await freePort();
  const url = `mqtt://127.0.0.1:${port}`;
  let broker = await startBroker(dir, port);
  try {
    const hub = await connectAsync(url, { ...HUB, reconnectPeriod: 0 });
    await hub.subscribeAsync('t/#', { qos: 1 });
    await hub.endAsync();
    // The hub's session is saved (a change, saved at once) well before the message.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const sensor = await connectAsync(url, { clientId: 'sensor', clean: false, reconnectPeriod: 0 });
    await sensor.publishAsync('t/x', `m${n}`, { qos: 1 });
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    broker.child.kill('SIGKILL');
    await broker.exited;
    sensor.end(true);
    broker = await startBroker(dir, port);
    // The handler is in place before the CONNACK: queued messages follow it in the same read.
    const back = connect(url, { ...HUB, reconnectPeriod: 0 });
    const received = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 5_000);
      back.on('message', (_topic, payload) => {
        if (payload.toString() !== `m${n}`) return;
        clearTimeout(timer);
        resolve(true);
      });
    });
    await back.endAsync(true);
    return received;
  } finally {
    broker.child.kill('SIGKILL');
    await broker.exited;
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const trials = Number(process.argv[2] ?? 20);
const delayMs = Number(process.argv[3] ?? 0);
let lost = 0;
for (let n = 0; n < trials; n++) if (!(await trial(n, delayMs))) lost += 1;
process.stdout.write(`${JSON.stringify({ trials, delayMs, received: trials - lost, lost, load: os.loadavg()[0] })}\n`);
