// Review, session 49: dashboard credentials changed on a full disk. A new password (POST /api/me/password) and a new
// user (POST /api/users) need a stored row; storage refused it and the hub answered 500 INTERNAL with a stack in the
// log. Now both answer 503 STORAGE_UNAVAILABLE saying nothing changed (the old password and the sessions still count,
// no user was made), with Retry-After, and the same request succeeds once space returns.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, adminCookie, killHub, tempDir, writeConfig, type HubProcess } from './helpers.js';
import { namespacesRefused, TmpfsHolder } from './tmpfs.js';

const refused = namespacesRefused();
if (refused) console.warn(`test/hub/review-s49-full-disk-users.test.ts skipped: ${refused}`);

let dir: string;
let holder: TmpfsHolder | undefined;
let hub: HubProcess | undefined;

beforeEach(() => {
  dir = tempDir('fulldisk-users');
  fs.mkdirSync(path.join(dir, 'mnt'));
});

afterEach(async () => {
  await killHub(hub);
  hub = undefined;
  await holder?.stop();
  holder = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

const NEW_PASSWORD = 'a new admin password chosen on a full disk';

function post(h: HubProcess, url: string, body: unknown, cookie?: string): Promise<Response> {
  return fetch(`http://127.0.0.1:${h.httpPort}${url}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(cookie === undefined ? {} : { cookie }) },
    body: JSON.stringify(body),
  });
}

const me = async (h: HubProcess, cookie: string): Promise<number> =>
  (await fetch(`http://127.0.0.1:${h.httpPort}/api/me`, { headers: { cookie } })).status;

describe.skipIf(refused !== undefined)('dashboard credentials on a full disk', () => {
  it('a password change and a new user answer 503 and change nothing; both work once space returns', async () => {
    holder = await TmpfsHolder.start(path.join(dir, 'mnt'), 2048);
    hub = await holder.spawnHub(writeConfig(dir));
    const cookie = await adminCookie(hub.httpPort);
    holder.fill();

    const change = () =>
      post(hub!, '/api/me/password', { currentPassword: ADMIN_PASSWORD, newPassword: NEW_PASSWORD }, cookie);
    const refusedChange = await change();
    expect(refusedChange.status).toBe(503);
    expect(refusedChange.headers.get('retry-after')).toMatch(/^\d+$/);
    const changeBody = (await refusedChange.json()) as { error: string; message: string };
    expect(changeBody.error).toBe('STORAGE_UNAVAILABLE');
    expect(changeBody.message).toMatch(/password.*not changed/i);
    // Nothing changed: the session still counts, the old password still logs in, the new one does not.
    expect(await me(hub, cookie)).toBe(200);
    expect((await post(hub, '/api/login', { username: 'admin', password: NEW_PASSWORD })).status).toBe(401);

    const create = () =>
      post(hub!, '/api/users', { username: 'sam', password: 'a password for sam', role: 'responder' }, cookie);
    const refusedUser = await create();
    expect(refusedUser.status).toBe(503);
    const userBody = (await refusedUser.json()) as { error: string; message: string };
    expect(userBody.error).toBe('STORAGE_UNAVAILABLE');
    expect(userBody.message).toMatch(/not created/i);
    const users = (await (
      await fetch(`http://127.0.0.1:${hub.httpPort}/api/users`, { headers: { cookie } })
    ).json()) as { username: string }[];
    expect(users.map((u) => u.username)).toEqual(['admin']);

    holder.free();
    expect((await create()).status).toBe(201);
    expect((await change()).status).toBe(204);
    expect(await me(hub, cookie)).toBe(401);
    expect((await post(hub, '/api/login', { username: 'admin', password: NEW_PASSWORD })).status).toBe(200);
    expect((await post(hub, '/api/login', { username: 'sam', password: 'a password for sam' })).status).toBe(200);
  }, 180_000);
});
