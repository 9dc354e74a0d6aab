// One structured logger (pino) for the process; modules take a child with their namespace.
import { readFileSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const FORMATS = ['json', 'pretty'];

/**
 * JSON lines, unless stdout is a terminal: an installer at the Pi's console read `"msg":...` among the fields (review,
 * session 67). A service's journal, a pipe or a file keeps JSON. `HUB_LOG_FORMAT` forces either.
 */
export function logFormat(env: NodeJS.ProcessEnv = process.env, isTTY: boolean = process.stdout.isTTY): string {
  const forced = env.HUB_LOG_FORMAT;
  if (forced === undefined || forced === '') return isTTY ? 'pretty' : 'json';
  if (!FORMATS.includes(forced)) {
    throw new Error(`unknown log format '${forced}' in HUB_LOG_FORMAT (use one of ${FORMATS.join(', ')})`);
  }
  return forced;
}

/**
 * The most a log line waiting for stdout may hold in memory: past it new lines are dropped and counted
 * (`logLinesDropped`, telecare_log_lines_dropped_total), never waited for.
 */
export const LOG_BUFFER_BYTES = 1024 * 1024;

let droppedLines = 0;

/** Log lines dropped since the process started because stdout was not taking them (its buffer full). */
export function logLinesDropped(): number {
  return droppedLines;
}

/**
 * The longest a synchronous flush of the lines waiting for stdout (pino's at exit, after a stop or a crash, and after a
 * `fatal` line) waits while stdout takes nothing: past it, the oldest lines left are dropped and counted, and the log's
 * end (`LOG_TAIL_BYTES`) waits once more as long, then is dropped and counted too (review, session 72). Ten of
 * sonic-boom's 100 ms retries. Before, the flush tried again every 100 ms for ever: a hub whose stdout never drained never ended
 * (review, session 70). Counted from the last write stdout took, not from the flush's start: a reader that is slow
 * but reading (a journal under load, a slow terminal, a pipe to a slow log shipper) gets the whole tail, its end
 * (why the hub stopped) included (review, session 71), up to `LOG_SYNC_FLUSH_MAX_MS`.
 */
export const LOG_SYNC_FLUSH_MS = 1_000;

/**
 * The longest a synchronous flush waits in all, however steadily stdout takes bytes: a reader taking a byte a second
 * would otherwise hold a stop, or a crashed hub's restart (its alerts with it), for days. 10 s: a container's stop
 * (`docker stop`'s default) kills the process 10 s after SIGTERM anyway, and it drains the 1 MiB buffer
 * (`LOG_BUFFER_BYTES`) for any reader taking 105 KB a second or more (review, session 71).
 */
export const LOG_SYNC_FLUSH_MAX_MS = 10_000;

/**
 * The least of the log's end a synchronous flush that cannot write everything in time keeps: the newest whole lines
 * of at least this many bytes (80-odd JSON lines; a stop's last lines, or a crash's with its stack, take a few
 * kilobytes), after one line that says how many were dropped before them (review, session 72).
 */
export const LOG_TAIL_BYTES = 16 * 1024;

/**
 * How long before `LOG_SYNC_FLUSH_MAX_MS` a flush checks whether what is left can still be written at the pace stdout
 * has taken bytes since the flush began; if not, it keeps the log's end (`LOG_TAIL_BYTES` at least, or half what that
 * pace writes in the time left) and drops the oldest lines before it (review, session 72).
 */
export const LOG_TAIL_RESERVE_MS = 2_000;

/** The line said in place of the lines a flush dropped to keep the log's end: `lines` whole lines, `bytes` bytes. */
export type DropNotice = (lines: number, bytes: number) => string;

/** The parts of sonic-boom's stream (pino.destination) that a bounded synchronous flush reads and empties. */
interface SonicBoomInternals {
  fd: number;
  destroyed: boolean;
  flushSync: () => void;
  /** The callback of every write sonic-boom starts, read once as it starts one (`actualWrite`, `fsWrite`). */
  release: (err: NodeJS.ErrnoException | null, n?: number) => void;
  /** Asked, in the background, whether to try a chunk stdout refused (EAGAIN, EBUSY) again 100 ms later. */
  retryEAGAIN: (err: NodeJS.ErrnoException, writingBufLength: number, remainingLength: number) => boolean;
  /** Starts writing what waits (`_writingBuf`, then `_bufs`), once no write is under way: sonic-boom's, in a thread. */
  _actualWrite: () => void;
  _bufs: string[];
  _writing: boolean;
  _writingBuf: string | Buffer;
  _len: number;
}

/** sonic-boom's wait between two tries of a stdout that took nothing (its BUSY_WRITE_TIMEOUT). */
const RETRY_MS = 100;

/** Errors of a write that a later try may get past: stdout full (EAGAIN), busy, or the write interrupted. */
const TRY_AGAIN = new Set(['EAGAIN', 'EBUSY', 'EINTR']);

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * What waits in `queue` (in order; `headStarted` when part of its first line is out already) cut to the log's end: the
 * rest of the line under way, `notice`'s line, then the newest whole lines, at least `keep` bytes; the whole lines
 * between dropped. The lines and bytes dropped, and the bytes up to the notice's end; undefined when there was no whole
 * line to drop (then `queue` is left as it was). Never a partial line: the line under way is finished first.
 */
function keepTail(
  queue: Buffer[],
  headStarted: boolean,
  keep: number,
  notice: DropNotice,
): { lines: number; bytes: number; noticeBytes: number } | undefined {
  const all = Buffer.concat(queue);
  // The rest of the line under way: part of it may be out already (a chunk stdout took part of).
  const from = headStarted ? all.indexOf(10) + 1 || all.length : 0;
  const cut = all.length - keep;
  if (cut <= from) return undefined;
  // The start of the line that holds byte `cut`: at least `keep` bytes kept.
  const tailFrom = all.lastIndexOf(10, cut - 1) + 1;
  if (tailFrom <= from) return undefined;
  const dropped = all.subarray(from, tailFrom);
  const lines = newlines(dropped);
  const said = Buffer.from(notice(lines, dropped.length));
  // In one chunk, written as any other.
  queue.splice(0, queue.length, Buffer.concat([all.subarray(0, from), said, all.subarray(tailFrom)]));
  return { lines, bytes: dropped.length, noticeBytes: from + said.length };
}

function newlines(bytes: Buffer): number {
  let lines = 0;
  for (let at = bytes.indexOf(10); at !== -1; at = bytes.indexOf(10, at + 1)) lines++;
  return lines;
}

/**
 * sonic-boom's `flushSync` (4.2.1) with its loop bounded: writes what waits for stdout, synchronously, in order;
 * stdout full is tried again every 100 ms until `LOG_SYNC_FLUSH_MS` after the last write it took (or the flush's
 * start), and never past `LOG_SYNC_FLUSH_MAX_MS` after the start. Any other error (EPIPE: its reader gone; EIO: its
 * terminal hung up) ends it at once: sonic-boom's tried again every 100 ms for ever (review, session 70). A background
 * write under way (`inFlight`) keeps its chunk (`_writingBuf`), as sonic-boom's does; a chunk that waits for
 * sonic-boom's retry (stdout refused it) is written first, in its place: sonic-boom's flush left it there, and at exit
 * it was never written nor counted, the lines after it were (review, session 71).
 *
 * When the bound bites, the log's end is kept, not its middle (review, session 72): before, the flush wrote in order
 * and what it cut was the end, the lines that say why the process stopped. Now, once stdout has taken nothing for
 * `LOG_SYNC_FLUSH_MS`, the oldest whole lines left are dropped, `notice`'s line said in their place, and the newest
 * (`LOG_TAIL_BYTES` at least) given one more `LOG_SYNC_FLUSH_MS` (within `LOG_SYNC_FLUSH_MAX_MS`); and from
 * `LOG_TAIL_RESERVE_MS` before `LOG_SYNC_FLUSH_MAX_MS`, if what is left cannot be written in the time left at the pace
 * stdout took bytes so far, the same is done at once, keeping half what that pace writes in the time left if more.
 * Once only: past that, what is left when the bound bites is dropped. The lines not written, the notice's aside:
 * dropped and counted by the caller; and whether stdout was left with a line cut short (`midLine`).
 */
function flushBounded(
  boom: SonicBoomInternals,
  inFlight: boolean,
  notice: DropNotice,
): { dropped: number; midLine: boolean } {
  const start = performance.now();
  const latest = start + LOG_SYNC_FLUSH_MAX_MS;
  let giveUpAt = start + LOG_SYNC_FLUSH_MS;
  const queue = boom._bufs.map((chunk) => Buffer.from(chunk));
  // A chunk waiting for its retry may start mid-line: stdout took part of it before it refused the rest.
  let headStarted = false;
  // Whether what stdout has taken ends mid-line: sonic-boom keeps a chunk stdout took part of as a Buffer (a string
  // until then).
  let midLine = false;
  if (!inFlight && boom._writingBuf.length > 0) {
    midLine = typeof boom._writingBuf !== 'string';
    queue.unshift(Buffer.from(boom._writingBuf));
    headStarted = true;
    // Its retry, if the process lives on (a `fatal` line's flush), writes nothing.
    boom._writingBuf = '';
  }
  boom._bufs.length = 0;
  // What waits after this flush: the chunk of the background write under way, if any.
  boom._len = inFlight ? Buffer.byteLength(boom._writingBuf) : 0;
  let written = 0;
  let dropped = 0;
  let tailKept = false;
  // Bytes to write before the notice's line is out whole (none said yet).
  let untilNoticeOut = 0;
  const keepEnd = (keep: number): void => {
    tailKept = true;
    const kept = keepTail(queue, headStarted, keep, notice);
    if (kept === undefined) return;
    dropped += kept.lines;
    untilNoticeOut = kept.noticeBytes;
  };
  while (queue.length > 0) {
    const now = performance.now();
    if (!tailKept && now >= latest - LOG_TAIL_RESERVE_MS) {
      // Bytes a millisecond since the flush began.
      const pace = written / (now - start);
      const left = queue.reduce((sum, chunk) => sum + chunk.length, 0);
      if (left > pace * (latest - now)) keepEnd(Math.max(LOG_TAIL_BYTES, Math.floor((pace * (latest - now)) / 2)));
    }
    try {
      const n = writeSync(boom.fd, queue[0]!);
      if (n > 0) {
        written += n;
        midLine = queue[0]![n - 1] !== 10;
        untilNoticeOut = Math.max(untilNoticeOut - n, 0);
        // Stdout took bytes: another second from now for the rest (review, session 71).
        giveUpAt = Math.min(performance.now() + LOG_SYNC_FLUSH_MS, latest);
      }
      queue[0] = queue[0]!.subarray(n);
      headStarted = n > 0 || headStarted;
      if (queue[0].length === 0) {
        queue.shift();
        headStarted = false;
      }
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === undefined || !TRY_AGAIN.has(code)) break;
      const now = performance.now();
      if (now >= giveUpAt) {
        if (tailKept || now >= latest) break;
        // A second without progress: the log's end, and one more second for it.
        keepEnd(LOG_TAIL_BYTES);
        giveUpAt = Math.min(now + LOG_SYNC_FLUSH_MS, latest);
        continue;
      }
      Atomics.wait(sleeper, 0, 0, RETRY_MS);
    }
  }
  // Given up (or stdout closed: EPIPE, EIO): the bytes not written are dropped, counted by their lines (a line cut
  // short among them); the notice's line, if not out whole, is not one of the log's.
  const left = Buffer.concat(queue);
  return { dropped: dropped + newlines(left) - (untilNoticeOut > 0 ? 1 : 0), midLine: queue.length > 0 && midLine };
}

