// A hub (re)started on a disk that is already full: a small tmpfs in a user + mount namespace of its own.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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

/** Why these tests cannot run here (no unshare, or user namespaces not allowed), or undefined when they can. */
function namespacesRefused(): string | undefined {
  const probe = tempDir('ns-probe');
  try {
    const run = spawnSync('unshare', ['-rm', 'sh', '-c', 'mount -t tmpfs -o size=64k tmpfs "$0"', probe], {
      encoding: 'utf8',
    });
    if (run.error) return `unshare (util-linux) cannot run: ${run.error.message}`;
    if (run.status !== 0) return `user + mount namespaces are not allowed here: ${run.stderr.trim()}`;
    if (spawnSync('nsenter', ['--version']).error) return 'nsenter (util-linux) is missing';
    return undefined;
  } finally {
    fs.rmSync(probe, { recursive: true, force: true });
  }
}

const refused = namespacesRefused();
if (refused) console.warn(`test/hub/full-disk-restart.test.ts skipped: ${refused}`);

/**
 * A process that holds a namespace with a small tmpfs mounted on `mountDir`; the hub runs inside it, the test sees
 * the tmpfs through /proc/<pid>/root. The tmpfs goes with the namespace when this process and the hub are gone.
 */
class TmpfsHolder {
  private constructor(
    readonly child: ChildProcess,
    readonly mountDir: string,
  ) {}

  static async start(mountDir: string, sizeKiB: number): Promise<TmpfsHolder> {
    const child = spawn(
      'unshare',
      [
        '-rm',
        '--propagation',
        'private',
        'sh',
        '-c',
        `mount -t tmpfs -o size=${sizeKiB}k tmpfs "$0" && echo mounted && exec sleep infinity`,
        mountDir,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        if (d.toString().includes('mounted')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`tmpfs holder exited with ${code}: ${err}`)));
    });
    return new TmpfsHolder(child, mountDir);
  }

  /** The tmpfs as the test (outside the namespace) reaches it. */
  get outside(): string {
    return `/proc/${this.child.pid}/root${this.mountDir}`;
  }

  /** Runs a program inside the namespace, as the same user, in the project folder (nsenter execs it: same pid). */
  get launcher(): { program: string; args: string[] } {
    return {
      program: 'nsenter',
      args: ['-t', String(this.child.pid), '-U', '-m', '--preserve-credentials', `--wd=${projectRoot}`],
    };
  }

  /** Fill the tmpfs with a file until the kernel says ENOSPC. */
  fill(): void {
    const fd = fs.openSync(path.join(this.outside, 'filler'), 'w');
    const chunk = Buffer.alloc(4096);
    try {
      for (;;) fs.writeSync(fd, chunk);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
    } finally {
      fs.closeSync(fd);
    }
  }

  free(): void {
    fs.rmSync(path.join(this.outside, 'filler'));
  }

  stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGKILL');
    return exited;
  }
}

let dir: string;
let holder: TmpfsHolder | undefined;
let hub: HubProcess | undefined;

beforeEach(() => {
  dir = tempDir('fulldisk');
  fs.mkdirSync(path.join(dir, 'mnt'));
});

