// The alert state machine (SPEC 5): raised (repeats merged), acknowledged, resolved with an outcome, or cancelled.
// Each change is stored first and then told. When storage fails the change is told from memory all the same, held,
// and stored once storage is back: "stored before told" must never become "not told".
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { RuleDecision } from '../../rules/types.js';
import type { EscalationLevel, HubConfig } from '../config-types.js';
import { INACTIVITY_FAMILY, OUTCOMES, SEVERITIES, type Severity } from '../../rules/vocabulary.js';
import type { Alert, AlertActionError, AlertActionResult } from './api.js';
import { afterDelivery, groupsToldSoFar, type AlertChanges, type Change } from './changes.js';
import { HELD, type AlertStore, type HeldAlerts } from './held.js';
import { newAlertId } from './ids.js';
import { ladderFor, ladderTextFor, levelDueAt } from './ladder.js';
import type { AlertMetrics } from './metrics.js';
import { RepeatPacing, type PendingRepeats } from './pacing.js';
import { isoTime, isOpenState, parseLadder, rowLadder, type AlertRow } from './rows.js';
import { pressStages } from '../press-stages.js';
import { HUB_ACTOR, returned, type AlertStatements } from './statements.js';
import { changedSince, type EntrySince } from './changed-since.js';

/** Longest note kept on a resolution (UTF-16 units); longer notes are cut, never inside a character. */
export const MAX_NOTE_CHARS = 2000;

/**
 * What a resolve note may not hold: control characters other than tab and line breaks, and half a surrogate pair
 * (not text). PostgreSQL's jsonb refuses a NUL, so the centre dropped the resolution as `refused-by-database` and
 * showed the alert open for ever (review, session 37).
 */
const NOTE_FORBIDDEN = /\p{Cs}|(?![\t\n\r])\p{Cc}/u;

/** Why `note` cannot be kept, or undefined. */
export function noteProblem(note: string): string | undefined {
  return NOTE_FORBIDDEN.test(note)
    ? 'the note holds a control character or half a character: only text, tabs and line breaks'
    : undefined;
}

/**
 * The note kept on a resolution of an alert acknowledged with a note: both, the acknowledgement's first (neither is
 * lost, session 64), unless the resolution's repeats it; cut to MAX_NOTE_CHARS.
 */
export function resolutionNote(acknowledgementNote: string | null, resolutionNote: string | null): string | null {
  if (acknowledgementNote === null || acknowledgementNote === '') return resolutionNote;
  if (resolutionNote === null || resolutionNote.startsWith(acknowledgementNote))
    return resolutionNote ?? acknowledgementNote;
  return keptNote(`${acknowledgementNote}\n${resolutionNote}`);
}

/** `note` cut to MAX_NOTE_CHARS, never between the two halves of a character (an emoji). */
export function keptNote(note: string): string {
  if (note.length <= MAX_NOTE_CHARS) return note;
  const cut = note.slice(0, MAX_NOTE_CHARS);
  return /[\ud800-\udbff]$/.test(cut) ? cut.slice(0, -1) : cut;
}

export type Via = 'api' | 'mqtt';

type Raise = Extract<RuleDecision, { type: 'raise' }>;
type Clear = Extract<RuleDecision, { type: 'clear' }>;

export interface LifecycleDeps {
  clock: Clock;
  log: Logger;
  metrics: AlertMetrics;
  config(): HubConfig;
  stored(): AlertStore;
  held: HeldAlerts;
  changes: AlertChanges;
  /** False before start() and after stop(). */
  running(): boolean;
}

export class AlertLifecycle {
  /** Repeats of a device's own alarm past a short burst, held and told at most once a second per alert (pacing.ts). */
  private readonly pacing: RepeatPacing;
  /** Alerts whose held repeats changed since the store's note of them (`notePaced`), and whether a note is due. */
  private readonly pacedChanged = new Set<string>();
  private pacedNoteDue = false;

  constructor(private readonly d: LifecycleDeps) {
    this.pacing = new RepeatPacing(
      d.clock,
      (alertId) => this.tellPaced(alertId),
      (alertId) => this.pacedChangedFor(alertId),
    );
  }

  /**
   * The held repeats of an alert changed: the store's note of them is brought up to date once this turn of the loop is
   * over (one write however many presses a message held), before the presses' own acknowledgement, which waits for
   * the events' fsync off the loop (review, session 65).
   */
  private pacedChangedFor(alertId: string): void {
    this.pacedChanged.add(alertId);
    if (this.pacedNoteDue) return;
    this.pacedNoteDue = true;
    setImmediate(() => {
      this.pacedNoteDue = false;
      if (this.d.running()) this.notePaced();
    });
  }

  /**
   * The repeats held by the pace, noted in the store (`alert_paced_repeats`: the count the alert has once they are
   * told, each device's latest repeat), and the notes of those told or forgotten since deleted. A hub killed before it
   * tells them finds them at its next start (`tellPacedAfterRestart`). Kept to try again when storage fails.
   */
  notePaced(): void {
    if (this.pacedChanged.size === 0) return;
    const ids = [...this.pacedChanged];
    const done = this.d.held.storeOrHold('alert-paced-note', () => {
      const { sql } = this.d.stored();
      for (const id of ids) {
        const pending = this.pacing.pending(id);
        if (pending === undefined) sql.pacedDelete.run(id);
        else
          sql.pacedUpsert.run(
            id,
            pending.baseCount + pending.count,
            pending.lastSeenAt,
            JSON.stringify([...pending.decisions.values()]),
          );
      }
      return true;
    });
    if (done === true) for (const id of ids) this.pacedChanged.delete(id);
  }

