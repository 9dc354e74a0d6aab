// Acknowledgements over MQTT: `telecare/<homeId>/alerts/<alertId>/ack`, answered on `.../ack/result`.
import type { AlertActionError } from './api.js';
import { alertAckTopic } from '../topics.js';

export type AckCommand =
  | { action: 'acknowledge'; note: string | null }
  /** `version`: the alert version the responder acted on (session 73): a resolve past a serious change is refused. */
  | { action: 'resolve'; outcome: string; note: string | null; version?: number };

export interface AckTopic {
  homeId: string;
  alertId: string;
}

const MAX_ACK_PAYLOAD_BYTES = 4096;

/** Where the hub answers an acknowledgement received over MQTT (QoS 1, not retained). */
export function ackResultTopic(t: AckTopic): string {
  return `${alertAckTopic(t.homeId, t.alertId)}/result`;
}

/**
 * Payload: empty or `{}` or `{"action":"ack"}` acknowledges (`"note"` kept with it, session 64);
 * `{"action":"resolve","outcome":"...","note":"..."}` resolves, with an optional `"version"` (the one acted on).
 * Who acts is the MQTT username, never a field of the payload.
 */
export function parseAckPayload(
  payload: Buffer,
): { ok: true; command: AckCommand } | { ok: false; code: AlertActionError | 'bad-request'; message: string } {
  if (payload.length > MAX_ACK_PAYLOAD_BYTES) return { ok: false, code: 'bad-request', message: 'payload over 4 KiB' };
  const text = payload.toString('utf8').trim();
  if (text === '') return { ok: true, command: { action: 'acknowledge', note: null } };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { ok: false, code: 'bad-request', message: 'payload is not JSON' };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, code: 'bad-request', message: 'payload must be a JSON object' };
  }
  const { action = 'ack', outcome, note, version } = body as Record<string, unknown>;
  if (note !== undefined && note !== null && typeof note !== 'string') {
    return { ok: false, code: 'bad-request', message: 'note must be a string' };
  }
  if (action === 'ack' || action === 'acknowledge') {
    return { ok: true, command: { action: 'acknowledge', note: (note as string | undefined) ?? null } };
  }
  if (action === 'resolve') {
    if (typeof outcome !== 'string') return { ok: false, code: 'bad-outcome', message: 'resolve needs an outcome' };
    if (version !== undefined && !(typeof version === 'number' && Number.isSafeInteger(version) && version >= 1)) {
      return { ok: false, code: 'bad-request', message: 'version must be a whole number of at least 1' };
    }
    const command: AckCommand = { action: 'resolve', outcome, note: (note as string | undefined) ?? null };
    if (version !== undefined) command.version = version;
    return { ok: true, command };
  }
  return {
    ok: false,
    code: 'bad-request',
    message: `unknown action ${JSON.stringify(action)}: use "ack" or "resolve"`,
  };
}
