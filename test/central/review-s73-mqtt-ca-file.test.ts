// Review, session 73: CENTRAL_MQTT_CA, the gateways' certificate authority, as `telecare central` checks it before it
// starts. Before, only the file's existence was checked: a folder given for it, or the key given for the certificate,
// passed, the centre went on (to PostgreSQL, NATS, its workers) and its workers then failed on "EISDIR: illegal
// operation on a directory, read" or on every gateway's "self-signed certificate", neither naming the variable. Now the
// start stops (a usage error, exit 2, as a missing file already did) with one line naming the variable, the file and
// what to do. Real `telecare central` processes; the database URL is a port nothing listens on, never reached.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { selfSignedPair } from '../support/tls.js';
import { freePort, runCli, tempDir } from '../hub/helpers.js';

let dir: string;

beforeEach(() => {
  dir = tempDir('s73-central-ca');
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

it('a folder, a missing file or a key given as CENTRAL_MQTT_CA stops the start with one line naming it', async () => {
  const pair = selfSignedPair(dir);
  const folder = path.join(dir, 'ca');
  fs.mkdirSync(folder);
  const closed = await freePort();
  const cases: [string, RegExp][] = [
    [folder, /it is a folder, not a file/],
    [path.join(dir, 'gone.pem'), /no such file/],
    [pair.keyFile, /it holds no PEM certificate/],
  ];
  for (const [ca, cause] of cases) {
    const run = runCli(
      [
        'central',
        '--nats',
        `nats://127.0.0.1:${closed}`,
        '--mqtt',
        `mqtt://127.0.0.1:${closed}`,
        '--database',
        `postgres://centre@127.0.0.1:${closed}/centre`,
      ],
      { env: { CENTRAL_NATS_PASSWORD: 'x', CENTRAL_MQTT_CA: ca } },
    );
    const lines = run.stderr.trim().split('\n');
    expect(lines, run.stderr).toHaveLength(1);
    expect(lines[0]!.startsWith(`telecare central: CENTRAL_MQTT_CA ${ca} cannot be used: `), run.stderr).toBe(true);
    expect(lines[0]).toMatch(cause);
    expect(lines[0]).toContain("or unset CENTRAL_MQTT_CA to trust the system's CAs");
    expect(run.status).toBe(2);
  }
}, 60_000);
