// Acknowledging and resolving over MQTT: commands on `telecare/<homeId>/alerts/<alertId>/ack`, answered on
// `.../ack/result`; who acts is the MQTT username, and device and bridge logins may not act at all.
import type { Logger } from '../logger.js';
import type { Publisher } from '../publisher.js';
import { parseAlertAckTopic } from '../topics.js';
import type { HubConfig } from '../config-types.js';
import { ackResultTopic, parseAckPayload } from './ack-topic.js';
import type { AlertChanges } from './changes.js';
import { refuse, type AlertLifecycle } from './lifecycle.js';
import type { AlertMetrics } from './metrics.js';

/** MQTT roles that may never act on alerts even though they can log in. */
const MQTT_ROLES_WITHOUT_ALERT_RIGHTS = new Set(['device', 'bridge']);

export interface AckProtocolDeps {
  log: Logger;
  metrics: AlertMetrics;
  publisher: Publisher;
  config(): HubConfig;
  changes: AlertChanges;
  lifecycle: AlertLifecycle;
}

/**
 * Why a command through an external broker (HUB_MQTT_URL) is refused: the hub is one of the broker's clients and MQTT
 * does not tell a subscriber who published, so it cannot know (or record) who acted, and anyone the broker lets publish
 * there could otherwise acknowledge alerts.
 */
export const EXTERNAL_BROKER_ACK_REFUSAL =
  'this hub uses an external broker (HUB_MQTT_URL), which does not tell the hub who sent an MQTT message, so it ' +
  'cannot record who acted: acknowledge or resolve on the dashboard, or with POST /api/alerts/<alertId>/ack or ' +
  "/resolve (acting over MQTT needs the hub's embedded broker)";

/**
 * Carry out one acknowledgement or resolution received over MQTT and publish the answer (QoS 1, not retained).
 * `externalBroker`: the message came through HUB_MQTT_URL, where the sender's username is never known.
 */
export function handleAckCommand(
  d: AckProtocolDeps,
  topic: string,
  payload: Buffer,
  username: string | undefined,
  externalBroker = false,
): void {
  const target = parseAlertAckTopic(topic);
  if (!target) {
    d.metrics.rejectedActions.inc({ code: 'bad-request', via: 'mqtt' });
    d.log.warn({ topic }, 'ack on a topic that is not an alert ack topic: dropped');
    return;
  }
  const answer = (body: Record<string, unknown>): void => {
    d.publisher
      .publish(ackResultTopic(target), JSON.stringify({ alertId: target.alertId, ...body }), { qos: 1, retain: false })
      .catch((err: unknown) => d.log.warn({ err: String(err) }, 'could not publish ack result'));
  };
  const parsed = parseAckPayload(payload);
  if (!parsed.ok) {
    d.metrics.rejectedActions.inc({ code: parsed.code, via: 'mqtt' });
    d.log.info({ alertId: target.alertId, code: parsed.code }, 'alert action refused');
    answer({ ok: false, code: parsed.code, message: parsed.message });
    return;
  }
  const command = parsed.command;
  if (externalBroker && username === undefined) {
    d.metrics.rejectedActions.inc({ code: 'forbidden', via: 'mqtt' });
    d.log.warn(
      { alertId: target.alertId, action: command.action, via: 'mqtt', code: 'forbidden' },
      'alert action over MQTT refused: the external broker does not tell the hub who sent it (acknowledge on the dashboard or the API)',
    );
    answer({ ok: false, action: command.action, code: 'forbidden', message: EXTERNAL_BROKER_ACK_REFUSAL });
    return;
  }
  const result = d.lifecycle.act(command.action, target.alertId, username, 'mqtt', (by) => {
    const role = d.config().mqttUsers?.find((u) => u.username === by)?.role;
    if (role && MQTT_ROLES_WITHOUT_ALERT_RIGHTS.has(role)) {
      return refuse('forbidden', `MQTT users with role ${role} may not act on alerts`);
    }
    const row = d.changes.current(target.alertId);
    if (!row || row.home_id !== target.homeId) {
      return refuse('not-found', `no alert ${target.alertId} in home ${target.homeId}`);
    }
    return command.action === 'acknowledge'
      ? d.lifecycle.acknowledge(target.alertId, by, command.note)
      : d.lifecycle.resolve(target.alertId, command.outcome, command.note, by, command.version);
  });
  answer(
    result.ok
      ? { ok: true, action: command.action, state: result.alert.state, version: result.alert.version }
      : { ok: false, action: command.action, code: result.code, message: result.message },
  );
}
