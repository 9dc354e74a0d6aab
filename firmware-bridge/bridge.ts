// `telecare bridge` at work: serial receiver in, native events out on MQTT, status and counters published.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type { Clock } from '../hub/clock.js';
import type { Logger } from '../hub/logger.js';
import type { BackoffPolicy } from './backoff.js';
import { BridgeStats, bridgeStatus, type BridgeState, type BridgeStatus, type Framing } from './bridge-stats.js';
import {
  appendLines,
  deliveredLine,
  eventLine,
  lockSpool,
  readSpool,
  startSpool,
  writeSpool,
  type SpooledEvent,
} from './event-spool.js';
import type { ProcessLock } from '../hub/process-lock.js';
import { cobsDecoder, ndjsonDecoder, type FramingDecoder } from './frame-decoders.js';
import { MqttOutbox } from './mqtt-outbox.js';
import { isEmergency, nativeEventPayload, nativeEventTopic, type BridgeEvent } from './native-event.js';
import { SerialLink } from './serial-link.js';

export interface BridgeOptions {
  portPath: string;
  baudRate: number;
  framing: Framing;
  mqttUrl: string;
  /** Home of every event (`cobs`), or of `ndjson` lines without `home`. */
  homeId: string | undefined;
  /** Bridge name: status topic level, and device id of the receiver's own heartbeats. */
  name: string;
  username?: string;
  password?: string;
  /** CA certificate(s), PEM, that a TLS broker's certificate is checked against (default: the system's CAs). */
  ca?: Buffer;
  statusIntervalMs: number;
  maxQueued: number;
  /**
   * Where the events the broker has not acknowledged are kept (while it is away, while it has them in flight, and at a
   * stop), to be sent first at the next start after a stop or a crash (none: held in memory only).
   */
  spoolPath?: string;
  reopenBackoff: BackoffPolicy;
  mqttReconnectMs: number;
  clock: Clock;
  /** Milliseconds on a clock that never steps (default `performance.now()`): the duplicate window's. */
  monotonicNowMs?: () => number;
  /** udev's links to USB serial devices by serial number (default /dev/serial/by-id): see SerialLink. */
  stableLinksDir?: string;
  logger: Logger;
}

// Counter changes are folded into at most one status publish per this interval; state changes go at once.
const STATUS_THROTTLE_MS = 1_000;
/**
 * Routine "delivered" notes in the spool are flushed to disk at least this often: a power cut in a drain then sends
 * again at most these and the events in flight (64), fewer than the hub knows again as copies (a wearable's last 128
 * batches, rules/fall/detector.ts). One flush per this many events acknowledged, and only in a spool that was flushed
 * (an outage's, an emergency's): the notes of routine events kept while connected, never flushed, are as much on disk
 * as their events are, and the kernel writes both back together.
 */
const NOTES_PER_FLUSH = 32;
// A bad-frame reason is logged at warn level at most once per this interval (debug otherwise).
const BAD_FRAME_LOG_INTERVAL_MS = 60_000;

export function statusTopic(name: string): string {
  return `telecare/bridge/${name}/status`;
}

export class FirmwareBridge {
  readonly stats = new BridgeStats();
  private readonly startedAtMs: number;
  private readonly decoder: FramingDecoder;
  private readonly serial: SerialLink;
  private readonly outbox: MqttOutbox;
  private readonly lastBadLogMs = new Map<string, number>();
  private statusTimer: NodeJS.Timeout | undefined;
  private throttleTimer: NodeJS.Timeout | undefined;
  private lastLoggedSummary = '';
  private readonly log: Logger;
  /** Once stopping, only the final status may go out: nothing may overwrite its `reason`. */
  private stopping = false;
  /** Lines in the spool (0: no file). Every event queued is added, and the file removed once all are delivered. */
  private spoolLines = 0;
  private spoolFailing = false;
  /** Routine delivered notes appended since the spool was last flushed to disk. */
  private notesUnflushed = 0;
  /**
   * Whether the spool was flushed to disk (written whole after an outage or at a start, an emergency in it): its notes
   * and its removal are flushed too. A spool of routine events kept while connected (`startSpool`) is not (session 77).
   */
  private spoolFlushed = false;
  /**
   * Routine lines (events queued, deliveries noted) of this turn of the event loop, not yet in the spool: written
   * together at its end (`writePending`), one write for a serial read's frames or a socket read's acknowledgements.
   */
  private pending = '';
  private pendingLines = 0;
  /** The spool file (none: events held in memory only, as when one the last run kept cannot be read or moved aside). */
  private spoolPath: string | undefined;
  /** Where a spool this run could not read was moved, whole, so that nothing written now lands over its events. */
  private spoolKeptAs: string | undefined;
  /** This bridge's hold on its spool, from start to stop: a second bridge on it is refused. */
  private spoolLock: ProcessLock | undefined;

