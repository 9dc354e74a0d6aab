// Review, session 35: a home set to away in the configuration file and reloaded (SIGHUP) has its open inactivity-family
// alerts cleared ("home set to away"), as the API's away does. One raised less than a minute before the reload stayed
// open: the start's filter of decisions already carried out (`REFEED_SLACK_MS` in hub/rules-runner.ts) took the clear
// for a decision made before the restart. A real hub on a fake clock, its embedded broker and a real MQTT client.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { parseHubConfig } from '../../hub/config.js';
import { INACTIVITY_FAMILY } from '../../rules/vocabulary.js';
import { hubPerTest, startTestHub } from '../support/in-process-hub.js';
import { mqttClient } from './helpers.js';

// Monday 23 November 2026, 10:00 in London (GMT).
const T0 = Date.UTC(2026, 10, 23, 10, 0, 0);
const MINUTE = 60_000;

const t = hubPerTest('away-reload');

function config(away: boolean) {
  return parseHubConfig({
    homes: [
      {
        id: 'h1',
        timezone: 'Europe/London',
        away,
        residents: [{ id: 'r1' }],
        devices: [
          { id: 'hall-pir', kind: 'motion', room: 'hall' },
          { id: 'kitchen-pir', kind: 'motion', room: 'kitchen' },
        ],
      },
    ],
  });
}

const familyAlerts = () =>
  t.hub!.alerts.list({ homeId: 'h1' }).filter((a) => (INACTIVITY_FAMILY as readonly string[]).includes(a.kind));

describe('a reload that sets the home away', () => {
  it('clears an inactivity-family alert raised moments before it', async () => {
    const clock = new FakeClock(T0);
    t.hub = await startTestHub(config(false), t.dir, { clock });
    t.client = await mqttClient(t.hub.ports.mqtt!);
    await t.client.publishAsync('telecare/h1/devices/kitchen-pir/events', '{"type":"motion","value":true}', { qos: 1 });
    // Silence until the rules call (the cold start's allowance by day: hours, not a day).
    for (let i = 0; i < 24 * 60 && familyAlerts().length === 0; i++) clock.advanceBy(MINUTE);
    expect(familyAlerts()).toEqual([expect.objectContaining({ state: 'raised' })]);

    // The family says she went into hospital this morning: the scheme manager sets the flat away and reloads.
    clock.advanceBy(10_000);
    t.hub.reload(config(true));
    expect(familyAlerts()).toEqual([expect.objectContaining({ state: 'cancelled' })]);
  }, 60_000);
});
