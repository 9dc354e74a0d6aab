// `telecare central` as a user runs it: settings checked with clear errors, `hub add` (password printed once, only a
// bcrypt hash kept, NATS reloaded), the workers running as child processes and a graceful SIGTERM.
import { execFile, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseCentralOptions, type CentralOptions } from '../../central/command.js';
import { layoutPath } from '../../central/nats-cluster.js';
import { cliPath, mqttClient, tempDir } from '../hub/helpers.js';
import { centreMissing, startTestCentre, type TestCentre } from './centre.js';

const missing = centreMissing();
if (missing) console.warn(`skipping the telecare central tests: ${missing}`);

function cli(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cliPath, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `cli`, not waited for: a test's runs that do not depend on one another go side by side (session 75). */
function cliAsync(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [cliPath, ...args],
      { encoding: 'utf8', env: { ...process.env, ...env } },
      (err, stdout, stderr) => {
        const code = (err as { code?: unknown } | null)?.code;
        resolve({ status: err ? (typeof code === 'number' ? code : null) : 0, stdout, stderr });
      },
    );
  });
}

/** The options `telecare central` gives its action for these flags (its defaults otherwise). */
function centralOptions(args: string[]): CentralOptions {
  const options: CentralOptions = {
    nats: '',
    mqtt: '',
    database: '',
    workers: '2',
    user: 'centre',
    silenceS: '180',
    host: '127.0.0.1',
    port: '8090',
  };
  const keys: Record<string, keyof CentralOptions> = {
    '--nats': 'nats',
    '--mqtt': 'mqtt',
    '--database': 'database',
    '--workers': 'workers',
    '--hub-budget-mib': 'hubBudgetMib',
    '--cluster-dir': 'clusterDir',
  };
  for (let i = 0; i < args.length; i += 2) {
    const key = keys[args[i] ?? ''];
    if (key === undefined) throw new Error(`no such flag in this test: ${args[i]}`);
    options[key] = args[i + 1] ?? '';
  }
  return options;
}

/** What parseCentralOptions throws for these flags and variables (the command exits 2 on a UsageError). */
function usageError(args: string[], env: NodeJS.ProcessEnv): Error {
  try {
    parseCentralOptions(centralOptions(args), env);
  } catch (err) {
    return err as Error;
  }
  throw new Error(`accepted: ${args.join(' ')}`);
}

