// The hub's one clock and timer queue: the system clock live, a fake clock in tests and replay.

export interface TimerHandle {
  readonly at: number;
}

export interface TimerOptions {
  /**
   * Also due once the wall clock reads this instant (epoch ms; usually `at` itself): for a stored escalation or
   * delivery due time, or a rule's deadline, rather than a delay from now. A step back of the wall clock still does
   * not hold the timer back (its delay is measured on the monotonic clock), but a step forward past this instant makes
   * it due. A Raspberry Pi has no real-time clock: it starts with the time it last saved, hours behind after a power
   * cut, until network time steps it forward; what fell due while the hub was down (an unanswered alert's next
   * responder group, a resident's silence) must not then wait that error again (docs/time.md).
   */
  wallDueAt?: number;
}

export interface Clock {
  now(): number;
  /** Milliseconds on a clock that never steps (the system's monotonic clock; a fake clock's time less its steps). */
  monotonicNow(): number;
  /**
   * Run `fn` once at epoch-ms `at` (at once if `at` is past). Live, the delay is measured when the timer is set: if
   * the wall clock steps meanwhile, `fn` may run while `now()` is still before `at`, and must take itself as due.
   */
  setTimer(at: number, fn: () => void, options?: TimerOptions): TimerHandle;
  clearTimer(handle: TimerHandle): void;
  /**
   * Be told when the wall clock steps (a second or more against the monotonic clock), with the step; returns the way
   * to stop. Live the wall clock is read once a second while anyone listens.
   */
  onStep(listener: (stepMs: number) => void): () => void;
}

interface SystemTimer extends TimerHandle {
  timeout: NodeJS.Timeout | undefined;
}

/** Where the system clock reads time: the wall clock for `now()`, a monotonic clock (ms) for delays. */
export interface TimeSources {
  wallNow(): number;
  monotonicNow(): number;
}

// setTimeout takes at most 2^31-1 ms; longer waits are re-armed in steps.
const MAX_TIMEOUT_MS = 2_147_483_000;
/** Node may wake a timer up to a millisecond before the monotonic clock says it is due. */
const WAKE_EARLY_TOLERANCE_MS = 1;
/** How often the wall clock is read while a timer with a `wallDueAt` waits. */
export const WALL_CHECK_MS = 1_000;
/**
 * How much sooner the wall clock must make such a timer due before it is re-armed: a step (network time correcting a
 * clock, an installer), not the milliseconds the wall clock drifts from the monotonic one as network time slews it.
 */
const WALL_STEP_MS = 1_000;

/**
 * The hub's clock: wall time for `now()`, but every timer's delay (`at` minus now, when armed) measured on a
 * monotonic clock. A wall clock stepped back an hour (NTP, a wrong RTC corrected) would otherwise hold a due timer
 * back an hour, and one stepped forward fire it early; a timer woken before its delay is over sleeps again. A timer
 * with a `wallDueAt` is also due once the wall clock reads it: while one waits, the wall clock is read every
 * `WALL_CHECK_MS` (one unref'd interval for them all), and a step forward past it brings the timer due then.
 */
