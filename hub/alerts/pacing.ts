// The pace of an open alert's repeats (review, session 64, round 2). A device's own alarm repeats with every report of
// it: one 64 KiB native message can carry 1,250 pendant presses, a stuck button or a misused credential sends them
// without end. Each was a version of the alert, stored, published retained to every alert subscriber, queued for the
// centre: 1,250 versions, a second of the alert loop, another flat's press behind all of it. Now the first press is an
// alert at once (never paced: it is a new alert, not a repeat), a few repeats after a version are told at once too (a
// resident pressing two or three times in distress), and past that burst one version a second at most: the repeats
// meanwhile are counted (the count stays exact) and told together in one version, the last always told, before any
// other change of the alert (acknowledgement, resolution, cancellation, a raised severity) and at a graceful stop.
// What is held is noted in the store once per turn of the loop (`changed`), before the presses are acknowledged to
// their sender, so a hub killed within the second tells them at its next start (review, session 65).
import type { Clock, TimerHandle } from '../clock.js';
import type { RuleDecision } from '../../rules/types.js';

type Raise = Extract<RuleDecision, { type: 'raise' }>;

/** Repeats of one alert told at once, one after another, before the pace holds them. */
export const REPEAT_BURST = 3;
/** Past the burst, at most one version of an alert's repeats per this long (the burst refills at this pace too). */
export const REPEAT_PACE_MS = 1_000;

/**
 * The kinds paced: a device's own report, repeated as often as the device (or a sender using its credential) sends it.
 * The inactivity family, night exits, climate and offline devices repeat once per episode from the rules: never paced.
 */
export const PACED_KINDS: ReadonlySet<string> = new Set([
  'pendant',
  'fall',
  'smoke',
  'co',
  'gas',
  'flood',
  'low-battery',
  'tamper',
]);

/** Repeats held back, to be told in one version. */
export interface PendingRepeats {
  homeId: string;
  kind: string;
  /** The alert's severity when the first of them was held (a more serious repeat is never held: see `holdMore`). */
  severity: string;
  /** How many repeats (each one of the alert's count). */
  count: number;
  /** The alert's count when the first of them was held: it has `baseCount + count` once they are told. */
  baseCount: number;
  /** The hub's time of the last of them: the alert's `lastSeenAt` once told. */
  lastSeenAt: number;
  /** The latest repeat of each device, in the order of their last repeat (another device's alarm is named). */
  decisions: Map<string, Raise>;
}

interface Bucket {
  /** Repeats that may be told at once (refills at one per REPEAT_PACE_MS, up to REPEAT_BURST). */
  tokens: number;
  /** When `tokens` was last brought up to date (the hub's clock). */
  at: number;
  pending: PendingRepeats | undefined;
  timer: TimerHandle | undefined;
}

/** Buckets kept before the full and idle ones are swept (one per alert repeated lately). */
const SWEEP_ABOVE = 64;

export class RepeatPacing {
  private readonly buckets = new Map<string, Bucket>();
  /** The alert with repeats held, by home and kind: a flood's later repeats are held without reading the store. */
  private readonly pendingByKind = new Map<string, string>();

  constructor(
    private readonly clock: Clock,
    /** Tells the repeats held for an alert (its timer fell due): `take` gives them. */
    private readonly due: (alertId: string) => void,
    /** The repeats held for an alert changed (held, or taken): the store's note of them is brought up to date. */
    private readonly changed: (alertId: string) => void = () => undefined,
  ) {}

  /**
   * Whether a repeat of kind `kind` of the open alert `alertId` at `now` is to be held (counted, told at the pace) rather
   * than told at once: repeats of it are held already, or its burst is spent. Changes nothing but the refill, so it may
   * be asked inside a transaction that could still fail.
   */
  mustHold(alertId: string, kind: string, now: number): boolean {
    if (!PACED_KINDS.has(kind)) return false;
    const bucket = this.buckets.get(alertId);
    if (bucket === undefined) return false;
    refill(bucket, now);
    return bucket.pending !== undefined || bucket.tokens < 1;
  }

  /** A repeat of kind `kind` of `alertId` told at once at `now`: it costs the burst one. */
  spend(alertId: string, kind: string, now: number): void {
    if (!PACED_KINDS.has(kind)) return;
    const bucket = this.bucket(alertId, now);
    refill(bucket, now);
    bucket.tokens = Math.max(0, bucket.tokens - 1);
  }

