// Commands down to hubs over NATS, made reliable: a commandId, resent until the hub's result is stored or a timeout.
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { NatsConnection } from 'nats';
import type pg from 'pg';
import { audit, closeLostHubAlert, commandView, type CommandView } from './alerts.js';
import type { LiveFeed } from './live.js';

/**
 * The NATS subject the MQTT gateway turns into `telecare-down/<hubId>/alerts/<alertId>/ack`. A plain NATS publish
 * reaches an MQTT QoS 1 subscriber at QoS 0 (the gateway delivers messages from NATS publishers through the
 * subscription's plain subject, never through its JetStream consumer): lost if the hub is not connected at that
 * moment, so the console resends until the hub's answer is stored.
 */
export function commandSubject(hubId: string, alertId: string): string {
  return `telecare-down.${hubId}.alerts.${alertId}.ack`;
}

/** One NATS subject token and one MQTT topic level: no `.`, `*`, `>`, `/`, `+`, `#` or white space. */
export const SUBJECT_TOKEN = /^[A-Za-z0-9_-]{1,128}$/;
/** The hub drops commands over 4 KiB (hub/uplink-down.ts). */
export const MAX_COMMAND_BYTES = 4096;

export interface CommandSettings {
  /** Resend an unanswered command this often. */
  resendMs: number;
  /** Give up (state `timeout`, shown to the operator) this long after the first send. */
  timeoutMs: number;
}

export const DEFAULT_COMMAND_SETTINGS: CommandSettings = { resendMs: 3_000, timeoutMs: 60_000 };

/**
 * A hub's answer is still taken this long after its command timed out (session 62): a hub that was away sends it through
 * its uplink queue, behind what it held meanwhile. Before, a late answer was thrown away: an acknowledgement the hub had
 * applied said "no answer from the hub in time", and a resolve a re-installed hub answered "no alert" left the call open.
 */
export const LATE_ANSWER_MS = 24 * 3_600_000;

export type CommandBody =
  | { action: 'acknowledge' }
  /** `version`: the hub's alert version the operator acted on (session 73), carried down to the hub. */
  | { action: 'resolve'; outcome: string; note: string | null; version?: number };

interface PendingRow {
  command_id: string;
  hub_id: string;
  alert_id: string;
  body: Record<string, unknown>;
  created_at: Date;
  last_sent_at: Date | null;
  result: Record<string, unknown> | null;
}

