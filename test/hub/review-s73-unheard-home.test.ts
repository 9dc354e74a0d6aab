// Review, session 73 (follow-up of the installer's walk): a configured home whose alerts nobody is told of (no webhook
// in the groups its ladder calls, no MQTT responder credential for it, no uplink to an alarm receiving centre) was
// taken without a word by --check-config, the start and a reload: a pendant press was then seen only by someone who
// happened to look at the Alerts page. Now each says so, per home, in one line, with what to add
// (hub/responder-advice.ts, `unheardHomeAdvice`).
import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../bridge/helpers.js';
import { lowCostHash } from '../support/low-cost-hash.js';
import { killHub, runCli, spawnHub, tempDir, writeConfig, type HubProcess } from './helpers.js';

const UNHEARD = /alerts reach only the dashboard and MQTT subscribers/;
const WEBHOOK = { url: 'https://calls.example.org/hook', secret: 'a-long-random-shared-secret' };

let dir: string;
let hub: HubProcess | undefined;

beforeEach(() => {
  dir = tempDir('review-s73-unheard-home');
});

afterEach(async () => {
  await killHub(hub);
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A flat with a pendant, a door and a PIR (no Zigbee names: a scheme's flats may not share them). */
const home = (id: string, escalation?: string): Record<string, unknown> => ({
  id,
  timezone: 'Europe/London',
  residents: [{ id: 'r1' }],
  devices: [
    { id: 'p1', kind: 'pendant', room: 'living' },
    { id: 'hall-pir', kind: 'motion', room: 'hall' },
    { id: 'front', kind: 'exit-door', room: 'hall' },
  ],
  ...(escalation === undefined ? {} : { escalation }),
});

function unheardLines(config: unknown, env: NodeJS.ProcessEnv = {}): string[] {
  const file = writeConfig(dir, config);
  const run = runCli(['hub', '--check-config', '--config', file], { env });
  expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
  return run.stdout.split('\n').filter((line) => UNHEARD.test(line));
}

describe('a home whose alerts nobody is told of', () => {
  it('is named by --check-config with what to add; a webhook, a responder credential or an uplink silences it', () => {
    // The walk's ladder without the webhook: the carers are called, and nothing calls them.
    const noWebhook = {
      homes: [home('flat-12')],
      responders: [{ id: 'jo', group: 'carers' }],
      escalation: { default: [{ group: 'carers', timeoutSeconds: 60 }] },
    };
    expect(unheardLines(noWebhook)).toEqual([
      expect.stringMatching(
        /^advice: home flat-12: its alerts reach only the dashboard and MQTT subscribers: no responder of the groups its ladder calls \(carers\) has a webhook, .*Give a responder of those groups a webhook \(responders\[\]\.webhook\), add an mqttUsers entry with role responder for home flat-12 .*or set HUB_UPLINK_URL/,
      ),
    ]);
    // No responders at all: said so.
    expect(unheardLines({ homes: [home('h1')] })).toEqual([
      expect.stringMatching(/^advice: home h1: .*: no responders are configured, .*Add a responder with a webhook/),
    ]);

    // A webhook in a group the ladder calls: told.
    const webhook = { ...noWebhook, responders: [{ id: 'jo', group: 'carers', webhook: WEBHOOK }] };
    expect(unheardLines(webhook)).toEqual([]);
    // A webhook only in a group the home's own ladder never calls: still unheard.
    const otherLadder = {
      homes: [home('flat-12', 'quiet'), home('flat-14')],
      responders: [
        { id: 'jo', group: 'carers', webhook: WEBHOOK },
        { id: 'sam', group: 'family' },
      ],
      escalation: {
        default: [{ group: 'carers', timeoutSeconds: 60 }],
        quiet: [{ group: 'family', timeoutSeconds: 60 }],
      },
    };
    expect(unheardLines(otherLadder)).toEqual([
      expect.stringMatching(/^advice: home flat-12: .*\(family\) has a webhook/),
    ]);
    // An MQTT responder credential for the home (a responder's app): told; for another home only: not.
    const credential = (homes: string[]) => ({
      ...noWebhook,
      homes: [home('flat-12'), home('flat-14')],
      mqttUsers: [{ username: 'app', passwordHash: lowCostHash('app password'), role: 'responder', homes }],
    });
    expect(unheardLines(credential(['flat-12']))).toEqual([expect.stringMatching(/^advice: home flat-14: /)]);
    expect(unheardLines(credential(['*']))).toEqual([]);
    // An uplink to an alarm receiving centre, or a broker of another's (its subscribers unknown): nothing said.
    expect(unheardLines(noWebhook, { HUB_UPLINK_URL: 'mqtts://arc.example.org:8883', HUB_ID: 'hub-1' })).toEqual([]);
    expect(unheardLines(noWebhook, { HUB_MQTT_URL: 'mqtt://127.0.0.1:1' })).toEqual([]);
  });

  it('a scheme of many such flats gets one line, not one per flat', () => {
    const flats = Array.from({ length: 40 }, (_, i) => home(`flat-${i + 1}`));
    expect(unheardLines({ homes: flats })).toEqual([
      expect.stringMatching(
        /^advice: homes flat-1, flat-2, flat-3, flat-4, flat-5 and 35 more: their alerts reach only/,
      ),
    ]);
  });

  it('is said at the start and by the reload that brings it, and not by the first start with no file', async () => {
    const logWarnings = (h: HubProcess): string[] =>
      h
        .stdout()
        .split('\n')
        .filter((line) => line.startsWith('{') && line.endsWith('}'))
        .map((line) => (JSON.parse(line) as { msg?: string }).msg ?? '');
    // The first start, with no configuration: its own warning, no word of this.
    // Run from a folder with no ./telecare.config.json and no HUB_CONFIG, as review-s67-no-config-file does.
    hub = await spawnHub({ HUB_DATA_DIR: `${dir}/data0` }, 30_000, {
      program: 'env',
      args: ['-u', 'HUB_CONFIG', '-C', dir],
    });
    expect(logWarnings(hub).filter((msg) => UNHEARD.test(msg))).toEqual([]);
    expect(logWarnings(hub).some((msg) => msg.startsWith('no configuration file at'))).toBe(true);
    await killHub(hub);

    const told = {
      homes: [home('flat-12')],
      responders: [{ id: 'jo', group: 'carers', webhook: WEBHOOK }],
      escalation: {
        default: [{ group: 'carers', timeoutSeconds: 60 }],
        family: [{ group: 'carers', timeoutSeconds: 300 }],
      },
    };
    const file = writeConfig(dir, { ...told, homes: [home('flat-12'), home('flat-14', 'family')] });
    hub = await spawnHub({ HUB_CONFIG: file, HUB_DATA_DIR: `${dir}/data` });
    const h = hub;
    // flat-14 follows its own ladder, to the carers too. Nothing said.
    expect(logWarnings(h).filter((msg) => UNHEARD.test(msg))).toEqual([]);
    // The webhook removed (the receiver moved, say) and the file reloaded: said for both homes.
    writeConfig(dir, {
      ...told,
      homes: [home('flat-12'), home('flat-14', 'family')],
      responders: [{ id: 'jo', group: 'carers' }],
    });
    h.child.kill('SIGHUP');
    const said = await waitFor('the reload', () => {
      const lines = logWarnings(h).filter((msg) => UNHEARD.test(msg));
      return lines.length === 2 ? lines : undefined;
    });
    expect(said).toEqual([
      expect.stringMatching(/^home flat-12: its alerts reach only/),
      expect.stringMatching(/^home flat-14: its alerts reach only/),
    ]);
    expect(logWarnings(h)).toContain('configuration reloaded');
  }, 120_000);
});
