// A hub logger whose lines are kept in memory for the test to read (each line as pino wrote it: one JSON object), in
// place of the Writable each log-reading test made for itself.
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../hub/logger.js';

/** A logger at `level` writing into `lines` (the caller's array, emptied or not as the caller wants). */
export function capturingLogger(lines: string[], level = 'warn'): Logger {
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return createLogger({ level, destination });
}
