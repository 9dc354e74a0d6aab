// Where each client id lives: a connected client id is not taken over from another address (review, session 68).
//
// Devices of a flat sharing one credential may all use any client id of it (the registry in mqtt-auth.ts ties an id to
// a username, not to a device). MQTT lets a new connection under a connected id close the old one (MQTT-3.1.4-2), so a
// compromised sensor presenting the pendant's id again and again kept the pendant off the broker. A device's reconnect
// (a Wi-Fi drop, its old socket half-open) comes from its own address: that is always let in, at once. Once an id has
// a home (the address that has held it for 10 minutes; it moves to one that then holds it for an hour), another
// address takes it while connected only from that home (a pendant whose id was taken while it was away takes it back)
// or when the connection holding it has gone quiet past its keep-alive (dead, not yet noticed). Before an id has a
// home (the first minutes after a start) it is taken over as MQTT says: whoever connects first after a restart does
// not lock the other out.
import { addressKey } from '../dashboard/login-throttle.js';

export interface ClientIdHomeTimes {
  /** How long an address must hold an id that has no home for it to become the id's home. */
  firstMs: number;
  /** How long an address must hold an id for its home to move there. */
  moveMs: number;
}

export const CLIENT_ID_HOME_AFTER: ClientIdHomeTimes = { firstMs: 10 * 60_000, moveMs: 60 * 60_000 };
/** A holder back from the same address within this keeps its time held (a reconnect, not a new stay). */
const RECONNECT_GAP_MS = 60_000;
/** A connection without keep-alive (MQTT's 0) is taken as gone after this long unheard. */
export const NO_KEEPALIVE_QUIET_MS = 60_000;
/** Client ids whose home is remembered; past it the oldest is forgotten (taken over as MQTT says until it has one again). */
export const MAX_CLIENT_ID_HOMES = 10_000;

/** The connection holding an id now, as the broker sees it. */
export interface IdHolder {
  remoteAddress: string | undefined;
  /** Milliseconds since anything was read from it. */
  quietMs: number;
  /** Its keep-alive in milliseconds (0: none). */
  keepaliveMs: number;
}

interface Place {
  home: string | undefined;
  /** The address that holds the id, or held it last, since when, and whether it is connected now. */
  holder: string;
  since: number;
  connected: boolean;
  leftAt: number;
}

export function sourceOf(remoteAddress: string | undefined): string {
  return remoteAddress === undefined ? 'unknown' : addressKey(remoteAddress);
}

export class ClientIdHomes {
  private readonly places = new Map<string, Place>();

  constructor(
    private readonly times: ClientIdHomeTimes = CLIENT_ID_HOME_AFTER,
    private readonly maxEntries = MAX_CLIENT_ID_HOMES,
  ) {}

  /** A connection from `remoteAddress` now holds `clientId` (it became ready). */
  held(clientId: string, remoteAddress: string | undefined, nowMs: number): void {
    const source = sourceOf(remoteAddress);
    const place = this.places.get(clientId);
    if (place === undefined) {
      if (this.places.size >= this.maxEntries) this.places.delete(this.places.keys().next().value!);
      this.places.set(clientId, { home: undefined, holder: source, since: nowMs, connected: true, leftAt: nowMs });
      return;
    }
    this.settle(place, nowMs);
    if (place.holder !== source || (!place.connected && nowMs - place.leftAt > RECONNECT_GAP_MS)) place.since = nowMs;
    place.holder = source;
    place.connected = true;
  }

  /** The connection holding `clientId` left (its home is kept). */
  left(clientId: string, nowMs: number): void {
    const place = this.places.get(clientId);
    if (place === undefined) return;
    this.settle(place, nowMs);
    place.connected = false;
    place.leftAt = nowMs;
  }

  /**
   * Whether a connection from `remoteAddress` may take `clientId` over from `holder`, connected now. The same address
   * (an IPv6 /64) always may: the device itself reconnecting.
   */
  mayTakeOver(clientId: string, remoteAddress: string | undefined, holder: IdHolder, nowMs: number): boolean {
    const source = sourceOf(remoteAddress);
    if (source === sourceOf(holder.remoteAddress)) return true;
    if (holder.quietMs >= (holder.keepaliveMs > 0 ? holder.keepaliveMs : NO_KEEPALIVE_QUIET_MS)) return true;
    const place = this.places.get(clientId);
    if (place === undefined) return true;
    this.settle(place, nowMs);
    return place.home === undefined || source === place.home;
  }

  /** The address holding the id becomes its home once it has held it long enough (connected). */
  private settle(place: Place, nowMs: number): void {
    if (!place.connected || place.holder === place.home) return;
    const needed = place.home === undefined ? this.times.firstMs : this.times.moveMs;
    if (nowMs - place.since >= needed) place.home = place.holder;
  }
}
