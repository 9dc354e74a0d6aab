// A durable high-water mark of acknowledged events beside the database, to notice at start a WAL that lost some.
import {
  close,
  closeSync,
  constants,
  fdatasync,
  fdatasyncSync,
  open,
  openSync,
  readFileSync,
  write,
  writeSync,
} from 'node:fs';

/**
 * The mark's file is opened for synchronised data writes where the system has them (Linux, macOS): each write
 * returns once its data is on disk, as a write then `fdatasync` did, in one request to libuv's thread pool instead
 * of two (session 69: one wake-up of a pool thread and one completion on the event loop less per acknowledged
 * batch, beside every press). Elsewhere (Windows: no O_DSYNC) the write is followed by `fdatasync` as before.
 */
const O_DSYNC: number | undefined = (constants as { O_DSYNC?: number }).O_DSYNC;

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
  /** The mark being written and fsynced (one at a time), or undefined. */
  private writing: number | undefined;
  private waiters: { lastId: number; resolve: () => void }[] = [];
  /** Told when no write is under way (close waits for it). */
  private idle: (() => void)[] = [];
  private fd: number | undefined;
  /**
   * The mark's 20 bytes, reused: one write at a time reads it. The write and the fsync go through fs's callbacks,
   * bound once: through fs/promises' FileHandle each batch's mark cost ~4 KB of promises, request objects and a
   * string's buffer (session 33: a tenth of what a sensor event allocates under 1,000 events/s).
   */
  private readonly bytes = Buffer.alloc(20);

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

  /** Writes the wanted mark unless a write is under way (which goes on to the next mark when it is done). */
  private kick(): void {
    if (this.writing !== undefined) return;
    if (this.written >= this.wanted) {
      this.becameIdle();
      return;
    }
    this.writing = this.wanted;
    // Created if missing: the start may have failed to write it (a full disk).
    if (this.fd === undefined)
      open(this.file, constants.O_RDWR | constants.O_CREAT | (O_DSYNC ?? 0), 0o600, this.opened);
    else this.writeMark(this.fd);
  }

  private readonly opened = (err: NodeJS.ErrnoException | null, fd: number): void => {
    if (err) this.failed(err);
    else {
      this.fd = fd;
      this.writeMark(fd);
    }
  };

  private writeMark(fd: number): void {
    // Fixed width, written in place: the mark is never half old, half new.
    this.bytes.write(String(this.writing).padEnd(20), 0, 'latin1');
    write(fd, this.bytes, 0, 20, 0, this.wrote);
  }

  private readonly wrote = (err: NodeJS.ErrnoException | null): void => {
    if (err) this.failed(err);
    else if (this.fd === undefined) this.failed(new Error('acknowledged-events mark closed while writing'));
    // With O_DSYNC the write itself waited for the disk.
    else if (O_DSYNC !== undefined) this.synced(null);
    else fdatasync(this.fd, this.synced);
  };

  private readonly synced = (err: NodeJS.ErrnoException | null): void => {
    if (err) {
      this.failed(err);
      return;
    }
    const value = this.writing ?? 0;
    this.writing = undefined;
    this.written = Math.max(this.written, value);
    this.release(value);
    // Marks asked for meanwhile share the next write.
    this.kick();
  };

  /** A failed write: reported, and every waiter released (their events are stored); the next batch tries again. */
  private failed(err: unknown): void {
    this.writing = undefined;
    try {
      this.onError(err);
    } finally {
      this.release(Number.POSITIVE_INFINITY);
      // A mark asked for after the failure.
      if (this.waiters.length > 0) this.kick();
      else this.becameIdle();
    }
  }

  private becameIdle(): void {
    if (this.idle.length === 0) return;
    const idle = this.idle;
    this.idle = [];
    for (const tell of idle) tell();
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
    if (this.writing !== undefined) await new Promise<void>((resolve) => this.idle.push(resolve));
    const fd = this.fd;
    this.fd = undefined;
    if (fd !== undefined) await new Promise<void>((resolve) => close(fd, () => resolve()));
  }
}
