// The hub's one clock and timer queue: the system clock live, a fake clock in tests and replay.

export interface TimerHandle {
  readonly at: number;
}

export interface Clock {
  now(): number;
  /** Run `fn` once at epoch-ms `at` (at once if `at` is past). */
  setTimer(at: number, fn: () => void): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

interface SystemTimer extends TimerHandle {
  timeout: NodeJS.Timeout | undefined;
}

// setTimeout takes at most 2^31-1 ms; longer waits are re-armed in steps.
const MAX_TIMEOUT_MS = 2_147_483_000;

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(at, fn) {
    const handle: SystemTimer = { at, timeout: undefined };
    const arm = (): void => {
      const delay = at - Date.now();
      if (delay > MAX_TIMEOUT_MS) {
        handle.timeout = setTimeout(arm, MAX_TIMEOUT_MS);
      } else {
        handle.timeout = setTimeout(fn, Math.max(0, delay));
      }
      handle.timeout.unref?.();
    };
    arm();
    return handle;
  },
  clearTimer(handle) {
    const t = (handle as SystemTimer).timeout;
    if (t) clearTimeout(t);
  },
};

interface FakeTimer extends TimerHandle {
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/** A clock that only moves when told; timers fire in time order as it is advanced. */
export class FakeClock implements Clock {
  private current: number;
  private seq = 0;
  private timers: FakeTimer[] = [];

  constructor(start: number = Date.UTC(2026, 0, 5, 8, 0, 0)) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimer(at: number, fn: () => void): TimerHandle {
    const timer: FakeTimer = { at, fn, seq: this.seq++, cancelled: false };
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
}