  /**
   * At start: repeats a hub killed within the pace's second held and never told (noted by `notePaced`), told now in one
   * version as they would have been, when the stored alert is still open and counts fewer. Without it the restart's
   * re-feed took them for decisions carried out (a minute's slack around the alert's last sighting): the count of the
   * versions told stayed, and another resident's press among the held ones was never named (review, session 65).
   */
  tellPacedAfterRestart(): void {
    const { changes } = this.d;
    const { sql } = this.d.stored();
    const now = this.d.clock.now();
    for (const saved of sql.pacedAll.all()) {
      let repeats = 0;
      const change = this.d.held.storeOrHold('alert-raise', (): Change | undefined => {
        sql.pacedDelete.run(saved.alert_id);
        const open = sql.byId.get(saved.alert_id);
        if (!open || !isOpenState(open.state) || open.count >= saved.count) return undefined;
        const pending = pendingFromNote(open, saved.count - open.count, saved.last_seen_at, saved.decisions);
        repeats = pending.count;
        const { room, detail } = pacedChange(open, pending, now);
        const lastSeenAt = Math.max(open.last_seen_at, pending.lastSeenAt);
        const row = returned(sql.mergePaced.get(pending.count, lastSeenAt, room, detail, open.id), 'merge');
        changes.audit(row.id, row.version, HUB_ACTOR, 'merge', {
          count: row.count,
          paced: pending.count,
          severity: pendingSeverity(pending),
          afterRestart: true,
        });
        return {
          row,
          outbox: changes.enqueue(
            row,
            repeatGroups(open, row, pendingSeverity(pending), [...pending.decisions.values()]),
          ),
        };
      });
      // Storage failing at start: the note stays for the next start.
      if (change === HELD || change === undefined) continue;
      changes.publish(change);
      this.d.log.info(
        { alertId: change.row.id, repeats },
        'repeats the pace held when the hub stopped without telling them: told',
      );
    }
  }

  /**
   * A rule found a condition: a new alert, or a repeat merged into the open alert of the same kind. A raise that is only
   * a change to the open alert (`repeatOnly`) changes nothing when none is open.
   */
  raise(decision: Raise): Alert | undefined {
    const { changes, metrics } = this.d;
    const now = this.d.clock.now();
    // A flood's later repeats (some held already, this one as serious): counted, without a store read or transaction.
    if (this.pacing.holdMore(decision, now)) {
      metrics.merged.inc({ kind: decision.kind });
      return undefined;
    }
    let merged = false;
    let noneOpen = false;
    let pacedOpen: AlertRow | undefined;
    let tellPacedFirst: string | undefined;
    let severityFrom: string | undefined;
    let infoRecord: AlertRow | undefined;
    let intoFall = false;
    const change = this.d.held.storeOrHold('alert-raise', (): Change | undefined => {
      const { sql } = this.d.stored();
      // A silence called while the home's fall alert is open is that fall's: told on it, not a second call (session 66).
      const fall = SILENCES.has(decision.kind)
        ? fallHolding(decision, sql.openByKind.get(decision.homeId, 'fall'))
        : undefined;
      if (fall) {
        merged = intoFall = true;
        const row = returned(
          sql.mergeDetail.get(now, fall.room, withLaterSilence(fall, decision, now), fall.id),
          'merge',
        );
        changes.audit(row.id, row.version, HUB_ACTOR, 'merge', {
          count: row.count,
          silence: decision.kind,
          severity: decision.severity,
        });
        return { row, outbox: changes.enqueue(row, repeatGroups(fall, row, decision.severity)) };
      }
      const open = sql.openByKind.get(decision.homeId, decision.kind);
      // The open alert is read once, here, on the path of every press: an info record it finds is resolved first
      // (below, its own change), and the raise made again.
      if (open && supersedesInfo(decision, open)) {
        infoRecord = open;
        return undefined;
      }
      if (open) {
        merged = true;
        const upgrade = this.severityUpgrade(open, decision.severity, now);
        // Repeats held by the pace are told before the severity goes up (their versions first, in order).
        if (upgrade && this.pacing.hasPending(open.id)) {
          tellPacedFirst = open.id;
          return undefined;
        }
        if (upgrade) {
          severityFrom = open.severity;
          const row = returned(sql.raiseSeverity.get({ ...upgrade, now, id: open.id }), 'severity raise');
          changes.audit(row.id, row.version, HUB_ACTOR, 'severity-raised', upgradeAudit(open, row));
          return { row, outbox: changes.enqueue(row, upgradeGroups(open, row)) };
        }
        // Past a short burst, a repeat is counted and told with the next at the pace (no version of its own): held
        // once this transaction is over (a memory change inside it would outlive a rollback).
        if (this.pacing.mustHold(open.id, decision.kind, now)) {
          pacedOpen = open;
          return undefined;
        }
        this.pacing.spend(open.id, decision.kind, now);
        const change = repeatChange(open, decision, now);
        const row = returned(
          change === undefined
            ? sql.merge.get(now, open.id)
            : sql.mergeDetail.get(now, change.room, change.detail, open.id),
          'merge',
        );
        changes.audit(row.id, row.version, HUB_ACTOR, 'merge', { count: row.count, severity: decision.severity });
        return { row, outbox: changes.enqueue(row, repeatGroups(open, row, decision.severity, [decision])) };
      }
      if (decision.repeatOnly === true) {
        noneOpen = true;
        return undefined;
      }
      // The new row is the one written: not read back (RETURNING) nor its ladder parsed again from its JSON.
      const { row, ladder, detail } = this.newAlertRow(decision, now);
      sql.insert.run(row);
      // Its Alert from the detail object the row's JSON was made from, not parsed back from that JSON (when that
      // object holds only what JSON gives back as it is: no nested object of the rules' shared with the Alert).
      if (flatJson(detail)) changes.madeFrom(row, detail);
      changes.audit(row.id, row.version, HUB_ACTOR, 'raise', { group: ladder[0]?.group });
      return { row, outbox: changes.enqueue(row, [ladder[0]?.group]) };
    });
    if (infoRecord) {
      this.closeInfoRecord(infoRecord, decision);
      return this.raise(decision);
    }
    if (tellPacedFirst !== undefined) {
      this.tellPaced(tellPacedFirst);
      return this.raise(decision);
    }
    if (change === HELD) {
      const fall = SILENCES.has(decision.kind)
        ? fallHolding(decision, changes.openByKind(decision.homeId, 'fall'))
        : undefined;
      if (fall) {
        const row: AlertRow = {
          ...fall,
          detail: withLaterSilence(fall, decision, now),
          count: fall.count + 1,
          last_seen_at: now,
          version: fall.version + 1,
        };
        metrics.merged.inc({ kind: decision.kind });
        const groups = repeatGroups(fall, row, decision.severity);
        const audit = { count: row.count, silence: decision.kind, severity: decision.severity };
        return changes.hold(row, HUB_ACTOR, 'merge', audit, groups);
      }
      const open = changes.openByKind(decision.homeId, decision.kind);
      if (open && supersedesInfo(decision, open)) this.closeInfoRecord(open, decision);
      if (!open && decision.repeatOnly === true) return undefined;
      return this.raiseFromMemory(decision, now);
    }
    if (pacedOpen !== undefined) {
      this.pacing.hold(pacedOpen.id, pacedOpen.severity, pacedOpen.count, decision, now);
      metrics.merged.inc({ kind: decision.kind });
      return undefined;
    }
    if (noneOpen) return undefined;
    if (change === undefined) throw new Error('alert raise changed nothing');
    pressStages?.mark('stored');
    const alert = changes.publish(change);
    if (merged) metrics.merged.inc({ kind: decision.kind });
    else metrics.raised.inc({ kind: decision.kind, severity: decision.severity });
    // The log line (its serialisation was 5 % of a press's path) once the alert is on the wire, not before.
    const { id: alertId, severity } = change.row;
    afterDelivery(() =>
      this.d.log.info(
        { alertId, homeId: decision.homeId, kind: decision.kind, merged, severity },
        severityFrom
          ? `alert severity raised from ${severityFrom}`
          : intoFall
            ? 'silence told on the open fall alert'
            : merged
              ? 'alert repeated'
              : 'alert raised',
      ),
    );
    return alert;
  }

