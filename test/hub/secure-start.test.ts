// A first start as an installer does it: HTTPS from a given certificate, private data files, secrets on stderr only.
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { resolveSettings } from '../../hub/main.js';
import { killHub, spawnHub, tempDir, writeConfig, type HubProcess } from './helpers.js';
import { selfSignedPair } from '../support/tls.js';

let dir: string;
let hub: HubProcess | undefined;
beforeEach(() => {
  dir = tempDir('secure');
});
afterEach(async () => {
  await killHub(hub);
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

function httpsRequest(port: number, ca: Buffer, route: string, body?: unknown) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }>(
    (resolve, reject) => {
      const request = https.request(
        {
          host: '127.0.0.1',
          port,
          path: route,
          method: body ? 'POST' : 'GET',
          ca,
          headers: body ? { 'content-type': 'application/json' } : {},
        },
        (response) => {
          let text = '';
          response.on('data', (d: Buffer) => (text += d.toString()));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text }));
        },
      );
      request.on('error', reject);
      request.end(body ? JSON.stringify(body) : undefined);
    },
  );
}

const mode = (file: string): number => fs.statSync(file).mode & 0o777;

describe('a first start with a certificate and key', () => {
  it('serves HTTPS with Secure cookies, keeps the data folder private, and prints secrets on stderr, never in the log', async () => {
    const pair = selfSignedPair(dir);
    const dataDir = path.join(dir, 'data');
    hub = await spawnHub({
      HUB_DATA_DIR: dataDir,
      HUB_CONFIG: writeConfig(dir),
      HUB_ADMIN_PASSWORD: '',
      HUB_HTTPS_CERT: pair.certFile,
      HUB_HTTPS_KEY: pair.keyFile,
    });

    // stderr is a pipe of its own: "hub started" on stdout does not promise what stderr says has been read yet.
    const running = hub;
    await vi.waitFor(
      () => {
        expect(running.stderr()).toMatch(/Dashboard user "admin" created with password: \S+/);
        expect(running.stderr()).toMatch(/MQTT installer credential created .*password "[^"]+"/);
      },
      { timeout: 15_000, interval: 20 },
    );
    const adminPassword = /Dashboard user "admin" created with password: (\S+)/.exec(hub.stderr())?.[1];
    const installerPassword = /MQTT installer credential created .*password "([^"]+)"/.exec(hub.stderr())?.[1];
    expect(adminPassword).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(installerPassword).toMatch(/^[A-Za-z0-9_-]{24}$/);
    // The log stream (stdout, JSON lines) carries neither.
    expect(hub.stdout()).toContain('hub started');
    expect(hub.stdout()).not.toContain(adminPassword);
    expect(hub.stdout()).not.toContain(installerPassword);

    expect(mode(dataDir)).toBe(0o700);
    for (const file of ['hub.db', 'hub.db-wal', 'hub.db-shm', 'hub.db.acked']) {
      const full = path.join(dataDir, file);
      if (fs.existsSync(full)) expect(mode(full), file).toBe(0o600);
    }
    expect(fs.existsSync(path.join(dataDir, 'hub.db-wal'))).toBe(true);
    expect(fs.existsSync(path.join(dataDir, 'hub.db.acked'))).toBe(true);

    const health = await httpsRequest(hub.httpPort, pair.cert, '/api/health');
    expect(health.status).toBe(200);
    expect(JSON.parse(health.text)).toEqual({ status: 'ok' });
    const login = await httpsRequest(hub.httpPort, pair.cert, '/api/login', {
      username: 'admin',
      password: adminPassword,
    });
    expect(login.status).toBe(200);
    expect(String(login.headers['set-cookie'])).toMatch(/; Secure/);
    // Plain HTTP on the same port gets no answer from the API.
    await expect(fetch(`http://127.0.0.1:${hub.httpPort}/api/health`)).rejects.toThrow();
  });

  it('an existing data folder made with loose modes is narrowed on start', async () => {
    const dataDir = path.join(dir, 'data');
    fs.mkdirSync(dataDir, { mode: 0o755 });
    fs.chmodSync(dataDir, 0o755);
    hub = await spawnHub({ HUB_DATA_DIR: dataDir, HUB_CONFIG: writeConfig(dir) });
    expect(mode(dataDir)).toBe(0o700);
    expect(mode(path.join(dataDir, 'hub.db'))).toBe(0o600);
  });
});

