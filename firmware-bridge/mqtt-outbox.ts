// The MQTT side of the bridge: QoS 1 publishing through a bounded queue that survives the broker going away.
import { EventEmitter, once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import type { Socket } from 'node:net';
import type { Writable } from 'node:stream';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from '../hub/logger.js';
import type { SpooledEvent } from './event-spool.js';

export interface OutboxOptions {
  url: string;
  clientId: string;
  username?: string;
  password?: string;
  /** CA certificate(s), PEM, for a TLS broker (mqtts://, tls://, ssl://, wss://); default: the system's CAs. */
  ca?: Buffer;
  /** Retained status topic; the broker publishes `lastWill` there if the bridge is lost. */
  statusTopic: string;
  lastWill: string;
  /** Messages kept while the broker is away; past it the oldest routine ones are dropped and counted. */
  maxQueued: number;
  reconnectPeriodMs: number;
  logger: Logger;
}

interface QueuedMessage {
  topic: string;
  payload: string;
  /** An emergency (a pendant press, a fall, an alarm): the last to be dropped when the queue is full. */
  urgent: boolean;
  /** Events delivered when this one was last put back behind the others as suspect (see DROPS_BEFORE_REFUSED). */
  deliveredWhenSuspect?: number;
}

/**
 * Hands what was just published to the socket, and so to the kernel, before anything else runs. mqtt.js writes each
 * packet through mqtt-packet, which corks the socket and uncorks it on the next tick: whatever the caller did after
 * `publish` in the same turn ran first. The bridge keeps a press on disk just after sending it, and that flush (seconds
 * on a busy SD card) held the press in the bridge's memory all along (review, session 76). The packets are whole when
 * `publish` returns; the next tick's uncork then finds nothing corked.
 */
function sendNow(client: MqttClient): void {
  const stream = client.stream as Partial<Writable> | undefined;
  while (stream?.uncork !== undefined && (stream.writableCorked ?? 0) > 0) stream.uncork();
}

/** The broker URL without any credentials in it, for logs. */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return '(unparsable broker URL)';
  }
}

// Messages handed to mqtt.js but not yet acknowledged; mqtt.js resends them itself after a reconnect.
const MAX_IN_FLIGHT = 64;
/**
 * A broker that refuses a publication (an ACL: a home the credential does not cover) may drop the connection, and
 * mqtt.js resends that message first on every reconnect, ahead of everything else. A message resent this many times
 * in a row with the connection dropped before its PUBACK is suspect: it goes back behind the others. The hub drops
 * the connection the same way for every event it cannot store (a full disk), and wants each sent again once it can:
 * so a suspect is given up as refused only when it is suspect again after the broker took other events meanwhile.
 */
const DROPS_BEFORE_REFUSED = 3;

/** The broker dropped the connection at a message DROPS_BEFORE_REFUSED times in a row (see there). */
class ConnectionDroppedAt extends Error {}

export interface OutboxEvents {
  connected: [];
  disconnected: [];
  /** The broker acknowledged this event. */
  delivered: [event: SpooledEvent];
  dropped: [];
}

export class MqttOutbox extends EventEmitter<OutboxEvents> {
  private client: MqttClient | undefined;
  private readonly queue: QueuedMessage[] = [];
  private queueHead = 0;
  /** Handed to mqtt.js, not yet acknowledged: still ours to keep if the bridge stops now. */
  private readonly inFlight = new Set<QueuedMessage>();
  private pendingStatus: string | undefined;
  private stopping = false;
  connected = false;
  delivered = 0;
  dropped = 0;
  /** The message mqtt.js is resending from its store after a reconnect, until the broker acknowledges it. */
  private resent: { messageId: number; topic: string } | undefined;
  /** True between the broker's CONNACK and mqtt.js's 'connect', while it resends its stored messages one by one. */
  private resending = false;
  private suspect: { messageId: number; drops: number } | undefined;

  constructor(private readonly options: OutboxOptions) {
    super();
  }

  get queued(): number {
    return this.queue.length - this.queueHead + this.inFlight.size;
  }

  /** Every event not yet acknowledged by the broker, oldest first as far as known: what a stop would lose. */
  undelivered(): SpooledEvent[] {
    return [...this.inFlight, ...this.queue.slice(this.queueHead)].map(({ topic, payload, urgent }) => ({
      topic,
      payload,
      urgent,
    }));
  }

