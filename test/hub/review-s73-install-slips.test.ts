// Review, session 73: an installer's first flat, written as the README shows, with three slips that `--check-config`,
// the start and a reload all took without a word: a room misspelt (`bathrom`: the bathroom's PIR then watched as in a
// room of its own), a webhook to a receiver on this machine without `allowPrivateNetwork` (every alert refused at
// delivery and retried without end: the responder never heard of a pendant press), and an escalation ladder named
// after the home's id (never followed: a home follows the ladder its `escalation` names, else `default`).
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../bridge/helpers.js';
import { killHub, mqttClient, runCli, spawnHub, tempDir, writeConfig, type HubProcess } from './helpers.js';

const SECRET = 'a-long-random-shared-secret';
const UNHEARD = /alerts reach only the dashboard and MQTT subscribers/;

let dir: string;
let hub: HubProcess | undefined;
let receiver: http.Server | undefined;

beforeEach(() => {
  dir = tempDir('review-s73-install-slips');
});

afterEach(async () => {
  await killHub(hub);
  hub = undefined;
  receiver?.closeAllConnections();
  await new Promise((resolve) => (receiver ? receiver.close(resolve) : resolve(undefined)));
  receiver = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The flat of the walk: a pendant, a bed mat, PIRs in four rooms, the exit door, a flush and a smoke alarm. */
function flat(rooms: { bathroom?: string; living?: string } = {}): Record<string, unknown> {
  return {
    id: 'flat-12',
    timezone: 'Europe/London',
    residents: [{ id: 'mrs-a' }],
    devices: [
      { id: 'pendant', kind: 'pendant', room: 'living' },
      { id: 'bedmat', kind: 'bed', room: 'bedroom' },
      { id: 'pir-bed', kind: 'motion', room: 'bedroom' },
      { id: 'pir-kitchen', zigbee: 'kitchen_pir', kind: 'motion', room: 'kitchen' },
      { id: 'pir-bath', kind: 'motion', room: rooms.bathroom ?? 'bathroom' },
      { id: 'pir-living', kind: 'motion', room: rooms.living ?? 'living room' },
      { id: 'pir-hall', kind: 'motion', room: 'hall' },
      { id: 'front', kind: 'exit-door', room: 'hall' },
      { id: 'flush', kind: 'appliance', room: 'bathroom' },
      { id: 'smoke', kind: 'smoke', room: 'kitchen' },
    ],
  };
}

function checkConfig(config: unknown): { status: number | null; advice: string[] } {
  const file = writeConfig(dir, config);
  fs.chmodSync(file, 0o644); // as an editor saves it under the usual umask
  const run = runCli(['hub', '--check-config', '--config', file]);
  const advice = run.stdout
    .split('\n')
    .filter((line) => line.startsWith('advice: '))
    .map((line) => line.slice('advice: '.length))
    // Whether anyone is told of a home's alerts at all: review-s73-unheard-home.test.ts.
    .filter((line) => !UNHEARD.test(line));
  return { status: run.status, advice };
}

function logMessages(hubProcess: HubProcess): string[] {
  return hubProcess
    .stdout()
    .split('\n')
    .filter((line) => line.startsWith('{') && line.endsWith('}'))
    .map((line) => (JSON.parse(line) as { msg?: string }).msg ?? '');
}

describe('an installer’s first flat: slips the hub took without a word', () => {
  it('a room one slip from a room the rules know is named with the room meant; rooms of their own are not', () => {
    const misspelt = checkConfig({ homes: [flat({ bathroom: 'bathrom' })] });
    expect(misspelt.status).toBe(0);
    expect(misspelt.advice).toEqual([
      expect.stringMatching(
        /^homes\[0\]\.devices\[4\]\.room: 'bathrom' is not a room the rules know, so device pir-bath of home flat-12 .*did you mean 'bathroom'\?/,
      ),
    ]);

    // A second bedroom, a dining room (two letters from "living room") and a den are rooms of their own: no advice.
    const ownRooms = flat();
    (ownRooms.devices as object[]).push(
      { id: 'pir-bed2', kind: 'motion', room: 'Bedroom 2' },
      { id: 'pir-dining', kind: 'motion', room: 'dining room' },
      { id: 'pir-den', kind: 'motion', room: 'den' },
    );
    expect(checkConfig({ homes: [ownRooms] }).advice).toEqual([]);
  });

  it('a ladder named after the home, or a "Default", is said to be followed by no home', () => {
    const { status, advice } = checkConfig({
      homes: [flat()],
      responders: [{ id: 'night-desk', group: 'call-centre' }],
      escalation: {
        'flat-12': [{ group: 'call-centre', timeoutSeconds: 60 }],
        Default: [{ group: 'call-centre', timeoutSeconds: 120 }],
      },
    });
    expect(status).toBe(0);
    expect(advice).toEqual([
      expect.stringMatching(
        /^escalation\.flat-12: no home follows this ladder, so it is never used: .*give home flat-12 "escalation": "flat-12"/,
      ),
      expect.stringMatching(/^escalation\.Default: no home follows this ladder.*Did you mean 'default'\?/),
    ]);
    // Followed as the advice says: nothing more to say.
    const followed = checkConfig({
      homes: [{ ...flat(), escalation: 'flat-12' }],
      responders: [{ id: 'night-desk', group: 'call-centre' }],
      escalation: { 'flat-12': [{ group: 'call-centre', timeoutSeconds: 60 }] },
    });
    expect(followed.advice).toEqual([]);
  });

  it('a group the ladder calls whose responders have no webhook is said to be told by nothing of its own', () => {
    const { status, advice } = checkConfig({
      homes: [flat()],
      responders: [
        {
          id: 'carer-jo',
          group: 'carers',
          webhook: { url: 'https://carers.example.org/hook', secret: 'the-carers-own-secret-123' },
        },
        { id: 'night-desk', group: 'call-centre' },
      ],
      escalation: {
        default: [
          { group: 'carers', timeoutSeconds: 60 },
          { group: 'call-centre', timeoutSeconds: 120 },
        ],
      },
    });
    expect(status).toBe(0);
    expect(advice).toContain(
      'responders: group call-centre (night-desk) has no webhook, so an escalation to it sends nothing of its own: the ' +
        'alert only names the group (notifiedGroups) on MQTT and the Alerts page, where it has been since it was ' +
        'raised. Give a responder of the group a webhook, or make sure the group watches the Alerts page or reads MQTT.',
    );
    expect(advice.filter((line) => line.startsWith('responders: group carers'))).toEqual([]);
  });

  it('a responder copied with its id unchanged is refused: its alerts went to the first one’s webhook', () => {
    const carer = { url: 'https://carers.example.org/hook', secret: 'the-carers-own-secret-123' };
    const desk = { url: 'https://desk.example.org/hook', secret: 'the-call-centres-own-secret' };
    const run = runCli([
      'hub',
      '--check-config',
      '--config',
      writeConfig(dir, {
        homes: [flat()],
        responders: [
          { id: 'carer-jo', group: 'carers', webhook: carer },
          { id: 'carer-jo', group: 'call-centre', webhook: desk },
        ],
        escalation: {
          default: [
            { group: 'carers', timeoutSeconds: 60 },
            { group: 'call-centre', timeoutSeconds: 120 },
          ],
        },
      }),
    ]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(
      "responders[1].id: duplicate responder id 'carer-jo' (responders[0] has it): alerts for this one would be sent " +
        "to responders[0]'s webhook; give each responder an id of its own",
    );
    expect(run.stderr).not.toContain(desk.secret);
  });

  it('a webhook secret too short is told how long, and how to make one, without being echoed', () => {
    const run = runCli([
      'hub',
      '--check-config',
      '--config',
      writeConfig(dir, {
        homes: [flat()],
        responders: [
          {
            id: 'carer-jo',
            group: 'carers',
            webhook: { url: 'https://carers.example.org/hook', secret: 'tooshort123' },
          },
        ],
      }),
    ]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(
      "responders[0].webhook.secret: must be 16 characters at least, shared with the receiver, which checks each alert's " +
        'signature with it; make one with: openssl rand -hex 32',
    );
    expect(run.stderr).not.toContain('tooshort123');
  });

  it('a webhook to a receiver on this machine without allowPrivateNetwork is said at the start; set as said, a press reaches it signed', async () => {
    const posts: { body: string; headers: http.IncomingHttpHeaders }[] = [];
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        posts.push({ body, headers: req.headers });
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver!.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    const config = (allowPrivateNetwork: boolean): unknown => ({
      homes: [flat()],
      responders: [
        {
          id: 'carer-jo',
          group: 'carers',
          webhook: { url, secret: SECRET, ...(allowPrivateNetwork ? { allowPrivateNetwork } : {}) },
        },
      ],
      escalation: { default: [{ group: 'carers', timeoutSeconds: 60 }] },
    });

    const said = checkConfig(config(false)).advice;
    const file = path.join(dir, 'telecare.config.json');
    expect(said).toEqual([
      expect.stringMatching(
        /^responders\[0\]\.webhook\.url: its host 127\.0\.0\.1 is .* responder carer-jo \(group carers\) would be refused at delivery.*set responders\[0\]\.webhook\.allowPrivateNetwork to true/,
      ),
      // The file holds the webhook's secret and was written 0644, as an editor does: said here as the start says it.
      `configuration file ${file} holds secrets and every user of this machine can read it (mode 0644): chmod 600 ` +
        `${file} (or 640 with the hub's group)`,
    ]);
    expect(said[0]).not.toContain(url);

    hub = await spawnHub({ HUB_CONFIG: file, HUB_DATA_DIR: path.join(dir, 'data') });
    expect(logMessages(hub)).toContain(said[0]);

    fs.writeFileSync(file, JSON.stringify(config(true)));
    hub.child.kill('SIGHUP');
    await waitFor('the reload', () => logMessages(hub!).includes('configuration reloaded') || undefined);

    const device = await mqttClient(hub.mqttPort);
    try {
      await device.publishAsync('telecare/flat-12/devices/pendant/events', '{"type":"pendant","value":true}', {
        qos: 1,
      });
    } finally {
      await device.endAsync();
    }
    const post = await waitFor('the webhook', () => posts[0]);
    const timestamp = String(post.headers['x-telecare-timestamp']);
    const signature = createHmac('sha256', SECRET).update(`${timestamp}.${post.body}`).digest('hex');
    expect(post.headers['x-telecare-signature']).toBe(`sha256=${signature}`);
    expect((JSON.parse(post.body) as { alert: { kind: string } }).alert.kind).toBe('pendant');
  }, 60_000);
});
