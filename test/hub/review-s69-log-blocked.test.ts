// Review, session 69: a hub whose standard output is not being read. Its human-readable lines (a terminal: an installer
// running `npm start`) were written synchronously, so a terminal whose output was paused (Ctrl-S, a stalled SSH
// session) stopped the hub itself once the terminal's buffer was full: the next log line (an alert raised) blocked the
// event loop, and every alert after it was never told. Its JSON lines (a service's journal) were held in memory without
// bound while nobody read them. Now both wait in a bounded buffer and, past it, are dropped and counted
// (telecare_log_lines_dropped_total). The real hub process, stdout a pipe this test stops reading once the hub has
// started, pendant presses over MQTT in many flats, the alerts read by a real subscriber.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterEach, expect, it } from 'vitest';
import { waitFor } from '../alerts/helpers.js';
import {
  adminGet,
  ADMIN_PASSWORD,
  cliPath,
  freePort,
  mqttClient,
  mqttClientOnceUp,
  pendantFlats,
  tempDir,
  writeConfig,
} from './helpers.js';

let dir: string | undefined;
let child: ChildProcess | undefined;
let clients: MqttClient[] = [];

afterEach(async () => {
  for (const c of clients) await c.endAsync(true).catch(() => undefined);
  clients = [];
  if (child && child.exitCode === null) {
    const gone = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGKILL');
    await gone;
  }
  child = undefined;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** Starts the hub with `flats` one-pendant flats, its log in `format`; resolves once its MQTT port takes a client. */
async function hubNobodyReads(format: 'pretty' | 'json', flats: number) {
  dir = tempDir('log-blocked');
  const mqttPort = await freePort();
  const httpPort = await freePort();
  child = spawn(process.execPath, [cliPath, 'hub'], {
    env: {
      ...process.env,
      HUB_MQTT_PORT: String(mqttPort),
      HUB_HTTP_PORT: String(httpPort),
      HUB_HOST: '127.0.0.1',
      HUB_LOG_LEVEL: 'info',
      HUB_ADMIN_PASSWORD: ADMIN_PASSWORD,
      HUB_DATA_DIR: path.join(dir, 'data'),
      HUB_CONFIG: writeConfig(dir, pendantFlats(flats)),
      // A terminal's lines (pino-pretty), as `npm start` in one writes them; stdout here is a pipe.
      HUB_LOG_FORMAT: format,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const reading = (d: Buffer): void => {
    out += d.toString();
  };
  child.stdout!.on('data', reading);
  child.stderr!.resume();
  // Started once its MQTT port takes a client (its log line may be the one this test cannot read).
  const watcher = await mqttClientOnceUp(mqttPort);
  if (watcher === undefined) throw new Error(`the hub did not start: ${out.slice(-500)}`);
  clients.push(watcher);
  const told = new Set<string>();
  watcher.on('message', (topic) => told.add(topic.split('/')[1]!));
  await watcher.subscribeAsync('telecare/+/alerts/#', { qos: 1 });
  const sensor = await mqttClient(mqttPort);
  clients.push(sensor);
  // Nobody reads the hub's standard output from now on: what is in the pipe stays there.
  child.stdout!.off('data', reading);
  child.stdout!.pause();
  const press = (flat: number): void => {
    const event = JSON.stringify({ type: 'pendant', value: true, ts: Date.now() });
    sensor.publish(`telecare/flat-${flat}/devices/p1/events`, event, { qos: 0 });
  };
  return { told, press, httpPort };
}

it("tells every alert while nobody reads its terminal's lines", async () => {
  const flats = 1500;
  const hub = await hubNobodyReads('pretty', flats);
  for (let i = 0; i < flats; i++) hub.press(i);
  // Before: about 500 told (a pipe's 64 KiB of lines, and what the test's stream had read), then none.
  await waitFor(() => hub.told.size === flats, `all ${flats} alerts told (${hub.told.size} so far)`, 120_000);
}, 300_000);

it('drops and counts the JSON lines nobody reads past its buffer, and still tells every alert', async () => {
  const flats = 2000;
  const hub = await hubNobodyReads('json', flats);
  for (let i = 0; i < flats; i++) hub.press(i);
  await waitFor(() => hub.told.size === flats, `all ${flats} alerts told (${hub.told.size} so far)`, 120_000);
  const metrics = await (await adminGet(hub.httpPort, '/metrics')).text();
  const dropped = Number(/^telecare_log_lines_dropped_total (\d+)$/m.exec(metrics)?.[1]);
  // Before: no such series (the lines held in memory without bound).
  expect(dropped).toBeGreaterThan(0);
}, 300_000);
