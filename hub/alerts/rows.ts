// Mapping between alert rows in SQLite (epoch ms, JSON text) and the Alert model (ISO times, objects).
import type { Alert } from './api.js';
import type { AlertKind, AlertState, Outcome, Severity } from '../../rules/vocabulary.js';
import type { EscalationLevel } from '../config-types.js';

export interface AlertRow {
  id: string;
  home_id: string;
  resident_id: string | null;
  kind: string;
  severity: string;
  state: string;
  raised_at: number;
  acknowledged_at: number | null;
  acknowledged_by: string | null;
  resolved_at: number | null;
  outcome: string | null;
  note: string | null;
  escalation_level: number;
  room: string | null;
  detail: string;
  count: number;
  last_seen_at: number;
  version: number;
  ladder: string;
  escalation_due_at: number | null;
}

/**
 * Epoch ms as ISO 8601. The last one is kept: a raise formats the same millisecond up to three times (its event's
 * time, raised at, last seen), and V8's date formatting was ~2 % of a press's turn (session 25).
 */
export function isoTime(ms: number): string {
  if (ms !== lastIsoMs) {
    lastIso = new Date(ms).toISOString();
    lastIsoMs = ms;
  }
  return lastIso;
}
let lastIsoMs = NaN;
let lastIso = '';

const iso = (ms: number | null): string | null => (ms === null ? null : isoTime(ms));

export function rowToAlert(row: AlertRow): Alert {
  return rowToAlertWithDetail(row, JSON.parse(row.detail) as Record<string, unknown>);
}

/** The Alert of a row whose detail the caller has as an object already (a raise just made the row's JSON from it). */
export function rowToAlertWithDetail(row: AlertRow, detail: Record<string, unknown>): Alert {
  return {
    id: row.id,
    homeId: row.home_id,
    residentId: row.resident_id,
    kind: row.kind as AlertKind,
    severity: row.severity as Severity,
    state: row.state as AlertState,
    raisedAt: iso(row.raised_at)!,
    acknowledgedAt: iso(row.acknowledged_at),
    acknowledgedBy: row.acknowledged_by,
    resolvedAt: iso(row.resolved_at),
    outcome: row.outcome as Outcome | null,
    note: row.note,
    escalationLevel: row.escalation_level,
    notifiedGroups: notifiedGroups(row),
    room: row.room,
    detail,
    count: row.count,
    lastSeenAt: iso(row.last_seen_at)!,
    version: row.version,
  };
}

/**
 * An alert's ladder (fixed when it was raised). Parsed once per distinct text: every alert change asks for it (the
 * groups told so far) and a scheme's alerts share a handful of ladders. Frozen, since the same array is handed out.
 */
export function rowLadder(row: AlertRow): readonly EscalationLevel[] {
  return parseLadder(row.ladder);
}

/** The groups an alert has gone to: its ladder's groups from level 0 to its current level, in order, each once. */
export function notifiedGroups(row: Pick<AlertRow, 'ladder' | 'escalation_level'>): string[] {
  const ladder = parseLadder(row.ladder);
  const groups: string[] = [];
  for (let level = 0; level <= row.escalation_level && level < ladder.length; level++) {
    const group = ladder[level]!.group;
    if (!groups.includes(group)) groups.push(group);
  }
  return groups;
}

/** A ladder's JSON text, parsed once per distinct text (see rowLadder). */
export function parseLadder(text: string): readonly EscalationLevel[] {
  let ladder = parsedLadders.get(text);
  if (ladder === undefined) {
    ladder = Object.freeze((JSON.parse(text) as EscalationLevel[]).map((level) => Object.freeze(level)));
    // Bounded: ladders come from the configuration, but an old database may hold many since-changed ones.
    if (parsedLadders.size >= MAX_PARSED_LADDERS) parsedLadders.clear();
    parsedLadders.set(text, ladder);
  }
  return ladder;
}

const MAX_PARSED_LADDERS = 64;
const parsedLadders = new Map<string, readonly EscalationLevel[]>();

export const isOpenState = (state: string): boolean => state === 'raised' || state === 'acknowledged';
