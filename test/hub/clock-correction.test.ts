// Alerts stamped while the hub's clock read behind (a Pi with no real-time clock, restarted after a power cut, before
// network time) show when they really came once the clock is corrected: the real rules runner and alert service on one
// SQLite file, a fake clock stepped as network time steps the system clock.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AlertService } from '../../hub/alerts/service.js';
import { queryAlertAudit } from '../../hub/alerts/query.js';
import { FakeClock } from '../../hub/clock.js';
import { parseHubConfig } from '../../hub/config.js';
import type { HubConfig } from '../../hub/config-types.js';
import type { Publisher } from '../../hub/publisher.js';
import type { SensorEvent } from '../../rules/types.js';
import { ONE_HOME_CONFIG, tempDir } from './helpers.js';
import {
  clockedRules,
  inactivityOnlyHome,
  motion,
  startAlertService,
  type ClockedRules,
} from '../support/clocked-hub.js';
import { HOUR_MS, MINUTE_MS, SECOND_MS } from '../../rules/time.js';

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
/** The power comes back at 14:00; the Pi starts on the time it last saved, 09:30 (the hub stopped at 10:00). */
const REAL_START = T0 + 5 * HOUR_MS;
const CLOCK_AT_START = T0 + 30 * MINUTE_MS;

function press(ts: number): SensorEvent {
  return { ...motion('hall-pir', ts), deviceId: 'p1', type: 'pendant', room: 'living', kind: 'pendant' };
}