/** Linux's O_NONBLOCK, as /proc/self/fdinfo says a descriptor's flags (octal). */
const O_NONBLOCK = 0o4000;

/**
 * Whether stdout is non-blocking: a pipe, a FIFO or a socket (the journal's), once Node has opened `process.stdout`
 * on it (libuv sets O_NONBLOCK); a terminal and a file stay blocking. Read from /proc/self/fdinfo/1 (Linux); false
 * when that cannot be read (another system): then sonic-boom writes in its threads, as before.
 */
export function stdoutNonBlocking(fdinfo = '/proc/self/fdinfo/1'): boolean {
  // Node opens process.stdout lazily: before, a pipe is still blocking, and turns non-blocking when first used.
  if (process.stdout.fd !== 1) return false;
  try {
    const flags = /^flags:\s*([0-7]+)$/m.exec(readFileSync(fdinfo, 'utf8'));
    return flags !== null && (parseInt(flags[1]!, 8) & O_NONBLOCK) !== 0;
  } catch {
    return false;
  }
}

/**
 * sonic-boom's background writes (`_actualWrite`, and the tries again after a partial write or EAGAIN) done in the
 * event loop, synchronously, for a non-blocking stdout (review, session 74). sonic-boom writes in libuv's threads, and
 * its result reaches the event loop later: a synchronous flush (at exit, after a `fatal` line) that came between the
 * two could not know how much of the chunk under way stdout had taken, left it to the thread (whose callback never
 * ran at exit), and wrote the lines after it glued to a line cut short. A write to a non-blocking descriptor never
 * waits: it takes what it can or refuses (EAGAIN), so doing it in the event loop costs a system call and nothing is
 * ever under way elsewhere. Lines written in one turn of the event loop go out in one write, on `setImmediate`; a
 * stdout that refused is tried again every `RETRY_MS`. Any other error (EPIPE, EIO) is sonic-boom's, as before: its
 * `error` event, the chunk kept.
 */
