// Review, session 65: the centre's council report counted a flat empty all period (its resident in hospital, the home
// in away mode, its thermometer still reporting) as a home monitored. The hub's own report leaves such days out since
// session 64 (`away_days`, noted by its routine review), but the days of features a hub sends up said nothing of it,
// and the centre counts a home monitored when it has a day of features: a scheme with half its residents in hospital
// read as twice the homes for the same falls and alerts. Now the hub marks a day it found the home in away mode
// (`"away": true` among the features) and the centre's report leaves those days out of the homes and home-days.
//
// A real hub (in process) sends its days over its uplink to a real MQTT broker (mosquitto, as the uplink tests do);
// those very payloads go through the workers' `ingest` into a real PostgreSQL; the report through the console's
// `GET /api/reports/council` as a supervisor asks for it.
import fs from 'node:fs';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { markAwayDay } from '../../analytics/store.js';
import { ingest } from '../../central/ingest.js';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { homePseudonym } from '../../hub/uplink-features.js';
import { startTestHub } from '../support/in-process-hub.js';
import { ONE_HOME_CONFIG, mqttClient, tempDir } from '../hub/helpers.js';
import { HUB_ID, centreConsole, startCentre, uplinkOptions, type Centre, type Received } from '../hub/uplink-centre.js';
import { ADMIN_PASSWORD, ConsoleClient, missingForConsole, startConsoleEnv, type ConsoleEnv } from './console-env.js';

const missing = missingForConsole();
if (missing) console.warn(`skipping the council report away-mode test: ${missing}`);

const COUNCIL_KEY = 'council-key-for-tests-0123456789abcdef';
const DAY_MS = 86_400_000;
/** Two completed days (noon UTC: the same dates in London): at home, then the flat in away mode. */
const AT_HOME_DAY = new Date(Date.now() - 3 * DAY_MS).toISOString().slice(0, 10);
const AWAY_DAY = new Date(Date.now() - 2 * DAY_MS).toISOString().slice(0, 10);

describe.skipIf(missing !== undefined)('review s65: homes in away mode in the centre’s council report', () => {
  const dir = tempDir('central-s65-away');
  let centre: Centre | undefined;
  let reader: MqttClient | undefined;
  let hub: RunningHub | undefined;
  let env: ConsoleEnv | undefined;

  beforeAll(async () => {
    // The console's clock a month on: the period's follow-up has ended, so the report reads every day sent.
    env = await startConsoleEnv({ clock: { now: () => Date.now() + 30 * DAY_MS } });
  }, 120_000);

  afterAll(async () => {
    await reader?.endAsync(true).catch(() => undefined);
    await hub?.stop();
    await centre?.kill();
    await env?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a day the hub found the home in away mode goes up marked away, and no empty flat counts as a home monitored', async () => {
    centre = await startCentre(dir);
    const consoleSide = await centreConsole(centre.port);
    reader = consoleSide.client;
    const received: Received[] = consoleSide.received;
    hub = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir, {
      uplink: uplinkOptions(centre.port, { councilKey: COUNCIL_KEY, featuresFirstRunMs: 200, featuresEveryMs: 200 }),
    });
    // The hub's routine review found the home in away mode on the second day (the resident taken into hospital); noted
    // before any event of those days is stored, so that no day is computed before the note.
    markAwayDay(hub.db, 'h1', AWAY_DAY);
    const sensor = await mqttClient(hub.ports.mqtt!);
    const events: [string, object][] = [
      ['hall-pir', { type: 'motion', value: true, ts: `${AT_HOME_DAY}T09:10:00.000Z` }],
      ['kitchen-pir', { type: 'motion', value: true, ts: `${AT_HOME_DAY}T09:20:00.000Z` }],
      ['hall-pir', { type: 'motion', value: true, ts: `${AT_HOME_DAY}T18:30:00.000Z` }],
      // The empty flat: only the thermometer reports.
      ['kitchen-pir', { type: 'temperature', value: 19.5, ts: `${AWAY_DAY}T10:00:00.000Z` }],
      ['kitchen-pir', { type: 'temperature', value: 19.0, ts: `${AWAY_DAY}T16:00:00.000Z` }],
    ];
    for (const [deviceId, event] of events) {
      await sensor.publishAsync(`telecare/h1/devices/${deviceId}/events`, JSON.stringify(event), { qos: 1 });
    }
    await sensor.endAsync();

    const pseudonym = homePseudonym(COUNCIL_KEY, 'h1');
    const sent = (day: string): Received | undefined =>
      received.find((m) => m.topic === `telecare-up/${HUB_ID}/features/${pseudonym}/${day}`);
    await vi.waitFor(() => expect(sent(AT_HOME_DAY) && sent(AWAY_DAY)).toBeTruthy(), { timeout: 30_000, interval: 50 });
    const atHome = JSON.parse(sent(AT_HOME_DAY)!.payload) as { features: Record<string, unknown> };
    const away = JSON.parse(sent(AWAY_DAY)!.payload) as { features: Record<string, unknown> };
    expect(atHome.features.activeMinutes).toBeGreaterThan(0);
    expect(atHome.features).not.toHaveProperty('away');
    expect(away.features).toMatchObject({ activeMinutes: 0, away: true });

    // A scheme of twenty flats sending these very days up: ten residents at home, ten in hospital all period.
    const client = await env!.pool.connect();
    try {
      let seq = 0;
      for (let flat = 0; flat < 20; flat++) {
        const [day, body] = flat < 10 ? [AT_HOME_DAY, atHome] : [AWAY_DAY, away];
        const home = `flat${String(flat).padStart(12, '0')}`;
        const payload = { ...body, home };
        const result = await ingest(client, {
          subject: `telecare-up.${HUB_ID}.features.${home}.${day}`,
          data: new TextEncoder().encode(JSON.stringify(payload)),
          receivedAt: new Date(),
          streamSeq: (seq += 1),
        });
        expect(result).toMatchObject({ kind: 'features', stored: true });
      }
    } finally {
      client.release();
    }

    const supervisor = new ConsoleClient(env!.url);
    expect((await supervisor.login('admin', ADMIN_PASSWORD)).status).toBe(200);
    const report = await supervisor.json('GET', `/api/reports/council?from=${AT_HOME_DAY}&to=${AWAY_DAY}`);
    expect(report.status).toBe(200);
    expect(report.body.final).toBe(true);
    expect(report.body.total.homesMonitored).toBe(10);
    expect(report.body.total.homeDays).toBe(10);
    // The hub still counts among those reporting.
    expect(report.body.hubs).toBe('*');
  }, 120_000);
});
