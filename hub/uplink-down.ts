// Commands from the alarm receiving centre on `telecare-down/<hubId>/alerts/<alertId>/ack`: parsed and checked here.
import { OUTCOMES, type Outcome } from '../rules/vocabulary.js';
import { MAX_NOTE_CHARS } from './alerts/lifecycle.js';

const MAX_COMMAND_BYTES = 4096;
const MAX_OPERATOR_CHARS = 64;

export type CentreCommand =
  | { action: 'acknowledge'; operator: string | null; commandId: string | null }
  | {
      action: 'resolve';
      outcome: Outcome;
      note: string | null;
      operator: string | null;
      commandId: string | null;
      /** The alert version the operator acted on (session 73): the hub refuses a resolve past a serious change since. */
      version: number | null;
    };

/** Why a command was dropped; the label of `telecare_uplink_down_rejected_total`. */
export type DownRejection = 'bad-topic' | 'too-large' | 'bad-json' | 'bad-command';

export type ParsedDown =
  | { ok: true; alertId: string; command: CentreCommand }
  | {
      ok: false;
      reason: DownRejection;
      message: string;
      /** A command the hub cannot apply but can answer (it named its alert and its id): the centre is told why. */
      answerTo?: { alertId: string; commandId: string };
    };

export function downFilter(hubId: string): string {
  return `telecare-down/${hubId}/#`;
}

/** The audit actor of a centre's command: the centre, and its operator when the command names one. */
export function centreActor(command: CentreCommand): string {
  return command.operator === null ? 'centre' : `centre:${command.operator}`;
}

/**
 * `telecare-down/<hubId>/alerts/<alertId>/ack` with `{"action":"acknowledge"}` or
 * `{"action":"resolve","outcome":"...","note":"..."}`, optionally `"operator"` (who at the centre), `"commandId"` and
 * `"version"` (the alert version the operator acted on; on acknowledge it is read and changes nothing).
 */
export function parseDownMessage(hubId: string, topic: string, payload: Buffer): ParsedDown {
  const parts = topic.split('/');
  const [root, hub, alerts, alertId, ack] = parts;
  if (parts.length !== 5 || root !== 'telecare-down' || hub !== hubId || alerts !== 'alerts' || ack !== 'ack') {
    return { ok: false, reason: 'bad-topic', message: 'not telecare-down/<hubId>/alerts/<alertId>/ack' };
  }
  if (!alertId) return { ok: false, reason: 'bad-topic', message: 'no alert id in the topic' };
  if (payload.length > MAX_COMMAND_BYTES) return { ok: false, reason: 'too-large', message: 'payload over 4 KiB' };
  let body: unknown;
  try {
    body = JSON.parse(payload.toString('utf8'));
  } catch {
    return { ok: false, reason: 'bad-json', message: 'payload is not JSON' };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, reason: 'bad-command', message: 'payload must be a JSON object' };
  }
  const fields = body as Record<string, unknown>;
  const commandId = optionalText(fields.commandId, MAX_OPERATOR_CHARS);
  if (commandId === false) return badCommand(`commandId must be text of 1 to ${MAX_OPERATOR_CHARS} characters`);
  // From here on a refusal is answered when the command has an id: the console shows it at once, where an unanswered
  // command left the operator waiting for the hub until it timed out (review, session 37).
  const refuse = (message: string): ParsedDown => ({
    ok: false,
    reason: 'bad-command',
    message,
    ...(commandId === null ? {} : { answerTo: { alertId, commandId } }),
  });
  const operator = optionalText(fields.operator, MAX_OPERATOR_CHARS);
  if (operator === false) return refuse(`operator must be text of 1 to ${MAX_OPERATOR_CHARS} characters`);
  if (fields.action === 'acknowledge' || fields.action === 'ack') {
    return { ok: true, alertId, command: { action: 'acknowledge', operator, commandId } };
  }
  if (fields.action !== 'resolve') return refuse('action must be "acknowledge" or "resolve"');
  const outcome = fields.outcome;
  if (typeof outcome !== 'string' || !(OUTCOMES as readonly string[]).includes(outcome)) {
    return refuse(`resolve needs an outcome, one of ${OUTCOMES.join(', ')}`);
  }
  const version = fields.version ?? null;
  if (version !== null && !(typeof version === 'number' && Number.isSafeInteger(version) && version >= 1)) {
    return refuse('version must be a whole number of at least 1 (the alert version the operator acted on)');
  }
  const note = fields.note ?? null;
  // Characters (code points), as the centre's console and the dashboard count them: the hub keeps MAX_NOTE_CHARS
  // UTF-16 units of it, cut between characters. Counted in units, a console note of 1,990 characters with 11 emoji
  // was dropped here unanswered, and the operator waited for the hub until the command timed out (session 37).
  if (note !== null && (typeof note !== 'string' || codePoints(note) > MAX_NOTE_CHARS)) {
    return refuse(`note must be text of at most ${MAX_NOTE_CHARS} characters`);
  }
  return {
    ok: true,
    alertId,
    command: { action: 'resolve', outcome: outcome as Outcome, note, operator, commandId, version },
  };
}

/** Characters (code points) of `text`: its UTF-16 units less one per surrogate pair. */
function codePoints(text: string): number {
  return text.length - (text.match(/[\ud800-\udbff][\udc00-\udfff]/g)?.length ?? 0);
}

function badCommand(message: string): ParsedDown {
  return { ok: false, reason: 'bad-command', message };
}

/** Undefined/null → null; printable text of 1..max characters → itself; anything else → false. */
function optionalText(value: unknown, max: number): string | null | false {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || value.length === 0 || value.length > max) return false;
  // Control characters would forge lines in logs and the audit view.
  return /^[^\p{Cc}]+$/u.test(value) ? value : false;
}
