// One structured logger (pino) for the process; modules take a child with their namespace.
import { writeSync } from 'node:fs';
import { createRequire } from 'node:module';
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
 * `fatal` line) waits while stdout takes nothing: past it, what is left is dropped and counted. Ten of sonic-boom's
 * 100 ms retries. Before, the flush tried again every 100 ms for ever: a hub whose stdout never drained never ended
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

/** The parts of sonic-boom's stream (pino.destination) that a bounded synchronous flush reads and empties. */
interface SonicBoomInternals {
  fd: number;
  destroyed: boolean;
  flushSync: () => void;
  /** The callback of every write sonic-boom starts, read once as it starts one (`actualWrite`, `fsWrite`). */
  release: (err: NodeJS.ErrnoException | null, n?: number) => void;
  /** Asked, in the background, whether to try a chunk stdout refused (EAGAIN, EBUSY) again 100 ms later. */
  retryEAGAIN: (err: NodeJS.ErrnoException, writingBufLength: number, remainingLength: number) => boolean;
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
 * sonic-boom's `flushSync` (4.2.1) with its loop bounded: writes what waits for stdout, synchronously, in order;
 * stdout full is tried again every 100 ms until `LOG_SYNC_FLUSH_MS` after the last write it took (or the flush's
 * start), and never past `LOG_SYNC_FLUSH_MAX_MS` after the start, then the error thrown. Any other error (EPIPE: its
 * reader gone; EIO: its terminal hung up) is thrown at once: sonic-boom's tried again every 100 ms for ever (review,
 * session 70). A background write under way (`inFlight`) keeps its chunk (`_writingBuf`), as sonic-boom's does; a
 * chunk that waits for sonic-boom's retry (stdout refused it) is written first, in its place: sonic-boom's flush left
 * it there, and at exit it was never written nor counted, the lines after it were (review, session 71).
 */
function flushBounded(boom: SonicBoomInternals, inFlight: boolean): void {
  const start = performance.now();
  const latest = start + LOG_SYNC_FLUSH_MAX_MS;
  let giveUpAt = start + LOG_SYNC_FLUSH_MS;
  if (!inFlight && boom._writingBuf.length > 0) {
    boom._bufs.unshift(boom._writingBuf as string);
    // Its retry, if the process lives on (a `fatal` line's flush), writes nothing.
    boom._writingBuf = '';
  }
  let head: Buffer | undefined;
  while (head !== undefined || boom._bufs.length > 0) {
    head ??= Buffer.from(boom._bufs[0]!);
    try {
      const written = writeSync(boom.fd, head);
      // Stdout took bytes: another second from now for the rest (review, session 71).
      if (written > 0) giveUpAt = Math.min(performance.now() + LOG_SYNC_FLUSH_MS, latest);
      boom._len = Math.max(boom._len - written, 0);
      head = head.subarray(written);
      if (head.length === 0) {
        boom._bufs.shift();
        head = undefined;
      }
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === undefined || !TRY_AGAIN.has(code) || performance.now() >= giveUpAt) throw err;
      Atomics.wait(sleeper, 0, 0, RETRY_MS);
    }
  }
}

/** Lines (newlines) in the last `bytes` bytes of `chunks` in order: what a flush left unwritten. */
function linesInTail(chunks: readonly (string | Buffer)[], bytes: number): number {
  const all = Buffer.concat(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c)));
  const tail = all.subarray(Math.max(0, all.length - bytes));
  let lines = 0;
  for (let at = tail.indexOf(10); at !== -1; at = tail.indexOf(10, at + 1)) lines++;
  return lines;
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
 * is tried again every 100 ms for as long as it takes, as before.
 */
function stdoutDestination(): DestinationStream {
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
  stream.write = (line: string): boolean => {
    write(line);
    return true;
  };
  const boom = stream as unknown as SonicBoomInternals;
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
    const inFlight = boom._writing && !retryDue;
    try {
      flushBounded(boom, inFlight);
    } catch {
      // Given up (or stdout closed: EPIPE, EIO): the bytes not written are dropped, counted by their lines. The one
      // chunk being written in the background, if any, stays with it.
      const waiting = inFlight ? boom._bufs : [boom._writingBuf, ...boom._bufs];
      const inBackground = inFlight ? Buffer.byteLength(boom._writingBuf) : 0;
      droppedLines += linesInTail(waiting, boom._len - inBackground);
      boom._bufs.length = 0;
      if (!inFlight) boom._writingBuf = '';
      boom._len = inBackground;
    }
  };
  return stream;
}

/**
 * Readable lines on stdout: time, level, pid, message, then the fields. pino-pretty in this thread (pino's
 * `transport` would start a worker thread, with its own heap, for it), into `stdoutDestination`; loaded only when used.
 */
function prettyStdout(): DestinationStream {
  const require = createRequire(import.meta.url);
  const pretty = require('pino-pretty') as typeof import('pino-pretty');
  return pretty.build({
    destination: stdoutDestination(),
    translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l',
    ignore: 'hostname',
    singleLine: true,
  });
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
