// A serial bridge's retained status (`telecare/bridge/<name>/status`, firmware-bridge/bridge.ts) read by the hub: a
// receiver whose port has stayed closed (unplugged, its USB adapter failed) or whose bridge was lost (its last will)
// makes its own device unavailable, so `sensor-offline` calls it within minutes instead of after 25 h of silence,
// while every pendant behind it could raise nothing (review, session 59); in each home it serves (session 60).
import type { Clock, TimerHandle } from './clock.js';
import type { Logger } from './logger.js';

/**
 * How long a bridge may say `offline` before its receiver is reported unavailable: a bridge restarted by systemd, or a
 * receiver reset by its port being opened, is back well within it.
 */
export const BRIDGE_OFFLINE_GRACE_MS = 5 * 60_000;

/** A topic level: printable, no wildcard or separator. */
const BRIDGE_STATUS_TOPIC = /^telecare\/bridge\/([^/+#]{1,128})\/status$/;

export interface BridgeWatchOptions {
  clock: Clock;
  /** How long a bridge may say offline before its receiver is reported unavailable (BRIDGE_OFFLINE_GRACE_MS). */
  graceMs?: number;
  /** Reports the receiver's device (`homeId`, the bridge's name) unavailable (false) or available again (true). */
  report: (homeId: string, deviceId: string, online: boolean) => void;
  /** Whether the status's sender may speak for `homeId` (its credential may publish that home's sensor data). */
  mayReportFor: (homeId: string, username: string | undefined) => boolean;
  /**
   * The homes configured with a device of a bridge's name: the device of its receiver's heartbeats there, as in the
   * home of a bridge's --home. A bridge serving several homes (ndjson lines naming theirs) serves these.
   */
  homesServedBy: (name: string) => readonly string[];
  logger: Logger;
}

interface Watched {
  name: string;
  homeId: string;
  timer: TimerHandle | undefined;
  /** Reported unavailable, not yet available again. */
  reported: boolean;
}

export class BridgeWatch {
  private readonly bridges = new Map<string, Watched>();
  /** The homes each bridge name is watched in (the keys of `bridges` by name): a status looks at its own only. */
  private readonly watchedHomes = new Map<string, Set<string>>();
  private readonly log: Logger;

  constructor(private readonly options: BridgeWatchOptions) {
    this.log = options.logger.child({ ns: 'bridge-watch' });
  }

  /** One status message (retained ones come at the hub's start). Anything unreadable is ignored. */
  onStatus(topic: string, payload: Buffer, username: string | undefined): void {
    const name = BRIDGE_STATUS_TOPIC.exec(topic)?.[1];
    if (name === undefined || payload.length === 0 || payload.length > 64 * 1024) return;
    let status: unknown;
    try {
      status = JSON.parse(payload.toString('utf8'));
    } catch {
      return;
    }
    if (typeof status !== 'object' || status === null) return;
    const { state, homeId } = status as { state?: unknown; homeId?: unknown };
    if (state !== 'online' && state !== 'offline') return;
    // A bridge serving several homes (ndjson lines naming theirs) says null, or only its --home: it serves each home
    // configured with a device of its name (the home it names is one of them when its receiver is configured there).
    if (typeof homeId !== 'string' && homeId !== null) return;
    for (const home of this.servedHomes(name))
      if (this.options.mayReportFor(home, username)) this.onHomeStatus(name, home, state);
  }

  /**
   * The homes with a device of the bridge's name (its --home among them when the receiver is configured there), and
   * those it is watched in now (a reload may have removed its device from one, which must still hear that the receiver
   * is back). Never a home without such a device: nothing would be reported there, and a name anyone allowed to
   * publish a bridge status can make up (one flat's bridge credential) would be held for good, with a timer, and
   * looked through at every status (review, session 64).
   */
  private servedHomes(name: string): Set<string> {
    const homes = new Set(this.options.homesServedBy(name));
    for (const homeId of this.watchedHomes.get(name) ?? []) homes.add(homeId);
    return homes;
  }

  private onHomeStatus(name: string, homeId: string, state: 'online' | 'offline'): void {
    const key = `${homeId}\u0000${name}`;
    let watched = this.bridges.get(key);
    if (state === 'online') {
      if (watched === undefined) return;
      if (watched.timer !== undefined) this.options.clock.clearTimer(watched.timer);
      this.forget(key, watched);
      if (watched.reported) {
        this.log.info({ bridge: name, homeId }, "serial bridge's receiver back: reported available");
        this.options.report(homeId, name, true);
      }
      return;
    }
    if (watched !== undefined) return; // offline again: the same episode
    watched = { name, homeId, timer: undefined, reported: false };
    this.bridges.set(key, watched);
    let homes = this.watchedHomes.get(name);
    if (homes === undefined) this.watchedHomes.set(name, (homes = new Set()));
    homes.add(homeId);
    const entry = watched;
    entry.timer = this.options.clock.setTimer(this.options.clock.now() + this.graceMs, () => {
      entry.timer = undefined;
      entry.reported = true;
      this.log.warn(
        { bridge: name, homeId, graceMs: this.graceMs },
        "serial bridge offline past its grace (receiver unplugged or bridge lost): its receiver's device reported unavailable",
      );
      this.options.report(homeId, name, false);
    });
  }

  private forget(key: string, watched: Watched): void {
    this.bridges.delete(key);
    const homes = this.watchedHomes.get(watched.name);
    homes?.delete(watched.homeId);
    if (homes?.size === 0) this.watchedHomes.delete(watched.name);
  }

  private get graceMs(): number {
    return this.options.graceMs ?? BRIDGE_OFFLINE_GRACE_MS;
  }

  stop(): void {
    for (const watched of this.bridges.values())
      if (watched.timer !== undefined) this.options.clock.clearTimer(watched.timer);
    this.bridges.clear();
    this.watchedHomes.clear();
  }
}
