// Review, session 37: the centre console's resolve with a note PostgreSQL cannot store (a NUL) gets a clear 400, not a
// server error, for a hub's alert (the command is stored as jsonb before it is sent) and for the centre's own alert.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOperator } from '../../central/console/index.js';
import {
  ConsoleClient,
  hubAlert,
  missingForConsole,
  startConsoleEnv,
  storeAlert,
  storeHub,
  type ConsoleEnv,
} from './console-env.js';

const missing = missingForConsole();
if (missing) console.warn(`skipping the console note tests: ${missing}`);

describe.skipIf(missing !== undefined)('a console note with a NUL', () => {
  let env: ConsoleEnv;
  let operator: ConsoleClient;

  beforeAll(async () => {
    env = await startConsoleEnv();
    await createOperator(env.pool, { username: 'olive', role: 'operator', password: 'a-long-password-1' });
    operator = new ConsoleClient(env.url);
    expect((await operator.login('olive', 'a-long-password-1')).status).toBe(200);
  });

  afterAll(async () => {
    await env?.stop();
  });

  it('is refused with BAD_NOTE for a hub alert and a centre alert; nothing is sent; a clean note then resolves', async () => {
    await storeAlert(env.pool, 'hub-n', hubAlert('n1'));
    await storeHub(env.pool, 'hub-off', { status: 'offline', lastSeenAt: new Date('2026-11-30T02:00:00Z') });
    await storeAlert(
      env.pool,
      'hub-off',
      hubAlert('off1', { kind: 'hub-offline', severity: 'high', homeId: undefined, room: undefined, detail: {} }),
      'centre',
    );
    for (const path of ['/api/alerts/hub-n/n1/resolve', '/api/alerts/hub-off/off1/resolve']) {
      const answer = await operator.json('POST', path, { outcome: 'no-action-needed', note: 'rang her\u0000' });
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ error: 'BAD_NOTE' });
    }
    expect(env.hub.received.some((r) => r.alertId === 'n1')).toBe(false);
    expect((await operator.json('GET', '/api/alerts/hub-off/off1')).body.state).toBe('raised');
    const fine = await operator.json('POST', '/api/alerts/hub-off/off1/resolve', {
      outcome: 'no-action-needed',
      note: 'rang her\nall well',
    });
    expect(fine.status).toBe(200);
  });
});
