// One structured logger (pino) for the process; modules take a child with their namespace.
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
 * The process's stdout as pino's destination: written from memory as stdout takes it, never waited for (review,
 * session 69). Before, a terminal's output paused (Ctrl-S, a terminal stopped, an SSH session stalled) stopped the hub
 * itself once its few kilobytes of buffer were full: the human-readable lines were written synchronously, so the next
 * log line (an alert raised) blocked the event loop, and with it every alert after; the JSON lines for a service's
 * journal were held in memory without bound while the journal was not reading. Now lines wait in a buffer of at most
 * `LOG_BUFFER_BYTES`; past it they are dropped and counted. Still flushed at exit (pino ends it on 'exit').
 */
function stdoutDestination(): DestinationStream {
  const stream = pino.destination({ dest: 1, sync: false, maxLength: LOG_BUFFER_BYTES });
  stream.on('drop', () => {
    droppedLines += 1;
  });
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