  constructor(private readonly options: BridgeOptions) {
    const { framing, homeId, name, clock, logger } = options;
    this.startedAtMs = clock.now();
    this.spoolPath = options.spoolPath;
    this.log = logger.child({ ns: 'bridge' });
    if (framing === 'cobs') {
      if (homeId === undefined) throw new Error('--home is required with --framing cobs (frames carry no home)');
      this.decoder = cobsDecoder(homeId, name, clock, options.monotonicNowMs);
    } else {
      this.decoder = ndjsonDecoder(homeId, clock);
    }
    this.serial = new SerialLink({
      path: options.portPath,
      baudRate: options.baudRate,
      delimiter: this.decoder.delimiter,
      maxFrameBytes: this.decoder.maxFrameBytes,
      backoff: options.reopenBackoff,
      stableLinksDir: options.stableLinksDir,
      logger: logger.child({ ns: 'bridge:serial' }),
    });
    this.outbox = new MqttOutbox({
      url: options.mqttUrl,
      // A fresh suffix each run: the hub's broker gives a client id to whoever holds it first, so a fixed, guessable
      // id could be taken by another credential and keep the bridge (and every press it carries) out.
      clientId: `telecare-bridge-${name}-${randomBytes(4).toString('hex')}`,
      username: options.username,
      password: options.password,
      ca: options.ca,
      statusTopic: statusTopic(name),
      // With its home: the hub reports the receiver's device unavailable past a grace (hub/bridge-watch.ts).
      lastWill: JSON.stringify({ state: 'offline', name, homeId: homeId ?? null, reason: 'bridge-lost' }),
      maxQueued: options.maxQueued,
      reconnectPeriodMs: options.mqttReconnectMs,
      logger: logger.child({ ns: 'bridge:mqtt' }),
    });
  }

  /** Throws SpoolInUseError, before anything is read or sent, when another bridge holds the spool. */
  start(): void {
    if (this.spoolPath !== undefined) this.spoolLock = lockSpool(this.spoolPath, this.log);
    this.serial.on('frame', (frame) => this.onFrame(frame));
    this.serial.on('oversized', () => this.countBad('oversized'));
    this.serial.on('state', (state, error) => {
      if (state === 'open') this.decoder.portOpened?.();
      this.log[state === 'opening' ? 'debug' : 'info']({ port: state, error }, 'serial port state');
      this.publishStatus();
    });
    this.outbox.on('connected', () => this.publishStatus());
    this.outbox.on('delivered', (event) => {
      this.statusChanged();
      if (this.spoolLines === 0) return;
      if (this.outbox.queued === 0 && !this.stopping) this.keepUndelivered();
      // Noted as it is acknowledged: killed before the file is rewritten, the next start does not send it again.
      else this.spoolDelivered(event);
    });
    this.outbox.on('dropped', () => this.statusChanged());
    // Whatever the broker had not acknowledged as it went is on disk from now on.
    this.outbox.on('disconnected', () => this.keepUndelivered());
    this.restoreSpool();
    this.outbox.start();
    this.serial.start();
    this.statusTimer = setInterval(() => this.periodicStatus(), this.options.statusIntervalMs);
    this.publishStatus();
  }

