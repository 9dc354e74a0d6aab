// Review, session 74: `telecare hub --check-config` said "valid" for a configuration whose TLS files the start then
// refused (HUB_HTTPS_KEY naming the certificate's file, a missing file, a pair that does not match), and said nothing
// of an expired certificate or an HUB_UPLINK_CA the uplink cannot use, both of which the start warns of. Now the check
// reads them as the start does: a file that stops the start stops the check (status 1, the start's own line on
// stderr); what the start only warns of is an `advice:` line. Real `telecare hub --check-config` processes.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { selfSignedPair, type SelfSignedPair } from '../support/tls.js';
import { runCli, tempDir, writeConfig } from './helpers.js';

let dir: string;
let pair: SelfSignedPair;

beforeEach(() => {
  dir = tempDir('s74-check-config-tls');
  pair = selfSignedPair(dir);
});

afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function check(env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  return runCli(['hub', '--check-config'], {
    env: { HUB_CONFIG: writeConfig(dir), HUB_DATA_DIR: path.join(dir, 'data'), ...env },
  });
}

it('refuses, as the start does, the TLS files the start would refuse', () => {
  const missing = path.join(dir, 'gone.crt');
  // A key protected by a passphrase (the branch session 73 left untested): the hub cannot type it.
  const locked = path.join(dir, 'locked.key');
  execFileSync('openssl', ['pkey', '-in', pair.keyFile, '-aes256', '-passout', 'pass:secret-words', '-out', locked], {
    stdio: 'ignore',
  });
  const cases: [Record<string, string>, string][] = [
    [{ HUB_HTTPS_CERT: pair.certFile, HUB_HTTPS_KEY: locked }, `HUB_HTTPS_KEY ${locked} cannot be used`],
    // The certificate's file given for the key.
    [{ HUB_HTTPS_CERT: pair.certFile, HUB_HTTPS_KEY: pair.certFile }, `HUB_HTTPS_KEY ${pair.certFile} cannot be used`],
    [{ HUB_MQTT_TLS_CERT: missing, HUB_MQTT_TLS_KEY: pair.keyFile }, `HUB_MQTT_TLS_CERT ${missing} cannot be used`],
  ];
  for (const [env, line] of cases) {
    const run = check(env);
    // Before: status 0, "valid (1 home)".
    expect({ status: run.status, valid: run.stdout.includes('valid') }, run.stdout + run.stderr).toEqual({
      status: 1,
      valid: false,
    });
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr.startsWith(`telecare hub: ${line}: `), run.stderr).toBe(true);
    expect(run.stderr).toMatch(/The hub does not start: give /);
    if (env.HUB_HTTPS_KEY === locked) expect(run.stderr).toContain('the private key is protected by a passphrase');
    // A check opens nothing.
    expect(fs.existsSync(path.join(dir, 'data'))).toBe(false);
  }
  // A good pair: valid, as before.
  const run = check({ HUB_HTTPS_CERT: pair.certFile, HUB_HTTPS_KEY: pair.keyFile });
  expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
  expect(run.stdout).toMatch(/: valid \(1 home\)\n/);
});

it('says, as advice, an expired certificate and an uplink CA the uplink cannot use', () => {
  const expired = path.join(dir, 'expired.crt');
  execFileSync('openssl', ['x509', '-in', pair.certFile, '-signkey', pair.keyFile, '-days', '-1', '-out', expired], {
    stdio: 'ignore',
  });
  const run = check({
    HUB_MQTT_TLS_CERT: expired,
    HUB_MQTT_TLS_KEY: pair.keyFile,
    HUB_UPLINK_URL: 'mqtts://centre.example:8883',
    HUB_ID: 'hub-1',
    HUB_UPLINK_USER: 'hub-1',
    HUB_UPLINK_PASSWORD: 'a-long-uplink-password',
    // The key given for the CA.
    HUB_UPLINK_CA: pair.keyFile,
  });
  expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
  const advice = run.stdout.split('\n').filter((line) => line.startsWith('advice: '));
  // Before: neither said.
  expect(advice.filter((line) => line.startsWith(`advice: HUB_MQTT_TLS_CERT ${expired} expired on `))).toHaveLength(1);
  expect(
    advice.filter((line) => line.startsWith(`advice: HUB_UPLINK_CA ${pair.keyFile} cannot be used: `)),
  ).toHaveLength(1);
});
