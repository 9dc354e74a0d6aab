// Slows down password guessing: each try is reserved per username and per address before any hash is spent.
import { isIP, isIPv6 } from 'node:net';
import { isLoopback } from '../hub/mqtt-auth.js';

/** Tries allowed before any wait. */
const FREE_TRIES = 3;
const FIRST_WAIT_MS = 1_000;
const MAX_WAIT_MS = 60_000;
/** A key with no try for this long is forgotten. */
const FORGET_AFTER_MS = 15 * 60_000;
/** Keys kept at most (the oldest goes first): junk from many addresses cannot grow the hub's memory. */
const DEFAULT_MAX_KEYS = 10_000;
/** How long an address a user logged in from stays theirs for the throttle (a console used every shift). */
const KNOWN_ADDRESS_MS = 30 * 24 * 3_600_000;

interface TryRecord {
  /** Tries not yet excused by a right password. */
  tries: number;
  lastTryAt: number;
  nextAllowedAt: number;
}

/** A try that may go on to the password check; a wrong password leaves it counted, a right one calls `succeeded`. */
export interface LoginTry {
  readonly username: string;
  readonly ip: string;
  readonly at: number;
}

function waitAfter(tries: number): number {
  const extra = tries - FREE_TRIES;
  return extra > 0 ? Math.min(MAX_WAIT_MS, FIRST_WAIT_MS * 2 ** (extra - 1)) : 0;
}

/** One IPv6 user usually holds a whole /64: count the prefix, or rotating addresses would escape the limit. */
export function addressKey(ip: string): string {
  if (!isIPv6(ip) || ip.startsWith('::ffff:')) return ip.replace(/^::ffff:/, '');
  const full = expandIPv6(ip);
  return `${full.slice(0, 4).join(':')}::/64`;
}

function expandIPv6(ip: string): string[] {
  const [head, tail] = ip.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const zeros = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((part) => part.toLowerCase().replace(/^0+(?=.)/, ''));
}

/**
 * How long a key must still wait. Never longer than the wait it was given: a wall clock stepped back (NTP correcting
 * a Pi without a real-time clock) would otherwise lock a key, even one with no wait at all, out for the hours stepped.
 */
function remainingWaitMs(record: TryRecord, now: number): number {
  return Math.min(record.nextAllowedAt - now, record.nextAllowedAt - record.lastTryAt);
}

export class LoginThrottle {
  // Insertion order is kept oldest-first (a record is re-inserted on each try), so forgetting stops at the first fresh one.
  private readonly records = new Map<string, TryRecord>();
  /**
   * `username` + address key → when that user last logged in from there. Guesses at a username from elsewhere
   * make it wait, but not at an address it logged in from before: otherwise one guess a minute from anywhere on the
   * network would keep a responder out of the console (OWASP's lockout denial of service). Oldest-first, bounded.
   */
  private readonly knownAddresses = new Map<string, number>();

  constructor(private readonly maxKeys = DEFAULT_MAX_KEYS) {}

  private static keys(username: string, ip: string): [string, string] {
    return [`user:${username}`, `ip:${addressKey(ip)}`];
  }

  private static pairKey(username: string, ip: string): string {
    return `${username}\u0000${addressKey(ip)}`;
  }

  /**
   * Reserves a try before the password is checked: a wait (ms) when this username or this address must wait,
   * otherwise the try, already counted. Synchronous, so parallel requests cannot all pass one check.
   */
  reserve(username: string, ip: string, now: number): { waitMs: number } | { attempt: LoginTry } {
    this.forgetOld(now);
    const keys = LoginThrottle.keys(username, ip);
    const knownSince = this.knownAddresses.get(LoginThrottle.pairKey(username, ip));
    const known = knownSince !== undefined && now - knownSince < KNOWN_ADDRESS_MS;
    // An address with no wrong try of its own in the last 15 minutes is not the one guessing: its one try is checked
    // whatever the username's wait. Without this, a guesser sending a try a second for `admin` took each try the
    // moment the wait allowed it, and kept the admin out of every address they had not logged in from in 30 days
    // (a new hub's first login, another PC) for as long as it went on (review, session 73). A guesser gains one try
    // per address it holds per 15 minutes (an IPv6 /64 counts as one).
    const ipRecord = this.records.get(keys[1]);
    const clean = ipRecord === undefined || ipRecord.tries === 0;
    let waitMs = 0;
    for (const key of keys) {
      // The address's own tries always count; the username's from elsewhere not at an address of this user, nor at
      // one that has made no wrong try.
      if ((known || clean) && key === keys[0]) continue;
      const record = this.records.get(key);
      if (record) waitMs = Math.max(waitMs, remainingWaitMs(record, now));
    }
    if (waitMs > 0) return { waitMs };
    for (const key of keys) {
      const record = this.records.get(key) ?? { tries: 0, lastTryAt: now, nextAllowedAt: now };
      record.tries += 1;
      record.lastTryAt = now;
      record.nextAllowedAt = now + waitAfter(record.tries);
      this.records.delete(key);
      this.records.set(key, record);
    }
    while (this.records.size > this.maxKeys) this.records.delete(this.records.keys().next().value!);
    return { attempt: { username, ip, at: now } };
  }

  /**
   * A right password clears the username's record, and excuses this try at the address (not the address's
   * earlier tries: one good login does not excuse guessing others).
   */
  succeeded(attempt: LoginTry): void {
    const [userKey, ipKey] = LoginThrottle.keys(attempt.username, attempt.ip);
    this.records.delete(userKey);
    const pair = LoginThrottle.pairKey(attempt.username, attempt.ip);
    this.knownAddresses.delete(pair);
    this.knownAddresses.set(pair, attempt.at);
    while (this.knownAddresses.size > this.maxKeys)
      this.knownAddresses.delete(this.knownAddresses.keys().next().value!);
    const record = this.records.get(ipKey);
    if (!record) return;
    record.tries = Math.max(0, record.tries - 1);
    record.nextAllowedAt = record.lastTryAt + waitAfter(record.tries);
  }

  /** Keys held now (for tests of the memory bound). */
  get size(): number {
    return this.records.size;
  }

  private forgetOld(now: number): void {
    for (const [key, record] of this.records) {
      if (now - record.lastTryAt <= FORGET_AFTER_MS) break;
      this.records.delete(key);
    }
  }
}

/**
 * The address a login try is counted under. Behind a reverse proxy on the Pi (`HUB_TRUST_PROXY=1`) every request comes
 * from loopback, so one guesser would make every user's login wait: the client is then the address the proxy appended
 * last to `X-Forwarded-For` (earlier entries are whatever the client sent). Without the setting, and for connections
 * not from loopback, the connection's own address.
 */
export function loginAddress(
  socketAddress: string,
  forwardedFor: string | string[] | undefined,
  trustProxy: boolean,
): string {
  if (!trustProxy || forwardedFor === undefined || !isLoopback(socketAddress)) return socketAddress;
  const header = Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor;
  const last = header.split(',').at(-1)?.trim() ?? '';
  return isIP(last) ? last : socketAddress;
}
