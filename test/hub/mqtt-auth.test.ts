// MQTT authentication and least-privilege ACLs of the embedded broker, checked directly (remote addresses cannot be faked on loopback).
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from 'better-sqlite3';
import { DeviceIndex, parseHubConfig } from '../../hub/config.js';
import {
  ClientIdRegistry,
  MAX_FAILURES_PER_WINDOW,
  MqttAccess,
  MqttCredentials,
  type MqttIdentity,
} from '../../hub/mqtt-auth.js';
import { hashPassword, scryptRunCount } from '../../hub/passwords.js';
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

const local: MqttIdentity = { username: undefined, role: 'local', homes: 'all' };
const device: MqttIdentity = { username: 'd', role: 'device', homes: new Set(['h1']) };
const bridge: MqttIdentity = { username: 'b', role: 'bridge', homes: new Set(['h1']) };
const responder: MqttIdentity = { username: 'r', role: 'responder', homes: 'all' };
const installer: MqttIdentity = { username: 'i', role: 'installer', homes: 'all' };

// Two flats: h1 with a Zigbee PIR hall_pir, h2 with a Zigbee pendant h2_button.
const twoHomes = parseHubConfig({
  homes: [
    {
      id: 'h1',
      devices: [
        { id: 'p1', kind: 'pendant' },
        { id: 'hall-pir', zigbee: 'hall_pir', kind: 'motion' },
      ],
    },
    {
      id: 'h2',
      devices: [
        { id: 'p2', kind: 'pendant' },
        { id: 'h2-button', zigbee: 'h2_button', kind: 'pendant' },
      ],
    },
  ],
});
const access = new MqttAccess(new DeviceIndex(twoHomes), 'zigbee2mqtt');
const canPublish = (who: MqttIdentity, topic: string): boolean => access.canPublish(who, topic);
const canSubscribe = (who: MqttIdentity, filter: string): boolean => access.canSubscribe(who, filter);
const canRead = (who: MqttIdentity, topic: string): boolean => access.canRead(who, topic);

