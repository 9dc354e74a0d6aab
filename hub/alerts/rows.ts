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

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function rowToAlert(row: AlertRow): Alert {
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
    room: row.room,
    detail: JSON.parse(row.detail) as Record<string, unknown>,
    count: row.count,
    lastSeenAt: iso(row.last_seen_at)!,
    version: row.version,
  };
}

export function rowLadder(row: AlertRow): EscalationLevel[] {
  return JSON.parse(row.ladder) as EscalationLevel[];
}

export const isOpenState = (state: string): boolean => state === 'raised' || state === 'acknowledged';
