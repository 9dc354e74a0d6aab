// Review, session 58: a press merged into the open alert (a pendant pressed again a few minutes after the first) was
// raised a second time after a crash. The restart re-feeds the events stored since the rules' last snapshot (every
// 10 min) and drops the decisions already carried out: those of an alert of the kind *raised* since the decision, a
// minute's slack aside. A repeat is carried out by a merge, which moves the open alert's last seen, not its raise: the
// re-fed second press was taken for news. Its alert resolved meanwhile, the restart raised a new critical pendant alert
// (a responder called out again for a press already dealt with); still open, the count went up by one. The real hub on
// a fake clock, its embedded broker and a real MQTT client; the crash is the hub's data folder as it was on disk
// (copied while the hub ran, as kill -9 leaves it), started again.
import fs from 'node:fs';
import path from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { DEFAULT_RULE_PARAMS } from '../../rules/params.js';
import { startTestHub } from '../support/in-process-hub.js';
import { copyAsCrashLeavesIt, mqttClient, ONE_HOME_CONFIG, tempDir } from './helpers.js';

// Monday 23 November 2026, 10:00 UTC.
const T0 = Date.UTC(2026, 10, 23, 10, 0, 0);
const MINUTE = 60_000;
const GRACE_MS = DEFAULT_RULE_PARAMS.restart.graceSeconds * 1000;

let dir: string;
let crashed: string;
let hub: RunningHub | undefined;
let client: MqttClient | undefined;

beforeEach(() => {
  dir = tempDir('refed-repeat');
  crashed = tempDir('refed-repeat-crashed');
});

afterEach(async () => {
  await client?.endAsync(true);
  client = undefined;
  await hub?.stop();
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(crashed, { recursive: true, force: true });
});

const config = parseHubConfig(ONE_HOME_CONFIG);
const pendantAlerts = () => hub!.alerts.list({ homeId: 'h1' }).filter((a) => a.kind === 'pendant');

async function start(folder: string, at: number): Promise<FakeClock> {
  const clock = new FakeClock(at);
  hub = await startTestHub(config, folder, { clock });
  client = await mqttClient(hub.ports.mqtt!);
  return clock;
}

async function until(what: string, done: () => boolean): Promise<void> {
  for (let i = 0; i < 250 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
  if (!done()) throw new Error(`never happened: ${what}`);
}

/** The pendant pressed (no `ts`: now on the hub's clock); resolves once the press is stored. */
async function press(count: number): Promise<void> {
  await client!.publishAsync('telecare/h1/devices/p1/events', JSON.stringify({ type: 'pendant', value: true }), {
    qos: 1,
  });
  await until('the press stored', () => hub!.store.eventsOfHome('h1', 0, Number.MAX_SAFE_INTEGER, 10).length >= count);
  await until('the press carried out', () => pendantAlerts()[0]?.count === count);
}

/** The hub's data folder as it is on disk now (a kill -9 here), copied to `crashed`; then the hub is stopped. */
async function crash(): Promise<void> {
  copyAsCrashLeavesIt(path.join(dir, 'data'), path.join(crashed, 'data'));
  await client!.endAsync(true);
  client = undefined;
  await hub!.stop();
  hub = undefined;
}

/** The pendant pressed twice, two minutes apart, before the rules' next snapshot: the second press merged. */
async function pressTwice(clock: FakeClock): Promise<string> {
  clock.advanceBy(GRACE_MS);
  await press(1);
  clock.advanceBy(2 * MINUTE);
  await press(2);
  const [alert] = pendantAlerts();
  expect(alert).toMatchObject({ state: 'raised', count: 2 });
  return alert!.id;
}

describe('a repeat merged into an open alert, re-fed after a crash', () => {
  it('raises no new alert once the first was resolved', async () => {
    const clock = await start(dir, T0);
    const id = await pressTwice(clock);
    clock.advanceBy(MINUTE);
    expect(hub!.alerts.resolve(id, 'assisted-at-home', null, 'responder-1').ok).toBe(true);
    clock.advanceBy(MINUTE);
    await crash();

    // Started again on what the crash left, five minutes after the first press (the rules' last snapshot is older).
    const told: string[] = [];
    await start(crashed, T0 + GRACE_MS + 5 * MINUTE);
    client!.on('message', (_topic, payload) => {
      if (payload.length > 0) told.push(payload.toString());
    });
    await client!.subscribeAsync('telecare/h1/alerts/+', { qos: 1 });
    // Before the fix: a second pendant alert, raised and sent to the responders, for the press already dealt with.
    expect(pendantAlerts().map((a) => ({ id: a.id, state: a.state, count: a.count }))).toEqual([
      { id, state: 'resolved', count: 2 },
    ]);
    await hub!.alerts.settled();
    expect(told).toEqual([]);
  }, 60_000);

  it('does not count the press again while the alert is open', async () => {
    const clock = await start(dir, T0);
    const id = await pressTwice(clock);
    expect(hub!.alerts.acknowledge(id, 'responder-1').ok).toBe(true);
    clock.advanceBy(MINUTE);
    await crash();

    await start(crashed, T0 + GRACE_MS + 4 * MINUTE);
    // Before the fix: count 3, a new version (and, acknowledged, a "pressed again" webhook to the responders).
    expect(pendantAlerts().map((a) => ({ id: a.id, state: a.state, count: a.count }))).toEqual([
      { id, state: 'acknowledged', count: 2 },
    ]);
  }, 60_000);
});
