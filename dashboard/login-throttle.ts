// Slows down password guessing: after a few wrong passwords for a username or from an address, each try must wait longer.

/** Wrong passwords allowed before any wait. */
const FREE_FAILURES = 3;
const FIRST_WAIT_MS = 1_000;
const MAX_WAIT_MS = 60_000;
/** A key with no failure for this long is forgotten. */
const FORGET_AFTER_MS = 15 * 60_000;

interface FailureRecord {
  failures: number;
  lastFailureAt: number;
  nextAllowedAt: number;
}

export class LoginThrottle {
  private readonly records = new Map<string, FailureRecord>();

  private static keys(username: string, ip: string): string[] {
    return [`user:${username}`, `ip:${ip}`];
  }

  /** Milliseconds to wait before this username may be tried from this address (0: go ahead). */
  waitMs(username: string, ip: string, now: number): number {
    let wait = 0;
    for (const key of LoginThrottle.keys(username, ip)) {
      const record = this.records.get(key);
      if (record) wait = Math.max(wait, record.nextAllowedAt - now);
    }
    return Math.max(0, wait);
  }

  recordFailure(username: string, ip: string, now: number): void {
    this.forgetOld(now);
    for (const key of LoginThrottle.keys(username, ip)) {
      const record = this.records.get(key) ?? { failures: 0, lastFailureAt: now, nextAllowedAt: now };
      record.failures += 1;
      record.lastFailureAt = now;
      const extra = record.failures - FREE_FAILURES;
      record.nextAllowedAt = extra > 0 ? now + Math.min(MAX_WAIT_MS, FIRST_WAIT_MS * 2 ** (extra - 1)) : now;
      this.records.set(key, record);
    }
  }

  /** A right password clears the username's record (not the address's: one good login does not excuse guessing others). */
  recordSuccess(username: string): void {
    this.records.delete(`user:${username}`);
  }

  private forgetOld(now: number): void {
    for (const [key, record] of this.records) {
      if (now - record.lastFailureAt > FORGET_AFTER_MS) this.records.delete(key);
    }
  }
}
