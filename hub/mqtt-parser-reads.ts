// Makes mqtt-packet's small reads from its receive buffer (bl's BufferList) allocate nothing.
//
// mqtt-packet parses every packet from a `bl` BufferList: the fixed header's byte, the remaining length's bytes, the
// topic's length and text and the packet id, each through `readUInt8`, `readUInt16BE` or `toString`. bl 6 (what
// mqtt-packet 9.0.2, the latest, requires; bl 7 reads the same way and is ESM-only) answers every one of them by slicing: `_offset` makes a two-element array and `slice` a new Buffer view,
// which is then read at 0. That is about half a kilobyte of short-lived objects per PUBLISH (a sixth of what the hub
// allocates per stored event under ingest load) and a Buffer construction per read. Patching node_modules is not an
// option, and no mqtt-packet release parses without bl; so the three methods of the bl that mqtt-packet itself loads
// are replaced (on its BufferListStream, which `bl()` makes and which holds copies of BufferList's methods, and on
// BufferList) by ones that read the bytes where they lie. Only reads wholly inside the list take the
// new path, with exactly bl's result (a read that crosses from one received chunk into the next included); any other
// call (out of range, a negative or odd offset) goes to bl's own method, so its errors and edge cases are bl's.
// A prototype method is looked up at each call: installing after mqtt-packet has loaded is as good as before.
import { mqttPacketRequire } from './mqtt-packet-require.js';

interface BufferListLike {
  _bufs: Buffer[];
  length: number;
  readUInt8: (this: BufferListLike, offset?: number) => number;
  readUInt16BE: (this: BufferListLike, offset?: number) => number;
  toString: (this: BufferListLike, encoding?: BufferEncoding, start?: number, end?: number) => string;
}

type BufferListClass = { prototype: BufferListLike };

let installed: 'patched' | 'not-found' = 'not-found';

/** The byte at `offset` (0 <= offset < list.length, checked by the caller), read where it lies. */
function byteAt(bufs: readonly Buffer[], offset: number): number {
  let rest = offset;
  for (let i = 0; i < bufs.length; i++) {
    const buf = bufs[i]!;
    if (rest < buf.length) return buf[rest]!;
    rest -= buf.length;
  }
  // Unreachable when offset < the list's length (the sum of its buffers' lengths).
  throw new RangeError(`offset ${offset} outside the buffer list`);
}

/** Replaces the three reads on `BufferList.prototype`; the originals serve everything but in-range reads. */
export function patchBufferList(BufferList: BufferListClass): void {
  const proto = BufferList.prototype;
  const readUInt8 = proto.readUInt8;
  const readUInt16BE = proto.readUInt16BE;
  const toString = proto.toString;
  proto.readUInt8 = function (this: BufferListLike, offset = 0): number {
    if (Number.isInteger(offset) && offset >= 0 && offset < this.length) return byteAt(this._bufs, offset);
    return readUInt8.call(this, offset);
  };
  proto.readUInt16BE = function (this: BufferListLike, offset = 0): number {
    if (Number.isInteger(offset) && offset >= 0 && offset + 2 <= this.length) {
      return (byteAt(this._bufs, offset) << 8) | byteAt(this._bufs, offset + 1);
    }
    return readUInt16BE.call(this, offset);
  };
  proto.toString = function (this: BufferListLike, encoding?: BufferEncoding, start?: number, end?: number): string {
    if (
      typeof start === 'number' &&
      typeof end === 'number' &&
      Number.isInteger(start) &&
      Number.isInteger(end) &&
      start >= 0 &&
      start < end &&
      end <= this.length
    ) {
      // The buffer holding `start`: when the range ends in it too, its text is that buffer's, without a view.
      let first = start;
      const bufs = this._bufs;
      for (let i = 0; i < bufs.length; i++) {
        const buf = bufs[i]!;
        if (first < buf.length) {
          if (first + (end - start) <= buf.length) return buf.toString(encoding, first, first + (end - start));
          break;
        }
        first -= buf.length;
      }
    }
    return toString.call(this, encoding, start, end);
  };
}

function install(): void {
  const fromMqttPacket = mqttPacketRequire()?.fromMqttPacket;
  if (fromMqttPacket === undefined) return;
  // The `bl` that mqtt-packet's parser requires (its own copy, if it had one). `bl()` makes a BufferListStream, whose
  // prototype has its own copies of BufferList's methods: both are patched.
  const bl = fromMqttPacket('bl') as BufferListClass & { BufferList?: BufferListClass };
  if (typeof bl.prototype?.readUInt16BE !== 'function' || typeof bl.BufferList?.prototype?.readUInt16BE !== 'function')
    return;
  patchBufferList(bl);
  patchBufferList(bl.BufferList);
  installed = 'patched';
}

install();

/** For tests: whether the BufferList that mqtt-packet uses reads in place. */
export function mqttParserReadsState(): { installed: typeof installed } {
  return { installed };
}