function writeFromTheLoop(stream: SonicBoomInternals & NodeJS.EventEmitter): void {
  let due: NodeJS.Immediate | NodeJS.Timeout | undefined;
  const writeWaiting = (): void => {
    due = undefined;
    for (;;) {
      if (stream._writingBuf.length === 0) {
        const next = stream._bufs.shift();
        if (next === undefined) {
          stream._writing = false;
          return;
        }
        stream._writingBuf = next;
      }
      let n: number;
      try {
        const chunk = stream._writingBuf;
        n = typeof chunk === 'string' ? writeSync(stream.fd, chunk) : writeSync(stream.fd, chunk);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== undefined && TRY_AGAIN.has(code)) {
          due = setTimeout(writeWaiting, RETRY_MS);
          return;
        }
        stream._writing = false;
        stream.emit('error', err);
        return;
      }
      // As sonic-boom's `releaseWritingBuf`: what is left of a chunk stdout took part of, as a Buffer.
      stream._len = Math.max(stream._len - n, 0);
      const chunk = stream._writingBuf;
      stream._writingBuf = (typeof chunk === 'string' ? Buffer.from(chunk) : chunk).subarray(n);
    }
  };
  stream._actualWrite = () => {
    stream._writing = true;
    due ??= setImmediate(writeWaiting);
  };
}

