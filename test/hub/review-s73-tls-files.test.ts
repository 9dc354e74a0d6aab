// Review, session 73: the TLS files `telecare hub` reads from paths an installer gives (HUB_MQTT_TLS_CERT/KEY,
// HUB_HTTPS_CERT/KEY; hub/pem-files.ts). Before, each mistake stopped the start with words naming neither the variable
// nor, mostly, the file: "ENOENT: no such file or directory, open '...'", "EISDIR: illegal operation on a directory,
// read", "error:0480006C:PEM routines::no start line" (the key given for the certificate), "error:1E08010C:DECODER
// routines::unsupported" (the certificate given for the key), "x509 certificate routines::key values mismatch", the
// last three once the store and the rules had started; an expired certificate started the hub without a word.
// Now the start stops before anything opens with one line naming the variable, the file, the cause and what to do; an
// expired certificate starts (a Pi's clock may be unset at boot) with a warning naming it. Real `telecare hub` processes.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { selfSignedPair, type SelfSignedPair } from '../support/tls.js';
import { cliPath, killHub, projectRoot, runCli, spawnHub, tempDir, writeConfig, type HubProcess } from './helpers.js';

let dir: string;
let hub: HubProcess | undefined;
let a: SelfSignedPair;
let b: SelfSignedPair;

beforeEach(() => {
  dir = tempDir('s73-tls-files');
  fs.mkdirSync(path.join(dir, 'a'));
  fs.mkdirSync(path.join(dir, 'b'));
  a = selfSignedPair(path.join(dir, 'a'));
  b = selfSignedPair(path.join(dir, 'b'));
});

afterEach(async () => {
  await killHub(hub);
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

const PAIRS = [
  { cert: 'HUB_MQTT_TLS_CERT', key: 'HUB_MQTT_TLS_KEY' },
  { cert: 'HUB_HTTPS_CERT', key: 'HUB_HTTPS_KEY' },
] as const;

function hubEnv(extra: Record<string, string>): Record<string, string> {
  return {
    HUB_CONFIG: writeConfig(dir),
    HUB_DATA_DIR: path.join(dir, 'data'),
    HUB_MQTT_PORT: '0',
    HUB_HTTP_PORT: '0',
    HUB_MQTT_TLS_PORT: '0',
    HUB_HOST: '127.0.0.1',
    ...extra,
  };
}

/** The start refused: exit 1, stderr one line naming `variable` and `file`, nothing opened (no data folder). */
function expectRefused(
  run: { status: number | null; stdout: string; stderr: string },
  variable: string,
  file: string,
  cause: RegExp,
): void {
  const lines = run.stderr.trim().split('\n');
  expect(lines, run.stderr).toHaveLength(1);
  expect(lines[0]!.startsWith(`telecare hub: ${variable} ${file} cannot be used: `), run.stderr).toBe(true);
  expect(lines[0]).toMatch(cause);
  expect(lines[0]).toMatch(/The hub does not start: give .* or unset both/);
  expect(run.stderr).not.toMatch(/ENOENT|EISDIR|EACCES|routines::|\n\s+at /);
  expect(run.status).toBe(1);
  expect(run.stdout).not.toContain('hub started');
  expect(fs.existsSync(path.join(dir, 'data'))).toBe(false);
}

describe('the TLS files telecare hub reads', () => {
  it.each(PAIRS)(
    '$cert / $key: a missing file, a folder, swapped files, a pair that does not match',
    (names) => {
      const folder = path.join(dir, 'folder');
      fs.mkdirSync(folder);
      const missing = path.join(dir, 'gone.crt');
      const cases: [string, string, string, RegExp][] = [
        [missing, a.keyFile, names.cert, /: no such file\. /],
        [a.certFile, path.join(dir, 'gone.key'), names.key, /: no such file\. /],
        [folder, a.keyFile, names.cert, /: it is a folder, not a file\. /],
        [a.keyFile, a.keyFile, names.cert, /it holds a private key, not a certificate/],
        [a.certFile, a.certFile, names.key, /it holds a certificate, not a private key/],
        [a.certFile, b.keyFile, names.key, new RegExp(`not the one of the certificate in ${names.cert} ${a.certFile}`)],
      ];
      for (const [cert, key, variable, cause] of cases) {
        const run = runCli(['hub'], { env: hubEnv({ [names.cert]: cert, [names.key]: key }) });
        expectRefused(run, variable, variable === names.cert ? cert : key, cause);
      }
    },
    120_000,
  );

  it('a key the user running the hub may not read is named, with that user', (context) => {
    const runuser = spawnSync('runuser', ['-u', 'nobody', '--', 'true']);
    if (process.getuid?.() !== 0 || runuser.status !== 0) {
      context.skip(); // needs root to run the hub as another user (runuser): a root hub reads any file
      return;
    }
    fs.chmodSync(dir, 0o755);
    fs.chmodSync(path.join(dir, 'a'), 0o755);
    fs.chmodSync(a.certFile, 0o644);
    fs.chmodSync(a.keyFile, 0o600);
    const env = hubEnv({ HUB_MQTT_TLS_CERT: a.certFile, HUB_MQTT_TLS_KEY: a.keyFile });
    fs.chmodSync(env.HUB_CONFIG!, 0o644);
    const run = spawnSync('runuser', ['-u', 'nobody', '--', process.execPath, cliPath, 'hub'], {
      cwd: projectRoot,
      env: { ...process.env, ...env },
      encoding: 'utf8',
      timeout: 30_000,
      killSignal: 'SIGKILL',
    });
    expectRefused(run, 'HUB_MQTT_TLS_KEY', a.keyFile, /the user running the hub \(nobody\) may not read it/);
  }, 60_000);

  it('an expired certificate starts the hub, with a warning naming the variable and the file', async () => {
    const expired = path.join(dir, 'expired.crt');
    execFileSync('openssl', ['x509', '-in', a.certFile, '-signkey', a.keyFile, '-days', '-1', '-out', expired], {
      stdio: 'ignore',
    });
    hub = await spawnHub(hubEnv({ HUB_HTTPS_CERT: expired, HUB_HTTPS_KEY: a.keyFile }), 60_000);
    const warning = hub
      .stdout()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level: number; msg: string })
      .find((entry) => entry.msg.startsWith(`HUB_HTTPS_CERT ${expired} expired on `));
    expect(warning?.level).toBe(40);
    expect(warning?.msg).toMatch(/clients refuse it; give a renewed certificate and restart the hub$/);
  }, 90_000);
});