  /**
   * A repeat of the open alert `alertId` (of severity `alertSeverity`, count `alertCount`) held: counted into its pending
   * repeats, told with them when the burst has refilled one (a timer on the hub's clock) or before the alert's next
   * change.
   */
  hold(alertId: string, alertSeverity: string, alertCount: number, decision: Raise, now: number): void {
    const bucket = this.bucket(alertId, now);
    refill(bucket, now);
    if (bucket.pending === undefined) this.pendingByKind.set(kindKey(decision.homeId, decision.kind), alertId);
    const pending = (bucket.pending ??= {
      homeId: decision.homeId,
      kind: decision.kind,
      severity: alertSeverity,
      count: 0,
      baseCount: alertCount,
      lastSeenAt: now,
      decisions: new Map(),
    });
    pending.count += 1;
    pending.lastSeenAt = Math.max(pending.lastSeenAt, now);
    const device = decision.deviceId ?? '';
    pending.decisions.delete(device);
    pending.decisions.set(device, decision);
    this.changed(alertId);
    if (bucket.timer === undefined) {
      const dueAt = now + Math.max(0, Math.ceil((1 - bucket.tokens) * REPEAT_PACE_MS));
      bucket.timer = this.clock.setTimer(dueAt, () => {
        bucket.timer = undefined;
        this.due(alertId);
      });
    }
  }

  private bucket(alertId: string, now: number): Bucket {
    let bucket = this.buckets.get(alertId);
    if (bucket === undefined) {
      if (this.buckets.size >= SWEEP_ABOVE) this.sweep(now);
      bucket = { tokens: REPEAT_BURST, at: now, pending: undefined, timer: undefined };
      this.buckets.set(alertId, bucket);
    }
    return bucket;
  }

  /** The repeats held for `alertId`, taken (told now: one version, which costs the bucket a repeat). */
  take(alertId: string, now: number): PendingRepeats | undefined {
    const bucket = this.buckets.get(alertId);
    if (bucket?.pending === undefined) return undefined;
    const { pending } = bucket;
    bucket.pending = undefined;
    this.pendingByKind.delete(kindKey(pending.homeId, pending.kind));
    if (bucket.timer !== undefined) this.clock.clearTimer(bucket.timer);
    bucket.timer = undefined;
    this.changed(alertId);
    refill(bucket, now);
    bucket.tokens = Math.max(0, bucket.tokens - 1);
    return pending;
  }

  /** The repeats held for `alertId`, left held (the store's note of them). */
  pending(alertId: string): PendingRepeats | undefined {
    return this.buckets.get(alertId)?.pending;
  }

  /** True when repeats of `alertId` are held. */
  hasPending(alertId: string): boolean {
    return this.buckets.get(alertId)?.pending !== undefined;
  }

  /** The alert with repeats held in `homeId` of `kind`, if any (it is open: they are told before it closes). */
  pendingFor(homeId: string, kind: string): string | undefined {
    // No key made on a press's path while nothing is held (almost always).
    return this.pendingByKind.size === 0 ? undefined : this.pendingByKind.get(kindKey(homeId, kind));
  }

  /**
   * A repeat held at once, without reading the store, when repeats of its open alert are held already and it is as
   * serious as the first of them: a flood's later presses. False when it must go the usual way.
   */
  holdMore(decision: Raise, now: number): boolean {
    const alertId = this.pendingFor(decision.homeId, decision.kind);
    if (alertId === undefined) return false;
    const pending = this.buckets.get(alertId)?.pending;
    if (pending?.severity !== decision.severity) return false;
    this.hold(alertId, pending.severity, pending.baseCount, decision, now);
    return true;
  }

  /** Every alert with repeats held (a graceful stop tells them). */
  pendingIds(): string[] {
    return [...this.buckets].filter(([, b]) => b.pending !== undefined).map(([id]) => id);
  }

  /** The alert is closed: nothing more to pace. */
  forget(alertId: string): void {
    const bucket = this.buckets.get(alertId);
    if (bucket?.pending !== undefined) {
      this.pendingByKind.delete(kindKey(bucket.pending.homeId, bucket.pending.kind));
      this.changed(alertId);
    }
    if (bucket?.timer !== undefined) this.clock.clearTimer(bucket.timer);
    this.buckets.delete(alertId);
  }

  /** Every timer stopped (the service stops; what was held has been told). */
  clear(): void {
    for (const id of [...this.buckets.keys()]) this.forget(id);
  }

  /** Buckets full again with nothing held are as good as none. */
  private sweep(now: number): void {
    for (const [id, bucket] of this.buckets) {
      if (bucket.pending === undefined && now - bucket.at >= REPEAT_BURST * REPEAT_PACE_MS) this.buckets.delete(id);
    }
  }
}

function kindKey(homeId: string, kind: string): string {
  return `${homeId}\u0000${kind}`;
}

function refill(bucket: Bucket, now: number): void {
  // A clock stepped back refills nothing (and the bucket's time moves with it).
  if (now > bucket.at) bucket.tokens = Math.min(REPEAT_BURST, bucket.tokens + (now - bucket.at) / REPEAT_PACE_MS);
  bucket.at = now;
}
