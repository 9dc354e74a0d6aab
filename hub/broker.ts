// The embedded MQTT broker (aedes): authentication, least-privilege ACLs, retained quotas, optional TLS, and PUBACK only once a sensor event is stored.
// Before aedes: mqtt-packet's loggers are made when it loads (hub/mqtt-debug.ts).
import './mqtt-debug.js';
// mqtt-packet's reads from its receive buffer without a Buffer view each (hub/mqtt-parser-reads.ts).
import './mqtt-parser-reads.js';
// aedes's PUBACKs in one write each (hub/mqtt-puback-writer.ts).
import { writePuback } from './mqtt-puback-writer.js';
import net from 'node:net';
import tls from 'node:tls';
import { Aedes, type AuthenticateError, type Client, type PublishPacket } from 'aedes';
import aedesPacket from 'aedes-packet';
import { Counter, type Registry } from 'prom-client';
import type { Logger } from './logger.js';
import { guardPacketSize, MAX_MQTT_PACKET_BYTES } from './mqtt-frame-guard.js';
import { PendingConnections } from './mqtt-pending.js';
import { drainInTurns, type MessageRouter } from './mq-drain.js';
import { ClientIdHomes, type ClientIdHomeTimes } from './client-id-homes.js';
import { MAX_FILTER_CHARS, MAX_SUBSCRIPTIONS_PER_CREDENTIAL, SubscriptionLedger } from './mqtt-subscription-ledger.js';
import {
  ClientIdRegistry,
  clientIdOwner,
  IDENTIFIER_REJECTED,
  SERVER_UNAVAILABLE,
  subscribeRefusalAdvice,
  type MqttAccess,
  type MqttCredentials,
  type MqttIdentity,
  type RefusalCode,
} from './mqtt-auth.js';
import { pressStages } from './press-stages.js';
import type { PublishOptions, Publisher } from './publisher.js';
import { HUB_STATUS_TOPIC, isAlertTopic, topicMatches } from './topics.js';

export interface MessageContext {
  /** Undefined for anonymous local clients and for messages relayed by an external broker. */
  username: string | undefined;
  clientId: string | undefined;
}

export type MessageHandler = (topic: string, payload: Buffer, context: MessageContext) => void;

/**
 * Takes one client publication to ingest. Returns undefined when there is nothing to store (not sensor input, or
 * input counted and dropped), else a promise that resolves once its events are durably stored; the broker
 * acknowledges only after it. `redelivered`: the sender set DUP (it may have sent the message before: a sensor whose
 * PUBACK never came, the hub killed between its fsync and its PUBACK); events already stored durably are left out.
 */
export type SensorIntake = (topic: string, payload: Buffer, redelivered: boolean) => Promise<void> | undefined;

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
  /** The ACLs (one permission table, credentials scoped to homes). */
  access: MqttAccess;
  intake: SensorIntake;
  logger: Logger;
  metrics?: Registry;
  /** Counts a packet the broker refused for its size as rejected sensor input (`telecare_ingest_rejected_total`). */
  onOversizedPacket?: () => void;
  /** How long a subscriber that stops reading may hold up deliveries before it is disconnected. */
  drainTimeoutMs?: number;
  /** MQTT over TLS (PEM certificate chain and key); the plain port then takes passwords from loopback only. */
  tls?: { port: number; cert: Buffer | string; key: Buffer | string };
  /** Retained messages clients may leave on non-sensor topics (the hub's own alerts and status are not counted). */
  retainedQuota?: { maxMessages: number; maxBytes: number; maxPerClient: number };
  /** Bytes queued for one client beyond what the kernel holds; over this it is disconnected at once. */
  clientQueueBytes?: number;
  /** Connections one remote address may have open before logging in (default MAX_PENDING_PER_SOURCE). */
  maxPendingPerSource?: number;
  /** QoS 1 messages one persistent session may have queued, unacknowledged (default DEFAULT_OFFLINE_QUEUE_MAX). */
  offlineQueueMax?: number;
  /** The same for all persistent sessions together (default DEFAULT_OFFLINE_QUEUE_TOTAL_MAX). */
  offlineQueueTotalMax?: number;
  /** How long a persistent session's client may stay away before the session is removed (default DEFAULT_SESSION_EXPIRY_MS). */
  sessionExpiryMs?: number;
  /** The time for session expiry (default Date.now; tests step it). */
  now?: () => number;
  /** Client ids the registry holds before it forgets an unused claim (ClientIdRegistry's default, 10,000). */
  clientIdBound?: number;
  /** How long an address holds a client id before it is the id's home (default CLIENT_ID_HOME_AFTER; tests). */
  clientIdHomeAfter?: ClientIdHomeTimes;
  /** Connections one credential may hold logged in at once (default MAX_CONNECTIONS_PER_CREDENTIAL). */
  maxConnectionsPerCredential?: number;
  /** Topic filters one credential may hold over its sessions (default MAX_SUBSCRIPTIONS_PER_CREDENTIAL). */
  maxSubscriptionsPerCredential?: number;
}

/**
 * QoS 1 messages kept for one persistent session (clean = false) until its client acknowledges them: as Mosquitto's
 * `max_queued_messages` (1,000 there), beyond it new ones are dropped for that session and counted. Without a bound, a
 * session whose client never came back (a Node-RED flow removed, a phone app uninstalled) kept every sensor event or
 * alert it had subscribed to, in the hub's memory, for the life of the process. Ten thousand is a day of alerts for
 * any scheme and several minutes of a 200-flat scheme's events; a few megabytes at most.
 */
export const DEFAULT_OFFLINE_QUEUE_MAX = 10_000;
/**
 * All persistent sessions together (about 26 MB of heap at 265 bytes a message): a program that connects under a new
 * client id at every start, or a credential holder making sessions on purpose, cannot multiply the bound above.
 */
export const DEFAULT_OFFLINE_QUEUE_TOTAL_MAX = 100_000;
/**
 * Alerts a session whose queue is full of other messages still takes, each bound above raised by this much for an
 * alert's topic alone: a local program subscribed to `telecare/#` (Node-RED forwarding alerts to a carer's phone) away
 * while sensors fill its queue must still find the alert raised meanwhile when it comes back. Its session is kept, so
 * it is not subscribed again and is not sent the retained copy: the queued one is all it gets (review, session 59).
 */
export const OFFLINE_QUEUE_ALERT_RESERVE = 1_000;

/**
 * A persistent session (clean = false) whose client has been away this long is removed: its subscriptions, its queued
 * messages (and their share of the total above) and its client id's owner, as Mosquitto's `persistent_client_expiration`
 * (never by default there; MQTT 3.1.1, all aedes speaks, lets a server discard session state, and MQTT 5 has the client
 * ask for an expiry in its CONNECT). Three days: a responder's phone off for a weekend still finds its session and every
 * message queued meanwhile; a program removed or reinstalled under a new client id stops holding a share for good. A
 * client that comes back later starts a new session (CONNACK session present = 0; mqtt.js subscribes again) and is sent
 * every open alert, retained while open; only the versions of alerts closed meanwhile and sensor events are not resent.
 */
export const DEFAULT_SESSION_EXPIRY_MS = 3 * 24 * 3_600_000;
/**
 * Persistent sessions one credential (one username; every anonymous client on the Pi together) may have away at once;
 * past it, its session away longest is removed as an expired one is. A session with a subscription is about 1 KB of
 * heap for three days: without a bound one device credential leaving sessions under made-up client ids (20,000 in 20 s
 * here; a reconnect costs no scrypt) could fill a Pi's memory and have the hub killed (review, session 58). A device,
 * a bridge or a responder's phone needs one; a credential shared by many gateways, a few dozen.
 */
export const MAX_SESSIONS_AWAY_PER_CREDENTIAL = 1_000;

/**
 * Connections one credential (one username) may hold logged in at once; programs on the Pi (anonymous, loopback) are
 * not counted. A device, a bridge or a phone needs one, a credential shared by a flat's or a scheme's sensors one each:
 * the same bound as its sessions away. Without it one flat's device credential held as many as it opened (about 45 KB
 * of the hub's memory each, and a file descriptor of the 20,000 every device and page shares): review, session 67.
 */
export const MAX_CONNECTIONS_PER_CREDENTIAL = 1_000;
/** How often sessions away past their expiry are looked for (at most this late; a walk over the absent ones only). */
const SESSION_EXPIRY_SWEEP_MS = 60_000;

/**
 * A client's own queue: about a thousand alert messages, far above any burst a reading client sees (a dashboard
 * subscribing to a scheme's retained alerts), small enough that a stalled one costs only this much memory.
 */
export const DEFAULT_CLIENT_QUEUE_BYTES = 1024 * 1024;

/** Why the broker refused something (`telecare_mqtt_refused_total`). */
export const MQTT_REFUSAL_REASONS = [
  'auth-bad-credentials',
  'auth-unknown-user',
  'auth-anonymous-remote',
  'auth-rate-limited',
  'auth-clear-text-remote',
  'client-id-taken',
  // A connected client id presented from another address while its connection is alive (hub/client-id-homes.ts).
  'client-id-in-use',
  'publish-denied',
  'subscribe-denied',
  'retain-sensor-topic',
  'retain-quota',
  'too-many-unauthenticated',
  // A login of a credential already holding MAX_CONNECTIONS_PER_CREDENTIAL connections (CONNACK 3).
  'too-many-connections',
  // A subscription past the filters one credential may hold (MAX_SUBSCRIPTIONS_PER_CREDENTIAL), or a filter longer
  // than MAX_FILTER_CHARS: a failure in the SUBACK.
  'too-many-subscriptions',
  'filter-too-long',
  'offline-queue-full',
  'will-revoked',
  // A PUBLISH or SUBSCRIBE whose topic the protocol forbids (a wildcard or nothing in a PUBLISH, over 100 levels):
  // aedes closes the connection (MQTT 3.1.1 has no other answer to it).
  'bad-topic',
  // A QoS 2 publication past the session's window of messages awaiting PUBREL (QOS2_RECEIPTS_PER_SESSION): aedes
  // closes the connection, as for its own per-connection window.
  'qos2-window-full',
] as const;
type MqttRefusal = (typeof MQTT_REFUSAL_REASONS)[number];

