// A pendant press or a wearable's fall report sent again as it was (the same stamp: an HTTP device retrying after a 503
// or a timeout, a bridge re-sending its flush without MQTT's DUP flag) is one press, not two: before, the open alert
// counted it again and, once a responder had acknowledged it, told them it was pressed again (review, session 58).
import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { adminSession, startTestHub } from '../support/in-process-hub.js';
import { ONE_HOME_CONFIG, tempDir } from './helpers.js';

let dir: string;
let hub: RunningHub | undefined;

beforeEach(() => {
  dir = tempDir('resent-press');
});

afterEach(async () => {
  await hub?.stop();
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('a press sent again with its own stamp', () => {
  it('is one press: the alert counts it once, before and after acknowledgement; a new press still counts', async () => {
    hub = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir);
    const cookie = await adminSession(hub);
    const running = hub;
    const post = async (ts: string) => {
      const res = await running.app.inject({
        method: 'POST',
        url: '/api/events',
        headers: { cookie },
        payload: { homeId: 'h1', deviceId: 'p1', type: 'pendant', value: true, ts },
      });
      expect(res.statusCode).toBe(202);
    };
    const pendant = () => running.alerts.list({ homeId: 'h1' }).filter((a) => a.kind === 'pendant');

    const pressedAt = new Date(Date.now() - 1_000).toISOString();
    await post(pressedAt);
    await post(pressedAt); // the device's retry: the same press
    expect(pendant()).toHaveLength(1);
    expect(pendant()[0]).toMatchObject({ count: 1, state: 'raised' });

    // A responder acknowledges (through the alert service, as the console's and MQTT's acknowledgements do).
    expect(running.alerts.acknowledge(pendant()[0]!.id, 'sam')).toMatchObject({ ok: true });
    await post(pressedAt); // again, after the acknowledgement: still not news
    expect(pendant()[0]).toMatchObject({ count: 1, state: 'acknowledged' });

    // A second press (its own stamp) is news.
    await post(new Date().toISOString());
    expect(pendant()[0]).toMatchObject({ count: 2 });
  });
});
