// A durable high-water mark of acknowledged events beside the database, to notice at start a WAL that lost some.
import { closeSync, constants, fdatasyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

export interface LostEvents {
  /** Highest event id acknowledged to a sender before the last stop. */
  acknowledgedUpTo: number;
  /** Highest event id the database holds now. */
  storedUpTo: number;
}

/**
 * The highest event id acknowledged so far, written and fsynced after each batch's commit and before its
 * acknowledgement, off the event loop (one write at a time; batches committed meanwhile share the next one). A database whose events end below it lost
 * acknowledged events: a truncated or deleted WAL, a restored old copy.
 */
export class AckWatermark {
  private written = 0;
  private wanted = 0;
  private writing: Promise<void> | undefined;
  private waiters: { lastId: number; resolve: () => void }[] = [];
  private handle: FileHandle | undefined;

  constructor(
    private readonly file: string,
    /** A failed write (disk full...) is reported here; the next batch tries again. */
    private readonly onError: (err: unknown) => void,
  ) {}

  /** The mark left by the previous run (0 when none), compared with the events stored now. */
  check(storedUpTo: number): LostEvents | undefined {
    let acknowledgedUpTo = 0;
    try {
      acknowledgedUpTo = Number.parseInt(readFileSync(this.file, 'utf8'), 10) || 0;
    } catch {
      // No mark yet: a new database, or one from before marks were kept.
    }
    this.written = this.wanted = Math.max(storedUpTo, 0);
    // Restart the mark from what is stored, so a loss is reported once. A full disk must not stop the start.
    try {
      const fd = openSync(this.file, 'w', 0o600);
      try {
        writeSync(fd, String(this.written).padEnd(20));
        fdatasyncSync(fd);
      } finally {
        closeSync(fd);
      }
    } catch (err) {
      this.onError(err);
    }
    return acknowledgedUpTo > storedUpTo ? { acknowledgedUpTo, storedUpTo } : undefined;
  }

  /** The mark on disk: every event up to this id is committed and fsynced. */
  get durableUpTo(): number {
    return this.written;
  }

  /**
   * Events up to `lastId` are committed: resolves once the mark covering them is on disk, so the sender's
   * acknowledgement follows it. A failed write (reported to onError) resolves too: the events are stored.
   */
  advance(lastId: number): Promise<void> {
    if (lastId <= this.written) return Promise.resolve();
    this.wanted = Math.max(this.wanted, lastId);
    const durable = new Promise<void>((resolve) => this.waiters.push({ lastId, resolve }));
    this.kick();
    return durable;
  }

  private kick(): void {
    if (this.writing) return;
    this.writing = this.writeLoop()
      .catch((err: unknown) => {
        this.onError(err);
        this.release(Number.POSITIVE_INFINITY);
      })
      .finally(() => {
        this.writing = undefined;
        // A mark asked for after the loop's last check and before it ended.
        if (this.waiters.length > 0) this.kick();
      });
  }

  private release(upTo: number): void {
    const still: typeof this.waiters = [];
    for (const w of this.waiters) {
      if (w.lastId <= upTo) w.resolve();
      else still.push(w);
    }
    this.waiters = still;
  }

  async close(): Promise<void> {
    await this.writing;
    await this.handle?.close();
    this.handle = undefined;
  }

  private async writeLoop(): Promise<void> {
    while (this.written < this.wanted) {
      const value = this.wanted;
      // Created if missing: the start may have failed to write it (a full disk).
      this.handle ??= await open(this.file, constants.O_RDWR | constants.O_CREAT);
      // Fixed width, written in place: the mark is never half old, half new.
      await this.handle.write(String(value).padEnd(20), 0);
      await this.handle.datasync();
      this.written = value;
      this.release(value);
    }
  }
}
