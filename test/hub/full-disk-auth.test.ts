// Dashboard logins on a full disk (issue 15): logout still ends the session; a changed HUB_ADMIN_PASSWORD starts degraded.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyPassword } from '../../hub/passwords.js';
import { adminCookie, killHub, tempDir, writeConfig, type HubProcess } from './helpers.js';
import { namespacesRefused, TmpfsHolder } from './tmpfs.js';

const refused = namespacesRefused();
if (refused) console.warn(`test/hub/full-disk-auth.test.ts skipped: ${refused}`);

let dir: string;
let holder: TmpfsHolder | undefined;
let hub: HubProcess | undefined;

beforeEach(() => {
  dir = tempDir('fulldisk-auth');
  fs.mkdirSync(path.join(dir, 'mnt'));
});

afterEach(async () => {
  await killHub(hub);
  hub = undefined;
  await holder?.stop();
  holder = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

const startHub = (h: TmpfsHolder, env: Record<string, string> = {}): Promise<HubProcess> =>
  h.spawnHub(writeConfig(dir), env);

async function stopHub(h: HubProcess): Promise<number | null> {
  h.child.kill('SIGTERM');
  return h.exited;
}

async function login(h: HubProcess, password: string): Promise<{ status: number; cookie: string }> {
  const response = await fetch(`http://127.0.0.1:${h.httpPort}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password }),
  });
  const cookie = response.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  return { status: response.status, cookie };
}

const me = async (h: HubProcess, cookie: string): Promise<number> =>
  (await fetch(`http://127.0.0.1:${h.httpPort}/api/me`, { headers: { cookie } })).status;

/** The admin's stored password hash, read from a copy of the stopped hub's database. */
function storedAdminHash(h: TmpfsHolder): string {
  const copy = path.join(dir, 'copy');
  fs.mkdirSync(copy, { recursive: true });
  for (const name of fs.readdirSync(path.join(h.outside, 'data'))) {
    if (name.startsWith('hub.db')) fs.copyFileSync(path.join(h.outside, 'data', name), path.join(copy, name));
  }
  const db = new Database(path.join(copy, 'hub.db'), { readonly: true });
  try {
    const row = db.prepare("SELECT password_hash FROM dashboard_users WHERE username = 'admin'").get() as {
      password_hash: string;
    };
    return row.password_hash;
  } finally {
    db.close();
  }
}

describe.skipIf(refused !== undefined)('dashboard logins on a full disk', () => {
  it('logout on a full disk ends the session and clears the cookie; the session stays ended once space returns', async () => {
    holder = await TmpfsHolder.start(path.join(dir, 'mnt'), 2048);
    hub = await startHub(holder);
    const cookie = await adminCookie(hub.httpPort);
    expect(await me(hub, cookie)).toBe(200);
    holder.fill();

    const logout = await fetch(`http://127.0.0.1:${hub.httpPort}/api/logout`, {
      method: 'POST',
      headers: { cookie },
    });
    expect(logout.status).toBe(204);
    expect(logout.headers.getSetCookie().join('\n')).toMatch(/Expires=Thu, 01 Jan 1970|Max-Age=0/);
    expect(await me(hub, cookie)).toBe(401);

    holder.free();
    expect(await me(hub, cookie)).toBe(401);
    // And after a restart: the session was deleted from the database too.
    expect(await stopHub(hub)).toBe(0);
    hub = await startHub(holder);
    expect(await me(hub, cookie)).toBe(401);
  }, 180_000);

  it('a changed HUB_ADMIN_PASSWORD on a full disk: the hub starts degraded, the new password counts, the old one and its sessions not', async () => {
    holder = await TmpfsHolder.start(path.join(dir, 'mnt'), 2048);
    hub = await startHub(holder);
    const oldSession = await adminCookie(hub.httpPort);
    expect(await stopHub(hub)).toBe(0);
    holder.fill();

    const changed = 'a new admin password for the full disk';
    hub = await startHub(holder, { HUB_ADMIN_PASSWORD: changed });
    expect(hub.child.exitCode).toBeNull();
    const fresh = await login(hub, changed);
    expect(fresh.status).toBe(200);
    const health = (await (
      await fetch(`http://127.0.0.1:${hub.httpPort}/api/health`, { headers: { cookie: fresh.cookie } })
    ).json()) as { storage: { state: string } };
    expect(health.storage.state).toBe('degraded');
    expect(await me(hub, fresh.cookie)).toBe(200);
    expect((await login(hub, 'correct horse battery staple')).status).toBe(401);
    expect(await me(hub, oldSession)).toBe(401);

    // Space returns: the next login stores the new password (read after a clean stop).
    holder.free();
    expect((await login(hub, changed)).status).toBe(200);
    expect(await stopHub(hub)).toBe(0);
    hub = undefined;
    expect(await verifyPassword(changed, storedAdminHash(holder))).toBe(true);
  }, 180_000);
});
