// Daily features of hand-built days with known answers, including the clock changes of Europe/London.
import { describe, expect, it } from 'vitest';
import { FeatureAccumulator } from '../../analytics/features.js';
import type { SensorEvent } from '../../rules/types.js';
import { ev, home, utc } from './factories.js';

const H = 'h1';

/** Evening of the 17th, the day of 18 November 2026 (GMT, so UTC is local) and its night. */
function ordinaryDay(): SensorEvent[] {
  const e = (iso: string, device: string, value?: boolean | number): SensorEvent => ev(H, iso, device, value);
  return [
    e('2026-11-17T21:00', 'living-pir'),
    e('2026-11-17T22:40', 'bedroom-pir'),
    e('2026-11-17T22:45', 'bed-mat', true),
    e('2026-11-18T05:00', 'bed-mat', false),
    e('2026-11-18T05:01', 'bath-pir'),
    e('2026-11-18T05:05', 'bedroom-pir'),
    e('2026-11-18T05:06', 'bed-mat', true),
    // The day of the 18th.
    e('2026-11-18T07:10', 'bed-mat', false),
    e('2026-11-18T07:12', 'hall-pir'),
    e('2026-11-18T07:13', 'bath-pir'),
    e('2026-11-18T07:20', 'kitchen-pir'),
    e('2026-11-18T07:21', 'kettle', 2000),
    e('2026-11-18T07:24', 'kettle', 0),
    e('2026-11-18T07:30', 'living-pir'),
    e('2026-11-18T07:35', 'living-pir'),
    e('2026-11-18T08:00', 'living-climate', 19),
    e('2026-11-18T09:59', 'hall-pir'),
    e('2026-11-18T09:59:30', 'front', false),
    e('2026-11-18T10:00', 'front', true),
    e('2026-11-18T11:30', 'front', false),
    e('2026-11-18T11:30:20', 'front', true),
    e('2026-11-18T11:31', 'hall-pir'),
    e('2026-11-18T12:30', 'kitchen-pir'),
    e('2026-11-18T12:31', 'microwave', 800),
    e('2026-11-18T12:32', 'fridge', false),
    e('2026-11-18T12:33', 'fridge', true),
    e('2026-11-18T14:00', 'living-climate', 21),
    e('2026-11-18T14:00', 'garden-climate', 5),
    e('2026-11-18T15:00', 'bath-pir'),
    e('2026-11-18T15:05', 'living-pir'),
    e('2026-11-18T22:30', 'bedroom-pir'),
    e('2026-11-18T22:35', 'bed-mat', true),
    // Its night: two bathroom visits.
    e('2026-11-19T02:10', 'bed-mat', false),
    e('2026-11-19T02:11', 'bath-pir'),
    e('2026-11-19T02:15', 'bedroom-pir'),
    e('2026-11-19T02:16', 'bed-mat', true),
    e('2026-11-19T04:40', 'bed-mat', false),
    e('2026-11-19T04:41', 'bath-pir'),
    e('2026-11-19T04:46', 'bedroom-pir'),
    e('2026-11-19T04:47', 'bed-mat', true),
    // The next morning.
    e('2026-11-19T07:30', 'bed-mat', false),
    e('2026-11-19T07:31', 'hall-pir'),
    e('2026-11-19T07:40', 'kitchen-pir'),
    e('2026-11-19T07:55', 'living-pir'),
  ];
}

const EXPECTED_18TH = {
  homeId: H,
  date: '2026-11-18',
  risingTime: '07:12',
  bedtime: '22:35',
  activeMinutes: 27,
  roomTransitions: 15,
  bathroomVisitsDay: 2,
  bathroomVisitsNight: 2,
  nightActivityMinutes: 8,
  minutesOut: 90,
  kitchenUses: 2,
  meanIndoorTempC: 20,
  alerts: 1,
};

