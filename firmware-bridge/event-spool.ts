// The events the broker has not acknowledged, kept in a small file too: a bridge stopped or killed before they are
// delivered (the broker away, or slow to acknowledge) sends them first at its next start.
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../hub/logger.js';
import { makeFolders } from '../hub/private-files.js';
import { holdProcessLock, lockHolder, type ProcessLock } from '../hub/process-lock.js';

/** One undelivered event, as the outbox queues it. */
export interface SpooledEvent {
  topic: string;
  payload: string;
  /** An emergency: the last to be dropped when the queue is full. */
  urgent: boolean;
}

export interface SpoolContents {
  /** The events not noted as delivered (`appendDelivered`): what a start sends. */
  events: SpooledEvent[];
  /** Lines that are not an event (a torn last line, a damaged file): dropped and counted. */
  unreadable: number;
}

/** An event line, or a delivery noted (`{"delivered":{topic,payload}}`: the same event no longer to be sent). */
function spoolLine(line: string): { event: SpooledEvent } | { delivered: string } | undefined {
  try {
    const value: unknown = JSON.parse(line);
    if (typeof value !== 'object' || value === null) return undefined;
    const { topic, payload, urgent, delivered } = value as Record<string, unknown>;
    if (typeof delivered === 'object' && delivered !== null) {
      const sent = delivered as Record<string, unknown>;
      if (typeof sent.topic !== 'string' || typeof sent.payload !== 'string') return undefined;
      return { delivered: deliveryKey(sent.topic, sent.payload) };
    }
    if (typeof topic !== 'string' || typeof payload !== 'string' || typeof urgent !== 'boolean') return undefined;
    return { event: { topic, payload, urgent } };
  } catch {
    return undefined;
  }
}

/** An event's topic and payload (its stamp in it): one delivery noted cancels one event that has both. */
function deliveryKey(topic: string, payload: string): string {
  return `${topic}\n${payload}`;
}

/** The events kept in `file`, oldest first; none when there is no file. Throws only when the file cannot be read. */
export function readSpool(file: string): SpoolContents {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { events: [], unreadable: 0 };
    throw err;
  }
  const contents: SpoolContents = { events: [], unreadable: 0 };
  const delivered = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const read = spoolLine(line);
    if (read === undefined) contents.unreadable++;
    else if ('event' in read) contents.events.push(read.event);
    else delivered.set(read.delivered, (delivered.get(read.delivered) ?? 0) + 1);
  }
  if (delivered.size === 0) return contents;
  contents.events = contents.events.filter((e) => {
    const key = deliveryKey(e.topic, e.payload);
    const times = delivered.get(key) ?? 0;
    if (times === 0) return true;
    delivered.set(key, times - 1);
    return false;
  });
  return contents;
}

/**
 * Replaces `file` with `events` (none: removes it). Written beside it, flushed to disk and renamed over it, so a power
 * cut leaves the old file or the new one whole, never half of one. A removal is flushed too unless `flushRemoval` is
 * false: a spool nothing was ever flushed to (routine events kept while the broker was connected, `startSpool`) was no
 * more on disk than its removal is.
 */