describe('telecare central settings', () => {
  it('explains itself and refuses bad settings with a message naming the setting', async () => {
    const env = { CENTRAL_NATS_PASSWORD: 'x' };
    const good = ['central', '--nats', 'nats://h:1', '--mqtt', 'mqtt://h:2', '--database', 'postgres://a@h/d'];
    // The four CLI runs below, started together.
    const [help, noPassword, shortAdmin, noDatabase] = await Promise.all([
      cliAsync(['central', '--help']),
      cliAsync(
        ['central', '--nats', 'nats://127.0.0.1:4', '--mqtt', 'mqtt://127.0.0.1:5', '--database', 'postgres://a@b/c'],
        { CENTRAL_NATS_PASSWORD: '' },
      ),
      cliAsync(good, { ...env, CENTRAL_ADMIN_PASSWORD: 'admin1' }),
      cliAsync(['central', 'hub', 'remove', 'hub-x', '--by', 'ann'], { ...env, CENTRAL_DATABASE_URL: '' }),
    ]);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/--nats <urls>/);
    expect(help.stdout).toMatch(/CENTRAL_NATS_PASSWORD/);
    expect(noPassword.status).toBe(2);
    expect(noPassword.stderr).toMatch(/CENTRAL_NATS_PASSWORD must be set/);
    // The other refusals come from the same parseCentralOptions that the command's action calls, which turns its
    // UsageError into exit code 2 and the message on stderr (the spawns above and below show that path). They are
    // checked in this process: a spawn of the CLI costs about 0.75 s of CPU, and nine of them proved nothing more
    // (docs/testing.md, session 37).
    const cases: [string[], RegExp][] = [
      [['--nats', 'http://h:1', '--mqtt', 'mqtt://h:2', '--database', 'postgres://a@h/d'], /--nats: .*nats:\/\//],
      [
        ['--nats', 'nats://u:p@h:1', '--mqtt', 'mqtt://h:2', '--database', 'postgres://a@h/d'],
        /no credentials in URLs/,
      ],
      [['--nats', 'nats://h:1', '--mqtt', 'mqtt://h:2', '--database', 'mysql://h/d'], /--database/],
      [
        ['--nats', 'nats://h:1', '--mqtt', 'mqtt://h:2', '--database', 'postgres://a@h/d', '--workers', '0'],
        /--workers/,
      ],
      [['--nats', 'nats://h:1', '--database', 'postgres://a@h/d'], /--mqtt: give at least one URL/],
      // A hub's byte budget (session 38): 1 MiB to the whole 8 GiB store; a cluster folder must hold cluster.json.
      [
        ['--nats', 'nats://h:1', '--mqtt', 'mqtt://h:2', '--database', 'postgres://a@h/d', '--hub-budget-mib', '0'],
        /--hub-budget-mib: '0' is not a whole number 1-8192/,
      ],
      [
        ['--nats', 'nats://h:1', '--mqtt', 'mqtt://h:2', '--database', 'postgres://a@h/d', '--hub-budget-mib', '8193'],
        /--hub-budget-mib/,
      ],
      [
        [
          '--nats',
          'nats://h:1',
          '--mqtt',
          'mqtt://h:2',
          '--database',
          'postgres://a@h/d',
          '--cluster-dir',
          '/nonexistent',
        ],
        /--cluster-dir: no cluster layout at \/nonexistent\/cluster.json/,
      ],
    ];
    for (const [args, message] of cases) {
      const refused = usageError(args, env);
      expect(refused.constructor.name, args.join(' ')).toBe('UsageError');
      expect(refused.message).toMatch(message);
    }
    // The console behind a TLS proxy: a yes/no that is neither, or an origin that is not one, never passes silently;
    // nor a first admin password shorter than any operator may choose (and it is never echoed: through the CLI).
    expect(shortAdmin.status).toBe(2);
    expect(shortAdmin.stderr).toMatch(/CENTRAL_ADMIN_PASSWORD must be at least 10 characters/);
    expect(shortAdmin.stderr).not.toContain('admin1');
    const proxyCases: [NodeJS.ProcessEnv, RegExp][] = [
      [
        { CENTRAL_MQTT_CA: '/nonexistent/gateway-ca.pem' },
        /CENTRAL_MQTT_CA \/nonexistent\/gateway-ca.pem cannot be used: no such file/,
      ],
      [{ CENTRAL_SECURE_COOKIES: 'always' }, /CENTRAL_SECURE_COOKIES must be 1 or 0/],
      [{ CENTRAL_TRUST_PROXY: 'nginx' }, /CENTRAL_TRUST_PROXY must be 1 or 0/],
      [
        { CENTRAL_TRUSTED_ORIGINS: 'console.example.org' },
        /CENTRAL_TRUSTED_ORIGINS: 'console.example.org' is not an origin/,
      ],
    ];
    for (const [extra, message] of proxyCases) {
      const refused = usageError(good.slice(1), { ...env, ...extra });
      expect(refused.constructor.name, Object.keys(extra).join()).toBe('UsageError');
      expect(refused.message).toMatch(message);
    }
    // Retiring a hub needs the centre's database: without one, a message that says where to give it (session 61).
    expect(noDatabase.status).toBe(2);
    expect(noDatabase.stderr).toMatch(
      /no database: give the centre's PostgreSQL URL with --database .*CENTRAL_DATABASE_URL/,
    );
    const behindProxy = parseCentralOptions(
      {
        nats: 'nats://h:1',
        mqtt: 'mqtt://h:2',
        database: 'postgres://a@h/d',
        workers: '2',
        user: 'centre',
        silenceS: '180',
        host: '127.0.0.1',
        port: '8090',
      },
      {
        ...env,
        CENTRAL_SECURE_COOKIES: '1',
        CENTRAL_TRUST_PROXY: 'yes',
        CENTRAL_TRUSTED_ORIGINS: 'https://console.example.org/',
      },
    );
    expect(behindProxy).toMatchObject({
      secureCookies: true,
      trustProxy: true,
      trustedOrigins: ['https://console.example.org'],
    });
  });
});

let centre: TestCentre;

