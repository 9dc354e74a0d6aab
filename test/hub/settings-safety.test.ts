// `telecare hub` refuses environment settings that would weaken it silently: a clear message naming the variable.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveSettings } from '../../hub/main.js';
import { cliPath, tempDir, writeConfig } from './helpers.js';

let dir: string;
beforeEach(() => {
  dir = tempDir('settings');
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Runs `telecare hub` with `env` on free ports in a temp folder; a hub that starts anyway is killed at the limit. */
function startWith(env: Record<string, string>): { status: number | null; stderr: string; stdout: string } {
  const result = spawnSync(process.execPath, [cliPath, 'hub'], {
    env: {
      PATH: process.env.PATH,
      HUB_DATA_DIR: path.join(dir, 'data'),
      HUB_CONFIG: writeConfig(dir),
      HUB_MQTT_PORT: '0',
      HUB_HTTP_PORT: '0',
      HUB_HOST: '127.0.0.1',
      HUB_ADMIN_PASSWORD: 'a long enough admin password',
      ...env,
    },
    encoding: 'utf8',
    // A refused setting exits at once; one taken silently would run on: killed here so the test fails, not hangs.
    timeout: 30_000,
    killSignal: 'SIGKILL',
  });
  return { status: result.status, stderr: result.stderr, stdout: result.stdout };
}

describe('settings that matter for security', () => {
  it('a short HUB_ADMIN_PASSWORD is refused (the dashboard asks 10 characters of every other password)', () => {
    const run = startWith({ HUB_ADMIN_PASSWORD: 'admin1' });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/HUB_ADMIN_PASSWORD must be at least 10 characters/);
    expect(run.stderr + run.stdout).not.toContain('admin1');
    expect(run.stderr).not.toMatch(/^\s+at /m);
  });

  it('HUB_SECURE_COOKIES other than 1/0 (true, yes...) is understood or refused, never taken as "no"', () => {
    const env = { HUB_DATA_DIR: '/srv/hub/data' };
    expect(resolveSettings({}, { ...env, HUB_SECURE_COOKIES: 'true' }).secureCookies).toBe(true);
    expect(resolveSettings({}, { ...env, HUB_SECURE_COOKIES: 'yes' }).secureCookies).toBe(true);
    expect(resolveSettings({}, { ...env, HUB_SECURE_COOKIES: '0' }).secureCookies).toBe(false);
    const run = startWith({ HUB_SECURE_COOKIES: 'always' });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/HUB_SECURE_COOKIES must be 1 or 0/);
  });

  it('HUB_TRUSTED_ORIGINS must be origins; a trailing slash is taken as the origin it names', () => {
    expect(
      resolveSettings({}, { HUB_TRUSTED_ORIGINS: 'https://care.example.org/, http://10.0.0.5:8443' }).trustedOrigins,
    ).toEqual(['https://care.example.org', 'http://10.0.0.5:8443']);
    const run = startWith({ HUB_TRUSTED_ORIGINS: 'care.example.org' });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/HUB_TRUSTED_ORIGINS: 'care.example.org' is not an origin/);
  });

  it('HUB_MQTT_URL with a scheme mqtt.js cannot use (http://) stops the start naming the variable, never looping', () => {
    const run = startWith({ HUB_MQTT_URL: 'http://hub-user:s3cret-pass@127.0.0.1:1' });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/HUB_MQTT_URL must start with mqtt:\/\/ or mqtts:\/\/ .*not 'http:\/\/'/);
    // The URL may carry the broker's password: never echoed.
    expect(run.stderr + run.stdout).not.toContain('s3cret-pass');
    expect(run.stderr).not.toMatch(/^\s+at /m);
  });

  it('HUB_MQTT_URL without a scheme or a host is refused; mqtt, mqtts, ws and wss are taken', () => {
    expect(() => resolveSettings({}, { HUB_MQTT_URL: '127.0.0.1:1884' })).toThrow(/HUB_MQTT_URL must start with/);
    expect(() => resolveSettings({}, { HUB_MQTT_URL: 'mqtt://' })).toThrow(/HUB_MQTT_URL has no host name/);
    expect(() => resolveSettings({}, { HUB_MQTT_URL: 'broker.local' })).toThrow(/HUB_MQTT_URL/);
    expect(() => resolveSettings({ mqttUrl: 'https://broker.local' }, {})).toThrow(/--mqtt-url must start with/);
    for (const url of [
      'mqtt://127.0.0.1:1884',
      'mqtts://broker.local:8883',
      'ws://127.0.0.1:9001',
      'wss://b.local/mqtt',
    ])
      expect(resolveSettings({}, { HUB_MQTT_URL: url }).mqttUrl).toBe(url);
  });

  it('HUB_UPLINK_URL=mqtt:// to another machine refuses the uplink saying how (mqtts, or the opt-in for a private link), not the start', () => {
    const uplink = {
      HUB_UPLINK_URL: 'mqtt://arc.example.org:1883',
      HUB_ID: 'scheme-42',
      HUB_UPLINK_USER: 'scheme-42',
      HUB_UPLINK_PASSWORD: 'uplink-secret-for-tests',
    };
    // The hub starts (test/hub/uplink-in-clear.test.ts): a setting that stops it would leave the home unwatched.
    const refused = resolveSettings({}, uplink).uplink?.refused;
    expect(refused).toMatch(/HUB_UPLINK_URL is mqtt:\/\/ to another machine/);
    expect(refused).toMatch(/Use mqtts:\/\/.*or set HUB_UPLINK_ALLOW_PLAINTEXT=1/);
    expect(refused).not.toContain('uplink-secret-for-tests');
    // The opt-in is a yes/no like every other: a typo is refused, never taken as "no" or "yes" silently.
    expect(resolveSettings({}, { ...uplink, HUB_UPLINK_ALLOW_PLAINTEXT: '1' }).uplink).not.toHaveProperty('refused');
    expect(resolveSettings({}, { ...uplink, HUB_UPLINK_ALLOW_PLAINTEXT: '0' }).uplink?.refused).toMatch(
      /to another machine/,
    );
    expect(() => resolveSettings({}, { ...uplink, HUB_UPLINK_ALLOW_PLAINTEXT: 'sure' })).toThrow(
      /HUB_UPLINK_ALLOW_PLAINTEXT must be 1 or 0/,
    );
    // TLS, and a connection that never leaves the machine (a tunnel's local end), need no opt-in.
    for (const url of [
      'mqtts://arc.example.org:8883',
      'mqtt://127.0.0.1:1883',
      'mqtt://localhost:1883',
      'mqtt://[::1]:1883',
    ]) {
      const settings = resolveSettings({}, { ...uplink, HUB_UPLINK_URL: url }).uplink;
      expect(settings?.url).toBe(url);
      expect(settings).not.toHaveProperty('refused');
    }
    // A host name that only looks like loopback is another machine.
    for (const url of ['mqtt://127.0.0.1.nip.io:1883', 'mqtt://localhost.example.org:1883', 'mqtt://10.0.0.5:1883'])
      expect(resolveSettings({}, { ...uplink, HUB_UPLINK_URL: url }).uplink?.refused, url).toMatch(
        /to another machine/,
      );
  });

  it('an unknown HUB_LOG_LEVEL names the variable and the levels', () => {
    const run = startWith({ HUB_LOG_LEVEL: 'verbose' });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(
      /unknown log level 'verbose' in HUB_LOG_LEVEL \(use one of fatal, error, warn, info, debug, trace, silent\)/,
    );
  });
});
