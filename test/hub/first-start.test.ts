// The installer's first start: the generated admin password and MQTT credential are shown when the hub serves, a
// start that fails shows (and keeps) nothing the installer would need, and an unclaimed admin password is shown again.
import fs from 'node:fs';
import net from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { createLogger } from '../../hub/logger.js';
import { adminSession, dashboardUrl, startTestHub } from '../support/in-process-hub.js';
import { ONE_HOME_CONFIG, mqttClient, tempDir } from './helpers.js';

let dir: string;
let hub: RunningHub | undefined;
let blocker: net.Server | undefined;
const announced: string[] = [];
/** Everything the hub logged (pino JSON lines), to check that no secret ends up in a log file. */
let logged = '';

const config = parseHubConfig(ONE_HOME_CONFIG);

function start(options: { httpPort?: number } = {}): Promise<RunningHub> {
  const logger = createLogger({
    level: 'debug',
    destination: new Writable({
      write(chunk: Buffer, _encoding, done) {
        logged += chunk.toString('utf8');
        done();
      },
    }),
  });
  return startTestHub(config, dir, {
    adminPassword: undefined,
    logger,
    announce: (line) => announced.push(line),
    ...options,
  });
}

function adminPasswordShown(): string | undefined {
  return /Dashboard user "admin" .*password: (\S+)/.exec(announced.join('\n'))?.[1];
}

function installerPasswordShown(): string | undefined {
  return /MQTT installer credential .*password "([^"]+)"/.exec(announced.join('\n'))?.[1];
}

/** A TCP port held by another program for the test's duration. */
async function takenPort(): Promise<number> {
  blocker = net.createServer();
  await new Promise<void>((resolve) => blocker!.listen(0, '127.0.0.1', resolve));
  return (blocker.address() as net.AddressInfo).port;
}

beforeEach(() => {
  dir = tempDir('first-start');
  announced.length = 0;
  logged = '';
});

afterEach(async () => {
  await hub?.stop();
  hub = undefined;
  await new Promise<void>((resolve) => (blocker ? blocker.close(() => resolve()) : resolve()));
  blocker = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('first start', () => {
  it('a first start that fails (dashboard port taken) shows no credential, and the next start shows both, which work', async () => {
    await expect(start({ httpPort: await takenPort() })).rejects.toThrow(/EADDRINUSE/);
    expect(announced).toEqual([]);

    hub = await start();
    const adminPassword = adminPasswordShown();
    const installerPassword = installerPasswordShown();
    expect(adminPassword).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(installerPassword).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(announced).toHaveLength(2);

    await adminSession(hub, adminPassword);
    const installer = await mqttClient(hub.ports.mqtt!, { username: 'installer', password: installerPassword! });
    expect(installer.connected).toBe(true);
    await installer.endAsync();

    expect(logged).toContain('hub started');
    expect(logged).not.toContain(adminPassword);
    expect(logged).not.toContain(installerPassword);
  });

  it('an admin password and an MQTT installer password nobody has logged in with are replaced and shown again at the next start; once used, never again', async () => {
    hub = await start();
    const missed = adminPasswordShown()!;
    const missedInstaller = installerPasswordShown()!;
    expect(missed).toBeDefined();
    expect(missedInstaller).toBeDefined();
    await hub.stop();

    announced.length = 0;
    hub = await start();
    const shownAgain = adminPasswordShown();
    expect(shownAgain).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(shownAgain).not.toBe(missed);
    // The installer who missed the first start's output (review, session 62: before, it was never shown again, and the
    // only way in was an `installer` written into mqttUsers): a new one, the old one refused.
    const installerAgain = installerPasswordShown();
    expect(installerAgain).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(installerAgain).not.toBe(missedInstaller);
    await expect(
      mqttClient(hub.ports.mqtt!, { username: 'installer', password: missedInstaller, reconnectPeriod: 0 }),
    ).rejects.toThrow(/Bad username or password|Not authorized/i);
    const installer = await mqttClient(hub.ports.mqtt!, { username: 'installer', password: installerAgain! });
    expect(installer.connected).toBe(true);
    await installer.endAsync();
    const refused = await fetch(`${dashboardUrl(hub)}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: missed }),
    });
    expect(refused.status).toBe(401);
    await adminSession(hub, shownAgain);
    await hub.stop();

    announced.length = 0;
    hub = await start();
    expect(announced).toEqual([]);
    await adminSession(hub, shownAgain);
  });
});