  /** Graceful stop: no more input, queued events get a short grace to reach the broker, retained offline status. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.statusTimer);
    clearTimeout(this.throttleTimer);
    await this.serial.stop();
    const final = this.status('offline');
    this.log.info({ status: final }, 'bridge stopped');
    await this.outbox.stop(JSON.stringify({ ...final, reason: 'stopped' }));
    this.keepUndelivered();
    if (this.spoolLines > 0)
      this.log.warn({ events: this.spoolLines, spool: this.spoolPath }, 'undelivered events kept for the next start');
    this.spoolLock?.release();
  }

  /** Queues the events the last run kept, ahead of anything the receiver sends now; the file holds them until sent. */
  private restoreSpool(): void {
    const file = this.spoolPath;
    if (file === undefined) return;
    let kept;
    try {
      kept = readSpool(file);
    } catch (err) {
      this.keepUnreadableSpoolAside(file, err);
      return;
    }
    for (const event of kept.events) this.outbox.publish(event.topic, event.payload, event.urgent);
    // A line cut short (the bridge killed as it wrote, a power cut): that event is lost.
    this.outbox.dropped += kept.unreadable;
    if (kept.events.length + kept.unreadable === 0) return;
    this.log.info(
      { events: kept.events.length, unreadable: kept.unreadable, spool: file },
      'events kept by the last run queued first',
    );
    // Written again whole, so that no event added from now on lands on the end of a torn line.
    this.keepUndelivered();
  }

  /**
   * A spool this run cannot read (another user's, a failing card) holds the only copy of what the last run kept, a press
   * among them: it is moved aside whole, not removed at the next delivery nor replaced at the next outage (review,
   * session 63). If it cannot even be moved, this run keeps its events in memory only and leaves the file as it is; so
   * too for a folder (`--spool` naming the hub's data folder by mistake), which is no spool and is never moved.
   */
  private keepUnreadableSpoolAside(file: string, err: unknown): void {
    const keptAs = `${file}.unreadable-${new Date(this.options.clock.now()).toISOString().replace(/[-:.]/g, '')}`;
    try {
      if (fs.lstatSync(file).isDirectory()) throw new Error(`${file} is a folder: --spool names a file`);
      fs.renameSync(file, keptAs);
    } catch (moveErr) {
      this.spoolPath = undefined;
      this.log.error(
        { err, moveErr, spool: file },
        'could not read the events kept by the last run, nor move them aside: left as they are, and events held in memory only this run',
      );
      return;
    }
    this.spoolKeptAs = keptAs;
    this.log.error(
      { err, spool: file, keptAs },
      'could not read the events kept by the last run: kept aside, not sent (see keptAs); new events are kept in a new spool',
    );
  }

  /**
   * One event queued: on disk too until the broker acknowledges it. The hub acknowledges an event once it is on its
   * disk, and a bridge killed before then lost whatever it held in memory only: a press (review, session 62: since then
   * an emergency is flushed to disk), and the routine events in flight while the broker was connected (review, session
   * 77: now written with a plain write, which a process kill does not undo; not flushed, so a power cut may lose them,
   * as it did before).
   */
  private spoolQueued(event: SpooledEvent): void {
    const file = this.spoolPath;
    if (file === undefined) return;
    // A spool grown well past the bound (the oldest routine events dropped since): whole.
    if (this.spoolLines + this.pendingLines >= 2 * this.options.maxQueued) {
      this.keepUndelivered();
      return;
    }
    // (Nothing is pending while there is no spool: the spool's removal drops what was.)
    if (this.spoolLines === 0) {
      // The first of an outage, or an emergency: whole, flushed (with anything in flight not yet on disk).
      if (event.urgent || !this.outbox.connected) this.keepUndelivered();
      // A routine event handed to the connected broker: a plain write (the page cache outlives a process kill).
      else this.startRoutineSpool(file);
      return;
    }
    // An emergency now, flushed, with the lines of this turn before it; a routine event at the turn's end.
    if (event.urgent) this.appendNow(file, eventLine(event), true);
    else this.appendLater(eventLine(event));
  }