  start(): void {
    const o = this.options;
    const clientOptions: IClientOptions = {
      clientId: o.clientId,
      username: o.username,
      password: o.password,
      ...(o.ca === undefined ? {} : { ca: o.ca }),
      reconnectPeriod: o.reconnectPeriodMs,
      connectTimeout: 10_000,
      // mqtt.js stops reconnecting for good after a refused CONNACK unless told otherwise; a hub restarting or
      // flooded answers 3 (server unavailable), and the bridge must come back once it can.
      reconnectOnConnackError: true,
      will: { topic: o.statusTopic, payload: Buffer.from(o.lastWill), qos: 1, retain: true },
    };
    const client = mqtt.connect(o.url, clientOptions);
    this.client = client;
    this.watchForRefusals(client);
    client.on('connect', () => {
      // Nagle would hold each small QoS 1 publish for tens of milliseconds (STYLE.md pitfalls).
      (client.stream as Partial<Socket>).setNoDelay?.(true);
      this.connected = true;
      o.logger.info({ url: redactedUrl(o.url) }, 'connected to MQTT broker');
      this.emit('connected');
      this.flushStatus();
      this.pump();
    });
    client.on('close', () => {
      if (!this.connected) return;
      this.connected = false;
      // Its own stop's disconnect is no loss: it was told as one, a warning at every Ctrl-C (review, session 67).
      if (this.stopping) o.logger.info({ url: redactedUrl(o.url) }, 'disconnected from MQTT broker');
      else o.logger.warn({ url: redactedUrl(o.url) }, 'MQTT broker connection lost; buffering events');
      this.emit('disconnected');
    });
    // Reconnect attempts fail every reconnectPeriodMs while the broker is away: warn once per outage.
    let warnedThisOutage = false;
    client.on('connect', () => (warnedThisOutage = false));
    client.on('error', (err) => {
      const level = warnedThisOutage ? 'debug' : 'warn';
      warnedThisOutage = true;
      if ((err as NodeJS.ErrnoException).code === 'ECONNREFUSED') {
        o.logger[level]({ err: err.message }, refusedAdvice(o.url, o.reconnectPeriodMs));
        return;
      }
      o.logger[level]({ err: err.message }, 'MQTT client error');
    });
  }

  /**
   * Notes which stored message mqtt.js resends after a reconnect; when the broker drops the connection before
   * acknowledging the same one DROPS_BEFORE_REFUSED times in a row, that message is refused: it leaves mqtt.js's
   * store and is counted as dropped, so the messages behind it (a pendant press) get through.
   */
  private watchForRefusals(client: MqttClient): void {
    client.on('packetreceive', (packet) => {
      if (packet.cmd === 'connack' && packet.returnCode === 0) this.resending = true;
      else if (packet.cmd === 'puback' && packet.messageId === this.resent?.messageId) {
        this.resent = undefined;
        this.suspect = undefined;
      }
    });
    client.on('packetsend', (packet) => {
      if (this.resending && packet.cmd === 'publish' && packet.messageId !== undefined)
        this.resent = { messageId: packet.messageId, topic: packet.topic };
    });
    client.on('connect', () => (this.resending = false));
    client.on('close', () => {
      this.resending = false;
      const resent = this.resent;
      this.resent = undefined;
      if (resent === undefined) return;
      const drops = this.suspect?.messageId === resent.messageId ? this.suspect.drops + 1 : 1;
      this.suspect = { messageId: resent.messageId, drops };
      if (drops < DROPS_BEFORE_REFUSED) return;
      this.suspect = undefined;
      // At debug: a hub that cannot store (a full disk) does this to every event, for as long as its disk is full.
      this.options.logger.debug(
        { topic: resent.topic, drops },
        'the broker keeps dropping the connection at this event: put behind the others',
      );
      client.outgoingStore.del({ messageId: resent.messageId }, () => undefined);
      const pending = client.outgoing[resent.messageId];
      // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- mqtt.js keeps its in-flight callbacks by id
      delete client.outgoing[resent.messageId];
      client.messageIdProvider.deallocate(resent.messageId);
      pending?.cb(new ConnectionDroppedAt('the broker dropped the connection at this message'));
    });
  }

  /**
   * Queues one QoS 1 message; never blocks, never throws. When the queue is full the oldest routine message makes
   * room: a sensor chattering while the broker is away must not push out a pendant press (`urgent`). An emergency goes
   * ahead of the routine messages waiting (see `urgentPlace`).
   */
  publish(topic: string, payload: string, urgent = false): void {
    if (this.queue.length - this.queueHead >= this.options.maxQueued) {
      this.dropOldest();
      this.dropped++;
      this.emit('dropped');
    }
    const message = { topic, payload, urgent };
    if (urgent) this.queue.splice(this.urgentPlace(topic), 0, message);
    else this.queue.push(message);
    this.pump();
  }

  /**
   * Where an emergency is queued: behind the other emergencies waiting and behind anything its own device (topic) has
   * waiting, ahead of the rest. A press made as the bridge drains a backlog (the broker back after an outage, the last
   * run's spool) waited behind all of it, up to --max-queued events: 3.7 s for 5,000 against the real hub on this
   * machine, far longer on a Pi's card (review, session 76). Its own device's events keep their order, so a detector's
   * alarm is never read before the older all-clear it follows.
   */
  private urgentPlace(topic: string): number {
    for (let i = this.queue.length - 1; i >= this.queueHead; i--) {
      const waiting = this.queue[i];
      if (waiting !== undefined && (waiting.urgent || waiting.topic === topic)) return i + 1;
    }
    return this.queueHead;
  }