describe('daily features of one home', () => {
  it('an ordinary day gives the rising time, bedtime, visits, time out and kitchen uses worked out by hand', () => {
    const acc = new FeatureAccumulator([home(H)]);
    for (const e of ordinaryDay()) acc.add(e);
    acc.addAlert(H, 'inactivity', utc('2026-11-18T13:00'));
    const days = acc.finish();
    expect(days.map((d) => d.date)).toEqual(['2026-11-17', '2026-11-18', '2026-11-19']);
    expect(days[1]).toEqual(EXPECTED_18TH);
    // The 17th was only seen from 21:00: no rising time, but its bedtime and early-morning bathroom visit.
    expect(days[0]).toMatchObject({ risingTime: null, bedtime: '22:45', bathroomVisitsNight: 1, bathroomVisitsDay: 0 });
    expect(days[2]).toMatchObject({ risingTime: '07:31' });
  });

  it('flush hands out the days whose night is over, the same as finish would', () => {
    const acc = new FeatureAccumulator([home(H)]);
    for (const e of ordinaryDay()) acc.add(e);
    acc.addAlert(H, 'inactivity', utc('2026-11-18T13:00'));
    expect(acc.flush(utc('2026-11-19T07:59'))).toHaveLength(1); // the 18th's bedtime settles two hours after its night
    const flushed = acc.flush(utc('2026-11-19T08:00'));
    expect(flushed).toEqual([EXPECTED_18TH]);
    expect(acc.finish().map((d) => d.date)).toEqual(['2026-11-19']);
  });

  it('without a bed mat, bedtime is the last activity before the long night quiet, not an evening doze', () => {
    const acc = new FeatureAccumulator([home(H)]);
    const e = (iso: string, device: string): SensorEvent => ev(H, iso, device);
    for (const event of [
      e('2026-11-18T12:00', 'living-pir'),
      e('2026-11-18T18:10', 'living-pir'),
      e('2026-11-18T20:40', 'kitchen-pir'), // 2.5 h doze in the chair, ended before the night
      e('2026-11-18T22:50', 'bedroom-pir'),
      e('2026-11-19T02:10', 'bath-pir'),
      e('2026-11-19T02:14', 'bedroom-pir'),
      e('2026-11-19T07:00', 'hall-pir'),
    ]) {
      acc.add(event);
    }
    expect(acc.finish()[0]).toMatchObject({
      date: '2026-11-18',
      bedtime: '22:50',
      risingTime: null,
      bathroomVisitsNight: 1,
    });
  });

  it('an evening nap on the bed is not bedtime; the occupancy that lasts into the night is', () => {
    const acc = new FeatureAccumulator([home(H)]);
    const e = (iso: string, device: string, value?: boolean): SensorEvent => ev(H, iso, device, value);
    for (const event of [
      e('2026-11-18T12:00', 'living-pir'),
      e('2026-11-18T19:00', 'bed-mat', true),
      e('2026-11-18T20:30', 'bed-mat', false), // a 90 min nap
      e('2026-11-18T20:35', 'kitchen-pir'),
      e('2026-11-18T23:10', 'bed-mat', true),
      e('2026-11-19T06:50', 'bed-mat', false),
    ]) {
      acc.add(event);
    }
    expect(acc.finish()[0]).toMatchObject({ date: '2026-11-18', bedtime: '23:10' });
  });

  it('without a mat, a quiet evening in a room with no sensor gives way to the quiet that began in the bedroom', () => {
    const acc = new FeatureAccumulator([home(H)]);
    const e = (iso: string, device: string): SensorEvent => ev(H, iso, device);
    for (const event of [
      e('2026-11-18T12:00', 'living-pir'),
      e('2026-11-18T20:30', 'kitchen-pir'), // then television until midnight, unseen
      e('2026-11-19T00:15', 'bath-pir'),
      e('2026-11-19T00:20', 'bedroom-pir'),
      e('2026-11-19T07:30', 'hall-pir'),
    ]) {
      acc.add(event);
    }
    expect(acc.finish()[0]).toMatchObject({ date: '2026-11-18', bedtime: '00:20' });
  });

  it('coming home in the afternoon after a night away is not rising', () => {
    const acc = new FeatureAccumulator([home(H)]);
    acc.add(ev(H, '2026-11-17T18:00', 'hall-pir'));
    acc.add(ev(H, '2026-11-17T18:05', 'front', true)); // away overnight
    acc.add(ev(H, '2026-11-18T16:00', 'front', false));
    acc.add(ev(H, '2026-11-18T16:01', 'hall-pir'));
    acc.add(ev(H, '2026-11-18T16:30', 'kitchen-pir'));
    const days = acc.finish();
    expect(days.find((d) => d.date === '2026-11-18')).toMatchObject({ risingTime: null, minutesOut: 10 * 60 });
  });

  it('someone who gets up and goes out within minutes rose when they got up', () => {
    const acc = new FeatureAccumulator([home(H)]);
    for (const event of [
      ev(H, '2026-11-18T02:00', 'bedroom-pir'),
      ev(H, '2026-11-18T07:05', 'hall-pir'),
      ev(H, '2026-11-18T07:08', 'front', false),
      ev(H, '2026-11-18T07:09', 'front', true),
      ev(H, '2026-11-18T09:00', 'front', false),
      ev(H, '2026-11-18T09:01', 'kitchen-pir'),
    ]) {
      acc.add(event);
    }
    expect(acc.finish().find((d) => d.date === '2026-11-18')).toMatchObject({ risingTime: '07:05', minutesOut: 111 });
  });

  it('an absence over midnight is split between the two days', () => {
    const acc = new FeatureAccumulator([home(H)]);
    acc.add(ev(H, '2026-11-18T07:00', 'hall-pir'));
    acc.add(ev(H, '2026-11-18T20:00', 'front', true)); // leaves at 20:00
    acc.add(ev(H, '2026-11-20T09:00', 'front', false)); // back two days later
    acc.add(ev(H, '2026-11-20T09:01', 'hall-pir'));
    const out = acc.finish().map((d) => [d.date, d.minutesOut]);
    expect(out).toEqual([
      ['2026-11-18', 10 * 60],
      ['2026-11-19', 24 * 60],
      ['2026-11-20', 3 * 60],
    ]);
  });

  it('the door opening back from an absence counts as coming in even when the record ends before anything inside', () => {
    const acc = new FeatureAccumulator([home(H)]);
    acc.add(ev(H, '2026-11-18T07:00', 'hall-pir'));
    acc.add(ev(H, '2026-11-18T10:00', 'front', true));
    acc.add(ev(H, '2026-11-18T12:00', 'front', false));
    expect(acc.finish()[0]).toMatchObject({ minutesOut: 120 });
  });

  it("a home's own presence.outAfterMinutes says how long a shut door must be followed by nothing inside", () => {
    const acc = new FeatureAccumulator([home(H, { rules: { presence: { outAfterMinutes: 30 } } })]);
    acc.add(ev(H, '2026-11-18T07:00', 'hall-pir'));
    acc.add(ev(H, '2026-11-18T10:00', 'front', true));
    acc.add(ev(H, '2026-11-18T10:20', 'front', false)); // 20 min: not out for this home
    acc.add(ev(H, '2026-11-18T10:21', 'hall-pir'));
    acc.add(ev(H, '2026-11-18T11:00', 'front', true));
    acc.add(ev(H, '2026-11-18T12:00', 'front', false));
    acc.add(ev(H, '2026-11-18T12:01', 'hall-pir'));
    expect(acc.finish()[0]).toMatchObject({ minutesOut: 60 });
  });

  it('a home missing from the configuration uses the default timezone and night window', () => {
    const acc = new FeatureAccumulator([], { defaultTimezone: 'America/New_York' });
    acc.add({ ...ev('other', '2026-11-18T12:00', 'hall-pir'), homeId: 'other' }); // 07:00 in New York
    acc.add({ ...ev('other', '2026-11-18T12:30', 'kitchen-pir'), homeId: 'other' });
    const [day] = acc.finish();
    expect(day).toMatchObject({ homeId: 'other', date: '2026-11-18', activeMinutes: 2, roomTransitions: 1 });
  });

  it('bad events are dropped without harm', () => {
    const acc = new FeatureAccumulator([home(H)]);
    acc.add({ ...ev(H, '2026-11-18T12:00', 'hall-pir'), ts: Number.NaN });
    acc.add({ ...ev(H, '2026-11-18T12:00', 'living-climate', 19), value: true });
    acc.add({ ...ev(H, '2026-11-18T12:01', 'living-climate', 900) });
    acc.addAlert(H, 'pendant', Number.POSITIVE_INFINITY);
    expect(acc.finish()).toEqual([
      expect.objectContaining({ date: '2026-11-18', meanIndoorTempC: null, activeMinutes: 0 }),
    ]);
  });

  it('a device clock stuck in 1970 does not fill half a century with empty days', () => {
    const acc = new FeatureAccumulator([home(H)]);
    acc.add({ ...ev(H, '2026-11-18T12:00', 'hall-pir'), ts: 0 });
    acc.add(ev(H, '2026-11-18T12:00', 'hall-pir'));
    expect(acc.finish().map((d) => d.date)).toEqual(['1969-12-31', '2026-11-18']); // 01:00 on 1 January belongs to the night before
  });

  it('an unknown timezone is refused when the accumulator is made', () => {
    expect(() => new FeatureAccumulator([home(H, { timezone: 'Mars/Olympus' })])).toThrow(RangeError);
  });
});

