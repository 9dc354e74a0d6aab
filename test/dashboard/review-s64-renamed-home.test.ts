// A program's token held to a home renamed since the token was made (review, session 64). Session 63 made the console
// tell a person whose login names a home the hub does not have; a program was told nothing: an alarm centre's
// responder token for `flat-12`, after the flat was renamed `Flat-12` by a reload, listed `[]` and streamed `ready`
// with `open: 0` while the flat's pendant call was open, and the flat's gateway, whose device token posts for
// `flat-12`, had each press answered 202 `{accepted: 1}`, kept as unassigned, raising nothing. A real hub in-process
// (real SQLite in a temp folder), tokens made over HTTP, the configuration reloaded, the stream over a real socket.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { adminSession, createApiToken, dashboardUrl, startTestHub } from '../support/in-process-hub.js';
import { tempDir } from '../hub/helpers.js';
import { StreamReader } from './stream-reader.js';

let dir: string;
let hub: RunningHub;
let base: string;
let adminCookie: string;
/** The alarm centre's responder token for flat 12, the flat's gateway's device token, and the warden's for h1. */
let centre: string;
let gateway: string;
let warden: string;

const home = (id: string, n: number) => ({
  id,
  timezone: 'Europe/London',
  residents: [{ id: `r${n}` }],
  devices: [{ id: `p${n}`, kind: 'pendant' }],
});
/** The scheme as configured when the tokens were made, and after: flat 12 renamed in capitals. */
const BEFORE = { homes: [home('flat-12', 12), home('h1', 1)] };
const AFTER = { homes: [home('Flat-12', 12), home('h1', 1)] };

async function post(token: string, homeId: string, deviceId: string) {
  const res = await fetch(`${base}/api/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ homeId, deviceId, type: 'pendant', value: true }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function list(token: string) {
  const res = await fetch(`${base}/api/alerts?state=open`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return { header: res.headers.get('x-homes-not-configured'), alerts: (await res.json()) as { homeId: string }[] };
}

async function ready(token: string): Promise<Record<string, unknown>> {
  const reader = new StreamReader(base, { authorization: `Bearer ${token}` });
  try {
    await reader.until(() => reader.ready() !== undefined);
    return reader.ready()!;
  } finally {
    reader.close();
  }
}

beforeAll(async () => {
  dir = tempDir('s64-renamed-home');
  hub = await startTestHub(parseHubConfig(BEFORE), dir);
  base = dashboardUrl(hub);
  adminCookie = await adminSession(hub);
  centre = await createApiToken(hub, adminCookie, 'centre-flat-12', 'responder', ['flat-12']);
  gateway = await createApiToken(hub, adminCookie, 'gateway-flat-12', 'device', ['flat-12']);
  warden = await createApiToken(hub, adminCookie, 'warden-h1', 'responder', ['h1']);
}, 60_000);

afterAll(async () => {
  await hub?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('a program whose token names a home renamed since', () => {
  it('is told nothing while the home is configured', async () => {
    expect(await post(gateway, 'flat-12', 'p12')).toEqual({ status: 202, body: { accepted: 1 } });
    await vi.waitFor(() => expect(hub.alerts.list({ homeId: 'flat-12', state: 'open' })).toHaveLength(1), {
      timeout: 20_000,
      interval: 20,
    });
    const listed = await list(centre);
    expect(listed.header).toBeNull();
    expect(listed.alerts.map((a) => a.homeId)).toEqual(['flat-12']);
    expect(await ready(centre)).toEqual({ open: 1, resumed: false });
  });

  it('is told which of its homes the hub no longer has, by the list, the stream and the events it posts', async () => {
    hub.reload(parseHubConfig(AFTER));
    // The renamed flat's call, pressed by the resident and posted by the admin's own session for the new id.
    const res = await fetch(`${base}/api/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: base, cookie: adminCookie },
      body: JSON.stringify({ homeId: 'Flat-12', deviceId: 'p12', type: 'pendant', value: true }),
    });
    expect(res.status).toBe(202);
    await vi.waitFor(() => expect(hub.alerts.list({ homeId: 'Flat-12', state: 'open' })).toHaveLength(1), {
      timeout: 20_000,
      interval: 20,
    });

    // The centre's program: its list is empty, and the answer says why.
    const listed = await list(centre);
    expect(listed.header).toBe('flat-12');
    expect((await ready(centre)).homesNotConfigured).toEqual(['flat-12']);

    // The gateway's presses for its flat's old id are kept, raise nothing, and the answer says so.
    const posted = await post(gateway, 'flat-12', 'p12');
    expect(posted).toEqual({ status: 202, body: { accepted: 1, homesNotConfigured: ['flat-12'] } });

    // Nothing is said to a token whose homes are all configured, nor of the hub's other homes.
    const wardens = await list(warden);
    expect(wardens.header).toBeNull();
    expect(await ready(warden)).toEqual({ open: 0, resumed: false });
  });
});
