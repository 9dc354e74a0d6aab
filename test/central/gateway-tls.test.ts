// The centre's MQTT gateway over TLS: with a certificate in the cluster layout, hubs connect with mqtts:// (a hub
// refuses plain mqtt:// to another machine), plain MQTT gets nowhere, and the workers' own connection verifies it.
import fs from 'node:fs';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addHub } from '../../central/command.js';
import { createLayout, startCluster, type NatsCluster } from '../../central/nats-cluster.js';
import { ensureGatewayStreams } from '../../central/stream.js';
import { uplinkSettingsFromEnv } from '../../hub/uplink-settings.js';
import { selfSignedPair, type SelfSignedPair } from '../support/tls.js';
import { tempDir } from '../hub/helpers.js';
import { missingForConsole } from './console-env.js';

const missing = missingForConsole();
if (missing) console.warn(`skipping the gateway TLS tests: ${missing}`);

/** How a connection ends first: `connected` (CONNACK accepted), the error's message, or `closed`. */
function firstOutcome(url: string, options: mqtt.IClientOptions): Promise<string> {
  return new Promise((resolve) => {
    const client = mqtt.connect(url, options);
    const done = (outcome: string): void => {
      client.end(true);
      resolve(outcome);
    };
    client.once('connect', () => done('connected'));
    client.once('error', (err) => done(err.message));
    client.once('close', () => done('closed'));
  });
}

describe.skipIf(missing !== undefined)('the MQTT gateway with a certificate', () => {
  let dir: string;
  let pair: SelfSignedPair;
  let cluster: NatsCluster | undefined;
  let centrePassword: string;
  let hub: { hubId: string; password: string; url: string };

  beforeAll(async () => {
    dir = tempDir('gateway-tls');
    pair = selfSignedPair(dir);
    const natsDir = path.join(dir, 'nats');
    const created = await createLayout({
      dir: natsDir,
      bcryptCost: 4,
      mqttTls: { certFile: pair.certFile, keyFile: pair.keyFile },
    });
    centrePassword = created.centrePassword;
    // As an installer does it: `telecare central hub add`, whose printed URL the hub is given.
    const added = await addHub(natsDir, 'scheme-42', false);
    hub = { hubId: added.hubId, password: added.password, url: added.mqttUrls[0] ?? '' };
    cluster = await startCluster(JSON.parse(fs.readFileSync(path.join(natsDir, 'cluster.json'), 'utf8')));
  }, 120_000);

  afterAll(async () => {
    await cluster?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('gives hubs an mqtts:// URL, which a hub takes with the centre CA and logs in to, QoS 1 acknowledged', async () => {
    expect(hub.url).toMatch(/^mqtts:\/\/127\.0\.0\.1:\d+$/);
    const settings = uplinkSettingsFromEnv(
      {
        HUB_UPLINK_URL: hub.url,
        HUB_ID: hub.hubId,
        HUB_UPLINK_USER: hub.hubId,
        HUB_UPLINK_PASSWORD: hub.password,
        HUB_UPLINK_CA: pair.certFile,
      },
      dir,
    );
    const client = await mqtt.connectAsync(hub.url, {
      username: hub.hubId,
      password: hub.password,
      clientId: `telecare-uplink-${hub.hubId}`,
      protocolVersion: 4,
      reconnectPeriod: 0,
      ca: fs.readFileSync(settings!.caFile!),
      rejectUnauthorized: true,
    });
    try {
      // QoS 1: resolves on the gateway's PUBACK.
      await expect(client.publishAsync(`telecare-up/${hub.hubId}/heartbeat`, '{}', { qos: 1 })).resolves.not.toThrow();
    } finally {
      await client.endAsync();
    }
  });

  it('answers no plain MQTT on the port, and a client that does not trust the certificate is refused', async () => {
    const port = new URL(hub.url).port;
    const options = {
      username: hub.hubId,
      password: hub.password,
      protocolVersion: 4 as const,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
    };
    expect(await firstOutcome(`mqtt://127.0.0.1:${port}`, options)).not.toBe('connected');
    expect(await firstOutcome(hub.url, { ...options, rejectUnauthorized: true })).toMatch(
      /self[- ]signed|certificate/i,
    );
  });

  it("lets the workers' start-up connection verify the gateway with CENTRAL_MQTT_CA", async () => {
    const user = cluster!.layout.centreUser;
    await expect(ensureGatewayStreams(hub.url, user, centrePassword, pair.cert)).resolves.toBeUndefined();
    await expect(ensureGatewayStreams(hub.url, user, centrePassword)).rejects.toThrow(/self[- ]signed|certificate/i);
  });
});