  /** Writes the lines pending and `line` after them, flushed if `flush` (the file's entry too, if not yet flushed). */
  private appendNow(file: string, line: string, flush: boolean): boolean {
    const lines = this.pending + line;
    const count = this.pendingLines + 1;
    this.dropPending();
    const newEntry = !this.spoolFlushed;
    const written = this.spoolWrite(() => appendLines(file, lines, flush, newEntry), count);
    if (written && flush) this.spoolFlushed = true;
    return written;
  }

  /**
   * Adds a routine line to those written at the end of this turn. A process killed meanwhile loses them, as one killed
   * between reading the port and a write of its own: the turn is the bridge's, and whatever it read in it is on disk
   * before the next read or acknowledgement is handled.
   */
  private appendLater(line: string): void {
    if (this.pendingLines === 0) queueMicrotask(() => this.writePending());
    this.pending += line;
    this.pendingLines++;
  }

  /** Writes the routine lines pending (plain: see startSpool). */
  private writePending(): void {
    const file = this.spoolPath;
    if (file === undefined || this.pendingLines === 0) return;
    const lines = this.pending;
    const count = this.pendingLines;
    this.dropPending();
    this.spoolWrite(() => appendLines(file, lines), count);
  }

  private dropPending(): void {
    this.pending = '';
    this.pendingLines = 0;
  }

  /** Starts the spool with what the broker has not acknowledged (the event just queued), not flushed: see startSpool. */
  private startRoutineSpool(file: string): void {
    this.dropPending();
    const events = this.outbox.undelivered();
    // An emergency among them (its own write failed): flushed, as it would have been.
    if (events.some((e) => e.urgent)) {
      this.keepUndelivered();
      return;
    }
    if (!this.spoolWrite(() => startSpool(file, events), events.length - this.spoolLines)) return;
    this.spoolFlushed = false;
    this.notesUnflushed = 0;
  }

  /** Notes in the spool that the broker took `event`; grown well past the bound, it is written again whole instead. */
  private spoolDelivered(event: SpooledEvent): void {
    const file = this.spoolPath;
    if (file === undefined) return;
    if (this.spoolLines + this.pendingLines >= 2 * this.options.maxQueued) {
      this.keepUndelivered();
      return;
    }
    const flush = event.urgent || (this.spoolFlushed && this.notesUnflushed + 1 >= NOTES_PER_FLUSH);
    if (!flush) {
      this.appendLater(deliveredLine(event));
      this.notesUnflushed++;
    } else if (this.appendNow(file, deliveredLine(event), true)) this.notesUnflushed = 0;
  }

  /**
   * Replaces the spool with what the broker has not acknowledged, flushed to disk (none: removes it, the removal flushed
   * only if the spool was: see writeSpool).
   */
  private keepUndelivered(): void {
    const file = this.spoolPath;
    if (file === undefined) return;
    // What is pending is in what is written now, or delivered.
    this.dropPending();
    const events = this.outbox.undelivered();
    const flushRemoval = this.spoolFlushed;
    if (!this.spoolWrite(() => writeSpool(file, events, flushRemoval), events.length - this.spoolLines)) return;
    this.spoolFlushed = events.length > 0;
    this.notesUnflushed = 0;
  }

  /**
   * A spool write, `added` lines more (or fewer); a failure is logged once until one succeeds, and never stops the bridge.
   * Whether it was written.
   */
  private spoolWrite(write: () => void, added: number): boolean {
    try {
      write();
    } catch (err) {
      if (!this.spoolFailing)
        this.log.error({ err, spool: this.spoolPath }, 'could not keep events on disk: held in memory only');
      this.spoolFailing = true;
      return false;
    }
    this.spoolFailing = false;
    this.spoolLines += added;
    return true;
  }

  status(stateOverride?: BridgeState): BridgeStatus {
    return bridgeStatus(
      this.stats,
      {
        name: this.options.name,
        framing: this.options.framing,
        homeId: this.options.homeId,
        portPath: this.options.portPath,
        portState: this.serial.state,
        portError: this.serial.lastError,
        eventsPublished: this.outbox.delivered,
        eventsQueued: this.outbox.queued,
        eventsDropped: this.outbox.dropped,
        spoolPath: this.spoolPath,
        spoolKeptAs: this.spoolKeptAs,
        startedAtMs: this.startedAtMs,
        nowMs: this.options.clock.now(),
      },
      stateOverride,
    );
  }

