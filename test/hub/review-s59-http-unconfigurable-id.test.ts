// A device that posts over HTTP (SPEC 4.4) names itself in the body, where nothing stops a `/`, `+` or `#`
// ("kitchen/pir", as Zigbee2MQTT names are written) or a space at either end. Such a device was answered 202, its
// events kept and listed on the devices page as not configured, with a line to paste that `--check-config` then
// refused: an id the configuration cannot hold. It could never be configured and never raised an alert. The hub now
// refuses the post at once (400, nothing stored), saying why, so the installer renames the device while fitting it.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { adminSession, dashboardUrl, startTestHub } from '../support/in-process-hub.js';
import { ONE_HOME_CONFIG, tempDir } from './helpers.js';

let dir: string;
let hub: RunningHub;
let cookie: string;

beforeAll(async () => {
  dir = tempDir('review-s59-http-unconfigurable-id');
  hub = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir);
  cookie = await adminSession(hub);
});
afterAll(async () => {
  await hub?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function post(body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${dashboardUrl(hub)}/api/events`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function unassigned(): Promise<unknown[]> {
  const res = await fetch(`${dashboardUrl(hub)}/api/devices/unassigned`, { headers: { cookie } });
  return (await res.json()) as unknown[];
}

describe('POST /api/events from a device whose id no configuration can hold', () => {
  it.each([
    ['h1', 'kitchen/pir'],
    ['h1', 'pir#2'],
    ['h1', 'hall-pir '],
    ['flat+12', 'p1'],
  ])('is refused, saying why, and nothing is listed: home %j, device %j', async (homeId, deviceId) => {
    const { status, json } = await post({ homeId, deviceId, type: 'motion', value: true });
    expect(status).toBe(400);
    expect(json).toMatchObject({ error: 'bad-id' });
    expect(String(json.message)).toContain(
      'homeId and deviceId must not contain / + #, nor begin or end with a space: the configuration cannot hold such an id',
    );
    expect(await unassigned()).toEqual([]);
  });

  it('still takes an id the configuration can hold, a space inside it too', async () => {
    expect((await post({ homeId: 'h1', deviceId: 'Hall pendant', type: 'heartbeat', value: true })).status).toBe(202);
    expect(await unassigned()).toEqual([expect.objectContaining({ homeId: 'h1', deviceId: 'Hall pendant' })]);
  });
});
