// A real hub killed with SIGKILL between two rules snapshots: what its timers raised, and a responder resolved, stays
// resolved; the restart raises nothing again. Needs the compiled hub (npm run build).
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../alerts/helpers.js';
import {
  adminCookie,
  killHub,
  mqttClient,
  ONE_HOME_CONFIG,
  withBedroomPir,
  spawnHub,
  tempDir,
  writeConfig,
  type HubProcess,
} from './helpers.js';
import { MINUTE_MS } from '../../rules/time.js';

let dir: string;
let hub: HubProcess | undefined;
beforeEach(() => {
  dir = tempDir('no-repeat');
});
afterEach(async () => {
  await killHub(hub);
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * Silences of an hour by day and night (possible fall after 30 min), so that an hour-old motion runs out at once; no
 * grace after the start (a silence called in it waits two minutes: restart-grace.test.ts, which also checks, with
 * watched-from-start.test.ts, that a call held in the grace is not made twice across restarts).
 */
const CONFIG = {
  ...ONE_HOME_CONFIG,
  homes: withBedroomPir(ONE_HOME_CONFIG).homes.map((h) => ({
    ...h,
    rules: {
      inactivity: { coldStartDayMinutes: 60, coldStartNightMinutes: 60, floorMinutes: 60 },
      possibleFall: { coldStartDayMinutes: 30, coldStartNightMinutes: 30 },
      restart: { graceSeconds: 0 },
    },
  })),
};

async function resolveAsAdmin(httpPort: number, alertId: string): Promise<void> {
  const cookie = await adminCookie(httpPort);
  const res = await fetch(`http://127.0.0.1:${httpPort}/api/alerts/${alertId}/resolve`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify({ outcome: 'no-action-needed', note: null }),
  });
  if (!res.ok) throw new Error(`resolve failed: ${res.status} ${await res.text()}`);
}

function alertRows(): { kind: string; state: string }[] {
  const db = new Database(path.join(dir, 'data', 'hub.db'), { readonly: true });
  try {
    return db.prepare('SELECT kind, state FROM alerts ORDER BY raised_at').all() as never;
  } finally {
    db.close();
  }
}

describe('a hub killed with SIGKILL', () => {
  it('does not raise again, on restart, the alerts its timers raised and a responder resolved before the kill', async () => {
    const env = { HUB_DATA_DIR: path.join(dir, 'data'), HUB_CONFIG: writeConfig(dir, CONFIG) };
    hub = await spawnHub(env);
    const client = await mqttClient(hub.mqttPort);
    await client.subscribeAsync('telecare/h1/alerts/+', { qos: 1 });
    const kinds: string[] = [];
    client.on('message', (topic, payload) => {
      if (payload.length > 0) kinds.push((JSON.parse(payload.toString()) as { kind: string }).kind);
    });
    // A motion buffered by a bridge for almost an hour: the silence after it runs out a few seconds from now.
    const ts = new Date(Date.now() - 60 * MINUTE_MS + 3_000).toISOString();
    await client.publishAsync(
      'telecare/h1/devices/hall-pir/events',
      JSON.stringify({ type: 'motion', value: true, ts }),
      { qos: 1 },
    );
    // The possible fall is overdue on arrival; inactivity an hour after the motion is the same silence (one call-out).
    await waitFor(() => kinds.includes('possible-fall'), 'the possible-fall alert', 30_000);
    await client.endAsync();

    const db = new Database(path.join(dir, 'data', 'hub.db'), { readonly: true });
    const ids = db.prepare("SELECT id FROM alerts WHERE state = 'raised'").all() as { id: string }[];
    db.close();
    expect(ids.length).toBe(1);
    for (const { id } of ids) await resolveAsAdmin(hub.httpPort, id);
    expect(alertRows()).toEqual([{ kind: 'possible-fall', state: 'resolved' }]);

    // Killed long before the next rules snapshot (every 10 min): the last one is from before the motion.
    await killHub(hub);
    hub = await spawnHub(env);
    expect(alertRows()).toEqual([{ kind: 'possible-fall', state: 'resolved' }]);
  });
});
