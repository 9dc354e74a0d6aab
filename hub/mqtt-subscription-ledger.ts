// The subscriptions each MQTT credential holds in the embedded broker, connected or in sessions away, and their bound.

/**
 * Topic filters one credential (one username) may hold at once, over all its sessions, connected and away. A device,
 * a bridge or a phone needs a few; a responder's program for a scheme a few per flat; 1,000 sessions away of one
 * credential (MAX_SESSIONS_AWAY_PER_CREDENTIAL) ten each. aedes keeps each filter in its subscription tree and, for a
 * persistent session, in its store for the three days a session away is kept. Measured on the hub's RSS: 10,000
 * short filters +77 MB (the bound's worst), 50,000 of 220 characters +178 MB, kept after the client left: without a
 * bound one flat's responder or device credential grew the hub for as long as it kept subscribing (review, session 67).
 * Programs on the Pi (anonymous, loopback) are not counted.
 */
export const MAX_SUBSCRIPTIONS_PER_CREDENTIAL = 10_000;

/** The longest topic filter a credential may subscribe: a Zigbee2MQTT name of 256 characters and its topic fit. */
export const MAX_FILTER_CHARS = 1_024;

/** Why a subscription is refused by the ledger, or undefined when it may be held. */
export type SubscriptionRefusal = 'filter-too-long' | 'too-many-subscriptions';

/**
 * The filters of each session (client id) and the count of each credential. A session keeps its filters across its
 * reconnections (aedes restores a persistent session's); they go when it unsubscribes, when a clean session ends,
 * when a client reconnects with a clean session, and when a session away is removed.
 */
export class SubscriptionLedger {
  private readonly sessions = new Map<string, { owner: string; filters: Set<string> }>();
  private readonly perOwner = new Map<string, number>();

  constructor(private readonly maxPerOwner = MAX_SUBSCRIPTIONS_PER_CREDENTIAL) {}

  /** Records `filter` for the session when its owner may hold it; otherwise says why not and records nothing. */
  admit(clientId: string, owner: string, filter: string): SubscriptionRefusal | undefined {
    if (filter.length > MAX_FILTER_CHARS) return 'filter-too-long';
    let session = this.sessions.get(clientId);
    if (session?.filters.has(filter)) return undefined;
    const held = this.perOwner.get(owner) ?? 0;
    if (held >= this.maxPerOwner) return 'too-many-subscriptions';
    if (session === undefined || session.owner !== owner) {
      this.forget(clientId);
      session = { owner, filters: new Set() };
      this.sessions.set(clientId, session);
    }
    session.filters.add(filter);
    this.perOwner.set(owner, held + 1);
    return undefined;
  }

  unsubscribe(clientId: string, filters: readonly string[]): void {
    const session = this.sessions.get(clientId);
    if (session === undefined) return;
    let removed = 0;
    for (const filter of filters) if (session.filters.delete(filter)) removed += 1;
    this.release(session.owner, removed);
    if (session.filters.size === 0) this.sessions.delete(clientId);
  }

  /** The session's filters are gone (a clean session ended or started again, a session away removed). */
  forget(clientId: string): void {
    const session = this.sessions.get(clientId);
    if (session === undefined) return;
    this.sessions.delete(clientId);
    this.release(session.owner, session.filters.size);
  }

  /** Filters held by `owner`'s sessions now. */
  heldBy(owner: string): number {
    return this.perOwner.get(owner) ?? 0;
  }

  private release(owner: string, count: number): void {
    const held = (this.perOwner.get(owner) ?? 0) - count;
    if (held > 0) this.perOwner.set(owner, held);
    else this.perOwner.delete(owner);
  }
}
