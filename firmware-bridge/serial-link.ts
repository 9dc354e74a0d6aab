// The serial side of the bridge: keeps a port open (reopening with backoff) and hands out delimited frames.
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { SerialPortStream } from '@serialport/stream';
import type { Logger } from '../hub/logger.js';
import { backoffDelayMs, type BackoffPolicy } from './backoff.js';
import { BoundedDelimiterParser } from './frame-splitter.js';
import { hangupAwareBinding } from './hangup-binding.js';
import { portOpenAdvice } from './port-advice.js';

export type PortState = 'opening' | 'open' | 'retrying' | 'closed';

export interface SerialLinkOptions {
  path: string;
  baudRate: number;
  delimiter: number;
  /** Longer frames are dropped as `oversized` without being kept in memory. */
  maxFrameBytes: number;
  backoff: BackoffPolicy;
  /** Where udev keeps a link per USB serial device named by its serial number (default /dev/serial/by-id). */
  stableLinksDir?: string;
  logger: Logger;
}

const STABLE_LINKS_DIR = '/dev/serial/by-id';
/** A name appearing tries the port again at most this often: udev makes a node, then its link, then gives it a group. */
const NAME_ATTEMPT_GAP_MS = 100;
/** At a stop, the port is read until it has been this long without a byte (at most STOP_READ_MAX_MS): see readUntilQuiet. */
const STOP_QUIET_MS = 100;
const STOP_READ_MAX_MS = 1_000;

/**
 * Keeps reading `port` until it goes quiet. What the receiver sent just before the stop (systemd restarting the bridge
 * for an upgrade as the resident presses) was in the kernel's buffer for the port, or on its way to it, and closing the
 * port threw it away: a press lost with nothing said, where a stop otherwise sends or keeps every event it read (review,
 * session 76: 7 presses in 10 lost, written a moment before a SIGTERM). Read now, it is sent or kept in the spool.
 */
function readUntilQuiet(port: SerialPortStream): Promise<void> {
  return new Promise<void>((resolve) => {
    let quiet: NodeJS.Timeout | undefined;
    const done = (): void => {
      clearTimeout(quiet);
      clearTimeout(cap);
      port.off('data', onData);
      port.off('close', done);
      resolve();
    };
    const onData = (): void => {
      clearTimeout(quiet);
      quiet = setTimeout(done, STOP_QUIET_MS);
    };
    const cap = setTimeout(done, STOP_READ_MAX_MS);
    port.on('data', onData);
    port.once('close', done);
    onData();
  });
}

/** The platform's serial binding, whose reads end at a hangup: an unplugged receiver closes the port (session 72). */
const BINDING = hangupAwareBinding();

export interface SerialLinkEvents {
  /** One frame without its delimiter, possibly longer than maxFrameBytes if it came in one read. */
  frame: [frame: Buffer];
  oversized: [];
  state: [state: PortState, error: string | undefined];
}

export class SerialLink extends EventEmitter<SerialLinkEvents> {
  private port: SerialPortStream | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private failedAttempts = 0;
  private stopping = false;
  /** Watches on the folders where the device's names appear, from a failed open until one succeeds (see watchForDevice). */
  private watchers: fs.FSWatcher[] = [];
  /** A reopen is waiting for its timer (none on its way): a name appearing may start it now. */
  private waiting = false;
  /** When the last open was tried (performance.now()). */
  private lastAttemptMs = Number.NEGATIVE_INFINITY;
  /** The udev link that named the device when `path` last opened: it follows the device to its next kernel name. */
  private stableLink: string | undefined;
  state: PortState = 'closed';
  lastError: string | undefined;

  constructor(private readonly options: SerialLinkOptions) {
    super();
  }

