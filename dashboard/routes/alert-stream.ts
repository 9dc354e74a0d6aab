// GET /api/alerts/stream: Server-Sent Events for the responder console (open alerts first, then every new version);
// a console that reconnects with Last-Event-ID gets only what changed while it was away.
import { createHmac, randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Alert, AlertServiceApi } from '../../hub/alerts/api.js';
import { homeScope, homesNotConfigured, principalOf, reachesHome, stillAllowed } from '../access.js';
import type { DashboardContext } from '../context.js';
import { errors } from '../schemas.js';
import { alertService } from './alerts.js';
import { answerStreamHead, openEventStream } from './event-stream.js';

/** How soon a browser reconnects after the stream drops. */
const RECONNECT_MS = 3000;
/** Alert versions a reconnecting console can catch up on; one further behind gets the open alerts afresh. */
export const JOURNAL_SIZE = 2000;

type JournalListener = (seq: number, alert: Alert) => void;

/**
 * Live versions a stream holds while it writes its first listing at the client's pace: far more than a storm's burst,
 * so that only a client that stopped reading is dropped (it lists afresh when it reconnects).
 */
const MAX_WAITING_VERSIONS = 20_000;

/** Positions are numbered below this (48 bits): far more alert versions than a hub makes in its life. */
const POSITIONS = 2 ** 48;
const HALF = 2 ** 24;

/**
 * Every alert version told to the dashboard since the first stream opened, numbered. Event ids are
 * `<boot>-<position>`: `boot` is new with each process, so an id from before a restart is never mistaken for a
 * position; the position is the version's number put through a keyed permutation of this process, so that ids do not
 * count: a responder held to some homes sees ids of their versions only, and the gaps between counted the other homes'
 * (review, session 63).
 */
export class AlertJournal {
  readonly boot = randomBytes(6).toString('hex');
  private readonly key = randomBytes(32);
  private seq = 0;
  private readonly entries: { seq: number; alert: Alert }[] = [];
  private readonly listeners = new Set<JournalListener>();
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly size = JOURNAL_SIZE) {}

  /** Starts listening to the alert service (once). */
  attach(service: Pick<AlertServiceApi, 'subscribe'>): void {
    this.unsubscribe ??= service.subscribe((alert) => this.add(alert));
  }

  detach(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  get head(): number {
    return this.seq;
  }

  id(seq: number): string {
    return `${this.boot}-${this.permute(seq, false)}`;
  }

  /**
   * The newest position a stream that sees only `inScope` may resume from, at or after `from`: the last version it
   * could see, not the head, which moves with every home's change (a scoped console opened again and again would
   * learn the minute of each). Resuming from there gives what the head would: the versions between are not its.
   */
  newestSeen(inScope: (alert: Alert) => boolean, from = 0): number {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const entry = this.entries[i]!;
      if (entry.seq <= from) break;
      if (inScope(entry.alert)) return entry.seq;
    }
    return from;
  }

  listen(listener: JournalListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * The versions after a client's Last-Event-ID, newest per alert, in the order they happened; undefined when the
   * id is not one of this process's positions still held (absent, malformed, another boot, too old, ahead).
   */
  since(lastEventId: string | undefined): { seq: number; alert: Alert }[] | undefined {
    const from = this.position(lastEventId);
    if (from === undefined) return undefined;
    const newest = new Map<string, { seq: number; alert: Alert }>();
    for (const entry of this.entries) {
      if (entry.seq <= from) continue;
      // Delete first: a later version of an alert moves it to its latest place in the order.
      newest.delete(entry.alert.id);
      newest.set(entry.alert.id, entry);
    }
    return [...newest.values()];
  }

  /** The position of an event id, when it is one of this process's positions still held (see `since`). */
  position(lastEventId: string | undefined): number | undefined {
    const match = /^([0-9a-f]+)-(\d{1,15})$/.exec(lastEventId ?? '');
    if (match?.[1] !== this.boot || match[2] === undefined) return undefined;
    const from = this.permute(Number(match[2]), true);
    const oldest = this.entries[0]?.seq ?? this.seq + 1;
    if (from === undefined || from > this.seq || from < oldest - 1) return undefined;
    return from;
  }

  /**
   * A four-round Feistel network over the 48-bit positions, its rounds keyed by this process's key (HMAC-SHA-256), or
   * its inverse; undefined for a number that is no position.
   */
  private permute(n: number, inverse: true): number | undefined;
  private permute(n: number, inverse: false): number;
  private permute(n: number, inverse: boolean): number | undefined {
    if (!Number.isSafeInteger(n) || n < 0 || n >= POSITIONS) return undefined;
    const round = (i: number, half: number): number =>
      createHmac('sha256', this.key).update(`${i}:${half}`).digest().readUIntBE(0, 3);
    let left = Math.floor(n / HALF);
    let right = n % HALF;
    for (let r = 0; r < 4; r++) {
      if (inverse) [left, right] = [right ^ round(3 - r, left), left];
      else [left, right] = [right, left ^ round(r, right)];
    }
    return left * HALF + right;
  }

  private add(alert: Alert): void {
    const seq = ++this.seq;
    this.entries.push({ seq, alert });
    if (this.entries.length > this.size) this.entries.shift();
    for (const listener of this.listeners) listener(seq, alert);
  }
}