/**
 * The process's stdout as pino's destination: written from memory as stdout takes it, never waited for (review,
 * session 69). Before, a terminal's output paused (Ctrl-S, a terminal stopped, an SSH session stalled) stopped the hub
 * itself once its few kilobytes of buffer were full: the human-readable lines were written synchronously, so the next
 * log line (an alert raised) blocked the event loop, and with it every alert after; the JSON lines for a service's
 * journal were held in memory without bound while the journal was not reading. Now lines wait in a buffer of at most
 * `LOG_BUFFER_BYTES`; past it they are dropped and counted. Flushed synchronously at exit (pino, on 'exit') and after a
 * `fatal` line (pino), for at most `LOG_SYNC_FLUSH_MS` of stdout taking nothing (`LOG_SYNC_FLUSH_MAX_MS` in all):
 * then the lines left are dropped and counted, and the process ends (review, sessions 70 and 71); at once when stdout
 * fails otherwise (EPIPE, EIO: sonic-boom's flush tried those again every 100 ms for ever). In the background, stdout
 * is tried again every 100 ms for as long as it takes, as before. When that flush cannot write everything in time, it
 * keeps the log's end and drops (and counts) the oldest lines left, `notice`'s line said in their place (review,
 * session 72: before, what was cut was the end, the lines that say why the process stopped).
 */
