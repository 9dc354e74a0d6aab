// One binary-heap timer queue for every home's rule timers; re-arming later costs no heap work.

/**
 * A named timer of one home (e.g. "inactivity" or "offline:<device>"). `dueAt` is when it should
 * fire (Infinity when disarmed); `queuedAt` is the time of its entry in the heap. Pushing a later
 * `dueAt` only moves the field: the old heap entry, when it surfaces, is pushed again at the new
 * time. So a rule re-armed on every event costs a field write, not a heap operation.
 */
export interface TimerSlot {
  readonly homeIndex: number;
  readonly name: string;
  /** For per-device timers (sensor-offline, climate). */
  readonly deviceId?: string;
  dueAt: number;
  queuedAt: number;
  /**
   * Its place among timers due at the same instant (`TimerQueue`'s `tieOf`), worked out when first queued: entries due
   * at one instant come off the heap in its order.
   */
  tie?: number;
}

export interface Entry {
  at: number;
  seq: number;
  slot: TimerSlot;
}

/**
 * Timers due at the same instant fire in the order of `tieOf(slot)`, a number fixed for each timer (the engine's:
 * home, then the timer's rank, then the device's place in the configuration), never in the order they were pushed:
 * that order is the heap's history (a timer re-armed later is pushed again only when its old entry surfaces), which a
 * restart does not keep (it arms every saved timer at once), nor does replay, which asks for the next due time less
 * often than the live hub. `seq` (the push order) only parts two entries of one key: two entries of one slot.
 */
export class TimerQueue {
  private heap: Entry[] = [];
  private seq = 0;

  constructor(private readonly tieOf: (slot: TimerSlot) => number = () => 0) {}

  arm(slot: TimerSlot, at: number): void {
    slot.dueAt = at;
    if (at < slot.queuedAt) {
      slot.queuedAt = at;
      slot.tie ??= this.tieOf(slot);
      this.push({ at, seq: this.seq++, slot });
    }
  }

  disarm(slot: TimerSlot): void {
    slot.dueAt = Infinity;
  }

  /** The next timer really due at or before `now`, taken off the queue (its slot disarmed); undefined when none. */
  popDue(now: number): Entry | undefined {
    // Entries are never later than their slot's due time: nothing at or before `now` means nothing due.
    const head = this.heap[0];
    if (!head || head.at > now) return undefined;
    const top = this.settledTop();
    if (!top || top.at > now) return undefined;
    this.pop();
    top.slot.queuedAt = Infinity;
    top.slot.dueAt = Infinity;
    return top;
  }

  /** When the earliest armed timer is due, or null. */
  nextDueAt(): number | null {
    const top = this.settledTop();
    return top ? top.at : null;
  }

  size(): number {
    return this.heap.length;
  }

  /** Drop stale entries and move deferred ones until the top entry is a real, due-as-queued timer. */
  private settledTop(): Entry | undefined {
    for (;;) {
      const top = this.heap[0];
      if (!top) return undefined;
      const slot = top.slot;
      if (top.at !== slot.queuedAt) {
        this.pop(); // superseded by an earlier entry of the same slot
      } else if (slot.dueAt === Infinity) {
        this.pop();
        slot.queuedAt = Infinity;
      } else if (slot.dueAt > top.at) {
        this.pop();
        slot.queuedAt = slot.dueAt;
        this.push({ at: slot.dueAt, seq: this.seq++, slot });
      } else {
        return top;
      }
    }
  }

  private less(a: Entry, b: Entry): boolean {
    if (a.at !== b.at) return a.at < b.at;
    // Set before the slot's first entry was pushed (`arm`).
    const ta = a.slot.tie!;
    const tb = b.slot.tie!;
    return ta < tb || (ta === tb && a.seq < b.seq);
  }

  private push(entry: Entry): void {
    const heap = this.heap;
    heap.push(entry);
    // Sift up: the entry moves while it is earlier than its parent (every parent index is in range).
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const above = heap[parent];
      if (!above || !this.less(entry, above)) break;
      heap[i] = above;
      i = parent;
    }
    heap[i] = entry;
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop();
    if (!last || heap.length === 0) return;
    // Sift the last entry down from the top: it moves while a child is earlier.
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      let m = i;
      let least = last;
      const left = heap[l];
      if (left && this.less(left, least)) {
        m = l;
        least = left;
      }
      const right = heap[l + 1];
      if (right && this.less(right, least)) {
        m = l + 1;
        least = right;
      }
      if (m === i) break;
      heap[i] = least;
      i = m;
    }
    heap[i] = last;
  }
}
