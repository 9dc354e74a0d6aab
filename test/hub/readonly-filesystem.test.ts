// The SD card's filesystem turned read-only under the running hub, as ext4 does after an error (errors=remount-ro):
// a real ext4 image on a loop device, mounted in a mount namespace of its own, its error triggered through sysfs.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../alerts/helpers.js';
import {
  adminCookie,
  killHub,
  mqttClient,
  nextMessage,
  projectRoot,
  spawnHub,
  tempDir,
  writeConfig,
  type HubProcess,
} from './helpers.js';

/** Why this cannot run here (not root, no loop devices or ext4, no mount namespaces), or undefined when it can. */
function loopExt4Refused(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (a loop device and an ext4 mount)';
  const probe = tempDir('ext4-probe');
  try {
    const img = path.join(probe, 'img');
    fs.mkdirSync(path.join(probe, 'm'));
    fs.writeFileSync(img, '');
    fs.truncateSync(img, 4 * 1024 * 1024);
    const mkfs = spawnSync('mkfs.ext4', ['-q', img], { encoding: 'utf8' });
    if (mkfs.status !== 0) return `mkfs.ext4 failed: ${mkfs.error?.message ?? mkfs.stderr}`;
    const mount = spawnSync('unshare', ['-m', '--propagation', 'private', 'mount', '-o', 'loop', img, `${probe}/m`], {
      encoding: 'utf8',
    });
    return mount.status === 0 ? undefined : `cannot mount a loop device: ${mount.error?.message ?? mount.stderr}`;
  } finally {
    fs.rmSync(probe, { recursive: true, force: true });
  }
}

const refused = loopExt4Refused();
if (refused) console.warn(`test/hub/readonly-filesystem.test.ts skipped: ${refused}`);

/** A process holding a mount namespace with the ext4 image mounted on `mountDir` (the loop device goes with it). */
class Ext4Holder {
  private constructor(
    readonly child: ChildProcess,
    readonly mountDir: string,
  ) {}

  static async start(image: string, mountDir: string): Promise<Ext4Holder> {
    const child = spawn(
      'unshare',
      [
        '-m',
        '--propagation',
        'private',
        'sh',
        '-c',
        'mount -o loop,errors=remount-ro "$0" "$1" && echo mounted && exec sleep infinity',
        image,
        mountDir,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('mounted') && resolve());
      child.once('exit', (code) => reject(new Error(`holder exited with ${code}: ${err}`)));
    });
    return new Ext4Holder(child, mountDir);
  }

  get outside(): string {
    return `/proc/${this.child.pid}/root${this.mountDir}`;
  }

  /** The loop device's name (`loop3`), from the namespace's mount table. */
  get device(): string {
    const mounts = fs.readFileSync(`/proc/${this.child.pid}/mountinfo`, 'utf8').split('\n');
    const line = mounts.find((l) => l.split(' ')[4] === this.mountDir);
    const source = line?.split(' - ')[1]?.split(' ')[1];
    if (!source) throw new Error(`no mount on ${this.mountDir}`);
    return path.basename(source);
  }

  /** What ext4 does on an error with errors=remount-ro: the filesystem turns read-only at once. */
  fail(): void {
    fs.writeFileSync(`/sys/fs/ext4/${this.device}/trigger_fs_error`, '1');
  }

  spawnHub(configFile: string): Promise<HubProcess> {
    return spawnHub({ HUB_DATA_DIR: path.join(this.mountDir, 'data'), HUB_CONFIG: configFile }, 60_000, {
      program: 'nsenter',
      args: ['-t', String(this.child.pid), '-m', `--wd=${projectRoot}`],
    });
  }

  stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGKILL');
    return exited;
  }
}

let dir: string;
let holder: Ext4Holder | undefined;
let hub: HubProcess | undefined;
const clients: MqttClient[] = [];