export function writeSpool(file: string, events: readonly SpooledEvent[], flushRemoval = true): void {
  if (events.length === 0) {
    if (!fs.existsSync(file)) return;
    fs.rmSync(file, { force: true });
    // The removal flushed too: undone by a power cut, the next start sent again what the broker had taken.
    if (flushRemoval) syncFolder(file);
    return;
  }
  // It holds a resident's events: a folder made here is as private as the hub makes its data folder (the default is
  // that folder, ./data, which a bridge started before the hub makes first).
  makeFolders(path.dirname(file), 0o700);
  const partial = `${file}.partial`;
  const fd = fs.openSync(partial, 'w', 0o600);
  try {
    fs.writeSync(fd, events.map(eventLine).join(''));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(partial, file);
  syncFolder(file);
}

/**
 * Flushes the folder of `file` to disk: its entry (a file just made, or renamed over the old one) survives a power cut
 * as its contents do, as the hub's database writes back (`database-file-watch.ts`). Best effort: a file system that
 * cannot flush a folder (some network mounts) has done what it can.
 */
function syncFolder(file: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(path.dirname(file), 'r');
    fs.fsyncSync(fd);
  } catch {
    // Not supported here: the file's own flush is all there is.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * Starts `file` afresh with `events`, whatever it held gone (the caller keeps nothing in it), with a plain write, not
 * flushed: routine events handed to a connected broker and not yet acknowledged (review, session 77). The page cache
 * keeps them over a process killed outright (SIGKILL, the OOM killer, systemd past its stop timeout), which lost them
 * before; a power cut may still lose them, as it did, and a flush on every routine event is what a Pi's card cannot
 * afford. Its folder is made as private as writeSpool makes it.
 */
export function startSpool(file: string, events: readonly SpooledEvent[]): void {
  makeFolders(path.dirname(file), 0o700);
  fs.writeFileSync(file, events.map(eventLine).join(''), { mode: 0o600 });
}

/** An event's line in a spool. */
export function eventLine(event: SpooledEvent): string {
  return `${JSON.stringify(event)}\n`;
}

/**
 * The line noting that the broker acknowledged `event`, one of the spool's lines (readSpool then leaves one such event
 * out): a bridge killed before the file is rewritten (it is once all are delivered) sends at its next start only what
 * the broker had not taken, not the whole file again (review, session 62: a press the hub had taken came again behind
 * other reports). Flushed to disk for an emergency, and every few routine notes in a flushed spool (the bridge's
 * NOTES_PER_FLUSH): a routine note lost to a power cut costs that event sent twice, which the hub knows again only among
 * the latest it took (a wearable's last 128 batches; review, session 63: the notes of a long outage's drain all lost,
 * its batches sent again were a fall called out again).
 */
export function deliveredLine(event: SpooledEvent): string {
  return `${JSON.stringify({ delivered: { topic: event.topic, payload: event.payload } })}\n`;
}

/**
 * Adds `lines` (whole lines: eventLine, deliveredLine) to `file`, made if missing, in one write; flushed to disk when
 * `flush`, and then the file's entry in its folder too if the file was made here or `newEntry` (made by startSpool and
 * never flushed since), or a power cut may keep the lines and lose the file. A crash in the write leaves a torn last
 * line, which readSpool drops.
 */
export function appendLines(file: string, lines: string, flush = false, newEntry = false): void {
  const made = flush && (newEntry || !fs.existsSync(file));
  const fd = fs.openSync(file, 'a', 0o600);
  try {
    fs.writeSync(fd, lines);
    if (flush) fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  if (made) syncFolder(file);
}

/** The exit code of a bridge refused because another holds its spool (as a hub refused on a data folder in use). */
export const EXIT_SPOOL_IN_USE = 6;

/** Another bridge (another process, or another bridge of this process) holds the spool. */
export class SpoolInUseError extends Error {
  readonly exitCode = EXIT_SPOOL_IN_USE;
  constructor(
    readonly spool: string,
    readonly holderPid: number | undefined,
  ) {
    const { who, stopIt } = lockHolder('bridge', holderPid);
    super(
      `${who} is already running on the spool ${spool}: two bridges on one spool write over each other's kept ` +
        'events (a pendant press among them) and publish one status. ' +
        `${stopIt}, or give this one a --name of its own (or a --spool file of its own)`,
    );
    this.name = 'SpoolInUseError';
  }
}

/**
 * Takes `file` for this bridge until `release`: the lock of `<file>.lock` beside it (hub/process-lock.ts, the hub's
 * data-folder lock), its folder made private as writeSpool makes it. Two bridges given one --name kept their events in
 * one spool, each writing over what the other kept (review, session 68); the second is now refused (SpoolInUseError).
 * A spool that is a folder (no spool: events held in memory only) and one whose lock cannot be made are not locked, the
 * latter said in the log.
 */
export function lockSpool(file: string, logger: Logger): ProcessLock {
  const unlocked: ProcessLock = { release: () => undefined };
  try {
    if (fs.statSync(file).isDirectory()) return unlocked;
  } catch {
    // No spool yet: the usual case.
  }
  try {
    makeFolders(path.dirname(file), 0o700);
  } catch {
    // The lock's own failure says so, naming the file.
  }
  return holdProcessLock(
    `${file}.lock`,
    {
      inUse: (pid) => new SpoolInUseError(file, pid),
      notLocked: 'could not lock the spool: a second bridge started on it would not be refused',
    },
    logger,
  );
}
