// External broker mode (HUB_MQTT_URL): the hub is an mqtt.js client that acknowledges sensor messages only once stored.
import type { Socket } from 'node:net';
import type { Writable } from 'node:stream';
import { connect, type IPublishPacket, type MqttClient } from 'mqtt';
import type { HubBroker, MessageHandler, SensorIntake } from './broker.js';
import type { Logger } from './logger.js';
import { pressStages } from './press-stages.js';
import type { PublishOptions } from './publisher.js';
import { HUB_STATUS_TOPIC, NATIVE_EVENTS_FILTER, topicMatches } from './topics.js';

export interface ExternalBrokerOptions {
  url: string;
  /** Stable across restarts so the broker keeps the hub's session (and its unacknowledged QoS 1 messages). */
  clientId: string;
  zigbeeBaseTopic: string;
  /** The hub's intake; `redelivered` when the broker set DUP (it may have sent the message before). */
  intake: SensorIntake;
  logger: Logger;
  /**
   * Called for each retained delivery on a sensor topic, which is ignored (counted as rejected input); not for
   * Zigbee2MQTT's availability, a state taken at every (re)subscription.
   */
  onRetainedSensorMessage?: () => void;
  /** Called on every connection, the first and each reconnection (after the hub's subscriptions are requested). */
  onConnect?: () => void;
}

// How long the broker keeps the hub's session while it is away (MQTT 5 session expiry), in seconds.
const SESSION_EXPIRY_S = 7 * 24 * 3600;
// QoS 1 messages the broker may send the hub before their PUBACKs: 10 s of 1,000 events/s, so that a slow fsync
// (a busy SD card: seconds) never makes the broker hold back a pendant press. Each costs the hub a few dozen bytes
// beyond its events, which wait for that fsync anyway.
export const RECEIVE_MAXIMUM = 10_000;
// How long a graceful stop waits for the PUBACKs of messages already taken (their fsync) before it disconnects.
const STOP_ACK_WAIT_MS = 5_000;
// Given to mqtt.js's handleMessage callback: it reads the next packet and sends no PUBACK (the queue sends it).
const DEFER_ACK = new Error('PUBACK deferred until the message is stored');

interface PendingAck {
  messageId: number;
  /** The connection the message came on (mqtt.js's stream): its PUBACK goes back on it or not at all. */
  connection: object;
  state: 'waiting' | 'stored' | 'failed';
}

/**
 * PUBACKs of QoS 1 messages, each sent once the message is stored durably, in the order the messages came (MQTT
 * 4.6.0): many messages in flight, acknowledged together as each group commit lands. A PUBACK goes back only on the
 * connection its message came on; one lost with its connection is not sent (the broker sends the message again).
 */
export class PubackQueue {
  private readonly queue: PendingAck[] = [];
  private head = 0;
  private readonly failedConnections = new WeakSet<object>();
  private idle: (() => void)[] = [];

  constructor(
    private readonly deps: {
      /** Whether a PUBACK can still go back on this connection (the client's current one, connected). */
      isCurrent: (connection: object) => boolean;
      sendPuback: (messageId: number) => void;
      /** Storage failed: nothing more is acknowledged on this connection, which should be dropped. */
      onStoreFailed: (err: unknown, connection: object) => void;
    },
  ) {}

  /** A message taken by intake: `stored` settles once its events are durable (undefined: nothing to store). */
  enqueue(messageId: number, connection: object, stored: Promise<void> | undefined): void {
    const entry: PendingAck = { messageId, connection, state: stored ? 'waiting' : 'stored' };
    this.queue.push(entry);
    if (!stored) {
      this.flush();
      return;
    }
    stored.then(
      () => {
        entry.state = 'stored';
        this.flush();
      },
      (err: unknown) => {
        entry.state = 'failed';
        if (!this.failedConnections.has(connection)) {
          this.failedConnections.add(connection);
          this.deps.onStoreFailed(err, connection);
        }
        this.flush();
      },
    );
  }

  /** Messages taken and not yet acknowledged (or dropped with their connection). */
  get size(): number {
    return this.queue.length - this.head;
  }

