// After an fsync of the WAL failed: its frames written again, so that the next fsync carries them to the disk.
//
// Linux marks the pages of a failed writeback clean (EIO once, then "success" for fsyncs that find nothing dirty):
// the failed frames stay readable in the page cache but may never reach the disk, and SQLite's recovery after a power
// cut stops at the first frame whose checksum chain breaks, taking every later commit with it. Writing the same bytes
// back makes those pages dirty again; an fsync that succeeds after it has them all on the disk. Only frames whose
// checksum chain holds as read now are written back: a page that left the page cache (read back from the disk) breaks
// the chain, and that is reported, not carried (see docs/resilience.md, session 31).
import fs from 'node:fs';
import os from 'node:os';

const WAL_HEADER_BYTES = 32;
const FRAME_HEADER_BYTES = 24;
/** SQLite's WAL magic; its low bit says the checksum's words are big-endian. */
const WAL_MAGIC = 0x377f0682;
const HOST_BIG_ENDIAN = os.endianness() === 'BE';
/** Frames read, checked and written back at a time. */
const CHUNK_FRAMES = 256;

/** SQLite's WAL checksum (walChecksumBytes) over `length` bytes (a multiple of 8) of `buf` from `start`. */
function checksum(
  buf: Buffer,
  start: number,
  length: number,
  sums: [number, number],
  bigEndian: boolean,
): [number, number] {
  let [s1, s2] = sums;
  // The words in this machine's order (the usual case: SQLite writes the log in its host's order), read as a typed
  // array: several times faster than a read call per word, on the fault path's whole log.
  if (bigEndian === HOST_BIG_ENDIAN && (buf.byteOffset + start) % 4 === 0) {
    const words = new Uint32Array(buf.buffer, buf.byteOffset + start, length / 4);
    for (let i = 0; i < words.length; i += 2) {
      s1 = (s1 + words[i]! + s2) >>> 0;
      s2 = (s2 + words[i + 1]! + s1) >>> 0;
    }
    return [s1, s2];
  }
  const end = start + length;
  for (let i = start; i < end; i += 8) {
    const x0 = bigEndian ? buf.readUInt32BE(i) : buf.readUInt32LE(i);
    const x1 = bigEndian ? buf.readUInt32BE(i + 4) : buf.readUInt32LE(i + 4);
    s1 = (s1 + x0 + s2) >>> 0;
    s2 = (s2 + x1 + s1) >>> 0;
  }
  return [s1, s2];
}

/**
 * Write the WAL's header and every frame of its valid checksum chain back in place (the same bytes), on `fd`; the
 * caller holds SQLite's write lock, so no frame is appended or the log started again meanwhile. `logBytes`, when
 * known (SQLite's wal hook), is the log's length after the last commit: a chain that ends before it means frames the
 * disk refused are no longer in the page cache, and an Error is thrown (nothing can carry them now). Returns the bytes
 * of the log up to its last commit frame (0: no log).
 */
export function writeWalAgain(fd: number, logBytes: number | undefined): number {
  if (logBytes === 0) return 0;
  const header = Buffer.alloc(WAL_HEADER_BYTES);
  const headerValid = (): boolean => {
    if (fs.readSync(fd, header, 0, WAL_HEADER_BYTES, 0) < WAL_HEADER_BYTES) return false;
    if ((header.readUInt32BE(0) & ~1) !== WAL_MAGIC) return false;
    const [s1, s2] = checksum(header, 0, 24, [0, 0], (header.readUInt32BE(0) & 1) === 1);
    return s1 === header.readUInt32BE(24) && s2 === header.readUInt32BE(28);
  };
  if (!headerValid()) {
    if (logBytes === undefined) return 0;
    throw new Error('the WAL header is not in the page cache any more: its failed frames cannot be written again');
  }
  const bigEndian = (header.readUInt32BE(0) & 1) === 1;
  const pageSize = header.readUInt32BE(8);
  const salt1 = header.readUInt32BE(16);
  const salt2 = header.readUInt32BE(20);
  const frameBytes = FRAME_HEADER_BYTES + pageSize;
  fs.writeSync(fd, header, 0, WAL_HEADER_BYTES, 0);
  let sums: [number, number] = [header.readUInt32BE(24), header.readUInt32BE(28)];
  let committedEnd = WAL_HEADER_BYTES;
  const buf = Buffer.alloc(CHUNK_FRAMES * frameBytes);
  for (let offset = WAL_HEADER_BYTES; ;) {
    const read = fs.readSync(fd, buf, 0, buf.length, offset);
    const frames = Math.floor(read / frameBytes);
    let valid = 0;
    for (; valid < frames; valid++) {
      const at = valid * frameBytes;
      if (buf.readUInt32BE(at + 8) !== salt1 || buf.readUInt32BE(at + 12) !== salt2) break;
      const next = checksum(buf, at + FRAME_HEADER_BYTES, pageSize, checksum(buf, at, 8, sums, bigEndian), bigEndian);
      if (next[0] !== buf.readUInt32BE(at + 16) || next[1] !== buf.readUInt32BE(at + 20)) break;
      sums = next;
      // A commit frame says the database's size in pages after the commit.
      if (buf.readUInt32BE(at + 4) !== 0) committedEnd = offset + at + frameBytes;
    }
    // Frames of a commit whose last frame is in the next chunk included: the same bytes, whatever follows.
    if (valid > 0) fs.writeSync(fd, buf, 0, valid * frameBytes, offset);
    if (valid < CHUNK_FRAMES) break;
    offset += valid * frameBytes;
  }
  if (logBytes !== undefined && committedEnd < logBytes) {
    throw new Error(
      `the WAL's checksum chain ends at byte ${committedEnd} of ${logBytes}: failed frames left the page cache and cannot be written again`,
    );
  }
  return committedEnd - WAL_HEADER_BYTES > 0 ? committedEnd : 0;
}
