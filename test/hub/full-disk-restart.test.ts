// A hub (re)started on a disk that is already full: a small tmpfs in a user + mount namespace of its own.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { adminCookie, killHub, mqttClient, nextMessage, tempDir, writeConfig, type HubProcess } from './helpers.js';
import { namespacesRefused, TmpfsHolder } from './tmpfs.js';

const refused = namespacesRefused();
if (refused) console.warn(`test/hub/full-disk-restart.test.ts skipped: ${refused}`);

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

const startHub = (h: TmpfsHolder): Promise<HubProcess> => h.spawnHub(writeConfig(dir));

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
