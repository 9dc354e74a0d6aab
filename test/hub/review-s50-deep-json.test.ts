// Review s50: sensor JSON nested thousands deep (under 64 KiB) neither ends the hub (type) nor fails every store batch holding it (an accel's extra key).
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_PAYLOAD_BYTES } from '../../hub/ingest.js';
import {
  adminCookie,
  killHub,
  mqttClient,
  ONE_HOME_CONFIG,
  pendantAlert,
  spawnHub,
  tempDir,
  writeConfig,
  type HubProcess,
} from './helpers.js';

/** `[[[…]]]` nested `depth` deep: past a recursive JSON walk's stack, a fraction of the payload bound. */
const deep = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);
const DEPTH = 30_000;

const CONFIG = {
  homes: [
    {
      ...ONE_HOME_CONFIG.homes[0]!,
      devices: [...ONE_HOME_CONFIG.homes[0]!.devices, { id: 'watch', kind: 'wearable' }],
    },
  ],
};

describe('sensor JSON nested thousands deep', () => {
  let proc: HubProcess | undefined;
  let dir: string | undefined;

  afterAll(async () => {
    await killHub(proc);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Publishes at QoS 1 on a fresh connection: 'acknowledged', or what happened instead (no timer involved). */
  async function send(topic: string, payload: string): Promise<string> {
    expect(Buffer.byteLength(payload)).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
    const client = await mqttClient(proc!.mqttPort);
    client.on('error', () => undefined);
    const closed = new Promise<string>((resolve) => client.once('close', () => resolve('connection closed')));
    const outcome = await Promise.race([
      client.publishAsync(topic, payload, { qos: 1 }).then(() => 'acknowledged'),
      closed,
      proc!.exited.then((code) => `hub exited (${code})`),
    ]);
    await client.endAsync(true);
    return outcome;
  }

  it('is refused and counted, or stored without the extra keys, and the hub still raises a press', async () => {
    dir = tempDir('review-s50-deep-json');
    proc = await spawnHub({ HUB_DATA_DIR: path.join(dir, 'data'), HUB_CONFIG: writeConfig(dir, CONFIG) });

    // An unknown type that is an array: refused as unknown-type (its message used to serialise it whole).
    expect(await send('telecare/h1/devices/hall-pir/events', `{"type":${deep(DEPTH)},"value":true}`)).toBe(
      'acknowledged',
    );
    // A valid accel message with one more key: stored as its rate and samples.
    const accel = `{"type":"accel","value":{"rate":50,"samples":[[0,0,1]],"note":${deep(DEPTH)}}}`;
    expect(await send('telecare/h1/devices/watch/events', accel)).toBe('acknowledged');

    const alert = await pendantAlert(proc.mqttPort);
    expect(alert).toMatchObject({ homeId: 'h1', kind: 'pendant' });

    const cookie = await adminCookie(proc.httpPort);
    const metrics = await (await fetch(`http://127.0.0.1:${proc.httpPort}/metrics`, { headers: { cookie } })).text();
    expect(metrics).toMatch(/^telecare_ingest_rejected_total\{reason="unknown-type"\} 1$/m);
    const db = new Database(path.join(dir, 'data', 'hub.db'), { readonly: true });
    try {
      const rows = db.prepare("SELECT value FROM events WHERE type = 'accel'").all() as { value: string }[];
      expect(rows.map((r) => JSON.parse(r.value) as unknown)).toEqual([{ rate: 50, samples: [[0, 0, 1]] }]);
    } finally {
      db.close();
    }
    expect(proc.child.exitCode).toBeNull();
  }, 120_000);
});