  /** Resolves once every message taken so far is acknowledged or dropped. */
  drained(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private flush(): void {
    // mqtt.js corks the socket until the next tick: the PUBACKs one fsync releases go out in one write.
    while (this.head < this.queue.length) {
      const entry = this.queue[this.head];
      if (!entry) break;
      const current = !this.failedConnections.has(entry.connection) && this.deps.isCurrent(entry.connection);
      // A later message's PUBACK never overtakes an earlier one's on the same connection.
      if (current && entry.state === 'waiting') break;
      if (current && entry.state === 'stored') this.deps.sendPuback(entry.messageId);
      this.head += 1;
    }
    // Drop the acknowledged prefix now and then, not on every PUBACK.
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    if (this.size === 0 && this.idle.length > 0) {
      const idle = this.idle;
      this.idle = [];
      for (const resolve of idle) resolve();
    }
  }
}

/** The one mqtt.js method used beyond its typed interface (mqtt 5.x). */
interface MqttClientInternals {
  _sendPacket(packet: { cmd: 'puback'; messageId: number; reasonCode: number }): void;
}

export class ExternalBroker implements HubBroker {
  private client: MqttClient | undefined;
  private readonly subscriptions: { filter: string; handler: MessageHandler }[] = [];
  private readonly log: Logger;
  private readonly acks: PubackQueue;
  private stopping = false;
  /**
   * Rejected once `stop` has ended the client. A QoS 1 publish made while the broker is away waits in mqtt.js for the
   * reconnection, and ending the client does not end it: the alert service's graceful stop waited for it for good, so
   * a hub stopped (SIGTERM, a restart) while its broker was away never stopped (review, session 67). Its outbox row stays
   * pending and is sent at the next start.
   */
  private readonly ended: Promise<never>;
  private endPublishes: ((err: Error) => void) | undefined;