  /**
   * A raise is merged into the open alert of its home and kind (SPEC 5), and an `info` alert never escalates:
   * an open info record (a wearable impact the wearer got up from) would swallow a real fall raised after it.
   * It is resolved first, so the more serious raise gets its own alert and ladder.
   */
  private closeInfoRecord(open: AlertRow, decision: Raise): void {
    const note = `superseded by a ${decision.severity} ${decision.kind} alert`;
    this.act('resolve', open.id, HUB_ACTOR, 'api', (who) => this.resolve(open.id, 'no-action-needed', note, who));
  }

  /**
   * A repeat more serious than the open alert raises its severity (never lowers it): the ladder of the new severity
   * from now on, at the same level (the groups already told stay told), due no later than the old ladder had it.
   * An acknowledged alert stays acknowledged and does not escalate. Undefined when the severity does not go up.
   */
  private severityUpgrade(open: AlertRow, severity: Severity, now: number): SeverityUpgrade | undefined {
    if (!moreSerious(severity, open.severity)) return undefined;
    const ladder = ladderFor(this.d.config(), open.home_id, severity);
    const level = Math.min(open.escalation_level, ladder.length - 1);
    const dueNew = levelDueAt(ladder, level, now);
    const due =
      open.state !== 'raised'
        ? null
        : dueNew === null || open.escalation_due_at === null
          ? (dueNew ?? open.escalation_due_at)
          : Math.min(dueNew, open.escalation_due_at);
    return { severity, ladder: JSON.stringify(ladder), escalation_level: level, escalation_due_at: due };
  }

  /** The condition ended before anyone acknowledged: the alert is cancelled. Undefined when there was none to cancel. */
  cancel(decision: Clear): Alert | undefined {
    const { changes, metrics } = this.d;
    const pacedId = this.pacing.pendingFor(decision.homeId, decision.kind);
    if (pacedId !== undefined) this.tellPaced(pacedId);
    const now = this.d.clock.now();
    let onFall = false;
    const change = this.d.held.storeOrHold('alert-cancel', (): Change | undefined => {
      const { sql } = this.d.stored();
      // A silence told on the home's open fall alert ended (session 66's `laterSilence`): said on the fall, which stays
      // the responder's to close (review, session 67).
      const fall = SILENCES.has(decision.kind)
        ? silenceEndingOnFall(decision, sql.openByKind.get(decision.homeId, 'fall'))
        : undefined;
      if (fall) {
        onFall = true;
        const row = returned(sql.setDetail.get(withSilenceEnded(fall, decision), fall.id), 'silence end');
        changes.audit(row.id, row.version, HUB_ACTOR, 'silence-ended', {
          kind: decision.kind,
          reason: decision.reason,
        });
        return { row, outbox: changes.enqueue(row, silenceEndGroups(row)) };
      }
      const open = sql.openByKind.get(decision.homeId, decision.kind);
      // Once someone has acknowledged, the responder decides how it ends.
      if (!open || open.state !== 'raised') return undefined;
      const row = returned(sql.cancel.get(now, cancelledDetail(open, decision), open.id), 'cancel');
      changes.audit(row.id, row.version, HUB_ACTOR, 'cancel', { reason: decision.reason });
      return { row, outbox: changes.enqueue(row, groupsToldSoFar(row)) };
    });
    if (change === HELD) {
      const fall = SILENCES.has(decision.kind)
        ? silenceEndingOnFall(decision, changes.openByKind(decision.homeId, 'fall'))
        : undefined;
      if (fall) {
        const row: AlertRow = { ...fall, detail: withSilenceEnded(fall, decision), version: fall.version + 1 };
        const audit = { kind: decision.kind, reason: decision.reason };
        return changes.hold(row, HUB_ACTOR, 'silence-ended', audit, silenceEndGroups(row));
      }
      const open = changes.openByKind(decision.homeId, decision.kind);
      if (!open || open.state !== 'raised') return undefined;
      const row: AlertRow = {
        ...open,
        state: 'cancelled',
        resolved_at: now,
        detail: cancelledDetail(open, decision),
        escalation_due_at: null,
        version: open.version + 1,
      };
      metrics.closed.inc({ state: 'cancelled' });
      this.pacing.forget(row.id);
      return changes.hold(row, HUB_ACTOR, 'cancel', { reason: decision.reason }, groupsToldSoFar(row));
    }
    if (!change) return undefined;
    if (onFall) {
      this.d.log.info({ alertId: change.row.id, kind: decision.kind }, 'silence told on the fall alert ended');
      return changes.publish(change);
    }
    metrics.closed.inc({ state: 'cancelled' });
    this.pacing.forget(change.row.id);
    this.d.log.info({ alertId: change.row.id, kind: decision.kind }, 'alert cancelled');
    return changes.publish(change);
  }

