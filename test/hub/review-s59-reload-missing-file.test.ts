// A reload (kill -HUP) of a hub started as `npm start` starts it (no HUB_CONFIG: ./telecare.config.json) while that
// file was missing (moved aside to put a new one in its place, an editor's save, a copy from a laptop not yet done)
// took the missing file for "no configuration": every home went, and the log said only "configuration reloaded" with
// homes 0. Each resident was unwatched until the next reload; a pendant press raised nothing. A reload now needs the
// file: it is refused, naming the file, and the homes in force are kept.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../alerts/helpers.js';
import { ADMIN_PASSWORD, cliPath, mqttClient, nextMessage, ONE_HOME_CONFIG, tempDir } from './helpers.js';

let dir: string;
let child: ChildProcess | undefined;
let closed: Promise<unknown> | undefined;

beforeEach(() => {
  dir = tempDir('review-s59-reload-missing-file');
});
afterEach(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await closed;
  }
  child = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('a reload while ./telecare.config.json is missing', () => {
  it('is refused, naming the file, and the homes in force keep raising alerts', async () => {
    const file = path.join(dir, 'telecare.config.json');
    fs.writeFileSync(file, JSON.stringify(ONE_HOME_CONFIG));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      HUB_MQTT_PORT: '0',
      HUB_HTTP_PORT: '0',
      HUB_HOST: '127.0.0.1',
      HUB_LOG_LEVEL: 'info',
      HUB_ADMIN_PASSWORD: ADMIN_PASSWORD,
      HUB_DATA_DIR: path.join(dir, 'data'),
    };
    delete env.HUB_CONFIG;
    // As `npm start` runs it: the configuration found in the working folder, not named.
    const hub = spawn(process.execPath, [cliPath, 'hub'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child = hub;
    closed = new Promise((resolve) => hub.once('close', resolve));
    let out = '';
    hub.stdout.on('data', (d: Buffer) => (out += d.toString()));
    hub.stderr.resume();
    const lines = (): { msg?: string; mqttPort?: number }[] =>
      out
        .split('\n')
        .filter((l) => l.startsWith('{') && l.endsWith('}'))
        .map((l) => JSON.parse(l) as { msg?: string; mqttPort?: number });
    await waitFor(() => lines().some((l) => l.msg === 'hub started'), 'the start', 30_000);
    const mqttPort = lines().find((l) => l.msg === 'hub started')!.mqttPort!;

    fs.renameSync(file, `${file}.old`);
    hub.kill('SIGHUP');
    await waitFor(() => /configuration reload(ed| refused)/.test(out), 'the reload');
    expect(out).not.toContain('"msg":"configuration reloaded"');
    expect(out).toContain('"msg":"configuration reload refused; the configuration in force is kept"');
    expect(out).toContain(`cannot read the file: ENOENT`);

    // The home in force still raises its alerts.
    const responder = await mqttClient(mqttPort);
    await responder.subscribeAsync('telecare/h1/alerts/+', { qos: 1 });
    const alert = nextMessage(responder, (t) => t.startsWith('telecare/h1/alerts/'));
    await responder.publishAsync('telecare/h1/devices/p1/events', '{"type":"pendant","value":true}', { qos: 1 });
    expect(JSON.parse((await alert).payload.toString())).toMatchObject({ homeId: 'h1', kind: 'pendant' });
    await responder.endAsync();
  }, 60_000);
});