afterEach(async () => {
  await killHub(hub);
  hub = undefined;
  await holder?.stop();
  holder = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

const startHub = (h: TmpfsHolder): Promise<HubProcess> =>
  spawnHub({ HUB_DATA_DIR: path.join(h.mountDir, 'data'), HUB_CONFIG: writeConfig(dir) }, 60_000, h.launcher);

/** Graceful stop (SIGTERM) of the hub by its pid; resolves with its exit code. */
async function stopHub(h: HubProcess): Promise<number | null> {
  h.child.kill('SIGTERM');
  return h.exited;
}

async function pendantAlert(h: HubProcess): Promise<{ kind: string; state: string }> {
  const responder = await mqttClient(h.mqttPort);
  try {
    await responder.subscribeAsync('telecare/+/alerts/+', { qos: 1 });
    const arrives = nextMessage(responder, (t) => t.startsWith('telecare/h1/alerts/'), 30_000);
    const pendant = await mqttClient(h.mqttPort);
    await pendant.publishAsync('telecare/h1/devices/p1/events', '{"type":"pendant","value":true}', { qos: 0 });
    await pendant.endAsync();
    return JSON.parse((await arrives).payload.toString()) as { kind: string; state: string };
  } finally {
    await responder.endAsync();
  }
}

interface Health {
  status?: string;
  storage: { state: string; alertsHeldInMemory: number; pendingStartupWrites: string[] };
}

async function health(h: HubProcess, cookie: string): Promise<Health> {
  return (await fetch(`http://127.0.0.1:${h.httpPort}/api/health`, { headers: { cookie } })).json() as never;
}

async function pollHealth(h: HubProcess, cookie: string, state: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while ((await health(h, cookie)).storage.state !== state) {
    if (Date.now() > deadline) throw new Error(`storage never became ${state}:\n${h.stdout()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The alerts in the database of a stopped hub (copied out: SQLite resolves the /proc/<pid>/root link to '/'). */
function storedAlerts(h: TmpfsHolder): { kind: string; state: string }[] {
  const copy = path.join(dir, 'copy');
  fs.mkdirSync(copy, { recursive: true });
  for (const name of fs.readdirSync(path.join(h.outside, 'data'))) {
    if (name.startsWith('hub.db')) fs.copyFileSync(path.join(h.outside, 'data', name), path.join(copy, name));
  }
  const db = new Database(path.join(copy, 'hub.db'), { readonly: true });
  try {
    return db.prepare('SELECT kind, state FROM alerts ORDER BY raised_at').all() as never;
  } finally {
    db.close();
  }
}

/**
 * On the full disk: a responder who was not logged in can log in, health says degraded from the start (its first
 * write failed), the pendant alert goes out from memory; once space returns it is stored (read after a clean stop).
 */
async function alertFromMemoryThenStored(h: TmpfsHolder, running: HubProcess): Promise<void> {
  const cookie = await adminCookie(running.httpPort);
  const atStart = await health(running, cookie);
  expect(atStart.status).toBe('degraded');
  expect(atStart.storage).toMatchObject({ state: 'degraded', alertsHeldInMemory: 0 });
  expect(atStart.storage.pendingStartupWrites).toContain('format-mark');

  expect(await pendantAlert(running)).toMatchObject({ kind: 'pendant', state: 'raised' });
  expect((await health(running, cookie)).storage).toMatchObject({ state: 'degraded', alertsHeldInMemory: 1 });

  h.free();
  await pollHealth(running, cookie, 'ok');
  expect((await health(running, cookie)).storage).toMatchObject({ alertsHeldInMemory: 0, pendingStartupWrites: [] });
  expect(running.child.exitCode).toBeNull();
  expect(await stopHub(running)).toBe(0);
  expect(storedAlerts(h)).toEqual([{ kind: 'pendant', state: 'raised' }]);
}

describe.skipIf(refused !== undefined)('a hub started on a disk that is already full', () => {
  it('after kill -9 on the full disk: it starts again, the pendant alert goes out from memory, health says degraded, it is stored once space returns', async () => {
    holder = await TmpfsHolder.start(path.join(dir, 'mnt'), 2048);
    hub = await startHub(holder);
    holder.fill();
    hub.child.kill('SIGKILL');
    await hub.exited;

    hub = await startHub(holder);
    await alertFromMemoryThenStored(holder, hub);
  }, 180_000);

  it('stopped cleanly, then the disk filled while it was down: it starts (no room for the shared-memory file), alerts go out, and are stored once space returns', async () => {
    holder = await TmpfsHolder.start(path.join(dir, 'mnt'), 2048);
    hub = await startHub(holder);
    expect(await stopHub(hub)).toBe(0);
    // A clean stop checkpoints and removes the WAL and its shared-memory file: a new start must create them.
    expect(fs.readdirSync(path.join(holder.outside, 'data'))).not.toContain('hub.db-shm');
    holder.fill();

    hub = await startHub(holder);
    expect(hub.stdout()).toContain('disk full');
    await alertFromMemoryThenStored(holder, hub);
  }, 180_000);

  it('a first start on a full disk (no database yet): a clear message and exit code 5, nothing half-made', async () => {
    holder = await TmpfsHolder.start(path.join(dir, 'mnt'), 2048);
    fs.mkdirSync(path.join(holder.outside, 'data'), { mode: 0o700 });
    holder.fill();
    await expect(startHub(holder)).rejects.toThrow(/hub exited with 5:[\s\S]*the disk is full/);

    // Once there is room the same folder makes a working hub: nothing taken for damage.
    holder.free();
    hub = await startHub(holder);
    expect(await pendantAlert(hub)).toMatchObject({ kind: 'pendant', state: 'raised' });
  }, 180_000);
});