  acknowledge(id: string, by: string, note: string | null = null): AlertActionResult {
    const { changes } = this.d;
    // The repeats held by the pace happened before: told first, so the acknowledged version counts them.
    this.tellPaced(id);
    const now = this.d.clock.now();
    const problem = note === null ? undefined : noteProblem(note);
    if (problem !== undefined) return refuse('bad-note', problem);
    const kept = note === null || note.trim() === '' ? null : keptNote(note);
    const change = this.d.held.storeOrHold('alert-acknowledge', (): Change | AlertActionResult => {
      const { sql } = this.d.stored();
      const current = sql.byId.get(id);
      if (!current) return refuse('not-found', `no alert ${id}`);
      if (current.state !== 'raised') return refuse('wrong-state', describeState(current, 'acknowledge'));
      const row = returned(sql.acknowledge.get(now, by, kept, id), 'acknowledgement');
      changes.audit(id, row.version, by, 'acknowledge', {});
      return { row, outbox: changes.enqueue(row, groupsToldSoFar(row)) };
    });
    if (change === HELD) {
      const current = changes.current(id);
      if (!current) return refuse('not-found', `no alert ${id}`);
      if (current.state !== 'raised') return refuse('wrong-state', describeState(current, 'acknowledge'));
      const row: AlertRow = {
        ...current,
        state: 'acknowledged',
        acknowledged_at: now,
        acknowledged_by: by,
        note: kept ?? current.note,
        escalation_due_at: null,
        version: current.version + 1,
      };
      this.observeTimeToAck(row);
      return { ok: true, alert: changes.hold(row, by, 'acknowledge', {}, groupsToldSoFar(row)) };
    }
    if ('ok' in change) return change;
    this.observeTimeToAck(change.row);
    return { ok: true, alert: changes.publish(change) };
  }

  /**
   * `seenVersion`: the version the responder acted on (their console's card). A resolve is refused (`changed-since`)
   * when the alert had a high or critical repeat or a severity raised to high or critical since (review, session 73).
   */
  resolve(id: string, outcome: string, note: string | null, by: string, seenVersion?: number): AlertActionResult {
    const { changes, metrics } = this.d;
    this.tellPaced(id);
    const now = this.d.clock.now();
    const problem = note === null ? undefined : noteProblem(note);
    if (problem !== undefined) return refuse('bad-note', problem);
    const kept = note === null ? null : keptNote(note);
    const change = this.d.held.storeOrHold(
      'alert-resolve',
      (): (Change & { firstResponse?: true }) | AlertActionResult => {
        const { sql } = this.d.stored();
        const current = resolvable(id, sql.byId.get(id), outcome);
        if ('ok' in current) return current;
        const changed = this.changedSince(current, seenVersion, () => storedSince(sql, id, seenVersion));
        if (changed !== undefined) return changed;
        const row = returned(
          sql.resolve.get({ id, now, by, outcome, note: resolutionNote(current.note, kept) }),
          'resolution',
        );
        changes.audit(id, row.version, by, 'resolve', { outcome, fromState: current.state });
        const firstResponse = current.state === 'raised';
        return { row, outbox: changes.enqueue(row, groupsToldSoFar(row)), ...(firstResponse ? { firstResponse } : {}) };
      },
    );
    if (change === HELD) {
      const current = resolvable(id, changes.current(id), outcome);
      if ('ok' in current) return current;
      const changed = this.changedSince(current, seenVersion, () => [
        // What storage still reads (the failure may be of writes only), then what is held in memory since.
        ...readableSince(() => storedSince(this.d.stored().sql, id, seenVersion)),
        ...this.d.held.audits(id).map((a) => ({ ...a, detail: a.detail as Record<string, unknown> })),
      ]);
      if (changed !== undefined) return changed;
      const row: AlertRow = {
        ...current,
        state: 'resolved',
        resolved_at: now,
        outcome,
        note: resolutionNote(current.note, kept),
        acknowledged_at: current.acknowledged_at ?? now,
        acknowledged_by: current.acknowledged_by ?? by,
        escalation_due_at: null,
        version: current.version + 1,
      };
      if (current.state === 'raised') this.observeTimeToAck(row);
      metrics.closed.inc({ state: 'resolved' });
      this.pacing.forget(id);
      const alert = changes.hold(row, by, 'resolve', { outcome, fromState: current.state }, groupsToldSoFar(row));
      return { ok: true, alert };
    }
    if ('ok' in change) return change;
    if ('firstResponse' in change) this.observeTimeToAck(change.row);
    metrics.closed.inc({ state: 'resolved' });
    this.pacing.forget(id);
    return { ok: true, alert: changes.publish(change) };
  }

  /** The refusal of a resolve of `current` when it changed seriously since `seenVersion` (none given: no check). */
  private changedSince(
    current: AlertRow,
    seenVersion: number | undefined,
    entries: () => EntrySince[],
  ): AlertActionResult | undefined {
    if (seenVersion === undefined || current.version <= seenVersion) return undefined;
    const zone = this.d.config().homes.find((h) => h.id === current.home_id)?.timezone ?? 'UTC';
    const said = changedSince(current, seenVersion, entries(), zone);
    return said === undefined ? undefined : refuse('changed-since', said);
  }

  /** Runs a responder action; refusals change nothing and are counted and logged. */
  act(
    action: 'acknowledge' | 'resolve',
    id: string,
    by: string | undefined,
    via: Via,
    run: (by: string) => AlertActionResult,
  ): AlertActionResult {
    const result =
      typeof by !== 'string' || by.trim() === ''
        ? refuse('forbidden', `${action} needs an authenticated user`)
        : run(by);
    if (!result.ok) {
      this.d.metrics.rejectedActions.inc({ code: result.code, via });
      this.d.log.info({ alertId: id, action, via, code: result.code }, 'alert action refused');
      this.d.log.debug({ alertId: id, by, message: result.message }, 'alert action refused (detail)');
    } else {
      this.d.log.info({ alertId: id, action, via, version: result.alert.version }, `alert ${action}d`);
    }
    return result;
  }

