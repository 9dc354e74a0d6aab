// `telecare simulate` as installers and the bench use it: a valid configuration, replayable NDJSON, live MQTT.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import { afterEach, assert, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseHubConfig } from '../../hub/config.js';
import { INACTIVITY_FAMILY } from '../../rules/vocabulary.js';
import { localDate } from '../../simulate/localTime.js';

const run = promisify(execFile);
const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = path.join(projectRoot, 'dist/bin/telecare.js');

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'telecare-sim-test-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A real aedes broker on an ephemeral port of the loopback; `close` stops its server and the broker. */
async function brokerOnFreePort(
  options?: Parameters<typeof Aedes.createBroker>[0],
): Promise<{ broker: Aedes; port: number; close: () => Promise<void> }> {
  const broker = await Aedes.createBroker(options);
  const server = net.createServer((s) => broker.handle(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const close = async (): Promise<void> => {
    await new Promise<void>((r) => server.close(() => r()));
    await new Promise<void>((r) => broker.close(() => r()));
  };
  return { broker, port: (server.address() as net.AddressInfo).port, close };
}

describe('telecare simulate', () => {
  it('writes a configuration of the simulated flats that the hub accepts', async () => {
    const file = path.join(dir, 'scheme.json');
    await run(process.execPath, [cli, 'simulate', '--homes', '3', '--write-config', file]);
    const config = parseHubConfig(JSON.parse(fs.readFileSync(file, 'utf8')), file);
    expect(config.homes.map((h) => h.id)).toEqual(['h1', 'h2', 'h3']);
    expect(config.homes[0]?.devices.map((d) => d.kind)).toEqual(
      expect.arrayContaining(['bed', 'chair', 'motion', 'exit-door', 'pendant', 'appliance', 'climate']),
    );
  });

  it('writes a day with a collapse that replay turns into an inactivity-family alert soon after, and a normal day into none', async () => {
    const config = path.join(dir, 'home.json');
    const collapse = path.join(dir, 'collapse.ndjson');
    const normal = path.join(dir, 'normal.ndjson');
    const common = ['--start', '2026-01-12', '--seed', '3', '--tz', 'Europe/London'];
    // The two days are written, then replayed, side by side: four CLI runs, two at a time.
    await Promise.all([
      run(process.execPath, [
        cli,
        'simulate',
        ...common,
        '--incident',
        'collapse@14:05',
        '--out',
        collapse,
        '--write-config',
        config,
      ]),
      run(process.execPath, [cli, 'simulate', ...common, '--out', normal]),
    ]);

    const alertsOf = async (input: string): Promise<{ kind: string; raisedAt: string }[]> => {
      const { stdout } = await run(process.execPath, [cli, 'replay', '--input', input, '--config', config]);
      return stdout
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { kind: string; raisedAt: string });
    };
    const afternoon = (a: { raisedAt: string }): boolean =>
      Date.parse(a.raisedAt) > Date.parse('2026-01-12T14:05:00Z') &&
      Date.parse(a.raisedAt) <= Date.parse('2026-01-12T15:35:00Z');
    const inactivityFamily = (a: { kind: string }): boolean =>
      (INACTIVITY_FAMILY as readonly string[]).includes(a.kind);

    const [collapseReplayed, normalReplayed] = await Promise.all([alertsOf(collapse), alertsOf(normal)]);
    const collapseAlerts = collapseReplayed.filter(inactivityFamily).filter(afternoon);
    expect(collapseAlerts.length).toBeGreaterThan(0);
    expect(normalReplayed.filter(inactivityFamily).filter(afternoon)).toEqual([]);
  });

  it('publishes native events over MQTT at a fixed rate, as the bench loads the hub', async () => {
    const { port, close } = await brokerOnFreePort();
    const subscriber = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`);
    const received: { topic: string; body: { type: string; ts: string } }[] = [];
    subscriber.on('message', (topic, payload) => received.push({ topic, body: JSON.parse(payload.toString()) }));
    await subscriber.subscribeAsync('telecare/+/devices/+/events', { qos: 1 });
    try {
      const { stdout } = await run(process.execPath, [
        cli,
        'simulate',
        '--mqtt',
        `mqtt://127.0.0.1:${port}`,
        '--homes',
        '2',
        '--start',
        '2026-01-12',
        '--rate',
        '2000',
        '--duration',
        '1',
        '--summary-json',
      ]);
      const summary = JSON.parse(stdout.trim().split('\n').pop()!) as { published: number; acknowledged: number };
      expect(summary.published).toBeGreaterThan(100);
      expect(summary.acknowledged).toBe(summary.published);
      // The broker acknowledged the simulator; its deliveries to this subscriber may still be on their way.
      await vi.waitFor(() => expect(received).toHaveLength(summary.published), { timeout: 15_000, interval: 20 });
      const [first] = received;
      assert.isDefined(first);
      expect(first.topic).toMatch(/^telecare\/h[12]\/devices\/[a-z-]+\/events$/);
      // With --rate the events are stamped when sent (load for a live hub), not in January.
      expect(Math.abs(Date.parse(first.body.ts) - Date.now())).toBeLessThan(60_000);
    } finally {
      await subscriber.endAsync();
      await close();
    }
  });

  it('keeps publishing after the broker refuses a reconnection for a while (hub restarting), and says so on stderr', async () => {
    let refusalsLeft = 0;
    const { broker, port, close } = await brokerOnFreePort({
      authenticate: (_client, _username, _password, done) => {
        if (refusalsLeft === 0) {
          done(null, true);
          return;
        }
        refusalsLeft -= 1;
        done(Object.assign(new Error('server unavailable'), { returnCode: 3 as const }), null);
      },
    });
    const subscriber = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`);
    let received = 0;
    let receivedAfterOutage = 0;
    let outage = false;
    subscriber.on('message', () => {
      received += 1;
      if (outage && refusalsLeft === 0) receivedAfterOutage += 1;
    });
    await subscriber.subscribeAsync('telecare/+/devices/+/events', { qos: 1 });
    const simulator = run(
      process.execPath,
      [cli, 'simulate', '--mqtt', `mqtt://127.0.0.1:${port}`, '--start', '2026-01-12', '--rate', '100'],
      { timeout: 60_000 },
    );
    // Not awaited here: ended by SIGTERM below, after the outage.
    simulator.catch(() => undefined);
    try {
      await vi.waitFor(() => expect(received).toBeGreaterThan(20), { timeout: 15_000, interval: 20 });
      // The broker drops the simulator and refuses its next two tries, as a restarting or flooded hub does (CONNACK 3).
      refusalsLeft = 2;
      outage = true;
      for (const client of Object.values(
        (broker as unknown as { clients: Record<string, { id: string; close: () => void }> }).clients,
      )) {
        if (client.id.startsWith('telecare-sim-')) client.close();
      }
      await vi.waitFor(() => expect(receivedAfterOutage).toBeGreaterThan(20), { timeout: 20_000, interval: 50 });
      simulator.child.kill('SIGTERM');
      const { stderr } = await simulator.catch((err: unknown) => err as { stderr: string });
      expect(stderr).toMatch(
        /simulate: the broker refused the connection \(Connection refused: Server unavailable\); retrying/,
      );
      expect(stderr).toMatch(/simulate: connected again/);
    } finally {
      simulator.child.kill('SIGKILL');
      await subscriber.endAsync();
      await close();
    }
  });

  it("a wrong password at start ends the simulator with the broker's reason, never a silent loop", async () => {
    const { port, close } = await brokerOnFreePort({
      authenticate: (_client, _username, _password, done) =>
        done(Object.assign(new Error('bad password'), { returnCode: 4 as const }), null),
    });
    try {
      await expect(
        run(
          process.execPath,
          [cli, 'simulate', '--mqtt', `mqtt://127.0.0.1:${port}`, '--username', 'sim', '--password', 'wrong-one'],
          { timeout: 30_000 },
        ),
      ).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/Bad username or password/) });
    } finally {
      await close();
    }
  });

  it('takes the MQTT password from --password-file or TELECARE_MQTT_PASSWORD (off the process list), and warns when it is on the command line', async () => {
    const passwords: string[] = [];
    const { port, close } = await brokerOnFreePort({
      authenticate: (_client, _username, password, done) => {
        passwords.push(password?.toString('utf8') ?? '');
        done(null, true);
      },
    });
    const publishing = ['simulate', '--mqtt', `mqtt://127.0.0.1:${port}`, '--username', 'sim', '--start', '2026-01-12'];
    // Long enough to connect and publish: the password is checked at the connection, before the first event.
    const briefly = ['--rate', '200', '--duration', '0.2'];
    const passwordFile = path.join(dir, 'mqtt-password');
    fs.writeFileSync(passwordFile, 'from-the-file\n', { mode: 0o600 });
    const { TELECARE_MQTT_PASSWORD: _unset, ...env } = process.env;
    // The help and a missing password file connect to no broker: run beside the publishing runs, whose order is asserted.
    const helpRun = run(process.execPath, [cli, 'simulate', '--help']);
    const missingRun = run(
      process.execPath,
      [cli, ...publishing, '--password-file', path.join(dir, 'missing'), ...briefly],
      { env },
    ).then(
      () => undefined,
      (err: unknown) => err,
    );
    try {
      const fromFile = await run(process.execPath, [cli, ...publishing, '--password-file', passwordFile, ...briefly], {
        env,
        timeout: 30_000,
      });
      const fromEnv = await run(process.execPath, [cli, ...publishing, ...briefly], {
        env: { ...env, TELECARE_MQTT_PASSWORD: 'from-the-environment' },
        timeout: 30_000,
      });
      const fromFlag = await run(
        process.execPath,
        [cli, ...publishing, '--password', 'on-the-command-line', ...briefly],
        {
          env,
          timeout: 30_000,
        },
      );
      expect(passwords).toEqual(['from-the-file', 'from-the-environment', 'on-the-command-line']);
      expect(fromFile.stderr).not.toMatch(/warning/i);
      expect(fromEnv.stderr).not.toMatch(/warning/i);
      expect(fromFlag.stderr).toMatch(/warning: --password .*ps.*--password-file or TELECARE_MQTT_PASSWORD/);
      expect(fromFlag.stderr).not.toContain('on-the-command-line');

      // A password file every user can read is said, with the chmod, as the bridge says it (review, session 73).
      const looseFile = path.join(dir, 'mqtt-password-loose');
      fs.writeFileSync(looseFile, 'from-a-loose-file\n');
      fs.chmodSync(looseFile, 0o644);
      const fromLooseFile = await run(
        process.execPath,
        [cli, ...publishing, '--password-file', looseFile, ...briefly],
        { env, timeout: 30_000 },
      );
      expect(fromLooseFile.stderr).toMatch(/warning: .*--password-file .*chmod/s);
      expect(fromLooseFile.stderr).not.toContain('from-a-loose-file');

      const { stdout: help } = await helpRun;
      expect(help).toContain('--password-file <file>');
      expect(help).toContain('TELECARE_MQTT_PASSWORD');
      expect(await missingRun).toMatchObject({
        code: 1,
        stderr: expect.stringMatching(/--password-file .*missing: no such file/),
      });
    } finally {
      await Promise.allSettled([helpRun, missingRun]);
      await close();
    }
  });

  it('warns, naming the fix, about an incident nobody would see: after the last day, or passed in a live run', async () => {
    const { port, close } = await brokerOnFreePort();
    // The day written and the live run, side by side (two CLI runs).
    const liveRun = run(process.execPath, [
      cli,
      'simulate',
      '--mqtt',
      `mqtt://127.0.0.1:${port}`,
      '--tz',
      'UTC',
      '--incident',
      'pendant@00:00',
      '--duration',
      '0.2',
    ]);
    liveRun.catch(() => undefined); // awaited below
    try {
      const { stderr: later } = await run(process.execPath, [
        cli,
        'simulate',
        '--start',
        '2026-01-12',
        '--incident',
        'pendant@2026-01-14T10:00',
        '--incident',
        'smoke@12:00',
        '--out',
        path.join(dir, 'day.ndjson'),
      ]);
      expect(later).toContain(
        'warning: incident pendant@2026-01-14T10:00 is after the last simulated day (2026-01-12): it never happens; add --days',
      );
      expect(later).not.toContain('smoke@12:00');

      // Live from now (no --start): 00:00 today has passed, so nothing of it would be sent.
      const { stderr: live } = await liveRun;
      expect(live).toMatch(
        /warning: incident pendant@00:00 is before now: a live run without --start publishes from now on, so it is not sent; give a later time, or --start \d{4}-\d{2}-\d{2} to publish the whole day from midnight/,
      );
    } finally {
      await liveRun.catch(() => undefined);
      await close();
    }
  });

  it('tells a demo run faster than real time that the hub times a collapse on its own clock, and the replay it prints shows the alert', async () => {
    const { port, close } = await brokerOnFreePort();
    // Tomorrow (UTC): the collapse is still to come whenever the test runs, and its events are stamped ahead of now.
    const day = localDate(Date.now() + 24 * 3_600_000, 'UTC');
    // Each run writes its home.json in a folder of its own: the four run side by side. The note is said before the
    // first event is sent, so a fifth of a second of publishing is enough.
    const live = (speed: string, incident: string, start = day, cwd = dir): Promise<{ stderr: string }> =>
      run(
        process.execPath,
        [
          cli,
          'simulate',
          '--mqtt',
          `mqtt://127.0.0.1:${port}`,
          '--tz',
          'UTC',
          '--write-config',
          'home.json',
          '--start',
          start,
          '--speed',
          speed,
          '--incident',
          incident,
          '--duration',
          '0.2',
        ],
        { cwd },
      );
    const own = (name: string): string => {
      const folder = path.join(dir, name);
      fs.mkdirSync(folder);
      return folder;
    };
    let note: string;
    try {
      const yesterday = localDate(Date.now() - 24 * 3_600_000, 'UTC');
      const [noted, atOneX, press, past] = await Promise.all([
        live('60', 'collapse@14:05'),
        live('1', 'collapse@14:05', day, own('one-x')),
        live('60', 'pendant@14:05', day, own('press')),
        live('60', 'collapse@14:05', yesterday, own('past')),
      ]);
      note = noted.stderr;
      // At 1x the waits are real for the demo too, and a press is told at once at any speed: nothing to say.
      expect(atOneX.stderr).not.toContain('simulate: note:');
      expect(press.stderr).not.toContain('simulate: note:');
      // Nor for a collapse already past (yesterday's): its events are stamped in the past, its silence has lasted.
      expect(past.stderr).not.toContain('simulate: note:');
    } finally {
      await close();
    }
    expect(note).toContain(
      "simulate: note: the hub times silences on its own clock, not the simulation's: at --speed 60 the home's day " +
        "runs 60 times as fast, but this incident is called only after the real wait, as in a hub's first fortnight " +
        '(collapse@14:05: a possible fall 45 min after it, 20 at night).',
    );

    // The command it gives, run as printed (npx telecare is this checkout's CLI), shows the collapse's alert.
    const command = /replay it: (.*)$/m.exec(note)?.[1];
    assert(command !== undefined, note);
    const [write, replay] = command.split(' && ').map((part) => part.replace(/^npx telecare /, '').split(' '));
    assert(write !== undefined && replay !== undefined, command);
    expect(write).toEqual(expect.arrayContaining(['--start', day, '--incident', 'collapse@14:05', '--tz', 'UTC']));
    await run(process.execPath, [cli, ...write], { cwd: dir });
    const { stdout } = await run(process.execPath, [cli, ...replay], { cwd: dir });
    const alerts = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { kind: string; raisedAt: string });
    const collapseAt = Date.parse(`${day}T14:05:00Z`);
    expect(
      alerts.filter(
        (a) =>
          (INACTIVITY_FAMILY as readonly string[]).includes(a.kind) &&
          Date.parse(a.raisedAt) > collapseAt &&
          Date.parse(a.raisedAt) <= collapseAt + 90 * 60_000,
      ),
    ).not.toEqual([]);
  });

  it('refuses a bad incident with the reason and a non-zero exit', async () => {
    await expect(
      run(process.execPath, [cli, 'simulate', '--incident', 'meteor@10:00', '--out', '-']),
    ).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('unknown incident kind "meteor"'),
    });
  });
});
