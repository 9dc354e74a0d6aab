// The embedded MQTT broker (aedes): authentication, least-privilege ACLs, and PUBACK only once a sensor event is stored.
import net from 'node:net';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import type { Logger } from './logger.js';
import { guardPacketSize, MAX_MQTT_PACKET_BYTES } from './mqtt-frame-guard.js';
import type { MqttCredentials, MqttIdentity } from './mqtt-auth.js';
import { canPublish, canSubscribe } from './mqtt-auth.js';
import type { PublishOptions, Publisher } from './publisher.js';
import { HUB_STATUS_TOPIC, topicMatches } from './topics.js';

export interface MessageContext {
  /** Undefined for anonymous local clients and for messages relayed by an external broker. */
  username: string | undefined;
  clientId: string | undefined;
}

export type MessageHandler = (topic: string, payload: Buffer, context: MessageContext) => void;

/**
 * Takes one client publication to ingest. Returns undefined when there is nothing to store (not sensor input, or
 * input counted and dropped), else a promise that resolves once its events are durably stored; the broker
 * acknowledges only after it.
 */
export type SensorIntake = (topic: string, payload: Buffer) => Promise<void> | undefined;

/** The hub's side of MQTT, embedded or external: publish, its own subscriptions, lifecycle. */
export interface HubBroker extends Publisher {
  start(): Promise<void>;
  /** Publish the offline status and disconnect. */
  stop(): Promise<void>;
  subscribe(filter: string, handler: MessageHandler): void;
  /** For GET /api/health. */
  describe(): Record<string, unknown>;
}

export interface EmbeddedBrokerOptions {
  port: number;
  host?: string;
  credentials: MqttCredentials;
  intake: SensorIntake;
  logger: Logger;
  /** How long a subscriber that stops reading may hold up deliveries before it is disconnected. */
  drainTimeoutMs?: number;
  /** Bytes queued for one client beyond what the kernel holds; over this it is disconnected at once. */
  clientQueueBytes?: number;
}

/**
 * A client's own queue: about a thousand alert messages, far above any burst a reading client sees (a dashboard
 * subscribing to a scheme's retained alerts), small enough that a stalled one costs only this much memory.
 */
export const DEFAULT_CLIENT_QUEUE_BYTES = 1024 * 1024;

function authError(returnCode: 4 | 5): AuthenticateError {
  const err = new Error(returnCode === 4 ? 'bad username or password' : 'not authorized') as AuthenticateError;
  err.returnCode = returnCode;
  return err;
}

export class EmbeddedBroker implements HubBroker {
  private aedes: Aedes | undefined;
  private server: net.Server | undefined;
  private readonly identities = new WeakMap<Client, MqttIdentity>();
  private readonly subscriptions: { filter: string; handler: MessageHandler }[] = [];
  private readonly sockets = new Set<net.Socket>();
  private readonly log: Logger;
  private listeningPort = 0;
  private stalledDrops = 0;

  constructor(private readonly options: EmbeddedBrokerOptions) {
    this.log = options.logger.child({ ns: 'broker' });
  }

  get port(): number {
    return this.listeningPort;
  }