  /**
   * The row of a new alert as `insert` stores it (its named parameters are the row's columns; the others are not
   * read): the decision's columns and the defaults of a first raise. Written out column by column in the table's order
   * (a spread made V8 build new hidden classes for each call: docs/performance.md, session 30), and once: the row
   * given to `insert` used to be copied into this one, on the press's path.
   */
  private newAlertRow(
    decision: Raise,
    now: number,
  ): { row: AlertRow; ladder: readonly EscalationLevel[]; detail: Record<string, unknown> } {
    // Its JSON made once per configuration and ladder, parsed once per text: not built and serialised per raise.
    const ladderText = ladderTextFor(this.d.config(), decision.homeId, decision.severity);
    const ladder = parseLadder(ladderText);
    // Copied and added to, not spread twice (a spread of the rule's detail, then of a one-key object or an empty one,
    // cost 200-450 bytes more per raise, on the press's path); the same keys in the same order.
    const detail: Record<string, unknown> = Object.assign({}, decision.detail);
    if (decision.deviceId) detail.deviceId = decision.deviceId;
    detail.eventAt = isoTime(decision.at);
    lastedUntilRaised(detail, now - decision.at);
    const row: AlertRow = {
      id: newAlertId(now),
      home_id: decision.homeId,
      resident_id: decision.residentId ?? null,
      kind: decision.kind,
      severity: decision.severity,
      state: 'raised',
      raised_at: now,
      acknowledged_at: null,
      acknowledged_by: null,
      resolved_at: null,
      outcome: null,
      note: null,
      escalation_level: 0,
      room: decision.room ?? null,
      detail: JSON.stringify(detail),
      count: 1,
      last_seen_at: now,
      version: 1,
      ladder: ladderText,
      escalation_due_at: levelDueAt(ladder, 0, now),
    };
    return { row, ladder, detail };
  }

  private raiseFromMemory(decision: Raise, now: number): Alert | undefined {
    const { changes, metrics } = this.d;
    let open = changes.openByKind(decision.homeId, decision.kind);
    if (open && this.pacing.hasPending(open.id) && moreSerious(decision.severity, open.severity)) {
      this.tellPaced(open.id);
      open = changes.openByKind(decision.homeId, decision.kind);
    }
    if (open && !moreSerious(decision.severity, open.severity)) {
      if (this.pacing.mustHold(open.id, decision.kind, now)) {
        this.pacing.hold(open.id, open.severity, open.count, decision, now);
        metrics.merged.inc({ kind: decision.kind });
        return undefined;
      }
      this.pacing.spend(open.id, decision.kind, now);
    }
    if (open) {
      const repeat: AlertRow = { ...open, count: open.count + 1, last_seen_at: now, version: open.version + 1 };
      const change = repeatChange(open, decision, now);
      if (change !== undefined) Object.assign(repeat, change);
      metrics.merged.inc({ kind: decision.kind });
      const upgrade = this.severityUpgrade(open, decision.severity, now);
      if (!upgrade)
        return changes.hold(
          repeat,
          HUB_ACTOR,
          'merge',
          { count: repeat.count, severity: decision.severity },
          repeatGroups(open, repeat, decision.severity, [decision]),
        );
      const row: AlertRow = { ...repeat, ...upgrade };
      return changes.hold(row, HUB_ACTOR, 'severity-raised', upgradeAudit(open, row), upgradeGroups(open, row));
    }
    const { row, ladder } = this.newAlertRow(decision, now);
    const group = ladder[0]?.group;
    metrics.raised.inc({ kind: decision.kind, severity: decision.severity });
    return changes.hold(row, HUB_ACTOR, 'raise', { group }, [group]);
  }

  /**
   * The repeats the pace held for `alertId`, told in one version (count and last seen; another device's alarm named as
   * a repeat of its own would): when their time comes, and before any other change of the alert. Nothing when none.
   */
  tellPaced(alertId: string): void {
    const now = this.d.clock.now();
    const pending = this.pacing.take(alertId, now);
    if (pending === undefined) return;
    const { changes } = this.d;
    const severity = pendingSeverity(pending);
    const change = this.d.held.storeOrHold('alert-raise', (): Change | undefined => {
      const { sql } = this.d.stored();
      const open = sql.byId.get(alertId);
      if (!open || !isOpenState(open.state)) return undefined;
      const { room, detail } = pacedChange(open, pending, now);
      const row = returned(sql.mergePaced.get(pending.count, pending.lastSeenAt, room, detail, alertId), 'merge');
      changes.audit(row.id, row.version, HUB_ACTOR, 'merge', { count: row.count, paced: pending.count, severity });
      return { row, outbox: changes.enqueue(row, repeatGroups(open, row, severity, [...pending.decisions.values()])) };
    });
    if (change === HELD) {
      const open = changes.current(alertId);
      if (!open || !isOpenState(open.state)) return;
      const row: AlertRow = {
        ...open,
        ...pacedChange(open, pending, now),
        count: open.count + pending.count,
        last_seen_at: pending.lastSeenAt,
        version: open.version + 1,
      };
      changes.hold(
        row,
        HUB_ACTOR,
        'merge',
        { count: row.count, paced: pending.count, severity },
        repeatGroups(open, row, severity, [...pending.decisions.values()]),
      );
      return;
    }
    if (change === undefined) {
      this.d.log.warn({ alertId, repeats: pending.count }, 'repeats held by the pace found their alert closed');
      return;
    }
    changes.publish(change);
  }

  /** A graceful stop: every repeat held by the pace told, the pace's timers stopped, its notes in the store cleared. */
  tellAllPaced(): void {
    for (const id of this.pacing.pendingIds()) this.tellPaced(id);
    this.pacing.clear();
    this.notePaced();
  }

  private observeTimeToAck(row: AlertRow): void {
    if (row.acknowledged_at === null) return;
    this.d.metrics.timeToAckSeconds.observe({ severity: row.severity }, (row.acknowledged_at - row.raised_at) / 1000);
  }
}

/** The columns a more serious repeat changes (besides count, last seen and version). */
interface SeverityUpgrade {
  severity: Severity;
  ladder: string;
  escalation_level: number;
  escalation_due_at: number | null;
}

/** True when `severity` is more serious than `than` (critical is the most serious; an unknown one the least). */
export function moreSerious(severity: string, than: string): boolean {
  const rank = (s: string): number => {
    const i = (SEVERITIES as readonly string[]).indexOf(s);
    return i < 0 ? SEVERITIES.length : i;
  };
  return rank(severity) < rank(than);
}