  constructor(private readonly options: ExternalBrokerOptions) {
    this.ended = new Promise<never>((_, reject) => (this.endPublishes = reject));
    // Only ever raced against a publish: no one else waits on it.
    this.ended.catch(() => undefined);
    this.log = options.logger.child({ ns: 'broker' });
    this.acks = new PubackQueue({
      isCurrent: (connection) => this.client?.stream === connection && this.client.connected,
      sendPuback: (messageId) => {
        // mqtt.js's own way to send a packet (private in its types; the deferred PUBACK has no public one).
        (this.client as unknown as MqttClientInternals | undefined)?._sendPacket({
          cmd: 'puback',
          messageId,
          reasonCode: 0,
        });
      },
      onStoreFailed: (err, connection) => {
        // No PUBACK: drop the connection so the broker sends the message (and those after it) again on reconnect.
        // At debug: the storage health logs each episode once (an error per reconnection flooded the log).
        this.log.debug({ err }, 'storing sensor events failed; reconnecting without acknowledging');
        if (this.client?.stream === connection) this.client.stream.destroy();
      },
    });
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
     * Except Zigbee2MQTT's `<name>/availability` (retained by Zigbee2MQTT): a state, not an event, and the only word
     * on a device that went offline and came back while the hub was away (else held dead until it next reports).
     */
    const intake = (topic: string, payload: Buffer, retained: boolean, dup = false): Promise<void> | undefined => {
      if (
        retained &&
        (topicMatches(NATIVE_EVENTS_FILTER, topic) || topic.startsWith(zigbeePrefix)) &&
        !isZigbeeAvailability(topic, zigbeePrefix)
      ) {
        this.options.onRetainedSensorMessage?.();
        return undefined;
      }
      return this.options.intake(topic, payload, dup);
    };
    const client = connect(this.options.url, {
      clientId: this.options.clientId,
      clean: false,
      protocolVersion: 5,
      // Receive Maximum: how many QoS 1 messages the broker may have in flight to the hub, unacknowledged: the
      // pipeline's depth (Mosquitto's own max_inflight_messages, 20 by default, is replaced by it for MQTT 5).
      properties: { sessionExpiryInterval: SESSION_EXPIRY_S, receiveMaximum: RECEIVE_MAXIMUM },
      reconnectPeriod: 1_000,
      // mqtt.js stops reconnecting for good after a refused CONNACK unless told otherwise: a broker restarting, or
      // the hub's user not yet set up there, would leave the hub deaf until someone restarts it.
      reconnectOnConnackError: true,
      will: { topic: HUB_STATUS_TOPIC, payload: Buffer.from('offline'), qos: 1, retain: true },
    });
    /**
     * mqtt.js handles incoming packets one at a time: the next is read only once this callback has been called,
     * and calling it normally sends the PUBACK at once. Waiting for storage here would take one message per fsync
     * (a pendant press queued behind every sensor event before it). So each QoS 1 message is handed to intake now
     * (the rules see it on arrival), its PUBACK is queued, and the callback is called with DEFER_ACK: mqtt.js then
     * reads the next packet and sends no PUBACK; the queue sends it once the message's events are stored durably.
     */
    client.handleMessage = (packet: IPublishPacket, callback: (error?: Error) => void): void => {
      if (packet.qos === 0) {
        callback();
        return;
      }
      if (packet.qos === 2) {
        // Not expected (the hub subscribes at QoS 1, so the broker downgrades): stored before PUBCOMP, one at a time.
        const stored = intake(packet.topic, packet.payload as Buffer, packet.retain, packet.dup);
        if (stored) stored.then(() => callback(), callback);
        else callback();
        return;
      }
      if (this.stopping) {
        // Not taken and not acknowledged: the broker keeps it for the hub's next start.
        callback(DEFER_ACK);
        return;
      }
      let stored: Promise<void> | undefined;
      pressStages?.parsed(packet.topic, true);
      try {
        // DUP: sent again after a lost connection or the broker's restart (its PUBACK from the hub lost or unsaved);
        // events the hub already stored are acknowledged without being stored twice.
        stored = intake(packet.topic, packet.payload as Buffer, packet.retain, packet.dup);
      } catch (err) {
        stored = Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
      this.acks.enqueue(packet.messageId ?? 0, client.stream, stored);
      pressStages?.end();
      callback(DEFER_ACK);
    };
    this.client = client;
    const connected = new Promise<void>((resolve) => client.once('connect', () => resolve()));
    let connectedBefore = false;
    client.on('connect', (connack) => {
      (client.stream as Socket).setNoDelay?.(true);
      // Retain handling per subscription. Native events, 2: the broker sends no retained event at subscription (the
      // check in intake stays for brokers that ignore it). Zigbee2MQTT's topics, 0: its retained availability comes at
      // every subscription, this reconnection's included; its other retained messages (device state, the bridge's) are
      // dropped in intake. One filter, not a second `<base>/+/availability` with 0: friendly names may hold `/`, and
      // overlapping subscriptions make Mosquitto 2 send each live message once per subscription.
      const onError = (err: Error | null): void => {
        if (err) this.log.error({ err: err.message }, 'could not subscribe on the external broker');
      };
      client.subscribe(
        { [NATIVE_EVENTS_FILTER]: { qos: 1, rh: 2 }, [`${this.options.zigbeeBaseTopic}/#`]: { qos: 1, rh: 0 } },
        onError,
      );
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
    // A refusal (bad credentials in HUB_MQTT_URL, a broker not ready) is worth a warning once per outage: the hub
    // hears no sensor meanwhile. The message names the reason, never the URL (which may hold the password).
    let refusalLogged = false;
    client.on('connect', () => (refusalLogged = false));
    client.on('error', (err) => {
      const refused = 'code' in err && typeof err.code === 'number';
      if (!refused || refusalLogged) {
        this.log.debug({ err: err.message }, 'external broker error');
        return;
      }
      refusalLogged = true;
      this.log.warn({ reason: err.message }, "external broker refused the hub's connection; retrying");
    });
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
    const acknowledged = client.publishAsync(topic, payload, { qos: options.qos, retain: options.retain });
    sendNow(client.stream);
    pressStages?.mark('written');
    return Promise.race([acknowledged.then(() => undefined), this.ended]);
  }

  /** Register before start() (the filter is subscribed on connect) or after (subscribed at once). */
  subscribe(filter: string, handler: MessageHandler): void {
    this.subscriptions.push({ filter, handler });
    this.client?.subscribe(filter, { qos: 1 });
  }

  async stop(): Promise<void> {
    const client = this.client;
    if (!client) return;
    // Messages already taken get their PUBACK once stored: otherwise the broker sends them again at the next start.
    this.stopping = true;
    let waited: NodeJS.Timeout | undefined;
    await Promise.race([
      this.acks.drained(),
      new Promise((resolve) => (waited = setTimeout(resolve, STOP_ACK_WAIT_MS))),
    ]);
    clearTimeout(waited);
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
    this.endPublishes?.(
      new Error('the hub stopped before the broker acknowledged the message: sent at the next start'),
    );
  }

  describe(): Record<string, unknown> {
    return {
      mode: 'external',
      url: redactUrl(this.options.url),
      connected: this.client?.connected ?? false,
      unacknowledged: this.acks.size,
    };
  }
}

/**
 * Hands what mqtt.js has just written to the kernel now. mqtt-packet corks the socket for each packet and uncorks it
 * on the next tick, so an alert published in a press's turn waited for the rest of that turn (the dashboard, the
 * escalation timer, the rules' bookkeeping: ~80 µs at the median) before it left. Uncorked here, it leaves during the
 * publish call and the broker and the responder handle it while the hub finishes its turn on the other core. The
 * next-tick uncorks then find nothing corked and do nothing; PUBACKs written earlier in the turn go out with it.
 */
function sendNow(stream: Pick<Writable, 'writableCorked' | 'uncork'>): void {
  while (stream.writableCorked > 0) stream.uncork();
}

/** Zigbee2MQTT's availability of a device (`<base>/<name>/availability`), not of its bridge. */
function isZigbeeAvailability(topic: string, zigbeePrefix: string): boolean {
  return (
    topic.startsWith(zigbeePrefix) &&
    topic.endsWith('/availability') &&
    topic.length > zigbeePrefix.length + '/availability'.length &&
    !topic.startsWith(`${zigbeePrefix}bridge/`)
  );
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
