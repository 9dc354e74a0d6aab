// A dying device's last days do not dilute what it used to end (issue 11, session 31): a device that stops reporting
// is found dead only after `presence.deadDeviceDays` (3) living days, and the silences it would have ended meanwhile
// end elsewhere. Those silence ends are kept apart (`SilenceEnds`'s journal) until every device that could still be
// found dead has reported since, and forgotten when one is found dead. Real rules engine, fake clock, no Zigbee2MQTT
// offline message: the bedroom door is found dead by its silence alone.
import { describe, expect, it } from 'vitest';
import { SilenceEnds } from '../../rules/silence-ends.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../rules/time.js';
import type { DeviceConfig } from '../../rules/types.js';
import { Harness, home, MONDAY } from './factories.js';

const DEVICES: DeviceConfig[] = [
  { id: 'bedroom-door', kind: 'door', room: 'bedroom' },
  { id: 'hall-pir', kind: 'motion', room: 'hall' },
  { id: 'kitchen-pir', kind: 'motion', room: 'kitchen' },
  { id: 'living-pir', kind: 'motion', room: 'living' },
];
const config = home({ devices: DEVICES });

const at = (n: number, hours: number, minutes = 0): number =>
  MONDAY + n * DAY_MS + hours * HOUR_MS + minutes * MINUTE_MS;

/**
 * Day `n` up to `until` (hours), the bedroom door left out once it `died`: up at 07:00 by the bedroom door; through
 * the hall to the kitchen every 10 minutes in the morning (08:00-11:50); the kitchen and the living room every hour in
 * the afternoon (12:00-19:00); through the hall to the living room every 5 minutes in the evening (20:00-20:55); to
 * bed at 21:00 (the hall, then the bedroom door). The hall's silences (its PIR's movement, then its clearing) are 74
 * a day, 26 of them from 20:00; the bedroom door ends one (3.8 % of the evening's). More than 200 in three days: the
 * counts kept (200 per device) would be mostly the dying door's days.
 */
function day(h: Harness, n: number, died: boolean, until = 24): void {
  let doorClosed = true;
  const send = (ms: number, id: string): void => {
    if (ms >= at(n, until) || (died && id === 'bedroom-door')) return;
    h.clock.advanceTo(ms);
    if (id === 'bedroom-door') {
      doorClosed = !doorClosed;
      h.at(0, id, 'contact', doorClosed);
    } else {
      h.at(0, id, 'motion', true);
      h.at(MINUTE_MS, id, 'motion', false);
    }
  };
  send(at(n, 7), 'bedroom-door');
  for (let m = 8 * 60; m < 12 * 60; m += 10) {
    send(at(n, 0, m), 'hall-pir');
    send(at(n, 0, m + 2), 'kitchen-pir');
  }
  for (let hour = 12; hour < 20; hour++) {
    send(at(n, hour), 'kitchen-pir');
    send(at(n, hour, 30), 'living-pir');
  }
  for (let m = 20 * 60; m < 21 * 60; m += 5) {
    send(at(n, 0, m), 'hall-pir');
    send(at(n, 0, m + 2), 'living-pir');
  }
  send(at(n, 21), 'hall-pir');
  send(at(n, 21, 2), 'bedroom-door');
}

/** The alerts raised from `from` on, 24 h later: nothing more reported after the hall's PIR at `from`. */
function silenceAfterHall(h: Harness, from: number): string[] {
  h.clock.advanceTo(from);
  h.at(0, 'hall-pir', 'motion', true);
  h.at(MINUTE_MS, 'hall-pir', 'motion', false);
  h.advanceBy(24 * HOUR_MS);
  return h
    .raised()
    .filter((d) => d.at >= from)
    .map((d) => d.kind);
}