/** True when every value is a string, a finite number, a boolean or null: JSON.parse(JSON.stringify(o)) equals o. */
function flatJson(o: Record<string, unknown>): boolean {
  for (const key in o) {
    const v = o[key];
    if (v === null || typeof v === 'string' || typeof v === 'boolean') continue;
    if (typeof v === 'number' && Number.isFinite(v) && !Object.is(v, -0)) continue;
    return false;
  }
  return true;
}

/** The most later flags a `routine-change` alert keeps (the latest): an alert open for months must not grow for ever. */
export const MAX_LATER_FLAGS = 50;

/**
 * The detail (JSON) of the open routine-change alert `open` with the flag of the repeat `decision` kept in
 * `laterFlags` (review, session 51: a second habit flagged while the first alert was open was merged as count and last
 * seen alone, so the card named one habit and the council report counted one flag). Each entry is the flag's detail as
 * a first raise stores it (feature, change, direction, days, fromDate, date, values, baseline, unit, eventAt) and
 * `seenAt`, when it was merged (a first flag's is the alert's raisedAt); the latest MAX_LATER_FLAGS are kept.
 */
function withLaterFlag(open: AlertRow, decision: Raise, now: number): string {
  const detail = JSON.parse(open.detail) as Record<string, unknown>;
  const flag: Record<string, unknown> = Object.assign({}, decision.detail);
  if (decision.deviceId) flag.deviceId = decision.deviceId;
  flag.eventAt = isoTime(decision.at);
  flag.seenAt = isoTime(now);
  const earlier: unknown[] = Array.isArray(detail.laterFlags) ? (detail.laterFlags as unknown[]) : [];
  detail.laterFlags = [...earlier, flag].slice(-MAX_LATER_FLAGS);
  return JSON.stringify(detail);
}

/**
 * What a repeat of `decision` changes of its open alert `open` besides count and last seen, in the store and in
 * memory alike: a routine-change repeat is another habit flagged (or the same one again), its flag kept in the detail
 * (`laterFlags`); one of a home's cold, offline devices or silence says where it is now (ROOM_MOVES); another device's
 * alarm, low battery or tampering is added (PER_DEVICE). Undefined for any other kind: its detail is not even read.
 */
function repeatChange(
  open: AlertRow,
  decision: Raise,
  now: number,
): { room: string | null; detail: string } | undefined {
  if (decision.kind === 'routine-change') return { room: open.room, detail: withLaterFlag(open, decision, now) };
  if (ROOM_MOVES.has(decision.kind)) return { room: decision.room ?? null, detail: roomDetail(decision, now) };
  if (PER_DEVICE.has(decision.kind)) return { room: open.room, detail: withOtherDevice(open, decision, now) };
  return undefined;
}

/**
 * Kinds whose repeat names where the condition is now: a cold (or heat) alert is the home's, kept open while any room
 * is out of range, and the rules repeat it for the room still out when the one it named comes back (review, session
 * 60: the card sent the responder to a living room warm again, the bedroom at 14 °C). A sensor-offline alert is the
 * home's too: a repeat is another device offline, or one back while others are not, its detail naming every device
 * offline (review, session 60, round 2: the card named the first device alone, even once it was back, and never the
 * bed mat dead since). A silence of the inactivity family repeats only once the one called has ended, so its repeat
 * (into an alert acknowledged and left open: a clear then changes nothing) is a new silence, maybe in another room
 * (review, session 60, round 2: the card and the "seen again" webhook named the morning's silence in the hall, the
 * resident silent in the kitchen since 14:00). So is a night exit's, once the resident was back inside: another door,
 * another time. Its room and detail become the repeat's; the other kinds' repeats change count and last seen alone.
 */
const ROOM_MOVES: ReadonlySet<string> = new Set(['cold', 'heat', 'sensor-offline', 'night-exit', ...INACTIVITY_FAMILY]);

/** The detail (JSON) a repeat of a ROOM_MOVES kind gives its open alert: as a first raise of it would store it. */
function roomDetail(decision: Raise, now: number): string {
  const detail: Record<string, unknown> = Object.assign({}, decision.detail);
  if (decision.deviceId) detail.deviceId = decision.deviceId;
  detail.eventAt = isoTime(decision.at);
  lastedUntilRaised(detail, now - decision.at);
  return JSON.stringify(detail);
}

/**
 * Kinds the rules raise per device whose alert is the home's (one open alert per home and kind): a repeat from another
 * device is another device to see to (a repeat from the one the alert names still changes count and last seen alone: a
 * pendant pressed again stays as the first press described it; a fall's repeat names its own figures, `laterFall`).
 * Before, it changed count and last seen alone: the card named the first device, the installer changed its battery
 * and resolved the alert, and the bed mat's low battery, never named, went flat (its battery still low, nothing raised
 * again; review, session 60, round 2).
 */
const PER_DEVICE: ReadonlySet<string> = new Set([
  'low-battery',
  'tamper',
  // A device's own alarm: a second detector (the smoke reaching the hall), a second resident's pendant.
  'pendant',
  'fall',
  'smoke',
  'co',
  'gas',
  'flood',
]);

/**
 * The detail (JSON) of the open alert `open` with the repeat's device in `otherDevices` (each entry the rule's detail,
 * `deviceId`, `room` and `eventAt`, a device told again taking its latest place), unless it is the device the alert
 * names: that one's repeat leaves the detail as it is. Bounded by the home's devices.
 */
function withOtherDevice(open: AlertRow, decision: Raise, now: number): string {
  const detail = JSON.parse(open.detail) as Record<string, unknown>;
  if (!decision.deviceId || decision.deviceId === detail.deviceId) {
    return decision.kind === 'fall' ? withLaterFall(detail, decision, now) : open.detail;
  }
  const entry: Record<string, unknown> = Object.assign({}, decision.detail);
  entry.deviceId = decision.deviceId;
  entry.room = decision.room ?? null;
  if (decision.residentId !== undefined) entry.residentId = decision.residentId;
  entry.eventAt = isoTime(decision.at);
  const earlier = Array.isArray(detail.otherDevices) ? (detail.otherDevices as { deviceId?: unknown }[]) : [];
  detail.otherDevices = [...earlier.filter((d) => d?.deviceId !== decision.deviceId), entry];
  return JSON.stringify(detail);
}

