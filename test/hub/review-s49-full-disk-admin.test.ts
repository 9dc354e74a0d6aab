// Review, session 49: the admin's other writes on a full disk. Creating an API token (POST /api/tokens), revoking one
// (DELETE /api/tokens/:id) and removing a user (DELETE /api/users/:username) each need a stored row; storage refused
// it and the hub answered 500 INTERNAL with a stack in the log. Now each answers 503 STORAGE_UNAVAILABLE with
// Retry-After, saying what was not done: above all, a revocation that cannot be stored says the token was NOT revoked
// (and it still works, as the answer says), rather than leaving the admin to believe it was. The same request succeeds
// once space returns.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { adminCookie, killHub, tempDir, writeConfig, type HubProcess } from './helpers.js';
import { namespacesRefused, TmpfsHolder } from './tmpfs.js';

const refused = namespacesRefused();
if (refused) console.warn(`test/hub/review-s49-full-disk-admin.test.ts skipped: ${refused}`);

let dir: string;
let holder: TmpfsHolder | undefined;
let hub: HubProcess | undefined;

beforeEach(() => {
  dir = tempDir('fulldisk-admin');
  fs.mkdirSync(path.join(dir, 'mnt'));
});

afterEach(async () => {
  await killHub(hub);
  hub = undefined;
  await holder?.stop();
  holder = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

const SAM_PASSWORD = 'a password for sam';

function call(
  h: HubProcess,
  method: string,
  url: string,
  auth: { cookie: string } | { token: string },
  body?: unknown,
) {
  const headers: Record<string, string> =
    'cookie' in auth ? { cookie: auth.cookie } : { authorization: `Bearer ${auth.token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  return fetch(`http://127.0.0.1:${h.httpPort}${url}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function login(h: HubProcess, username: string, password: string): Promise<{ status: number; cookie: string }> {
  const response = await fetch(`http://127.0.0.1:${h.httpPort}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  const cookie = response.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  return { status: response.status, cookie };
}

/** A 503 STORAGE_UNAVAILABLE with Retry-After whose message matches `says`. */
async function expectStorageRefusal(response: Response, says: RegExp): Promise<void> {
  const body = (await response.json()) as { error: string; message: string };
  expect({ status: response.status, error: body.error }).toEqual({ status: 503, error: 'STORAGE_UNAVAILABLE' });
  expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
  expect(body.message).toMatch(says);
}

describe.skipIf(refused !== undefined)('admin writes on a full disk', () => {
  it('creating a token, revoking one and removing a user answer 503 and change nothing; each works once space returns', async () => {
    holder = await TmpfsHolder.start(path.join(dir, 'mnt'), 2048);
    hub = await holder.spawnHub(writeConfig(dir));
    const admin = { cookie: await adminCookie(hub.httpPort) };
    expect(
      (await call(hub, 'POST', '/api/users', admin, { username: 'sam', password: SAM_PASSWORD, role: 'responder' }))
        .status,
    ).toBe(201);
    const sam = await login(hub, 'sam', SAM_PASSWORD);
    expect(sam.status).toBe(200);
    const made = await call(hub, 'POST', '/api/tokens', admin, { name: 'reader', role: 'responder' });
    expect(made.status).toBe(201);
    const reader = (await made.json()) as { id: string; token: string };
    const tokenWorks = async () => (await call(hub!, 'GET', '/api/alerts', { token: reader.token })).status;
    const samWorks = async () => (await call(hub!, 'GET', '/api/me', { cookie: sam.cookie })).status;
    expect(await tokenWorks()).toBe(200);
    holder.fill();

    // A new token: none made, none listed.
    const createToken = () => call(hub!, 'POST', '/api/tokens', admin, { name: 'monitor', role: 'responder' });
    await expectStorageRefusal(await createToken(), /'monitor' was not created/);
    const tokens = async () =>
      ((await (await call(hub!, 'GET', '/api/tokens', admin)).json()) as { name: string; revokedAt: string | null }[])
        .map((t) => `${t.name}:${t.revokedAt === null ? 'active' : 'revoked'}`)
        .sort();
    expect(await tokens()).toEqual(['reader:active']);

    // A revocation: the answer says the token was NOT revoked, and it indeed still works (as the answer says).
    const revoke = () => call(hub!, 'DELETE', `/api/tokens/${reader.id}`, admin);
    await expectStorageRefusal(await revoke(), /NOT revoked.*still works/);
    expect(await tokenWorks()).toBe(200);
    expect(await tokens()).toEqual(['reader:active']);

    // Removing a user: not removed, the session still counts.
    const removeSam = () => call(hub!, 'DELETE', '/api/users/sam', admin);
    await expectStorageRefusal(await removeSam(), /'sam' was not removed/);
    expect(await samWorks()).toBe(200);
    const users = async () =>
      ((await (await call(hub!, 'GET', '/api/users', admin)).json()) as { username: string }[]).map((u) => u.username);
    expect(await users()).toEqual(['admin', 'sam']);

    holder.free();
    expect((await createToken()).status).toBe(201);
    expect(await tokens()).toEqual(['monitor:active', 'reader:active']);
    expect((await revoke()).status).toBe(204);
    expect(await tokenWorks()).toBe(401);
    expect(await tokens()).toEqual(['monitor:active', 'reader:revoked']);
    expect((await removeSam()).status).toBe(204);
    expect(await samWorks()).toBe(401);
    expect((await login(hub, 'sam', SAM_PASSWORD)).status).toBe(401);
    expect(await users()).toEqual(['admin']);
  }, 180_000);
});