describe('clock changes in Europe/London', () => {
  /** Motion in the bedroom every minute of the night window of `date`, from 23:00 to 06:00 local. */
  function wakefulNight(fromUtc: number, toUtc: number): SensorEvent[] {
    const out: SensorEvent[] = [];
    for (let t = fromUtc; t < toUtc; t += 60_000) out.push({ ...ev(H, '2026-01-01T00:00', 'bedroom-pir'), ts: t });
    return out;
  }
  const morning = (isoUtc: string): SensorEvent[] => {
    const t = utc(isoUtc);
    return [
      { ...ev(H, '2026-01-01T00:00', 'hall-pir'), ts: t },
      { ...ev(H, '2026-01-01T00:00', 'kitchen-pir'), ts: t + 8 * 60_000 },
      { ...ev(H, '2026-01-01T00:00', 'living-pir'), ts: t + 23 * 60_000 },
    ];
  };

  it('the night the clocks go back (last Sunday of October) has eight hours, and local times stay right', () => {
    const acc = new FeatureAccumulator([home(H)]);
    const events = [
      ev(H, '2026-10-23T20:00', 'living-pir'), // 21:00 BST, Friday
      ...morning('2026-10-24T06:12'), // 07:12 BST
      ev(H, '2026-10-24T21:35', 'bed-mat', true), // 22:35 BST
      ...wakefulNight(utc('2026-10-24T22:00'), utc('2026-10-25T06:00')), // 23:00 BST to 06:00 GMT
      ev(H, '2026-10-25T06:50', 'bed-mat', false),
      ...morning('2026-10-25T07:12'), // 07:12 GMT
      ev(H, '2026-10-25T22:35', 'bed-mat', true),
      ev(H, '2026-10-26T07:00', 'bed-mat', false),
      ...morning('2026-10-26T07:12'),
    ];
    for (const e of events) acc.add(e);
    const days = acc.finish();
    const byDate = Object.fromEntries(days.map((d) => [d.date, d]));
    expect(byDate['2026-10-24']).toMatchObject({ risingTime: '07:12', bedtime: '22:35', nightActivityMinutes: 480 });
    expect(byDate['2026-10-25']).toMatchObject({ risingTime: '07:12', bedtime: '22:35', nightActivityMinutes: 0 });
    expect(byDate['2026-10-26']).toMatchObject({ risingTime: '07:12' });
  });

  it('the night the clocks go forward (last Sunday of March) has six hours', () => {
    const acc = new FeatureAccumulator([home(H)]);
    for (const e of [
      ev(H, '2026-03-28T12:00', 'living-pir'),
      ...wakefulNight(utc('2026-03-28T23:00'), utc('2026-03-29T05:00')), // 23:00 GMT to 06:00 BST
      ...morning('2026-03-29T06:12'), // 07:12 BST
    ]) {
      acc.add(e);
    }
    const byDate = Object.fromEntries(acc.finish().map((d) => [d.date, d]));
    expect(byDate['2026-03-28']).toMatchObject({ nightActivityMinutes: 360, activeMinutes: 361 });
    expect(byDate['2026-03-29']).toMatchObject({ risingTime: '07:12' });
  });
});