  async start(): Promise<void> {
    const aedes = await Aedes.createBroker({
      drainTimeout: this.options.drainTimeoutMs ?? 5_000,
      authenticate: (client, username, password, done) => {
        const remote = (client.conn as net.Socket).remoteAddress;
        this.options.credentials.authenticate(remote, username, password).then(
          (result) => {
            if (!result.ok) {
              this.log.warn({ remote, returnCode: result.returnCode }, 'mqtt connection refused');
              done(authError(result.returnCode), false);
              return;
            }
            this.identities.set(client, result.identity);
            done(null, true);
          },
          (err: unknown) => {
            this.log.error({ err }, 'mqtt authentication failed');
            done(authError(5), false);
          },
        );
      },
      authorizePublish: (client, packet, callback) => {
        // A null client is an obsolete will being published by aedes itself.
        if (client === null) return callback(null);
        const identity = this.identities.get(client);
        if (!identity || !canPublish(identity, packet.topic)) {
          this.log.warn({ clientId: client.id, role: identity?.role, topic: packet.topic }, 'mqtt publish refused');
          return callback(new Error('not authorised to publish on this topic'));
        }
        const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
        const after = (): void => {
          callback(null);
          this.dispatch(packet.topic, payload, { username: identity.username, clientId: client.id });
        };
        const stored = this.options.intake(packet.topic, payload);
        if (!stored) return after();
        // The PUBACK goes out only once the events are durable; a storage failure drops the connection
        // without PUBACK, so the sender will send again.
        stored.then(after, (err: unknown) => {
          this.log.error({ err }, 'storing sensor events failed');
          callback(new Error('storage failed'));
        });
      },
      authorizeSubscribe: (client, subscription, callback) => {
        const identity = this.identities.get(client);
        if (!identity || !canSubscribe(identity, subscription.topic)) {
          this.log.warn({ clientId: client.id, role: identity?.role, filter: subscription.topic }, 'mqtt subscribe refused');
          return callback(null, null);
        }
        callback(null, subscription);
      },
    });
    aedes.on('clientError', (client, err) => this.log.debug({ clientId: client.id, err: err.message }, 'mqtt client error'));
    this.aedes = aedes;
    const queueBytes = this.options.clientQueueBytes ?? DEFAULT_CLIENT_QUEUE_BYTES;
    // The high-water mark is each client's queue bound: a write past it means the client stopped reading.
    const server = net.createServer({ highWaterMark: queueBytes }, (socket) => {
      // Without this, Nagle's algorithm holds small QoS 1 packets for 20-40 ms.
      socket.setNoDelay(true);
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      const client = aedes.handle(socket);
      this.dropWhenStalled(socket, () => client.id);
      // After handle(): aedes reads with 'readable', so this 'data' listener only observes what aedes reads.
      guardPacketSize(socket, MAX_MQTT_PACKET_BYTES, (bytes) =>
        this.log.warn({ remote: socket.remoteAddress, bytes }, 'mqtt packet over the size limit: connection dropped'),
      );
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.listeningPort = (server.address() as net.AddressInfo).port;
    await this.publish(HUB_STATUS_TOPIC, 'online', { qos: 1, retain: true });
    this.log.info({ port: this.listeningPort }, 'mqtt broker listening');
  }

  publish(topic: string, payload: string | Buffer, options: PublishOptions): Promise<void> {
    const aedes = this.aedes;
    if (!aedes || aedes.closed) return Promise.reject(new Error('mqtt broker is stopped'));
    return new Promise((resolve, reject) => {
      aedes.publish(
        { cmd: 'publish', topic, payload: typeof payload === 'string' ? Buffer.from(payload) : payload, qos: options.qos, retain: options.retain, dup: false },
        (err) => (err ? reject(err) : resolve()),
      );
    });
  }

  subscribe(filter: string, handler: MessageHandler): void {
    this.subscriptions.push({ filter, handler });
  }

  private dispatch(topic: string, payload: Buffer, context: MessageContext): void {
    for (const { filter, handler } of this.subscriptions) {
      if (!topicMatches(filter, topic)) continue;
      try {
        handler(topic, payload, context);
      } catch (err) {
        this.log.error({ err, filter }, 'hub subscription handler failed');
      }
    }
  }

  async stop(): Promise<void> {
    const aedes = this.aedes;
    if (!aedes) return;
    try {
      await this.publish(HUB_STATUS_TOPIC, 'offline', { qos: 1, retain: true });
      // aedes delivers asynchronously and destroys every connection on close, dropping unsent bytes:
      // let the offline status reach the subscribers first.
      await this.flushClients(1_000);
    } catch (err) {
      this.log.warn({ err }, 'could not publish offline status');
    }
    this.server?.close();
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    this.aedes = undefined;
  }

  /** Wait (at most `timeoutMs`) until aedes has written what it queued to every connected client. */
  private async flushClients(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    // A few turns of the event loop let aedes's persistence hand the message to each client; then the sockets drain.
    for (let turn = 0; Date.now() < deadline; turn++) {
      await new Promise((resolve) => setImmediate(resolve));
      const pending = [...this.sockets].some((socket) => !socket.destroyed && socket.writableLength > 0);
      if (!pending && turn >= 3) return;
      if (pending) await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /**
   * aedes waits for a full socket to drain before it delivers the publisher's next message, so one subscriber that
   * stops reading would hold up everyone's alerts for the drain timeout. A write past the client's queue bound drops
   * that client at once instead, and lets aedes carry on with the others.
   */
  private dropWhenStalled(socket: net.Socket, clientId: () => string | undefined): void {
    const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
    // Patched on this socket only: net.Socket offers no hook between aedes's write and its wait for 'drain'.
    (socket as unknown as { write: (...args: unknown[]) => boolean }).write = (...args: unknown[]): boolean => {
      if (write(...args) || socket.destroyed) return true;
      this.log.warn(
        { clientId: clientId(), remote: socket.remoteAddress, queuedBytes: socket.writableLength },
        'mqtt client stopped reading: its queue is full, disconnected so it cannot delay others',
      );
      this.stalledDrops += 1;
      socket.destroy();
      return true;
    };
  }

  describe(): Record<string, unknown> {
    return { mode: 'embedded', stalledClientsDropped: this.stalledDrops, port: this.listeningPort, clients: this.aedes?.connectedClients ?? 0 };
  }
}