export function registerAlertStream(app: FastifyInstance, ctx: DashboardContext): void {
  const heartbeatMs = (ctx.deps.sseHeartbeatSeconds ?? 15) * 1000;
  const openStreams = new Set<() => void>();
  const journal = new AlertJournal();

  // Streams never end by themselves: close them so that app.close() (hub shutdown) does not wait on them.
  app.addHook('preClose', async () => {
    for (const close of [...openStreams]) close();
    journal.detach();
  });

  app.get(
    '/api/alerts/stream',
    {
      config: { access: 'alerts:read' },
      schema: {
        tags: ['alerts'],
        summary: 'Live alerts as Server-Sent Events',
        description:
          'text/event-stream. Each `alert` event carries one alert version: first every open alert, then every new ' +
          'version of any alert as it is stored; a `ready` event (`{ open, resumed }`, and `homesNotConfigured` for a ' +
          'caller held to homes the configuration does not have) marks the end of the open ' +
          'alerts; comment lines are heartbeats. Live events and `ready` have ids: a client that reconnects with ' +
          '`Last-Event-ID` (EventSource does) gets only the versions it missed, newest per alert, then `ready` with ' +
          '`resumed: true`; when that id is unknown (another hub process, or too far behind) it gets the open alerts ' +
          'afresh and `resumed: false` (drop any alert not listed). Deduplicate by (id, version).',
        response: { 200: { description: 'An endless event stream', type: 'string' }, ...errors(401, 403, 503) },
      },
    },
    (request, reply) => {
      if (request.method === 'HEAD') {
        answerStreamHead(reply);
        return;
      }
      const service = alertService(ctx);
      journal.attach(service);
      // A responder held to some homes is told of theirs only: the first listing, the missed versions and live ones.
      const principal = principalOf(request);
      const homes = homeScope(principal);
      const inScope = (alert: Alert): boolean => reachesHome(principal, alert.homeId);
      const sentVersion = new Map<string, number>();
      // The caller was checked once, when the stream opened; a logout, a removed user or a revoked token since
      // must end it (residents' alerts to nobody who may no longer see them), and so must the session's expiry.
      let checkedRevision = ctx.auth.revision;
      const callerStillAllowed = (always: boolean): boolean => {
        if (!always && ctx.auth.revision === checkedRevision) return true;
        checkedRevision = ctx.auth.revision;
        return stillAllowed(request, ctx.auth, ctx.clock.now(), 'alerts:read');
      };
      let unsubscribe = (): void => undefined;
      const stream = openEventStream(request, reply, RECONNECT_MS, {
        name: 'alert stream',
        heartbeatMs,
        heartbeat: (s) => {
          if (callerStillAllowed(true)) s.write(': heartbeat\n\n');
          else s.close();
        },
        onClose: () => {
          unsubscribe();
          openStreams.delete(stream.close);
          ctx.metrics.sseClients.dec();
        },
      });
      /** One alert version; `seq` gives it an id (the open alerts listed on connection have none: not a position). */
      const send = (alert: Alert, seq?: number): void => {
        if (!inScope(alert)) return;
        if (!callerStillAllowed(false)) {
          stream.close();
          return;
        }
        if ((sentVersion.get(alert.id) ?? -1) >= alert.version) return;
        if (alert.state === 'resolved' || alert.state === 'cancelled') sentVersion.delete(alert.id);
        else sentVersion.set(alert.id, alert.version);
        const id = seq === undefined ? '' : `id: ${journal.id(seq)}\n`;
        stream.write(`${id}event: alert\ndata: ${JSON.stringify(alert)}\n\n`);
      };

      /** The end of the listing; its id is where a reconnection resumes from. */
      // A program held to a home renamed since its token was made is told which ones no alert of can reach it.
      const missing = homesNotConfigured(principal, ctx.deps.config.homes);
      const writeReady = (resumeFrom: number, ready: { open?: number; resumed: boolean; changes?: number }): void => {
        const data = missing.length > 0 ? { ...ready, homesNotConfigured: missing } : ready;
        stream.write(`id: ${journal.id(resumeFrom)}\nevent: ready\ndata: ${JSON.stringify(data)}\n\n`);
      };
      // Live versions that come while the open alerts are listed (at the client's pace) wait here, then follow `ready`.
      let waiting: { seq: number; alert: Alert }[] | null = null;
      // Listen before listing, in the same tick: no version can fall between the two.
      unsubscribe = journal.listen((seq, alert) => {
        if (!waiting) send(alert, seq);
        else if (waiting.push({ seq, alert }) > MAX_WAITING_VERSIONS) stream.close();
      });
      openStreams.add(stream.close);
      ctx.metrics.sseClients.inc();

      const header = request.headers['last-event-id'];
      const lastEventId = typeof header === 'string' ? header : undefined;
      const missed = journal.since(lastEventId);
      if (missed) {
        const changes = missed.filter(({ alert }) => inScope(alert));
        for (const { seq, alert } of changes) send(alert, seq);
        // Where a reconnection resumes: the head, or for a responder held to some homes the last version of theirs.
        const resumeFrom = homes ? journal.newestSeen(inScope, journal.position(lastEventId)) : journal.head;
        writeReady(resumeFrom, { resumed: true, changes: changes.length });
        return;
      }
      // Every open alert, however many: a storm's (a scheme's power cut) could be more than any cap, and a cap left
      // out the oldest calls, those waiting longest, with `ready.open` counting only those listed (session 64). Open
      // alerts are bounded by homes × kinds (a kind is merged into its home's open alert).
      const open = service.list({ state: 'open', ...(homes ? { homeIds: homes } : {}) });
      const resumeFrom = homes ? journal.newestSeen(inScope) : journal.head;
      waiting = [];
      void (async () => {
        // ISO 8601 UTC times of one format sort as strings (localeCompare would load ICU's collation data: ~3 MB).
        for (const alert of open.sort((a, b) => (a.raisedAt < b.raisedAt ? -1 : a.raisedAt > b.raisedAt ? 1 : 0))) {
          send(alert);
          // At the client's pace: a long list written at once went over the slow-client bound and dropped the
          // console before its `ready`, again at every reconnection (as the centre's did, session 62).
          await stream.drained();
          if (stream.closed) return;
        }
        writeReady(resumeFrom, { open: open.length, resumed: false });
        const queued = waiting ?? [];
        waiting = null;
        for (const { seq, alert } of queued) send(alert, seq);
      })();
    },
  );
}
