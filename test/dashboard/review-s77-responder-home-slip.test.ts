// Review, session 77 (a newcomer's install, followed again): a responder user made for `flat3` on a hub whose flat is
// `flat-3` (the README's `curl ... /api/users`, or the Users page) was made, 201, without a word, and saw none of the
// flat's alerts: its Alerts page said "No open alerts" while the pendant's alert waited. Session 63 refused a home
// differing only in capitals; a home one character apart (as the Devices page tells a device heard so, session 73) is
// now refused too, naming the configured home. A scheme's next flat (`flat-13` beside `flat-12`) and a home near none
// are still taken (configured later). A real hub over HTTP.
import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { adminCookie, killHub, spawnHub, tempDir, writeConfig, type HubProcess } from '../hub/helpers.js';

let dir: string;
let hub: HubProcess | undefined;

beforeEach(() => {
  dir = tempDir('review-s77-responder-home-slip');
});

afterEach(async () => {
  await killHub(hub);
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

const flat = (id: string): Record<string, unknown> => ({
  id,
  timezone: 'Europe/London',
  residents: [{ id: 'r1' }],
  devices: [{ id: 'pendant', kind: 'pendant', room: 'living' }],
});

describe('a responder or token for a home one character apart from a configured one', () => {
  it('is refused naming the configured home; a next flat and a new home are taken', async () => {
    hub = await spawnHub({
      HUB_CONFIG: writeConfig(dir, { homes: [flat('flat-3'), flat('flat-12')] }),
      HUB_DATA_DIR: dir,
    });
    const cookie = await adminCookie(hub.httpPort);
    const post = async (route: string, body: Record<string, unknown>): Promise<{ status: number; body: string }> => {
      const res = await fetch(`http://127.0.0.1:${hub!.httpPort}${route}`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: await res.text() };
    };
    const responder = (username: string, homes: string[]) =>
      post('/api/users', { username, password: 'a long enough password', role: 'responder', homes });

    const slip = await responder('warden-ann', ['flat3']);
    expect(slip.status, slip.body).toBe(400);
    expect(JSON.parse(slip.body)).toEqual({
      error: 'BAD_REQUEST',
      message:
        "homes: 'flat3' is one character apart from the configured home 'flat-3': home ids are matched exactly, so " +
        "it would reach no home; write 'flat-3' (a new home of that id: configure it first). Nothing done",
    });
    const token = await post('/api/tokens', { name: 'gateway', role: 'device', homes: ['flat-12', 'flat_12'] });
    expect(token.status, token.body).toBe(400);
    expect(token.body).toContain("'flat_12' is one character apart from the configured home 'flat-12'");

    // The configured home, a scheme's next flat, a home near none: taken.
    for (const [username, homes] of [
      ['warden-ann', ['flat-3']],
      ['warden-bo', ['flat-13']],
      ['warden-cy', ['riverside-7']],
    ] as const) {
      const made = await responder(username, [...homes]);
      expect(made.status, `${username}: ${made.body}`).toBe(201);
    }
    const users = await fetch(`http://127.0.0.1:${hub.httpPort}/api/users`, { headers: { cookie } });
    expect(((await users.json()) as { username: string }[]).map((u) => u.username).sort()).toEqual([
      'admin',
      'warden-ann',
      'warden-bo',
      'warden-cy',
    ]);
  }, 60_000);
});