  private onFrame(frame: Buffer): void {
    const outcome = this.decoder.decode(frame);
    switch (outcome.kind) {
      case 'ignored':
        return;
      case 'bad': {
        this.countBad(outcome.reason);
        return;
      }
      case 'duplicate':
        this.stats.duplicates++;
        {
          this.statusChanged();
          return;
        }
      case 'event':
        if (outcome.badBefore !== undefined) this.countBad(outcome.badBefore);
        this.stats.framesOk++;
        this.stats.gaps += outcome.missed;
        if (outcome.restarted) this.stats.sequenceRestarts++;
        if (outcome.clockNotSet !== undefined) this.clockNotSet(outcome.event, outcome.clockNotSet);
        if (this.log.isLevelEnabled('debug')) {
          this.log.debug({ type: outcome.event.type, homeId: outcome.event.homeId }, 'serial event');
        }
        {
          const queued = {
            topic: nativeEventTopic(outcome.event),
            payload: nativeEventPayload(outcome.event),
            urgent: isEmergency(outcome.event),
          };
          // Sent first, kept on disk after: a flush to an SD card may take seconds, and must not hold a press back.
          this.outbox.publish(queued.topic, queued.payload, queued.urgent);
          this.spoolQueued(queued);
          this.statusChanged();
          return;
        }
    }
  }

  /**
   * An event its sender stamped before any this version can receive, or an emergency whose stamp cannot be read: counted,
   * logged once a minute per device.
   */
  private clockNotSet(event: BridgeEvent, sensorTs: string | number): void {
    this.stats.clockNotSet++;
    const device = `${event.homeId}/${event.deviceId}`;
    const nowMs = this.options.clock.now();
    const last = this.lastBadLogMs.get(`clock:${device}`);
    if (last !== undefined && nowMs - last < BAD_FRAME_LOG_INTERVAL_MS) return;
    this.lastBadLogMs.set(`clock:${device}`, nowMs);
    this.log.warn(
      { device, ts: sensorTs, count: this.stats.clockNotSet },
      "sender's ts before this version was built (its clock not set, or seconds sent for milliseconds), or an emergency's " +
        'ts that cannot be read: event stamped when read',
    );
  }

  private countBad(reason: string): void {
    this.stats.countBad(reason);
    const nowMs = this.options.clock.now();
    const last = this.lastBadLogMs.get(reason);
    if (last === undefined || nowMs - last >= BAD_FRAME_LOG_INTERVAL_MS) {
      this.lastBadLogMs.set(reason, nowMs);
      this.log.warn({ reason, count: this.stats.badFrames[reason] }, 'bad serial frames dropped');
    }
    this.statusChanged();
  }

  /** Logs the counters when they moved since the last period, then republishes the status. */
  private periodicStatus(): void {
    const { framesOk, duplicates, gaps, badFramesTotal } = this.stats;
    const summary = `${framesOk}/${duplicates}/${gaps}/${badFramesTotal}/${this.outbox.dropped}`;
    if (summary !== this.lastLoggedSummary) {
      this.lastLoggedSummary = summary;
      const status = this.status();
      this.log.info(
        { framesOk, duplicates, gaps, badFrames: status.badFrames, events: status.events, port: status.port.state },
        'bridge statistics',
      );
    }
    this.publishStatus();
  }

  /** Counters moved: publish soon, folding a burst of frames into one status message. */
  private statusChanged(): void {
    if (this.stopping) return;
    this.throttleTimer ??= setTimeout(() => this.publishStatus(), STATUS_THROTTLE_MS);
  }

  private publishStatus(): void {
    clearTimeout(this.throttleTimer);
    this.throttleTimer = undefined;
    if (this.stopping) return;
    this.outbox.publishStatus(JSON.stringify(this.status()));
  }
}
