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
    // A bridge serving several homes (ndjson lines naming theirs) says null, or only its --home: it serves each.
    if (typeof homeId !== 'string' && homeId !== null) return;
    for (const home of this.servedHomes(name, homeId))
      if (this.options.mayReportFor(home, username)) this.onHomeStatus(name, home, state);
  }

  /**
   * The bridge's --home, the homes with a device of its name, and those it is watched in now (a reload may have
   * removed its device from one, which must still hear that the receiver is back).
   */
  private servedHomes(name: string, homeId: string | null): Set<string> {
    const homes = new Set(this.options.homesServedBy(name));
    if (homeId !== null) homes.add(homeId);
    for (const watched of this.bridges.values()) if (watched.name === name) homes.add(watched.homeId);
    return homes;
  }

  private onHomeStatus(name: string, homeId: string, state: 'online' | 'offline'): void {
    const key = `${homeId}\u0000${name}`;
    let watched = this.bridges.get(key);
    if (state === 'online') {
      if (watched === undefined) return;
      if (watched.timer !== undefined) this.options.clock.clearTimer(watched.timer);
      this.bridges.delete(key);
      if (watched.reported) {
        this.log.info({ bridge: name, homeId }, "serial bridge's receiver back: reported available");
        this.options.report(homeId, name, true);
      }
      return;
    }
    if (watched !== undefined) return; // offline again: the same episode
    watched = { name, homeId, timer: undefined, reported: false };
    this.bridges.set(key, watched);
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

  private get graceMs(): number {
    return this.options.graceMs ?? BRIDGE_OFFLINE_GRACE_MS;
  }

  stop(): void {
    for (const watched of this.bridges.values())
      if (watched.timer !== undefined) this.options.clock.clearTimer(watched.timer);
    this.bridges.clear();
  }
}
