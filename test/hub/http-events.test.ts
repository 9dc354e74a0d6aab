// POST /api/events on a hub started in-process (real SQLite in a temp folder): all or nothing, and a truthful answer.
import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { TEST_ADMIN_PASSWORD, startTestHub } from '../support/in-process-hub.js';
import { ONE_HOME_CONFIG, tempDir } from './helpers.js';

let dir: string;
let hub: RunningHub | undefined;

beforeEach(() => {
  dir = tempDir('httpevents');
});

afterEach(async () => {
  await hub?.stop();
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

async function start(): Promise<{ hub: RunningHub; cookie: string }> {
  hub = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir);
  const login = await hub.app.inject({
    method: 'POST',
    url: '/api/login',
    payload: { username: 'admin', password: TEST_ADMIN_PASSWORD },
  });
  const setCookie = login.headers['set-cookie'];
  const cookie = (Array.isArray(setCookie) ? setCookie : [setCookie ?? '']).map((c) => c.split(';')[0]).join('; ');
  return { hub, cookie };
}

async function acceptedHttp(running: RunningHub): Promise<number> {
  const metric = await running.metrics.getSingleMetric('telecare_ingest_events_total')!.get();
  return metric.values.find((v) => v.labels.source === 'http')?.value ?? 0;
}

const good = (deviceId: string, type: string, value: unknown): Record<string, unknown> => ({
  homeId: 'h1',
  deviceId,
  type,
  value,
});

describe('POST /api/events with an array', () => {
  it('mixing good and bad events: 400 naming each bad index, nothing stored, nothing counted as accepted', async () => {
    const { hub: running, cookie } = await start();
    const body = [
      good('hall-pir', 'motion', true),
      good('hall-pir', 'teleport', 1),
      good('front', 'contact', false),
      { homeId: 'h1', type: 'motion', value: true },
    ];
    const res = await running.app.inject({ method: 'POST', url: '/api/events', headers: { cookie }, payload: body });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      error: 'unknown-type',
      index: 1,
      rejected: [
        { index: 1, reason: 'unknown-type' },
        { index: 3, reason: 'missing-ids' },
      ],
    });
    expect(res.json<{ message: string }>().message).toMatch(/^event 1: .*nothing stored/);
    expect(running.store.eventsAfter(0)).toEqual([]);
    expect(await acceptedHttp(running)).toBe(0);

    // Sent again without the refused events: all stored, and the answer counts exactly them.
    const again = await running.app.inject({
      method: 'POST',
      url: '/api/events',
      headers: { cookie },
      payload: [body[0], body[2]],
    });
    expect(again.statusCode).toBe(202);
    expect(again.json()).toEqual({ accepted: 2 });
    expect(running.store.eventsAfter(0).map((e) => [e.deviceId, e.type])).toEqual([
      ['hall-pir', 'motion'],
      ['front', 'contact'],
    ]);
    expect(await acceptedHttp(running)).toBe(2);
  });
});
