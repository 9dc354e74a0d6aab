// Review, session 34: a reload (SIGHUP) that removes or changes an MQTT credential ends the connections made with it.
// Before, they kept the rights they had logged in with for as long as they stayed connected: a responder's lost phone,
// its credential removed, still received every alert (resident, room) and could acknowledge or resolve them.
import fs from 'node:fs';
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../alerts/helpers.js';
import path from 'node:path';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { MqttCredentials } from '../../hub/mqtt-auth.js';
import { openHubDatabase } from '../../hub/store.js';
import { startTestHub } from '../support/in-process-hub.js';
import { ONE_HOME_CONFIG, mqttClient, nextMessage, tempDir } from './helpers.js';
import { lowCostHash } from '../support/low-cost-hash.js';

let dir: string;
let hub: RunningHub | undefined;
const clients: MqttClient[] = [];

beforeEach(() => {
  dir = tempDir('mqtt-revoke');
});

afterEach(async () => {
  for (const client of clients.splice(0)) await client.endAsync(true);
  await hub?.stop();
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

async function connect(username: string, password: string): Promise<MqttClient> {
  const client = await mqttClient(hub!.ports.mqtt!, { username, password, clientId: `${username}-c` });
  clients.push(client);
  return client;
}

function closed(client: MqttClient): () => boolean {
  let isClosed = false;
  client.on('close', () => (isClosed = true));
  return () => isClosed;
}

// Many logins: 21–28 s of wall at a usual load with hashes at the hub's cost, over the suite's 60 s per test once at
// load 14 (docs/testing.md, session 61; session 62: hashes at a small cost); a waiting bound, not a speed claim.
describe('MQTT credentials removed or changed by a reload', { timeout: 180_000 }, () => {
  it('closes the connections made with them; the others stay; the old password is refused afterwards', async () => {
    // Hashes at a small cost (test/support/low-cost-hash.ts): the subject is which connections a reload ends.
    const [lost, moved, changed, kept, keptResp] = [
      'lost-phone-secret',
      'moved-secret',
      'old-secret',
      'kept-secret',
      'resp-secret',
    ].map(lowCostHash);
    const users = [
      { username: 'lost-phone', passwordHash: lost, role: 'responder' as const },
      { username: 'moved', passwordHash: moved, role: 'device' as const, homes: ['h1'] },
      { username: 'changed', passwordHash: changed, role: 'responder' as const },
      { username: 'kept', passwordHash: kept, role: 'device' as const, homes: ['h1'] },
      { username: 'kept-resp', passwordHash: keptResp, role: 'responder' as const },
    ];
    const homes = [
      ...ONE_HOME_CONFIG.homes,
      {
        id: 'h2',
        timezone: 'Europe/London',
        residents: [{ id: 'r2' }],
        devices: [{ id: 'p2', kind: 'pendant', room: 'hall' }],
      },
    ];
    hub = await startTestHub(parseHubConfig({ homes, mqttUsers: users }), dir);

    const lostPhone = await connect('lost-phone', 'lost-phone-secret');
    await lostPhone.subscribeAsync('telecare/+/alerts/+', { qos: 1 });
    const movedDevice = await connect('moved', 'moved-secret');
    const changedResp = await connect('changed', 'old-secret');
    const keptDevice = await connect('kept', 'kept-secret');
    const keptResponder = await connect('kept-resp', 'resp-secret');
    await keptResponder.subscribeAsync('telecare/+/alerts/+', { qos: 1 });
    const lostClosed = closed(lostPhone);
    const movedClosed = closed(movedDevice);
    const changedClosed = closed(changedResp);
    const keptClosed = closed(keptDevice);
    const keptRespClosed = closed(keptResponder);

    // The lost phone is removed; a device credential moves to another flat (re-let); a password changes.
    const newHash = lowCostHash('new-secret');
    hub.reload(
      parseHubConfig({
        homes,
        mqttUsers: [{ ...users[1]!, homes: ['h2'] }, { ...users[2]!, passwordHash: newHash }, users[3]!, users[4]!],
      }),
    );
    await waitFor(() => lostClosed() && movedClosed() && changedClosed(), 'the old credentials’ connections to close');

    // The unchanged ones carry on: a press goes out, to the responder still configured.
    const alert = nextMessage(keptResponder, (t) => t.startsWith('telecare/h1/alerts/'));
    await keptDevice.publishAsync('telecare/h1/devices/p1/events', '{"type":"pendant","value":true}', { qos: 1 });
    expect(JSON.parse((await alert).payload.toString())).toMatchObject({ homeId: 'h1', kind: 'pendant' });
    expect(keptClosed()).toBe(false);
    expect(keptRespClosed()).toBe(false);
    expect(lostPhone.connected).toBe(false);

    // Logging in again: the removed user and the old password are refused, the new password is taken.
    await expect(connect('lost-phone', 'lost-phone-secret')).rejects.toThrow();
    await expect(connect('changed', 'old-secret')).rejects.toThrow();
    expect((await connect('changed', 'new-secret')).connected).toBe(true);
  }, 60_000);
});

describe('a reload during a password check', () => {
  it('checks the login again against the new credentials: a user removed meanwhile is refused', async () => {
    const db = openHubDatabase(path.join(dir, 'hub.db'));
    try {
      const user = { username: 'lost-phone', passwordHash: lowCostHash('lost-phone-secret'), role: 'responder' };
      const credentials = new MqttCredentials(db, parseHubConfig({ ...ONE_HOME_CONFIG, mqttUsers: [user] }));
      // The scrypt check runs off the loop; the reload comes before its answer.
      const login = credentials.authenticate('192.0.2.7', 'lost-phone', Buffer.from('lost-phone-secret'));
      const changed = credentials.setConfig(parseHubConfig(ONE_HOME_CONFIG));
      expect(await login).toMatchObject({ ok: false, reason: 'unknown-user' });
      expect(changed).toEqual(new Set(['lost-phone']));
    } finally {
      db.close();
    }
  });
});
