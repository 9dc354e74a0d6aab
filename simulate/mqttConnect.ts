// MQTT client with Nagle off on its socket: without it a QoS 1 round trip costs tens of ms instead of <1 ms.
import net from 'node:net';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';

export interface ConnectOptions {
  clientId?: string;
  username?: string;
  password?: string;
  /** Reconnect after this many ms when the link drops (0: never). */
  reconnectPeriodMs?: number;
  clean?: boolean;
  /** Told once per outage when the broker refuses a reconnection (CONNACK error), and when the link is back. */
  onLinkNote?: (note: string) => void;
}

/** Connects to `url` (mqtt://host:port; other schemes through mqtt.js as they are) and resolves once CONNACK arrives. */
export function connectMqtt(url: string, options: ConnectOptions = {}): Promise<MqttClient> {
  const parsed = new URL(url);
  const clientOptions: IClientOptions = {
    clientId: options.clientId ?? `telecare-sim-${process.pid}-${Math.random().toString(16).slice(2, 8)}`,
    username: options.username ?? (parsed.username ? decodeURIComponent(parsed.username) : undefined),
    password: options.password ?? (parsed.password ? decodeURIComponent(parsed.password) : undefined),
    reconnectPeriod: options.reconnectPeriodMs ?? 1000,
    clean: options.clean ?? true,
    connectTimeout: 10_000,
    // mqtt.js 5 gives up for good after a refused CONNACK (a restarting or flooded hub answers 3): keep trying.
    reconnectOnConnackError: true,
  };
  let client: MqttClient;
  if (parsed.protocol === 'mqtt:' || parsed.protocol === 'tcp:') {
    const host = parsed.hostname || '127.0.0.1';
    const port = Number(parsed.port || 1883);
    client = new mqtt.MqttClient(() => net.createConnection({ host, port, noDelay: true }), clientOptions);
  } else {
    client = mqtt.connect(url, clientOptions);
  }
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      client.end(true);
      reject(new Error(`cannot connect to ${parsed.protocol}//${parsed.host}: ${err.message}`));
    };
    // The first attempt failing at the socket level can surface as 'close' without 'error'.
    const onClose = (): void => onError(new Error('connection closed before CONNACK'));
    client.once('error', onError);
    client.once('close', onClose);
    client.once('connect', () => {
      client.off('error', onError);
      client.off('close', onClose);
      // Later errors (a write racing a close, a broker going away) show as failed publishes and
      // reconnects; unhandled, an 'error' event would end the whole process. A refusal is said once per outage.
      let refused = false;
      client.on('error', (err: Error & { code?: unknown }) => {
        if (typeof err.code !== 'number' || refused) return;
        refused = true;
        options.onLinkNote?.(`the broker refused the connection (${err.message}); retrying`);
      });
      client.on('connect', () => {
        if (!refused) return;
        refused = false;
        options.onLinkNote?.('connected again');
      });
      resolve(client);
    });
  });
}

/** Publishes and resolves when the broker has it (PUBACK for QoS 1). */
export function publishAsync(
  client: MqttClient,
  topic: string,
  payload: string | Buffer,
  qos: 0 | 1,
  retain = false,
): Promise<void> {
  return new Promise((resolve, reject) => {
    client.publish(topic, payload, { qos, retain }, (err) => (err ? reject(err) : resolve()));
  });
}
