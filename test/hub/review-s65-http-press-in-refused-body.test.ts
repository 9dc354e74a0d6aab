// Review, session 65: `POST /api/events` is all or nothing (docs/reliability.md, "Bad input"): a body with one event
// the hub refuses is refused whole, 400, so that the sender can send it again, fixed, without duplicating anything. A
// pendant press in such a body raised nothing: a gateway posting its flat's events in batches, one of them a reading the
// hub refuses (a battery at 104 %, a door contact configured as an exit door reporting motion), lost the resident's
// press with it, and a gateway does not rewrite its bodies (a 400 is not retried). Now the emergencies of a refused body
// (pendant, fall, smoke, CO, gas, water) are taken all the same, stored and run through the rules; the answer is still
// 400 for the rest and says so; a copy sent again with the fixed body is known (its own stamp: session 58) and not
// counted twice. The real hub in-process, its SQLite file in a temp folder, real HTTP.
import fs from 'node:fs';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { adminSession, dashboardUrl, startTestHub } from '../support/in-process-hub.js';
import { ONE_HOME_CONFIG, tempDir } from './helpers.js';

let dir: string;
let hub: RunningHub | undefined;

beforeEach(() => {
  dir = tempDir('review-s65-http-press');
});

afterEach(async () => {
  await hub?.stop();
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The hub's answer to POST /api/events: a 202's `accepted`, or a 400's refusal. */
interface Answer {
  accepted?: number;
  error?: string;
  message?: string;
  index?: number;
  rejected?: { index: number; reason: string }[];
}

async function post(running: RunningHub, cookie: string, body: unknown): Promise<{ status: number; json: Answer }> {
  const base = dashboardUrl(running);
  const res = await fetch(`${base}/api/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: base, cookie },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Answer };
}

it('raises a pendant press whose body the hub refuses for another event, and counts it once when it is sent again', async () => {
  hub = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir);
  const cookie = await adminSession(hub);
  const ts = Date.now() - 5_000;
  const press = { homeId: 'h1', deviceId: 'p1', type: 'pendant', value: true, ts };
  const motion = { homeId: 'h1', deviceId: 'hall-pir', type: 'motion', value: true, ts: ts - 1_000 };
  // The pendant's battery out of range: the body is refused.
  const battery = { homeId: 'h1', deviceId: 'p1', type: 'battery', value: 104, ts };
  const refused = await post(hub, cookie, [motion, press, battery]);
  expect(refused.status).toBe(400);
  expect(refused.json).toMatchObject({ error: 'out-of-range', index: 2, rejected: [{ index: 2 }] });
  // Before: no alert at all.
  const open = hub.alerts.list({ homeId: 'h1', state: 'open' }).filter((a) => a.kind === 'pendant');
  expect(open).toHaveLength(1);
  expect(open[0]).toMatchObject({ severity: 'critical', count: 1, state: 'raised' });
  // The press is stored; the rest of the body is not (all or nothing, as before, for everything else).
  expect(hub.store.eventsAfter(0).map((e) => [e.deviceId, e.type])).toEqual([['p1', 'pendant']]);
  expect(refused.json.message).toMatch(/1 emergency event .* taken/);

  // The gateway sends the body again without the refused reading: stored, and the press, a copy, counts once.
  const again = await post(hub, cookie, [motion, press]);
  expect(again.status).toBe(202);
  await hub.alerts.settled();
  const after = hub.alerts.list({ homeId: 'h1', state: 'open' }).filter((a) => a.kind === 'pendant');
  expect(after).toHaveLength(1);
  expect(after[0]!.count).toBe(1);
});

it('still refuses a body with no emergency whole: nothing stored', async () => {
  hub = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir);
  const cookie = await adminSession(hub);
  const refused = await post(hub, cookie, [
    { homeId: 'h1', deviceId: 'hall-pir', type: 'motion', value: true },
    { homeId: 'h1', deviceId: 'hall-pir', type: 'teleport', value: 1 },
  ]);
  expect(refused.status).toBe(400);
  expect(refused.json.message).toMatch(/nothing stored/);
  expect(hub.store.eventsAfter(0)).toEqual([]);
  expect(hub.alerts.list({ homeId: 'h1' })).toEqual([]);
});
