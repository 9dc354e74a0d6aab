// Progress on stderr: a cli-progress bar on a terminal, a few plain lines otherwise (logs, CI, pipes).
import cliProgress from 'cli-progress';

export interface Progress {
  /** Percent-style position out of the total given at creation. */
  update(value: number, note?: string): void;
  /** A free-text status (used when there is no total). */
  note(text: string): void;
  stop(): void;
}

const PLAIN_NOTE_EVERY_MS = 5000;

export function createProgress(label: string, total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: total > 0 ? `${label} [{bar}] {percentage}% {note}` : `${label} {note}`,
        stream,
        hideCursor: true,
        clearOnComplete: true,
        barsize: 30,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(Math.max(total, 1), 0, { note: '' });
    return {
      update: (value, note) => bar.update(Math.min(value, Math.max(total, 1)), note === undefined ? {} : { note }),
      note: (text) => bar.update({ note: text }),
      stop: () => bar.stop(),
    };
  }
  let lastDecile = -1;
  let lastNote: string | undefined;
  let lastNoteMs = 0;
  return {
    // A line per tenth of the way, and one whenever the step being done changes.
    update(value, note) {
      const decile = total > 0 ? Math.floor((value / total) * 10) : 0;
      if (decile > lastDecile || (note !== undefined && note !== lastNote)) {
        lastDecile = Math.max(decile, lastDecile);
        lastNote = note ?? lastNote;
        stream.write(`${label}: ${decile * 10}%${note ? ` ${note}` : ''}\n`);
      }
    },
    note(text) {
      const now = Date.now();
      if (now - lastNoteMs >= PLAIN_NOTE_EVERY_MS) {
        lastNoteMs = now;
        stream.write(`${label}: ${text}\n`);
      }
    },
    stop() {},
  };
}
