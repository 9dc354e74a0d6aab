// How much of a WAL file the log holds now, from SQLite's WAL index (the `-shm` file), not from the file's size.
import fs from 'node:fs';
import os from 'node:os';

/** The WAL file's header and each frame's header, bytes (SQLite's file format, "WAL File Format"). */
const WAL_HEADER_BYTES = 32;
const FRAME_HEADER_BYTES = 24;
/** The WAL index header's version field (`WALINDEX_MAX_VERSION`), its first 4 bytes. */
const WAL_INDEX_VERSION = 3007000;

/**
 * The length of the log in a WAL file, read from the first copy of the WAL index header in the `-shm` file: its
 * version (offset 0), `isInit` (12), the page size (14, u16) and `mxFrame` (16, u32), in the machine's byte order
 * (SQLite's "WAL-index Format"). The header is what every connection reads at the start of a transaction; the store
 * reads it on the thread that commits, between commits, so it is never half written under this read.
 *
 * Why not the file's size: SQLite starts the log again at the file's beginning after a complete checkpoint and keeps
 * the file (up to `journal_size_limit`). A file cut back at each start grows again into pages and blocks it no
 * longer has, and on ext4 each such write takes the inode's block-map lock, which the WAL's fsync in libuv's pool
 * holds while it allocates the same file's delayed blocks: the alert's commit on the loop waited for it, and for the
 * truncation itself (docs/performance.md, "Alert path, 2026-12-01 (session 27)"). A file kept whole is written over
 * blocks it has; then its size says nothing about what it holds, and this does.
 */
export class WalLength {
  private readonly header = Buffer.alloc(20);
  private readonly little = os.endianness() === 'LE';

  private constructor(
    private readonly fd: number,
    private readonly pageSize: number,
  ) {}

  /** Opens the WAL index of `dbFile` (a database in WAL mode, open); undefined when it cannot be read as expected. */
  static open(dbFile: string, pageSize: number): WalLength | undefined {
    let fd: number;
    try {
      fd = fs.openSync(`${dbFile}-shm`, 'r');
    } catch {
      return undefined;
    }
    const length = new WalLength(fd, pageSize);
    if (length.bytes() === undefined) {
      length.close();
      return undefined;
    }
    return length;
  }

  /** Bytes of the WAL file the log holds (0 once started again and empty); undefined if the header is not as known. */
  bytes(): number | undefined {
    let read: number;
    try {
      read = fs.readSync(this.fd, this.header, 0, this.header.length, 0);
    } catch {
      return undefined;
    }
    if (read < this.header.length) return undefined;
    const h = this.header;
    const version = this.little ? h.readUInt32LE(0) : h.readUInt32BE(0);
    const szPage = this.little ? h.readUInt16LE(14) : h.readUInt16BE(14);
    // SQLite stores 65536 as 1 (it does not fit 16 bits).
    const pageSize = szPage === 1 ? 65536 : szPage;
    if (version !== WAL_INDEX_VERSION || h[12] !== 1 || pageSize !== this.pageSize) return undefined;
    const frames = this.little ? h.readUInt32LE(16) : h.readUInt32BE(16);
    return frames === 0 ? 0 : WAL_HEADER_BYTES + frames * (pageSize + FRAME_HEADER_BYTES);
  }

  close(): void {
    try {
      fs.closeSync(this.fd);
    } catch {
      // Already closed.
    }
  }
}
