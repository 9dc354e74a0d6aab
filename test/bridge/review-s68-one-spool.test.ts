// Review, session 68: two bridges started with the same --name (two receivers, one name copied from the first's unit
// file; or the same bridge started twice) kept their events in one spool file. While the broker was away, each wrote
// over what the other had kept: the pendant press one held on disk was replaced by the other's motion, and after a
// restart only the motion reached the hub. A second bridge on a spool in use is now refused naming the first's pid; a
// first bridge killed with -9 leaves nothing behind that refuses the next.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, expect, it } from 'vitest';
import {
  BRIDGE_TOPICS,
  brokerWithSubscriber,
  bridgeArgs,
  killProcess,
  requireBuiltCli,
  spawnBridge,
  startBroker,
  startSerialPair,
  startSubscriber,
  stopRestartRig,
  waitFor,
  writeToSerial,
  type BridgeProcess,
  type RestartRig,
  type SerialPair,
} from './helpers.js';
import { motion, pendantPress, wire } from './fixtures.js';

const rig: RestartRig = { brokers: [], subscribers: [] };
let second: BridgeProcess | undefined;
let secondPair: SerialPair | undefined;

beforeAll(requireBuiltCli);

afterEach(async () => {
  await killProcess(second?.child);
  await killProcess(secondPair?.process);
  second = secondPair = undefined;
  await stopRestartRig(rig);
});

function said(bridge: BridgeProcess, msg: string): boolean {
  return bridge.logs.some((l) => l.msg === msg);
}

/** The spool's lines as they are on disk (none when there is no file). */
function spoolText(file: string): string {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
}

function serialEvents(bridge: BridgeProcess): number {
  return bridge.logs.filter((l) => l.msg === 'serial event').length;
}

it('refuses a second bridge on the spool in use, naming the first, whose kept press then reaches the hub', async () => {
  const dir = (rig.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bridge-s68-one-spool-')));
  const hall = (rig.pair = await startSerialPair(dir, 'hall'));
  const landing = (secondPair = await startSerialPair(dir, 'landing'));
  const broker = await startBroker();
  rig.brokers.push(broker);
  const subscriber = await startSubscriber(broker.port, BRIDGE_TOPICS);
  rig.subscribers.push(subscriber);
  const common = { mqttPort: broker.port, name: 'rx', extra: ['--mqtt-reconnect-ms', '200', '--log-level', 'debug'] };
  // Both run as services would, from one folder, with every default: the spool is ./data/bridge-rx.spool.
  const where = { cwd: dir };
  const spool = path.join(dir, 'data', 'bridge-rx.spool');
  const first = (rig.bridge = spawnBridge(bridgeArgs({ ...common, port: hall.hubEnd }), where));
  await waitFor('first bridge online', () => subscriber.lastStatus('rx')?.state === 'online');

  // The hub is away (an upgrade): the first bridge buffers.
  await subscriber.close();
  rig.subscribers = [];
  await broker.close();
  rig.brokers = [];
  await waitFor('first bridge buffering', () => said(first, 'MQTT broker connection lost; buffering events'));

  // The second receiver's bridge, given the same name.
  second = spawnBridge(bridgeArgs({ ...common, port: landing.hubEnd }), where);
  const secondExit = new Promise<number | null>((resolve) => second!.child.once('exit', (code) => resolve(code)));
  await waitFor(
    'second bridge refused or reading its port',
    () => second!.child.exitCode !== null || second!.logs.some((l) => (l as { port?: string }).port === 'open'),
  );

  // The resident presses the pendant (first receiver), then walks onto the landing (second receiver).
  writeToSerial(hall.receiverEnd, wire(pendantPress('p1', 1)));
  await waitFor('first bridge read the press', () => serialEvents(first) === 1);
  // Killed only once the press is kept: the bridge logs reading it before it writes the spool (sent first, kept on disk
  // after), and a kill in between (an fsync slow under load) left only bridge-rx.spool.partial, nothing for the next
  // start to send (session 68: 'timed out waiting for the kept press delivered', 1 run in 4 with four at once).
  await waitFor('the press kept in the spool', () =>
    spoolText(spool).includes('"topic":"telecare/h1/devices/p1/events"'),
  );
  writeToSerial(landing.receiverEnd, wire(motion('landing-pir', 1)));
  if (second.child.exitCode === null) await waitFor('second bridge read the motion', () => serialEvents(second!) === 1);

  // Both killed outright (a power cut, systemd past its stop timeout).
  await killProcess(first.child);
  await killProcess(second.child);

  // The hub back; the first receiver's bridge started again: the press it kept reaches the hub, once.
  const back = await brokerWithSubscriber(rig, broker.port);
  const keptAtKill = spoolText(spool);
  const next = (rig.bridge = spawnBridge(bridgeArgs({ ...common, port: hall.hubEnd }), where));
  await waitFor('the kept press delivered', () => back.on('telecare/h1/devices/p1/events').length > 0).catch(
    (err: unknown) => {
      // What the next start had to send, and what it said: a failure here tells a lost press from a slow start.
      const nextSaid = next.logs.map((l) => JSON.stringify(l)).join('\n');
      throw new Error(
        `${(err as Error).message}\nspool at the kill:\n${keptAtKill}\nthe next bridge said:\n${nextSaid}`,
      );
    },
  );
  await waitFor('nothing left queued', () => {
    const s = back.lastStatus('rx');
    return s?.state === 'online' && s.events.queued === 0 && s.events.published === 1;
  });
  expect(back.on('telecare/h1/devices/p1/events')).toEqual([expect.objectContaining({ type: 'pendant', value: true })]);
  expect(next.child.exitCode).toBeNull();

  // The second bridge had been refused at its start, naming the first, and never touched the spool.
  expect(await secondExit).toBe(6);
  const stderr = second.logs.map((l) => l.msg ?? '').join('');
  expect(stderr).toContain(
    `telecare bridge: another bridge (pid ${first.child.pid}) is already running on the spool ${spool}`,
  );
  expect(stderr).toContain(`Stop it first (kill ${first.child.pid}), or give this one a --name of its own`);
  expect(second.logs.some((l) => l.msg === 'serial event')).toBe(false);
}, 90_000);
