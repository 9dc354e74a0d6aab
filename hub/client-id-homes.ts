// Where each client id lives: a connected client id is not taken over from another address (review, session 68).
//
// Devices of a flat sharing one credential may all use any client id of it (the registry in mqtt-auth.ts ties an id to
// a username, not to a device). MQTT lets a new connection under a connected id close the old one (MQTT-3.1.4-2), so a
// compromised sensor presenting the pendant's id again and again kept the pendant off the broker. A device's reconnect
// (a Wi-Fi drop, its old socket half-open) comes from its own address: that is always let in, at once. Another
// address takes a connected id only when the connection holding it has gone quiet past its keep-alive (dead, but not
// yet noticed), or when the id's home is there: the address it was first held from in this run, or one that held it
// for an hour since, so a pendant whose id was taken while it was away takes it back.
import { addressKey } from '../dashboard/login-throttle.js';

/** How long an address must hold a client id before the id's home moves there. */
export const CLIENT_ID_HOME_AFTER_MS = 60 * 60_000;
/** A connection without keep-alive (MQTT's 0) is taken as gone after this long unheard. */
export const NO_KEEPALIVE_QUIET_MS = 60_000;
/** Client ids whose home is remembered; past it the oldest is forgotten (its holder's address then counts as home). */
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
  home: string;
  /** The address holding the id now, and since when; undefined while no connection holds it. */
  holder: string | undefined;
  since: number;
}

export function sourceOf(remoteAddress: string | undefined): string {
  return remoteAddress === undefined ? 'unknown' : addressKey(remoteAddress);
}

export class ClientIdHomes {
  private readonly places = new Map<string, Place>();

  constructor(private readonly maxEntries = MAX_CLIENT_ID_HOMES) {}

  /** A connection from `remoteAddress` now holds `clientId` (it became ready). */
  held(clientId: string, remoteAddress: string | undefined, nowMs: number): void {
    const source = sourceOf(remoteAddress);
    const place = this.places.get(clientId);
    if (place === undefined) {
      if (this.places.size >= this.maxEntries) this.places.delete(this.places.keys().next().value!);
      this.places.set(clientId, { home: source, holder: source, since: nowMs });
      return;
    }
    settle(place, nowMs);
    if (place.holder !== source) {
      place.holder = source;
      place.since = nowMs;
    }
  }

  /** The connection holding `clientId` left (its home is kept). */
  left(clientId: string, nowMs: number): void {
    const place = this.places.get(clientId);
    if (place === undefined) return;
    settle(place, nowMs);
    place.holder = undefined;
  }

  /**
   * Whether a connection from `remoteAddress` may take `clientId` over from `holder`, connected now. The same address
   * (an IPv6 /64) always may: the device itself reconnecting.
   */
  mayTakeOver(clientId: string, remoteAddress: string | undefined, holder: IdHolder, nowMs: number): boolean {
    const source = sourceOf(remoteAddress);
    const holderSource = sourceOf(holder.remoteAddress);
    if (source === holderSource) return true;
    if (holder.quietMs >= (holder.keepaliveMs > 0 ? holder.keepaliveMs : NO_KEEPALIVE_QUIET_MS)) return true;
    const place = this.places.get(clientId);
    if (place === undefined) return false;
    settle(place, nowMs);
    return source === place.home;
  }
}

/** An address that has held the id for an hour becomes its home. */
function settle(place: Place, nowMs: number): void {
  if (place.holder !== undefined && place.holder !== place.home && nowMs - place.since >= CLIENT_ID_HOME_AFTER_MS)
    place.home = place.holder;
}
