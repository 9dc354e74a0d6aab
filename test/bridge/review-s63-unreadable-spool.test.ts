// Story: the bridge was once run by hand as root (an installer trying the receiver), and that run kept a pendant press in
// its spool, a file only root may read. The service then runs as its own user: it cannot read the spool. The events in
// it are the only copy of that press; the bridge must not remove or write over them, but keep them aside and say so.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, expect, it } from 'vitest';
import {
  BRIDGE_TOPICS,
  killProcess,
  requireBuiltCli,
  spawnBridge,
  startBroker,
  startSubscriber,
  waitFor,
  type BridgeProcess,
  type Subscriber,
  type TestBroker,
} from './helpers.js';

// The service account: `nobody` stands for the Pi's `telecare` user.
const SERVICE_UID = 65534;
const SERVICE_GID = 65534;

let dir: string | undefined;
let broker: TestBroker | undefined;
let subscriber: Subscriber | undefined;
let bridge: BridgeProcess | undefined;

beforeAll(requireBuiltCli);

afterEach(async () => {
  await killProcess(bridge?.child);
  await subscriber?.close();
  await broker?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = broker = subscriber = bridge = undefined;
});

const press = { topic: 'telecare/h1/devices/p1/events', payload: '{"type":"pendant","value":true}', urgent: true };

it.skipIf(process.getuid?.() !== 0)(
  'keeps a spool it cannot read aside, whole, instead of removing it at its stop, and says where in its log and status',
  async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bridge-s63-unreadable-'));
    fs.chmodSync(dir, 0o755);
    // The service's data folder, its own; the spool in it left by the run as root, readable by root only.
    const data = path.join(dir, 'data');
    fs.mkdirSync(data, { mode: 0o700 });
    fs.chownSync(data, SERVICE_UID, SERVICE_GID);
    const spool = path.join(data, 'bridge-rx-hall.spool');
    fs.writeFileSync(spool, `${JSON.stringify(press)}\n`, { mode: 0o600 });

    broker = await startBroker();
    subscriber = await startSubscriber(broker.port, BRIDGE_TOPICS);
    bridge = spawnBridge(
      [
        // No receiver plugged in: the spool is what this story is about.
        '--port',
        path.join(dir, 'no-receiver'),
        '--framing',
        'cobs',
        '--home',
        'h1',
        '--mqtt',
        `mqtt://127.0.0.1:${broker.port}`,
        '--name',
        'rx-hall',
        '--status-interval-ms',
        '60000',
      ],
      { cwd: dir, uid: SERVICE_UID, gid: SERVICE_GID },
    );
    await waitFor('the bridge connected', () => bridge!.logs.some((l) => l.msg === 'connected to MQTT broker'));
    const exit = new Promise<number | null>((resolve) => bridge!.child.once('exit', (code) => resolve(code)));
    bridge.child.kill('SIGTERM');
    expect(await exit).toBe(0);

    // The press is still on disk, whole, beside the spool's name.
    const kept = fs
      .readdirSync(data)
      .filter((f) => f.startsWith('bridge-rx-hall.spool') && f !== 'bridge-rx-hall.spool.lock');
    expect(kept).toEqual([expect.stringMatching(/^bridge-rx-hall\.spool\.unreadable-/)]);
    const keptAs = path.join(data, kept[0]!);
    expect(fs.readFileSync(keptAs, 'utf8')).toBe(`${JSON.stringify(press)}\n`);
    // Said where: in the log, and in the bridge's status.
    expect(bridge.logs).toContainEqual(expect.objectContaining({ spool: spool, keptAs }));
    const status = subscriber.lastStatus('rx-hall') as unknown as { spool: unknown };
    expect(status.spool).toEqual({ path: spool, unreadableKeptAs: keptAs });
  },
  60_000,
);

it("never moves a folder named as its spool (the hub's data folder by mistake): events held in memory only, said so", async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bridge-s63-folder-spool-'));
  const data = path.join(dir, 'data');
  fs.mkdirSync(data);
  fs.writeFileSync(path.join(data, 'hub.db'), "the hub's database");
  broker = await startBroker();
  subscriber = await startSubscriber(broker.port, BRIDGE_TOPICS);
  bridge = spawnBridge([
    '--port',
    path.join(dir, 'no-receiver'),
    '--framing',
    'cobs',
    '--home',
    'h1',
    '--mqtt',
    `mqtt://127.0.0.1:${broker.port}`,
    '--name',
    'rx-hall',
    '--status-interval-ms',
    '60000',
    '--spool',
    data,
  ]);
  await waitFor('the bridge connected', () => bridge!.logs.some((l) => l.msg === 'connected to MQTT broker'));
  const exit = new Promise<number | null>((resolve) => bridge!.child.once('exit', (code) => resolve(code)));
  bridge.child.kill('SIGTERM');
  expect(await exit).toBe(0);

  expect(fs.readdirSync(dir).filter((f) => f.startsWith('data'))).toEqual(['data']);
  expect(fs.readFileSync(path.join(data, 'hub.db'), 'utf8')).toBe("the hub's database");
  expect(bridge.logs).toContainEqual(expect.objectContaining({ spool: data, level: 50 }));
  const status = subscriber.lastStatus('rx-hall') as unknown as { spool: unknown };
  expect(status.spool).toEqual({ path: null, unreadableKeptAs: null });
}, 60_000);
