// A resolve of an alert that changed since the responder looked (review, session 73): what happened since the version
// the responder acted on, in words, when it was serious enough that the resolve must wait for them to look again.
import { formatHhMm, ZoneClock } from '../../rules/local-time.js';
import type { AlertRow } from './rows.js';

/** One audit entry of the alert after the version the responder saw (stored or held in memory). */
export interface EntrySince {
  version: number;
  at: number;
  action: string;
  detail: Record<string, unknown>;
}

const SERIOUS = new Set(['high', 'critical']);

/** The words of a repeat of a kind, as a responder would say it. */
const AGAIN: Record<string, string> = {
  pendant: 'pressed again',
  fall: 'another fall',
  smoke: 'smoke again',
  co: 'carbon monoxide again',
  gas: 'gas again',
  flood: 'water again',
};

/** The home's wall-clock time of `at` ("03:12"), read as the rules read it (its zone's offsets, cached per zone). */
function clockTime(at: number, timeZone: string): string {
  try {
    return formatHhMm(new ZoneClock(timeZone).minuteOfDay(at));
  } catch {
    return `${new Date(at).toISOString().slice(11, 16)} UTC`;
  }
}

/**
 * What happened to `row` since `seenVersion` that a resolve must not pass over: a repeat of severity high or critical (a
 * pendant pressed again, another fall, smoke again, a silence told on a fall) or a severity raised to high or critical.
 * Undefined when nothing of the kind (an escalation, a low repeat: a second device offline, a silence ended). A merge
 * entry stored before session 73 names no severity: the alert's own is taken (it is never lower than its repeats').
 */
export function changedSince(
  row: AlertRow,
  seenVersion: number,
  entries: readonly EntrySince[],
  timeZone: string,
): string | undefined {
  if (!(row.version > seenVersion)) return undefined;
  let repeats = 0;
  let lastRepeatAt = 0;
  const raised: string[] = [];
  const silences: string[] = [];
  for (const e of entries) {
    if (e.version <= seenVersion) continue;
    if (e.action === 'severity-raised') {
      const to = typeof e.detail.to === 'string' ? e.detail.to : row.severity;
      if (SERIOUS.has(to)) raised.push(`raised to ${to} at ${clockTime(e.at, timeZone)}`);
    } else if (e.action === 'merge') {
      const severity = typeof e.detail.severity === 'string' ? e.detail.severity : row.severity;
      if (!SERIOUS.has(severity)) continue;
      if (typeof e.detail.silence === 'string') {
        silences.push(`${e.detail.silence} called on it at ${clockTime(e.at, timeZone)}`);
        continue;
      }
      repeats += typeof e.detail.paced === 'number' && e.detail.paced > 0 ? e.detail.paced : 1;
      lastRepeatAt = Math.max(lastRepeatAt, e.at);
    }
  }
  const said: string[] = [];
  if (repeats > 0) {
    const again = AGAIN[row.kind] ?? 'repeated';
    const time = clockTime(lastRepeatAt, timeZone);
    said.push(repeats === 1 ? `${again} at ${time}` : `${again} ${repeats} times, the last at ${time}`);
  }
  said.push(...raised, ...silences);
  if (said.length === 0) return undefined;
  return (
    `Not resolved: ${said.join('; ')} since you opened it (version ${seenVersion}, now ${row.version}): ` +
    'look again, then resolve'
  );
}
