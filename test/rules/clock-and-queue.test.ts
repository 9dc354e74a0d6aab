// The engine's building blocks: local time from an IANA zone (cached offsets) and the timer heap.
import { describe, expect, it } from 'vitest';
import { ZoneClock } from '../../rules/local-time.js';
import { TimerQueue, type TimerSlot } from '../../rules/timer-queue.js';

const slot = (name: string): TimerSlot => ({ homeIndex: 0, name, dueAt: Infinity, queuedAt: Infinity });

describe('local time of a home', () => {
  it('follows Europe/London across the clocks going forward and back', () => {
    const london = new ZoneClock('Europe/London');
    expect(london.minuteOfDay(Date.UTC(2026, 2, 29, 0, 30))).toBe(30); // GMT
    expect(london.minuteOfDay(Date.UTC(2026, 2, 29, 1, 30))).toBe(150); // BST from 01:00 UTC
    expect(london.minuteOfDay(Date.UTC(2026, 9, 25, 0, 30))).toBe(90);
    expect(london.minuteOfDay(Date.UTC(2026, 9, 25, 1, 30))).toBe(90); // back to GMT
    expect(london.instantOf(london.dayNumber(Date.UTC(2026, 5, 1, 12)), 600)).toBe(Date.UTC(2026, 5, 1, 9));
  });

  it('hour of the week starts on Monday 00:00 local; zones with half-hour offsets work', () => {
    expect(new ZoneClock('UTC').hourOfWeek(Date.UTC(2026, 0, 5, 0, 10))).toBe(0);
    expect(new ZoneClock('UTC').hourOfWeek(Date.UTC(2026, 0, 11, 23, 10))).toBe(167);
    expect(new ZoneClock('Asia/Kolkata').minuteOfDay(Date.UTC(2026, 0, 5, 0, 0))).toBe(330);
    expect(() => new ZoneClock('Mars/Olympus')).toThrow(RangeError);
  });
});

describe('timer queue', () => {
  it('fires in time order; re-arming later or earlier and disarming are honoured', () => {
    const q = new TimerQueue();
    const a = slot('a');
    const b = slot('b');
    const c = slot('c');
    q.arm(a, 100);
    q.arm(b, 50);
    q.arm(c, 70);
    q.arm(a, 300); // later: no new heap entry, the old one is moved when it surfaces
    q.arm(b, 20); // earlier
    q.disarm(c);
    expect(q.nextDueAt()).toBe(20);
    const fired: [string, number][] = [];
    for (let e = q.popDue(1000); e; e = q.popDue(1000)) fired.push([e.slot.name, e.at]);
    expect(fired).toEqual([
      ['b', 20],
      ['a', 300],
    ]);
    expect(q.nextDueAt()).toBeNull();
  });

  it('re-arming one timer a million times keeps the heap small', () => {
    const q = new TimerQueue();
    const a = slot('a');
    for (let t = 1; t <= 1_000_000; t++) q.arm(a, t + 1000);
    expect(q.size()).toBe(1);
    expect(q.nextDueAt()).toBe(1_001_000);
  });
});
