// MQTT authentication and least-privilege ACLs of the embedded broker, checked directly (remote addresses cannot be faked on loopback).
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from 'better-sqlite3';
import { parseHubConfig } from '../../hub/config.js';
import { MqttCredentials, canPublish, canSubscribe, type MqttIdentity } from '../../hub/mqtt-auth.js';
import { hashPassword } from '../../hub/passwords.js';
import { openHubDatabase } from '../../hub/store.js';
import { tempDir } from './helpers.js';

let dir: string;
let db: Database;
beforeEach(() => {
  dir = tempDir('auth');
  db = openHubDatabase(path.join(dir, 'hub.db'));
});
afterEach(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const local: MqttIdentity = { username: undefined, role: 'local' };
const device: MqttIdentity = { username: 'd', role: 'device' };
const responder: MqttIdentity = { username: 'r', role: 'responder' };
const installer: MqttIdentity = { username: 'i', role: 'installer' };

describe('mqtt authentication', () => {
  it('accepts anonymous clients from loopback only, like Mosquitto 2', async () => {
    const credentials = new MqttCredentials(db, parseHubConfig({}));
    for (const address of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) {
      expect(await credentials.authenticate(address, undefined, undefined)).toEqual({ ok: true, identity: local });
    }
    for (const address of ['192.168.1.20', '::ffff:10.0.0.5', 'fe80::1', undefined]) {
      expect(await credentials.authenticate(address, undefined, undefined)).toEqual({ ok: false, returnCode: 5 });
    }
  });

  it('checks a username and password against the stored scrypt hash, from anywhere', async () => {
    const config = parseHubConfig({ mqttUsers: [{ username: 'resp1', passwordHash: await hashPassword('s3cret-pass'), role: 'responder' }] });
    const credentials = new MqttCredentials(db, config);
    expect(await credentials.authenticate('192.168.1.20', 'resp1', Buffer.from('s3cret-pass'))).toEqual({
      ok: true,
      identity: { username: 'resp1', role: 'responder' },
    });
    expect(await credentials.authenticate('127.0.0.1', 'resp1', Buffer.from('wrong'))).toEqual({ ok: false, returnCode: 4 });
    expect(await credentials.authenticate('127.0.0.1', 'ghost', Buffer.from('s3cret-pass'))).toEqual({ ok: false, returnCode: 4 });
  });

  it('makes the installer credential on the first start only', async () => {
    const credentials = new MqttCredentials(db, parseHubConfig({}));
    const made = await credentials.ensureInstallerCredential(0);
    expect(made?.username).toBe('installer');
    expect(await credentials.ensureInstallerCredential(1)).toBeNull();
    expect((await credentials.authenticate('10.1.1.1', 'installer', Buffer.from(made!.password))).ok).toBe(true);
    expect(await credentials.authenticate('10.1.1.1', 'installer', Buffer.from('not-the-password'))).toEqual({ ok: false, returnCode: 4 });
    // A generated secret is stored with the fast hash (no scrypt memory at start), never in clear.
    const row = db.prepare("SELECT password_hash FROM mqtt_credentials WHERE username = 'installer'").get() as { password_hash: string };
    expect(row.password_hash).toMatch(/^sha256\$/);
    expect(row.password_hash).not.toContain(made!.password);
  });
});

describe('mqtt authorisation', () => {
  it('keeps alerts, pre-alerts and hub status for the hub alone', () => {
    for (const who of [local, device, responder, installer]) {
      expect(canPublish(who, 'telecare/h1/alerts/a1')).toBe(false);
      expect(canPublish(who, 'telecare/h1/alerts/events')).toBe(false);
      expect(canPublish(who, 'telecare/h1/alerts/a1/ack/result')).toBe(false);
      expect(canPublish(who, 'telecare/h1/prealert')).toBe(false);
      expect(canPublish(who, 'telecare/hub/status')).toBe(false);
      expect(canPublish(who, '$SYS/anything')).toBe(false);
    }
  });

  it('lets only authenticated responders and installers acknowledge', () => {
    expect(canPublish(responder, 'telecare/h1/alerts/a1/ack')).toBe(true);
    expect(canPublish(installer, 'telecare/h1/alerts/a1/ack')).toBe(true);
    expect(canPublish(local, 'telecare/h1/alerts/a1/ack')).toBe(false);
    expect(canPublish(device, 'telecare/h1/alerts/a1/ack')).toBe(false);
  });

  it('lets devices publish events but not read alerts; responders read alerts but send no sensor data', () => {
    expect(canPublish(device, 'telecare/h1/devices/p1/events')).toBe(true);
    expect(canPublish(local, 'zigbee2mqtt/hall_pir')).toBe(true);
    expect(canPublish(responder, 'telecare/h1/devices/p1/events')).toBe(false);
    for (const filter of ['#', 'telecare/#', 'telecare/+/alerts/#', 'telecare/h1/alerts/a1', '+/+/+']) {
      expect(canSubscribe(device, filter)).toBe(false);
    }
    expect(canSubscribe(device, 'telecare/h1/prealert')).toBe(true);
    expect(canSubscribe(responder, 'telecare/+/alerts/#')).toBe(true);
  });
});
