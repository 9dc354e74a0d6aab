// The hub's embedded broker on its own in tests: a real aedes (EmbeddedBroker) on an ephemeral port of 127.0.0.1, its
// credentials in a real SQLite file in a temp folder, no log output; each test's clients and broker stopped after it.
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { Aedes } from 'aedes';
import Database from 'better-sqlite3';
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach } from 'vitest';
import { EmbeddedBroker, type EmbeddedBrokerOptions } from '../../hub/broker.js';
import { DeviceIndex, parseHubConfig } from '../../hub/config.js';
import { createLogger } from '../../hub/logger.js';
import { createMetricsRegistry } from '../../hub/metrics.js';
import { MqttAccess, MqttCredentials } from '../../hub/mqtt-auth.js';
import { ONE_HOME_CONFIG, tempDir } from '../hub/helpers.js';

/** One test's broker, database and clients (fresh for each test of the file that made it). */
export interface BrokerPerTest {
  /** The test's temp folder, removed after it. */
  readonly dir: string;
  /** `hub.db` in `dir`, where the broker's credentials are; closed after the test. */
  readonly db: Database.Database;
  /** The broker `start` made (undefined before); stopped after the test. */
  readonly broker: EmbeddedBroker | undefined;
  /** Clients ended (forced) after the test, before the broker stops. */
  readonly clients: MqttClient[];
  /**
   * Starts the broker on the hub configuration `config` (ONE_HOME_CONFIG by default), with `options` over the
   * test defaults (no intake, no log output, a registry of its own).
   */
  start(options?: Partial<EmbeddedBrokerOptions>, config?: unknown): Promise<EmbeddedBroker>;
}

/** Registers the hooks that make and remove a `BrokerPerTest` around each test of the file; `prefix` names its folder. */
export function brokerPerTest(prefix: string): BrokerPerTest {
  let dir: string | undefined;
  let db: Database.Database | undefined;
  let broker: EmbeddedBroker | undefined;
  const clients: MqttClient[] = [];

  beforeEach(() => {
    dir = tempDir(prefix);
    db = new Database(path.join(dir, 'hub.db'));
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) await client.endAsync(true);
    await broker?.stop();
    broker = undefined;
    db?.close();
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  });

  return {
    get dir() {
      if (dir === undefined) throw new Error('no test is running');
      return dir;
    },
    get db() {
      if (db === undefined) throw new Error('no test is running');
      return db;
    },
    get broker() {
      return broker;
    },
    clients,
    async start(options = {}, raw = ONE_HOME_CONFIG) {
      const config = parseHubConfig(raw);
      broker = new EmbeddedBroker({
        port: 0,
        host: '127.0.0.1',
        credentials: new MqttCredentials(this.db, config),
        access: new MqttAccess(new DeviceIndex(config), config.hub.zigbeeBaseTopic),
        intake: () => undefined,
        logger: createLogger({ level: 'error', destination: new Writable({ write: (_c, _e, done) => done() }) }),
        metrics: createMetricsRegistry(),
        ...options,
      });
      await broker.start();
      return broker;
    },
  };
}

/** The aedes instance inside `broker` (private there), for tests that watch its events or its persistence. */
export function aedesOf(broker: EmbeddedBroker): Aedes {
  return (broker as unknown as { aedes: Aedes }).aedes;
}

/** A batch's promise that the test settles, as the store's group commit does after its fsync (an intake's answer). */
export function heldBatch(): { promise: Promise<void>; resolve: () => void; reject: (err: Error) => void } {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