describe("a dying device's last days do not dilute what it used to end", () => {
  it('a bedroom door found dead by three silent living days holds the bedtime silence after the hall', () => {
    const h = new Harness(config, MONDAY);
    for (let n = 0; n < 10; n++) day(h, n, false);
    // Its last report 21:02 on day 9; silent on days 10-12 (living days: the other devices report): dead on day 13.
    for (let n = 10; n < 13; n++) day(h, n, true);
    day(h, 13, true, 21);
    const calls = silenceAfterHall(h, at(13, 21));
    expect(calls).not.toContain('possible-fall');
    expect(calls[0]).toBe('inactivity');
    const inactivity = h.raised('inactivity').find((d) => d.at >= at(13, 21))!;
    expect(inactivity.detail).toMatchObject({
      deadDevices: [expect.objectContaining({ id: 'bedroom-door' })],
      roomChecksPaused: ['hall'],
    });
  });

  it('the same across a restart while it is dying (the journal and its last report are saved)', () => {
    const h = new Harness(config, MONDAY);
    for (let n = 0; n < 10; n++) day(h, n, false);
    day(h, 10, true);
    day(h, 11, true, 12);
    h.restart();
    day(h, 11, true);
    day(h, 12, true);
    day(h, 13, true, 21);
    expect(silenceAfterHall(h, at(13, 21))).not.toContain('possible-fall');
  });

  it('a door heard again before it is found dead loses nothing: its days are counted (the hold off by day)', () => {
    const h = new Harness(config, MONDAY);
    for (let n = 0; n < 10; n++) day(h, n, false);
    // Two quiet days, then it reports again: not dead, the silence is judged as any (no device dead).
    for (let n = 10; n < 12; n++) day(h, n, true);
    for (let n = 12; n < 14; n++) day(h, n, false);
    day(h, 14, false, 10);
    expect(silenceAfterHall(h, at(14, 10, 5))[0]).toBe('possible-fall');
  });
});

describe('SilenceEnds: the journal of the latest silence ends', () => {
  const bedroom = new Set(['bedroom']);

  it('uses the journal as counted, commits it in order, and forgets what began after a time', () => {
    const ends = new SilenceEnds();
    ends.record('hall', 'bedroom', 1, 21, at(1, 21));
    ends.record('hall', 'kitchen', 2, 10, at(2, 10));
    ends.record('hall', 'kitchen', 3, 10, at(3, 10));
    expect(ends.pending).toBe(3);
    expect(ends.share('hall', bedroom, 4)).toEqual({ silences: 3, share: 1 / 3 });
    // Commits the first only: what began by day 2 09:00.
    ends.commit(at(2, 9));
    expect(ends.pending).toBe(2);
    expect(ends.share('hall', bedroom, 4)).toEqual({ silences: 3, share: 1 / 3 });
    // Saved and back: the same.
    const back = SilenceEnds.fromState(JSON.parse(JSON.stringify(ends.exportState())));
    expect(back.pending).toBe(2);
    expect(back.share('hall', bedroom, 4)).toEqual({ silences: 3, share: 1 / 3 });
    // A device that reported last on day 1 at 22:00 found dead: the two after it are forgotten, not the committed one.
    expect(back.forgetAfter(at(1, 22))).toBe(true);
    expect(back.pending).toBe(0);
    expect(back.share('hall', bedroom, 4)).toEqual({ silences: 1, share: 1 });
    expect(back.forgetAfter(at(1, 22))).toBe(false);
    expect(back.forgetAfter(NaN)).toBe(false);
  });

  it('a silence end without its time is committed at once; a state without a journal loads with it empty', () => {
    const ends = new SilenceEnds();
    ends.record('hall', 'bedroom', 1, 21);
    expect(ends.pending).toBe(0);
    const old = SilenceEnds.fromState({ settled: { hall: { bedroom: [0, 1] } }, day: 1, today: {} });
    expect(old.pending).toBe(0);
    expect(old.share('hall', bedroom, 2)).toEqual({ silences: 1, share: 1 });
    // Read up to an entry not of its shape (a device not in `ids`); a journal of another shape is empty.
    const saved = { settled: {}, day: 1, today: {} };
    const e = [at(1, 2), 0, 1, 1, 2, MINUTE_MS, 0, 1, 0, 2, MINUTE_MS, 0, 7, 0, 2, MINUTE_MS, 0, 1, 0, 2];
    const cut = SilenceEnds.fromState({ ...saved, journal: { ids: ['hall', 'bedroom'], e } });
    expect(cut.pending).toBe(2);
    expect(cut.share('hall', bedroom, 2)).toEqual({ silences: 2, share: 1 });
    expect(SilenceEnds.fromState({ ...saved, journal: { ids: ['hall'], e: [1, 0, 0, 1] } }).pending).toBe(0);
    expect(SilenceEnds.fromState({ ...saved, journal: [[at(1, 2), 'hall', 'bedroom', 1, 2]] }).pending).toBe(0);
  });
});