function stdoutDestination(notice: DropNotice = jsonDropNotice): DestinationStream {
  // In the background, EAGAIN (stdout full) is tried again every 100 ms for as long as it lasts (sonic-boom's default
  // `retryEAGAIN`); the synchronous flush is this module's own (`flushBounded`).
  const stream = pino.destination({ dest: 1, sync: false, maxLength: LOG_BUFFER_BYTES });
  stream.on('drop', () => {
    droppedLines += 1;
  });
  // Every line taken, whatever waits: pino-pretty's pipeline (pump) waited for stdout's drain when sonic-boom said it
  // held 16 KiB, and the terminal's lines piled up before it without bound, none dropped nor counted (review, session
  // 70: 200,000 lines to a stdout never read, 112 MB more resident). Now they reach this buffer and its bound.
  const write = stream.write.bind(stream);
  // A synchronous flush that gave up with a line cut short on stdout: the next line begins on a line of its own
  // (second reading, session 72: after a `fatal` line's flush, a process that lived on glued its next line to the cut
  // one, both unreadable as JSON).
  let lineCut = false;
  stream.write = (line: string): boolean => {
    const dropsBefore = droppedLines;
    write(lineCut ? `\n${line}` : line);
    if (droppedLines === dropsBefore) lineCut = false;
    return true;
  };
  const boom = stream as unknown as SonicBoomInternals;
  // A non-blocking stdout written from the event loop: no write to it is ever under way in a thread (review, session
  // 74). A terminal or a file (blocking: a write may wait) is written in sonic-boom's threads, as before.
  const fromTheLoop = stdoutNonBlocking();
  if (fromTheLoop) writeFromTheLoop(boom as SonicBoomInternals & NodeJS.EventEmitter);
  // Whether sonic-boom's write of its chunk is under way (in libuv's threads, or done and not yet told), or the chunk
  // waits for its retry timer: stdout refused it (EAGAIN), and sonic-boom asks `retryEAGAIN` just before it sets the
  // timer; the timer's write reads `release` as it starts, as every write sonic-boom starts does.
  let retryDue = false;
  const retryEAGAIN = boom.retryEAGAIN;
  boom.retryEAGAIN = (...args) => {
    retryDue = true;
    return retryEAGAIN.apply(stream, args);
  };
  const release = boom.release;
  Object.defineProperty(stream, 'release', {
    configurable: true,
    get: () => {
      retryDue = false;
      return release;
    },
  });
  const flushSync = boom.flushSync.bind(stream);
  boom.flushSync = () => {
    // sonic-boom's own only to throw as it does (a destination destroyed or not open).
    if (boom.destroyed || boom.fd < 0) {
      flushSync();
      return;
    }
    const inFlight = !fromTheLoop && boom._writing && !retryDue;
    // Given up (or stdout closed: EPIPE, EIO), or the log's end kept: the lines not written are dropped and counted.
    // The one chunk being written in the background, if any, stays with it.
    const flushed = flushBounded(boom, inFlight, notice);
    droppedLines += flushed.dropped;
    if (flushed.midLine) lineCut = true;
  };
  return stream;
}

/** This machine's name, as pino says it in every line. */
const host = hostname();

/** What the drop notice says, as a `warn` line of the logger's own (`ns: 'logger'`). */
function dropNoticeFields(lines: number, bytes: number): Record<string, unknown> {
  return {
    level: 40,
    time: Date.now(),
    pid: process.pid,
    hostname: host,
    ns: 'logger',
    droppedLines: lines,
    droppedBytes: bytes,
    msg: 'log lines dropped: stdout took too long to take them; the newest follow',
  };
}

/** The drop notice as a JSON line, as pino writes its own. */
function jsonDropNotice(lines: number, bytes: number): string {
  return `${JSON.stringify(dropNoticeFields(lines, bytes))}\n`;
}

/**
 * Readable lines on stdout: time, level, pid, message, then the fields. pino-pretty in this thread (pino's
 * `transport` would start a worker thread, with its own heap, for it), into `stdoutDestination`; loaded only when used.
 */
function prettyStdout(): DestinationStream {
  const require = createRequire(import.meta.url);
  const pretty = require('pino-pretty') as typeof import('pino-pretty');
  const options = { translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l', ignore: 'hostname', singleLine: true };
  // The drop notice in the same format as the lines around it.
  const format = pretty.prettyFactory(options);
  const notice: DropNotice = (lines, bytes) => format(dropNoticeFields(lines, bytes));
  const destination = stdoutDestination(notice);
  const stream = pretty.build({ ...options, destination });
  // pino flushes its stream after a `fatal` line if it can (`flushSync`): pino-pretty's stream could not, so the line
  // that says why the hub is going waited for the background, lost when the process was killed or aborted next
  // (second reading, session 72). Its lines reach the destination as they are written: flushing it flushes them.
  Object.assign(stream, { flushSync: () => (destination as DestinationStream & { flushSync(): void }).flushSync() });
  return stream;
}

export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  const level = options.level ?? process.env.HUB_LOG_LEVEL ?? 'info';
  if (!LEVELS.includes(level)) {
    const where = options.level === undefined ? ' in HUB_LOG_LEVEL' : '';
    throw new Error(`unknown log level '${level}'${where} (use one of ${LEVELS.join(', ')})`);
  }
  if (options.destination) return pino({ level }, options.destination);
  return pino({ level }, logFormat() === 'pretty' ? prettyStdout() : stdoutDestination());
}

/** A logger that writes nothing, for tests and library use. */
export const silentLogger: Logger = pino({ level: 'silent' });