describe('HTTPS settings', () => {
  it('HUB_HTTPS_CERT and HUB_HTTPS_KEY are taken together, relative to the working folder, or not at all', () => {
    expect(
      resolveSettings({}, { HUB_HTTPS_CERT: 'tls/hub.crt', HUB_HTTPS_KEY: 'tls/hub.key' }, '/srv/hub').https,
    ).toEqual({
      certFile: '/srv/hub/tls/hub.crt',
      keyFile: '/srv/hub/tls/hub.key',
    });
    expect(resolveSettings({}, {}, '/srv/hub').https).toBeUndefined();
    expect(() => resolveSettings({}, { HUB_HTTPS_CERT: 'tls/hub.crt' }, '/srv/hub')).toThrow(/HUB_HTTPS_KEY/);
  });

  it('behind a TLS proxy: HUB_TRUSTED_ORIGINS lists the proxy origins, HUB_SECURE_COOKIES=1 marks cookies Secure', () => {
    const settings = resolveSettings(
      {},
      { HUB_TRUSTED_ORIGINS: 'https://care.example.org, https://hub.example.org', HUB_SECURE_COOKIES: '1' },
    );
    expect(settings.trustedOrigins).toEqual(['https://care.example.org', 'https://hub.example.org']);
    expect(settings.secureCookies).toBe(true);
    expect(resolveSettings({}, {}).secureCookies).toBeUndefined();
  });
});

describe('files other users of the machine may read or change', () => {
  it('a configuration holding a webhook secret readable by all, and a key others may change, are each warned about in the log', async () => {
    const secret = 'webhook-secret-for-the-call-centre';
    const config = writeConfig(dir, {
      homes: [{ id: 'h1', residents: [{ id: 'r1' }], devices: [{ id: 'p1', kind: 'pendant', room: 'living' }] }],
      responders: [{ id: 'cc', group: 'call-centre', webhook: { url: 'https://cc.example.org/hook', secret } }],
    });
    // An installer's umask 022 leaves the file 0644; a key copied about with 0666.
    fs.chmodSync(config, 0o644);
    const pair = selfSignedPair(dir);
    fs.chmodSync(pair.keyFile, 0o666);
    hub = await spawnHub({
      HUB_DATA_DIR: path.join(dir, 'data'),
      HUB_CONFIG: config,
      HUB_HTTPS_CERT: pair.certFile,
      HUB_HTTPS_KEY: pair.keyFile,
    });
    const warnings = hub
      .stdout()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level: number; msg: string })
      .filter((entry) => entry.level === 40)
      .map((entry) => entry.msg);
    expect(warnings).toContain(
      `configuration file ${config} holds secrets and every user of this machine can read it (mode 0644): chmod 600 ${config} (or 640 with the hub's group)`,
    );
    expect(warnings).toContain(
      `HTTPS key ${pair.keyFile} can be changed by other users of this machine (mode 0666): chmod go-w ${pair.keyFile}`,
    );
    expect(hub.stdout()).not.toContain(secret);
  });

  it('a private configuration and key get no such warning', async () => {
    const config = writeConfig(dir, {
      homes: [{ id: 'h1', residents: [{ id: 'r1' }], devices: [{ id: 'p1', kind: 'pendant', room: 'living' }] }],
      responders: [
        { id: 'cc', group: 'call-centre', webhook: { url: 'https://cc.example.org/hook', secret: 'x'.repeat(32) } },
      ],
    });
    fs.chmodSync(config, 0o640);
    const pair = selfSignedPair(dir);
    fs.chmodSync(pair.keyFile, 0o600);
    hub = await spawnHub({
      HUB_DATA_DIR: path.join(dir, 'data'),
      HUB_CONFIG: config,
      HUB_HTTPS_CERT: pair.certFile,
      HUB_HTTPS_KEY: pair.keyFile,
    });
    expect(hub.stdout()).not.toMatch(/other users of this machine|every user of this machine/);
  });
});
