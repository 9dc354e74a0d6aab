// Story: the hub is being upgraded (its broker away) when the resident presses the pendant, and the bridge is restarted
// too (systemd, the same upgrade) before the broker is back. The press the bridge held must reach the hub once, after.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, expect, it } from 'vitest';
import {
  BRIDGE_TOPICS,
  brokerWithSubscriber,
  bridgeArgs,
  requireBuiltCli,
  spawnBridge,
  startBroker,
  startSerialPair,
  startSubscriber,
  stopRestartRig,
  waitFor,
  writeToSerial,
  type RestartRig,
} from './helpers.js';
import { motion, pendantPress, wire } from './fixtures.js';

const rig: RestartRig = { brokers: [], subscribers: [] };

beforeAll(requireBuiltCli);

afterEach(() => stopRestartRig(rig));

async function pressKeptOver(signal: NodeJS.Signals): Promise<void> {
  const dir = (rig.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bridge-s60-kept-')));
  const pair = (rig.pair = await startSerialPair(dir, 'tty'));
  const first = await startBroker();
  rig.brokers.push(first);
  const firstSubscriber = await startSubscriber(first.port, BRIDGE_TOPICS);
  rig.subscribers.push(firstSubscriber);
  const args = bridgeArgs({
    port: pair.hubEnd,
    mqttPort: first.port,
    name: 'rx-hall',
    extra: ['--mqtt-reconnect-ms', '200', '--log-level', 'debug'],
  });
  // Run as a service would be, from its own folder, with every default (the hub's data beside it in ./data).
  const where = { cwd: dir };
  rig.bridge = spawnBridge(args, where);
  await waitFor('bridge online', () => firstSubscriber.lastStatus('rx-hall')?.state === 'online');
  await firstSubscriber.close();
  rig.subscribers = [];

  await first.close();
  rig.brokers = [];
  await waitFor('bridge noticed the broker is gone', () =>
    rig.bridge!.logs.some((l) => l.msg === 'MQTT broker connection lost; buffering events'),
  );
  // The hall sensor sees the resident, then the pendant is pressed: the first of the outage, then one more.
  writeToSerial(pair.receiverEnd, wire(motion('hall-pir', 1), pendantPress('p1', 1)));
  await waitFor('bridge read both', () => rig.bridge!.logs.filter((l) => l.msg === 'serial event').length === 2);

  const exit = new Promise<number | null>((resolve) => rig.bridge!.child.once('exit', (code) => resolve(code)));
  rig.bridge.child.kill(signal);
  expect(await exit).toBe(signal === 'SIGTERM' ? 0 : null);

  // The broker is back on its port, the bridge started again; the bridge is let in once the subscriber listens.
  const subscriber = await brokerWithSubscriber(rig, first.port);
  rig.bridge = spawnBridge(args, where);

  await waitFor('the press from before the restart', () => subscriber.on('telecare/h1/devices/p1/events').length > 0);
  // Nothing left to send: the press was sent once, and the kept copy is gone.
  await waitFor('nothing left queued', () => {
    const s = subscriber.lastStatus('rx-hall');
    return s?.state === 'online' && s.events.queued === 0 && s.events.published === 2;
  });
  expect(subscriber.on('telecare/h1/devices/hall-pir/events')).toEqual([
    expect.objectContaining({ type: 'motion', value: true }),
  ]);
  expect(subscriber.on('telecare/h1/devices/p1/events')).toEqual([
    expect.objectContaining({ type: 'pendant', value: true }),
  ]);
  // Only the running bridge's hold on its spool is left (review, session 68: bridge-rx-hall.spool.lock).
  await waitFor('the kept copy removed', () =>
    fs.readdirSync(path.join(dir, 'data')).every((f) => f === 'bridge-rx-hall.spool.lock'),
  );
}

it('keeps a press held while the broker is away over a SIGTERM, and sends it once from the next start', async () => {
  await pressKeptOver('SIGTERM');
});

it('keeps it too when the bridge is killed outright (SIGKILL: systemd past its stop timeout, a crash)', async () => {
  await pressKeptOver('SIGKILL');
});

it('sends what a kept file holds whole, and counts a line cut short as dropped instead of failing to start', async () => {
  const dir = (rig.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bridge-s60-torn-')));
  const pair = (rig.pair = await startSerialPair(dir, 'tty'));
  const broker = await startBroker();
  rig.brokers.push(broker);
  const subscriber = await startSubscriber(broker.port, BRIDGE_TOPICS);
  rig.subscribers.push(subscriber);
  const press = { topic: 'telecare/h1/devices/p1/events', payload: '{"type":"pendant","value":true}', urgent: true };
  const cut = JSON.stringify({ ...press, topic: 'telecare/h1/devices/p2/events' }).slice(0, 30);
  fs.mkdirSync(path.join(dir, 'kept'));
  const spool = path.join(dir, 'kept', 'rx.spool');
  fs.writeFileSync(spool, `${JSON.stringify(press)}\n${cut}`);

  const bridge = (rig.bridge = spawnBridge(
    bridgeArgs({ port: pair.hubEnd, mqttPort: broker.port, name: 'rx-hall', extra: ['--spool', spool] }),
  ));
  const status = await waitFor('the kept press delivered', () => {
    const s = subscriber.lastStatus('rx-hall');
    return s?.state === 'online' && s.events.published === 1 ? s : undefined;
  });
  expect(status.events.dropped).toBe(1);
  expect(subscriber.on('telecare/h1/devices/p1/events')).toEqual([{ type: 'pendant', value: true }]);
  await waitFor('the delivered file removed', () => !fs.existsSync(spool));
  expect(bridge.child.exitCode).toBeNull();
});