describe('mqtt authentication', () => {
  it('accepts anonymous clients from loopback only, like Mosquitto 2', async () => {
    const credentials = new MqttCredentials(db, parseHubConfig({}));
    for (const address of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) {
      expect(await credentials.authenticate(address, undefined, undefined)).toEqual({ ok: true, identity: local });
    }
    for (const address of ['192.168.1.20', '::ffff:10.0.0.5', 'fe80::1', undefined]) {
      expect(await credentials.authenticate(address, undefined, undefined)).toMatchObject({ ok: false, returnCode: 5 });
    }
  });

  it('checks a username and password against the stored scrypt hash, from anywhere', async () => {
    const config = parseHubConfig({
      mqttUsers: [{ username: 'resp1', passwordHash: await hashPassword('s3cret-pass'), role: 'responder' }],
    });
    const credentials = new MqttCredentials(db, config);
    expect(await credentials.authenticate('192.168.1.20', 'resp1', Buffer.from('s3cret-pass'))).toEqual({
      ok: true,
      identity: { username: 'resp1', role: 'responder', homes: 'all' },
    });
    expect(await credentials.authenticate('127.0.0.1', 'resp1', Buffer.from('wrong'))).toMatchObject({
      ok: false,
      returnCode: 4,
    });
    expect(await credentials.authenticate('127.0.0.1', 'ghost', Buffer.from('s3cret-pass'))).toMatchObject({
      ok: false,
      returnCode: 4,
    });
  });

  it("makes no installer credential when the configuration has its own 'installer' (a printed password would not work)", async () => {
    const credentials = new MqttCredentials(
      db,
      parseHubConfig({
        mqttUsers: [
          { username: 'installer', passwordHash: await hashPassword('the-installers-own'), role: 'installer' },
        ],
      }),
    );
    expect(await credentials.ensureInstallerCredential(0)).toBeNull();
    expect(db.prepare('SELECT count(*) AS n FROM mqtt_credentials').get()).toEqual({ n: 0 });
    expect((await credentials.authenticate('10.1.1.1', 'installer', Buffer.from('the-installers-own'))).ok).toBe(true);
  });

  it('makes the installer credential at each start until it is logged in with, then never again', async () => {
    const credentials = new MqttCredentials(db, parseHubConfig({}));
    const missed = await credentials.ensureInstallerCredential(0);
    expect(missed?.username).toBe('installer');
    // Nobody logged in with it (the first start's output missed): the next start makes another (session 62).
    const made = await credentials.ensureInstallerCredential(1);
    expect(made?.password).not.toBe(missed!.password);
    expect((await credentials.authenticate('10.1.1.1', 'installer', Buffer.from(missed!.password))).ok).toBe(false);
    expect((await credentials.authenticate('10.1.1.1', 'installer', Buffer.from(made!.password))).ok).toBe(true);
    expect(await credentials.ensureInstallerCredential(2)).toBeNull();
    expect(await credentials.authenticate('10.1.1.1', 'installer', Buffer.from('not-the-password'))).toMatchObject({
      ok: false,
      returnCode: 4,
    });
    // A generated secret is stored with the fast hash (no scrypt memory at start), never in clear.
    const row = db.prepare("SELECT password_hash FROM mqtt_credentials WHERE username = 'installer'").get() as {
      password_hash: string;
    };
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

  it('lets only responders acknowledge: not the installer credential handed to remote sensors, as over HTTP', () => {
    expect(canPublish(responder, 'telecare/h1/alerts/a1/ack')).toBe(true);
    expect(canPublish(installer, 'telecare/h1/alerts/a1/ack')).toBe(false);
    expect(canPublish(local, 'telecare/h1/alerts/a1/ack')).toBe(false);
    expect(canPublish(device, 'telecare/h1/alerts/a1/ack')).toBe(false);
    const h2Responder: MqttIdentity = { username: 'r2', role: 'responder', homes: new Set(['h2']) };
    expect(canPublish(h2Responder, 'telecare/h2/alerts/a1/ack')).toBe(true);
    expect(canPublish(h2Responder, 'telecare/h1/alerts/a1/ack')).toBe(false);
    expect(canRead(h2Responder, 'telecare/h1/alerts/a1')).toBe(false);
    expect(canRead(h2Responder, 'telecare/h2/alerts/a1')).toBe(true);
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

  it('scopes a device or bridge credential to its homes and their Zigbee2MQTT names', () => {
    expect(canPublish(device, 'telecare/h1/devices/p1/events')).toBe(true);
    expect(canPublish(device, 'telecare/h2/devices/p2/events')).toBe(false);
    expect(canPublish(bridge, 'zigbee2mqtt/hall_pir')).toBe(true);
    expect(canPublish(bridge, 'zigbee2mqtt/hall_pir/availability')).toBe(true);
    expect(canPublish(bridge, 'zigbee2mqtt/h2_button')).toBe(false);
    // A made-up friendly name maps to no home: a scoped credential cannot invent devices.
    expect(canPublish(bridge, 'zigbee2mqtt/fake_device')).toBe(false);
    expect(canSubscribe(device, 'telecare/h2/prealert')).toBe(false);
    expect(canRead(device, 'telecare/h1/prealert')).toBe(true);
    expect(canRead(device, 'telecare/h2/prealert')).toBe(false);
    expect(canRead(device, 'telecare/h1/devices/p1/events')).toBe(false);
    // Without homes, a device credential touches nothing.
    const unscoped: MqttIdentity = { username: 'u', role: 'device', homes: new Set() };
    expect(canPublish(unscoped, 'telecare/h1/devices/p1/events')).toBe(false);
  });

  it("lets installers, not bridges or responders, subscribe to every serial bridge's status", () => {
    expect(canSubscribe(installer, 'telecare/bridge/+/status')).toBe(true);
    expect(canSubscribe(local, 'telecare/bridge/+/status')).toBe(true);
    for (const who of [device, bridge, responder]) expect(canSubscribe(who, 'telecare/bridge/+/status')).toBe(false);
    // The filter also matches an alert 'status' of a home called 'bridge': the delivery check still keeps it out.
    expect(canRead(installer, 'telecare/bridge/alerts/status')).toBe(false);
    expect(canRead(installer, 'telecare/bridge/rx1/status')).toBe(true);
    // Other filters that could match alerts stay refused to a role that may not read alerts.
    expect(canSubscribe(installer, 'telecare/bridge/#')).toBe(false);
    expect(canSubscribe(installer, 'telecare/+/+/status')).toBe(false);
  });

  it('keeps Zigbee2MQTT commands and $SYS for the hub alone', () => {
    for (const who of [local, device, bridge, responder, installer]) {
      expect(canPublish(who, 'zigbee2mqtt/bridge/request/permit_join')).toBe(false);
      expect(canPublish(who, 'zigbee2mqtt/hall_pir/set')).toBe(false);
      expect(canPublish(who, 'zigbee2mqtt/hall_pir/set/state')).toBe(false);
      expect(canSubscribe(who, '$SYS/#')).toBe(false);
      expect(canRead(who, '$SYS/broker/clients')).toBe(false);
    }
    // Zigbee2MQTT itself (a bridge credential) hears the hub's commands for its homes and reports its own state.
    expect(canRead(bridge, 'zigbee2mqtt/bridge/request/permit_join')).toBe(true);
    expect(canRead(bridge, 'zigbee2mqtt/hall_pir/set')).toBe(true);
    expect(canRead(bridge, 'zigbee2mqtt/h2_button/set')).toBe(false);
    expect(canPublish(bridge, 'zigbee2mqtt/bridge/state')).toBe(true);
    expect(canPublish(device, 'zigbee2mqtt/bridge/state')).toBe(false);
  });
});

describe('mqtt connection floods', () => {
  it('refuses an unknown username without running scrypt', async () => {
    const credentials = new MqttCredentials(
      db,
      parseHubConfig({
        mqttUsers: [{ username: 'dev1', passwordHash: await hashPassword('pw-1'), role: 'device', homes: ['*'] }],
      }),
    );
    const before = scryptRunCount();
    for (let i = 0; i < 50; i++) {
      expect(await credentials.authenticate('10.0.0.9', `ghost${i}`, Buffer.from('x'))).toMatchObject({
        ok: false,
        returnCode: 4,
      });
    }
    expect(scryptRunCount()).toBe(before);
  });

  it('remembers a verified password: a reconnect costs no scrypt', async () => {
    const credentials = new MqttCredentials(
      db,
      parseHubConfig({
        mqttUsers: [{ username: 'dev1', passwordHash: await hashPassword('pw-1'), role: 'device', homes: ['*'] }],
      }),
    );
    const first = scryptRunCount();
    expect((await credentials.authenticate('10.0.0.9', 'dev1', Buffer.from('pw-1'))).ok).toBe(true);
    expect(scryptRunCount()).toBe(first + 1);
    expect((await credentials.authenticate('10.0.0.9', 'dev1', Buffer.from('pw-1'))).ok).toBe(true);
    expect(scryptRunCount()).toBe(first + 1);
    // The cache holds only the right password: a wrong one is still checked (and fails).
    expect(await credentials.authenticate('10.0.0.9', 'dev1', Buffer.from('pw-2'))).toMatchObject({
      ok: false,
      returnCode: 4,
    });
  });

  it('stops hashing for a source after too many failures, without refusing a cached device at that address', async () => {
    let now = 1_000_000;
    const credentials = new MqttCredentials(
      db,
      parseHubConfig({
        mqttUsers: [{ username: 'dev1', passwordHash: await hashPassword('pw-1'), role: 'device', homes: ['*'] }],
      }),
      () => now,
    );
    expect((await credentials.authenticate('10.0.0.9', 'dev1', Buffer.from('pw-1'))).ok).toBe(true);
    for (let i = 0; i < MAX_FAILURES_PER_WINDOW; i++)
      await credentials.authenticate('10.0.0.9', 'dev1', Buffer.from(`guess${i}`));
    const before = scryptRunCount();
    expect(await credentials.authenticate('10.0.0.9', 'dev1', Buffer.from('guess-more'))).toMatchObject({
      ok: false,
      returnCode: 3,
      reason: 'rate-limited',
    });
    expect(scryptRunCount()).toBe(before);
    expect((await credentials.authenticate('10.0.0.9', 'dev1', Buffer.from('pw-1'))).ok).toBe(true);
    // Another address is not throttled, and the window ends.
    expect(await credentials.authenticate('10.0.0.10', 'dev1', Buffer.from('guess'))).toMatchObject({ returnCode: 4 });
    now += 61_000;
    expect(await credentials.authenticate('10.0.0.9', 'dev1', Buffer.from('guess'))).toMatchObject({ returnCode: 4 });
  });

  it('a wall clock stepped back (NTP) does not keep an address throttled for the hours it stepped', async () => {
    let now = Date.UTC(2026, 10, 22, 9, 0, 0);
    const credentials = new MqttCredentials(
      db,
      parseHubConfig({
        mqttUsers: [{ username: 'dev2', passwordHash: await hashPassword('pw-2'), role: 'device', homes: ['*'] }],
      }),
      () => now,
    );
    for (let i = 0; i < MAX_FAILURES_PER_WINDOW; i++)
      await credentials.authenticate('10.0.0.11', 'dev2', Buffer.from(`guess${i}`));
    now -= 2 * 3_600_000;
    now += 61_000;
    // A minute has passed on every clock but the wall clock: the device's first login is checked, not refused.
    expect((await credentials.authenticate('10.0.0.11', 'dev2', Buffer.from('pw-2'))).ok).toBe(true);
  });
});

describe('generated secrets and TLS', () => {
  it('checks the generated installer secret without scrypt, even for a throttled address', async () => {
    const credentials = new MqttCredentials(db, parseHubConfig({}));
    const made = (await credentials.ensureInstallerCredential(0))!;
    const before = scryptRunCount();
    for (let i = 0; i < MAX_FAILURES_PER_WINDOW + 2; i++)
      await credentials.authenticate('10.0.0.9', 'installer', Buffer.from(`guess${i}`));
    expect((await credentials.authenticate('10.0.0.9', 'installer', Buffer.from(made.password))).ok).toBe(true);
    expect(scryptRunCount()).toBe(before);
  });

  it('with TLS on, refuses a password sent in clear from another machine, not from the Pi itself', async () => {
    const credentials = new MqttCredentials(db, parseHubConfig({}));
    const made = (await credentials.ensureInstallerCredential(0))!;
    const password = Buffer.from(made.password);
    expect(
      await credentials.authenticate('192.168.1.20', 'installer', password, { clearTextRefused: true }),
    ).toMatchObject({ ok: false, returnCode: 5, reason: 'clear-text-remote' });
    expect((await credentials.authenticate('127.0.0.1', 'installer', password, { clearTextRefused: true })).ok).toBe(
      true,
    );
    expect((await credentials.authenticate('192.168.1.20', 'installer', password)).ok).toBe(true);
  });
});

describe('client ids', () => {
  it('binds a client id to the first user that takes it, until a clean session ends', () => {
    const ids = new ClientIdRegistry();
    expect(ids.claim('zigbee2mqtt', 'local')).toBe(true);
    expect(ids.claim('zigbee2mqtt', 'local')).toBe(true);
    expect(ids.claim('zigbee2mqtt', 'user:dev1')).toBe(false);
    ids.release('zigbee2mqtt', 'user:dev1');
    expect(ids.claim('zigbee2mqtt', 'user:dev1')).toBe(false);
    ids.release('zigbee2mqtt', 'local');
    expect(ids.claim('zigbee2mqtt', 'user:dev1')).toBe(true);
  });
});