/**
 * The detail (JSON) of an open fall alert, `detail` parsed, with the repeat `decision` from the alert's own device named
 * in `laterFall`: the rule's detail as a first raise stores it (a detected fall's impact, speed, posture change and
 * stillness; a reported fall's event), `eventAt` and `seenAt`, when it was merged. The latest repeat only: the count
 * says how many. Before (review, session 74), a second fall of the same wearer merged as count and last seen alone: a
 * reported fall, then minutes later a fall the hub detected from the wearable's movement read "Seen 2 times" with the
 * first's words, the second's figures on no screen.
 */
function withLaterFall(detail: Record<string, unknown>, decision: Raise, now: number): string {
  const fall: Record<string, unknown> = Object.assign({}, decision.detail);
  fall.eventAt = isoTime(decision.at);
  fall.seenAt = isoTime(now);
  detail.laterFall = fall;
  return JSON.stringify(detail);
}

/** The kinds of the inactivity family: a silence, which the rules call once. */
const SILENCES: ReadonlySet<string> = new Set(INACTIVITY_FAMILY);

/**
 * The open fall alert of the home a silence called now belongs to, or undefined. A wearer who fell (the wearable's own
 * report, or the hub's detector) and lies still is one incident: the silence that follows was called as a second alert
 * with a ladder of its own (a `possible-fall` 45 min after the fall, while the responder acknowledged the fall and was on
 * the way), a second call for the same resident on the floor (review, session 66). Only into a fall at least as serious
 * as the silence (a confirmed fall, never the `info` record of an impact the wearer got up from: that would hide the
 * silence in an alert that never escalates) and of the same resident when both name one.
 */
function fallHolding(decision: Raise, fall: AlertRow | undefined): AlertRow | undefined {
  if (!fall || moreSerious(decision.severity, fall.severity)) return undefined;
  if (decision.residentId !== undefined && fall.resident_id !== null && decision.residentId !== fall.resident_id)
    return undefined;
  return fall;
}

/**
 * The detail (JSON) of the open fall alert `fall` with the silence `decision` named in `laterSilence`: its kind, room
 * and the rule's detail as a first raise stores it (`eventAt`, durations run to the raise) and `seenAt`, when it was
 * told. A later silence called while the fall is still open takes its place.
 */
function withLaterSilence(fall: AlertRow, decision: Raise, now: number): string {
  const detail = JSON.parse(fall.detail) as Record<string, unknown>;
  const silence: Record<string, unknown> = { kind: decision.kind, room: decision.room ?? null };
  Object.assign(silence, JSON.parse(roomDetail(decision, now)) as Record<string, unknown>);
  silence.seenAt = isoTime(now);
  detail.laterSilence = silence;
  return JSON.stringify(detail);
}

/**
 * The open fall alert `fall` when the rules' clear `decision` ends the silence told on it (`laterSilence` of its kind,
 * not yet ended, called no later than the clear), or undefined. Before, nothing was said: the fall alert is never
 * withdrawn by movement, and its card, MQTT and the webhooks went on saying "then no movement" while the resident was up
 * and about again, a responder on the phone believing her still on the floor (review, session 67).
 */
function silenceEndingOnFall(decision: Clear, fall: AlertRow | undefined): AlertRow | undefined {
  if (!fall) return undefined;
  const silence = (
    JSON.parse(fall.detail) as { laterSilence?: { kind?: unknown; eventAt?: unknown; endedAt?: unknown } }
  ).laterSilence;
  if (silence?.kind !== decision.kind || silence.endedAt !== undefined) return undefined;
  return typeof silence.eventAt === 'string' && Date.parse(silence.eventAt) <= decision.at ? fall : undefined;
}

/** The detail (JSON) of `fall` with its `laterSilence` ended by `decision`: `endedAt` (ISO) and `endedBy` (the reason). */
function withSilenceEnded(fall: AlertRow, decision: Clear): string {
  const detail = JSON.parse(fall.detail) as { laterSilence: Record<string, unknown> };
  detail.laterSilence = { ...detail.laterSilence, endedAt: isoTime(decision.at), endedBy: decision.reason };
  return JSON.stringify(detail);
}

/**
 * Who hears of the end of a silence told on a fall: whoever heard of the silence (`repeatGroups` of a high repeat):
 * every group told once the fall is acknowledged; none while its ladder runs (MQTT and the consoles show it).
 */
function silenceEndGroups(row: AlertRow): string[] {
  return row.state === 'acknowledged' ? groupsToldSoFar(row) : [];
}

/**
 * True when `alert` is a fall alert a silence of `kind` called at or after `at` was told on (`laterSilence`): that
 * silence's decision was carried out (the hub's restart re-feed asks, hub/hub.ts `alreadyRaised`).
 */
export function toldOnFall(alert: Alert, kind: string, at: number): boolean {
  if (alert.kind !== 'fall') return false;
  const silence = (alert.detail as { laterSilence?: { kind?: unknown; eventAt?: unknown } }).laterSilence;
  return silence?.kind === kind && typeof silence.eventAt === 'string' && Date.parse(silence.eventAt) >= at;
}

/** True when `decision` is more serious than an open info record, which it must not merge into (see closeInfoRecord). */
function supersedesInfo(decision: Raise, open: AlertRow): boolean {
  return decision.severity !== 'info' && open.severity === 'info';
}

/** Everyone told of the alert so far, and the group of its level on the new ladder: each hears of it once. */
/**
 * The groups a repeat merged into the open alert `open` (now `row`) is news to. While the ladder runs, none (MQTT and
 * the dashboard show the count, and the ladder tells the next group in time), unless a high or critical repeat names
 * a device the alert did not name yet (`namesNewDevice`): every group told so far. Once someone acknowledged, the ladder has
 * stopped: a repeat as serious as high (a pendant pressed again, another fall, smoke again) goes to every group told so
 * far, or no call-centre platform would hear of it, however long ago the call was taken and left unresolved (review,
 * session 50). A less serious one (a second device offline) is still not news.
 */