  /** The oldest routine message waiting goes; only a queue of emergencies alone loses its oldest emergency. */
  private dropOldest(): void {
    for (let i = this.queueHead; i < this.queue.length; i++) {
      if (!this.queue[i]?.urgent) {
        this.queue.splice(i, 1);
        return;
      }
    }
    this.queueHead++;
  }

  /** The bridge's retained status: only the latest matters, so it is replaced, never queued. */
  publishStatus(payload: string): void {
    this.pendingStatus = payload;
    this.flushStatus();
  }

  private flushStatus(): void {
    const client = this.client;
    if (!client || !this.connected || this.pendingStatus === undefined) return;
    const payload = this.pendingStatus;
    this.pendingStatus = undefined;
    client.publish(this.options.statusTopic, payload, { qos: 1, retain: true }, (err) => {
      if (err && this.pendingStatus === undefined) this.pendingStatus = payload;
    });
  }

  private pump(): void {
    const client = this.client;
    while (client && this.connected && !this.stopping && this.inFlight.size < MAX_IN_FLIGHT) {
      const message = this.queue[this.queueHead];
      if (message === undefined) break; // all sent
      this.queueHead++;
      this.inFlight.add(message);
      client.publish(message.topic, message.payload, { qos: 1 }, (err) => {
        this.inFlight.delete(message);
        if (err instanceof ConnectionDroppedAt) {
          this.suspected(message);
          return;
        }
        if (err) {
          // Only a client shutting down fails a QoS 1 publish (mqtt.js resends the rest itself after a
          // reconnect): keep the message, and do not retry now, which would fail again at once.
          this.queue.splice(this.queueHead, 0, message);
          return;
        }
        this.delivered++;
        this.emit('delivered', { topic: message.topic, payload: message.payload, urgent: message.urgent });
        this.pump();
      });
    }
    if (client) sendNow(client);
    // Compact now and then so the array does not grow with everything ever sent.
    if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue.splice(0, this.queueHead);
      this.queueHead = 0;
    }
  }

  /**
   * A message the broker dropped the connection at, again and again: refused (dropped, counted) if it was suspect
   * before and the broker has taken other events since; else put back behind the others (a hub that cannot store
   * anything takes none of them, and each gets through once it can).
   */
  private suspected(message: QueuedMessage): void {
    if (message.deliveredWhenSuspect !== undefined && this.delivered > message.deliveredWhenSuspect) {
      this.options.logger.error(
        { topic: message.topic },
        'the broker takes other events but keeps dropping the connection at this one (not allowed for this credential?): event dropped',
      );
      this.dropped++;
      this.emit('dropped');
      return;
    }
    message.deliveredWhenSuspect = this.delivered;
    this.queue.push(message);
  }

  /** Gives queued events up to `timeoutMs` to reach the broker, publishes `finalStatus` (retained), disconnects. */
  async stop(finalStatus: string, timeoutMs = 3_000): Promise<void> {
    const client = this.client;
    if (!client) return;
    const deadline = Date.now() + timeoutMs;
    while (this.connected && this.queued > 0 && Date.now() < deadline) {
      // Each delivery wakes the loop; the signal removes the listener when the grace runs out.
      await once(this, 'delivered', { signal: AbortSignal.timeout(Math.max(1, deadline - Date.now())) }).catch(
        () => undefined,
      );
    }
    this.stopping = true;
    if (this.connected) {
      // The final status gets a moment of its own even when the queue used up the grace.
      const statusGraceMs = Math.max(500, deadline - Date.now());
      await Promise.race([
        client.publishAsync(this.options.statusTopic, finalStatus, { qos: 1, retain: true }).catch(() => undefined),
        delay(statusGraceMs),
      ]);
    }
    // A clean DISCONNECT tells the broker not to send the last will; force only if the broker stopped answering.
    const ended = await Promise.race([client.endAsync(false).then(() => true), delay(1_000).then(() => false)]);
    if (!ended) await client.endAsync(true);
  }
}

/**
 * What to do when nothing listens where the bridge connects. An installer who moved the hub's broker off 1883
 * (HUB_MQTT_PORT, as the hub's own message asks when Mosquitto holds it) and started the bridge in another terminal,
 * where the variable is not set, got one `MQTT client error` line, `connect ECONNREFUSED 127.0.0.1:1883`, and then
 * silence while the receiver's events waited (review, session 73). The URL's password is never in it.
 */
export function refusedAdvice(url: string, reconnectPeriodMs: number): string {
  let where = 'the broker';
  try {
    const parsed = new URL(url);
    where = `${parsed.hostname}:${parsed.port || '1883'}`;
  } catch {
    // The URL was checked at the start; keep the general words.
  }
  return (
    `no MQTT broker answers at ${where} (connection refused); the bridge keeps the receiver's events and tries ` +
    `again every ${reconnectPeriodMs / 1000} s. Is the hub running, and on this port? A hub started with ` +
    'HUB_MQTT_PORT (its "hub started" line says its mqttPort) is reached by giving the bridge the same HUB_MQTT_PORT ' +
    'in its environment, or --mqtt mqtt://<the hub>:<that port>'
  );
}
