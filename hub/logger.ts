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
 * Readable lines on stdout: time, level, pid, message, then the fields. pino-pretty as a synchronous stream in this
 * thread (pino's `transport` would start a worker thread, with its own heap, for it); loaded only when used.
 */
function prettyStdout(): DestinationStream {
  const require = createRequire(import.meta.url);
  const pretty = require('pino-pretty') as typeof import('pino-pretty');
  return pretty.build({
    sync: true,
    destination: 1,
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
  return logFormat() === 'pretty' ? pino({ level }, prettyStdout()) : pino({ level });
}

/** A logger that writes nothing, for tests and library use. */
export const silentLogger: Logger = pino({ level: 'silent' });