function repeatGroups(open: AlertRow, row: AlertRow, severity: Severity, repeats: readonly Raise[] = []): string[] {
  if (severity !== 'critical' && severity !== 'high') return [];
  return open.state === 'acknowledged' || repeats.some((d) => namesNewDevice(open, d)) ? groupsToldSoFar(row) : [];
}

/**
 * True when the repeat `decision` names a device its open alert `open` did not name yet (PER_DEVICE: a second
 * resident's pendant, a second smoke detector). That is news while the ladder runs too: the first group's call-centre
 * platform, reached by webhook alone, showed one resident's press while the second resident's rang unseen until
 * someone acknowledged (review, session 66). The same device again is not.
 */
function namesNewDevice(open: AlertRow, decision: Raise): boolean {
  if (!PER_DEVICE.has(decision.kind) || decision.deviceId === undefined) return false;
  const detail = JSON.parse(open.detail) as { deviceId?: unknown; otherDevices?: unknown };
  if (decision.deviceId === detail.deviceId) return false;
  const others = Array.isArray(detail.otherDevices) ? (detail.otherDevices as { deviceId?: unknown }[]) : [];
  return !others.some((d) => d?.deviceId === decision.deviceId);
}

function upgradeGroups(before: AlertRow, after: AlertRow): string[] {
  return [...new Set([...groupsToldSoFar(before), ...groupsToldSoFar(after)])];
}

function upgradeAudit(before: AlertRow, after: AlertRow): object {
  return {
    from: before.severity,
    to: after.severity,
    count: after.count,
    level: after.escalation_level,
    group: rowLadder(after)[after.escalation_level]?.group,
    escalationDueAt: after.escalation_due_at === null ? null : new Date(after.escalation_due_at).toISOString(),
  };
}

/** The audit entries of `id` after `seenVersion` a resolve must look at (merges and raised severities). */
function storedSince(sql: AlertStatements, id: string, seenVersion: number | undefined): EntrySince[] {
  return sql.auditSince.all(id, seenVersion ?? 0).map((e) => ({
    version: e.version,
    at: e.at,
    action: e.action,
    detail: parsedDetail(e.detail),
  }));
}

function parsedDetail(json: string): Record<string, unknown> {
  try {
    const parsed = JSON.parse(json) as unknown;
    return parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** `read()`, or none when storage cannot be read either. */
function readableSince(read: () => EntrySince[]): EntrySince[] {
  try {
    return read();
  } catch {
    return [];
  }
}

export function refuse(code: AlertActionError, message: string): AlertActionResult {
  return { ok: false, code, message };
}

/** The alert to resolve, or why not: no such alert, an unknown outcome, or an alert already closed. */
function resolvable(id: string, current: AlertRow | undefined, outcome: string): AlertRow | AlertActionResult {
  if (!current) return refuse('not-found', `no alert ${id}`);
  if (!(OUTCOMES as readonly string[]).includes(outcome)) {
    return refuse('bad-outcome', `unknown outcome ${JSON.stringify(outcome)}: use one of ${OUTCOMES.join(', ')}`);
  }
  if (!isOpenState(current.state)) return refuse('wrong-state', describeState(current, 'resolve'));
  return current;
}

function describeState(row: AlertRow, action: string): string {
  const by = row.acknowledged_by ? ` by ${row.acknowledged_by}` : '';
  return `cannot ${action} alert ${row.id}: it is ${row.state}${row.state === 'acknowledged' ? by : ''}`;
}

function cancelledDetail(open: AlertRow, decision: Clear): string {
  return JSON.stringify({ ...(JSON.parse(open.detail) as Record<string, unknown>), cancelReason: decision.reason });
}

/** A rule's detail that says how long something has lasted, in minutes, at the decision's time. */
const LASTING_MINUTES = ['silenceMinutes', 'minutesInBathroom', 'minutesOutOfBed'] as const;

/**
 * A call made after the time it fell due (the hub was down then and calls it after its start's grace, or a bridge
 * flushed the events late, so the rules reached the silence's end at once): the silence, the visit or the time up have
 * lasted until the raise, not only until then, and the responder's card says so ("Silent for 23 h 01 min", not the
 * 45 min limit it crossed). `eventAt` stays the time it fell due. A call on time (live within a minute, or replay,
 * whose clock is the events') is left as the rule gave it; a clock behind the rules' time changes nothing.
 */
function lastedUntilRaised(detail: Record<string, unknown>, lateMs: number): void {
  if (!(lateMs >= 60_000)) return;
  const late = Math.round(lateMs / 60_000);
  for (const key of LASTING_MINUTES) {
    const minutes = detail[key];
    if (typeof minutes === 'number') detail[key] = minutes + late;
  }
}

/**
 * The room and detail (JSON) of `open` once the repeats the pace held are told: each device's latest repeat in turn, as
 * a repeat told at once changes them (`repeatChange`: another device's alarm named; the named device's changes nothing).
 */
function pacedChange(open: AlertRow, pending: PendingRepeats, now: number): { room: string | null; detail: string } {
  let room = open.room;
  let detail = open.detail;
  for (const decision of pending.decisions.values()) {
    const change = repeatChange({ ...open, room, detail }, decision, now);
    if (change !== undefined) ({ room, detail } = change);
  }
  return { room, detail };
}

/** Repeats noted by `notePaced` as the pace held them: `count` more of `open`, the last at `lastSeenAt`. */
function pendingFromNote(open: AlertRow, count: number, lastSeenAt: number, decisionsJson: string): PendingRepeats {
  const decisions = new Map<string, Raise>();
  try {
    const parsed = JSON.parse(decisionsJson) as unknown;
    if (Array.isArray(parsed))
      for (const d of parsed as Raise[])
        if (d !== null && typeof d === 'object' && d.type === 'raise') decisions.set(d.deviceId ?? '', d);
  } catch {
    // A note that cannot be read still counts its repeats; no device is named from it.
  }
  return {
    homeId: open.home_id,
    kind: open.kind,
    severity: open.severity,
    count,
    baseCount: open.count,
    lastSeenAt,
    decisions,
  };
}

/** The most serious severity among the repeats held (each no more serious than their alert). */
function pendingSeverity(pending: PendingRepeats): Severity {
  let severity: Severity = 'info';
  for (const decision of pending.decisions.values()) {
    if (moreSerious(decision.severity, severity)) severity = decision.severity;
  }
  return severity;
}
