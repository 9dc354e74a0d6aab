// Review, session 58: MQTT password guessing counted per IPv6 /64, as the dashboard's throttle and the broker's cap on
// connections not logged in count it. Checked on MqttCredentials directly, as test/hub/mqtt-auth.test.ts does: the
// broker hands it each connection's remote address, and many addresses of one /64 cannot be had on this machine.
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseHubConfig } from '../../hub/config.js';
import { MAX_FAILURES_PER_WINDOW, MqttCredentials } from '../../hub/mqtt-auth.js';
import { MAX_PENDING_PER_SOURCE } from '../../hub/passwords.js';
import { openHubDatabase } from '../../hub/store.js';
import { lowCostHash } from '../support/low-cost-hash.js';
import { tempDir } from './helpers.js';

/**
 * The device's stored hash at a small cost (`lowCostHash`; session 62, before which each of the file's 16 checks ran
 * at the hub's cost): what is under test is how the checks are counted and queued per /64, not what one costs.
 */
const DEVICE_HASH = lowCostHash('the-device-password');

let dir: string;
let db: Database;
let credentials: MqttCredentials;

beforeEach(() => {
  dir = tempDir('ipv6-guessing');
  db = openHubDatabase(path.join(dir, 'hub.db'));
  const config = parseHubConfig({
    homes: [{ id: 'h1', devices: [{ id: 'p1', kind: 'pendant' }] }],
    mqttUsers: [{ username: 'dev1', passwordHash: DEVICE_HASH, role: 'device', homes: ['h1'] }],
  });
  credentials = new MqttCredentials(db, config);
});

afterEach(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The n-th address of the attacker's /64 (a host on an IPv6 LAN may take any of them, SLAAC privacy addresses too). */
const attacker = (n: number): string => `2001:db8:12:34::${(n + 1).toString(16)}`;

describe('MQTT password guessing from one IPv6 /64', () => {
  it('is refused unhashed after the failures of one address, whichever address of the /64 each guess came from', async () => {
    for (let i = 0; i < MAX_FAILURES_PER_WINDOW; i++) {
      expect(await credentials.authenticate(attacker(i), 'dev1', Buffer.from(`guess-${i}`))).toMatchObject({
        ok: false,
        reason: 'bad-credentials',
      });
    }
    // The next guess, from yet another address of the same /64, gets no scrypt check.
    expect(await credentials.authenticate(attacker(500), 'dev1', Buffer.from('guess-more'))).toMatchObject({
      ok: false,
      returnCode: 3,
      reason: 'rate-limited',
    });
    // Written out in full, an address of the same /64 is the same prefix.
    expect(
      await credentials.authenticate('2001:0db8:0012:0034:0000:0000:0000:00ff', 'dev1', Buffer.from('guess-more')),
    ).toMatchObject({ reason: 'rate-limited' });
    // Another /64 (the device's own flat) still logs in.
    expect((await credentials.authenticate('2001:db8:12:35::7', 'dev1', Buffer.from('the-device-password'))).ok).toBe(
      true,
    );
  });

  it(`may have ${MAX_PENDING_PER_SOURCE} checks waiting in all, however many of its addresses send them`, async () => {
    // One running and MAX_PENDING_PER_SOURCE waiting are taken; one more from the same /64 is refused at once.
    const tries = Array.from({ length: MAX_PENDING_PER_SOURCE + 2 }, (_, i) =>
      credentials.authenticate(attacker(i), 'dev1', Buffer.from(`guess-${i}`)),
    );
    const results = await Promise.all(tries);
    expect(results.map((r) => (r.ok ? 'ok' : r.reason))).toEqual([
      ...Array<string>(MAX_PENDING_PER_SOURCE + 1).fill('bad-credentials'),
      'rate-limited',
    ]);
  });
});
