// The store is the truth: open alerts and their escalations carry on after a restart or a SIGKILL, and nothing goes out twice.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type Database from 'better-sqlite3';
import { FakeClock } from '../../hub/clock.js';
import type { Alert } from '../../hub/alerts/api.js';
import type { AlertService } from '../../hub/alerts/service.js';
import { startAlertService } from '../support/clocked-hub.js';
import { queryAlertAudit, queryEscalationSteps } from '../../hub/alerts/query.js';
import type { HubConfig } from '../../hub/config-types.js';
import type { Publisher } from '../../hub/publisher.js';
import {
  nth,
  ladderConfig,
  pendantPress,
  startBroker,
  subscriber,
  tempDb,
  waitFor,
  webhookReceiver,
  type TempDb,
  type TestBroker,
  type TestSubscriber,
  type WebhookReceiver,
} from './helpers.js';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const harness = path.join(projectRoot, 'test/alerts/fixtures/alert-harness.mjs');
const T0 = Date.UTC(2026, 0, 5, 8, 0, 0);

describe('alerts across restarts', () => {
  let broker: TestBroker;
  let store: TempDb;
  let firstLine: WebhookReceiver;
  let supervisors: WebhookReceiver;
  let console: TestSubscriber;
  let config: HubConfig;
  let child: ChildProcess | undefined;
  const running: { alerts: AlertService; db: Database.Database }[] = [];

  beforeEach(async () => {
    broker = await startBroker();
    store = tempDb();
    firstLine = await webhookReceiver();
    supervisors = await webhookReceiver();
    console = await subscriber(broker.port, ['telecare/h1/alerts/+']);
    config = ladderConfig(firstLine, supervisors);
  });

  afterEach(async () => {
    if (child?.pid && child.exitCode === null && child.signalCode === null) {
      // Gone before its database is removed below.
      const exited = once(child, 'exit');
      process.kill(child.pid, 'SIGKILL');
      await exited;
    }
    child = undefined;
    for (const { alerts, db } of running.splice(0)) {
      await alerts.stop();
      db.close();
    }
    await console.close();
    await firstLine.close();
    await supervisors.close();
    await broker.close();
    store.remove();
  });

  async function startHub(
    nowMs: number,
    publisher: Publisher = broker.publisher,
  ): Promise<{ alerts: AlertService; db: Database.Database; clock: FakeClock }> {
    const db = store.open();
    const clock = new FakeClock(nowMs);
    const alerts = await startAlertService({ db, publisher, config, clock });
    running.push({ alerts, db });
    return { alerts, db, clock };
  }

  async function stopHub(hub: { alerts: AlertService; db: Database.Database }): Promise<void> {
    running.splice(
      running.findIndex((r) => r.alerts === hub.alerts),
      1,
    );
    await hub.alerts.stop();
    hub.db.close();
  }

  /** How often each (alert id, version) reached a channel. */
  function timesDelivered(versions: { id: string; version: number }[]): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const v of versions) counts[`${v.id}@${v.version}`] = (counts[`${v.id}@${v.version}`] ?? 0) + 1;
    return counts;
  }
  const mqttVersions = () =>
    console.messages.filter((m) => m.payload !== '').map((m) => JSON.parse(m.payload) as Alert);
  const webhookVersions = (r: WebhookReceiver) => r.requests.map((q) => (JSON.parse(q.body) as { alert: Alert }).alert);

  /** After a restart at T0 + 90 s: the escalation due at T0 + 60 s fired once, and each version went out once per channel. */
  async function expectEscalatedOnceAfterRestart(alertId: string): Promise<void> {
    const hub = await startHub(T0 + 90_000);
    expect(hub.alerts.get(alertId)).toMatchObject({ state: 'raised', escalationLevel: 1, version: 2 });
    await waitFor(
      () => supervisors.requests.length === 1 && mqttVersions().length === 2,
      'the escalation after restart',
    );
    await hub.alerts.settled();
    expect(queryEscalationSteps(hub.db, { alertId })).toMatchObject([
      { level: 1, group: 'supervisors', at: new Date(T0 + 90_000).toISOString() },
    ]);
    expect(timesDelivered(mqttVersions())).toEqual({ [`${alertId}@1`]: 1, [`${alertId}@2`]: 1 });
    expect(timesDelivered(webhookVersions(firstLine))).toEqual({ [`${alertId}@1`]: 1 });
    expect(timesDelivered(webhookVersions(supervisors))).toEqual({ [`${alertId}@2`]: 1 });
    // The next level is armed again from the database: 120 s later the ladder is exhausted, recorded, nobody re-told.
    hub.clock.advanceBy(120_000);
    await hub.alerts.settled();
    expect(hub.alerts.get(alertId)).toMatchObject({ escalationLevel: 1, version: 2 });
    expect(queryAlertAudit(hub.db, { alertId, actions: ['ladder-exhausted'] })).toHaveLength(1);
    expect(supervisors.requests).toHaveLength(1);
  }

  it('a hub stopped while an escalation is pending fires it on start, late but once', async () => {
    const before = await startHub(T0);
    const alert = before.alerts.apply(pendantPress(T0))!;
    await waitFor(() => firstLine.requests.length === 1 && console.messages.length === 1, 'first deliveries');
    before.clock.advanceBy(30_000);
    await stopHub(before);

    await expectEscalatedOnceAfterRestart(alert.id);
  });

  it('a hub killed with SIGKILL while an escalation is due: the alert is still open and the escalation fires on restart', async () => {
    if (!fs.existsSync(path.join(projectRoot, 'dist/hub/alerts/service.js'))) {
      throw new Error('this test runs the compiled hub in a child process: run `npx tsc -p .` (npm test does) first');
    }
    child = spawn(
      process.execPath,
      [harness, JSON.stringify({ dbFile: store.file, mqttPort: broker.port, startMs: T0, config })],
      {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      },
    );
    const replies: { ready?: boolean; reply?: number; alert?: Alert }[] = [];
    child.on('message', (m) => replies.push(m as (typeof replies)[number]));
    await waitFor(() => replies.some((r) => r.ready), 'the harness to start', 15_000);

    child.send({ id: 1, cmd: 'apply', decision: pendantPress(T0) });
    await waitFor(() => replies.some((r) => r.reply === 1), 'the raise to be delivered');
    const alert = replies.find((r) => r.reply === 1)!.alert!;
    child.send({ id: 2, cmd: 'advance', ms: 30_000 });
    await waitFor(() => replies.some((r) => r.reply === 2), 'the harness clock');

    const exited = new Promise((resolve) => child!.once('exit', resolve));
    process.kill(child.pid!, 'SIGKILL');
    await exited;
    expect(child.signalCode).toBe('SIGKILL');

    await expectEscalatedOnceAfterRestart(alert.id);
  });

  it('an open alert is republished retained on start, for a broker that lost it and was not yet listening', async () => {
    const before = await startHub(T0);
    const alert = before.alerts.apply(pendantPress(T0))!;
    await before.alerts.settled();
    await stopHub(before);
    // The embedded broker restarts with the hub, forgets its retained messages, and starts after the alert service.
    await console.close();
    await broker.close();
    broker = await startBroker();
    console = await subscriber(broker.port, ['telecare/h1/alerts/+']);
    let brokerUp = false;
    const notYetListening: Publisher = {
      publish: (topic, payload, options) =>
        brokerUp
          ? broker.publisher.publish(topic, payload, options)
          : Promise.reject(new Error('mqtt broker is stopped')),
    };

    const hub = await startHub(T0 + 10_000, notYetListening);
    await hub.alerts.settled();
    brokerUp = true;
    hub.clock.advanceBy(1_000);
    await hub.alerts.settled();
    const late = await subscriber(broker.port, ['telecare/h1/alerts/+']);
    await waitFor(() => late.messages.length === 1, 'the republished alert');
    expect(late.messages[0]).toMatchObject({ topic: `telecare/h1/alerts/${alert.id}`, retain: true });
    expect(JSON.parse(nth(late.messages, 0).payload)).toMatchObject({ id: alert.id, state: 'raised', version: 1 });
    await late.close();
  });
});