beforeEach(() => {
  dir = tempDir('readonly-fs');
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true).catch(() => undefined)));
  await killHub(hub);
  hub = undefined;
  await holder?.stop();
  holder = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

async function client(port: number, options: Parameters<typeof mqttClient>[1] = {}): Promise<MqttClient> {
  const c = await mqttClient(port, options);
  clients.push(c);
  return c;
}

describe.skipIf(refused !== undefined)('the data filesystem turns read-only under the running hub', () => {
  it('ext4 emergency read-only: the hub stays up, tells the alert from memory, acknowledges no event, says degraded; nothing acknowledged before is lost', async () => {
    const image = path.join(dir, 'sd.img');
    fs.writeFileSync(image, '');
    fs.truncateSync(image, 32 * 1024 * 1024);
    expect(spawnSync('mkfs.ext4', ['-q', image]).status).toBe(0);
    const mountDir = path.join(dir, 'sd');
    fs.mkdirSync(mountDir);
    holder = await Ext4Holder.start(image, mountDir);
    hub = await holder.spawnHub(writeConfig(dir));
    const cookie = await adminCookie(hub.httpPort);
    const responder = await client(hub.mqttPort);
    await responder.subscribeAsync('telecare/+/alerts/+', { qos: 1 });
    const sensor = await client(hub.mqttPort, { clientId: 'hall-pir-sensor', clean: false, reconnectPeriod: 200 });
    const send = (value: boolean): Promise<unknown> =>
      sensor.publishAsync('telecare/h1/devices/hall-pir/events', JSON.stringify({ type: 'motion', value }), { qos: 1 });
    await send(true);

    holder.fail();
    let acked = false;
    void send(false).then(() => (acked = true));
    const arrives = nextMessage(responder, (t) => /^telecare\/h1\/alerts\/[^/]+$/.test(t), 20_000);
    const pendant = await client(hub.mqttPort);
    await pendant.publishAsync('telecare/h1/devices/p1/events', '{"type":"pendant","value":true}', { qos: 0 });
    expect(JSON.parse((await arrives).payload.toString())).toMatchObject({ kind: 'pendant', state: 'raised' });

    const running = hub;
    const health = async (): Promise<{ status: string; storage: Record<string, unknown> }> =>
      (await fetch(`http://127.0.0.1:${running.httpPort}/api/health`, { headers: { cookie } })).json() as never;
    let seen = await health();
    const deadline = Date.now() + 30_000;
    while (seen.storage.eventWrites !== 'failing' || seen.storage.alertsHeldInMemory !== 1) {
      if (Date.now() > deadline) throw new Error(`health never showed the fault: ${JSON.stringify(seen)}`);
      await new Promise((r) => setTimeout(r, 100));
      seen = await health();
    }
    expect(seen.status).toBe('degraded');
    expect(acked).toBe(false);
    await waitFor(() => running.stdout().includes('"msg":"storage degraded'), 'the log line');
    expect(hub.child.exitCode).toBeNull();

    // The card taken out and checked: what was acknowledged before the fault is there.
    await killHub(hub);
    hub = undefined;
    await holder.stop();
    holder = undefined;
    spawnSync('e2fsck', ['-fy', image]);
    const copy = path.join(dir, 'copy');
    fs.mkdirSync(copy);
    const reader = await Ext4Holder.start(image, mountDir);
    try {
      for (const f of ['hub.db', 'hub.db-wal']) {
        const from = path.join(reader.outside, 'data', f);
        if (fs.existsSync(from)) fs.copyFileSync(from, path.join(copy, f));
      }
    } finally {
      await reader.stop();
    }
    const db = new Database(path.join(copy, 'hub.db'));
    try {
      const n = db.prepare(`SELECT count(*) AS n FROM events WHERE device_id = 'hall-pir'`).get() as { n: number };
      expect(n.n).toBe(1);
    } finally {
      db.close();
    }
  }, 120_000);
});
