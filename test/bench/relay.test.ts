// The bench's pass-through relay (bench/relay.js), the floor any Node hub is read against: a real process with its
// own aedes, or a client of a bare aedes in another process; real MQTT clients press and listen.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { connectMqtt } from '../../simulate/mqttConnect.js';

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/bench');
const children: ChildProcess[] = [];
const clients: MqttClient[] = [];

function start(script: string, args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  const child = spawn(process.execPath, [path.join(dist, script), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  children.push(child);
  return child;
}

function firstLine(child: ChildProcess): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).once('line', (line) => resolve(JSON.parse(line)));
    child.once('exit', (code) => reject(new Error(`exited (${code})`)));
  });
}

/** Publishes what a broken device might send, then a press; resolves with every alert seen until the press's. */
async function pressThrough(url: string): Promise<{ topic: string; payload: string }[]> {
  const client = await connectMqtt(url);
  clients.push(client);
  const alerts: { topic: string; payload: string }[] = [];
  const answered = new Promise<void>((resolve) => {
    client.on('message', (topic, payload) => {
      alerts.push({ topic, payload: payload.toString() });
      if (topic.startsWith('telecare/h1/alerts/')) resolve();
    });
  });
  await client.subscribeAsync('telecare/+/alerts/+', { qos: 1 });
  const events = (home: string): string => `telecare/${home}/devices/p1/events`;
  await client.publishAsync(events('h0'), '{not json', { qos: 1 });
  await client.publishAsync(events('h0'), JSON.stringify({ type: 'motion', value: true }), { qos: 1 });
  await client.publishAsync(events('h0'), JSON.stringify({ type: 'pendant', value: false }), { qos: 1 });
  await client.publishAsync('telecare/h0/status', JSON.stringify({ type: 'pendant', value: true }), { qos: 1 });
  await client.publishAsync(events('h1'), JSON.stringify({ type: 'pendant', value: true }), { qos: 1 });
  await answered;
  return alerts;
}

function expectOneAlert(alerts: { topic: string; payload: string }[], bytes: number): void {
  // Only the press answered: not the broken JSON, the other event types, the release nor another topic.
  expect(alerts).toHaveLength(1);
  const [alert] = alerts;
  expect(alert!.topic).toMatch(/^telecare\/h1\/alerts\/relay-\d+-0$/);
  const body = JSON.parse(alert!.payload) as Record<string, unknown>;
  expect(body).toMatchObject({ homeId: 'h1', kind: 'pendant', state: 'raised', severity: 'critical' });
  // As large as the hub's alert it stands in for (padded to the size asked).
  expect(Math.abs(alert!.payload.length - bytes)).toBeLessThanOrEqual(2);
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync()));
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

describe('the bench relay', () => {
  it('answers a pendant press with an alert through its own aedes, and nothing else', async () => {
    const relay = start('relay.js', ['embedded'], { RELAY_ALERT_BYTES: '500' });
    const { port } = await firstLine(relay);
    expectOneAlert(await pressThrough(`mqtt://127.0.0.1:${String(port)}`), 500);
  }, 30_000);

  it('does the same as a client of another broker', async () => {
    const broker = start('rawBroker.js', []);
    const { port } = await firstLine(broker);
    const url = `mqtt://127.0.0.1:${String(port)}`;
    const relay = start('relay.js', ['client', url], { RELAY_ALERT_BYTES: '700' });
    expect(await firstLine(relay)).toEqual({ ready: true });
    expectOneAlert(await pressThrough(url), 700);
  }, 30_000);

  it('says how to call it when the mode is missing, and exits 1', async () => {
    const relay = start('relay.js', ['client']);
    let stderr = '';
    relay.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => relay.once('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toContain('usage: relay.js embedded | relay.js client mqtt://host:port');
  }, 30_000);
});
