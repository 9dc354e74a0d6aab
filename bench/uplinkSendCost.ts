// What sending from the uplink's queue costs, to a real mosquitto on a free port (no ACL): `node
// dist/bench/uplinkSendCost.js [--drain 5000] [--singles 300] [--module <a built uplink.js beside dist/hub/>]`.
// A temp hub database, `--drain` alert versions of about 1 KiB queued before the uplink starts, then the time from
// `start` to an empty queue (items a second); then `--singles` versions queued one at a time, each once the last has
// arrived, and the time from the queueing to a subscriber of the centre receiving it (median, p90). Prints one JSON
// line. `--module` loads the Uplink of another build (`git show <commit>:hub/uplink.ts` compiled in dist/hub/), to
// compare before and after (docs/uplink.md, session 75: MQTT 5 and refused publishes kept).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import mqtt from 'mqtt';
import { Registry } from 'prom-client';
import type { AlertServiceApi } from '../hub/alerts/api.js';
import { systemClock } from '../hub/clock.js';
import { silentLogger } from '../hub/logger.js';
import { openHubDatabase } from '../hub/store.js';
import type { Uplink, UplinkDeps } from '../hub/uplink.js';
import { positiveInteger } from './options.js';

const argv = process.argv.slice(2);
const drain = positiveInteger(argv, '--drain', 5_000);
const singles = positiveInteger(argv, '--singles', 300);
const moduleAt = argv.indexOf('--module');
const modulePath =
  moduleAt >= 0
    ? pathToFileURL(path.resolve(argv[moduleAt + 1]!)).href
    : new URL('../hub/uplink.js', import.meta.url).href;
const { Uplink: UplinkClass } = (await import(modulePath)) as { Uplink: new (deps: UplinkDeps) => Uplink };

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uplink-send-'));
const port = await new Promise<number>((resolve) => {
  const server = net.createServer().listen(0, '127.0.0.1', () => {
    const { port: p } = server.address() as net.AddressInfo;
    server.close(() => resolve(p));
  });
});
fs.writeFileSync(
  path.join(dir, 'mosquitto.conf'),
  `listener ${String(port)} 127.0.0.1\nallow_anonymous true\nset_tcp_nodelay true\n${process.getuid?.() === 0 ? 'user root\n' : ''}`,
);
const broker = spawn('mosquitto', ['-c', path.join(dir, 'mosquitto.conf')], { stdio: 'ignore' });
const db = openHubDatabase(path.join(dir, 'hub.db'));
let uplink: Uplink | undefined;
let centre: mqtt.MqttClient | undefined;
try {
  for (let i = 0; ; i++) {
    try {
      centre = await mqtt.connectAsync(`mqtt://127.0.0.1:${String(port)}`, { reconnectPeriod: 0 });
      break;
    } catch (err) {
      if (i > 50) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  const arrived = new Map<string, number>();
  let count = 0;
  centre.on('message', (topic) => {
    count += 1;
    arrived.set(topic, performance.now());
  });
  await centre.subscribeAsync('telecare-up/bench/alerts/#', { qos: 1 });
  uplink = new UplinkClass({
    db,
    clock: systemClock,
    logger: silentLogger,
    metrics: new Registry(),
    options: {
      url: `mqtt://127.0.0.1:${String(port)}`,
      hubId: 'bench',
      username: undefined,
      password: undefined,
      caFile: undefined,
      councilKey: undefined,
      maxQueue: 1_000_000,
    },
  });
  const filler = 'x'.repeat(900);
  const alertJson = (id: string): string =>
    JSON.stringify({ id, version: 1, homeId: 'h1', kind: 'pendant', state: 'raised', detail: { filler } });
  for (let i = 0; i < drain; i++)
    uplink.queue.addAlertVersion(
      { alertId: `d${String(i)}`, version: 1, alertJson: alertJson(`d${String(i)}`) },
      Date.now(),
    );
  const alerts = { list: () => [] } as unknown as AlertServiceApi;
  const started = performance.now();
  uplink.start(alerts);
  const running = uplink;
  while (running.depth() > 0 || count < drain) await new Promise((resolve) => setTimeout(resolve, 5));
  const drainMs = performance.now() - started;
  const latencies: number[] = [];
  for (let i = 0; i < singles; i++) {
    const id = `s${String(i)}`;
    const topic = `telecare-up/bench/alerts/${id}`;
    const queuedAt = performance.now();
    uplink.queueAlertVersion({ alertId: id, version: 1, payload: alertJson(id) });
    while (!arrived.has(topic)) await new Promise((resolve) => setImmediate(resolve));
    latencies.push(arrived.get(topic)! - queuedAt);
  }
  latencies.sort((a, b) => a - b);
  const at = (q: number): number => Math.round(latencies[Math.floor(q * (latencies.length - 1))]! * 1000) / 1000;
  console.log(
    JSON.stringify({
      module: moduleAt >= 0 ? argv[moduleAt + 1] : 'dist/hub/uplink.js',
      load: os.loadavg()[0]?.toFixed(1),
      drain,
      drainMs: Math.round(drainMs),
      itemsPerS: Math.round((drain / drainMs) * 1000),
      singles,
      latencyMs: { median: at(0.5), p90: at(0.9), max: at(1) },
    }),
  );
} finally {
  await uplink?.stop();
  await centre?.endAsync(true);
  db.close();
  broker.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
}
