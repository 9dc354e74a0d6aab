// The alert model of SPEC section 5 and what the dashboard, MQTT and CLI may do with alerts.
import type { AlertKind, AlertState, Outcome, Severity } from '../../rules/vocabulary.js';

export interface Alert {
  id: string;
  homeId: string;
  residentId: string | null;
  kind: AlertKind;
  severity: Severity;
  state: AlertState;
  raisedAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  resolvedAt: string | null;
  outcome: Outcome | null;
  note: string | null;
  escalationLevel: number;
  /**
   * The responder groups this alert has gone to so far, from its ladder's level 0 to `escalationLevel`, in order, each
   * once (session 35): who was told, for a console to say so. Absent from alerts made outside the hub (replay).
   */
  notifiedGroups?: string[];
  room: string | null;
  detail: Record<string, unknown>;
  /** How many times the condition was seen while this alert was open. */
  count: number;
  lastSeenAt: string;
  /** Goes up on every change; receivers deduplicate by (id, version). */
  version: number;
}

export type AlertActionError = 'not-found' | 'wrong-state' | 'bad-outcome' | 'bad-note' | 'forbidden' | 'changed-since';

export type AlertActionResult = { ok: true; alert: Alert } | { ok: false; code: AlertActionError; message: string };

export interface AlertFilter {
  /** `open` means raised or acknowledged. */
  state?: AlertState | 'open';
  homeId?: string;
  /** Only the alerts of these homes (a responder held to some homes); none when empty. */
  homeIds?: readonly string[];
  /** Raised at or after (epoch ms). */
  from?: number;
  to?: number;
  /**
   * Raised or repeated (merged: `lastSeenAt`) at or after (epoch ms): an alert that carried out a rule's raise of its
   * kind at that time or later, a repeat of an open alert included.
   */
  seenFrom?: number;
  limit?: number;
}

export interface AlertServiceApi {
  list(filter?: AlertFilter): Alert[];
  get(id: string): Alert | undefined;
  /** `note`: what the responder says on acknowledging ("calling her daughter"), kept in the alert's `note`. */
  acknowledge(id: string, by: string, note?: string | null): AlertActionResult;
  /**
   * `seenVersion`: the version the responder acted on. Refused (`changed-since`, in words what happened) when the alert
   * had a high or critical repeat or a severity raised to high or critical since (review, session 73).
   */
  resolve(id: string, outcome: string, note: string | null, by: string, seenVersion?: number): AlertActionResult;
  /** Every new version of every alert, after it is stored. Returns the unsubscribe function. */
  subscribe(listener: (alert: Alert) => void): () => void;
}
