// Review, session 73: the files `telecare bridge` reads from paths it is given (--ca, --password-file). Before, a file
// it could not read was named with a bare error code ("--ca /etc/telecare: EISDIR", "--password-file ...: ENOENT"), and
// --ca took any file with "-----BEGIN CERTIFICATE-----" in it, a broken block too. Now the cause is said in words, with
// the user for a permission, and --ca needs a certificate that parses (hub/pem-files.ts, as the hub's and the centre's
// CA files). Real `telecare bridge` processes; the bridge stops at its start, before any port or broker is opened.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { runCli, tempDir } from '../hub/helpers.js';

let dir: string;

beforeEach(() => {
  dir = tempDir('s73-bridge-files');
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function bridge(args: string[]): { status: number | null; output: string } {
  // Port 9 (discard): the bridge must stop before it tries it.
  const run = runCli(
    ['bridge', '--port', path.join(dir, 'no-such-tty'), '--home', 'h1', '--mqtt', 'mqtts://127.0.0.1:9', ...args],
    { timeoutMs: 20_000 },
  );
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

it('--ca and --password-file that cannot be read, or a --ca block that is no certificate, are named with the cause', () => {
  const folder = path.join(dir, 'ca');
  fs.mkdirSync(folder);
  const broken = path.join(dir, 'broken.pem');
  fs.writeFileSync(broken, '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n');
  const cases: [string[], string][] = [
    [['--ca', folder], `--ca ${folder}: it is a folder, not a file`],
    [['--ca', path.join(dir, 'gone.pem')], `--ca ${path.join(dir, 'gone.pem')}: no such file`],
    [['--ca', broken], `--ca ${broken}: no PEM certificate in it`],
    [['--password-file', path.join(dir, 'gone')], `--password-file ${path.join(dir, 'gone')}: no such file`],
  ];
  for (const [args, said] of cases) {
    const run = bridge(args);
    expect(run.output, args.join(' ')).toContain(said);
    expect(run.output).not.toMatch(/ENOENT|EISDIR|\n\s+at /);
    expect(run.status).toBe(1);
  }
}, 90_000);