  start(): void {
    this.stopping = false;
    this.open();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.retryTimer);
    this.unwatch();
    const port = this.port;
    if (port?.isOpen) await readUntilQuiet(port);
    this.port = undefined;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    this.setState('closed', undefined);
  }

  private setState(state: PortState, error: string | undefined): void {
    // An open port has no error: the one that kept it closed is over (the status would show it to installers).
    this.lastError = state === 'open' ? undefined : (error ?? this.lastError);
    if (state === this.state) return;
    this.state = state;
    this.emit('state', state, error);
  }

  private open(): void {
    this.waiting = false;
    this.lastAttemptMs = performance.now();
    clearTimeout(this.retryTimer);
    if (this.stopping) return;
    // Retries stay `retrying` until one succeeds: a missing port is one outage, not a flapping state.
    if (this.state !== 'retrying') this.setState('opening', undefined);
    const devicePath = this.devicePath();
    const port = new SerialPortStream({
      binding: BINDING,
      path: devicePath,
      baudRate: this.options.baudRate,
      autoOpen: false,
    });
    this.port = port;
    const splitter = new BoundedDelimiterParser(this.options.delimiter, this.options.maxFrameBytes);
    splitter.on('data', (frame: Buffer) => this.emit('frame', frame));
    splitter.on('oversized', () => this.emit('oversized'));
    let down = false;
    // Open failures, read errors and unplugging can each report the same loss; retry once per port.
    const lost = (err: Error | null | undefined): void => {
      if (down || this.stopping || this.port !== port) return;
      down = true;
      port.unpipe(splitter);
      if (port.isOpen) port.close(() => undefined);
      this.scheduleReopen(err?.message ?? 'port closed');
    };
    port.on('error', lost);
    port.on('close', lost);
    port.open((err) => {
      if (err) {
        lost(err);
        return;
      }
      if (this.stopping || this.port !== port) {
        port.close(() => undefined);
        return;
      }
      this.failedAttempts = 0;
      this.unwatch();
      if (devicePath === this.options.path) this.rememberStableLink();
      port.pipe(splitter);
      this.setState('open', undefined);
      this.options.logger.info({ path: this.options.path, device: devicePath }, 'serial port open');
    });
  }

  /**
   * A USB receiver unplugged and plugged back may come back under another kernel name (ttyUSB0, then ttyUSB1: the old
   * one was still held open as it went, or another adapter took it meanwhile): its udev link, once known, is opened
   * first, so the bridge finds the receiver again, and while the link is there never opens another device that took
   * its old name. Without it (the receiver not plugged back yet, or replaced by another) the given name is tried.
   */
  private devicePath(): string {
    const link = this.stableLink;
    return link !== undefined && fs.existsSync(link) ? link : this.options.path;
  }

  /** Notes the udev link that resolves to the device `path` names now, when there is one (a USB device). */
  private rememberStableLink(): void {
    const dir = this.options.stableLinksDir ?? STABLE_LINKS_DIR;
    let device: string;
    let names: string[];
    try {
      device = fs.realpathSync(this.options.path);
      names = fs.readdirSync(dir);
    } catch {
      return; // no such folder: no udev, or no USB serial device at all
    }
    for (const name of names) {
      const link = path.join(dir, name);
      try {
        if (fs.realpathSync(link) === device) {
          this.stableLink = link;
          return;
        }
      } catch {
        // a link whose device is gone
      }
    }
  }

  private scheduleReopen(reason: string): void {
    const delayMs = backoffDelayMs(this.failedAttempts, this.options.backoff);
    // Warn once per outage; the retries that follow are routine.
    const first = this.failedAttempts === 0;
    this.failedAttempts++;
    this.setState('retrying', reason);
    // The first warning of an outage says what to do about it, when the installer can (review, session 67).
    const advice = first ? portOpenAdvice(this.options.path, reason) : undefined;
    this.options.logger[first ? 'warn' : 'debug'](
      { path: this.options.path, reason, retryInMs: delayMs },
      advice === undefined ? 'serial port unavailable; will retry' : `serial port unavailable; will retry: ${advice}`,
    );
    this.retryTimer = setTimeout(() => this.open(), delayMs);
    this.waiting = true;
    this.watchForDevice();
  }

  /**
   * Watches, until the port opens, the folders where its names appear (the given path's and its udev link's, or their
   * nearest folder that exists: /dev/serial/by-id goes with the last USB serial device), and tries again as soon as one
   * of them does. A receiver plugged in, or plugged back, was opened only at the next retry, up to --retry-max-ms
   * (10 s) later, and a USB serial adapter that nobody holds open drops what its receiver sends: a press in those
   * seconds was lost (review, session 76). The retries go on as before, for names that come without a folder event.
   */
  private watchForDevice(): void {
    this.unwatch();
    const names = this.deviceNames();
    const watched = new Map<string, Set<string>>();
    for (const name of names) {
      let child = path.resolve(name);
      let dir = path.dirname(child);
      while (!fs.existsSync(dir) && path.dirname(dir) !== dir) {
        child = dir;
        dir = path.dirname(dir);
      }
      const entries = watched.get(dir) ?? new Set<string>();
      entries.add(path.basename(child));
      watched.set(dir, entries);
    }
    for (const [dir, entries] of watched) {
      try {
        const watcher = fs.watch(dir, { persistent: false }, (event, filename) => {
          // Its own name: the folder itself went (udev removes /dev/serial/by-id with its last link), watch from nearer.
          const name = filename?.toString();
          if (name !== undefined && !entries.has(name) && name !== path.basename(dir)) return;
          // A name made, removed or moved; its mode or owner changed only when that is what kept it closed (udev gives
          // a new node its group a moment after making it). A tty's writes report changes too: another program holding
          // the port must not have it opened at each of them (an open resets an Arduino).
          if (event === 'change' && !/permission denied|not permitted/i.test(this.lastError ?? '')) return;
          this.nameAppeared();
        });
        watcher.on('error', () => watcher.close());
        this.watchers.push(watcher);
      } catch {
        // a folder that cannot be watched (no inotify left, no permission): the retries find the device
      }
    }
  }

  /**
   * A name of the device changed: open it now (at most once per NAME_ATTEMPT_GAP_MS), unless an attempt is already on
   * its way or the port is open.
   */
  private nameAppeared(): void {
    if (!this.waiting || this.stopping) return;
    const names = this.deviceNames();
    if (!names.some((name) => fs.existsSync(name))) {
      // A folder on the way to a name came or went (/dev/serial, then by-id in it): watched from nearer, or farther. The
      // name may have come meanwhile.
      this.watchForDevice();
      if (!names.some((name) => fs.existsSync(name))) return;
    }
    const waitMs = this.lastAttemptMs + NAME_ATTEMPT_GAP_MS - performance.now();
    if (waitMs <= 0) {
      this.open();
      return;
    }
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.open(), waitMs);
  }

  /** The names the device may appear under: the given path, and its udev link once known. */
  private deviceNames(): string[] {
    return [this.options.path, ...(this.stableLink === undefined ? [] : [this.stableLink])];
  }

  private unwatch(): void {
    for (const watcher of this.watchers) watcher.close();
    this.watchers = [];
  }
}