export function createSystemClock(sources: Partial<TimeSources> = {}): Clock {
  const wallNow = sources.wallNow ?? (() => Date.now());
  const monotonicNow = sources.monotonicNow ?? (() => performance.now());
  /** The waiting timers with a `wallDueAt`, each with what brings it forward when the wall clock has stepped past it. */
  const wallDue = new Map<SystemTimer, () => void>();
  let wallCheck: NodeJS.Timeout | undefined;
  const forget = (handle: SystemTimer): void => {
    if (!wallDue.delete(handle) || wallDue.size > 0 || wallCheck === undefined) return;
    clearInterval(wallCheck);
    wallCheck = undefined;
  };
  return {
    now: wallNow,
    monotonicNow,
    setTimer(at, fn, options) {
      const handle: SystemTimer = { at, timeout: undefined };
      let dueMono = monotonicNow() + Math.max(0, at - wallNow());
      const arm = (): void => {
        const leftMs = dueMono - monotonicNow();
        handle.timeout = setTimeout(wake, Math.max(0, Math.min(leftMs, MAX_TIMEOUT_MS)));
        handle.timeout.unref?.();
      };
      const wake = (): void => {
        if (dueMono - monotonicNow() > WAKE_EARLY_TOLERANCE_MS) arm();
        else {
          handle.timeout = undefined;
          forget(handle);
          fn();
        }
      };
      arm();
      const wallDueAt = options?.wallDueAt;
      if (wallDueAt !== undefined) {
        wallDue.set(handle, () => {
          // Due by the wall clock sooner than by the delay measured when armed: the wall clock stepped forward.
          const byWall = monotonicNow() + Math.max(0, wallDueAt - wallNow());
          if (byWall > dueMono - WALL_STEP_MS) return;
          dueMono = byWall;
          clearTimeout(handle.timeout);
          arm();
        });
        if (wallCheck === undefined) {
          wallCheck = setInterval(() => {
            for (const bringForward of wallDue.values()) bringForward();
          }, WALL_CHECK_MS);
          wallCheck.unref?.();
        }
      }
      return handle;
    },
    clearTimer(handle) {
      const t = (handle as SystemTimer).timeout;
      if (t) clearTimeout(t);
      forget(handle as SystemTimer);
    },
    onStep(listener) {
      let offset = wallNow() - monotonicNow();
      const check = setInterval(() => {
        const now = wallNow() - monotonicNow();
        if (Math.abs(now - offset) < WALL_STEP_MS) return;
        const stepMs = now - offset;
        offset = now;
        listener(stepMs);
      }, WALL_CHECK_MS);
      check.unref?.();
      return () => clearInterval(check);
    },
  };
}

export const systemClock: Clock = createSystemClock();

interface FakeTimer extends TimerHandle {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
  wallDueAt: number;
}

/** A clock that only moves when told; timers fire in time order as it is advanced. */
export class FakeClock implements Clock {
  private current: number;
  /** The wall clock's steps so far (`stepWall`): the monotonic clock is `current` less them. */
  private stepped = 0;
  private seq = 0;
  private timers: FakeTimer[] = [];
  private readonly stepListeners = new Set<(stepMs: number) => void>();

  constructor(start: number = Date.UTC(2026, 0, 5, 8, 0, 0)) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  monotonicNow(): number {
    return this.current - this.stepped;
  }

  setTimer(at: number, fn: () => void, options?: TimerOptions): TimerHandle {
    const timer: FakeTimer = { at, fn, seq: this.seq++, cancelled: false, wallDueAt: options?.wallDueAt ?? Infinity };
    this.timers.push(timer);
    return timer;
  }

  clearTimer(handle: TimerHandle): void {
    (handle as FakeTimer).cancelled = true;
  }

  /** Number of timers still waiting. */
  pending(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  /** Move to `to`, firing every timer due on the way, in order (timers set while firing included). */
  advanceTo(to: number): void {
    for (;;) {
      this.timers = this.timers.filter((t) => !t.cancelled);
      let next: FakeTimer | undefined;
      for (const t of this.timers) {
        if (t.at <= to && (!next || t.at < next.at || (t.at === next.at && t.seq < next.seq))) next = t;
      }
      if (!next) break;
      next.cancelled = true;
      this.current = Math.max(this.current, next.at);
      next.fn();
    }
    this.current = Math.max(this.current, to);
  }

  advanceBy(ms: number): void {
    this.advanceTo(this.current + ms);
  }

  /**
   * Step the wall clock by `deltaMs` (either way), as NTP or a corrected RTC does: `now()` jumps, and each waiting
   * timer keeps the delay it had left, as the system clock's timers (measured on a monotonic clock) do, or comes due
   * when the wall clock reads its `wallDueAt`, whichever is sooner.
   */
  stepWall(deltaMs: number): void {
    this.current += deltaMs;
    this.stepped += deltaMs;
    for (const t of this.timers) t.at = Math.min(t.at + deltaMs, t.wallDueAt);
    if (Math.abs(deltaMs) >= WALL_STEP_MS) for (const listener of [...this.stepListeners]) listener(deltaMs);
  }

  onStep(listener: (stepMs: number) => void): () => void {
    this.stepListeners.add(listener);
    return () => this.stepListeners.delete(listener);
  }
}