/** aedes's errors for a topic the protocol forbids (lib/handlers/publish.js, lib/utils.js validateTopic). */
const BAD_TOPIC_ERROR =
  /^(?:[#+] is not allowed in PUBLISH|empty topic not allowed in PUBLISH|topic has too many levels|impossible to \w+ to an empty topic|[#+] is only allowed in \w+ )/;

/**
 * QoS 2 publications one session may leave awaiting PUBREL: aedes's own per-connection window (maxInflightInbound),
 * here held across the session's reconnections too.
 */
export const QOS2_RECEIPTS_PER_SESSION = 1_000;
const QOS2_WINDOW_ERROR = /^(?:maxInflightInbound exceeded|qos 2 window full)/;

/** Where a refused publication is sent to vanish: a `$` topic no wildcard matches and no client may read. */
const REFUSED_TOPIC = '$telecare/refused';
const EMPTY = Buffer.alloc(0);

export const DEFAULT_RETAINED_QUOTA = { maxMessages: 1_000, maxBytes: 4 * 1024 * 1024, maxPerClient: 100 } as const;

const RETURN_CODE_TEXT: Record<RefusalCode, string> = {
  2: 'identifier rejected',
  3: 'server unavailable',
  4: 'bad username or password',
  5: 'not authorized',
};

function authError(returnCode: RefusalCode): AuthenticateError {
  const err = new Error(RETURN_CODE_TEXT[returnCode]) as AuthenticateError;
  // aedes types the CONNACK code as its AuthErrorCode enum; the numbers are MQTT 3.1.1's (2-5), the same values.
  // eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment
  err.returnCode = returnCode;
  return err;
}

/**
 * At most `perMinute` log lines a minute for something a client can repeat at will (a connection dropped for an
 * oversized packet, a retained message over the quota, a refused publication or subscription on each of many
 * connections): the next line logged says how many went unlogged; every one is counted in the metrics. A client cannot
 * fill the log (journald on the Pi's SD card) nor spend a log write per try on the loop that carries alerts.
 */
class LogLines {
  private windowStart = -Infinity;
  private logged = 0;
  private unlogged = 0;

  constructor(private readonly perMinute = 1) {}

  /** The number not logged since the last line when a line may be written now; undefined (and counted) otherwise. */
  take(now: number): number | undefined {
    if (now - this.windowStart >= 60_000 || now < this.windowStart) {
      this.windowStart = now;
      this.logged = 0;
    }
    if (this.logged >= this.perMinute) {
      this.unlogged++;
      return undefined;
    }
    this.logged++;
    const unlogged = this.unlogged;
    this.unlogged = 0;
    return unlogged;
  }
}

/** Lines a minute for refused publications and for refused subscriptions, each the first of its connection. */
const REFUSAL_LINES_PER_MINUTE = 60;

/** Retained messages left by clients, by topic: size and owner, to keep them within the quota. */
class RetainedLedger {
  private readonly byTopic = new Map<string, { bytes: number; owner: string }>();
  private readonly perOwner = new Map<string, number>();
  private totalBytes = 0;

  constructor(private readonly quota: { maxMessages: number; maxBytes: number; maxPerClient: number }) {}

  /** Records a retained publish; false (nothing recorded) when it would go over the quota. */
  admit(topic: string, bytes: number, owner: string): boolean {
    const previous = this.byTopic.get(topic);
    if (bytes === 0) {
      // An empty retained message clears the topic: always allowed.
      if (previous) this.remove(topic, previous);
      return true;
    }
    const count = this.byTopic.size - (previous ? 1 : 0);
    const total = this.totalBytes - (previous?.bytes ?? 0);
    const ownerCount = (this.perOwner.get(owner) ?? 0) - (previous?.owner === owner ? 1 : 0);
    if (
      count + 1 > this.quota.maxMessages ||
      total + bytes > this.quota.maxBytes ||
      ownerCount + 1 > this.quota.maxPerClient
    )
      return false;
    if (previous) this.remove(topic, previous);
    this.byTopic.set(topic, { bytes, owner });
    this.perOwner.set(owner, (this.perOwner.get(owner) ?? 0) + 1);
    this.totalBytes += bytes;
    return true;
  }

  private remove(topic: string, entry: { bytes: number; owner: string }): void {
    this.byTopic.delete(topic);
    this.totalBytes -= entry.bytes;
    const left = (this.perOwner.get(entry.owner) ?? 1) - 1;
    if (left > 0) this.perOwner.set(entry.owner, left);
    else this.perOwner.delete(entry.owner);
  }

  describe(): { messages: number; bytes: number } {
    return { messages: this.byTopic.size, bytes: this.totalBytes };
  }
}

/** aedes's authorizePublish callback: on success it writes the PUBACK and delivers the message. */
type PublishCallback = (err: Error | null) => void;

/** A publication taken by intake that one of the hub's own subscriptions also wants once it is stored. */
interface AwaitingDispatch {
  callback: PublishCallback;
  topic: string;
  payload: Buffer;
  username: string | undefined;
  clientId: string;
}

/**
 * The parts of aedes's connection (lib/client.js) that the hub's own intake of QoS 1 PUBLISHes uses (see
 * EmbeddedBroker.takePublishes): its state, its socket, its read gating (`_parsingBatch` counts the packets of the
 * socket reads being handled; `_nextBatch` is each one's end, and reads on once none is left), its keep-alive timer.
 */
interface AedesClient {
  id: string;
  connecting: boolean;
  connected: boolean;
  connackSent: boolean;
  conn: net.Socket;
  _parsingBatch: number;
  _nextBatch: (err?: Error | null) => void;
  _keepaliveInterval: number;
  _keepaliveTimer: NodeJS.Timeout | null;
  _parser: MqttParser;
}

/** mqtt-packet's parser, as far as the hub's intake uses it: the listener of its parsed packets. */
interface MqttParser {
  listeners(event: 'packet'): ((this: MqttParser, packet: PublishPacket) => void)[];
  removeListener(event: 'packet', listener: (this: MqttParser, packet: PublishPacket) => void): unknown;
  on(event: 'packet', listener: (packet: PublishPacket) => void): unknown;
}

/**
 * A QoS 1 publication the hub took in itself (see takePublishes), waiting for its events to be durable: its PUBACK,
 * its delivery and its end in aedes's read gating come after. One object of three fields, where aedes's own handling
 * kept a series' closures, a bound callback, the PUBACK's object and write closure and an Immediate per message.
 */
class DirectPublish {
  constructor(
    readonly client: AedesClient,
    readonly packet: PublishPacket,
    /** A hub subscription wants the message too (dispatched once it is stored). */
    readonly dispatch: boolean,
  ) {}
}

/**
 * A client's publication waiting for its events to be durable (or for its turn) before aedes goes on: only aedes's
 * callback, unless a hub subscription wants the message too; or one the hub took in itself. Tens of thousands wait at
 * once under ingest, and each outlives several young-generation collections: no object per message that none of them
 * needs.
 */
type AwaitingStore = PublishCallback | AwaitingDispatch | DirectPublish;

export class EmbeddedBroker implements HubBroker {
  private aedes: Aedes | undefined;
  private server: net.Server | undefined;
  private tlsServer: tls.Server | undefined;
  /** Client ids and their owners; a connected client's or an away session's claim is never pushed out by the bound. */
  private readonly clientIds: ClientIdRegistry;
  /** Where each client id is held from: a connected id is not taken over from another address (review, session 68). */
  private readonly clientIdHomes: ClientIdHomes;
  /** When each connection last sent anything (performance.now()): a holder quiet past its keep-alive is gone. */
  private readonly heardAt = new WeakMap<net.Socket, number>();
  private readonly retained: RetainedLedger;
  private readonly refused: Counter<'reason'>;
  private readonly identities = new WeakMap<Client, MqttIdentity>();
  /** The aedes client of each open socket in `sockets` (see disconnectUsers). */
  private readonly clientOfSocket = new WeakMap<net.Socket, Client>();
  /** Connections closed because a reload removed or changed their credential: nothing of theirs is published after. */
  private readonly revoked = new WeakSet<Client>();
  private readonly subscriptions: { filter: string; handler: MessageHandler }[] = [];
  /** Messages waiting for their batch's durable store (see awaitStored), by the batch's promise. */
  private readonly awaitingStore = new Map<Promise<void>, AwaitingStore[]>();
  /** Each connection's latest batch promise with messages waiting on it (MQTT 4.6: PUBACKs in the order received). */
  private readonly lastStoredOf = new WeakMap<Client, Promise<void>>();
  /** Connections whose refused publication was logged already (the rest are only counted). */
  private readonly refusalLogged = new WeakSet<Client>();
  /** Connections whose refused subscription was logged already: a client resubscribing in a loop cannot fill the disk. */
  private readonly subscribeRefusalLogged = new WeakSet<Client>();
  /** Each connection's first refusal, at most 60 lines a minute: a client reconnecting in a loop cannot fill the disk. */
  private readonly publishRefusalLines = new LogLines(REFUSAL_LINES_PER_MINUTE);
  private readonly subscribeRefusalLines = new LogLines(REFUSAL_LINES_PER_MINUTE);
  private readonly sockets = new Set<net.Socket>();
  /** Payloads of the hub's own publications while aedes delivers them (see deliverOwnAtOnce). */
  private readonly ownPayloads = new WeakSet<Buffer>();
  private readonly log: Logger;
  private listeningPort = 0;
  private tlsListeningPort = 0;
  private stalledDrops = 0;
  /** Connections not logged in yet, per remote address (hub/mqtt-pending.ts). */
  private readonly pending: PendingConnections;
  /** Connections refused, or closed to make room, for their address's connections not logged in: one line a minute. */
  private readonly pendingLines = new LogLines(1);
  /** Connections closed for a topic the protocol forbids: one line a minute. */
  private readonly badTopicLines = new LogLines(1);
  /** The filters each credential's sessions hold; programs on the Pi are not counted. */
  private readonly clientFilters: SubscriptionLedger;
  /** Subscriptions refused over the ledger's bounds: one line a minute. */
  private readonly subscriptionBoundLines = new LogLines(1);
  /** Connections logged in under each credential (username) now; programs on the Pi are not counted. */
  private readonly connectionsOf = new Map<string, number>();
  /** Connections closed past their QoS 2 window: one line a minute. */
  private readonly qos2WindowLines = new LogLines(1);
  /**
   * Logins refused (wrong or unknown credentials, rate-limited): one line a minute, the first, with the count of those
   * not logged since the last line; each is counted in telecare_mqtt_refused_total. A guessing flood (100 a second)
   * then neither floods the log nor spends a synchronous log write per attempt on the loop that carries alerts.
   */
  private readonly loginRefusalLines = new LogLines();
  /** Connections dropped for announcing an oversized packet: anyone who reaches the port, before any login. */
  private readonly oversizedLines = new LogLines();
  /** Retained messages over the quota: any credential that may publish one (a flat's bridge) can send them in a loop. */
  private readonly retainQuotaLines = new LogLines();
  /** Messages queued for persistent sessions, unacknowledged (for GET /api/health). */
  private offlineQueued: () => number = () => 0;
  /** When a full persistent session queue was last logged (one line a minute). */
  private offlineFullWarnedAt = -Infinity;
  /**
   * Persistent sessions whose client is away: since when, the owner of the client id (see expireSessions), and the
   * identity it last logged in with (what may be queued for it; none once a reload removed or changed its credential).
   */
  private readonly away = new Map<string, { since: number; owner: string; identity: MqttIdentity | undefined }>();
  /** Sessions in `away` per owner of their client id (see MAX_SESSIONS_AWAY_PER_CREDENTIAL). */
  private readonly awayPerOwner = new Map<string, number>();
  /** Persistent sessions removed because their client stayed away past the expiry (for GET /api/health). */
  private sessionsExpired = 0;
  /** Persistent sessions removed because their credential had too many away (for GET /api/health). */
  private sessionsOverBound = 0;
  /** When sessions removed over the bound were last logged (one line a minute). */
  private overBoundWarnedAt = -Infinity;
  private expirySweep: NodeJS.Timeout | undefined;

  constructor(private readonly options: EmbeddedBrokerOptions) {
    this.log = options.logger.child({ ns: 'broker' });
    this.retained = new RetainedLedger(options.retainedQuota ?? DEFAULT_RETAINED_QUOTA);
    this.clientFilters = new SubscriptionLedger(options.maxSubscriptionsPerCredential);
    this.pending = new PendingConnections(options.maxPendingPerSource, (closed) =>
      this.pendingOverCap(
        closed,
        'mqtt connection closed to make room: too many connections from this address have not logged in; the oldest that sent nothing closed (logged once a minute)',
      ),
    );
    this.clientIds = new ClientIdRegistry(
      options.clientIdBound,
      (clientId) =>
        this.away.has(clientId) ||
        (this.aedes as unknown as { clients: Record<string, unknown> } | undefined)?.clients[clientId] !== undefined,
    );
    this.clientIdHomes = new ClientIdHomes(options.clientIdHomeAfter);
    this.refused = new Counter({
      name: 'telecare_mqtt_refused_total',
      help: 'MQTT connections, publications, subscriptions and retained messages the embedded broker refused, by reason',
      labelNames: ['reason'],
      registers: options.metrics ? [options.metrics] : [],
    });
    for (const reason of MQTT_REFUSAL_REASONS) this.refused.inc({ reason }, 0);
  }

  get port(): number {
    return this.listeningPort;
  }

  /** The MQTT over TLS port (0 when TLS is off). */
  get tlsPort(): number {
    return this.tlsListeningPort;
  }

  private refuse(reason: MqttRefusal): void {
    this.refused.inc({ reason }, 1);
  }

  /** A message not queued for a persistent session whose queue is full: counted; logged once a minute. */
  private offlineQueueFull(clientId: string): void {
    this.refuse('offline-queue-full');
    const now = Date.now();
    if (now - this.offlineFullWarnedAt < 60_000 && now >= this.offlineFullWarnedAt) return;
    this.offlineFullWarnedAt = now;
    this.log.warn(
      { clientId, queued: this.options.offlineQueueMax ?? DEFAULT_OFFLINE_QUEUE_MAX },
      'mqtt persistent session queue full: new messages for it are dropped until its client comes back (logged once a minute)',
    );
  }

  /**
   * Whether a credential may log in one more connection: under its bound, or taking over its own client id (a
   * half-open old connection replaced, as MQTT says: the count does not grow for long).
   */
  private mayConnectAgain(username: string, clientId: string): boolean {
    const held = this.connectionsOf.get(username) ?? 0;
    if (held < (this.options.maxConnectionsPerCredential ?? MAX_CONNECTIONS_PER_CREDENTIAL)) return true;
    const clients = (this.aedes as unknown as { clients: Record<string, unknown> } | undefined)?.clients;
    return clients?.[clientId] !== undefined;
  }

  /**
   * Whether `client` (logging in from `remote`) may take over its client id from the connection holding it now, if
   * any: always from the holder's own address (a device reconnecting, its old socket half-open), else only when the
   * holder has gone quiet past its keep-alive or the id's home is at `remote` (hub/client-id-homes.ts).
   */
  private mayTakeOver(client: Client, remote: string | undefined): boolean {
    const clients = (this.aedes as unknown as { clients: Record<string, Client> } | undefined)?.clients;
    const holder = clients?.[client.id] as unknown as AedesClient | undefined;
    if (holder === undefined || holder === (client as unknown as AedesClient)) return true;
    const socket = holder.conn;
    // Closing already: nothing to take over.
    if (socket.destroyed) return true;
    const now = performance.now();
    const keepaliveMs = holder._keepaliveInterval > 0 ? Math.floor((holder._keepaliveInterval - 1) / 1.5) : 0;
    return this.clientIdHomes.mayTakeOver(
      client.id,
      remote,
      { remoteAddress: socket.remoteAddress, quietMs: now - (this.heardAt.get(socket) ?? now), keepaliveMs },
      now,
    );
  }

  /** A credential's connection counted until its socket closes. */
  private countConnection(username: string, socket: net.Socket): void {
    if (socket.destroyed) return;
    this.connectionsOf.set(username, (this.connectionsOf.get(username) ?? 0) + 1);
    socket.once('close', () => {
      const held = (this.connectionsOf.get(username) ?? 1) - 1;
      if (held > 0) this.connectionsOf.set(username, held);
      else this.connectionsOf.delete(username);
    });
  }

  /** A connection refused, or closed to make room, for its address's connections not logged in: counted; logged once a minute. */
  private pendingOverCap(socket: net.Socket, message: string): void {
    this.refuse('too-many-unauthenticated');
    if (this.pendingLines.take(Date.now()) !== undefined) this.log.warn({ remote: socket.remoteAddress }, message);
  }

  /** The first refused login of each minute is logged, with how many were refused unlogged before it. */
  private logLoginRefusal(
    remote: string | undefined,
    returnCode: number,
    reason: string,
    extra: { clientId?: string; username?: string } = {},
  ): void {
    const unlogged = this.loginRefusalLines.take(Date.now());
    if (unlogged === undefined) return;
    this.log.warn(
      { remote, returnCode, reason, ...extra, ...(unlogged > 0 ? { refusedUnloggedSinceLastLine: unlogged } : {}) },
      'mqtt connection refused (one line a minute; telecare_mqtt_refused_total counts each)',
    );
  }

  async start(): Promise<void> {
    const aedes = await Aedes.createBroker({
      drainTimeout: this.options.drainTimeoutMs ?? 5_000,
      // A whole CONNECT came: the connection is no longer one that may be closed to make room (mqtt-pending.ts).
      preConnect: (client, _packet, callback) => {
        this.pending.spoke(client.conn as net.Socket);
        callback(null, true);
      },
      authenticate: (client, username, password, done) => {
        const remote = (client.conn as net.Socket).remoteAddress;
        const clearTextRefused = this.options.tls !== undefined && !(client.conn instanceof tls.TLSSocket);
        this.options.credentials.authenticate(remote, username, password, { clearTextRefused }).then(
          (result) => {
            if (!result.ok) {
              this.refuse(`auth-${result.reason}`);
              this.logLoginRefusal(remote, result.returnCode, result.reason);
              done(authError(result.returnCode), false);
              return;
            }
            const username = result.identity.username;
            if (username !== undefined && !this.mayConnectAgain(username, client.id)) {
              this.refuse('too-many-connections');
              this.logLoginRefusal(remote, SERVER_UNAVAILABLE, 'too-many-connections', { username });
              done(authError(SERVER_UNAVAILABLE), false);
              return;
            }
            // A client id belongs to the identity that first used it: no one else can disconnect it or take its session.
            if (!this.clientIds.claim(client.id, clientIdOwner(result.identity))) {
              // In the refusals' one line a minute: a credential retrying a taken id every second (or on purpose,
              // many connections at once) cannot flood the log (review, session 59).
              this.refuse('client-id-taken');
              this.logLoginRefusal(remote, IDENTIFIER_REJECTED, 'client-id-taken', { clientId: client.id });
              done(authError(IDENTIFIER_REJECTED), false);
              return;
            }
            // The same credential, another device: a connected id is not taken from its address while it is alive.
            if (!this.mayTakeOver(client, remote)) {
              this.refuse('client-id-in-use');
              this.logLoginRefusal(remote, IDENTIFIER_REJECTED, 'client-id-in-use', { clientId: client.id, username });
              done(authError(IDENTIFIER_REJECTED), false);
              return;
            }
            this.identities.set(client, result.identity);
            this.pending.loggedIn(client.conn as net.Socket);
            // A clean session starts with no subscriptions: aedes removes the session's before its CONNACK, after which
            // the client may subscribe before aedes says it is ready.
            if (client.clean) this.clientFilters.forget(client.id);
            if (username !== undefined) this.countConnection(username, client.conn as net.Socket);
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
        if (client === null) {
          callback(null);
          return;
        }
        // Its last will (aedes publishes it as the closed connection ends): the credential it logged in with no longer
        // stands, so neither do its rights. Refused with an error: aedes then drops the will, published nowhere.
        if (this.revoked.has(client)) {
          this.refuse('will-revoked');
          callback(new Error('credential removed or changed by a reload'));
          return;
        }
        const identity = this.identities.get(client);
        if (!identity || !this.options.access.canPublish(identity, packet.topic)) {
          this.discardRefused(client, packet, identity);
          // Acknowledged, never delivered nor taken in; its PUBACK keeps its turn like any other.
          this.ackInTurn(client, callback);
          return;
        }
        const payload = payloadOf(packet);
        if (packet.retain) this.checkRetain(packet, payload.length, identity);
        const stored = this.options.intake(packet.topic, payload, packet.dup);
        if (stored) {
          this.lastStoredOf.set(client, stored);
          // The PUBACK goes out only once the events are durable; a storage failure drops the connection
          // without PUBACK, so the sender will send again.
          this.awaitStored(
            stored,
            this.subscribed(packet.topic)
              ? { callback, topic: packet.topic, payload, username: identity.username, clientId: client.id }
              : callback,
          );
          return;
        }
        // Nothing to store: the hub acts on it now.
        this.ackInTurn(client, callback);
        this.dispatch(packet.topic, payload, identity.username, client.id);
      },
      authorizeSubscribe: (client, subscription, callback) => {
        const identity = this.identities.get(client);
        if (!identity || !this.options.access.canSubscribe(identity, subscription.topic)) {
          this.refuse('subscribe-denied');
          if (!this.subscribeRefusalLogged.has(client)) {
            this.subscribeRefusalLogged.add(client);
            const unlogged = this.subscribeRefusalLines.take(Date.now());
            if (unlogged !== undefined) {
              const advice = subscribeRefusalAdvice(identity?.role, subscription.topic);
              this.log.warn(
                {
                  clientId: client.id,
                  role: identity?.role,
                  filter: subscription.topic,
                  ...(unlogged > 0 ? { connectionsUnloggedSinceLastLine: unlogged } : {}),
                },
                'mqtt subscribe refused (further refusals on this connection are only counted; 60 connections a minute logged)' +
                  (advice === undefined ? '' : `: ${advice}`),
              );
            }
          }
          callback(null, null);
          return;
        }
        if (identity.username !== undefined) {
          const refusal = this.clientFilters.admit(client.id, clientIdOwner(identity), subscription.topic);
          if (refusal !== undefined) {
            this.refuse(refusal);
            const unlogged = this.subscriptionBoundLines.take(Date.now());
            if (unlogged !== undefined)
              this.log.warn(
                {
                  clientId: client.id,
                  username: identity.username,
                  reason: refusal,
                  bound: refusal === 'filter-too-long' ? MAX_FILTER_CHARS : MAX_SUBSCRIPTIONS_PER_CREDENTIAL,
                  ...(unlogged > 0 ? { refusedUnloggedSinceLastLine: unlogged } : {}),
                },
                'mqtt subscribe refused: over the bound of one credential (one line a minute; telecare_mqtt_refused_total counts each)',
              );
            callback(null, null);
            return;
          }
        }
        callback(null, subscription);
      },
      // Every delivery, retained ones included: a wildcard subscription sees only what the client may read.
      authorizeForward: (client, packet) => {
        const identity = this.identities.get(client);
        return identity && this.options.access.canRead(identity, packet.topic) ? packet : null;
      },
    });
    const offline = skipOfflineQueueWithoutPersistentSubscriptions(aedes, {
      max: this.options.offlineQueueMax ?? DEFAULT_OFFLINE_QUEUE_MAX,
      totalMax: this.options.offlineQueueTotalMax ?? DEFAULT_OFFLINE_QUEUE_TOTAL_MAX,
      onFull: (clientId) => this.offlineQueueFull(clientId),
      mayQueue: (clientId, topic) => {
        // What the away client may not read is never delivered to it (authorizeForward): queued, it took the room of
        // what it may read, and a responder's `telecare/#` filled its bound with sensor events, then lost the next alert.
        const identity = this.away.get(clientId)?.identity;
        return identity === undefined || this.options.access.canRead(identity, topic);
      },
    });
    const persistentSubscriptions = offline.persistent;
    this.offlineQueued = offline.queued;
    keepQos2ReceiptsOnly(aedes, QOS2_RECEIPTS_PER_SESSION);
    publishLiveOnly(aedes, persistentSubscriptions);
    rememberRoutes(aedes);
    // A burst of thousands of messages queued in its router is drained in turns of the loop (hub/mq-drain.ts).
    drainInTurns((aedes as unknown as { mq: MessageRouter }).mq);
    aedes.on('clientError', (client, err) => {
      // A session past its QoS 2 window (keepQos2ReceiptsOnly): closed, counted and said once a minute, so that an
      // installer can tell why a device that pipelines QoS 2 keeps being disconnected.
      if (QOS2_WINDOW_ERROR.test(err.message)) {
        this.refuse('qos2-window-full');
        if (this.qos2WindowLines.take(Date.now()) !== undefined)
          this.log.warn(
            { clientId: client.id, window: QOS2_RECEIPTS_PER_SESSION },
            'mqtt connection closed: too many QoS 2 messages awaiting PUBREL (one line a minute; telecare_mqtt_refused_total{reason="qos2-window-full"} counts each)',
          );
        return;
      }
      // A device that publishes to `.../+/events` is closed at each try: counted and said (once a minute), not only
      // at debug level, where a network error's close also goes.
      if (BAD_TOPIC_ERROR.test(err.message)) {
        this.refuse('bad-topic');
        if (this.badTopicLines.take(Date.now()) !== undefined) {
          this.log.warn(
            { clientId: client.id, err: err.message },
            'mqtt connection closed: a topic the protocol forbids (one line a minute; telecare_mqtt_refused_total{reason="bad-topic"} counts each)',
          );
          return;
        }
      }
      this.log.debug({ clientId: client.id, err: err.message }, 'mqtt client error');
    });
    // The connection that holds each client id now: when the owner reconnects, the old connection's disconnect
    // (which may come before or after the new one is ready) must not free the id of the new one.
    const live = new Map<string, Client>();
    aedes.on('clientReady', (client) => {
      const identity = this.identities.get(client);
      if (!identity) return;
      live.set(client.id, client);
      this.clientIdHomes.held(client.id, (client.conn as net.Socket).remoteAddress, performance.now());
      this.deleteAway(client.id);
      this.clientIds.claim(client.id, clientIdOwner(identity));
    });
    aedes.on('clientDisconnect', (client) => {
      const identity = this.identities.get(client);
      if (!identity || live.get(client.id) !== client) return;
      live.delete(client.id);
      this.clientIdHomes.left(client.id, performance.now());
      if (client.clean) {
        this.clientIds.release(client.id, clientIdOwner(identity));
        this.clientFilters.forget(client.id);
      } else
        this.setAway(client.id, {
          since: this.now(),
          owner: clientIdOwner(identity),
          identity: this.revoked.has(client) ? undefined : identity,
        });
    });
    aedes.on('unsubscribe', (filters, client) => this.clientFilters.unsubscribe(client.id, filters));
    this.expirySweep = setInterval(() => void this.expireSessions(), SESSION_EXPIRY_SWEEP_MS);
    this.expirySweep.unref();
    this.aedes = aedes;
    const queueBytes = this.options.clientQueueBytes ?? DEFAULT_CLIENT_QUEUE_BYTES;
    // A TCP connection (for TLS, before its handshake): refused when its address already has too many connections
    // that have not logged in, so that idle connections from one machine cannot exhaust memory or descriptors.
    const admit = (socket: net.Socket): boolean => {
      if (this.pending.admit(socket)) return true;
      this.pendingOverCap(
        socket,
        'mqtt connection refused: too many connections from this address have not logged in (logged once a minute)',
      );
      socket.destroy();
      return false;
    };
    const onConnection = (socket: net.Socket): void => {
      // Without this, Nagle's algorithm holds small QoS 1 packets for 20-40 ms.
      socket.setNoDelay(true);
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      const client = aedes.handle(socket);
      this.clientOfSocket.set(socket, client);
      this.takePublishes(client);
      deliverOwnAtOnce(client, this.ownPayloads);
      // After handle(), as guardPacketSize's: observes what aedes reads.
      socket.on('data', () => this.heardAt.set(socket, performance.now()));
      this.dropWhenStalled(socket, () => client.id);
      // After handle(): aedes reads with 'readable', so this 'data' listener only observes what aedes reads.
      guardPacketSize(socket, MAX_MQTT_PACKET_BYTES, (bytes) => {
        this.options.onOversizedPacket?.();
        const unlogged = this.oversizedLines.take(Date.now());
        if (unlogged === undefined) return;
        this.log.warn(
          { remote: socket.remoteAddress, bytes, ...(unlogged > 0 ? { droppedUnloggedSinceLastLine: unlogged } : {}) },
          'mqtt packet over the size limit: connection dropped (one line a minute; telecare_ingest_rejected_total{reason="too-large"} counts each)',
        );
      });
    };
    // The high-water mark is each client's queue bound: a write past it means the client stopped reading.
    const server = net.createServer({ highWaterMark: queueBytes }, (socket) => {
      if (admit(socket)) onConnection(socket);
    });
    this.server = server;
    this.listeningPort = await listen(server, this.options.port, this.options.host);
    if (this.options.tls) {
      const tlsServer = tls.createServer(
        { cert: this.options.tls.cert, key: this.options.tls.key, minVersion: 'TLSv1.2', highWaterMark: queueBytes },
        onConnection,
      );
      // Counted from the TCP connection: a handshake never finished holds a connection too.
      tlsServer.on('connection', (socket: net.Socket) => void admit(socket));
      // A failed handshake (a scanner, a wrong certificate) is that client's problem, not the hub's.
      tlsServer.on('tlsClientError', (err) => this.log.debug({ err: err.message }, 'mqtt tls handshake failed'));
      this.tlsServer = tlsServer;
      this.tlsListeningPort = await listen(tlsServer, this.options.tls.port, this.options.host);
    }
    await this.publish(HUB_STATUS_TOPIC, 'online', { qos: 1, retain: true });
    this.log.info({ port: this.listeningPort, tlsPort: this.tlsListeningPort || undefined }, 'mqtt broker listening');
  }

  /**
   * A publication the credential may not make is acknowledged and discarded, not answered by closing the connection:
   * a client resends unacknowledged messages first after a reconnect, so a refusal that closes would hold back
   * everything queued behind it for ever (MQTT-3.3.5-2 allows either; Mosquitto does this). The packet aedes goes on
   * to publish is rewritten so that nobody receives it: a `$` topic, which no wildcard matches, no client may
   * subscribe to (canSubscribe) and no delivery passes (canRead); empty; never retained. Counted every time, logged
   * once per connection (at most 60 connections a minute) so that a client that keeps trying cannot flood the log.
   */
  private discardRefused(
    client: Client,
    packet: { topic: string; payload: Buffer | string; retain: boolean },
    identity: MqttIdentity | undefined,
  ): void {
    this.refuse('publish-denied');
    if (!this.refusalLogged.has(client)) {
      this.refusalLogged.add(client);
      const unlogged = this.publishRefusalLines.take(Date.now());
      if (unlogged !== undefined) {
        this.log.warn(
          {
            clientId: client.id,
            role: identity?.role,
            topic: packet.topic,
            reason: this.options.access.refusalReason(identity, packet.topic),
            ...(unlogged > 0 ? { connectionsUnloggedSinceLastLine: unlogged } : {}),
          },
          'mqtt publish refused: acknowledged and discarded (further refusals on this connection are only counted; 60 connections a minute logged)',
        );
      }
    }
    packet.topic = REFUSED_TOPIC;
    packet.payload = EMPTY;
    packet.retain = false;
  }

  /**
   * The hub takes in a connection's QoS 1 PUBLISHes itself, in place of aedes's PUBLISH handler: the bulk of sensor
   * input, tens of thousands a second. For each, aedes ran a series of callbacks (its checks, the hub's
   * authorizePublish, the PUBACK) whose closures waited, with the message, for the group commit's fsync, then made a
   * PUBACK object, wrote it and went on to the delivery one `setImmediate` later. Here a packet parsed from the
   * connection goes, when it is a QoS 1 PUBLISH, not retained, from a connection whose CONNACK is sent, on a topic
   * aedes accepts, that the credential may publish on (see publishDirect), to intake with one small object waiting for
   * the fsync; then, in the order received (MQTT 4.6), its PUBACK (`writePuback`, the same 4 bytes), its delivery by
   * aedes's own `publish` (live and offline subscribers, the `publish` event, as aedes's handler does after the PUBACK)
   * and its end in aedes's read gating (`_nextBatch`: the next socket read waits until every packet of the last one is
   * through, as before). Everything else (CONNECT, SUBSCRIBE, QoS 0 and 2, retained messages, refused publications,
   * bad topics, packets before the CONNACK) goes to aedes's own handling unchanged; the listener is replaced only if
   * aedes's is the parser's one listener (else nothing changes).
   */
  private takePublishes(client: Client): void {
    const aedesClient = client as unknown as AedesClient;
    const parser = aedesClient._parser as MqttParser | undefined;
    if (typeof parser?.listeners !== 'function') return;
    const listeners = parser.listeners('packet');
    const enqueue = listeners[0];
    if (listeners.length !== 1 || enqueue === undefined || typeof aedesClient._nextBatch !== 'function') return;
    parser.removeListener('packet', enqueue);
    // Opt-in stage marks (hub/press-stages.ts): when the socket's chunk was read, before aedes's own reader.
    if (pressStages)
      (aedesClient as unknown as { conn: net.Socket }).conn.prependListener('readable', pressStages.read);
    parser.on('packet', (packet) => {
      if (!this.publishDirect(aedesClient, packet)) enqueue.call(parser, packet);
    });
  }

  /** Takes one parsed packet in if it is a QoS 1 publication the hub handles itself (see takePublishes); else false. */
  private publishDirect(client: AedesClient, packet: PublishPacket): boolean {
    if (packet.cmd !== 'publish' || packet.qos !== 1 || packet.retain || !client.connackSent || !client.connected)
      return false;
    const aedes = this.aedes as unknown as AedesPublishInternals | undefined;
    const topic = packet.topic;
    // aedes's handlePublish refuses these with an error that closes the connection: left to it.
    if (
      aedes === undefined ||
      typeof topic !== 'string' ||
      topic.length === 0 ||
      topic.includes('#') ||
      topic.includes('+') ||
      topicLevels(topic) > aedes.maxTopicLevels
    )
      return false;
    const identity = this.identities.get(client as unknown as Client);
    // A refused publication is acknowledged and discarded by authorizePublish, through aedes.
    if (!identity || !this.options.access.canPublish(identity, topic)) return false;
    // As aedes's `enqueue` and `handle`: one more packet of this read in hand; the keep-alive starts again.
    client._parsingBatch++;
    if (client._keepaliveInterval > 0) client._keepaliveTimer?.refresh();
    const payload = payloadOf(packet);
    pressStages?.parsed(topic);
    const stored = this.options.intake(topic, payload, packet.dup);
    if (stored) {
      this.lastStoredOf.set(client as unknown as Client, stored);
      this.awaitStored(stored, new DirectPublish(client, packet, this.subscribed(topic)));
      pressStages?.end();
      return true;
    }
    // Nothing to store: acknowledged in turn; the hub's subscriptions act on it now.
    const earlier = this.lastStoredOf.get(client as unknown as Client);
    const direct = new DirectPublish(client, packet, false);
    if (earlier && this.awaitingStore.has(earlier)) this.awaitStored(earlier, direct);
    else if (this.acknowledge(direct)) setImmediate(this.deliver, [direct]);
    this.dispatch(topic, payload, identity.username, client.id);
    pressStages?.end();
    return true;
  }

  /**
   * A publication the hub took in is through (stored, or nothing to store): its PUBACK, written now; false when there
   * is nothing more to do for it. As aedes's write: a connection that closed meanwhile gets no PUBACK, and its message
   * no delivery (its read gating ends with the error, a turn later).
   */
  private acknowledge(message: DirectPublish): boolean {
    const { client, packet } = message;
    if (!client.connecting && !client.connected) {
      setImmediate(client._nextBatch, new Error('connection closed'));
      return false;
    }
    if (!writePuback(client.conn, packet.messageId)) {
      // Not a valid packet id (mqtt-packet's parser makes none such): as aedes's write, an error for the connection.
      client._nextBatch(new Error('packet received not valid'));
      return false;
    }
    return true;
  }

  /**
   * Acknowledged publications the hub took in, handed to aedes's `publish` (its delivery to subscribers, its
   * `publish` event) in the order acknowledged, each ending with aedes's `_nextBatch`. A turn after their PUBACKs, as
   * aedes's own handler does (its write calls back in a `setImmediate`): one for a run of them, not one each, and
   * queued in turn with aedes's own for the messages it acknowledged between them, so deliveries keep the order.
   */
  private readonly deliver = (run: readonly DirectPublish[]): void => {
    const aedes = this.aedes as unknown as AedesPublishInternals | undefined;
    for (const { client, packet } of run) {
      try {
        if (aedes === undefined) client._nextBatch(new Error('mqtt broker is stopped'));
        else aedes.publish(packet, client as unknown as Client, client._nextBatch);
      } catch (err) {
        this.log.error({ err }, 'delivering a stored message failed');
      }
    }
  };

  /**
   * Lets aedes acknowledge a message with nothing to store. Its PUBACK waits for this connection's earlier messages
   * still waiting for the disk, if any (MQTT 4.6: PUBACKs in the order the PUBLISHes came).
   */
  private ackInTurn(client: Client, callback: PublishCallback): void {
    const earlier = this.lastStoredOf.get(client);
    // Only the callback waits: the hub's own subscriptions have the message already (or never get it).
    if (earlier && this.awaitingStore.has(earlier)) this.awaitStored(earlier, callback);
    else callback(null);
  }

  /** Whether one of the hub's own subscriptions wants messages on `topic`. */
  private subscribed(topic: string): boolean {
    for (const { filter } of this.subscriptions) if (topicMatches(filter, topic)) return true;
    return false;
  }

  /**
   * Retained messages: never on sensor topics (a retained pendant press would be delivered again to every new
   * subscriber), and within the quota elsewhere. Over either, the message still goes out live, just not retained.
   */
  private checkRetain(packet: { topic: string; retain: boolean }, bytes: number, identity: MqttIdentity): void {
    const topicClass = this.options.access.classify(packet.topic).class;
    if (topicClass === 'sensor' || topicClass === 'zigbee-sensor') {
      packet.retain = false;
      this.refuse('retain-sensor-topic');
      return;
    }
    if (!this.retained.admit(packet.topic, bytes, clientIdOwner(identity))) {
      packet.retain = false;
      this.refuse('retain-quota');
      const unlogged = this.retainQuotaLines.take(Date.now());
      if (unlogged === undefined) return;
      this.log.warn(
        { role: identity.role, bytes, ...(unlogged > 0 ? { overQuotaUnloggedSinceLastLine: unlogged } : {}) },
        'retained message over the quota: delivered but not retained (one line a minute; telecare_mqtt_refused_total{reason="retain-quota"} counts each)',
      );
    }
  }

  publish(topic: string, payload: string | Buffer, options: PublishOptions): Promise<void> {
    const aedes = this.aedes;
    if (!aedes || aedes.closed) return Promise.reject(new Error('mqtt broker is stopped'));
    const bytes = typeof payload === 'string' ? Buffer.from(payload) : payload;
    // Known as the hub's own until aedes has delivered it: each live subscriber gets it at once (deliverOwnAtOnce).
    this.ownPayloads.add(bytes);
    return new Promise((resolve, reject) => {
      aedes.publish(
        { cmd: 'publish', topic, payload: bytes, qos: options.qos, retain: options.retain, dup: false },
        (err) => {
          this.ownPayloads.delete(bytes);
          if (err) reject(err);
          else resolve();
        },
      );
    });
  }

  subscribe(filter: string, handler: MessageHandler): void {
    this.subscriptions.push({ filter, handler });
  }

  /**
   * Holds a message until the batch its events went into is durable. Every message of a batch gets the same promise
   * from intake, so the batch gets one reaction and one array instead of a closure and a reaction per message (tens
   * of thousands a second); the messages are released in the order they came, their PUBACKs written together.
   */
  private awaitStored(stored: Promise<void>, message: AwaitingStore): void {
    const waiting = this.awaitingStore.get(stored);
    if (waiting) {
      waiting.push(message);
      return;
    }
    this.awaitingStore.set(stored, [message]);
    stored.then(
      () => this.releaseStored(stored, undefined),
      (err: unknown) => this.releaseStored(stored, err),
    );
  }

  private releaseStored(stored: Promise<void>, err: unknown): void {
    const messages = this.awaitingStore.get(stored) ?? [];
    this.awaitingStore.delete(stored);
    // At debug: the storage health logs each episode once (an error per batch flooded the log while a disk was full).
    if (err !== undefined) this.log.debug({ err, messages: messages.length }, 'storing sensor events failed');
    // Publications the hub took in itself, acknowledged here, whose delivery is not queued yet.
    let run: DirectPublish[] | undefined;
    for (const message of messages) {
      try {
        if (message instanceof DirectPublish) {
          if (err !== undefined) {
            // As aedes's series given the error: the connection closes, the sender will send again.
            message.client._nextBatch(new Error('storage failed'));
            continue;
          }
          if (this.acknowledge(message)) (run ??= []).push(message);
          if (message.dispatch) {
            const { client, packet } = message;
            const username = this.identities.get(client as unknown as Client)?.username;
            const payload = payloadOf(packet);
            this.dispatch(packet.topic, payload, username, client.id);
          }
          continue;
        }
        // aedes queues its delivery of this one in its PUBACK's write: the run before it goes first.
        if (run !== undefined) {
          setImmediate(this.deliver, run);
          run = undefined;
        }
        const callback = typeof message === 'function' ? message : message.callback;
        if (err !== undefined) {
          callback(new Error('storage failed'));
          continue;
        }
        callback(null);
        if (typeof message !== 'function')
          this.dispatch(message.topic, message.payload, message.username, message.clientId);
      } catch (e) {
        // One message's fault must not hold back the acknowledgements of the others in its batch.
        this.log.error({ err: e }, 'releasing a stored message failed');
      }
    }
    if (run !== undefined) setImmediate(this.deliver, run);
  }

  private dispatch(topic: string, payload: Buffer, username: string | undefined, clientId: string | undefined): void {
    let context: MessageContext | undefined;
    for (const { filter, handler } of this.subscriptions) {
      if (!topicMatches(filter, topic)) continue;
      context ??= { username, clientId };
      try {
        handler(topic, payload, context);
      } catch (err) {
        this.log.error({ err, filter }, 'hub subscription handler failed');
      }
    }
  }

  /**
   * Closes every connection logged in as one of `usernames` (a reload removed or changed their credential: the
   * connection's rights were those of the old one). Their clients reconnect and log in again, or are refused.
   * Returns how many were closed.
   */
  disconnectUsers(usernames: ReadonlySet<string>): number {
    if (usernames.size === 0) return 0;
    // Their sessions away keep everything queued until they log in again: the rights they had no longer stand.
    for (const away of this.away.values()) {
      const username = away.identity?.username;
      if (username !== undefined && usernames.has(username)) away.identity = undefined;
    }
    let closed = 0;
    for (const socket of this.sockets) {
      const client = this.clientOfSocket.get(socket);
      const username = client && this.identities.get(client)?.username;
      if (!client || username === undefined || !usernames.has(username) || socket.destroyed) continue;
      this.revoked.add(client);
      socket.destroy();
      closed += 1;
    }
    if (closed > 0) {
      this.log.warn({ connections: closed }, 'mqtt connections closed: their credential was removed or changed');
    }
    return closed;
  }

  async stop(): Promise<void> {
    const aedes = this.aedes;
    if (!aedes) return;
    clearInterval(this.expirySweep);
    try {
      await this.publish(HUB_STATUS_TOPIC, 'offline', { qos: 1, retain: true });
      // aedes delivers asynchronously and destroys every connection on close, dropping unsent bytes:
      // let the offline status reach the subscribers first.
      await this.flushClients(1_000);
    } catch (err) {
      this.log.warn({ err }, 'could not publish offline status');
    }
    this.server?.close();
    this.tlsServer?.close();
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    this.aedes = undefined;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  /**
   * Remove the persistent sessions whose client has been away longer than the expiry (DEFAULT_SESSION_EXPIRY_MS): their
   * subscriptions, queued messages (counted off the bounds above) and the client id's owner, as a clean reconnection
   * would. Run every minute; resolves with how many were removed. A session whose client is connected again is left.
   * A clock stepped back restarts the wait of those that seemed away in the future.
   */
  async expireSessions(): Promise<number> {
    const aedes = this.aedes;
    if (!aedes || this.away.size === 0) return 0;
    const expiryMs = this.options.sessionExpiryMs ?? DEFAULT_SESSION_EXPIRY_MS;
    const now = this.now();
    let expired = 0;
    for (const [clientId, away] of [...this.away]) {
      if (away.since > now) away.since = now;
      if (now - away.since < expiryMs || this.away.get(clientId) !== away) continue;
      if (await this.removeAwaySession(aedes, clientId, away)) expired += 1;
    }
    if (expired > 0) {
      this.sessionsExpired += expired;
      this.log.info(
        { expired, awayHours: Math.round(expiryMs / 3_600_000) },
        'mqtt persistent sessions removed: their clients stayed away past the expiry',
      );
    }
    return expired;
  }

  /**
   * Removes one session away (taken out of `away` first): its subscriptions, queued messages and the client id's
   * owner, as a clean reconnection would. False when the store could not (logged).
   */
  private async removeAwaySession(aedes: Aedes, clientId: string, away: { owner: string }): Promise<boolean> {
    const persistence = (aedes as unknown as { persistence: SessionStore }).persistence;
    const clients = (aedes as unknown as { clients: Record<string, unknown> }).clients;
    this.deleteAway(clientId);
    const session = { id: clientId };
    this.clientFilters.forget(clientId);
    try {
      await persistence.cleanSubscriptions(session);
      for await (const packet of persistence.outgoingStream(session)) {
        // A client back meanwhile is being sent its queue: what is left is its own.
        if (clients[clientId] !== undefined) break;
        await persistence.outgoingClearMessageId(session, packet);
      }
      if (typeof persistence.cleanIncoming === 'function') await persistence.cleanIncoming(session);
    } catch (err) {
      this.log.warn({ err }, 'could not remove an mqtt persistent session');
      return false;
    }
    if (clients[clientId] === undefined) this.clientIds.release(clientId, away.owner);
    return true;
  }

  /** A session goes away; past its credential's bound, that credential's session away longest is removed. */
  private setAway(clientId: string, away: { since: number; owner: string; identity: MqttIdentity | undefined }): void {
    this.deleteAway(clientId);
    this.away.set(clientId, away);
    const held = (this.awayPerOwner.get(away.owner) ?? 0) + 1;
    this.awayPerOwner.set(away.owner, held);
    if (held <= MAX_SESSIONS_AWAY_PER_CREDENTIAL) return;
    const aedes = this.aedes;
    if (!aedes) return;
    // `away` is in the order the clients left: the first of this owner's is the one away longest.
    for (const [oldestId, oldest] of this.away) {
      if (oldest.owner !== away.owner) continue;
      this.sessionsOverBound += 1;
      void this.removeAwaySession(aedes, oldestId, oldest);
      break;
    }
    const now = Date.now();
    if (now - this.overBoundWarnedAt >= 60_000 || now < this.overBoundWarnedAt) {
      this.overBoundWarnedAt = now;
      this.log.warn(
        { owner: away.owner, bound: MAX_SESSIONS_AWAY_PER_CREDENTIAL },
        'mqtt persistent sessions of one credential over the bound: the one away longest removed (one line a minute)',
      );
    }
  }

  private deleteAway(clientId: string): void {
    const away = this.away.get(clientId);
    if (away === undefined) return;
    this.away.delete(clientId);
    const held = (this.awayPerOwner.get(away.owner) ?? 1) - 1;
    if (held > 0) this.awayPerOwner.set(away.owner, held);
    else this.awayPerOwner.delete(away.owner);
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
    type Write = (chunk: unknown, encoding?: unknown, callback?: unknown) => boolean;
    const write = socket.write.bind(socket) as Write;
    // Patched on this socket only: net.Socket offers no hook between aedes's write and its wait for 'drain'. Fixed
    // parameters, not rest ones (Writable.write takes at most three; an absent one is undefined either way): aedes
    // writes each PUBACK in three pieces, and a rest array and a spread per piece were garbage at every event.
    (socket as unknown as { write: Write }).write = (chunk, encoding, callback): boolean => {
      if (write(chunk, encoding, callback) || socket.destroyed) return true;
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
    return {
      mode: 'embedded',
      port: this.listeningPort,
      ...(this.tlsListeningPort ? { tlsPort: this.tlsListeningPort } : {}),
      clients: this.aedes?.connectedClients ?? 0,
      stalledClientsDropped: this.stalledDrops,
      persistentSessionQueued: this.offlineQueued(),
      persistentSessionsAway: this.away.size,
      persistentSessionsExpired: this.sessionsExpired,
      persistentSessionsOverBound: this.sessionsOverBound,
      retained: this.retained.describe(),
    };
  }
}

/** The part of aedes's persistence (aedes-persistence, in memory) that queues QoS 1 messages for offline sessions. */
interface OfflineQueue {
  addSubscriptions(client: Client, subs: readonly { qos: number }[], callback?: unknown): Promise<void>;
  subscriptionsByTopic(topic: string, callback?: unknown): Promise<unknown[]>;
  outgoingEnqueueCombi(
    subs: readonly { clientId: string }[],
    packet: { topic: string },
    callback?: unknown,
  ): Promise<void>;
  outgoingEnqueue(sub: { clientId: string }, packet: { topic: string }, callback?: unknown): Promise<void>;
  /** Removes the session's queued message with the packet's id; resolves with it, or undefined when none. */
  outgoingClearMessageId(client: { id: string }, packet: unknown, callback?: unknown): Promise<unknown>;
}

/** What expireSessions asks of aedes's persistence: a clean reconnection's removal of a session. */
interface SessionStore {
  cleanSubscriptions(client: { id: string }): Promise<void>;
  outgoingStream(client: { id: string }): AsyncIterable<unknown>;
  outgoingClearMessageId(client: { id: string }, packet: unknown): Promise<unknown>;
  cleanIncoming?(client: { id: string }): Promise<void>;
}

/** The part of aedes's persistence that keeps a session's QoS 2 publications until their PUBREL (MQTT 4.3.3). */
interface Qos2Store {
  incomingStorePacket(client: { id: string }, packet: { messageId?: number }): Promise<void>;
  incomingGetPacket(client: { id: string }, packet: { messageId?: number }): Promise<unknown>;
  incomingDelPacket(client: { id: string }, packet: { messageId?: number }): Promise<void>;
  cleanIncoming(client: { id: string }): Promise<void>;
}

/**
 * aedes 1.x delivers a QoS 2 publication when it arrives; until its PUBREL it keeps it only to know a resend of the
 * same message id (MQTT-4.3.3-2) and never reads it again. Its in-memory persistence kept the whole packet, payload
 * included, and nothing bounded a session across reconnections: one device credential leaving 1,000 such messages of
 * 60 KiB in each of its persistent sessions grew the hub by 64 MB a session (review, session 67). Kept here is the
 * message id alone, at most `maxPerSession` per session (client id) whatever its reconnections; one more is refused
 * (aedes closes the connection, as at its own per-connection window).
 */
function keepQos2ReceiptsOnly(aedes: Aedes, maxPerSession: number): void {
  const persistence = (aedes as unknown as { persistence: Qos2Store }).persistence;
  const receipts = new Map<string, Set<number>>();
  const NO_RECEIPT = 'no such packet';
  persistence.incomingStorePacket = (client, packet) => {
    const id = packet.messageId ?? 0;
    let held = receipts.get(client.id);
    if (held === undefined) receipts.set(client.id, (held = new Set()));
    if (!held.has(id) && held.size >= maxPerSession)
      return Promise.reject(new Error(`qos 2 window full: ${maxPerSession} messages of this session await PUBREL`));
    held.add(id);
    return NOTHING_QUEUED;
  };
  persistence.incomingGetPacket = (client, packet) =>
    receipts.get(client.id)?.has(packet.messageId ?? 0) === true
      ? Promise.resolve({ messageId: packet.messageId })
      : Promise.reject(new Error(NO_RECEIPT));
  persistence.incomingDelPacket = (client, packet) => {
    const held = receipts.get(client.id);
    if (held?.delete(packet.messageId ?? 0) !== true) return Promise.reject(new Error(NO_RECEIPT));
    if (held.size === 0) receipts.delete(client.id);
    return NOTHING_QUEUED;
  };
  persistence.cleanIncoming = (client) => {
    receipts.delete(client.id);
    return NOTHING_QUEUED;
  };
}

const NO_SUBSCRIPTIONS: Promise<unknown[]> = Promise.resolve(Object.freeze([]) as unknown as unknown[]);
const NOTHING_QUEUED: Promise<void> = Promise.resolve();

/**
 * For every QoS 1 message (every sensor event), aedes asks its persistence which offline persistent sessions
 * subscribed to the topic (a topic-trie match: a split of the topic, arrays, two promises) and queues a copy for
 * each. Only a client with a persistent session (clean = false) subscribing at QoS 1 or 2 puts anything in that
 * trie, and the in-memory persistence starts empty with each process: until the first such subscription the answer
 * is always none, so it is given without the match. From that subscription on, every message is looked up as before
 * (never switched back: a wrong "none" would lose a responder's queued alerts, a wrong lookup costs only time).
 * Fixed parameters, not rest ones: these run for every message. A callback means the callback API, which aedes
 * does not use: passed through as it is.
 */
function skipOfflineQueueWithoutPersistentSubscriptions(
  aedes: Aedes,
  bound: {
    max: number;
    totalMax: number;
    onFull: (clientId: string) => void;
    /** False when the session's client may not read `topic` (it would never be sent it): not queued, not counted. */
    mayQueue: (clientId: string, topic: string) => boolean;
  },
): { persistent: () => boolean; queued: () => number } {
  const persistence = (aedes as unknown as { persistence: OfflineQueue }).persistence;
  const add = persistence.addSubscriptions.bind(persistence);
  const byTopic = persistence.subscriptionsByTopic.bind(persistence);
  const enqueue = persistence.outgoingEnqueueCombi.bind(persistence);
  const enqueueOne = persistence.outgoingEnqueue.bind(persistence);
  const clear = persistence.outgoingClearMessageId.bind(persistence);
  // Messages queued per session (client id), as the persistence holds them: a copy is queued by the two enqueues and
  // removed only by clearMessageId (the client's PUBACK, or a reconnection that empties the queue).
  const queued = new Map<string, number>();
  let total = 0;
  const clients = (aedes as unknown as { clients: Record<string, { closed?: boolean } | undefined> }).clients;
  const admit = (clientId: string, topic: string): boolean => {
    if (!bound.mayQueue(clientId, topic)) return false;
    const n = queued.get(clientId) ?? 0;
    // Only a session whose client is away loses messages: a connected one is being sent its queue (a reconnection
    // drains it while new messages come), and one that stops reading is dropped for that (dropWhenStalled).
    if (
      (n >= bound.max || total >= bound.totalMax) &&
      (clients[clientId] === undefined || clients[clientId].closed === true) &&
      !(
        n < bound.max + OFFLINE_QUEUE_ALERT_RESERVE &&
        total < bound.totalMax + OFFLINE_QUEUE_ALERT_RESERVE &&
        isAlertTopic(topic)
      )
    ) {
      bound.onFull(clientId);
      return false;
    }
    queued.set(clientId, n + 1);
    total += 1;
    return true;
  };
  let persistentSubscriptions = false;
  persistence.addSubscriptions = (client, subs, callback) => {
    if (subs.some((sub) => sub.qos > 0)) persistentSubscriptions = true;
    return callback === undefined ? add(client, subs) : add(client, subs, callback);
  };
  persistence.subscriptionsByTopic = (topic, callback) => {
    if (callback !== undefined) return byTopic(topic, callback);
    return persistentSubscriptions ? byTopic(topic) : NO_SUBSCRIPTIONS;
  };
  persistence.outgoingEnqueueCombi = (subs, packet, callback) => {
    if (callback !== undefined) return enqueue(subs, packet, callback);
    if (subs.length === 0) return NOTHING_QUEUED;
    // Each session with room gets its copy; a full one none (counted). The usual case (all have room) copies nothing.
    let admitted: { clientId: string }[] | undefined;
    for (let i = 0; i < subs.length; i++) {
      if (admit(subs[i]!.clientId, packet.topic)) {
        if (admitted) admitted.push(subs[i]!);
      } else {
        admitted ??= subs.slice(0, i);
      }
    }
    if (admitted === undefined) return enqueue(subs, packet);
    return admitted.length === 0 ? NOTHING_QUEUED : enqueue(admitted, packet);
  };
  persistence.outgoingEnqueue = (sub, packet, callback) => {
    if (callback !== undefined) return enqueueOne(sub, packet, callback);
    return admit(sub.clientId, packet.topic) ? enqueueOne(sub, packet) : NOTHING_QUEUED;
  };
  persistence.outgoingClearMessageId = (client, packet, callback) => {
    if (callback !== undefined) return clear(client, packet, callback);
    return clear(client, packet).then((removed) => {
      if (removed !== undefined && queued.has(client.id)) {
        total -= 1;
        const n = queued.get(client.id)! - 1;
        if (n > 0) queued.set(client.id, n);
        else queued.delete(client.id);
      }
      return removed;
    });
  };
  return { persistent: () => persistentSubscriptions, queued: () => total };
}

/** A publication's payload as bytes (mqtt-packet parses a Buffer; a string only from an in-process publish). */
function payloadOf(packet: PublishPacket): Buffer {
  return typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
}

/** The parts of aedes's instance that its publish uses (aedes.js): its message router, its `published` hook, its limit. */
interface AedesPublishInternals {
  publish(packet: PublishPacket, client: Client | null | PublishDone, done?: PublishDone): void;
  mq: {
    emit(packet: unknown, callback: (err?: Error | null) => void): unknown;
    /** Messages mqemitter queued past its concurrency (delivered in turn after those under way). */
    readonly length: number;
    closed: boolean;
    _matcher: { match(topic: string): readonly unknown[] };
  };
  published: (packet: PublishPacket, client: Client | null, callback: PublishDone) => void;
  maxTopicLevels: number;
  emit(event: 'publish', packet: PublishPacket, client: Client | null): boolean;
  persistence: { storeRetained(packet: unknown): Promise<void> };
}
type PublishDone = (err?: Error | null) => void;

/** aedes-packet's constructor (what aedes's publish makes for delivery: its broker id and counter); typed there as a namespace. */
const AedesPacket = aedesPacket as unknown as new (original: PublishPacket, broker: Aedes) => { clientId?: string };

/**
 * aedes hands every client publication, once acknowledged, to its `publish`: a series of four steps (store a
 * retained copy, queue copies for offline persistent sessions, deliver to the live subscribers, call `published`),
 * each a callback, the second a chain of promises. For a publication that is not retained while no persistent
 * session subscribes at QoS 1 or more (see skipOfflineQueueWithoutPersistentSubscriptions: the first two steps
 * then do nothing), the series is replaced by its two steps that act: deliver (aedes's own packet copy, with the
 * publisher's client id, to mqemitter, as its `emitPacket`), then `published` and the `publish` event, as its
 * `callPublished`; `done` (aedes's read gating for the client) is called as before, once both ran. A topic nobody
 * subscribes to (the router's kept result, see rememberRoutes; nothing queued in the router, which is open) skips the
 * delivery: mqemitter would make the copy and a holder (fastparallel's, never given back to its pool for an empty
 * list) only to call back at once with no one to call; `published` and the `publish` event follow at once, as they
 * did from that call back. Everything else
 * (the hub's own publishes, retained messages, wills without a client, any publication once a persistent
 * subscription exists, a topic over aedes's level limit, for its error) takes aedes's own series.
 */
function publishLiveOnly(aedes: Aedes, persistentSubscriptions: () => boolean): void {
  const broker = aedes as unknown as AedesPublishInternals;
  const series = broker.publish.bind(aedes);
  broker.publish = (packet, client, done) => {
    if (typeof client === 'function' && done === undefined) {
      publishOwn(packet, client);
      return;
    }
    if (
      typeof done !== 'function' ||
      typeof client !== 'object' ||
      client === null ||
      packet.retain ||
      persistentSubscriptions() ||
      topicLevels(packet.topic) > broker.maxTopicLevels
    ) {
      series(packet, client, done);
      return;
    }
    const mq = broker.mq;
    if (!mq.closed && mq.length === 0 && mq._matcher.match(packet.topic).length === 0) {
      broker.published(packet, client, done);
      broker.emit('publish', packet, client);
      return;
    }
    const live = new AedesPacket(packet, aedes);
    live.clientId = client.id;
    broker.mq.emit(live, (err) => {
      if (err) {
        done(err);
        return;
      }
      broker.published(packet, client, done);
      broker.emit('publish', packet, client);
    });
  };
  /**
   * The hub's own publication (an alert, its status: `publish(packet, done)`, no client): aedes's series runs its
   * delivery a promise or two later, after the rest of the hub's turn (the press's bookkeeping, the dashboard's
   * change: 100-150 µs at the median). Without persistent subscriptions it is delivered now, inside this call: the
   * retained copy stored first (the in-memory persistence takes it before its promise returns, as the series would
   * before delivering; a subscription made later finds it), then the live subscribers (each at once: deliverOwnAtOnce),
   * then `published` and the `publish` event once the copy is stored, as the series does. Else the series, as before.
   */
  const publishOwn = (packet: PublishPacket, done: PublishDone): void => {
    if (persistentSubscriptions() || topicLevels(packet.topic) > broker.maxTopicLevels) {
      series(packet, done);
      return;
    }
    const own = new AedesPacket(packet, aedes);
    const retained = packet.retain ? broker.persistence.storeRetained(own) : NOTHING_QUEUED;
    broker.mq.emit(own, (err) => {
      if (err) {
        done(err);
        return;
      }
      retained.then(() => {
        broker.published(packet, null, done);
        broker.emit('publish', packet, null);
      }, done);
    });
  };
}

/** The parts of an aedes client that deliverOwnAtOnce wraps (aedes lib/client.js): one delivery per subscription. */
interface AedesDeliveries {
  conn?: Pick<net.Socket, 'writableCorked' | 'uncork'>;
  deliver0?: (packet: PublishPacket, done: () => void) => void;
  deliverQoS?: (packet: PublishPacket, done: () => void) => void;
}

/** A delivery of the hub's own publication is running (see deliverOwnAtOnce). */
let deliveringOwn = false;

/** What aedes's delivery gets back from the setImmediate it calls: it keeps nothing of it. */
const RAN_AT_ONCE = Object.freeze({}) as unknown as NodeJS.Immediate;

/**
 * aedes delivers every message to a subscriber from a setImmediate ("time to clear stacks", lib/client.js): an alert
 * the hub publishes while it handles a press waits for the loop's check phase, behind every socket read and fsync
 * completion of the same poll phase (other sensors' events, PUBACKs, scrypt results of bad logins): 100-250 µs at the
 * median (docs/performance.md, session 29), the external broker's client writes at once. For the hub's own
 * publications (their payloads in `own` while aedes delivers them) the delivery runs at once instead: aedes's own
 * function, with the setImmediate it calls taken in and run right after it returns, then the socket uncorked (as
 * ExternalBroker's sendNow): the alert is on the wire before the hub's turn goes on. Everything else (sensors'
 * messages, retained messages at a subscription) is delivered by aedes as before. Called once per client, right after
 * `aedes.handle`, before it reads a packet: each subscription takes the client's function when it is made.
 */
function deliverOwnAtOnce(client: Client, own: WeakSet<Buffer>): void {
  const deliveries = client as unknown as AedesDeliveries;
  for (const name of ['deliver0', 'deliverQoS'] as const) {
    const deliver = deliveries[name];
    if (typeof deliver !== 'function') continue;
    deliveries[name] = function deliverOwn(this: unknown, packet: PublishPacket, done: () => void): void {
      // Inside another (aedes's QoS delivery downgraded to QoS 0 calls deliver0): the outer one takes its setImmediate.
      if (deliveringOwn || !Buffer.isBuffer(packet.payload) || !own.has(packet.payload)) {
        deliver.call(this, packet, done);
        return;
      }
      const later: (() => void)[] = [];
      const setImmediateNow = globalThis.setImmediate;
      // Only aedes's own call in `deliver` meets this one (synchronous; put back before anything else runs).
      globalThis.setImmediate = ((fn: (...a: unknown[]) => void, ...a: unknown[]) => {
        later.push(() => fn(...a));
        return RAN_AT_ONCE;
      }) as typeof setImmediate;
      deliveringOwn = true;
      try {
        deliver.call(this, packet, done);
      } finally {
        globalThis.setImmediate = setImmediateNow;
        deliveringOwn = false;
      }
      for (const run of later) run();
      const conn = deliveries.conn;
      if (conn) while (conn.writableCorked > 0) conn.uncork();
      pressStages?.mark('written');
    };
  }
}

/** Topics whose subscribers `rememberRoutes` keeps: a hub's sensors' topics; past it the list starts again. */
export const ROUTE_CACHE_TOPICS = 4096;

const NO_ROUTES: readonly unknown[] = Object.freeze([]);

/** aedes's message router's topic matcher (mqemitter's Qlobber), the part of it that `rememberRoutes` wraps. */
interface TopicMatcher {
  match(topic: string, ctx?: unknown): readonly unknown[];
  add(...args: unknown[]): unknown;
  remove(...args: unknown[]): unknown;
  clear(...args: unknown[]): unknown;
}

/**
 * aedes's router (mqemitter) finds each message's subscribers by matching its topic against its trie of
 * subscriptions (qlobber): the topic split into an array of its levels, a walk, a new array of results, for every
 * sensor event, though a hub's sensors publish on a few thousand topics at most and the subscriptions change rarely.
 * The result per topic is kept until the trie next changes (any add, remove or clear empties the list at once, before
 * the change), so a message is always routed to the subscribers the trie holds when it is matched, as before; at most
 * `ROUTE_CACHE_TOPICS` topics are kept (then the list starts again). A kept result is shared: mqemitter only reads it
 * (fastparallel calls each subscriber in it), and a topic nobody subscribes to shares one frozen empty list.
 */
function rememberRoutes(aedes: Aedes): void {
  const matcher = (aedes as unknown as { mq: { _matcher: TopicMatcher } }).mq._matcher;
  const match = matcher.match.bind(matcher);
  const routes = new Map<string, readonly unknown[]>();
  matcher.match = (topic, ctx) => {
    if (ctx !== undefined || typeof topic !== 'string') return match(topic, ctx);
    let found = routes.get(topic);
    if (found === undefined) {
      const matched = match(topic);
      found = matched.length === 0 ? NO_ROUTES : matched;
      if (routes.size >= ROUTE_CACHE_TOPICS) routes.clear();
      routes.set(topic, found);
    }
    return found;
  };
  for (const change of ['add', 'remove', 'clear'] as const) {
    const original = matcher[change].bind(matcher);
    matcher[change] = (...args: unknown[]) => {
      routes.clear();
      return original(...args);
    };
  }
}

/** A topic's levels as aedes counts them (its separators plus one). */
function topicLevels(topic: string): number {
  let levels = 1;
  for (let i = 0; i < topic.length; i++) if (topic.charCodeAt(i) === 47) levels++;
  return levels;
}

function listen(server: net.Server, port: number, host: string | undefined): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}
