// The alert stream's event ids, seen by a responder held to some homes (review, session 63): the ids were the hub's
// count of every home's alert versions, so a daughter's phone for her mother's flat learnt from them how many alert
// changes the scheme's other flats had, and, by opening the stream again and again, the minute of each (the `ready`
// id moved with every home's change). A real hub in-process (real SQLite in a temp folder), alerts raised by events
// posted over real HTTP, the stream read over a real socket.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../hub/alerts/api.js';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { adminSession, createApiToken, dashboardUrl, startTestHub, pressOverHttp } from '../support/in-process-hub.js';
import { tempDir } from '../hub/helpers.js';
import { StreamReader } from './stream-reader.js';

let dir: string;
let hub: RunningHub;
let base: string;
let adminCookie: string;
/** A responder's token held to h1 (the mother's flat), and one of every home (the warden's). */
let daughter: string;
let warden: string;

const TWO_FLATS = {
  homes: [
    { id: 'h1', timezone: 'Europe/London', residents: [{ id: 'r1' }], devices: [{ id: 'p1', kind: 'pendant' }] },
    { id: 'h2', timezone: 'Europe/London', residents: [{ id: 'r2' }], devices: [{ id: 'p2', kind: 'pendant' }] },
  ],
};

/** Opens the stream as `token` (from `lastEventId` when given) and reads it up to its `ready`; closes it. */
async function readUpToReady(token: string, lastEventId?: string) {
  const reader = new StreamReader(base, {
    authorization: `Bearer ${token}`,
    ...(lastEventId === undefined ? {} : { 'last-event-id': lastEventId }),
  });
  try {
    await reader.until(() => reader.ready() !== undefined);
    return { alerts: reader.alertEvents(), ready: reader.readyEvent()! };
  } finally {
    reader.close();
  }
}

/** A pendant press in `homeId` posted over HTTP as the admin; resolves to the open pendant alert it raised. */
function press(homeId: string, deviceId: string): Promise<Alert> {
  return pressOverHttp(hub, adminCookie, homeId, deviceId);
}

/** Three versions of an alert in h2: raised, acknowledged by the warden, resolved. */
async function anotherFlatsCall(): Promise<void> {
  const h2 = await press('h2', 'p2');
  expect(hub.alerts.acknowledge(h2.id, 'warden').ok).toBe(true);
  expect(hub.alerts.resolve(h2.id, 'false-alarm', null, 'warden').ok).toBe(true);
}

const position = (id: string | undefined): number => Number(/-(\d+)$/.exec(id ?? '')?.[1]);

beforeAll(async () => {
  dir = tempDir('s63-stream-ids');
  hub = await startTestHub(parseHubConfig(TWO_FLATS), dir);
  base = dashboardUrl(hub);
  adminCookie = await adminSession(hub);
  daughter = await createApiToken(hub, adminCookie, 'daughter-h1', 'responder', ['h1']);
  warden = await createApiToken(hub, adminCookie, 'warden', 'responder');
}, 60_000);

afterAll(async () => {
  await hub?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("the alert stream's ids, to a responder held to some homes", () => {
  it("do not move when only another home's alerts change: opening the stream again tells nothing", async () => {
    // The journal starts with the first stream; one of the mother's calls, closed, is in it.
    const first = await readUpToReady(daughter);
    const own = await press('h1', 'p1');
    expect(hub.alerts.resolve(own.id, 'false-alarm', null, 'daughter').ok).toBe(true);
    const before = await readUpToReady(daughter);
    expect(before.ready.data).toEqual({ open: 0, resumed: false });

    // Another flat's call, from its press to its close, while the daughter's phone looks again and again.
    await anotherFlatsCall();
    const after = await readUpToReady(daughter);
    expect(after.alerts).toEqual([]);
    expect(after.ready.data).toEqual({ open: 0, resumed: false });
    // On main: the id had moved by the three versions of h2's call (its minute, to whoever polls).
    expect(after.ready.id).toBe(before.ready.id);
    expect(first.ready.id).toBeDefined();
  });

  it("do not count another home's changes between two of its own", async () => {
    const scoped = new StreamReader(base, { authorization: `Bearer ${daughter}` });
    const unscoped = new StreamReader(base, { authorization: `Bearer ${warden}` });
    try {
      await scoped.until(() => scoped.ready() !== undefined);
      await unscoped.until(() => unscoped.ready() !== undefined);
      const h1 = await press('h1', 'p1');
      await scoped.until(() => scoped.alertEvents().some((e) => e.alert.id === h1.id && e.id !== undefined));
      await anotherFlatsCall();
      expect(hub.alerts.acknowledge(h1.id, 'daughter').ok).toBe(true);
      await scoped.until(() => scoped.alertEvents().some((e) => e.alert.state === 'acknowledged'));
      await unscoped.until(() =>
        unscoped.alertEvents().some((e) => e.alert.id === h1.id && e.alert.state !== 'raised'),
      );

      const [raised, acknowledged] = scoped.alertEvents().filter((e) => e.id !== undefined);
      expect(scoped.alertEvents().map((e) => e.alert.homeId)).not.toContain('h2');
      // The warden's stream had all five versions, h2's three between h1's two.
      expect(unscoped.alertEvents().filter((e) => e.id !== undefined)).toHaveLength(5);
      // On main the daughter's two ids were 4 apart: h2's three versions counted between them.
      expect(position(acknowledged!.id) - position(raised!.id)).not.toBe(4);
      expect(position(acknowledged!.id) - position(raised!.id)).not.toBe(1);
      expect(hub.alerts.resolve(h1.id, 'false-alarm', null, 'daughter').ok).toBe(true);
    } finally {
      scoped.close();
      unscoped.close();
    }
  });

  it("still catch up from the ready's id: the changes of its homes since, none of another home's", async () => {
    const away = await readUpToReady(daughter);
    await anotherFlatsCall();
    const h1 = await press('h1', 'p1');
    await anotherFlatsCall();
    const back = await readUpToReady(daughter, away.ready.id);
    expect(back.alerts.map((e) => [e.alert.id, e.alert.version])).toEqual([[h1.id, h1.version]]);
    expect(back.ready.data).toEqual({ resumed: true, changes: 1 });

    // And from that stream's ready: nothing new for the mother's flat, only h2's again.
    await anotherFlatsCall();
    const again = await readUpToReady(daughter, back.ready.id);
    expect(again.alerts).toEqual([]);
    expect(again.ready.data).toEqual({ resumed: true, changes: 0 });
    expect(again.ready.id).toBe(back.ready.id);
    expect(hub.alerts.resolve(h1.id, 'false-alarm', null, 'daughter').ok).toBe(true);
  });
});
