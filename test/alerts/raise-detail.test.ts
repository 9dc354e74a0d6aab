// A new alert's stored detail (SPEC 5): the rule's detail, then the device and the event's time, in that order and
// as JSON gives them back; a rule's own `deviceId` or `eventAt` keeps its place and takes the decision's value.
// Session 33 made it without two spreads: the stored text is what it was.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type Database from 'better-sqlite3';
import { FakeClock } from '../../hub/clock.js';
import type { AlertService } from '../../hub/alerts/service.js';
import { homeConfig, pendantPress, startStage, type AlertStage } from './helpers.js';

describe("a new alert's detail", () => {
  let stage: AlertStage;
  let db: Database.Database;
  let alerts: AlertService;
  const clock = new FakeClock();

  beforeEach(async () => {
    stage = await startStage();
    ({ alerts, db } = await stage.alertService(homeConfig([]), clock));
  });
  afterEach(async () => {
    await stage.close();
  });

  const storedDetail = (id: string): string =>
    (db.prepare('SELECT detail FROM alerts WHERE id = ?').pluck().get(id) as string | undefined) ?? '';

  it('is the rule detail, the device and the event time, in that order', () => {
    const press = pendantPress(clock.now());
    const alert = alerts.apply(press)!;
    const at = new Date(press.at).toISOString();
    expect(storedDetail(alert.id)).toBe(`{"eventType":"pendant","source":"mqtt","deviceId":"p1","eventAt":"${at}"}`);
    expect(JSON.stringify(alert.detail)).toBe(storedDetail(alert.id));
  });

  it("keeps a rule's own deviceId and eventAt in their places with the decision's values; no device, no key", () => {
    const press = pendantPress(clock.now());
    const at = new Date(press.at).toISOString();
    const withKeys = alerts.apply({
      ...press,
      detail: { eventAt: 'the rule', deviceId: 'the rule', n: 1 },
    })!;
    expect(storedDetail(withKeys.id)).toBe(`{"eventAt":"${at}","deviceId":"p1","n":1}`);
    alerts.resolve(withKeys.id, 'false-alarm', null, 'ann');
    const { deviceId: _none, ...noDevice } = press;
    const without = alerts.apply({ ...noDevice, detail: { eventType: 'pendant' } })!;
    expect(storedDetail(without.id)).toBe(`{"eventType":"pendant","eventAt":"${at}"}`);
    // The rule's object is not changed.
    const detail = { eventType: 'pendant' };
    alerts.resolve(without.id, 'false-alarm', null, 'ann');
    alerts.apply({ ...press, detail });
    expect(detail).toEqual({ eventType: 'pendant' });
  });
});
