// External broker mode (HUB_MQTT_URL): the hub is an mqtt.js client that acknowledges sensor messages only once stored.
import type { Socket } from 'node:net';
import { connect, type IPublishPacket, type MqttClient } from 'mqtt';
import type { HubBroker, MessageHandler, SensorIntake } from './broker.js';
import type { Logger } from './logger.js';
import type { PublishOptions } from './publisher.js';
import { HUB_STATUS_TOPIC, NATIVE_EVENTS_FILTER, topicMatches } from './topics.js';

export interface ExternalBrokerOptions {
  url: string;
  /** Stable across restarts so the broker keeps the hub's session (and its unacknowledged QoS 1 messages). */
  clientId: string;
  zigbeeBaseTopic: string;
  intake: SensorIntake;
  logger: Logger;
  /** Called for each retained delivery on a sensor topic, which is ignored (counted as rejected input). */
  onRetainedSensorMessage?: () => void;
  /** Called on every connection, the first and each reconnection (after the hub's subscriptions are requested). */
  onConnect?: () => void;
}

// How long the broker keeps the hub's session while it is away (MQTT 5 session expiry), in seconds.
const SESSION_EXPIRY_S = 7 * 24 * 3600;

export class ExternalBroker implements HubBroker {
  private client: MqttClient | undefined;
  private readonly subscriptions: { filter: string; handler: MessageHandler }[] = [];
  private readonly log: Logger;

  constructor(private readonly options: ExternalBrokerOptions) {
    this.log = options.logger.child({ ns: 'broker' });
  }

