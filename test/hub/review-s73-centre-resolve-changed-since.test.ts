// Review, session 73: the centre's resolve, sent down to the hub over the uplink, carried no alert version: an
// operator who chose "False alarm" on a pendant alert closed it at the hub even though the resident had pressed again
// since she looked. The down command now carries `version`; the hub refuses a resolve past a high or critical repeat
// since, and answers the centre why (`code: changed-since`, in words), which the operator's card shows as it shows the
// hub's other refusals. An in-process hub, its uplink to a real mosquitto as the centre's broker, the centre's command
// and the hub's answer over MQTT.
import { describe, expect, it } from 'vitest';
import { HUB_ID, centreAndHubEachTest, commandResults, eventually } from './uplink-centre.js';

const stage = centreAndHubEachTest('s73-centre-changed-since');

describe("the centre's resolve of an alert pressed again since the operator looked", () => {
  it('is refused by the hub with what happened, and taken once sent for the version as it is', async () => {
    const { client, received, hub: running, press, openPendant } = await stage.start();
    await press();
    const id = await openPendant();
    const seen = running.alerts.get(id)!.version;
    // Pressed again while the operator has the form open.
    await press();
    await eventually(() => expect(running.alerts.get(id)?.count).toBe(2));

    const results = (): Record<string, unknown>[] => commandResults(received, id);
    const down = `telecare-down/${HUB_ID}/alerts/${id}/ack`;
    const falseAlarm = { action: 'resolve', outcome: 'false-alarm', note: 'pressed by mistake', operator: 'olive' };
    await client.publishAsync(down, JSON.stringify({ ...falseAlarm, version: seen, commandId: 'c-1' }), { qos: 1 });
    await eventually(() => expect(results()).toHaveLength(1));
    // Before: { ok: true, state: 'resolved' }: the second press closed as a false alarm unseen.
    expect(results()[0]).toMatchObject({ commandId: 'c-1', ok: false, code: 'changed-since' });
    expect(results()[0]?.message).toMatch(/^Not resolved: pressed again at \d\d:\d\d since you opened it/);
    expect(running.alerts.get(id)).toMatchObject({ state: 'raised', count: 2 });

    // A version that is no version is refused, answered.
    await client.publishAsync(down, JSON.stringify({ ...falseAlarm, version: 'newest', commandId: 'c-2' }), {
      qos: 1,
    });
    await eventually(() => expect(results()).toHaveLength(2));
    expect(results()[1]).toMatchObject({ commandId: 'c-2', ok: false, code: 'bad-command' });

    // She looks again and resolves for the version as it is: taken.
    const now = running.alerts.get(id)!.version;
    await client.publishAsync(down, JSON.stringify({ ...falseAlarm, version: now, commandId: 'c-3' }), { qos: 1 });
    await eventually(() => expect(results()).toHaveLength(3));
    expect(results()[2]).toMatchObject({ commandId: 'c-3', ok: true, state: 'resolved' });
    expect(running.alerts.get(id)).toMatchObject({ state: 'resolved', outcome: 'false-alarm', count: 2 });
  });
});