export class CommandSender {
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly nc: NatsConnection,
    private readonly live: LiveFeed,
    private readonly settings: CommandSettings,
    private readonly log: FastifyBaseLogger,
    private readonly now: () => number = Date.now,
  ) {
    live.onCommandResult = () => this.kick();
  }

  start(): void {
    // Checked at least twice per resend period; a hub's answer (NOTIFY) is checked at once.
    this.timer = setInterval(() => this.kick(), Math.max(50, Math.floor(this.settings.resendMs / 2)));
    this.timer.unref();
    this.kick();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.ticking;
  }

  /**
   * Stores the command, then publishes it; the hub's answer (or `alreadyDone` for a repeat) comes back through the
   * workers into `central_command_results`. Refused (`handledBy`) when another operator is handling the alert: their
   * command is still waiting for the hub, or (to acknowledge) someone else acknowledged it already. The check and the
   * insert hold one lock per alert, so two operators pressing at once cannot both send.
   */
  async send(
    hubId: string,
    alertId: string,
    body: CommandBody,
    operator: string,
  ): Promise<CommandView | { handledBy: string; message: string }> {
    const commandId = randomUUID();
    const payload = { ...body, operator, commandId };
    const client = await this.pool.connect();
    let row: Parameters<typeof commandView>[0] | undefined;
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock(7426003, hashtext($1))', [`${hubId}/${alertId}`]);
      const conflict = await handledByAnother(client, hubId, alertId, body.action, operator);
      if (conflict) {
        await client.query('ROLLBACK');
        return conflict;
      }
      row = (
        await client.query<Parameters<typeof commandView>[0]>(
          `INSERT INTO console_commands (command_id, hub_id, alert_id, action, body, operator, sends, last_sent_at, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $7) RETURNING *`,
          [commandId, hubId, alertId, body.action, payload, operator, new Date(this.now())],
        )
      ).rows[0];
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
    if (!row) throw new Error('console_commands: INSERT returned no row');
    this.publish(hubId, alertId, payload);
    const command = commandView(row);
    this.live.publish({ type: 'command', command });
    return command;
  }

  /** A send that fails (the NATS connection closed) is one more try missed: the command stays due for resending. */
  private publish(hubId: string, alertId: string, payload: Record<string, unknown>): void {
    try {
      this.nc.publish(commandSubject(hubId, alertId), JSON.stringify(payload));
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'console: publishing a command on NATS failed; it will be resent');
    }
  }

  /** Runs one check now, or once more after the one under way (never two at once). */
  private kick(): void {
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.ticking = this.tick()
      .catch((err: unknown) => this.log.error({ err: (err as Error).message }, 'console: command check failed'))
      .finally(() => {
        this.ticking = undefined;
        if (this.again && this.timer) {
          this.again = false;
          this.kick();
        }
      });
  }

  private async tick(): Promise<void> {
    const pending = await this.pool.query<PendingRow>(
      `SELECT c.command_id, c.hub_id, c.alert_id, c.body, c.created_at, c.last_sent_at, r.payload AS result
       FROM console_commands c
       LEFT JOIN central_command_results r
         ON r.hub_id = c.hub_id AND r.alert_id = c.alert_id AND r.command_id = c.command_id
       WHERE c.state = 'sent' OR (c.state = 'timeout' AND c.finished_at > $1 AND r.payload IS NOT NULL)`,
      [new Date(this.now() - LATE_ANSWER_MS)],
    );
    const now = this.now();
    for (const row of pending.rows) {
      if (row.result) {
        if (row.result.ok !== true && row.result.code === 'not-found') await this.closeLost(row, now);
        await this.finish(row.command_id, row.result.ok === true ? 'done' : 'failed', row.result);
      } else if (now - row.created_at.getTime() >= this.settings.timeoutMs) {
        this.log.warn({ commandId: row.command_id }, 'console: no answer from the hub to a command in time');
        await this.finish(row.command_id, 'timeout', null);
      } else if (now - (row.last_sent_at?.getTime() ?? 0) >= this.settings.resendMs) {
        await this.pool.query(
          `UPDATE console_commands SET sends = sends + 1, last_sent_at = $2 WHERE command_id = $1 AND state = 'sent'`,
          [row.command_id, new Date(now)],
        );
        this.publish(row.hub_id, row.alert_id, row.body);
      }
    }
  }

  /**
   * The hub has no record of the alert (re-installed with the same HUB_ID, its database new): nothing it sends will
   * ever close the centre's copy, so an operator's resolve closes it here, with their outcome and note (session 60).
   * Before, the hub's "no alert" left the card open on every screen for good. An acknowledgement changes nothing.
   */
  private async closeLost(row: PendingRow, now: number): Promise<void> {
    const { body } = row;
    if (body.action !== 'resolve' || typeof body.outcome !== 'string' || typeof body.operator !== 'string') return;
    const note = typeof body.note === 'string' ? body.note : null;
    const hubAnswer = typeof row.result?.message === 'string' ? row.result.message : 'not-found';
    const closed = await closeLostHubAlert(
      this.pool,
      row.hub_id,
      row.alert_id,
      { operator: body.operator, outcome: body.outcome, note, hubAnswer },
      new Date(now),
    );
    if (!closed) return;
    this.log.warn(
      { hubId: row.hub_id, alertId: row.alert_id, commandId: row.command_id },
      'console: the hub has no record of an alert the centre held open; closed at the centre as the operator resolved it',
    );
    await audit(this.pool, {
      operator: body.operator,
      action: 'close-at-centre',
      hubId: row.hub_id,
      alertId: row.alert_id,
      commandId: row.command_id,
      detail: { outcome: body.outcome, reason: 'not-found-at-hub' },
    });
  }

  private async finish(
    commandId: string,
    state: 'done' | 'failed' | 'timeout',
    result: Record<string, unknown> | null,
  ): Promise<void> {
    const updated = await this.pool.query<Parameters<typeof commandView>[0]>(
      `UPDATE console_commands SET state = $2, result = $3, finished_at = $4
       WHERE command_id = $1 AND (state = 'sent' OR (state = 'timeout' AND $3::jsonb IS NOT NULL)) RETURNING *`,
      [commandId, state, result, new Date(this.now())],
    );
    const row = updated.rows[0];
    if (row) this.live.publish({ type: 'command', command: commandView(row) });
  }
}

const ACTION_WORDS = { acknowledge: 'an acknowledgement', resolve: 'a resolution' } as const;

/**
 * Another operator's hold on this alert, for `action` by `operator`: a command of theirs still waiting for the hub's
 * answer, or an acknowledgement by anyone else (to acknowledge again). The same operator repeating is not refused:
 * the hub answers a repeat `alreadyDone`.
 */
async function handledByAnother(
  client: pg.ClientBase,
  hubId: string,
  alertId: string,
  action: CommandBody['action'],
  operator: string,
): Promise<{ handledBy: string; message: string } | undefined> {
  const pending = (
    await client.query<{ operator: string; action: CommandBody['action'] }>(
      `SELECT operator, action FROM console_commands
       WHERE hub_id = $1 AND alert_id = $2 AND state = 'sent' AND operator <> $3 ORDER BY created_at DESC LIMIT 1`,
      [hubId, alertId, operator],
    )
  ).rows[0];
  if (pending) {
    return {
      handledBy: pending.operator,
      message: `${pending.operator} sent ${ACTION_WORDS[pending.action]} for this alert; waiting for the hub's answer`,
    };
  }
  if (action !== 'acknowledge') return undefined;
  const acknowledgedBy = (
    await client.query<{ by: string | null }>(
      `SELECT alert->>'acknowledgedBy' AS by FROM central_alerts WHERE hub_id = $1 AND alert_id = $2 AND state = 'acknowledged'`,
      [hubId, alertId],
    )
  ).rows[0]?.by;
  if (acknowledgedBy === undefined || acknowledgedBy === `centre:${operator}`) return undefined;
  const who = acknowledgedBy ?? 'someone';
  return { handledBy: who, message: `Already acknowledged by ${who}` };
}