describe('alerts stamped while the clock read behind', () => {
  let dir: string;
  let rules: ClockedRules | undefined;
  let alerts: AlertService | undefined;
  beforeEach(() => {
    dir = tempDir('clock-correction');
  });
  afterEach(async () => {
    await alerts?.stop();
    rules?.close();
    alerts = undefined;
    rules = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const config: HubConfig = {
    ...parseHubConfig(inactivityOnlyHome(ONE_HOME_CONFIG.homes[0])),
    escalation: {
      default: [
        { group: 'first', timeoutSeconds: 600 },
        { group: 'supervisors', timeoutSeconds: 600 },
      ],
    },
  };

  /** The hub's rules and alerts on `clock` over the file, wired as hub.ts wires them; MQTT messages kept by topic. */
  async function hub(clock: FakeClock, published: Map<string, string[]>): Promise<void> {
    const file = path.join(dir, 'hub.db');
    const publisher: Publisher = {
      publish: async (topic, payload) => {
        published.set(topic, [...(published.get(topic) ?? []), String(payload)]);
      },
    };
    // The runner is made first (the service takes its database); its callbacks reach the service made next.
    const wired: { service?: AlertService } = {};
    rules = clockedRules(
      file,
      clock,
      config.homes,
      (ds) => {
        for (const d of ds) wired.service!.apply(d);
      },
      { clockInDoubt: (inDoubt) => wired.service!.clockInDoubt(inDoubt) },
    );
    wired.service = await startAlertService({ db: rules.db, publisher, config, clock });
    alerts = wired.service;
    rules.runner.start();
  }

  /** Watched from 09:00 (motion), `before` run until 10:00; then started again on the clock that reads 09:30. */
  async function restartedBehind(before?: (clock: FakeClock) => Promise<void>) {
    const first = new FakeClock(T0);
    await hub(first, new Map());
    await rules!.send(motion('hall-pir', T0));
    await before?.(first);
    first.advanceTo(T0 + HOUR_MS);
    await alerts!.stop();
    rules!.close();
    const clock = new FakeClock(CLOCK_AT_START);
    const published = new Map<string, string[]>();
    await hub(clock, published);
    return { clock, published };
  }

  /** A minute later network time steps the clock to the real time (the start was at 14:00 really). */
  function corrected(clock: FakeClock): void {
    clock.advanceBy(MINUTE_MS);
    clock.stepWall(REAL_START - CLOCK_AT_START);
  }

  it('a press raised while behind shows when it really came, and its first group keeps its whole time', async () => {
    const { clock, published } = await restartedBehind();
    await rules!.send(press(clock.now()));
    const raised = alerts!.list({ homeId: 'h1' }).find((a) => a.kind === 'pendant')!;
    expect(Date.parse(raised.raisedAt)).toBe(CLOCK_AT_START);
    // The clock tells of the step: corrected then, not at the next report.
    corrected(clock);
    await alerts!.settled();
    const fixed = alerts!.get(raised.id)!;
    expect(fixed).toMatchObject({ state: 'raised', escalationLevel: 0, version: 2 });
    expect(Date.parse(fixed.raisedAt)).toBe(REAL_START);
    expect(Date.parse(fixed.lastSeenAt)).toBe(REAL_START);
    // The press's own time too: it came when it was raised, not hours before (the card would say "Happened … 4 h ago").
    expect(Date.parse(String(fixed.detail.eventAt))).toBe(REAL_START);
    // Told on MQTT (retained: a console that connects now reads the corrected time).
    const messages = published.get(`telecare/h1/alerts/${raised.id}`) ?? [];
    expect(JSON.parse(messages.at(-1)!)).toMatchObject({ version: 2, raisedAt: new Date(REAL_START).toISOString() });
    // The audit trail moved with it; the correction is itself an entry.
    const audit = queryAlertAudit(rules!.db, { alertId: raised.id });
    expect(audit.find((e) => e.action === 'raise')?.at).toBe(new Date(REAL_START).toISOString());
    expect(audit.find((e) => e.action === 'clock-corrected')).toMatchObject({
      version: 2,
      detail: { correctedByMs: REAL_START - CLOCK_AT_START },
    });
    // Ten minutes from the press, not ten minutes after the correction, nor at it.
    clock.advanceBy(9 * MINUTE_MS - 1);
    expect(alerts!.get(raised.id)).toMatchObject({ escalationLevel: 0 });
    clock.advanceBy(1);
    expect(alerts!.get(raised.id)).toMatchObject({ escalationLevel: 1 });
  });

  it('an alert from before the cut keeps its raisedAt; its repeat and acknowledgement while behind are corrected', async () => {
    const pressedAt = T0 + 50 * MINUTE_MS;
    let id = '';
    const { clock } = await restartedBehind(async (first) => {
      first.advanceTo(pressedAt);
      await rules!.send(press(pressedAt));
      id = alerts!.list({ homeId: 'h1' }).find((a) => a.kind === 'pendant')!.id;
    });
    // While behind: pressed again (merged into the open alert), then acknowledged 30 s later.
    await rules!.send(press(clock.now()));
    clock.advanceBy(30 * SECOND_MS);
    expect(alerts!.acknowledge(id, 'ann')).toMatchObject({ ok: true });
    corrected(clock);
    await alerts!.settled();
    const fixed = alerts!.get(id)!;
    expect(fixed).toMatchObject({ state: 'acknowledged', count: 2 });
    expect(Date.parse(fixed.raisedAt)).toBe(pressedAt);
    expect(Date.parse(fixed.lastSeenAt)).toBe(REAL_START);
    expect(Date.parse(fixed.acknowledgedAt!)).toBe(REAL_START + 30 * SECOND_MS);
    const audit = queryAlertAudit(rules!.db, { alertId: id });
    expect(audit.find((e) => e.action === 'raise')?.at).toBe(new Date(pressedAt).toISOString());
    expect(audit.find((e) => e.action === 'acknowledge')?.at).toBe(new Date(REAL_START + 30 * SECOND_MS).toISOString());
  });

  it('a step back, or network time correcting a drift of seconds, corrects no alert', async () => {
    const first = new FakeClock(T0);
    await hub(first, new Map());
    await rules!.send(press(T0));
    const before = alerts!.list({ homeId: 'h1' });
    await alerts!.stop();
    rules!.close();
    // Started again at 10:00 on a right clock (the runner watches for a step); pressed again, merged.
    const clock = new FakeClock(T0 + HOUR_MS);
    await hub(clock, new Map());
    await rules!.send(press(clock.now()));
    clock.stepWall(-HOUR_MS);
    clock.stepWall(HOUR_MS + 30 * SECOND_MS);
    await rules!.send(motion('kitchen-pir', clock.now()));
    await alerts!.settled();
    const after = alerts!.list({ homeId: 'h1' });
    expect(after.map((a) => [a.id, a.raisedAt, a.count])).toEqual(before.map((a) => [a.id, a.raisedAt, 2]));
    expect(Date.parse(after[0]!.lastSeenAt)).toBe(T0 + HOUR_MS);
    expect(queryAlertAudit(rules!.db, { actions: ['clock-corrected'] })).toEqual([]);
  });
});