  /**
   * Connect and subscribe. Waits for the first connection at most `firstConnectWaitMs`: a broker that is down when
   * the hub starts must not keep the dashboard down; the client keeps reconnecting in the background.
   */
  async start(firstConnectWaitMs = 5_000): Promise<void> {
    const zigbeePrefix = `${this.options.zigbeeBaseTopic}/`;
    /**
     * A retained message on a sensor topic is an old event the broker hands every new subscription: on each
     * (re)connect it would be stored and acted on again (one retained pendant press, a new alert per restart).
     * Live messages reach the hub with retain 0 (MQTT 3.3.1.3), so a retained sensor delivery is never new input.
     */
    const intake = (topic: string, payload: Buffer, retained: boolean): Promise<void> | undefined => {
      if (retained && (topicMatches(NATIVE_EVENTS_FILTER, topic) || topic.startsWith(zigbeePrefix))) {
        this.options.onRetainedSensorMessage?.();
        return undefined;
      }
      return this.options.intake(topic, payload);
    };
    const client = connect(this.options.url, {
      clientId: this.options.clientId,
      clean: false,
      protocolVersion: 5,
      properties: { sessionExpiryInterval: SESSION_EXPIRY_S },
      reconnectPeriod: 1_000,
      will: { topic: HUB_STATUS_TOPIC, payload: Buffer.from('offline'), qos: 1, retain: true },
      // Called for QoS 1/2 messages: the PUBACK is sent only when `done` is called, i.e. after storage.
      customHandleAcks: (
        topic: string,
        message: Buffer,
        packet: IPublishPacket,
        done: (error: Error | number, code?: number) => void,
      ) => {
        const stored = intake(topic, message, packet.retain);
        if (!stored) {
          done(0);
          return;
        }
        stored.then(
          () => done(0),
          (err: unknown) => {
            // No PUBACK: drop the connection so the broker sends the message again on reconnect.
            this.log.error({ err }, 'storing sensor events failed; reconnecting without acknowledging');
            client.stream.destroy();
          },
        );
      },
    });
    this.client = client;
    const connected = new Promise<void>((resolve) => client.once('connect', () => resolve()));
    let connectedBefore = false;
    client.on('connect', (connack) => {
      (client.stream as Socket).setNoDelay?.(true);
      // Retain handling 2: the broker sends no retained sensor message at subscription (the check above stays for
      // brokers that ignore it).
      const onError = (err: Error | null): void => {
        if (err) this.log.error({ err: err.message }, 'could not subscribe on the external broker');
      };
      client.subscribe([NATIVE_EVENTS_FILTER, `${this.options.zigbeeBaseTopic}/#`], { qos: 1, rh: 2 }, onError);
      if (this.subscriptions.length > 0)
        client.subscribe(
          this.subscriptions.map((s) => s.filter),
          { qos: 1 },
          onError,
        );
      this.publish(HUB_STATUS_TOPIC, 'online', { qos: 1, retain: true }).catch((err: unknown) =>
        this.log.warn({ err }, 'could not publish online status'),
      );
      this.log.info(
        { url: redactUrl(this.options.url), sessionPresent: connack.sessionPresent },
        'connected to external mqtt broker',
      );
      // With clean=false the broker should still hold the hub's session: without it, QoS 1 sensor messages queued
      // while the hub was away are gone (a broker restarted without persistence).
      if (connectedBefore && !connack.sessionPresent) {
        this.log.warn(
          { url: redactUrl(this.options.url) },
          'external broker lost the hub session: messages sent while the hub was away may be lost; enable broker persistence',
        );
      }
      connectedBefore = true;
      try {
        this.options.onConnect?.();
      } catch (err) {
        this.log.error({ err }, 'reconnection handler failed');
      }
    });
    // Every failed reconnect attempt is an error: at debug, so that an outage is one warning ('offline'), not a flood.
    client.on('error', (err) => this.log.debug({ err: err.message }, 'external broker error'));
    client.on('offline', () => this.log.warn('external broker unreachable; reconnecting'));
    client.on('message', (topic: string, payload: Buffer, packet: IPublishPacket) => {
      if (packet.qos === 0)
        void intake(topic, payload, packet.retain)?.catch((err: unknown) =>
          this.log.error({ err }, 'storing sensor events failed'),
        );
      for (const { filter, handler } of this.subscriptions) {
        if (!topicMatches(filter, topic)) continue;
        try {
          handler(topic, payload, { username: undefined, clientId: undefined });
        } catch (err) {
          this.log.error({ err, filter }, 'hub subscription handler failed');
        }
      }
    });
    let waited: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<boolean>((resolve) => {
      waited = setTimeout(() => resolve(true), firstConnectWaitMs);
    });
    if (await Promise.race([connected.then(() => false), gaveUp])) {
      this.log.warn(
        { url: redactUrl(this.options.url) },
        'external broker not reachable yet; starting anyway and retrying',
      );
    }
    clearTimeout(waited);
  }

  publish(topic: string, payload: string | Buffer, options: PublishOptions): Promise<void> {
    const client = this.client;
    if (!client) return Promise.reject(new Error('mqtt client is stopped'));
    return client.publishAsync(topic, payload, { qos: options.qos, retain: options.retain }).then(() => undefined);
  }

  /** Register before start() (the filter is subscribed on connect) or after (subscribed at once). */
  subscribe(filter: string, handler: MessageHandler): void {
    this.subscriptions.push({ filter, handler });
    this.client?.subscribe(filter, { qos: 1 });
  }

  async stop(): Promise<void> {
    const client = this.client;
    if (!client) return;
    // While disconnected a QoS 1 publish would wait for a reconnect that stop() must not wait for; the will covers it.
    if (client.connected) {
      try {
        await this.publish(HUB_STATUS_TOPIC, 'offline', { qos: 1, retain: true });
      } catch (err) {
        this.log.warn({ err }, 'could not publish offline status');
      }
    }
    await client.endAsync(!client.connected);
    this.client = undefined;
  }

  describe(): Record<string, unknown> {
    return { mode: 'external', url: redactUrl(this.options.url), connected: this.client?.connected ?? false };
  }
}

/** The broker URL without its password, for logs and health. */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'invalid url';
  }
}