describe.skipIf(missing !== undefined)('telecare central against a real cluster', () => {
  beforeAll(async () => {
    centre = await startTestCentre(tempDir('central-command'), []);
  }, 120_000);

  afterAll(async () => {
    await centre.stop();
  }, 60_000);

  it('adds a hub: prints its password once, keeps only a bcrypt hash, reloads NATS so the hub can connect', async () => {
    const clusterDir = centre.cluster.layout.dir;
    // A bad hub id, refused whatever the layout holds, beside the first add.
    const [added, bad] = await Promise.all([
      cliAsync(['central', 'hub', 'add', 'hub-new', '--cluster-dir', clusterDir]),
      cliAsync(['central', 'hub', 'add', 'bad.hub', '--cluster-dir', clusterDir]),
    ]);
    expect(bad.status).toBe(2);
    expect(added.stderr).toBe('');
    expect(added.status).toBe(0);
    const password = /HUB_UPLINK_PASSWORD=(\S+)/.exec(added.stdout)?.[1];
    expect(password).toBeDefined();
    expect(added.stdout).toMatch(/HUB_ID=hub-new HUB_UPLINK_USER=hub-new/);
    for (const file of [layoutPath(clusterDir), path.join(clusterDir, 'n1', 'nats.conf')]) {
      const text = fs.readFileSync(file, 'utf8');
      expect(text).not.toContain(password);
      expect(text).toMatch(/\$2[aby]\$\d\d\$/);
      expect(fs.statSync(file).mode & 0o077).toBe(0);
    }
    // The running nodes reloaded: the new hub logs in (any node) without a restart.
    await vi.waitFor(
      async () => {
        const hub = await mqttClient(centre.cluster.layout.nodes[2]!.mqtt, {
          username: 'hub-new',
          password,
          clientId: 'hub-new-probe',
          protocolVersion: 4,
        });
        await hub.endAsync();
      },
      { timeout: 15_000, interval: 200 },
    );
    const again = cli(['central', 'hub', 'add', 'hub-new', '--cluster-dir', clusterDir]);
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/exists already/);
  });

  it('runs its workers as child processes, stores what a hub sends, and stops them all on SIGTERM, a second one included', async () => {
    const clusterDir = centre.cluster.layout.dir;
    const added = cli(['central', 'hub', 'add', 'hub-run', '--cluster-dir', clusterDir]);
    const password = /HUB_UPLINK_PASSWORD=(\S+)/.exec(added.stdout)?.[1] ?? '';
    const central = spawn(
      process.execPath,
      [
        cliPath,
        'central',
        '--nats',
        centre.cluster.natsUrls.join(','),
        '--mqtt',
        centre.cluster.mqttUrls.join(','),
        '--database',
        centre.postgres.url,
        '--workers',
        '2',
      ],
      {
        env: {
          ...process.env,
          CENTRAL_NATS_PASSWORD: centre.centrePassword,
          HUB_LOG_LEVEL: 'info',
          HUB_LOG_FORMAT: 'json',
        },
        stdio: 'pipe',
      },
    );
    let out = '';
    central.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => central.once('exit', (code) => resolve(code)));
    try {
      await vi.waitFor(() => expect(out).toMatch(/2 workers running/), { timeout: 60_000, interval: 50 });
      const hub = await mqttClient(centre.cluster.layout.nodes[1]!.mqtt, {
        username: 'hub-run',
        password,
        clientId: 'hub-run',
        protocolVersion: 4,
      });
      await hub.publishAsync('telecare-up/hub-run/heartbeat', JSON.stringify({ hubId: 'hub-run', openAlerts: 0 }), {
        qos: 1,
      });
      await hub.endAsync();
      await vi.waitFor(
        async () => {
          const rows = await centre.pool.query<{ last_heartbeat: unknown }>(
            `SELECT last_heartbeat FROM central_hubs WHERE hub_id = 'hub-run'`,
          );
          expect(rows.rows[0]?.last_heartbeat).toMatchObject({ hubId: 'hub-run' });
        },
        { timeout: 30_000, interval: 50 },
      );
      const workerPids = childPids(central.pid!);
      expect(workerPids).toHaveLength(2);
      central.kill('SIGTERM');
      // A second stop while it stops (a service manager's, or the second SIGINT of Ctrl-C under npm) is told and goes no
      // further: under `process.once` it met Node's default and ended the centre mid-stop, its workers left running
      // (review, session 68).
      await vi.waitFor(() => expect(out).toMatch(/"msg":"stopping"/), { timeout: 30_000, interval: 10 });
      central.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(out).toMatch(/"msg":"stop already under way"/);
      for (const pid of workerPids) expect(alive(pid)).toBe(false);
    } finally {
      if (central.exitCode === null) central.kill('SIGKILL');
    }
  }, 120_000);
});

function childPids(parent: number): number[] {
  return fs
    .readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === parent;
      } catch {
        return false;
      }
    })
    .map(Number);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
