// Review, session 60 round 2: two people closing one call at once, the warden at the hub's console and an operator at
// the alarm centre. The hub answered the centre's resolution "alreadyDone" whenever it found the alert resolved,
// whatever the outcome: the operator was told "the hub had it already" and their outcome (an ambulance) and note were
// recorded nowhere, the call standing as a false alarm. An in-process hub, its uplink to a real mosquitto as the
// centre's broker, the centre's command and the hub's answer over MQTT.
import { describe, expect, it } from 'vitest';
import { HUB_ID, centreAndHubEachTest, commandResults, eventually } from './uplink-centre.js';

const stage = centreAndHubEachTest('s60b-resolve-race');

describe('a call closed at the hub and at the centre at once', () => {
  it("tells the centre's operator the hub closed it otherwise, and answers the same command again as done", async () => {
    const { client, received, hub: running, press, openPendant } = await stage.start();
    await press();
    const id = await openPendant();
    await eventually(() => expect(received.some((m) => m.topic === `telecare-up/${HUB_ID}/alerts/${id}`)).toBe(true));

    // The warden, at the hub, finds her fine; the centre's operator, on the phone with her, has sent an ambulance.
    expect(running.alerts.resolve(id, 'false-alarm', 'all fine', 'warden-1').ok).toBe(true);
    const results = (): Record<string, unknown>[] => commandResults(received, id);
    const down = `telecare-down/${HUB_ID}/alerts/${id}/ack`;
    const ambulance = {
      action: 'resolve',
      outcome: 'ambulance',
      note: 'ambulance called, ref 4411',
      operator: 'olive',
    };
    await client.publishAsync(down, JSON.stringify({ ...ambulance, commandId: 'c-1' }), { qos: 1 });
    await eventually(() => expect(results()).toHaveLength(1));
    // Before: { ok: true, alreadyDone: true }: "the hub had it already", the ambulance recorded nowhere.
    expect(results()[0]).toMatchObject({ commandId: 'c-1', ok: false, code: 'wrong-state' });
    expect(results()[0]?.message).toMatch(/resolved at the hub by warden-1 as false-alarm/);
    expect(running.alerts.get(id)).toMatchObject({ state: 'resolved', outcome: 'false-alarm', note: 'all fine' });

    // The same resolution as the hub's, from the centre (a command resent, or an operator agreeing): done already.
    const agreeing = { action: 'resolve', outcome: 'false-alarm', note: null, operator: 'olive', commandId: 'c-2' };
    await client.publishAsync(down, JSON.stringify(agreeing), { qos: 1 });
    await eventually(() => expect(results()).toHaveLength(2));
    expect(results()[1]).toMatchObject({ commandId: 'c-2', ok: true, alreadyDone: true, state: 'resolved' });
  });
});
