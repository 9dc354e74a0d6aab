// Review, session 62: a hub's answer that came after the console had given up on the command was thrown away. The
// console resends a command until the hub's answer is stored, and marks it `timeout` a minute after the first send
// (`commands.timeoutMs`). A hub that was away at that moment and comes back sends its answer through its uplink queue,
// behind what it held meanwhile: the answer arrives, stored by the workers, after the timeout. The console only read
// answers of commands still `sent`, so:
// - an acknowledgement the hub applied kept the line "no answer from the hub in time (the hub may be offline). Try
//   again, or phone the home" under a card that said "acknowledged";
// - a resolve answered "no alert" by a re-installed hub (session 60) never closed the centre's copy: the call stayed
//   open on every screen, and the card told the operator the hub had not answered.
// A late answer is now taken as an answer. Real console, nats-server and PostgreSQL; the stand-in hub drops the
// commands (away), then its answers are stored as the workers store them.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createOperator } from '../../central/console/index.js';
import { COMMAND_RESULT_CHANNEL } from '../../central/schema.js';
import {
  ConsoleClient,
  hubAlert,
  missingForConsole,
  startConsoleEnv,
  storeAlert,
  type ConsoleEnv,
  type Json,
} from './console-env.js';

const missing = missingForConsole();
if (missing) console.warn(`skipping the late answer test: ${missing}`);

const PASSWORD = 'a-long-password-1';
const HUB = 's62-away-hub';
const WAIT = { timeout: 30_000, interval: 50 };

describe.skipIf(missing !== undefined)("a hub's answer after the command timed out", () => {
  let env: ConsoleEnv;
  let operator: ConsoleClient;

  beforeAll(async () => {
    // The command is given up 1.5 s after its first send (a minute in service).
    env = await startConsoleEnv({ commands: { resendMs: 150, timeoutMs: 1_500 } });
    await createOperator(env.pool, { username: 'olive', role: 'operator', password: PASSWORD });
    operator = new ConsoleClient(env.url);
    expect((await operator.login('olive', PASSWORD)).status).toBe(200);
  });

  afterAll(async () => {
    await env?.stop();
  });

  /** The command the card shows, once it has left `sent`. */
  const finishedCommand = async (alertId: string): Promise<Json> => {
    let command: Json;
    await vi.waitFor(async () => {
      const { body } = await operator.json('GET', `/api/alerts/${HUB}/${alertId}`);
      command = body.command;
      expect(command?.state).not.toBe('sent');
    }, WAIT);
    return command;
  };

  /** The hub's answer to `commandId`, stored and NOTIFYed as the workers do. */
  const answer = async (alertId: string, commandId: string, result: Record<string, unknown>): Promise<void> => {
    await env.pool.query(
      `INSERT INTO central_command_results (hub_id, alert_id, command_id, payload) VALUES ($1, $2, $3, $4)`,
      [HUB, alertId, commandId, { hubId: HUB, alertId, commandId, ...result }],
    );
    await env.pool.query('SELECT pg_notify($1, $2)', [
      COMMAND_RESULT_CHANNEL,
      JSON.stringify({ hubId: HUB, alertId, commandId }),
    ]);
  };

  it('shows an acknowledgement the hub applied late as applied', async () => {
    const alert = hubAlert('ack-late', { kind: 'pendant', severity: 'critical', raisedAt: new Date().toISOString() });
    await storeAlert(env.pool, HUB, alert);
    env.hub.ignore.set('ack-late', Infinity);
    const sent = await operator.json('POST', `/api/alerts/${HUB}/ack-late/ack`, {});
    expect(sent.status).toBe(202);
    const { commandId } = sent.body.command;
    expect(await finishedCommand('ack-late')).toMatchObject({ commandId, state: 'timeout' });

    // The hub is back: it applied the acknowledgement (its new version) and its answer follows.
    const at = new Date().toISOString();
    await storeAlert(env.pool, HUB, {
      ...alert,
      state: 'acknowledged',
      acknowledgedAt: at,
      acknowledgedBy: 'centre:olive',
      version: 2,
    });
    await answer('ack-late', commandId, { action: 'acknowledge', ok: true, state: 'acknowledged', version: 2 });
    // Before the fix: `timeout` for good, "no answer from the hub in time" under an acknowledged card.
    await vi.waitFor(async () => {
      const { body } = await operator.json('GET', `/api/alerts/${HUB}/ack-late`);
      expect(body.state).toBe('acknowledged');
      expect(body.command).toMatchObject({ commandId, state: 'done', result: { ok: true, state: 'acknowledged' } });
    }, WAIT);
  });

  it('closes at the centre a call a re-installed hub answers late that it has no record of', async () => {
    await storeAlert(env.pool, HUB, hubAlert('lost-late', { raisedAt: new Date().toISOString() }));
    env.hub.ignore.set('lost-late', Infinity);
    const sent = await operator.json('POST', `/api/alerts/${HUB}/lost-late/resolve`, {
      outcome: 'carer-visit',
      note: 'Warden found her well',
    });
    expect(sent.status).toBe(202);
    const { commandId } = sent.body.command;
    expect(await finishedCommand('lost-late')).toMatchObject({ commandId, state: 'timeout' });

    await answer('lost-late', commandId, {
      action: 'resolve',
      ok: false,
      code: 'not-found',
      message: 'no alert lost-late',
    });
    // Before the fix: the call stayed open at the centre (on every screen), its command `timeout`.
    await vi.waitFor(async () => {
      const { body } = await operator.json('GET', `/api/alerts/${HUB}/lost-late`);
      expect(body.state).toBe('resolved');
      expect(body.alert).toMatchObject({ outcome: 'carer-visit', closedAtCentre: { by: 'centre:olive' } });
      expect(body.command).toMatchObject({ commandId, state: 'failed', result: { code: 'not-found' } });
    }, WAIT);
  });
});
