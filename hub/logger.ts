// One structured logger (pino) for the process; modules take a child with their namespace.
import { pino, type Logger } from 'pino';

export type { Logger };

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  const level = options.level ?? process.env.HUB_LOG_LEVEL ?? 'info';
  if (!LEVELS.includes(level)) {
    const where = options.level === undefined ? ' in HUB_LOG_LEVEL' : '';
    throw new Error(`unknown log level '${level}'${where} (use one of ${LEVELS.join(', ')})`);
  }
  return options.destination ? pino({ level }, options.destination) : pino({ level });
}

/** A logger that writes nothing, for tests and library use. */
export const silentLogger: Logger = pino({ level: 'silent' });
